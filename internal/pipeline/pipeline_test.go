package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/pipeline"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
	"github.com/config-report/config-report/internal/scan"
)

const bucket = "config-report-pipeline-test"

// sim is a simulated organization served in-process, with the report bucket
// created in its S3, and the deployment of the three handlers against it.
type sim struct {
	org *orgsim.Org
	srv *orgsim.Server
	s3  *s3.Client
	dep pipeline.Deployment
}

func newSim(t *testing.T, spec orgsim.Spec) *sim {
	t.Helper()
	o := orgsim.Generate(spec)
	srv := orgsim.Start(o)
	t.Cleanup(srv.Close)
	role := func(name string) aws.Config { return srv.AWSConfig(o.HubRoleARN(name), "us-east-1") }
	pathStyle := func(opt *s3.Options) { opt.UsePathStyle = true }
	c := runtest.NewBucket(t, role(orgsim.DefaultFormatterRole), bucket)
	list, scanCfg, build := org.DefaultConfig(), scan.DefaultConfig(), report.DefaultConfig()
	list.Bucket, list.RoleARN = bucket, o.RoleARN(o.ManagementAccountID, orgsim.DefaultOrgRoleName)
	scanCfg.Regions = o.Regions
	build.Environment, build.Regions = "test", o.Regions
	return &sim{org: o, srv: srv, s3: c, dep: pipeline.Deployment{
		List: list, Scan: scanCfg, Build: build,
		ListAccounts:   role(orgsim.DefaultListerRoleName),
		ScanAccount:    role(orgsim.DefaultScannerRoleName),
		BuildReport:    role(orgsim.DefaultFormatterRole),
		S3Options:      pathStyle,
		TmpDir:         t.TempDir(),
		ScanMaxBackoff: time.Millisecond,
	}}
}

// fastRetry is the state machine's ScanAccount retry policy with waits of a
// millisecond, so tests do not wait seconds.
var fastRetry = []pipeline.Retrier{{ErrorEquals: []string{awserr.TransientErrorName}, IntervalSeconds: 0.001, MaxAttempts: 2, BackoffRate: 2, JitterStrategy: "FULL"}}

func (s *sim) pipeline(t *testing.T) *pipeline.Pipeline {
	t.Helper()
	p, err := pipeline.FromDeployment(s.dep)
	if err != nil {
		t.Fatalf("FromDeployment: %v", err)
	}
	p.Retriers = fastRetry
	return p
}

func (s *sim) summary(t *testing.T, runID string) *report.Summary {
	t.Helper()
	body, err := run.GetObject(context.Background(), s.s3, bucket, run.SummaryKey(runID))
	if err != nil {
		t.Fatalf("read summary: %v", err)
	}
	var sum report.Summary
	if err := json.Unmarshal(body, &sum); err != nil {
		t.Fatalf("decode summary: %v", err)
	}
	return &sum
}

// concurrencyMeter wraps the real scan handler and records how many scans
// ran at once.
type concurrencyMeter struct {
	pipeline.Scanner
	now, peak atomic.Int32
}

func (m *concurrencyMeter) Handle(ctx context.Context, in scan.In) (scan.Out, error) {
	n := m.now.Add(1)
	defer m.now.Add(-1)
	for {
		p := m.peak.Load()
		if n <= p || m.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return m.Scanner.Handle(ctx, in)
}

func TestRunScansEveryAccount(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 7, Accounts: 40, Regions: []string{"us-east-1", "eu-west-1"}})
	p := s.pipeline(t)
	meter := &concurrencyMeter{Scanner: p.Scan}
	p.Scan = meter
	p.Concurrency = 3
	var mu sync.Mutex
	var seen []pipeline.Progress
	p.Progress = func(pr pipeline.Progress) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, pr)
	}
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	res, err := p.Run(context.Background(), pipeline.Input{ExecutionName: "3f2a9c1b", StartTime: start})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := "2026-11-30T0900Z-3f2a9c1b"; res.List.RunID != want {
		t.Errorf("run ID = %q, want %q", res.List.RunID, want)
	}

	active := s.org.ActiveAccounts()
	var unreachable int
	var got []string
	for _, out := range res.Scans {
		got = append(got, out.AccountID)
		if out.Status == run.AccountUnreachable {
			unreachable++
		}
		if _, err := run.GetShard(context.Background(), s.s3, bucket, out.ShardKey); err != nil {
			t.Errorf("shard of %s: %v", out.AccountID, err)
		}
	}
	if diff := cmp.Diff(active, got); diff != "" {
		t.Errorf("scanned accounts (-active in the organization +scanned):\n%s", diff)
	}
	if len(res.Failures) != 0 {
		t.Errorf("failures = %v, want none", res.Failures)
	}
	if want := s.org.Spec.UnreachableAccounts; unreachable != want || want == 0 {
		t.Errorf("unreachable accounts = %d, want the organization's %d", unreachable, want)
	}
	if peak := meter.peak.Load(); peak > 3 || peak < 2 {
		t.Errorf("peak concurrent scans = %d, want 2 or 3 (Concurrency 3)", peak)
	}

	wantOut := report.Out{ReportKey: run.WorkbookKey(res.List.RunID), SummaryKey: run.SummaryKey(res.List.RunID),
		Accounts: len(active), Scanned: len(active) - unreachable}
	if diff := cmp.Diff(wantOut, res.Report); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	sum := s.summary(t, res.List.RunID)
	if sum.Totals.Accounts != len(active) || sum.Totals.Unreachable != unreachable || sum.Totals.NotScanned != 0 {
		t.Errorf("summary totals = %+v, want %d accounts, %d unreachable, none not scanned", sum.Totals, len(active), unreachable)
	}

	final := pipeline.Progress{Stage: pipeline.StageDone, RunID: res.List.RunID, Accounts: len(active), Scanned: len(active), Unreachable: unreachable}
	last := seen[len(seen)-1]
	last.Elapsed = 0
	if diff := cmp.Diff(final, last); diff != "" {
		t.Errorf("final progress (-want +got):\n%s", diff)
	}
	stages := []pipeline.Stage{}
	for i, pr := range seen {
		if len(stages) == 0 || stages[len(stages)-1] != pr.Stage {
			stages = append(stages, pr.Stage)
		}
		if i > 0 && (pr.Done() < seen[i-1].Done() || pr.Elapsed < seen[i-1].Elapsed) {
			t.Errorf("progress went back: %+v after %+v", pr, seen[i-1])
		}
	}
	if diff := cmp.Diff([]pipeline.Stage{pipeline.StageList, pipeline.StageScan, pipeline.StageBuild, pipeline.StageDone}, stages); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
}

func TestRunCountsTransientFailuresAndRerunsThem(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 3, Accounts: 12, Regions: []string{"eu-west-1"}, UnreachableAccounts: -1})
	active := s.org.ActiveAccounts()
	flaky := active[len(active)-1]
	// Every Config call of one account is throttled: the SDK's retries run
	// out, the scanner returns a TransientError, the pipeline retries it as
	// the state machine would, and the account ends without a shard.
	s.srv.SetFaults(orgsim.Faults{Throttle: map[string]float64{"config:*": 1}, Accounts: []string{flaky}})
	p := s.pipeline(t)
	var last pipeline.Progress
	p.Progress = func(pr pipeline.Progress) { last = pr }
	res, err := p.Run(context.Background(), pipeline.Input{ExecutionName: "abcdef12", StartTime: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Failures) != 1 {
		t.Fatalf("failures = %v, want one, of %s", res.Failures, flaky)
	}
	f := res.Failures[0]
	var te *awserr.TransientError
	if f.Account.ID != flaky || f.Attempts != 3 || !errors.As(f.Err, &te) {
		t.Errorf("failure = %s after %d attempts: %v; want %s after 3 attempts (1 + MaxAttempts 2) with a TransientError", f.Account.ID, f.Attempts, f.Err, flaky)
	}
	// The cause in one line, as the CLI names it: the throttled action and
	// the SDK's attempts.
	if got := pipeline.Cause(f.Err); !strings.HasPrefix(got, "ThrottlingException from config:") || !strings.HasSuffix(got, fmt.Sprintf(" past %d attempts", scan.MaxAttempts)) {
		t.Errorf("Cause = %q, want ThrottlingException from a config: action past %d attempts", got, scan.MaxAttempts)
	}
	if cause, n := pipeline.DominantCause(res.Failures); cause != pipeline.Cause(f.Err) || n != 1 {
		t.Errorf("DominantCause = %q, %d", cause, n)
	}
	if last.Retries != 2 || last.Failed != 1 || last.Scanned != len(active)-1 {
		t.Errorf("final progress = %+v, want 2 retries, 1 failed, %d scanned", last, len(active)-1)
	}
	if res.Report.Failed != 1 || res.Report.Accounts != len(active) {
		t.Errorf("report = %+v, want %d accounts, 1 failed", res.Report, len(active))
	}
	body, err := run.GetObject(context.Background(), s.s3, bucket, run.RerunInputKey(res.List.RunID))
	if err != nil {
		t.Fatalf("re-run input: %v", err)
	}
	var rerun run.ExecutionInput
	if err := json.Unmarshal(body, &rerun); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(run.ExecutionInput{RunID: res.List.RunID, AccountIDs: []string{flaky}}, rerun); diff != "" {
		t.Errorf("re-run input (-want +got):\n%s", diff)
	}

	// The console's re-run, in-process: the fault is gone, the same input
	// scans the account into the same run and rebuilds its report.
	s.srv.SetFaults(orgsim.Faults{})
	again, err := p.Run(context.Background(), pipeline.Input{RunID: rerun.RunID, AccountIDs: rerun.AccountIDs,
		ExecutionName: "rerun-1", StartTime: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("re-run: %v", err)
	}
	if !again.List.Rerun || again.List.RunID != res.List.RunID || len(again.Scans) != 1 || again.Scans[0].AccountID != flaky {
		t.Errorf("re-run listed %+v and scanned %v, want only %s in run %s", again.List, again.Scans, flaky, res.List.RunID)
	}
	if again.Report.Failed != 0 || again.Report.Accounts != len(active) {
		t.Errorf("rebuilt report = %+v, want %d accounts, none failed", again.Report, len(active))
	}
	if _, err := run.GetObject(context.Background(), s.s3, bucket, run.RerunInputKey(res.List.RunID)); !errors.Is(err, run.ErrNotFound) {
		t.Errorf("re-run input after a complete re-run: %v, want it removed", err)
	}
}

func TestRunStopsWhenListingFails(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 1, Accounts: 5, Regions: []string{"eu-west-1"}})
	s.dep.List.RoleARN = s.org.RoleARN(s.org.ManagementAccountID, "no-such-role")
	p := s.pipeline(t)
	_, err := p.Run(context.Background(), pipeline.Input{ExecutionName: "abcdef12", StartTime: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)})
	if err == nil || !strings.Contains(err.Error(), "list accounts") || !strings.Contains(err.Error(), "AssumeRole") {
		t.Fatalf("Run with an org role that cannot be assumed = %v, want a list accounts error naming AssumeRole", err)
	}
	var ie *org.InputError
	if errors.As(err, &ie) {
		t.Errorf("error %v is an input error", err)
	}
}

func TestRunCancelled(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 1, Accounts: 30, Regions: []string{"eu-west-1"}})
	s.srv.SetFaults(orgsim.Faults{Latency: 5 * time.Millisecond})
	p := s.pipeline(t)
	p.Concurrency = 2
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p.Progress = func(pr pipeline.Progress) {
		if pr.Done() == 3 {
			cancel()
		}
	}
	_, err := p.Run(ctx, pipeline.Input{ExecutionName: "abcdef12", StartTime: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v, want context.Canceled", err)
	}
	keys := 0
	pg := s3.NewListObjectsV2Paginator(s.s3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(run.ReportsPrefix)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		keys += len(page.Contents)
	}
	if keys != 0 {
		t.Errorf("a cancelled run wrote %d report objects, want none", keys)
	}
}

func TestFromDeploymentNamesTheVariable(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 1, Accounts: 2})
	tests := []struct {
		name string
		edit func(d *pipeline.Deployment)
		want []string
	}{
		{name: "no bucket", edit: func(d *pipeline.Deployment) { d.List.Bucket = "" }, want: []string{"ListAccounts", "REPORT_BUCKET"}},
		{name: "bad regions", edit: func(d *pipeline.Deployment) { d.Scan.Regions = []string{"eu-west-1", "mars-1"} }, want: []string{"ScanAccount", "REGIONS"}},
		{name: "no environment", edit: func(d *pipeline.Deployment) { d.Build.Environment = "" }, want: []string{"BuildReport", "ENVIRONMENT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := s.dep
			tt.edit(&d)
			_, err := pipeline.FromDeployment(d)
			if err == nil {
				t.Fatalf("FromDeployment = nil error, want one naming %v", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("FromDeployment error %q does not contain %q", err, w)
				}
			}
		})
	}
}
