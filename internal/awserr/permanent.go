package awserr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The permanent errors a function returns unwrapped, so that their Go type
// names become the Lambda errorType the execution shows. The state machine
// retries only TransientError (and Lambda's own service errors): a re-run
// with the same input, or of the same deployment, fails the same way until
// what the message names is fixed.
//
//   - InputError: the execution input or the event is wrong (an unknown
//     field, a runId that does not exist, accounts a re-run cannot scan).
//     Fix the input and start a new execution.
//   - ConfigError: the function's configuration (its environment, set from
//     cdk.json) is wrong. Fix cdk.json and deploy again, then redrive.

// PermanentError is any other failure a retry would meet again: a
// permanent AWS error (a bucket that does not exist, a denied S3 write) or
// data the function cannot use. Its message names what; fix it, then
// redrive. It gives such failures one stable errorType instead of Go's
// wrapper types ("wrapError", "errorString").
type PermanentError struct {
	// Err is the failure.
	Err error
}

// Error returns the failure's message, bounded to MaxMessage bytes.
func (e *PermanentError) Error() string { return Bound(e.Err.Error(), MaxMessage) }

// Unwrap returns the failure.
func (e *PermanentError) Unwrap() error { return e.Err }

// Boundary is what a Lambda handler returns for err: nil for nil; a
// transient failure as a *TransientError (Mark); an *InputError or
// *ConfigError, at the top or wrapped, as one; any other error as a
// *PermanentError.
func Boundary(op string, err error) error {
	if err == nil {
		return nil
	}
	if m := Mark(op, err); m != err {
		return m
	}
	switch e := err.(type) {
	case *TransientError, *InputError, *ConfigError, *PermanentError:
		return e
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return &InputError{Msg: err.Error()}
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		return ce
	}
	return &PermanentError{Err: err}
}

// MaxMessage bounds a permanent error's message, in bytes: Step Functions
// keeps an execution's error cause to 32,768 characters, and a person reads
// far fewer.
const MaxMessage = 4096

// InputError says what is wrong with the execution input or the event, and
// what is expected.
type InputError struct {
	// Msg says what is wrong and what is expected.
	Msg string
}

// Error returns the message, bounded to MaxMessage bytes.
func (e *InputError) Error() string { return Bound(e.Msg, MaxMessage) }

// ConfigError is a function whose configuration was refused at cold start.
type ConfigError struct {
	// Function names the function, e.g. "ScanAccount".
	Function string
	// Err is what the configuration check said.
	Err error
}

// Error says what is wrong and where to fix it.
func (e *ConfigError) Error() string {
	return Bound(fmt.Sprintf("%s configuration: %v (fix the environment's settings in cdk.json and deploy again; then redrive the execution)", e.Function, e.Err), MaxMessage)
}

// Unwrap returns what the check said.
func (e *ConfigError) Unwrap() error { return e.Err }

// ConfigFailure is the handler of a function whose configuration was refused
// at cold start: every invocation fails with the *ConfigError, so the
// execution shows errorType ConfigError and what to fix, instead of
// Runtime.ExitError and a log line to go and find.
func ConfigFailure(function string, err error) func(context.Context, json.RawMessage) (json.RawMessage, error) {
	ce := &ConfigError{Function: function, Err: err}
	return func(context.Context, json.RawMessage) (json.RawMessage, error) { return nil, ce }
}

// Bound shortens s to at most max bytes, cutting at a character boundary
// and saying how much was left out.
func Bound(s string, max int) string {
	if len(s) <= max {
		return s
	}
	// Sized for the longest count, so the result never exceeds max.
	cut := max - len(fmt.Sprintf(" … [%d more bytes]", len(s)))
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf(" … [%d more bytes]", len(s)-cut)
}
