package orgsim

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// weekSpec is the organization the weekly tests evolve.
var weekSpec = Spec{Seed: 5, Accounts: 80, Regions: []string{"us-east-1", "eu-west-1"}}

func mustGenerateWeek(t *testing.T, spec Spec, week int) *Org {
	t.Helper()
	o, err := GenerateWeek(spec, week)
	if err != nil {
		t.Fatalf("GenerateWeek(seed %d, %d): %v", spec.Seed, week, err)
	}
	return o
}

func TestGenerateWeekIsDeterministic(t *testing.T) {
	for _, week := range []int{1, 2, 3} {
		a, b := viewOf(mustGenerateWeek(t, weekSpec, week)), viewOf(mustGenerateWeek(t, weekSpec, week))
		if diff := cmp.Diff(a, b, ignoreAccountInternals); diff != "" {
			t.Errorf("GenerateWeek(seed %d, %d) twice differs (-first +second):\n%s", weekSpec.Seed, week, diff)
		}
	}
	// Week 1 is the organization as generated.
	if diff := cmp.Diff(viewOf(Generate(weekSpec)), viewOf(mustGenerateWeek(t, weekSpec, 1)), ignoreAccountInternals); diff != "" {
		t.Errorf("GenerateWeek(spec, 1) differs from Generate(spec) (-Generate +GenerateWeek):\n%s", diff)
	}
}

func TestGenerateWeekRefusesWeekZero(t *testing.T) {
	if o, err := GenerateWeek(weekSpec, 0); err == nil {
		t.Errorf("GenerateWeek(spec, 0) = %d accounts, want an error", len(o.Accounts))
	}
}

// TestGenerateWeekChanges compares week 2 with the organization generated for
// the same time without the week's changes: only the changed account-regions
// differ, in about one active account in ten, and each change fixes
// non-compliant resources or breaks a compliant one.
func TestGenerateWeekChanges(t *testing.T) {
	after := mustGenerateWeek(t, weekSpec, 2)
	spec := weekSpec
	spec.Now = after.Spec.Now
	before := Generate(spec)
	if got, want := after.Spec.Now.Sub(Generate(weekSpec).Spec.Now).Hours(), 7*24.0; got != want {
		t.Errorf("week 2's Now is %v hours after week 1's, want %v", got, want)
	}
	vb, va := viewOf(before), viewOf(after)
	if diff := cmp.Diff(vb.Accounts, va.Accounts, ignoreAccountInternals); diff != "" {
		t.Errorf("a week changed accounts (-before +after):\n%s", diff)
	}
	changed, fixed, broken := 0, 0, 0
	for key, rb := range vb.Regions {
		ra := va.Regions[key]
		if cmp.Equal(rb, ra) {
			continue
		}
		changed++
		if diff := cmp.Diff(rb.Recorder, ra.Recorder); diff != "" || len(rb.Rules) != len(ra.Rules) {
			t.Errorf("%s: the week changed more than compliance: recorder (-before +after):\n%s", key, diff)
			continue
		}
		for i, b := range rb.Rules {
			a := ra.Rules[i]
			nb, na := resourceIDs(b.NonCompliant), resourceIDs(a.NonCompliant)
			for id := range nb {
				if !na[id] {
					fixed++
				}
			}
			for _, res := range a.NonCompliant {
				if nb[res.ID] {
					continue
				}
				broken++
				if !strings.HasPrefix(res.Annotation, "Changed in week 2: ") || res.RecordedAt.After(after.Spec.Now) || !a.LastEvaluatedAt.Equal(res.RecordedAt) {
					t.Errorf("%s %s: broken resource %+v, rule last evaluated %v; want annotated, recorded before Now and the rule evaluated then", key, a.Name, res, a.LastEvaluatedAt)
				}
			}
			if len(b.NonCompliant)+len(b.CompliantResources) != len(a.NonCompliant)+len(a.CompliantResources) {
				t.Errorf("%s %s: %d resources before, %d after; a week moves resources, never adds or drops them", key, a.Name,
					len(b.NonCompliant)+len(b.CompliantResources), len(a.NonCompliant)+len(a.CompliantResources))
			}
			if want := wantCompliance(b, a); a.Compliance != want {
				t.Errorf("%s %s: compliance %s with %d non-compliant resources (was %s), want %s", key, a.Name, a.Compliance, len(a.NonCompliant), b.Compliance, want)
			}
		}
	}
	active := len(after.ActiveAccounts())
	if changed == 0 || changed > active/5 || fixed == 0 || broken == 0 {
		t.Errorf("week 2 changed %d of %d active accounts' regions (%d resources fixed, %d broken); want about one in ten, with both", changed, active, fixed, broken)
	}
}

// wantCompliance is what a rule's compliance must be after a week, given what
// it was: non-compliant while any resource is, compliant when a
// non-compliant rule has none left, otherwise unchanged.
func wantCompliance(before, after Rule) ComplianceType {
	switch {
	case len(after.NonCompliant) > 0:
		return NonCompliant
	case before.Compliance == NonCompliant:
		return Compliant
	}
	return before.Compliance
}

// resourceIDs returns the IDs of resources (a rule's are all of one type).
func resourceIDs(rs []Resource) map[string]bool {
	m := make(map[string]bool, len(rs))
	for _, r := range rs {
		m[r.ID] = true
	}
	return m
}

// TestGenerateWeekChangesAFewFindings follows the non-compliant findings from
// week to week: each week fixes a few and breaks a few, and most persist.
func TestGenerateWeekChangesAFewFindings(t *testing.T) {
	nonCompliant := func(o *Org) map[string]bool {
		m := map[string]bool{}
		for _, id := range o.ActiveAccounts() {
			for _, region := range o.Regions {
				for _, rule := range o.Account(id).RegionConfig(region).Rules {
					for _, res := range rule.NonCompliant {
						m[id+"/"+region+"/"+rule.Name+"/"+res.ID] = true
					}
				}
			}
		}
		return m
	}
	weeks := []map[string]bool{
		nonCompliant(mustGenerateWeek(t, weekSpec, 1)),
		nonCompliant(mustGenerateWeek(t, weekSpec, 2)),
		nonCompliant(mustGenerateWeek(t, weekSpec, 3)),
	}
	for i := 1; i < len(weeks); i++ {
		prev, cur := weeks[i-1], weeks[i]
		fixed, broken := 0, 0
		for k := range prev {
			if !cur[k] {
				fixed++
			}
		}
		for k := range cur {
			if !prev[k] {
				broken++
			}
		}
		if fixed == 0 || broken == 0 || fixed+broken > len(prev)/5 {
			t.Errorf("week %d → %d: %d fixed, %d broken of %d; want a few of each", i, i+1, fixed, broken, len(prev))
		}
	}
}
