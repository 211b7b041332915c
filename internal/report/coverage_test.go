package report

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// coverageRun is a run of four accounts over eu-west-1 and us-east-1: one
// scanned everywhere, one whose every Config call was denied (no data), one
// with us-east-1 blocked by an SCP (scanned: the organization's choice), and
// one with Config off in us-east-1 (partially scanned).
func putCoverageRun(t *testing.T, c *s3.Client, runID string) {
	t.Helper()
	bucket := "AWS::S3::Bucket"
	s3r := rule("s3-bucket-versioning-enabled", run.NonCompliant)
	ok := rule("root-account-mfa-enabled", run.Compliant)
	denied := func(name string) run.Region {
		return run.Region{Region: name, Status: run.RegionAccessDenied, Reason: "User: arn:aws:sts::444444444444:assumed-role/reader/x is not authorized to perform: config:DescribeConfigRules"}
	}
	putListed(t, c, runID, []run.Account{coverageFull, coverageDenied, coverageSCP, coverageOff},
		scanned(runID, coverageFull,
			region("eu-west-1", []run.Rule{ok, s3r}, resource("s3-bucket-versioning-enabled", bucket, "a1")),
			region("us-east-1", []run.Rule{ok})),
		scanned(runID, coverageDenied, denied("eu-west-1"), denied("us-east-1")),
		scanned(runID, coverageSCP,
			region("eu-west-1", []run.Rule{ok}),
			run.Region{Region: "us-east-1", Status: run.RegionBlockedBySCP, Reason: "explicit deny in a service control policy"}),
		scanned(runID, coverageOff,
			region("eu-west-1", []run.Rule{s3r}, resource("s3-bucket-versioning-enabled", bucket, "d1")),
			run.Region{Region: "us-east-1", Status: run.RegionConfigNotEnabled, Reason: "no configuration recorder"}),
	)
}

var (
	coverageFull   = account("111111111111", "full", "Root/Prod", nil)
	coverageDenied = account("222222222222", "denied", "Root/Prod", nil)
	coverageSCP    = account("333333333333", "scp", "Root/Dev", nil)
	coverageOff    = account("444444444444", "config-off", "Root/Dev", nil)
)

// TestAccountsNobodyLookedAt: an account whose every region was denied is
// "no data" with blank figures and counts apart on the Summary; an SCP-blocked
// region does not make an account partial, Config off does; the Summary's
// coverage block adds up to the run's account-regions.
func TestAccountsNobodyLookedAt(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	putCoverageRun(t, c, run1)
	if _, err := newHandler(t, c).Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))

	acc := rows(t, f, SheetAccounts)
	header := acc[0]
	status, reason := col(t, header, "Status"), col(t, header, "Reason")
	figureCols := []int{col(t, header, "Regions scanned"), col(t, header, "Non-compliant resources"), col(t, header, "Compliance")}
	got := map[string][2]string{}
	for _, row := range acc[1:] {
		row = append(row, make([]string, len(header))...)
		got[row[0]] = [2]string{row[status], row[reason]}
		if row[0] == coverageDenied.ID {
			for _, i := range figureCols {
				if row[i] != "" {
					t.Errorf("no-data account's %s = %q, want blank, not zero", header[i], row[i])
				}
			}
		}
	}
	// What to do per cause: the Coverage sheet says what is wrong.
	want := map[string][2]string{
		coverageFull.ID:   {StatusScanned, ""},
		coverageDenied.ID: {StatusNoData, "no rule results anywhere; access denied in eu-west-1, us-east-1: update the member-role StackSet"},
		coverageSCP.ID:    {StatusScanned, ""},
		coverageOff.ID:    {StatusPartial, "Config not enabled in us-east-1: enable AWS Config in the region, or drop the region from `regions`"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Accounts status and reason (-want +got):\n%s", diff)
	}

	figures := summaryShown(t, rows(t, f, SheetSummary))
	for label, want := range map[string]string{
		"Accounts scanned (rule results read)":                  "3",
		"  of which partially scanned":                          "1",
		"Accounts with no data (role assumed, no rule results)": "1",
		"Coverage: account-regions with rule results":           "50.0%", // 4 of 8
	} {
		if figures[label] != want {
			t.Errorf("Summary %q = %q, want %q", label, figures[label], want)
		}
	}
	total, _ := strconv.Atoi(figures["Account-regions in this run (accounts × regions)"])
	sum := 0
	for _, label := range []string{"  with rule results", "  Config not enabled", "  access denied to the read role",
		"  blocked by a service control policy", "  region not enabled for the account", "  account unreachable",
		"  not finished (account too large for the function's timeout)", "  not scanned"} {
		n, err := strconv.Atoi(figures[label])
		if err != nil {
			t.Fatalf("Summary %q = %q: %v", label, figures[label], err)
		}
		sum += n
	}
	if total != 8 || sum != total {
		t.Errorf("coverage block: %d account-regions, parts add up to %d; want 8 = 4 accounts × 2 regions", total, sum)
	}

	s, err := DecodeSummary(run.SummaryKey(run1), getObject(t, c, run.SummaryKey(run1)))
	if err != nil {
		t.Fatal(err)
	}
	wantCov := &CoverageTotals{AccountRegions: 8, WithResults: 4, ConfigNotEnabled: 1, AccessDenied: 2, BlockedBySCP: 1}
	if diff := cmp.Diff(wantCov, s.Totals.Coverage); diff != "" {
		t.Errorf("summary.json coverage (-want +got):\n%s", diff)
	}
	if s.Totals.Scanned != 3 || s.Totals.Partial != 1 || s.Totals.NoData != 1 {
		t.Errorf("summary.json scanned/partial/no data = %d/%d/%d, want 3/1/1", s.Totals.Scanned, s.Totals.Partial, s.Totals.NoData)
	}
}

// TestScannedAcrossTheUpgrade: a previous summary of version 2 counted
// no-data accounts as scanned and recorded no coverage: the Summary does not
// compare those figures with it, and the resources still compare.
func TestScannedAcrossTheUpgrade(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	putCoverageRun(t, c, run1)
	h := newHandler(t, c)
	if _, err := h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	// Rewrite run1's summary as version 2 wrote it.
	var doc map[string]any
	if err := json.Unmarshal(getObject(t, c, run.SummaryKey(run1)), &doc); err != nil {
		t.Fatal(err)
	}
	doc["schemaVersion"] = 2
	totals := doc["totals"].(map[string]any)
	totals["scanned"] = 4
	delete(totals, "partial")
	delete(totals, "noData")
	delete(totals, "coverage")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	putObject(t, c, run.SummaryKey(run1), string(b))

	putCoverageRun(t, c, run2)
	if _, err := h.Handle(ctx, In{RunID: run2, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	f := openWorkbook(t, download(t, c, run.WorkbookKey(run2)))
	sum := rows(t, f, SheetSummary)
	full := map[string][]string{}
	for _, row := range sum {
		if len(row) > 1 {
			full[row[0]] = append(row[1:], "", "")[:2] // this run, previous run
		}
	}
	for label, want := range map[string][]string{
		"Accounts scanned (rule results read)":        {"3", notRecordedText},
		"Coverage: account-regions with rule results": {"50.0%", notRecordedText},
		"  access denied to the read role":            {"2", notRecordedText},
		"Non-compliant resources (distinct)":          {"2", notRecordedText},
	} {
		if diff := cmp.Diff(want, full[label]); diff != "" {
			t.Errorf("Summary %q (-want +got):\n%s", label, diff)
		}
	}
	s, err := DecodeSummary(run.SummaryKey(run2), getObject(t, c, run.SummaryKey(run2)))
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Comparison; c == nil || c.PreviousRunID != run1 || c.Persisting != 2 || c.New != 0 {
		t.Errorf("comparison with the version 2 summary = %+v, want 2 persisting, 0 new", c)
	}
}

// summaryShown maps the Summary's labels to their "This run" values.
func summaryShown(t *testing.T, sum [][]string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, row := range sum {
		if len(row) > 1 && strings.TrimSpace(row[0]) != "" {
			m[row[0]] = row[1]
		}
	}
	return m
}

// TestTooLargeToFinish: an account whose scan ran out of time keeps the
// regions it finished; it is partially scanned, its unfinished region "not
// finished" on Coverage and in the coverage totals, not "not scanned".
func TestTooLargeToFinish(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	big := account("555555555555", "big", "Root/Prod", nil)
	putListed(t, c, run1, []run.Account{big}, scanned(run1, big,
		region("eu-west-1", []run.Rule{rule("s3-bucket-versioning-enabled", run.NonCompliant)}, resource("s3-bucket-versioning-enabled", "AWS::S3::Bucket", "b")),
		run.Region{Region: "us-east-1", Status: run.RegionNotFinished, Reason: "the scan reached the function's deadline before this region was done"}))
	if _, err := newHandler(t, c).Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	s, err := DecodeSummary(run.SummaryKey(run1), getObject(t, c, run.SummaryKey(run1)))
	if err != nil {
		t.Fatal(err)
	}
	a := s.Accounts[0]
	if a.Status != StatusPartial || !strings.Contains(a.Reason, "not finished in us-east-1") || a.Resources != 1 {
		t.Errorf("account = %s, %q, %d resources; want partially scanned, us-east-1 not finished, eu-west-1's resource kept", a.Status, a.Reason, a.Resources)
	}
	if cov := s.Totals.Coverage; cov == nil || cov.NotFinished != 1 || cov.WithResults != 1 || cov.NotScanned != 0 {
		t.Errorf("coverage = %+v, want 1 with results, 1 not finished", cov)
	}
	f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))
	for _, row := range rows(t, f, SheetCoverage) {
		if len(row) > 5 && row[0] == big.ID && row[3] == "us-east-1" && (row[4] != coverageNotFinished || !strings.Contains(row[5], "ran out of time")) {
			t.Errorf("Coverage us-east-1 = %q, %q; want not finished and what to do", row[4], row[5])
		}
	}
}
