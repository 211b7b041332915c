package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/run"
)

// TestToleratedFailuresOnKumo runs the definition on kumo with accounts
// whose scans keep failing (AWS Config throttles every call for them, so the
// scanner returns its TransientError when its deadline comes): at or under
// the tolerated failure percentage the execution succeeds and the report
// lists the failed accounts with the input that re-runs them; past it the
// execution fails at the Map and no report is built; a re-run of the failed
// accounts then completes the run.
//
// kumo runs no Retry for these failures (see kumoEnv), so each failing
// account is invoked once; the retries themselves are
// TestItemProcessorRetries's subject. kumo has no RedriveExecution, so the
// re-run here is the other way back: a new execution with the run's ID and
// the failed accounts.
func TestToleratedFailuresOnKumo(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	org := orgsim.Generate(orgsim.Spec{
		Seed: 7, Accounts: 20, Regions: []string{"us-east-1", "eu-west-1"}, RulesPerRegion: 10,
		InactiveAccounts: -1, UnreachableAccounts: -1, ConfigDisabledAccounts: -1, RecorderStoppedAccounts: -1, AccessDeniedAccounts: -1,
	})
	const tolerated = 10
	p := startPipeline(t, ctx, org, pipelineSettings{
		MaxConcurrency:             4,
		ToleratedFailurePercentage: tolerated,
		ScanProcesses:              4,
		// The scanner stops 10s before its deadline: a scan has 3s.
		ScanTimeout: 13 * time.Second,
	})
	active := org.ActiveAccounts()
	if len(active) != 20 {
		t.Fatalf("%d active accounts, want 20", len(active))
	}
	throttle := func(accounts ...string) {
		p.sim.SetFaults(orgsim.Faults{Throttle: map[string]float64{"config:*": 1}, Accounts: accounts})
	}
	defer p.sim.SetFaults(orgsim.Faults{})

	t.Run("failures at the tolerated percentage", func(t *testing.T) {
		failing := active[3:5] // 2 of 20: 10%
		throttle(failing...)
		scansBefore, buildsBefore := len(p.k.Invocations(p.scan.Name)), len(p.k.Invocations(p.build.Name))
		ex := p.run(t, ctx, `{}`)
		if ex.Describe.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("%s, want SUCCEEDED with 2 of 20 accounts failed and 10%% tolerated", ex.describe())
		}
		runID := p.listResult(t).RunID
		checkFailedScans(t, p, scansBefore, failing)
		checkMapRun(t, ctx, p, ex, mapRunFigures{sfntypes.MapRunStatusSucceeded, 20, 18, 2, tolerated})
		if got := len(p.k.Invocations(p.build.Name)) - buildsBefore; got != 1 {
			t.Errorf("BuildReport invoked %d times, want 1", got)
		}
		var out buildOut
		if err := json.Unmarshal([]byte(aws.ToString(ex.Describe.Output)), &out); err != nil {
			t.Fatalf("execution output: %v", err)
		}
		if out.Accounts != len(active) || out.Failed != len(failing) {
			t.Errorf("execution output = %+v, want %d accounts, %d failed", out, len(active), len(failing))
		}
		s := p.summary(t, ctx, runID)
		var notScanned []string
		for _, a := range s.Accounts {
			if a.Status == report.StatusNotScanned {
				notScanned = append(notScanned, a.ID)
			}
		}
		if diff := cmp.Diff(sorted(failing), sorted(notScanned)); diff != "" || s.Totals.NotScanned != len(failing) {
			t.Errorf("summary: %d not scanned, accounts (-failed +not scanned):\n%s", s.Totals.NotScanned, diff)
		}
		var rerun struct {
			RunID      string   `json:"runId"`
			AccountIDs []string `json:"accountIds"`
		}
		if err := json.Unmarshal(p.get(t, ctx, run.RerunInputKey(runID)), &rerun); err != nil {
			t.Fatalf("rerun input: %v", err)
		}
		if rerun.RunID != runID || !slices.Equal(sorted(rerun.AccountIDs), sorted(failing)) {
			t.Errorf("rerun input = %+v, want run %s and accounts %v", rerun, runID, failing)
		}
	})

	t.Run("failures past the tolerated percentage", func(t *testing.T) {
		failing := active[5:8] // 3 of 20: 15%
		throttle(failing...)
		scansBefore, buildsBefore := len(p.k.Invocations(p.scan.Name)), len(p.k.Invocations(p.build.Name))
		ex := p.run(t, ctx, `{}`)
		if ex.Describe.Status != sfntypes.ExecutionStatusFailed || aws.ToString(ex.Describe.Error) != "States.ExceedToleratedFailureThreshold" {
			t.Fatalf("%s, want FAILED with States.ExceedToleratedFailureThreshold", ex.describe())
		}
		runID := p.listResult(t).RunID
		checkFailedScans(t, p, scansBefore, failing)
		checkMapRun(t, ctx, p, ex, mapRunFigures{sfntypes.MapRunStatusFailed, 20, 17, 3, tolerated})
		if got := len(p.k.Invocations(p.build.Name)) - buildsBefore; got != 0 {
			t.Errorf("BuildReport invoked %d times after the Map failed, want 0", got)
		}
		if _, err := run.GetObject(ctx, p.s3, p.bucket, run.SummaryKey(runID)); !errors.Is(err, run.ErrNotFound) {
			t.Errorf("summary of the failed run: err = %v, want none", err)
		}

		// The failed accounts recover; a re-run of them completes the run.
		p.sim.SetFaults(orgsim.Faults{})
		input, err := json.Marshal(map[string]any{"runId": runID, "accountIds": failing})
		if err != nil {
			t.Fatal(err)
		}
		scansBefore = len(p.k.Invocations(p.scan.Name))
		rerun := p.run(t, ctx, string(input))
		if rerun.Describe.Status != sfntypes.ExecutionStatusSucceeded {
			t.Fatalf("re-run of the failed accounts: %s", rerun.describe())
		}
		if got := p.scannedAccounts(t, scansBefore); !slices.Equal(sorted(got), sorted(failing)) {
			t.Errorf("re-run scanned %v, want %v", got, failing)
		}
		s := p.summary(t, ctx, runID)
		if s.Totals.Accounts != len(active) || s.Totals.Scanned != len(active) || s.Totals.NotScanned != 0 {
			t.Errorf("summary after the re-run: totals %+v, want all %d accounts scanned", s.Totals, len(active))
		}
	})
}

// checkFailedScans checks the ScanAccount invocations from the n-th on:
// the failing accounts' ended with the scanner's TransientError, as the
// deployed function reports it over the Runtime API, and wrote no shard;
// the others' succeeded.
func checkFailedScans(t *testing.T, p *pipeline, from int, failing []string) {
	t.Helper()
	invs := p.k.Invocations(p.scan.Name)[from:]
	ids := p.scannedAccounts(t, from)
	for i, inv := range invs {
		want := slices.Contains(failing, ids[i])
		var e struct {
			ErrorType    string `json:"errorType"`
			ErrorMessage string `json:"errorMessage"`
		}
		if inv.FunctionError != "" {
			if err := json.Unmarshal(inv.Response, &e); err != nil {
				t.Errorf("error object of %s: %s: %v", ids[i], inv.Response, err)
			}
		}
		switch {
		case want && (inv.FunctionError == "" || e.ErrorType != awserr.TransientErrorName):
			t.Errorf("scan of %s (throttled) = %q %s, want a function error of type TransientError", ids[i], inv.FunctionError, inv.Response)
		case !want && inv.FunctionError != "":
			t.Errorf("scan of %s failed: %s", ids[i], inv.Response)
		}
	}
}

// mapRunFigures are the Map Run's status and item counts.
type mapRunFigures struct {
	Status                     sfntypes.MapRunStatus
	Total, Succeeded, Failed   int64
	ToleratedFailurePercentage float32
}

// checkMapRun checks the Map Run kumo recorded for the execution.
func checkMapRun(t *testing.T, ctx context.Context, p *pipeline, ex execution, want mapRunFigures) {
	t.Helper()
	mr := mapRun(t, ctx, p.k.SFN(), ex.ARN)
	got := mapRunFigures{mr.Status, mr.ItemCounts.Total, mr.ItemCounts.Succeeded, mr.ItemCounts.Failed, mr.ToleratedFailurePercentage}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Map Run (-want +got):\n%s", diff)
	}
}
