package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/run"
)

// groundTruth is what a complete scan of the simulated organization must
// report, computed from the simulator's model rather than through it.
type groundTruth struct {
	accounts, unreachable, resources, findings int
}

// truthOf returns the ground truth of o for the scanner's role names: an
// account is unreachable when its read role is missing, does not trust the
// scanner role or requires an ExternalId; a Config action denied in an
// account leaves its resources unread. Resources are distinct per account
// (a global type's once, whatever region reports it); a finding is a
// resource under one rule identity (manager and base name).
func truthOf(o *orgsim.Org) groundTruth {
	var g groundTruth
	scanner := o.HubRoleARN(orgsim.DefaultScannerRoleName)
	for _, id := range o.ActiveAccounts() {
		g.accounts++
		resources, findings := map[string]bool{}, map[string]bool{}
		a := o.Account(id)
		role, ok := a.Role(orgsim.DefaultReadRoleName)
		if !ok || !slices.Contains(role.Trusted, scanner) || role.ExternalID != "" {
			g.unreachable++
			continue
		}
		if len(a.DeniedActions) > 0 {
			continue
		}
		for _, region := range o.Regions {
			// A region an SCP denies returns nothing (the management
			// account is never subject to SCPs); a proactive-only rule has
			// no detective results.
			if slices.Contains(a.DisabledRegions, region) || id != o.ManagementAccountID && slices.Contains(a.SCPDeniedRegions, region) {
				continue
			}
			for _, rule := range a.RegionConfig(region).Rules {
				if rule.ProactiveOnly() {
					continue
				}
				for _, res := range rule.NonCompliant {
					where := region
					if report.GlobalType(res.Type) {
						where = ""
					}
					r := where + "|" + res.Type + "|" + res.ID
					resources[r] = true
					findings[string(rule.Manager)+"/"+rule.BaseName+"|"+r] = true
				}
			}
		}
		g.resources += len(resources)
		g.findings += len(findings)
	}
	return g
}

func loadSummary(t *testing.T, out, runID string) *report.Summary {
	t.Helper()
	s, err := readSummary(out, runID)
	if err != nil {
		t.Fatalf("summary of %s: %v", runID, err)
	}
	return s
}

// checkWorkbook opens the run's workbook and checks its sheets, the number
// of account rows on its Accounts sheet and of resource rows on its
// Resolved sheet.
func checkWorkbook(t *testing.T, out, runID string, accounts, resolved int) {
	t.Helper()
	f, err := excelize.OpenFile(localFile(out, run.WorkbookKey(runID)))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	for _, want := range []string{report.SheetSummary, report.SheetAccounts, report.SheetRules, report.SheetResources, report.SheetResolved, report.SheetCoverage} {
		if !slices.Contains(sheets, want) {
			t.Errorf("workbook sheets %v lack %q", sheets, want)
		}
	}
	// rowsWithAccount counts the rows of a sheet that name an account ID.
	rowsWithAccount := func(sheet string) int {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatalf("read %s: %v", sheet, err)
		}
		n := 0
		for _, r := range rows {
			if slices.ContainsFunc(r, func(c string) bool { return awsid.ValidateAccountID(c) == nil }) {
				n++
			}
		}
		return n
	}
	if got := rowsWithAccount(report.SheetAccounts); got != accounts {
		t.Errorf("%s sheet has %d account rows, want %d", report.SheetAccounts, got, accounts)
	}
	// A resolved finding is one row per region and deployed name that
	// reported it.
	if got := rowsWithAccount(report.SheetResolved); got < resolved || resolved == 0 && got != 0 {
		t.Errorf("%s sheet has %d resource rows for %d resolved findings", report.SheetResolved, got, resolved)
	}
}

func TestDemoTwoWeeks(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report")
	spec := demoOrgSpec{Seed: 42, Accounts: 60, Regions: []string{"us-east-1", "eu-west-1", "eu-central-1"}, DisabledRegion: "eu-central-1"}
	args := []string{"demo", "--accounts", "60", "--seed", "42", "--regions", "us-east-1,eu-west-1,eu-central-1",
		"--config-disabled-region", "eu-central-1", "--out", out, "--latency", "1ms"}

	r := runBinary(t, nil, args...)
	if r.code != 0 {
		t.Fatalf("demo: status %d, stderr:\n%s", r.code, r.stderr)
	}
	week1 := "2026-11-30T0900Z-week0001"
	for _, want := range []string{"run " + week1, "first run", localFile(out, run.WorkbookKey(week1))} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("demo stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "scanned ") || strings.Contains(r.stderr, "\r") {
		t.Errorf("stderr is not a terminal: want plain progress lines, got:\n%s", r.stderr)
	}
	for _, key := range []string{run.WorkbookKey(week1), run.SummaryKey(week1), run.CSVKey(week1), run.ManifestKey(week1)} {
		if !fileExists(localFile(out, key)) {
			t.Errorf("demo did not write %s", key)
		}
	}

	truth1 := truthOf(mustDemoOrg(t, spec, 1))
	s1 := loadSummary(t, out, week1)
	got1 := groundTruth{accounts: s1.Totals.Accounts, unreachable: s1.Totals.Unreachable, resources: s1.Totals.Resources, findings: s1.Totals.Findings}
	if diff := cmp.Diff(truth1, got1, cmp.AllowUnexported(groundTruth{})); diff != "" {
		t.Errorf("week 1 totals (-simulator's ground truth +summary):\n%s", diff)
	}
	if s1.Totals.NotScanned != 0 || s1.Totals.Unreachable == 0 || s1.Comparison != nil {
		t.Errorf("week 1 totals = %+v, comparison %+v; want unreachable accounts, none not scanned, no comparison", s1.Totals, s1.Comparison)
	}
	shards, err := os.ReadDir(localFile(out, run.ShardPrefix(week1)))
	if err != nil || len(shards) != truth1.accounts {
		t.Errorf("shards in the output folder = %d (%v), want one per account, %d", len(shards), err, truth1.accounts)
	}
	checkWorkbook(t, out, week1, truth1.accounts, 0)

	// The same command again is next week, compared with the first.
	r = runBinary(t, nil, args...)
	if r.code != 0 {
		t.Fatalf("second demo: status %d, stderr:\n%s", r.code, r.stderr)
	}
	week2 := "2026-12-07T0900Z-week0002"
	if !strings.Contains(r.stdout, "since        "+week1) {
		t.Errorf("second demo stdout does not compare with %s:\n%s", week1, r.stdout)
	}
	truth2 := truthOf(mustDemoOrg(t, spec, 2))
	s2 := loadSummary(t, out, week2)
	if s2.Totals.Resources != truth2.resources || s2.Totals.Findings != truth2.findings {
		t.Errorf("week 2 resources, findings = %d, %d; want the simulator's %d, %d", s2.Totals.Resources, s2.Totals.Findings, truth2.resources, truth2.findings)
	}
	c := s2.Comparison
	switch {
	case c == nil:
		t.Fatal("week 2 summary has no comparison")
	case c.PreviousRunID != week1:
		t.Errorf("week 2 compared with %q, want %q", c.PreviousRunID, week1)
	case c.New == 0 || c.Resolved == 0:
		t.Errorf("week 2 comparison = %+v, want new and resolved resources", *c)
	case c.New+c.NotPreviouslyChecked+c.Persisting != s2.Totals.Findings || c.Persisting+c.Resolved+c.NotRechecked+c.Unknown != s1.Totals.Findings:
		t.Errorf("week 2 comparison %+v does not add up to this week's %d and last week's %d findings",
			*c, s2.Totals.Findings, s1.Totals.Findings)
	}
	checkWorkbook(t, out, week2, truth2.accounts, c.Resolved)
}

// mustDemoOrg is demoOrg for a test.
func mustDemoOrg(t *testing.T, s demoOrgSpec, week int) *orgsim.Org {
	t.Helper()
	o, err := demoOrg(s, week)
	if err != nil {
		t.Fatalf("demoOrg(%+v, %d): %v", s, week, err)
	}
	return o
}

func TestWeekStart(t *testing.T) {
	if got, want := weekStart(1), demoEpoch.Add(runHour); !got.Equal(want) {
		t.Errorf("weekStart(1) = %v, want %v", got, want)
	}
	if got := weekStart(2).Sub(weekStart(1)).Hours(); got != 7*24 {
		t.Errorf("weeks are %v hours apart, want 168", got)
	}
}

func TestDemoUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "too few accounts", args: []string{"--accounts", "1"}, want: "--accounts must be from 2 to 50000"},
		{name: "bad region", args: []string{"--regions", "eu-west-1,moon"}, want: `"moon" is not an AWS region name`},
		{name: "disabled region not scanned", args: []string{"--regions", "eu-west-1", "--config-disabled-region", "us-east-1"}, want: "is not one of --regions"},
		{name: "negative latency", args: []string{"--latency", "-1s"}, want: "--latency must not be negative"},
		{name: "bad latency", args: []string{"--latency", "soon"}, want: "invalid value"},
		{name: "throttle", args: []string{"--throttle", "1"}, want: "--throttle must be from 0 to 0.9"},
		{name: "concurrency", args: []string{"--concurrency", "0"}, want: "--concurrency must be from 1 to 10000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			r := runBinary(t, nil, append([]string{"demo", "--out", out}, tt.args...)...)
			wantFailure(t, r, 2, tt.want, "config-report demo --help")
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("a usage error wrote %d entries to --out", len(entries))
			}
		})
	}
}

func TestNum(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := num(n); got != want {
			t.Errorf("num(%d) = %q, want %q", n, got, want)
		}
	}
}
