package orgsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// weekChangeShare is the share of active accounts that change, in one region,
// each week.
const weekChangeShare = 0.1

// GenerateWeek builds the organization spec describes as it is in the given
// week of its life, week 1 being the first: Generate's organization with Now
// moved on by week-1 weeks (spec.Now is the first week's reference time),
// then every week's changes since the first applied in turn.
//
// Each week, in about one active account in ten and in one of its regions
// with a customer managed recorder, some non-compliant resources of a
// non-compliant rule are fixed, and a resource of a compliant rule turns
// non-compliant. The
// changes are a function of the seed and the week alone, so the same spec
// and week always give the same organization and each week differs a little
// from the one before; a report that compares two weeks finds new and
// resolved findings.
func GenerateWeek(spec Spec, week int) (*Org, error) {
	if week < 1 {
		return nil, fmt.Errorf("orgsim: week %d: weeks count from 1", week)
	}
	spec.Now = spec.withDefaults().Now.AddDate(0, 0, 7*(week-1))
	o := Generate(spec)
	for w := 2; w <= week; w++ {
		if err := o.evolve(w); err != nil {
			return nil, fmt.Errorf("orgsim: week %d: %w", w, err)
		}
	}
	return o, nil
}

// evolve applies week w's changes: in about one active account in ten, in
// one region with a customer managed recorder, up to three non-compliant
// resources of a rule are fixed and a resource of a compliant rule turns
// non-compliant, each with a chance of 0.6.
func (o *Org) evolve(w int) error {
	r := rand.New(rand.NewPCG(uint64(o.Spec.Seed), uint64(w)))
	now := o.Spec.Now
	var regions []string
	for _, reg := range o.Regions {
		if reg != o.Spec.ConfigDisabledRegion {
			regions = append(regions, reg)
		}
	}
	if len(regions) == 0 {
		return nil
	}
	for _, id := range o.ActiveAccounts() {
		if r.Float64() >= weekChangeShare {
			continue
		}
		region := regions[r.IntN(len(regions))]
		fix, regress := r.Float64() < 0.6, r.Float64() < 0.6
		pick, extra := r.Uint64(), r.IntN(3)
		err := o.UpdateRegionConfig(id, region, func(rc *RegionConfig) {
			if rc.Recorder == nil {
				return
			}
			if fix {
				fixSome(rc, pick, 1+extra)
			}
			if regress {
				breakOne(rc, pick, now, w)
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fixSome makes up to n non-compliant resources of one non-compliant rule
// compliant. A rule none of whose resources is non-compliant any more is
// COMPLIANT: "A rule is compliant if all of the resources that the rule
// evaluates comply with it. A rule is noncompliant if any of these resources
// do not comply" (Config API reference, Compliance).
func fixSome(rc *RegionConfig, pick uint64, n int) {
	var nc []int
	for i, ru := range rc.Rules {
		if ru.Compliance == NonCompliant && len(ru.NonCompliant) > 0 {
			nc = append(nc, i)
		}
	}
	if len(nc) == 0 {
		return
	}
	ru := &rc.Rules[nc[pick%uint64(len(nc))]]
	n = min(n, len(ru.NonCompliant))
	for _, res := range ru.NonCompliant[:n] {
		res.Annotation = ""
		ru.CompliantResources = append(ru.CompliantResources, res)
	}
	ru.NonCompliant = slices.Clone(ru.NonCompliant[n:])
	if len(ru.NonCompliant) == 0 {
		ru.Compliance = Compliant
	}
}

// breakOne makes one compliant resource of a compliant rule non-compliant,
// recorded during the week before now; the rule, having a non-compliant
// resource, is NON_COMPLIANT (see fixSome), last evaluated then.
func breakOne(rc *RegionConfig, pick uint64, now time.Time, w int) {
	var ok []int
	for i, ru := range rc.Rules {
		if ru.Compliance == Compliant && len(ru.CompliantResources) > 0 {
			ok = append(ok, i)
		}
	}
	if len(ok) == 0 {
		return
	}
	ru := &rc.Rules[ok[(pick>>16)%uint64(len(ok))]]
	res := ru.CompliantResources[0]
	ru.CompliantResources = slices.Clone(ru.CompliantResources[1:])
	res.Annotation = fmt.Sprintf("Changed in week %d: %s no longer meets %s.", w, res.ID, ru.BaseName)
	res.RecordedAt = now.Add(-time.Duration(1+pick%(6*24)) * time.Hour)
	ru.NonCompliant = append(ru.NonCompliant, res)
	ru.Compliance = NonCompliant
	ru.LastEvaluatedAt = res.RecordedAt
}
