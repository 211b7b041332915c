package org_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/run"
)

func TestParseInput(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  run.ExecutionInput
	}{
		{"absent", ``, run.ExecutionInput{}},
		{"null", `null`, run.ExecutionInput{}},
		{"empty object", ` {} `, run.ExecutionInput{}},
		{"re-run", `{"runId": "2026-11-30T0900Z-abcd1234", "accountIds": ["123456789012", "210987654321"]}`,
			run.ExecutionInput{RunID: "2026-11-30T0900Z-abcd1234", AccountIDs: []string{"123456789012", "210987654321"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := org.ParseInput(json.RawMessage(tt.input))
			if err != nil {
				t.Fatalf("ParseInput(%s) error = %v", tt.input, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseInput(%s) mismatch (-want +got):\n%s", tt.input, diff)
			}
		})
	}
}

func TestParseInputErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{"console's sample input", `{"Comment": "Insert your JSON here"}`, `input: unknown field "Comment"`},
		{"misspelt field", `{"runId": "2026-11-30T0900Z-abcd1234", "accountIDs": ["123456789012"]}`, `input: unknown field "accountIDs"`},
		{"accountIds not an array", `{"runId": "2026-11-30T0900Z-abcd1234", "accountIds": "123456789012"}`, "input: accountIds is a JSON string, want an array of strings"},
		{"account id a number", `{"runId": "2026-11-30T0900Z-abcd1234", "accountIds": [123456789012]}`, "input: accountIds is a JSON number, want a string"},
		{"runId a number", `{"runId": 7, "accountIds": ["123456789012"]}`, "input: runId is a JSON number, want a string"},
		{"array", `["123456789012"]`, "input: not a JSON object"},
		{"string", `"rerun"`, "input: not a JSON object"},
		{"broken JSON", `{"runId": `, "input: not valid JSON"},
		{"trailing data", `{} {}`, "input: unexpected data after the JSON object"},
		{"runId alone", `{"runId": "2026-11-30T0900Z-abcd1234"}`, "input: runId without accountIds"},
		{"empty accountIds", `{"runId": "2026-11-30T0900Z-abcd1234", "accountIds": []}`, "input: runId without accountIds"},
		{"accountIds alone", `{"accountIds": ["123456789012"]}`, "input: accountIds without runId"},
		{"bad run id", `{"runId": "last-week", "accountIds": ["123456789012"]}`, `input: run id "last-week" is not of the form 2026-11-30T0900Z-abcd1234`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := org.ParseInput(json.RawMessage(tt.input))
			var ie *org.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseInput(%s) error = %v (%T), want an *org.InputError", tt.input, err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseInput(%s) error = %q, want it to contain %q", tt.input, err, tt.want)
			}
		})
	}
}

func TestRerunStamp(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 15, 2, 123456789, time.FixedZone("CET", 3600))
	tests := []struct {
		name, execution, want string
	}{
		{"plain", "retry-failed", "2026-12-01T091502.123Z-retry-failed"},
		{"odd characters", "a/b c:d", "2026-12-01T091502.123Z-a-b-c-d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := org.RerunStamp(start, tt.execution); got != tt.want {
				t.Errorf("RerunStamp(%v, %q) = %q, want %q", start, tt.execution, got, tt.want)
			}
		})
	}
}

// FuzzParseInput: any execution input is a request whose run ID and
// account IDs are well formed, or an *InputError, never a panic.
func FuzzParseInput(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"runId": "2026-11-30T0900Z-abcd1234", "accountIds": ["123456789012"]}`))
	f.Add([]byte(`{"Comment": "Insert your JSON here"}`))
	f.Add([]byte(`{"runId": "x", "accountIds": []} trailing`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := org.ParseInput(json.RawMessage(data))
		if err != nil {
			var ie *org.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseInput error %T %v is not an *InputError", err, err)
			}
			return
		}
		if (r.RunID == "") != (len(r.AccountIDs) == 0) {
			t.Fatalf("request %+v: a run ID without accounts or the reverse", r)
		}
	})
}
