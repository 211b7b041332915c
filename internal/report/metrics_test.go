package report

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// emfLine is the shape CloudWatch Logs looks for in an embedded metric
// format line.
type emfLine struct {
	AWS struct {
		Timestamp         int64 `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string      `json:"Namespace"`
			Dimensions [][]string  `json:"Dimensions"`
			Metrics    []emfMetric `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	} `json:"_aws"`
}

// TestMetricsLine: after publishing, the handler writes the run's headline
// counts as one EMF line that CloudWatch can turn into metrics: a top-level
// JSON object on its own line, each declared metric a number beside _aws,
// and each dimension a string.
func TestMetricsLine(t *testing.T) {
	tests := []struct {
		name string
		put  func(t *testing.T, c *s3.Client)
		want map[string]any
	}{
		{
			name: "mixed run",
			put:  func(t *testing.T, c *s3.Client) { newMixedRun(run1).put(t, c, run1) },
			want: map[string]any{
				"Environment": "test", "RunId": run1,
				"AccountsInRun": 7.0, "AccountsScanned": 3.0, "AccountsUnreachable": 1.0, "AccountsNotScanned": 3.0, "AccountsNoData": 0.0,
				"NonCompliantResources": 6.0, "CompliancePercent": 78.95, // 15 of 19
				"CoveragePercent": 28.57, // 4 of 14 account-regions
			},
		},
		{
			name: "no evaluations: no compliance",
			put: func(t *testing.T, c *s3.Client) {
				a := account("111111111111", "alpha", "Root", nil)
				putRun(t, c, run1, []run.Account{a}, unreachable(run1, a, "AssumeRole: AccessDenied"))
			},
			want: map[string]any{
				"Environment": "test", "RunId": run1,
				"AccountsInRun": 1.0, "AccountsScanned": 0.0, "AccountsUnreachable": 1.0, "AccountsNotScanned": 0.0, "AccountsNoData": 0.0,
				"NonCompliantResources": 0.0, "CoveragePercent": 0.0,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := runtest.NewS3(t)
			tt.put(t, c)
			var out bytes.Buffer
			h := newHandler(t, c)
			h.Metrics = &out
			if _, err := h.Handle(context.Background(), In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
				t.Fatal(err)
			}
			line, ok := strings.CutSuffix(out.String(), "\n")
			if !ok || strings.Contains(line, "\n") || !strings.HasPrefix(line, "{") {
				t.Fatalf("metrics output %q is not one JSON object on one line", out.String())
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(line), &got); err != nil {
				t.Fatal(err)
			}
			var meta emfLine
			if err := json.Unmarshal([]byte(line), &meta); err != nil {
				t.Fatal(err)
			}
			delete(got, "_aws")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("metric values and properties (-want +got):\n%s", diff)
			}

			sum, err := DecodeSummary("", getObject(t, c, run.SummaryKey(run1)))
			if err != nil {
				t.Fatal(err)
			}
			if meta.AWS.Timestamp != sum.GeneratedAt.UnixMilli() {
				t.Errorf("Timestamp = %d, want the build time %d", meta.AWS.Timestamp, sum.GeneratedAt.UnixMilli())
			}
			if len(meta.AWS.CloudWatchMetrics) != 1 {
				t.Fatalf("%d metric directives, want 1", len(meta.AWS.CloudWatchMetrics))
			}
			d := meta.AWS.CloudWatchMetrics[0]
			if d.Namespace != "ConfigReport" {
				t.Errorf("Namespace = %q, want ConfigReport", d.Namespace)
			}
			if diff := cmp.Diff([][]string{{"Environment"}}, d.Dimensions); diff != "" {
				t.Errorf("Dimensions (-want +got):\n%s", diff)
			}
			var declared []emfMetric
			for name := range tt.want {
				if name == "Environment" || name == "RunId" {
					continue
				}
				unit := "Count"
				if name == "CompliancePercent" || name == "CoveragePercent" {
					unit = "Percent"
				}
				declared = append(declared, emfMetric{Name: name, Unit: unit})
			}
			sortMetrics := cmp.Transformer("sort", func(in []emfMetric) map[string]string {
				m := map[string]string{}
				for _, x := range in {
					m[x.Name] = x.Unit
				}
				return m
			})
			if diff := cmp.Diff(declared, d.Metrics, sortMetrics); diff != "" {
				t.Errorf("declared metrics (-want +got):\n%s", diff)
			}
			if len(d.Metrics) != len(declared) {
				t.Errorf("%d metrics declared, want %d", len(d.Metrics), len(declared))
			}
		})
	}
}
