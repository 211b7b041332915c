package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/run"
)

// e2eSpec is the organization of the end-to-end run: 50 accounts in a
// two-level OU tree, three regions, two inactive and three unreachable
// accounts (role missing, not trusting the scanner, wrong external ID), two
// accounts with Config not enabled in a region and one with its recorder
// stopped. Denied actions are left to the scanner's own tests (see truth).
var e2eSpec = orgsim.Spec{
	Seed:                    20261130,
	Accounts:                50,
	Regions:                 []string{"us-east-1", "eu-west-1", "eu-central-1"},
	InactiveAccounts:        2,
	UnreachableAccounts:     3,
	ConfigDisabledAccounts:  2,
	RecorderStoppedAccounts: 1,
	AccessDeniedAccounts:    -1,
}

// buildOut is BuildReport's result, the execution's output.
type buildOut struct {
	ReportKey  string `json:"reportKey"`
	SummaryKey string `json:"summaryKey"`
	Accounts   int    `json:"accounts"`
	Scanned    int    `json:"scanned"`
	Failed     int    `json:"failed"`
}

// TestStateMachineOnKumo runs the rendered definition on kumo with the three
// functions as Lambda processes: a new run over the whole organization, then
// a re-run of two accounts whose compliance changed meanwhile.
func TestStateMachineOnKumo(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	org := orgsim.Generate(e2eSpec)
	checkOrg(t, org)
	recipients := []string{"platform-team@example.com", "security@example.com"}
	p := startPipeline(t, ctx, org, pipelineSettings{
		MaxConcurrency:             4,
		ToleratedFailurePercentage: 0,
		ScanProcesses:              4,
		ScanTimeout:                deployedTimeout,
		Recipients:                 recipients,
	})

	// A new run: every active account.
	first := p.run(t, ctx, `{}`)
	if first.Describe.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("new run: %s", first.describe())
	}
	list := p.listResult(t)
	wantRunID, err := run.NewID(first.StartTime, first.Name)
	if err != nil {
		t.Fatal(err)
	}
	if list.RunID != wantRunID || list.ManifestKey != run.ManifestKey(wantRunID) || list.Bucket != p.bucket {
		t.Fatalf("ListAccounts = %+v, want run %s (from the execution's name and start time) with manifest %s in %s",
			list, wantRunID, run.ManifestKey(wantRunID), p.bucket)
	}
	runID := list.RunID
	manifest, err := run.GetManifest(ctx, p.s3, p.bucket, list.ManifestKey)
	if err != nil {
		t.Fatal(err)
	}
	var manifestIDs []string
	for _, a := range manifest {
		manifestIDs = append(manifestIDs, a.ID)
	}
	active := org.ActiveAccounts()
	if diff := cmp.Diff(active, sorted(manifestIDs)); diff != "" {
		t.Fatalf("manifest accounts (-active in the organization +manifest):\n%s", diff)
	}
	if got := p.scannedAccounts(t, 0); !slices.Equal(sorted(got), active) {
		t.Errorf("ScanAccount invoked for %d accounts %v, want each of the %d active accounts once", len(got), got, len(active))
	}
	var shardKeys []string
	for _, id := range active {
		shardKeys = append(shardKeys, run.ShardKey(runID, id))
	}
	if diff := cmp.Diff(shardKeys, sorted(p.keys(t, ctx, run.ShardPrefix(runID)))); diff != "" {
		t.Errorf("shards (-one per manifest account +in S3):\n%s", diff)
	}
	checkFailedScans(t, p, 0, nil)
	checkMapRun(t, ctx, p, first, mapRunFigures{sfntypes.MapRunStatusSucceeded, int64(len(active)), int64(len(active)), 0, 0})
	checkMapResults(t, ctx, p, list, len(active))

	var out buildOut
	if err := json.Unmarshal([]byte(aws.ToString(first.Describe.Output)), &out); err != nil {
		t.Fatalf("execution output %s: %v", aws.ToString(first.Describe.Output), err)
	}
	truth1 := groundTruth(org, active)
	wantOut := buildOut{
		ReportKey: run.WorkbookKey(runID), SummaryKey: run.SummaryKey(runID),
		Accounts: len(active), Scanned: truth1.Totals.Scanned, Failed: 0,
	}
	if diff := cmp.Diff(wantOut, out); diff != "" {
		t.Errorf("execution output (-want +got):\n%s", diff)
	}
	summary1 := p.summary(t, ctx, runID)
	if diff := cmp.Diff(truth1, reported(summary1)); diff != "" {
		t.Errorf("summary of the new run (-simulator's ground truth +report):\n%s", diff)
	}
	p.checkWorkbook(t, ctx, runID, truth1)
	p.checkEmail(t, ctx, runID, recipients)
	if t.Failed() {
		t.FailNow()
	}

	// Two scanned accounts change: one fixes every non-compliant rule, the
	// other breaks a compliant rule on a new resource.
	fixed, broken := pickChanged(t, org, truth1)
	changeCompliance(t, org, fixed, broken)
	manifestBytes := p.get(t, ctx, run.ManifestKey(runID))
	before := map[string][]byte{}
	for _, key := range shardKeys {
		before[key] = p.get(t, ctx, key)
	}
	scansBefore := len(p.k.Invocations(p.scan.Name))
	p.sim.Calls().Reset()

	rerunInput, err := json.Marshal(map[string]any{"runId": runID, "accountIds": []string{fixed, broken}})
	if err != nil {
		t.Fatal(err)
	}
	second := p.run(t, ctx, string(rerunInput))
	if second.Describe.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("re-run: %s", second.describe())
	}
	relist := p.listResult(t)
	if relist.RunID != runID || !strings.HasPrefix(relist.ManifestKey, run.RerunPrefix(runID)) || relist.AccountCount != 2 {
		t.Errorf("ListAccounts on re-run = %+v, want run %s, a manifest under %s, 2 accounts", relist, runID, run.RerunPrefix(runID))
	}
	if got := p.scannedAccounts(t, scansBefore); !slices.Equal(sorted(got), sorted([]string{fixed, broken})) {
		t.Errorf("re-run invoked ScanAccount for %v, want %s and %s once each", got, fixed, broken)
	}
	for _, id := range active {
		calls := p.sim.Calls().Count("config:*", id, "")
		rescanned := id == fixed || id == broken
		if rescanned != (calls > 0) {
			t.Errorf("re-run: account %s got %d AWS Config calls, want them only for %s and %s", id, calls, fixed, broken)
		}
	}
	for _, key := range shardKeys {
		after := p.get(t, ctx, key)
		rescanned := key == run.ShardKey(runID, fixed) || key == run.ShardKey(runID, broken)
		if rescanned == bytes.Equal(before[key], after) {
			t.Errorf("re-run: shard %s changed = %v, want only the re-run accounts' shards replaced", key, !rescanned)
		}
	}
	if got := p.get(t, ctx, run.ManifestKey(runID)); !bytes.Equal(got, manifestBytes) {
		t.Errorf("re-run: the run's original manifest changed")
	}
	var out2 buildOut
	if err := json.Unmarshal([]byte(aws.ToString(second.Describe.Output)), &out2); err != nil {
		t.Fatalf("re-run output %s: %v", aws.ToString(second.Describe.Output), err)
	}
	if out2.ReportKey != run.WorkbookKey(runID) || out2.Accounts != len(active) {
		t.Errorf("re-run output = %+v, want the report of run %s over all %d accounts", out2, runID, len(active))
	}
	truth2 := groundTruth(org, active)
	if cmp.Equal(truth1, truth2) {
		t.Fatal("changing the two accounts did not change the ground truth")
	}
	summary2 := p.summary(t, ctx, runID)
	if diff := cmp.Diff(truth2, reported(summary2)); diff != "" {
		t.Errorf("summary after the re-run (-simulator's ground truth +report):\n%s", diff)
	}
	if !summary2.GeneratedAt.After(summary1.GeneratedAt) {
		t.Errorf("summary after the re-run generated at %s, not after the first (%s)", summary2.GeneratedAt, summary1.GeneratedAt)
	}
	p.checkWorkbook(t, ctx, runID, truth2)
}

// checkMapResults checks what the Map's ResultWriter wrote under the run's
// result prefix: kumo writes one file of all the items' results, not AWS's
// manifest and per-status result files.
func checkMapResults(t *testing.T, ctx context.Context, p *pipeline, list listOut, items int) {
	t.Helper()
	keys := p.keys(t, ctx, list.ResultPrefix)
	if len(keys) != 1 {
		t.Errorf("ResultWriter wrote %v under %s, want one file", keys, list.ResultPrefix)
		return
	}
	var results []json.RawMessage
	if err := json.Unmarshal(p.get(t, ctx, keys[0]), &results); err != nil || len(results) != items {
		t.Errorf("ResultWriter's %s holds %d results (%v), want %d", keys[0], len(results), err, items)
	}
}

// summary reads and decodes a run's summary.json with the report package's
// own reader.
func (p *pipeline) summary(t *testing.T, ctx context.Context, runID string) *report.Summary {
	t.Helper()
	key := run.SummaryKey(runID)
	s, err := report.DecodeSummary(key, p.get(t, ctx, key))
	if err != nil {
		t.Fatal(err)
	}
	if s.RunID != runID {
		t.Errorf("summary %s is of run %s", key, s.RunID)
	}
	return s
}

// checkWorkbook opens the run's workbook and checks its Accounts sheet:
// one row per account of the run, with the status and non-compliant
// resources of the ground truth (blank for an account without data); and
// the Summary's account figures: the organization's and the run's.
func (p *pipeline) checkWorkbook(t *testing.T, ctx context.Context, runID string, tr truth) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(p.get(t, ctx, run.WorkbookKey(runID))))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(report.SheetAccounts, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("workbook sheet %s: %v", report.SheetAccounts, err)
	}
	if len(rows) == 0 {
		t.Fatalf("workbook sheet %s is empty", report.SheetAccounts)
	}
	col := map[string]int{}
	for i, title := range rows[0] {
		col[title] = i
	}
	for _, title := range []string{"Account ID", "Status", "Non-compliant resources"} {
		if _, ok := col[title]; !ok {
			t.Fatalf("workbook sheet %s has no column %q: %q", report.SheetAccounts, title, rows[0])
		}
	}
	if len(rows)-1 != len(tr.Accounts) {
		t.Errorf("workbook sheet %s has %d rows under its header, want one per account: %d", report.SheetAccounts, len(rows)-1, len(tr.Accounts))
	}
	type line struct{ Status, Resources string }
	got, want := map[string]line{}, map[string]line{}
	for _, r := range rows[1:] {
		cell := func(title string) string {
			if i := col[title]; i < len(r) {
				return r[i]
			}
			return ""
		}
		got[cell("Account ID")] = line{cell("Status"), cell("Non-compliant resources")}
	}
	for id, a := range tr.Accounts {
		resources := strconv.Itoa(a.Resources)
		if a.Status != report.StatusScanned && a.Status != report.StatusPartial {
			resources = "" // no rule results: blank, not zero
		}
		want[id] = line{a.Status, resources}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("workbook sheet %s (-ground truth +workbook):\n%s", report.SheetAccounts, diff)
	}

	summary, err := f.GetRows(report.SheetSummary, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("workbook sheet %s: %v", report.SheetSummary, err)
	}
	figures := map[string]string{}
	for _, r := range summary {
		if len(r) > 1 {
			figures[r[0]] = r[1]
		}
	}
	o := tr.Totals.Organization
	wantFigures := map[string]string{
		"Accounts in the organization":                     strconv.Itoa(o.Accounts),
		"Accounts not active (suspended, closing, closed)": strconv.Itoa(o.Inactive),
		"Accounts excluded by configuration":               strconv.Itoa(o.Excluded),
		"Accounts in this run":                             strconv.Itoa(tr.Totals.Accounts),
	}
	gotFigures := map[string]string{}
	for label := range wantFigures {
		gotFigures[label] = figures[label]
	}
	if diff := cmp.Diff(wantFigures, gotFigures); diff != "" {
		t.Errorf("workbook sheet %s (-ground truth +workbook):\n%s", report.SheetSummary, diff)
	}
}

// checkEmail checks that SES received one e-mail from the sender to the
// recipients with the run's workbook attached.
func (p *pipeline) checkEmail(t *testing.T, ctx context.Context, runID string, recipients []string) {
	t.Helper()
	emails := p.sim.Emails()
	if len(emails) != 1 {
		t.Errorf("SES received %d e-mails, want 1", len(emails))
		return
	}
	e := emails[0]
	if e.From != reportSender || !slices.Equal(sorted(e.To), sorted(recipients)) {
		t.Errorf("e-mail from %q to %q, want from %q to %q", e.From, e.To, reportSender, recipients)
	}
	workbook := p.get(t, ctx, run.WorkbookKey(runID))
	attached := false
	for _, a := range e.Attachments {
		attached = attached || bytes.Equal(a.Data, workbook)
	}
	if !attached {
		t.Errorf("e-mail %q has %d attachments, none of them the workbook", e.Subject, len(e.Attachments))
	}
}

// pickChanged returns two scanned accounts with rule results: the first
// has a region with non-compliant rules, the second a region with a
// compliant rule.
func pickChanged(t *testing.T, org *orgsim.Org, tr truth) (fixed, broken string) {
	t.Helper()
	for _, id := range org.ActiveAccounts() {
		at := tr.Accounts[id]
		switch {
		case at.Status != report.StatusScanned:
		case fixed == "" && at.Evaluations.NonCompliant > 0:
			fixed = id
		case broken == "" && at.Evaluations.Compliant > 0:
			broken = id
		}
	}
	if fixed == "" || broken == "" {
		t.Fatalf("no two scanned accounts with non-compliant and compliant rules")
	}
	return fixed, broken
}

// changeCompliance makes every NON_COMPLIANT rule of fixed COMPLIANT, with
// no non-compliant resource left, and one COMPLIANT rule of broken
// NON_COMPLIANT on a new resource.
func changeCompliance(t *testing.T, org *orgsim.Org, fixed, broken string) {
	t.Helper()
	for _, region := range org.Regions {
		if err := org.UpdateRegionConfig(fixed, region, func(rc *orgsim.RegionConfig) {
			for i := range rc.Rules {
				if rc.Rules[i].Compliance == orgsim.NonCompliant {
					rc.Rules[i].Compliance = orgsim.Compliant
					rc.Rules[i].NonCompliant = nil
				}
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, region := range org.Regions {
		done := false
		if err := org.UpdateRegionConfig(broken, region, func(rc *orgsim.RegionConfig) {
			for i := range rc.Rules {
				r := &rc.Rules[i]
				if r.Compliance != orgsim.Compliant || len(r.ResourceTypes) == 0 {
					continue
				}
				r.Compliance = orgsim.NonCompliant
				r.NonCompliant = []orgsim.Resource{{
					Type:       r.ResourceTypes[0],
					ID:         "e2e-" + broken + "-broken",
					Annotation: "changed by the end-to-end test",
					RecordedAt: time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC),
				}}
				done = true
				return
			}
		}); err != nil {
			t.Fatal(err)
		}
		if done {
			return
		}
	}
	t.Fatalf("account %s has no compliant rule with a resource type", broken)
}

// mapRun returns the execution's Map Run as kumo recorded it.
func mapRun(t *testing.T, ctx context.Context, c *sfn.Client, executionArn string) *sfn.DescribeMapRunOutput {
	t.Helper()
	runs, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: aws.String(executionArn)})
	if err != nil {
		t.Fatalf("ListMapRuns: %v", err)
	}
	if len(runs.MapRuns) != 1 {
		t.Fatalf("ListMapRuns = %d Map Runs, want 1", len(runs.MapRuns))
	}
	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: runs.MapRuns[0].MapRunArn})
	if err != nil {
		t.Fatalf("DescribeMapRun: %v", err)
	}
	return d
}
