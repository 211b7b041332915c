package e2e

import (
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/report"
)

// accountTruth is what a report must say about one account, computed from
// the simulator's model.
type accountTruth struct {
	Status         string
	RegionsScanned int
	Evaluations    report.Evaluations
	Resources      int
	Findings       int
}

// truth is what the report of a complete run must say, computed from the
// simulator's model with rules of its own, never from the scanner's code:
//
//   - an account is reachable when its read role exists, trusts the
//     scanner role (or the hub account) and asks for no external ID, and is
//     unreachable otherwise (each of its regions counts as unreachable);
//   - a region has rule results when Config is enabled there (a customer
//     managed recorder exists, running or not, or there are rules) and no
//     SCP denies it (the management account is never subject to SCPs); a
//     stopped customer managed recorder still has results;
//   - a reachable account is scanned when some region has results and no
//     region has Config off (an SCP-blocked region is not a gap), partially
//     scanned when some region has results and another has Config off, and
//     has no data when no region has results;
//   - every rule of such a region but a proactive-only one is one
//     evaluation of its compliance; the non-compliant resources are those
//     of its NON_COMPLIANT rules, counted once per account (a global type's
//     once whatever region reports it), and a finding is such a resource
//     under one rule (manager and base name);
//   - the rules are counted once per check (base name) and manager.
//
// It does not model denied actions or disabled regions: checkOrg makes sure
// the organization has none.
type truth struct {
	Totals   report.Totals
	Accounts map[string]accountTruth
}

// groundTruth returns the truth for a run over the given accounts, listed
// from the whole organization with no OU or account filter, as every
// end-to-end run is: the organization's totals count every account of the
// model, the inactive ones by state.
func groundTruth(org *orgsim.Org, accountIDs []string) truth {
	scanner := org.HubRoleARN(org.Spec.ScannerRoleName)
	hubRoot := fmt.Sprintf("arn:%s:iam::%s:root", org.Partition, org.HubAccountID)
	tr := truth{Accounts: make(map[string]accountTruth, len(accountIDs))}
	rules := map[string]bool{}
	tr.Totals.Accounts = len(accountIDs)
	cov := &report.CoverageTotals{AccountRegions: len(accountIDs) * len(org.Regions)}
	tr.Totals.Coverage = cov
	tr.Totals.Organization = &report.OrganizationTotals{Accounts: len(org.Accounts)}
	for _, a := range org.Accounts {
		if a.State == orgsim.StateActive {
			continue
		}
		if tr.Totals.Organization.InactiveByState == nil {
			tr.Totals.Organization.InactiveByState = map[string]int{}
		}
		tr.Totals.Organization.Inactive++
		tr.Totals.Organization.InactiveByState[string(a.State)]++
	}
	for _, id := range accountIDs {
		a := org.Account(id)
		role, ok := a.Role(org.Spec.ReadRoleName)
		if !ok || role.ExternalID != "" || (!slices.Contains(role.Trusted, scanner) && !slices.Contains(role.Trusted, hubRoot)) {
			tr.Totals.Unreachable++
			cov.Unreachable += len(org.Regions)
			tr.Accounts[id] = accountTruth{Status: report.StatusUnreachable}
			continue
		}
		at := accountTruth{}
		configOff := 0
		resources, findings := map[string]bool{}, map[string]bool{}
		for _, region := range org.Regions {
			rc := a.RegionConfig(region)
			// A region is read where it has a customer managed recorder or
			// rules (Security Hub's, with only its service-linked recorder),
			// unless an SCP denies it; the management account is never
			// subject to SCPs.
			switch {
			case id != org.ManagementAccountID && slices.Contains(a.SCPDeniedRegions, region):
				cov.BlockedBySCP++
				continue
			case rc.Recorder == nil && len(rc.Rules) == 0:
				cov.ConfigNotEnabled++
				configOff++
				continue
			}
			cov.WithResults++
			if rc.Recorder != nil && !rc.Recorder.Recording {
				cov.RecorderStopped++
			}
			at.RegionsScanned++
			for _, r := range rc.Rules {
				// One rule per check and manager, as the simulator deployed it.
				rules[string(r.Manager)+"/"+r.BaseName] = true
				if r.ProactiveOnly() {
					continue // no detective result: in no figure
				}
				switch r.Compliance {
				case orgsim.Compliant:
					at.Evaluations.Compliant++
				case orgsim.NonCompliant:
					at.Evaluations.NonCompliant++
					for _, res := range r.NonCompliant {
						where := region
						if report.GlobalType(res.Type) {
							where = ""
						}
						key := where + "|" + res.Type + "|" + res.ID
						resources[key] = true
						findings[string(r.Manager)+"/"+r.BaseName+"|"+key] = true
					}
				case orgsim.NotApplicable:
					at.Evaluations.NotApplicable++
				case orgsim.InsufficientData:
					at.Evaluations.InsufficientData++
				}
			}
		}
		at.Resources, at.Findings = len(resources), len(findings)
		switch {
		case at.RegionsScanned == 0:
			at.Status = report.StatusNoData
			tr.Totals.NoData++
		case configOff > 0:
			at.Status = report.StatusPartial
			tr.Totals.Scanned++
			tr.Totals.Partial++
		default:
			at.Status = report.StatusScanned
			tr.Totals.Scanned++
		}
		tr.Accounts[id] = at
		tr.Totals.Compliant += at.Evaluations.Compliant
		tr.Totals.NonCompliant += at.Evaluations.NonCompliant
		tr.Totals.NotApplicable += at.Evaluations.NotApplicable
		tr.Totals.InsufficientData += at.Evaluations.InsufficientData
		tr.Totals.Resources += at.Resources
		tr.Totals.Findings += at.Findings
	}
	tr.Totals.Rules = len(rules)
	return tr
}

// reported returns what a summary says in the shape of truth.
func reported(s *report.Summary) truth {
	tr := truth{Totals: s.Totals, Accounts: make(map[string]accountTruth, len(s.Accounts))}
	for _, a := range s.Accounts {
		tr.Accounts[a.ID] = accountTruth{Status: a.Status, RegionsScanned: a.RegionsScanned, Evaluations: a.Evaluations, Resources: a.Resources, Findings: a.Findings}
	}
	return tr
}

// checkOrg fails the test unless the organization has what the end-to-end
// run is meant to cover (several OUs, inactive and unreachable accounts,
// Config not enabled in a region) and nothing groundTruth does not model.
func checkOrg(t *testing.T, org *orgsim.Org) {
	t.Helper()
	active := org.ActiveAccounts()
	tr := groundTruth(org, active)
	ous := map[string]bool{}
	configOff := 0
	for _, a := range org.Accounts {
		ous[a.ParentID] = true
		if len(a.DeniedActions) > 0 || len(a.DisabledRegions) > 0 {
			t.Fatalf("account %s has denied actions %v or disabled regions %v, which the ground truth does not model",
				a.ID, a.DeniedActions, a.DisabledRegions)
		}
		if a.State != orgsim.StateActive {
			continue
		}
		for _, region := range org.Regions {
			if rc := a.RegionConfig(region); rc.Recorder == nil && len(rc.Rules) == 0 {
				configOff++
			}
		}
	}
	switch {
	case len(ous) < 3:
		t.Fatalf("accounts are in %d OUs, want several", len(ous))
	case len(active) == len(org.Accounts):
		t.Fatalf("no inactive account")
	case tr.Totals.Unreachable == 0:
		t.Fatalf("no unreachable account")
	case configOff == 0:
		t.Fatalf("no active account has Config disabled in a region")
	case tr.Totals.Resources == 0:
		t.Fatalf("no non-compliant resource")
	}
}

// sorted returns a sorted copy of ids.
func sorted(ids []string) []string {
	out := slices.Clone(ids)
	sort.Strings(out)
	return out
}
