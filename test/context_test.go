package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestResolveContext(t *testing.T) {
	values := contextValues{ExecutionName: "exec-1", StartTime: time.Date(2026, 11, 30, 9, 0, 0, 123e6, time.UTC)}
	tests := []struct {
		name         string
		definition   string
		want         string
		wantReplaced int
		wantErr      string
	}{
		{
			name:         "execution name and start time in a Task's Parameters",
			definition:   `{"States":{"A":{"Parameters":{"Payload":{"input.$":"$","executionName.$":"$$.Execution.Name","startTime.$":"$$.Execution.StartTime"}}}}}`,
			want:         `{"States":{"A":{"Parameters":{"Payload":{"input.$":"$","executionName":"exec-1","startTime":"2026-11-30T09:00:00.123Z"}}}}}`,
			wantReplaced: 2,
		},
		{
			name:       "the Map item in an ItemSelector is left to kumo",
			definition: `{"States":{"M":{"ItemSelector":{"account.$":"$$.Map.Item.Value"}}}}`,
			want:       `{"States":{"M":{"ItemSelector":{"account.$":"$$.Map.Item.Value"}}}}`,
		},
		{
			name:       "another Context field kumo cannot resolve",
			definition: `{"States":{"A":{"Parameters":{"token.$":"$$.Task.Token"}}}}`,
			wantErr:    "/States/A/Parameters/token.$ uses $$.Task.Token",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, replaced, err := resolveContext([]byte(tt.definition), values)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolveContext(%s) error = %v, want one containing %q", tt.definition, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolveContext(%s): %v", tt.definition, err)
			}
			var gotV, wantV any
			if err := json.Unmarshal(got, &gotV); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.want), &wantV); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantV, gotV); diff != "" || replaced != tt.wantReplaced {
				t.Errorf("resolveContext(%s) replaced %d, want %d (-want +got):\n%s", tt.definition, replaced, tt.wantReplaced, diff)
			}
		})
	}
}
