package orgsim

import (
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// orgView is what two generations must agree on.
type orgView struct {
	OrgID, RootID, Management, Hub string
	OUs                            []OU
	Accounts                       []Account
	Regions                        map[string]RegionConfig
}

func viewOf(o *Org) orgView {
	v := orgView{OrgID: o.OrgID, RootID: o.RootID, Management: o.ManagementAccountID, Hub: o.HubAccountID, Regions: map[string]RegionConfig{}}
	for _, ou := range o.OUs {
		v.OUs = append(v.OUs, *ou)
	}
	for _, a := range o.Accounts {
		v.Accounts = append(v.Accounts, *a)
		for _, r := range o.Regions {
			v.Regions[a.ID+"/"+r] = a.RegionConfig(r)
		}
	}
	return v
}

var ignoreAccountInternals = cmpopts.IgnoreUnexported(Account{})

func TestGenerateIsDeterministic(t *testing.T) {
	spec := Spec{Seed: 42, Accounts: 30}
	a, b := viewOf(Generate(spec)), viewOf(Generate(spec))
	if diff := cmp.Diff(a, b, ignoreAccountInternals); diff != "" {
		t.Fatalf("Generate(%+v) twice differs (-first +second):\n%s", spec, diff)
	}
	c := viewOf(Generate(Spec{Seed: 43, Accounts: 30}))
	if cmp.Equal(a, c, ignoreAccountInternals) {
		t.Fatal("Generate with seeds 42 and 43 gave the same organization")
	}
}

func TestGenerateDefaults(t *testing.T) {
	org := Generate(Spec{Seed: 1})
	s := org.Spec
	if got, want := len(org.Accounts), DefaultAccounts; got != want {
		t.Errorf("accounts = %d, want %d", got, want)
	}
	if diff := cmp.Diff(DefaultRegions, org.Regions); diff != "" {
		t.Errorf("regions (-want +got):\n%s", diff)
	}
	if got := len(org.OUs); got != 3+9 {
		t.Errorf("OUs = %d, want 12 (depth 2, fanout 3)", got)
	}
	if !slices.IsSortedFunc(org.Accounts, func(a, b *Account) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("accounts are not sorted by ID")
	}
	idPattern := regexp.MustCompile(`^\d{12}$`)
	ouPattern := regexp.MustCompile(`^ou-` + org.RootID[2:] + `-[a-z0-9]{8}$`)
	for _, ou := range org.OUs {
		if !ouPattern.MatchString(ou.ID) {
			t.Errorf("OU ID %q does not match %s", ou.ID, ouPattern)
		}
	}
	states := map[AccountState]int{}
	unreachable := 0
	for _, a := range org.Accounts {
		if !idPattern.MatchString(a.ID) {
			t.Errorf("account ID %q is not 12 digits", a.ID)
		}
		states[a.State]++
		if r, ok := a.Role(s.ReadRoleName); !ok || r.ExternalID != "" || !slices.Contains(r.Trusted, org.HubRoleARN(s.ScannerRoleName)) {
			unreachable++
		}
	}
	if got := len(org.Accounts) - states[StateActive]; got != 50/25 {
		t.Errorf("inactive accounts = %d (%v), want %d", got, states, 50/25)
	}
	if unreachable != 50/25 {
		t.Errorf("unreachable accounts = %d, want %d", unreachable, 50/25)
	}
	if org.Account(org.ManagementAccountID).ParentID != org.RootID {
		t.Error("the management account is not under the root")
	}
	if _, ok := org.Account(org.ManagementAccountID).Role(s.OrgRoleName); !ok {
		t.Errorf("the management account has no %s", s.OrgRoleName)
	}

	a := healthyAccount(t, org)
	packRule := regexp.MustCompile(`^(.+)-conformance-pack-([a-z0-9]{9})$`)
	for _, region := range org.Regions {
		rc := a.RegionConfig(region)
		if rc.Recorder == nil || !rc.Recorder.Recording {
			t.Fatalf("%s/%s: recorder %+v, want recording", a.ID, region, rc.Recorder)
		}
		// The customer's and the packs' rules, Security Hub's 8, the 3
		// organization rules, the proactive one and, for an account in an
		// OU, Control Tower's 3.
		want := DefaultRulesPerRegion + 8 + 3 + 1
		if a.ParentID != org.RootID {
			want += 3
		}
		if got := len(rc.Rules); got != want {
			t.Errorf("%s/%s: %d rules, want %d", a.ID, region, got, want)
		}
		if len(rc.ConformancePacks) != 1 {
			t.Fatalf("%s/%s: %d conformance packs, want 1", a.ID, region, len(rc.ConformancePacks))
		}
		pack := rc.ConformancePacks[0]
		inPack := 0
		for _, r := range rc.Rules {
			m := packRule.FindStringSubmatch(r.Name)
			if (m != nil) != (r.ConformancePack != "") {
				t.Errorf("rule %s: name and ConformancePack %q disagree", r.Name, r.ConformancePack)
			}
			if m != nil {
				inPack++
				if m[1] != r.BaseName || "conformance-pack-"+m[2] != pack.ID {
					t.Errorf("pack rule %s: base %q, suffix %q; want base %q and pack ID %s", r.Name, m[1], m[2], r.BaseName, pack.ID)
				}
			}
			switch r.Compliance {
			case NonCompliant:
				if len(r.NonCompliant) == 0 || len(r.NonCompliant) > s.ResourcesPerRule {
					t.Errorf("rule %s: %d non-compliant resources, want 1..%d", r.Name, len(r.NonCompliant), s.ResourcesPerRule)
				}
			case Compliant, InsufficientData:
				if len(r.NonCompliant) != 0 {
					t.Errorf("rule %s is %s with non-compliant resources", r.Name, r.Compliance)
				}
			default:
				t.Errorf("rule %s: compliance %q", r.Name, r.Compliance)
			}
		}
		if want := DefaultRulesPerRegion / 3; inPack != want {
			t.Errorf("%s/%s: %d pack rules, want %d", a.ID, region, inPack, want)
		}
	}
}

func TestGenerateProblemAccounts(t *testing.T) {
	spec := Spec{
		Seed: 7, Accounts: 40,
		Regions:                []string{"us-east-1", "eu-south-1"},
		ConfigDisabledRegion:   "us-east-1",
		InactiveAccounts:       3,
		UnreachableAccounts:    3,
		AccessDeniedAccounts:   2,
		DisabledRegionAccounts: 2,
	}
	org := Generate(spec)
	var inactive, denied, disabled int
	for _, a := range org.Accounts {
		if a.State != StateActive {
			inactive++
		}
		if slices.Equal(a.DeniedActions, []string{DefaultDeniedAction}) {
			denied++
		}
		if slices.Equal(a.DisabledRegions, []string{"eu-south-1"}) {
			disabled++
		}
		if rc := a.RegionConfig("us-east-1"); rc.Recorder != nil || len(rc.Rules) != 0 {
			t.Errorf("%s: Config enabled in the Config-disabled region", a.ID)
		}
	}
	got := []int{inactive, denied, disabled}
	if want := []int{3, 2, 2}; !slices.Equal(got, want) {
		t.Errorf("inactive, denied, disabled-region accounts = %v, want %v", got, want)
	}

	none := Generate(Spec{Seed: 7, Accounts: 40, InactiveAccounts: -1, UnreachableAccounts: -1,
		ConfigDisabledAccounts: -1, RecorderStoppedAccounts: -1, AccessDeniedAccounts: -1,
		ServiceLinkedRecorderAccounts: -1, SCPDeniedRegion: "none"})
	for _, a := range none.Accounts {
		if a.State != StateActive || a.gen != (accountGen{inOU: a.gen.inOU}) || len(a.DeniedActions) > 0 || len(a.SCPDeniedRegions) > 0 {
			t.Errorf("account %s has a problem although every count is negative: %+v", a.ID, a)
		}
	}
}

func TestUpdateRegionConfigWins(t *testing.T) {
	org := Generate(Spec{Seed: 3, Accounts: 10})
	a := healthyAccount(t, org)
	before := a.RegionConfig("eu-west-1")
	err := org.UpdateRegionConfig(a.ID, "eu-west-1", func(rc *RegionConfig) {
		rc.Rules[0].Compliance = NonCompliant
		rc.Rules[0].NonCompliant = []Resource{{Type: "AWS::S3::Bucket", ID: "changed", InConfig: true}}
		rc.Recorder.Recording = false
	})
	if err != nil {
		t.Fatalf("UpdateRegionConfig: %v", err)
	}
	after := a.RegionConfig("eu-west-1")
	if after.Recorder.Recording || after.Rules[0].NonCompliant[0].ID != "changed" {
		t.Errorf("RegionConfig after UpdateRegionConfig = %+v, want the override", after.Rules[0])
	}
	if diff := cmp.Diff(before.Rules[1:], after.Rules[1:]); diff != "" {
		t.Errorf("untouched rules changed (-before +after):\n%s", diff)
	}
	// The returned value is a copy: changing it changes nothing.
	after.Rules[0].Name = "scribbled"
	if a.RegionConfig("eu-west-1").Rules[0].Name == "scribbled" {
		t.Error("RegionConfig returned shared data")
	}
	if err := org.UpdateRegionConfig("000000000000", "eu-west-1", func(*RegionConfig) {}); err == nil {
		t.Error("UpdateRegionConfig of an unknown account succeeded")
	}
}

func TestUpdateAccount(t *testing.T) {
	org := Generate(Spec{Seed: 3, Accounts: 10})
	a := healthyAccount(t, org)
	target := org.OUs[len(org.OUs)-1].ID
	if err := org.UpdateAccount(a.ID, func(a *Account) { a.State = StateSuspended; a.ParentID = target }); err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	if got := org.Account(a.ID); got.State != StateSuspended || got.ParentID != target {
		t.Errorf("account after UpdateAccount: state %s parent %s", got.State, got.ParentID)
	}
	if err := org.UpdateAccount(a.ID, func(a *Account) { a.ParentID = "ou-none-00000000" }); err == nil {
		t.Error("moving an account to an unknown parent succeeded")
	}
}

// BenchmarkGenerate20000 measures generating a 20,000-account organization
// and the heap it holds afterwards (heap-MB, after a GC, with the Org alive).
func BenchmarkGenerate20000(b *testing.B) {
	var org *Org
	for b.Loop() {
		org = Generate(Spec{Seed: 1, Accounts: 20000})
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	runtime.KeepAlive(org)
}

// BenchmarkRegionConfig measures generating one account-region's Config data
// (30 rules), which a scan pays once per account and region.
func BenchmarkRegionConfig(b *testing.B) {
	org := Generate(Spec{Seed: 1, Accounts: 20000})
	i := 0
	for b.Loop() {
		a := org.Accounts[i%len(org.Accounts)]
		i++
		org.generateRegion(a.ID, a.gen, fmt.Sprint("eu-west-", i%3))
	}
}

// TestConcurrentUpdates changes one account-region from many goroutines while
// it is read, and checks no change is lost.
func TestConcurrentUpdates(t *testing.T) {
	org := Generate(Spec{Seed: 5, Accounts: 5})
	a := healthyAccount(t, org)
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := org.UpdateRegionConfig(a.ID, "eu-west-1", func(rc *RegionConfig) {
				rc.Rules[0].NonCompliant = append(rc.Rules[0].NonCompliant, Resource{Type: "AWS::S3::Bucket", ID: fmt.Sprint("added-", i)})
			})
			if err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() { _ = a.RegionConfig("eu-west-1") })
	}
	wg.Wait()
	before := len(Generate(Spec{Seed: 5, Accounts: 5}).Account(a.ID).RegionConfig("eu-west-1").Rules[0].NonCompliant)
	if got := len(a.RegionConfig("eu-west-1").Rules[0].NonCompliant); got != before+n {
		t.Errorf("after %d concurrent additions: %d resources, want %d", n, got, before+n)
	}
}
