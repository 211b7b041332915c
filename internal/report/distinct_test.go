package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/ruleid"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

var fourRegions = []string{"ap-southeast-2", "eu-central-1", "eu-west-1", "us-east-1"}

// putDistinctRun writes one account where Security Hub's root-access-key
// rule fails on the account in each of four regions (four deployed names,
// one finding, one resource), and bucket b1 fails s3-bucket-versioning-enabled
// both standalone and in a conformance pack (two findings, one resource),
// unless fixed, when only the pack's rule still fails on it.
func putDistinctRun(t *testing.T, c *s3.Client, runID string, fixed bool) {
	t.Helper()
	a := account("111111111111", "alpha", "Root/Prod", nil)
	suffixes := map[string]string{"ap-southeast-2": "0a1b2c3d", "eu-central-1": "4e5f6a7b", "eu-west-1": "8c9d0e1f", "us-east-1": "2a3b4c5d"}
	var regs []run.Region
	for _, name := range fourRegions {
		sh := rule("securityhub-iam-root-access-key-check-"+suffixes[name], run.NonCompliant)
		sh.CreatedBy = ruleid.CreatedBySecurityHub
		rules := []run.Rule{sh}
		res := []run.Resource{resource(sh.Name, "AWS::::Account", a.ID)}
		if name == "eu-west-1" {
			standalone := rule("s3-bucket-versioning-enabled", run.NonCompliant)
			if fixed {
				standalone.Compliance = run.Compliant
			} else {
				res = append(res, resource(standalone.Name, "AWS::S3::Bucket", "b1"))
			}
			pack := packRule("s3-bucket-versioning-enabled", "ops-pack", run.NonCompliant)
			rules = append(rules, standalone, pack)
			res = append(res, resource(pack.Name, "AWS::S3::Bucket", "b1"))
		}
		regs = append(regs, region(name, rules, res...))
	}
	putListed(t, c, runID, []run.Account{a}, scanned(runID, a, regs...))
}

// TestDistinctResourcesAndFindings: rows of the resource sheet are not
// resources. An account-level rule failing in four regions is one resource
// and one finding; a bucket failing a rule standalone and in a pack is one
// resource and two findings. Summary, Rules, Accounts, summary.json and the
// CSV agree.
func TestDistinctResourcesAndFindings(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	putDistinctRun(t, c, run1, false)
	h := newHandler(t, c)
	h.Config.Regions = fourRegions
	if _, err := h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}

	s, err := DecodeSummary(run.SummaryKey(run1), getObject(t, c, run.SummaryKey(run1)))
	if err != nil {
		t.Fatal(err)
	}
	if s.Totals.Resources != 2 || s.Totals.Findings != 3 || s.Resources.Count != 3 {
		t.Errorf("summary.json: %d resources, %d findings, a set of %d; want 2, 3, 3", s.Totals.Resources, s.Totals.Findings, s.Resources.Count)
	}
	if a := s.Accounts[0]; a.Resources != 2 || a.Findings != 3 {
		t.Errorf("summary.json account: %d resources, %d findings; want 2, 3", a.Resources, a.Findings)
	}
	byRule := map[string]int{}
	for _, r := range s.Rules {
		byRule[r.Label()] = r.Resources
	}
	wantRules := map[string]int{
		"iam-root-access-key-check (Security Hub IAM.4)":  1,
		"s3-bucket-versioning-enabled":                    1,
		"s3-bucket-versioning-enabled (Conformance pack)": 1,
	}
	if diff := cmp.Diff(wantRules, byRule); diff != "" {
		t.Errorf("summary.json rules' resources (-want +got):\n%s", diff)
	}

	f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))
	figures := summaryShown(t, rows(t, f, SheetSummary))
	if figures["Non-compliant resources (distinct)"] != "2" || figures["Findings (non-compliant resource × rule)"] != "3" {
		t.Errorf("Summary: %q resources, %q findings; want 2, 3", figures["Non-compliant resources (distinct)"], figures["Findings (non-compliant resource × rule)"])
	}
	acc := rows(t, f, SheetAccounts)
	if got := []string{acc[1][col(t, acc[0], "Non-compliant resources")], acc[1][col(t, acc[0], "Findings (resource × rule)")]}; !slices.Equal(got, []string{"2", "3"}) {
		t.Errorf("Accounts resources, findings = %q, want 2, 3", got)
	}
	rules := rows(t, f, SheetRules)
	for _, r := range rules[1:] {
		if got := r[col(t, rules[0], "Non-compliant resources")]; got != "1" {
			t.Errorf("Rules %s / %s: %s non-compliant resources, want 1", r[0], r[1], got)
		}
	}
	if n := len(rows(t, f, SheetResources)) - 1; n != 6 {
		t.Errorf("resource sheet has %d rows, want 6 (one per region and deployed rule)", n)
	}

	recs, err := csv.NewReader(bytes.NewReader(getObject(t, c, run.CSVKey(run1)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	fi := slices.Index(recs[0], "finding_id")
	if fi < 0 {
		t.Fatalf("CSV header %q has no finding_id", recs[0])
	}
	ids := map[string]bool{}
	for _, r := range recs[1:] {
		ids[r[fi]] = true
	}
	if len(recs)-1 != 6 || len(ids) != 3 {
		t.Errorf("CSV: %d rows, %d distinct finding_id; want 6, 3", len(recs)-1, len(ids))
	}
}

// TestFindingsAcrossTheUpgrade: the previous run's summary recorded rows
// (version 2, ResourceHash). The first run after the upgrade matches its
// findings by their rows: nothing that was there reads as new, and a fixed
// finding is resolved.
func TestFindingsAcrossTheUpgrade(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	h := newHandler(t, c)
	h.Config.Regions = fourRegions
	putDistinctRun(t, c, run1, false)
	if _, err := h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	// Rewrite run1's summary as version 2 wrote it: a set of rows.
	rr, err := newResourceReader(bytes.NewReader(getObject(t, c, run.CSVKey(run1))))
	if err != nil {
		t.Fatal(err)
	}
	var hashes []uint64
	var row resourceRow
	for rr.next(&row) == nil {
		hashes = append(hashes, row.key())
	}
	set := newResourceSet(sortUnique(hashes))
	set.Hash = ResourceHash
	var doc map[string]any
	if err := json.Unmarshal(getObject(t, c, run.SummaryKey(run1)), &doc); err != nil {
		t.Fatal(err)
	}
	doc["schemaVersion"] = 2
	doc["resources"] = set
	totals := doc["totals"].(map[string]any)
	totals["resources"] = len(hashes)
	delete(totals, "findings")
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	putObject(t, c, run.SummaryKey(run1), string(b))

	putDistinctRun(t, c, run2, true)
	if _, err := h.Handle(ctx, In{RunID: run2, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	s, err := DecodeSummary(run.SummaryKey(run2), getObject(t, c, run.SummaryKey(run2)))
	if err != nil {
		t.Fatal(err)
	}
	want := &Comparison{PreviousRunID: run1, Persisting: 2, Resolved: 1}
	if diff := cmp.Diff(want, s.Comparison); diff != "" {
		t.Errorf("comparison across the upgrade (-want +got):\n%s", diff)
	}
	if s.Resources.Hash != FindingHash {
		t.Errorf("the new summary's set is %q, want findings", s.Resources.Hash)
	}
	f := openWorkbook(t, download(t, c, run.WorkbookKey(run2)))
	resolved := rows(t, f, SheetResolved)
	if len(resolved) != 2 || resolved[1][col(t, resolved[0], "Rule")] != "s3-bucket-versioning-enabled" ||
		resolved[1][col(t, resolved[0], "Managed by")] != "Customer" || resolved[1][col(t, resolved[0], "Status")] != resolvedText {
		t.Errorf("Resolved sheet = %q, want the standalone rule's b1 resolved", resolved)
	}
	acc := rows(t, f, SheetAccounts)
	if got := acc[1][col(t, acc[0], "Resources change")]; got != countedByRowsText {
		t.Errorf("Accounts resources change against rows = %q, want %q", got, countedByRowsText)
	}
}
