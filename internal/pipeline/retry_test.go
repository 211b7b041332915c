package pipeline

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/scan"
	"github.com/google/go-cmp/cmp"
)

func TestScanRetriersReadTheDeployedDefinition(t *testing.T) {
	got, err := ScanRetriers()
	if err != nil {
		t.Fatalf("ScanRetriers: %v", err)
	}
	if len(got) < 2 || !got[0].matches(scan.DeadlineErrorName) || !got[1].matches(awserr.TransientErrorName) {
		t.Fatalf("ScanRetriers() = %+v, want DeadlineError's retrier, then TransientError's", got)
	}
	// The policy the state machine deploys; if the definition changes, this
	// says what the in-process pipeline now does.
	want := []Retrier{
		{ErrorEquals: []string{scan.DeadlineErrorName}, IntervalSeconds: 5, MaxAttempts: 1, BackoffRate: 1, JitterStrategy: "FULL"},
		{ErrorEquals: []string{awserr.TransientErrorName}, IntervalSeconds: 5, MaxAttempts: 4, BackoffRate: 2, MaxDelaySeconds: 120, JitterStrategy: "FULL"},
	}
	if diff := cmp.Diff(want, got[:2]); diff != "" {
		t.Errorf("ScanAccount's DeadlineError and TransientError retriers (-want +got):\n%s", diff)
	}
}

func TestScanRetriers(t *testing.T) {
	tests := []struct {
		name    string
		def     string
		want    []Retrier
		wantErr string
	}{
		{
			name: "defaults",
			def:  `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Retry":[{"ErrorEquals":["States.ALL"]}]}}}}}}`,
			want: []Retrier{{ErrorEquals: []string{"States.ALL"}, IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "NONE"}},
		},
		{
			name: "no retry",
			def:  `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task"}}}}}}`,
		},
		{name: "no map", def: `{"StartAt":"T","States":{"T":{"Type":"Task"}}}`, wantErr: "no Map state"},
		{name: "not a task", def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass"}}}}}}`, wantErr: "does not start with a Task"},
		{name: "not json", def: `{`, wantErr: "read the state machine definition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanRetriers([]byte(tt.def))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("scanRetriers = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("scanRetriers: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("scanRetriers (-want +got):\n%s", diff)
			}
		})
	}
}

type otherError struct{}

func (otherError) Error() string { return "other" }

func TestRetryDelay(t *testing.T) {
	transient := &awserr.TransientError{Op: "scan 123456789012", Action: "config:DescribeConfigRules", Err: errors.New("throttled")}
	policy := []Retrier{
		{ErrorEquals: []string{awserr.TransientErrorName}, IntervalSeconds: 5, MaxAttempts: 4, BackoffRate: 2, MaxDelaySeconds: 30, JitterStrategy: "NONE"},
		{ErrorEquals: []string{"States.ALL"}, IntervalSeconds: 1, MaxAttempts: 1, BackoffRate: 1, JitterStrategy: "NONE"},
	}
	tests := []struct {
		name      string
		err       error
		counts    []int
		wantDelay time.Duration
		wantIndex int
		wantOK    bool
	}{
		{name: "first retry", err: transient, counts: []int{0, 0}, wantDelay: 5 * time.Second, wantIndex: 0, wantOK: true},
		{name: "backoff", err: transient, counts: []int{2, 0}, wantDelay: 20 * time.Second, wantIndex: 0, wantOK: true},
		{name: "capped", err: transient, counts: []int{3, 0}, wantDelay: 30 * time.Second, wantIndex: 0, wantOK: true},
		{name: "exhausted: the first match decides", err: transient, counts: []int{4, 0}, wantIndex: 0, wantOK: false},
		// aws-lambda-go names the returned value's type, not what it wraps.
		{name: "wrapped is not TransientError", err: fmt.Errorf("scan: %w", transient), counts: []int{0, 0}, wantDelay: time.Second, wantIndex: 1, wantOK: true},
		{name: "States.ALL", err: otherError{}, counts: []int{0, 0}, wantDelay: time.Second, wantIndex: 1, wantOK: true},
		{name: "States.ALL exhausted", err: otherError{}, counts: []int{0, 1}, wantIndex: 1, wantOK: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, i, ok := retryDelay(policy, tt.counts, tt.err)
			if d != tt.wantDelay || i != tt.wantIndex || ok != tt.wantOK {
				t.Errorf("retryDelay(%v, %v) = %v, %d, %v; want %v, %d, %v", tt.err, tt.counts, d, i, ok, tt.wantDelay, tt.wantIndex, tt.wantOK)
			}
		})
	}
	if _, _, ok := retryDelay(policy[:1], []int{0}, otherError{}); ok {
		t.Error("retryDelay retried an error no retrier names")
	}
}

func TestFullJitterStaysUnderTheDelay(t *testing.T) {
	r := Retrier{IntervalSeconds: 2, BackoffRate: 3, MaxDelaySeconds: 10, JitterStrategy: "FULL"}
	for n := range 5 {
		for range 100 {
			cap := min(2*time.Second*time.Duration(pow(3, n)), 10*time.Second)
			if d := r.delay(n); d < 0 || d > cap {
				t.Fatalf("delay(%d) = %v, want within [0, %v]", n, d, cap)
			}
		}
	}
}

func pow(b, n int) int {
	p := 1
	for range n {
		p *= b
	}
	return p
}
