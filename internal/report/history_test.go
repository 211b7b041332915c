package report

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// TestFindingHistory follows findings over three weekly runs: first seen
// stays fixed while a finding is open, a conformance pack re-deployed under
// a new suffix keeps it, a finding that is resolved and comes back is
// reopened with its first-seen date, and a rebuild of a run does not reset
// ages.
func TestFindingHistory(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	const run3 = "2026-12-07T0900Z-cccc3333"
	a := account("111111111111", "alpha", "Root/Prod", nil)
	bucket := "AWS::S3::Bucket"
	pack := func(suffix string, x run.Compliance) run.Rule {
		return rule("s3-versioning-conformance-pack-"+suffix, x)
	}
	logs := func(x run.Compliance) run.Rule { return rule("s3-logging", x) }
	putListed(t, c, run1, []run.Account{a}, scanned(run1, a, region("eu-west-1",
		[]run.Rule{pack("a1b2c3d4e", run.NonCompliant), logs(run.NonCompliant)},
		resource("s3-versioning-conformance-pack-a1b2c3d4e", bucket, "kept"), resource("s3-logging", bucket, "flaky"))))
	// Week 2: the pack is re-deployed (new suffix); flaky is fixed.
	putListed(t, c, run2, []run.Account{a}, scanned(run2, a, region("eu-west-1",
		[]run.Rule{pack("z9y8x7w6v", run.NonCompliant), logs(run.Compliant)},
		resource("s3-versioning-conformance-pack-z9y8x7w6v", bucket, "kept"))))
	// Week 3: flaky is back, and a new finding appears.
	putListed(t, c, run3, []run.Account{a}, scanned(run3, a, region("eu-west-1",
		[]run.Rule{pack("z9y8x7w6v", run.NonCompliant), logs(run.NonCompliant)},
		resource("s3-versioning-conformance-pack-z9y8x7w6v", bucket, "kept"), resource("s3-logging", bucket, "flaky"),
		resource("s3-logging", bucket, "fresh"))))
	h := newHandler(t, c)
	for _, id := range []string{run1, run2, run3, run3} { // run3 twice: a rebuild
		if _, err := h.Handle(ctx, In{RunID: id, Bucket: runtest.Bucket}); err != nil {
			t.Fatalf("Handle(%s): %v", id, err)
		}
	}
	rows, err := csv.NewReader(strings.NewReader(string(getObject(t, c, run.CSVKey(run3))))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int {
		for i, h := range rows[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("CSV has no column %s", name)
		return -1
	}
	got := map[string][]string{}
	for _, r := range rows[1:] {
		got[r[col("resource_id")]] = []string{r[col("first_seen")], r[col("age_days")], r[col("reopened")]}
	}
	want := map[string][]string{
		"kept":  {"2026-11-23", "14", "0"},
		"flaky": {"2026-11-23", "14", "1"},
		"fresh": {"2026-12-07", "0", "0"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("run 3's findings: first seen, age, reopened (-want +got):\n%s", diff)
	}
	sum, err := DecodeSummary(run.SummaryKey(run3), getObject(t, c, run.SummaryKey(run3)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&AgeTotals{OldestDays: 14, Reopened: 1}, sum.Ages); diff != "" {
		t.Errorf("run 3's ages (-want +got):\n%s", diff)
	}
}

// TestFindingAgesStartAfterAnUpgrade: a previous report without a ledger
// (built before it was kept) starts ages at this run and says so.
func TestFindingAgesStartAfterAnUpgrade(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	a := account("111111111111", "alpha", "Root/Prod", nil)
	for _, id := range []string{run1, run2} {
		putListed(t, c, id, []run.Account{a}, scanned(id, a, region("eu-west-1",
			[]run.Rule{rule("s3-logging", run.NonCompliant)}, resource("s3-logging", "AWS::S3::Bucket", "b"))))
	}
	h := newHandler(t, c)
	if _, err := h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	deleteObject(t, c, run.LedgerKey(run1))
	if _, err := h.Handle(ctx, In{RunID: run2, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	sum, err := DecodeSummary(run.SummaryKey(run2), getObject(t, c, run.SummaryKey(run2)))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Ages == nil || !strings.Contains(sum.Ages.Note, "built before findings' ages were kept") || sum.Ages.OldestDays != 0 {
		t.Errorf("ages after a report without a ledger = %+v, want them to start now, saying why", sum.Ages)
	}
}

// deleteObject removes key from the test bucket.
func deleteObject(t *testing.T, c *s3.Client, key string) {
	t.Helper()
	if _, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(runtest.Bucket), Key: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
}

// TestSLAAndFixFirst: a critical finding (root-account-mfa-enabled, whose
// Security Hub control IAM.6 AWS rates critical) is past a 7-day SLA in its
// third week, counted by OU and owner with the change, and the Summary's
// fix-first table ranks it first with its severity.
func TestSLAAndFixFirst(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	const run3 = "2026-12-07T0900Z-cccc3333"
	a := account("111111111111", "alpha", "Root/Prod", map[string]string{"owner": "payments"})
	mfa := rule("root-account-mfa-enabled", run.NonCompliant)
	ver := rule("s3-bucket-versioning-enabled", run.NonCompliant)
	for _, id := range []string{run1, run2, run3} {
		putListed(t, c, id, []run.Account{a}, scanned(id, a, region("us-east-1", []run.Rule{mfa, ver},
			resource("root-account-mfa-enabled", "AWS::::Account", a.ID), resource("s3-bucket-versioning-enabled", "AWS::S3::Bucket", "b1"))))
	}
	h := newHandler(t, c)
	h.Config.SLA, h.Config.OwnerTag = "critical=7,low=30", "owner"
	for _, id := range []string{run1, run2, run3} {
		if _, err := h.Handle(ctx, In{RunID: id, Bucket: runtest.Bucket}); err != nil {
			t.Fatalf("Handle(%s): %v", id, err)
		}
	}
	sums := map[string]*Summary{}
	for _, id := range []string{run2, run3} {
		s, err := DecodeSummary(run.SummaryKey(id), getObject(t, c, run.SummaryKey(id)))
		if err != nil {
			t.Fatal(err)
		}
		sums[id] = s
	}
	if got := sums[run2].SLA.Past; got != 0 {
		t.Errorf("week 2: %d findings past their SLA, want 0 (7 days old, SLA 7)", got)
	}
	want := &SLATotals{Days: map[string]int{"critical": 7, "low": 30}, Past: 1, ByOU: map[string]int{"Root/Prod": 1},
		OwnerTag: "owner", ByOwner: map[string]int{"payments": 1}}
	if diff := cmp.Diff(want, sums[run3].SLA); diff != "" {
		t.Errorf("week 3 SLA (-want +got):\n%s", diff)
	}
	f, err := excelize.OpenFile(download(t, c, run.WorkbookKey(run3)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(SheetSummary, excelize.Options{RawCellValue: true})
	var fixFirst, pastSLA, byOwner []string
	for i, r := range rows {
		switch {
		case len(r) > 0 && strings.HasPrefix(r[0], "Fix first"):
			fixFirst = rows[i+2]
		case len(r) > 2 && r[0] == "Past their SLA":
			pastSLA = r[1:3]
		case len(r) > 0 && strings.HasPrefix(r[0], "Findings past their SLA by owner"):
			byOwner = rows[i+2]
		}
	}
	if len(fixFirst) < 4 || fixFirst[0] != "root-account-mfa-enabled" || fixFirst[1] != "Critical" || fixFirst[3] != "14" {
		t.Errorf("fix-first row 1 = %q, want root-account-mfa-enabled, Critical, 1 account, 14 days", fixFirst)
	}
	if !cmp.Equal(pastSLA, []string{"1", "1"}) {
		t.Errorf("Past their SLA = %q, want 1, change +1", pastSLA)
	}
	if !cmp.Equal(byOwner, []string{"payments", "1", "1"}) {
		t.Errorf("past SLA by owner = %q, want payments, 1, +1", byOwner)
	}
}
