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
