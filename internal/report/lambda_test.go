package report

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// TestLambdaInvoke calls the handler as the Lambda runtime does: JSON in,
// JSON out, with the contract's camelCase names.
func TestLambdaInvoke(t *testing.T) {
	c := runtest.NewS3(t)
	newMixedRun(run1).put(t, c, run1)
	invoke := lambda.NewHandler(newHandler(t, c).Handle).Invoke

	out, err := invoke(context.Background(), []byte(`{"runId":"`+run1+`","bucket":"`+runtest.Bucket+`"}`))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output %s: %v", out, err)
	}
	want := map[string]any{
		"reportKey":  run.WorkbookKey(run1),
		"summaryKey": run.SummaryKey(run1),
		"accounts":   7.0,
		"scanned":    3.0,
		"failed":     3.0,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Invoke output (-want +got):\n%s", diff)
	}

	for _, tc := range []struct {
		name, in, wantErr string
	}{
		{"bad run id", `{"runId":"yesterday","bucket":"b"}`, "run id"},
		{"no bucket", `{"runId":"` + run1 + `"}`, "bucket"},
		{"no manifest", `{"runId":"2026-01-05T0900Z-nothing","bucket":"` + runtest.Bucket + `"}`, "no manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := invoke(context.Background(), []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Invoke(%s) error = %v, want one about %q", tc.in, err, tc.wantErr)
			}
		})
	}
}

// TestRerunInputRemoved rebuilds a run after its failed account was scanned
// again: the old re-run input would re-run an account that now has a shard.
func TestRerunInputRemoved(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	a := account("111111111111", "alpha", "Root", nil)
	b := account("222222222222", "bravo", "Root", nil)
	rules := []run.Rule{rule("r", run.Compliant)}
	putRun(t, c, run1, []run.Account{a, b}, scanned(run1, a, region("eu-west-1", rules)))
	h := newHandler(t, c)
	out, err := h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	if out.Failed != 1 || !strings.Contains(string(getObject(t, c, run.RerunInputKey(run1))), `"222222222222"`) {
		t.Fatalf("first build: %d failed, want 1 and a re-run input naming it", out.Failed)
	}
	// The re-run writes its own manifest and the missing shard.
	if err := run.PutManifest(ctx, c, runtest.Bucket, run.RerunManifestKey(run1, "2026-11-23T1000Z-rerun"), []run.Account{b}); err != nil {
		t.Fatal(err)
	}
	if _, err := run.PutShard(ctx, c, runtest.Bucket, scanned(run1, b, region("eu-west-1", rules))); err != nil {
		t.Fatal(err)
	}
	out, err = h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket})
	if err != nil {
		t.Fatal(err)
	}
	if out.Failed != 0 || out.Scanned != 2 {
		t.Errorf("rebuild: %d scanned, %d failed; want 2, 0", out.Scanned, out.Failed)
	}
	for _, k := range runtest.Keys(t, c, runtest.Bucket, run.ReportPrefix(run1)) {
		if k == run.RerunInputKey(run1) {
			t.Errorf("%s is still there after every account was scanned", k)
		}
	}
}
