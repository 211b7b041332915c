package report

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

const (
	run1 = "2026-11-23T0900Z-aaaa1111"
	run2 = "2026-11-30T0900Z-bbbb2222"
)

var regions = []string{"eu-west-1", "us-east-1"}

func testConfig() Config {
	return Config{Environment: "test", Regions: regions, GreenPct: 90, AmberPct: 70, ReadConcurrency: 3}
}

func newHandler(t *testing.T, c *s3.Client) *Handler {
	t.Helper()
	return &Handler{Config: testConfig(), S3: c, TmpDir: t.TempDir()}
}

// mixedRun is a run with a green, an amber and a red account, an unreachable
// one, and accounts whose shard is missing, malformed or of an unknown schema.
type mixedRun struct {
	accounts []run.Account
	shards   []*run.Shard
}

func newMixedRun(runID string) mixedRun {
	green := account("111111111111", "payments-prod", "Root/Workloads/Prod", map[string]string{"owner": "alice", "team": "payments"})
	amber := account("222222222222", "search-dev", "Root/Workloads/Dev", map[string]string{"owner": "bob"})
	red := account("333333333333", "legacy", "Root/Workloads/Prod", nil)
	lost := account("444444444444", "lost", "Root/Suspended", nil)
	missing := account("555555555555", "missing-shard", "Root/Workloads/Dev", nil)
	malformed := account("666666666666", "malformed-shard", "Root/Workloads/Dev", nil)
	future := account("777777777777", "future-shard", "Root/Workloads/Dev", nil)

	var greenRules []run.Rule
	for i := range 9 {
		greenRules = append(greenRules, rule(fmt.Sprintf("rule-%02d", i), run.Compliant))
	}
	greenRules = append(greenRules, rule("s3-bucket-versioning-enabled", run.NonCompliant))
	return mixedRun{
		accounts: []run.Account{future, red, green, amber, lost, missing, malformed},
		shards: []*run.Shard{
			scanned(runID, green,
				region("eu-west-1", greenRules, resource("s3-bucket-versioning-enabled", "AWS::S3::Bucket", "logs-111")),
				run.Region{Region: "us-east-1", Status: run.RegionConfigNotEnabled, Reason: "no configuration recorder"},
			),
			scanned(runID, amber,
				region("eu-west-1", []run.Rule{
					rule("rule-00", run.Compliant), rule("rule-01", run.Compliant), rule("rule-02", run.Compliant), rule("rule-03", run.Compliant),
					rule("s3-bucket-versioning-enabled", run.NonCompliant), rule("rule-04", run.NotApplicable),
				},
					resource("s3-bucket-versioning-enabled", "AWS::S3::Bucket", "b-222-z"),
					resource("s3-bucket-versioning-enabled", "AWS::S3::Bucket", "b-222-a"),
				),
				run.Region{Region: "us-east-1", Status: run.RegionRecorderStopped, Reason: "recorder stopped",
					Recorder: &run.Recorder{Name: "default", Recording: false, LastStatus: "FAILURE"},
					Rules:    []run.Rule{rule("rule-00", run.Compliant), rule("rule-05", run.InsufficientData)}},
			),
			scanned(runID, red,
				region("eu-west-1", []run.Rule{
					rule("rule-00", run.Compliant),
					rule("s3-bucket-versioning-enabled", run.NonCompliant),
					packRule("ec2-imdsv2-check", "ops-pack", run.NonCompliant),
				},
					resource("s3-bucket-versioning-enabled", "AWS::S3::Bucket", "b-333"),
					resource("ec2-imdsv2-check-conformance-pack-a1b2c3d4e", "AWS::EC2::Instance", "i-0002"),
					resource("ec2-imdsv2-check-conformance-pack-a1b2c3d4e", "AWS::EC2::Instance", "i-0001"),
				),
				run.Region{Region: "us-east-1", Status: run.RegionAccessDenied, Reason: "config:DescribeConfigRules denied"},
			),
			unreachable(runID, lost, "AssumeRole: AccessDenied: the read role does not trust the scanner"),
		},
	}
}

// mixedOrganization is what ListAccounts recorded when it listed the mixed
// run: its seven accounts, two inactive ones and one EXCLUDE_ACCOUNTS removed;
// one account's tags were not read.
func mixedOrganization(runID string) *run.Organization {
	return &run.Organization{
		SchemaVersion: run.OrganizationVersion, RunID: runID, ListedAt: time.Date(2026, 11, 23, 9, 0, 4, 0, time.UTC),
		Accounts: 10, Active: 7, Inactive: map[string]int{"SUSPENDED": 1, "CLOSED": 1}, Excluded: 1, Untagged: 1,
	}
}

// put writes the run, including the malformed and unknown-schema shards,
// and its organization totals.
func (m mixedRun) put(t *testing.T, c *s3.Client, runID string) {
	t.Helper()
	putRun(t, c, runID, m.accounts, m.shards...)
	if _, err := run.PutOrganization(context.Background(), c, runtest.Bucket, mixedOrganization(runID)); err != nil {
		t.Fatal(err)
	}
	putObject(t, c, run.ShardKey(runID, "666666666666"), `{"schemaVersion": 1, "runId": `)
	future := scanned(runID, account("777777777777", "future-shard", "Root/Workloads/Dev", nil))
	b, err := json.Marshal(future)
	if err != nil {
		t.Fatal(err)
	}
	putObject(t, c, run.ShardKey(runID, "777777777777"), strings.Replace(string(b), fmt.Sprintf(`"schemaVersion":%d`, run.SchemaVersion), `"schemaVersion":99`, 1))
}

func TestHandleMixedRun(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	m := newMixedRun(run1)
	m.put(t, c, run1)
	// A stale re-run input from an earlier build must be replaced.
	putObject(t, c, run.RerunInputKey(run1), `{"runId":"`+run1+`","accountIds":["999999999999"]}`)

	h := newHandler(t, c)
	out, err := h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket})
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	want := Out{ReportKey: run.WorkbookKey(run1), SummaryKey: run.SummaryKey(run1), Accounts: 7, Scanned: 3, Failed: 3}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("Handle() output (-want +got):\n%s", diff)
	}

	// The re-run input names exactly the accounts without a usable shard.
	var rerun run.ExecutionInput
	if err := json.Unmarshal(getObject(t, c, run.RerunInputKey(run1)), &rerun); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(run.ExecutionInput{RunID: run1, AccountIDs: []string{"555555555555", "666666666666", "777777777777"}}, rerun); diff != "" {
		t.Errorf("re-run input (-want +got):\n%s", diff)
	}

	f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))
	wantSheets := []string{SheetSummary, SheetAccounts, SheetRules, SheetResources, SheetResolved, SheetCoverage}
	if diff := cmp.Diff(wantSheets, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}

	t.Run("accounts", func(t *testing.T) {
		r := rows(t, f, SheetAccounts)
		wantHeader := []string{"Account ID", "Account name", "OU path", "Owner", "Team", "Status", "Reason", "Detail (as recorded)", "Regions scanned",
			"Evaluations compliant", "Evaluations non-compliant", "Evaluations not applicable", "Evaluations insufficient data",
			"Non-compliant resources", "Findings (resource × rule)", "Compliance", "Compliance change", "Resources change"}
		if diff := cmp.Diff(wantHeader, r[0]); diff != "" {
			t.Fatalf("Accounts header (-want +got):\n%s", diff)
		}
		if len(r) != 1+len(m.accounts) {
			t.Fatalf("Accounts has %d rows, want %d", len(r), 1+len(m.accounts))
		}
		var ids []string
		for _, row := range r[1:] {
			ids = append(ids, row[0])
		}
		if !slices.IsSorted(ids) {
			t.Errorf("accounts not in ID order: %v", ids)
		}
		byID := map[string]int{}
		for i, row := range r[1:] {
			byID[row[0]] = i + 2
		}
		// Every scanned account's figures match its shard.
		for _, sh := range m.shards {
			if sh.Status != run.AccountScanned {
				continue
			}
			n := strconv.Itoa(byID[sh.Account.ID])
			cnt := sh.Counts()
			for col, want := range map[string]int{"I": cnt.Regions, "J": cnt.Compliant, "K": cnt.NonCompliant, "L": cnt.NotApplicable, "M": cnt.InsufficientData, "N": cnt.Resources} {
				if got := rawCell(t, f, SheetAccounts, col+n); got != strconv.Itoa(want) {
					t.Errorf("Accounts!%s%s (%s, %s) = %q, want %d", col, n, sh.Account.ID, r[0][col[0]-'A'], got, want)
				}
			}
			wantPct := float64(cnt.Compliant) / float64(cnt.Compliant+cnt.NonCompliant)
			got, _ := strconv.ParseFloat(rawCell(t, f, SheetAccounts, "P"+n), 64)
			if fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", wantPct) {
				t.Errorf("compliance of %s = %v, want %v", sh.Account.ID, got, wantPct)
			}
			if got := cell(t, f, SheetAccounts, "Q"+n); got != firstRunText {
				t.Errorf("compliance change of %s on a first run = %q, want %q", sh.Account.ID, got, firstRunText)
			}
		}
		for _, tc := range []struct {
			name, id, status, fill, owner, team string
			reason                              string
		}{
			{name: "90% is green", id: "111111111111", status: StatusPartial, fill: FillGreen, owner: "alice", team: "payments",
				reason: "Config not enabled in us-east-1"},
			{name: "5 of 6 is amber", id: "222222222222", status: StatusScanned, fill: FillAmber, owner: "bob"},
			{name: "1 of 3 is red", id: "333333333333", status: StatusPartial, fill: FillRed, reason: "access denied in us-east-1"},
			{name: "unreachable", id: "444444444444", status: StatusUnreachable, reason: "AssumeRole: AccessDenied"},
			{name: "missing shard", id: "555555555555", status: StatusNotScanned, reason: "The scan did not finish"},
			{name: "malformed shard", id: "666666666666", status: StatusNotScanned, reason: "unreadable scan result: decode shard"},
			{name: "unknown schema", id: "777777777777", status: StatusNotScanned, reason: "unknown schema version: decode shard"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				n := strconv.Itoa(byID[tc.id])
				if got := cell(t, f, SheetAccounts, "F"+n); got != tc.status {
					t.Errorf("status = %q, want %q", got, tc.status)
				}
				// The reason says what to do; the detail keeps the error.
				if got := cell(t, f, SheetAccounts, "G"+n) + " | " + cell(t, f, SheetAccounts, "H"+n); !strings.Contains(got, tc.reason) {
					t.Errorf("reason | detail = %q, want it to contain %q", got, tc.reason)
				}
				if tc.status != StatusScanned && cell(t, f, SheetAccounts, "G"+n) == "" {
					t.Errorf("%s account without a reason", tc.status)
				}
				if got := fill(t, f, SheetAccounts, "P"+n); got != tc.fill {
					t.Errorf("compliance fill = %q, want %q", got, tc.fill)
				}
				if got := cell(t, f, SheetAccounts, "D"+n) + "/" + cell(t, f, SheetAccounts, "E"+n); got != tc.owner+"/"+tc.team {
					t.Errorf("owner/team = %q, want %q", got, tc.owner+"/"+tc.team)
				}
			})
		}
	})

	t.Run("rules", func(t *testing.T) {
		r := rows(t, f, SheetRules)
		wantHeader := []string{"Rule", "Managed by", "Security Hub control", "Deployed names", "Source", "Identifier", "Conformance packs", "Accounts non-compliant", "Accounts compliant",
			"Evaluations compliant", "Evaluations non-compliant", "Evaluations not applicable", "Evaluations insufficient data",
			"Evaluation errors", "Non-compliant resources", "Compliance", "Accounts non-compliant change", "Resources change",
			"Rule in AWS Config", "Documentation", "Severity", "Oldest open finding (days)"}
		if diff := cmp.Diff(wantHeader, r[0]); diff != "" {
			t.Fatalf("Rules header (-want +got):\n%s", diff)
		}
		got := map[string][]string{}
		for _, row := range r[1:] {
			got[row[0]] = row[:15]
		}
		want := map[string][]string{
			// Non-compliant in all three scanned accounts.
			"s3-bucket-versioning-enabled": {"s3-bucket-versioning-enabled", "Customer", "", "1", "AWS", "ID_s3-bucket-versioning-enabled", "", "3", "0", "0", "3", "0", "0", "0", "4"},
			// Grouped by identity: the pack's suffix is gone, the pack manages it.
			"ec2-imdsv2-check": {"ec2-imdsv2-check", "Conformance pack", "", "1", "AWS", "ID_ec2-imdsv2-check", "ops-pack", "1", "0", "0", "1", "0", "0", "0", "2"},
			// Compliant in all three, in both of amber's regions.
			"rule-00": {"rule-00", "Customer", "", "1", "AWS", "ID_rule-00", "", "0", "3", "4", "0", "0", "0", "0", "0"},
			// Compliant in one account, insufficient data in another.
			"rule-05": {"rule-05", "Customer", "", "1", "AWS", "ID_rule-05", "", "0", "1", "1", "0", "0", "1", "0", "0"},
		}
		for name, w := range want {
			if diff := cmp.Diff(w, got[name]); diff != "" {
				t.Errorf("Rules row %s (-want +got):\n%s", name, diff)
			}
		}
	})

	t.Run("resources", func(t *testing.T) {
		r := rows(t, f, SheetResources)
		// The account's OU and tags follow its name, so a team can filter
		// its own rows.
		wantHeader := []string{"Account ID", "Account name", "OU path", "Owner", "Team", "Region", "Rule", "Managed by", "Security Hub control", "Conformance pack",
			"Deployed rule name", "Resource type", "Resource ID", "Resource name", "Annotation", "Recorded at (UTC)", "New since last run", "First seen", "Age (days)", "Reopened", "Severity", "Link"}
		if diff := cmp.Diff(wantHeader, r[0]); diff != "" {
			t.Fatalf("resources header (-want +got):\n%s", diff)
		}
		var got [][]string
		for _, row := range r[1:] {
			row = append(row, make([]string, len(wantHeader))...)
			got = append(got, []string{row[0], row[1], row[2], row[3], row[4], row[5], row[10], row[11], row[12]})
			// The rule as the Rules sheet names it, beside the deployed name.
			if strings.HasPrefix(row[10], "ec2-imdsv2-check-conformance-pack-") {
				if id := strings.Join(row[6:10], "|"); id != "ec2-imdsv2-check|Conformance pack||ops-pack" {
					t.Errorf("rule identity of %s = %q, want ec2-imdsv2-check|Conformance pack||ops-pack", row[10], id)
				}
			} else if row[6] != row[10] || row[7] != "Customer" {
				t.Errorf("customer rule %s shown as %q managed by %q", row[10], row[6], row[7])
			}
		}
		// Ordered by account, region, rule, resource type and ID.
		want := [][]string{
			{"111111111111", "payments-prod", "Root/Workloads/Prod", "alice", "payments", "eu-west-1", "s3-bucket-versioning-enabled", "AWS::S3::Bucket", "logs-111"},
			{"222222222222", "search-dev", "Root/Workloads/Dev", "bob", "", "eu-west-1", "s3-bucket-versioning-enabled", "AWS::S3::Bucket", "b-222-a"},
			{"222222222222", "search-dev", "Root/Workloads/Dev", "bob", "", "eu-west-1", "s3-bucket-versioning-enabled", "AWS::S3::Bucket", "b-222-z"},
			{"333333333333", "legacy", "Root/Workloads/Prod", "", "", "eu-west-1", "ec2-imdsv2-check-conformance-pack-a1b2c3d4e", "AWS::EC2::Instance", "i-0001"},
			{"333333333333", "legacy", "Root/Workloads/Prod", "", "", "eu-west-1", "ec2-imdsv2-check-conformance-pack-a1b2c3d4e", "AWS::EC2::Instance", "i-0002"},
			{"333333333333", "legacy", "Root/Workloads/Prod", "", "", "eu-west-1", "s3-bucket-versioning-enabled", "AWS::S3::Bucket", "b-333"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("resource rows (-want +got):\n%s", diff)
		}
		if got := cell(t, f, SheetResources, "P2"); got != "2026-11-30 08:05:00" {
			t.Errorf("recorded at = %q, want 2026-11-30 08:05:00", got)
		}
		if got := cell(t, f, SheetResources, "Q2"); got != firstRunText {
			t.Errorf("new since last run on a first run = %q, want %q", got, firstRunText)
		}
		// A first run: every finding is first seen now, 0 days old, never reopened.
		if got := []string{cell(t, f, SheetResources, "R2"), cell(t, f, SheetResources, "S2"), cell(t, f, SheetResources, "T2")}; !slices.Equal(got, []string{"2026-11-23", "0", "0"}) {
			t.Errorf("first seen, age, reopened = %q, want 2026-11-23, 0, 0", got)
		}
		formula, err := f.GetCellFormula(SheetResources, "V2")
		if err != nil {
			t.Fatal(err)
		}
		wantFormula := `HYPERLINK("https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/resources/details?resourceId=logs-111&resourceType=AWS%3A%3AS3%3A%3ABucket","Open in AWS Config")`
		if formula != wantFormula {
			t.Errorf("link formula = %s, want %s", formula, wantFormula)
		}
		csv := string(getObject(t, c, run.CSVKey(run1)))
		if n := strings.Count(csv, "\n"); n != 1+len(want) {
			t.Errorf("CSV has %d lines, want %d:\n%s", n, 1+len(want), csv)
		}
	})

	t.Run("coverage", func(t *testing.T) {
		r := rows(t, f, SheetCoverage)
		// Counts by status above the table, in its order.
		if want := "unreachable: 2 · not scanned: 6 · access denied: 1 · Config not enabled: 1 · recorder off: 1 · scanned: 3"; r[1][0] != want {
			t.Errorf("Coverage!A2 = %q, want the counts by status %q", r[1][0], want)
		}
		if !strings.Contains(r[2][0], "3 accounts were not scanned") {
			t.Errorf("Coverage!A3 = %q, want the re-run explanation", r[2][0])
		}
		var input run.ExecutionInput
		if err := json.Unmarshal([]byte(r[3][0]), &input); err != nil {
			t.Fatalf("Coverage!A4 = %q is not the re-run input: %v", r[3][0], err)
		}
		if diff := cmp.Diff(rerun, input); diff != "" {
			t.Errorf("re-run input on the Coverage sheet (-want +got):\n%s", diff)
		}
		h := slices.IndexFunc(r, func(row []string) bool { return len(row) > 0 && row[0] == "Account ID" })
		if h < 0 {
			t.Fatal("Coverage has no header row")
		}
		for i, row := range r[:h] {
			if len(row) > 0 && strings.Contains(strings.ToLower(row[0]), "shard") {
				t.Errorf("Coverage row %d says %q: plain words, not shard", i+1, row[0])
			}
		}
		header := r[h]
		if diff := cmp.Diff([]string{"Account ID", "Account name", "OU path", "Region", "Status", "Reason", "Rules", "Non-compliant resources", "Detail (as recorded)", "Recorder"}, header); diff != "" {
			t.Fatalf("Coverage header (-want +got):\n%s", diff)
		}
		// Gaps first, by status, then account and region; scanned last.
		var order []string
		for _, row := range r[h+1:] {
			order = append(order, row[4]+" "+row[0]+" "+row[3])
		}
		wantOrder := []string{
			"unreachable 444444444444 eu-west-1", "unreachable 444444444444 us-east-1",
			"not scanned 555555555555 eu-west-1", "not scanned 555555555555 us-east-1",
			"not scanned 666666666666 eu-west-1", "not scanned 666666666666 us-east-1",
			"not scanned 777777777777 eu-west-1", "not scanned 777777777777 us-east-1",
			"access denied 333333333333 us-east-1", "Config not enabled 111111111111 us-east-1", "recorder off 222222222222 us-east-1",
			"scanned 111111111111 eu-west-1", "scanned 222222222222 eu-west-1", "scanned 333333333333 eu-west-1",
		}
		if diff := cmp.Diff(wantOrder, order); diff != "" {
			t.Errorf("Coverage order (-want +got):\n%s", diff)
		}
		got := map[string]string{}
		for _, row := range r[h+1:] {
			row = append(row, make([]string, 10)...)
			got[row[0]+" "+row[3]] = row[4] + ": " + row[8]
			if (row[4] == "scanned") != (row[5] == "") {
				t.Errorf("Coverage %s %s: status %q with reason %q; a reason for every status but scanned", row[0], row[3], row[4], row[5])
			}
		}
		want := map[string]string{
			"111111111111 eu-west-1": "scanned: ",
			"111111111111 us-east-1": "Config not enabled: no configuration recorder",
			"222222222222 eu-west-1": "scanned: ",
			"222222222222 us-east-1": "recorder off: recorder stopped",
			"333333333333 eu-west-1": "scanned: ",
			"333333333333 us-east-1": "access denied: config:DescribeConfigRules denied",
			"444444444444 eu-west-1": "unreachable: AssumeRole: AccessDenied: the read role does not trust the scanner",
			"444444444444 us-east-1": "unreachable: AssumeRole: AccessDenied: the read role does not trust the scanner",
			"555555555555 eu-west-1": "not scanned: ",
			"555555555555 us-east-1": "not scanned: ",
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("Coverage %s = %q, want %q", k, got[k], w)
			}
		}
		for _, k := range []string{"666666666666 eu-west-1", "777777777777 us-east-1"} {
			if !strings.HasPrefix(got[k], "not scanned: ") {
				t.Errorf("Coverage %s = %q, want not scanned", k, got[k])
			}
		}
		if !strings.Contains(got["777777777777 eu-west-1"], "schemaVersion 99") {
			t.Errorf("Coverage of the unknown schema = %q, want the version named", got["777777777777 eu-west-1"])
		}
		if len(got) != len(m.accounts)*len(regions) {
			t.Errorf("Coverage has %d account-regions, want %d", len(got), len(m.accounts)*len(regions))
		}
	})

	t.Run("summary", func(t *testing.T) {
		figures := map[string][]string{}
		for _, row := range rows(t, f, SheetSummary) {
			if len(row) > 1 {
				figures[row[0]] = row[1:]
			}
		}
		for label, want := range map[string][]string{
			"Run":                          {run1},
			"Environment":                  {"test"},
			"Accounts in the organization": {"10", "—", firstRunText},
			"Accounts not active (suspended, closing, closed)": {"2", "—", firstRunText},
			"Accounts excluded by configuration":               {"1", "—", firstRunText},
			"Accounts in this run":                             {"7", "—", firstRunText},
			"Accounts scanned (rule results read)":             {"3", "—", firstRunText},
			"  of which partially scanned":                     {"2", "—", firstRunText},
			"Coverage: account-regions with rule results":      {"28.6%", "—", firstRunText}, // 4 of 14
			"Account-regions in this run (accounts × regions)": {"14", "—", firstRunText},
			"  access denied to the read role":                 {"1", "—", firstRunText},
			"  not scanned":                                    {"6", "—", firstRunText},
			"Accounts unreachable":                             {"1", "—", firstRunText},
			"Accounts not scanned":                             {"3", "—", firstRunText},
			"Overall compliance":                               {"78.9%", "—", firstRunText}, // 15 of 19
			"Rule evaluations non-compliant":                   {"4", "—", firstRunText},
			"Non-compliant resources (distinct)":               {"6", "—", firstRunText},
		} {
			if diff := cmp.Diff(want, figures[label]); diff != "" {
				t.Errorf("Summary %q (-want +got):\n%s", label, diff)
			}
		}
		wantOrg := "Listed by ListAccounts at 2026-11-23 09:00:04 UTC; re-runs do not change these totals. Not active: 1 suspended, 1 closed." +
			" Tags not read (ListAccounts' deadline came near): 1 account, whose tag columns are blank."
		if got := figures["Organization"]; len(got) == 0 || got[0] != wantOrg {
			t.Errorf("Summary says of the organization %q, want %q", got, wantOrg)
		}
		if got := figures["Compared with"]; len(got) == 0 || !strings.HasPrefix(got[0], "First run") {
			t.Errorf("Summary says it compares with %q, want a first-run note", got)
		}
		if got := figures["s3-bucket-versioning-enabled"]; len(got) < 2 || got[0] != "3" || got[1] != "4" {
			t.Errorf("top rule row = %q, want 3 accounts, 4 resources", got)
		}
		chart := zipEntry(t, download(t, c, run.WorkbookKey(run1)), "xl/charts/chart1.xml")
		if !strings.Contains(chart, "Summary&#39;!$D$") || !strings.Contains(chart, "worst first") {
			t.Errorf("chart of compliance by OU missing or not on the OU table:\n%s", chart)
		}
	})

	t.Run("summary.json", func(t *testing.T) {
		s, err := DecodeSummary(run.SummaryKey(run1), getObject(t, c, run.SummaryKey(run1)))
		if err != nil {
			t.Fatal(err)
		}
		// 7 accounts × 2 regions = 14 account-regions.
		wantTotals := Totals{Accounts: 7, Scanned: 3, Partial: 2, Unreachable: 1, NotScanned: 3,
			Evaluations: Evaluations{Compliant: 15, NonCompliant: 4, NotApplicable: 1, InsufficientData: 1}, Rules: 11, Resources: 6, Findings: 6,
			Coverage: &CoverageTotals{AccountRegions: 14, WithResults: 4, RecorderStopped: 1, ConfigNotEnabled: 1, AccessDenied: 1,
				Unreachable: 2, NotScanned: 6},
			Organization: &OrganizationTotals{Accounts: 10, Inactive: 2, InactiveByState: map[string]int{"SUSPENDED": 1, "CLOSED": 1}, Excluded: 1, Untagged: 1}}
		if diff := cmp.Diff(wantTotals, s.Totals); diff != "" {
			t.Errorf("totals (-want +got):\n%s", diff)
		}
		if s.Comparison != nil || s.Resources.Count != 6 {
			t.Errorf("first run: comparison %v, %d resources; want none, 6", s.Comparison, s.Resources.Count)
		}
	})
}

// TestPermanentFailureHasAStableType: a failure a retry would meet again (the
// bucket does not exist) leaves the function as a *awserr.PermanentError,
// whose type name is the errorType the execution shows, not Go's wrapper.
func TestPermanentFailureHasAStableType(t *testing.T) {
	c := runtest.NewS3(t)
	_, err := newHandler(t, c).Handle(context.Background(), In{RunID: run1, Bucket: "no-such-bucket"})
	if err == nil {
		t.Fatal("Handle = nil, want a failure")
	}
	if name := reflect.TypeOf(err).Elem().Name(); name != awserr.PermanentErrorName {
		t.Errorf("Handle error is a %T (%q), want *awserr.PermanentError: %v", err, name, err)
	}
	if !strings.Contains(err.Error(), "no-such-bucket") {
		t.Errorf("error %q does not name the bucket", err)
	}
}
