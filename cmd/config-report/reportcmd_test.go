package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/pipeline"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// demoWeeks runs the demo n times into a new folder and returns it.
func demoWeeks(t *testing.T, n int) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report")
	for range n {
		r := runBinary(t, nil, "demo", "--accounts", "25", "--seed", "9", "--regions", "eu-west-1,us-east-1", "--out", out)
		if r.code != 0 {
			t.Fatalf("demo: status %d, stderr:\n%s", r.code, r.stderr)
		}
	}
	return out
}

func TestReportRebuildsFromALocalFolder(t *testing.T) {
	out := demoWeeks(t, 2)
	const week1, week2 = "2026-11-30T0900Z-week0001", "2026-12-07T0900Z-week0002"
	before := loadSummary(t, out, week2)

	// An account's shard goes missing: the rebuilt report lists it as not
	// scanned and writes the input that re-runs it.
	accounts, err := os.ReadDir(localFile(out, run.ShardPrefix(week2)))
	if err != nil || len(accounts) == 0 {
		t.Fatalf("shards of %s: %v", week2, err)
	}
	lost := strings.TrimSuffix(accounts[0].Name(), ".json")
	if err := os.Remove(localFile(out, run.ShardKey(week2, lost))); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, nil, "report", "--dir", out, "--run-id", week2)
	if r.code != 0 {
		t.Fatalf("report: status %d, stderr:\n%s", r.code, r.stderr)
	}
	after := loadSummary(t, out, week2)
	if after.Totals.NotScanned != 1 || after.Totals.Accounts != before.Totals.Accounts {
		t.Errorf("rebuilt totals = %+v, want %d accounts, 1 not scanned", after.Totals, before.Totals.Accounts)
	}
	if after.Comparison == nil || after.Comparison.PreviousRunID != week1 {
		t.Errorf("rebuilt report compared with %+v, want %s", after.Comparison, week1)
	}
	if diff := cmp.Diff(before.Regions, after.Regions); diff != "" || after.Environment != before.Environment {
		t.Errorf("rebuilt report has regions %v and environment %q, want the run's %v and %q", after.Regions, after.Environment, before.Regions, before.Environment)
	}
	body, err := os.ReadFile(localFile(out, run.RerunInputKey(week2)))
	if err != nil {
		t.Fatalf("re-run input: %v", err)
	}
	var in run.ExecutionInput
	if err := json.Unmarshal(body, &in); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(run.ExecutionInput{RunID: week2, AccountIDs: []string{lost}}, in); diff != "" {
		t.Errorf("re-run input (-want +got):\n%s", diff)
	}
	if !strings.Contains(r.stdout, "re-run input") || !strings.Contains(r.stdout, "1 not scanned") {
		t.Errorf("report stdout does not show the not-scanned account and the re-run input:\n%s", r.stdout)
	}

	// The first week, rebuilt, is still a first run: nothing before it. Its
	// logs are JSON, one object per line.
	r = runBinary(t, nil, "report", "--dir", out, "--run-id", week1, "--log-format", "json", "--log-level", "info")
	if r.code != 0 {
		t.Fatalf("report of week 1: status %d, stderr:\n%s", r.code, r.stderr)
	}
	logs := 0
	for _, line := range strings.Split(r.stderr, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Level == "" || rec.Msg == "" {
			t.Errorf("log line %q is not a JSON record with level and msg: %v", line, err)
		}
		logs++
	}
	if logs == 0 {
		t.Errorf("--log-format json --log-level info logged nothing:\n%s", r.stderr)
	}
	if s := loadSummary(t, out, week1); s.Comparison != nil {
		t.Errorf("rebuilt week 1 compared with %s, want no comparison", s.Comparison.PreviousRunID)
	}
}

func TestReportRebuildsFromABucket(t *testing.T) {
	out := demoWeeks(t, 1)
	const week1 = "2026-11-30T0900Z-week0001"
	cfg := runtest.StartS3(t)
	const bucket = "reports-bucket"
	c := runtest.NewBucket(t, cfg, bucket)
	ctx := context.Background()
	for _, prefix := range []string{run.RunsPrefix, run.ReportsPrefix} {
		if _, err := pipeline.Upload(ctx, c, out, prefix, bucket); err != nil {
			t.Fatal(err)
		}
	}
	env := append(awsFiles(t, "eu-west-1", "AKIDTEST", "secret"), "AWS_ENDPOINT_URL_S3="+aws.ToString(cfg.BaseEndpoint))
	r := runBinary(t, env, "report", "--profile", "test", "--bucket", bucket, "--run-id", week1, "--environment", "prod")
	if r.code != 0 {
		t.Fatalf("report --bucket: status %d, stderr:\n%s", r.code, r.stderr)
	}
	body, err := run.GetObject(ctx, c, bucket, run.SummaryKey(week1))
	if err != nil {
		t.Fatal(err)
	}
	s, err := report.DecodeSummary("summary", body)
	if err != nil {
		t.Fatal(err)
	}
	if s.Environment != "prod" || s.Totals.NotScanned != 0 || s.Totals.Accounts == 0 {
		t.Errorf("rebuilt summary: environment %q, totals %+v; want prod and every account scanned", s.Environment, s.Totals)
	}
	if !strings.Contains(r.stdout, "s3://"+bucket+"/"+run.WorkbookKey(week1)) {
		t.Errorf("stdout does not name the workbook's S3 URI:\n%s", r.stdout)
	}
}

func TestReportFailures(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "no run id", args: []string{"--dir", dir}, code: 2, want: "--run-id is required"},
		{name: "both sources", args: []string{"--dir", dir, "--bucket", "b", "--run-id", "2026-11-30T0900Z-a"}, code: 2, want: "exactly one of --dir and --bucket"},
		{name: "bad run id", args: []string{"--dir", dir, "--run-id", "latest"}, code: 2, want: "is not of the form"},
		{name: "no such run", args: []string{"--dir", dir, "--run-id", "2026-11-30T0900Z-a"}, code: 1, want: "holds no run 2026-11-30T0900Z-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFailure(t, runBinary(t, nil, append([]string{"report"}, tt.args...)...), tt.code, tt.want)
		})
	}
}

// TestLocalBaselineAsBuildReportChoosesIt: the newest week's summary is
// damaged, so the next demo compares with the week before it, as
// BuildReport would, and says why it passed the damaged one over; a rebuild
// of a run without a summary keeps the folder's environment instead of
// "local", so the chain of weeks holds.
func TestLocalBaselineAsBuildReportChoosesIt(t *testing.T) {
	out := demoWeeks(t, 2)
	const week1, week2, week3 = "2026-11-30T0900Z-week0001", "2026-12-07T0900Z-week0002", "2026-12-14T0900Z-week0003"
	if err := os.WriteFile(localFile(out, run.SummaryKey(week2)), []byte(`{"schemaVersion": 3, "runId": `), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, nil, "demo", "--accounts", "25", "--seed", "9", "--regions", "eu-west-1,us-east-1", "--out", out)
	if r.code != 0 {
		t.Fatalf("demo: status %d, stderr:\n%s", r.code, r.stderr)
	}
	if s := loadSummary(t, out, week3); s.Comparison == nil || s.Comparison.PreviousRunID != week1 {
		t.Errorf("week 3 compared with %+v, want %s (week 2's summary is damaged)", s.Comparison, week1)
	}
	if !strings.Contains(r.stderr, "previous summary skipped") || !strings.Contains(r.stderr, run.SummaryKey(week2)) {
		t.Errorf("stderr does not say week 2's summary was passed over:\n%s", r.stderr)
	}

	// Week 2 without a summary, rebuilt with its regions given: the
	// environment is the folder's ("demo"), and the baseline week 1.
	if err := os.Remove(localFile(out, run.SummaryKey(week2))); err != nil {
		t.Fatal(err)
	}
	r = runBinary(t, nil, "report", "--dir", out, "--run-id", week2, "--regions", "eu-west-1,us-east-1")
	if r.code != 0 {
		t.Fatalf("report: status %d, stderr:\n%s", r.code, r.stderr)
	}
	s := loadSummary(t, out, week2)
	if s.Environment != "demo" || s.Comparison == nil || s.Comparison.PreviousRunID != week1 {
		t.Errorf("rebuilt week 2: environment %q, compared with %+v; want demo and %s", s.Environment, s.Comparison, week1)
	}
}
