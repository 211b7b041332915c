package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"time"

	"github.com/config-report/config-report/statemachine"
)

// Retrier is one entry of an Amazon States Language Task's Retry field.
type Retrier struct {
	// ErrorEquals are the error names it matches; "States.ALL" matches any.
	ErrorEquals []string
	// IntervalSeconds is the wait before the first retry.
	IntervalSeconds float64
	// MaxAttempts is the number of retries (not counting the first attempt).
	MaxAttempts int
	// BackoffRate multiplies the wait after each retry.
	BackoffRate float64
	// MaxDelaySeconds caps the wait; zero means no cap.
	MaxDelaySeconds float64
	// JitterStrategy is "FULL" (wait a random time up to the delay) or "NONE".
	JitterStrategy string
}

// UnmarshalJSON reads a retrier with the language's defaults for the fields
// it omits (IntervalSeconds 1, MaxAttempts 3, BackoffRate 2, no jitter).
func (r *Retrier) UnmarshalJSON(b []byte) error {
	type plain Retrier
	p := plain{IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2, JitterStrategy: "NONE"}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = Retrier(p)
	return nil
}

// matches reports whether the retrier handles an error named name.
func (r Retrier) matches(name string) bool {
	return slices.Contains(r.ErrorEquals, name) || slices.Contains(r.ErrorEquals, "States.ALL")
}

// delay returns the wait before retry number n (0 for the first retry).
func (r Retrier) delay(n int) time.Duration {
	d := r.IntervalSeconds * math.Pow(r.BackoffRate, float64(n))
	if r.MaxDelaySeconds > 0 {
		d = min(d, r.MaxDelaySeconds)
	}
	if r.JitterStrategy == "FULL" {
		d *= rand.Float64()
	}
	return time.Duration(d * float64(time.Second))
}

// ScanRetriers returns the Retry field of the state machine's ScanAccount
// task, read from the definition the state machine is deployed with, so the
// in-process pipeline retries exactly what and as the deployed one does.
func ScanRetriers() ([]Retrier, error) {
	return scanRetriers(statemachine.Template())
}

func scanRetriers(definition []byte) ([]Retrier, error) {
	type state struct {
		Type          string          `json:"Type"`
		Retry         []Retrier       `json:"Retry"`
		ItemProcessor json.RawMessage `json:"ItemProcessor"`
	}
	type machine struct {
		StartAt string           `json:"StartAt"`
		States  map[string]state `json:"States"`
	}
	var top machine
	if err := json.Unmarshal(definition, &top); err != nil {
		return nil, fmt.Errorf("read the state machine definition: %w", err)
	}
	for name, s := range top.States {
		if s.Type != "Map" || s.ItemProcessor == nil {
			continue
		}
		var proc machine
		if err := json.Unmarshal(s.ItemProcessor, &proc); err != nil {
			return nil, fmt.Errorf("read the item processor of %s: %w", name, err)
		}
		task, ok := proc.States[proc.StartAt]
		if !ok || task.Type != "Task" {
			return nil, fmt.Errorf("the item processor of %s does not start with a Task", name)
		}
		return task.Retry, nil
	}
	return nil, errors.New("the state machine definition has no Map state with an ItemProcessor")
}

// errorName is the name Step Functions matches a Lambda function's error
// against: aws-lambda-go reports the Go type name of the returned error (not
// of anything it wraps) as the errorType.
func errorName(err error) string {
	t := reflect.TypeOf(err)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// retryDelay returns how long to wait before retrying an error that has
// already been retried counts[i] times by retrier i, and which retrier
// applies; ok is false when no retrier matches or the matching one has no
// attempts left (the first matching retrier decides, as in Step Functions).
func retryDelay(retriers []Retrier, counts []int, err error) (d time.Duration, i int, ok bool) {
	name := errorName(err)
	for i, r := range retriers {
		if !r.matches(name) {
			continue
		}
		if counts[i] >= r.MaxAttempts {
			return 0, i, false
		}
		return r.delay(counts[i]), i, true
	}
	return 0, -1, false
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
