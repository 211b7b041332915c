package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/config-report/config-report/internal/orgsim"
)

// demoEpoch is the simulated time of the first demo week: a Monday, 06:00
// UTC, three hours before the weekly run.
var demoEpoch = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)

// runHour is how long after the week's reference time the weekly run starts.
const runHour = 3 * time.Hour

// demoOrgSpec says which simulated organization the demo scans.
type demoOrgSpec struct {
	Seed           int64
	Accounts       int
	Regions        []string
	DisabledRegion string // a region where Config is not enabled in any account
}

// weekStart returns the simulated start time of week's run (week 1 is the
// first).
func weekStart(week int) time.Time {
	return demoEpoch.AddDate(0, 0, 7*(week-1)).Add(runHour)
}

// demoOrg generates the organization as it is in the given week: the seed's
// organization, then every week's changes since the first applied in turn,
// so the same spec and week always give the same organization and each week
// differs a little from the one before.
func demoOrg(s demoOrgSpec, week int) *orgsim.Org {
	o := orgsim.Generate(orgsim.Spec{
		Seed:                 s.Seed,
		Accounts:             s.Accounts,
		Regions:              s.Regions,
		ConfigDisabledRegion: s.DisabledRegion,
		Now:                  demoEpoch.AddDate(0, 0, 7*(week-1)),
	})
	for w := 2; w <= week; w++ {
		evolve(o, s.Seed, w)
	}
	return o
}

// weekChangeShare is the share of accounts that change in one region each week.
const weekChangeShare = 0.1

// evolve applies week w's changes: in about one account in ten, in one
// region, some non-compliant resources of a rule are fixed (the rule turns
// COMPLIANT when none is left) and a resource of a compliant rule turns
// non-compliant. The changes are a function of the seed and the week alone.
func evolve(o *orgsim.Org, seed int64, w int) {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(w)))
	now := o.Spec.Now
	var regions []string
	for _, reg := range o.Regions {
		if reg != o.Spec.ConfigDisabledRegion {
			regions = append(regions, reg)
		}
	}
	if len(regions) == 0 {
		return
	}
	for _, id := range o.ActiveAccounts() {
		if r.Float64() >= weekChangeShare {
			continue
		}
		region := regions[r.IntN(len(regions))]
		fix, regress := r.Float64() < 0.6, r.Float64() < 0.6
		pick, extra := r.Uint64(), r.IntN(3)
		err := o.UpdateRegionConfig(id, region, func(rc *orgsim.RegionConfig) {
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
			panic(fmt.Sprintf("evolve the demo organization: %v", err)) // the ID comes from the organization itself
		}
	}
}

// fixSome makes up to n non-compliant resources of one non-compliant rule
// compliant.
func fixSome(rc *orgsim.RegionConfig, pick uint64, n int) {
	var nc []int
	for i, ru := range rc.Rules {
		if ru.Compliance == orgsim.NonCompliant && len(ru.NonCompliant) > 0 {
			nc = append(nc, i)
		}
	}
	if len(nc) == 0 {
		return
	}
	ru := &rc.Rules[nc[pick%uint64(len(nc))]]
	n = min(n, len(ru.NonCompliant))
	fixed := ru.NonCompliant[:n]
	for _, res := range fixed {
		res.Annotation = ""
		ru.CompliantResources = append(ru.CompliantResources, res)
	}
	ru.NonCompliant = slices.Clone(ru.NonCompliant[n:])
	if len(ru.NonCompliant) == 0 {
		ru.Compliance = orgsim.Compliant
	}
}

// breakOne makes one compliant resource of a compliant rule non-compliant,
// recorded during the week before now.
func breakOne(rc *orgsim.RegionConfig, pick uint64, now time.Time, w int) {
	var ok []int
	for i, ru := range rc.Rules {
		if ru.Compliance == orgsim.Compliant && len(ru.CompliantResources) > 0 {
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
	ru.Compliance = orgsim.NonCompliant
	ru.LastEvaluatedAt = res.RecordedAt
}
