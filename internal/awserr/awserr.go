// Package awserr tells transient AWS failures from permanent ones, and
// carries the transient ones out of a Lambda under the error name the state
// machine retries on.
package awserr

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// retryables are the SDK's own checks of whether an error is worth another
// attempt; an error they accept that reaches us has outlasted the retries.
var retryables = retry.IsErrorRetryables(retry.DefaultRetryables)

// IsTransient reports whether err may not recur on a later attempt:
// throttling or server errors that outlasted the SDK's retries, network
// errors, or a deadline that passed.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return true
	}
	var maxAttempts *retry.MaxAttemptsError
	if errors.As(err, &maxAttempts) {
		return true
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) && respErr.HTTPStatusCode() >= 500 {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	return retryables.IsErrorRetryable(err) == aws.TrueTernary
}

// TransientError is a failure a later attempt may not meet. A Lambda handler
// returns it unwrapped, so that its Go type name, TransientErrorName,
// becomes the Lambda errorType the state machine's Retry matches. It is the
// one transient error of every function.
type TransientError struct {
	// Op says what failed, e.g. "list accounts of run 2026-11-30T0900Z-3f2a9c1b"
	// or "scan 123456789012/eu-west-1".
	Op string
	// Action is the IAM action of the AWS call that failed, e.g.
	// "config:DescribeConfigRules"; empty when the failure is not one call's.
	Action string
	// Err is the underlying error.
	Err error
}

// The error names the state machine matches: a Lambda reports an error
// returned by its handler under the Go name of the error's type.
const (
	TransientErrorName = "TransientError"
	InputErrorName     = "InputError"
	ConfigErrorName    = "ConfigError"
	PermanentErrorName = "PermanentError"
)

// Error returns "transient failure: <op>: <action>: <err>", without the
// action when there is none. SDK errors carry request IDs and messages,
// never keys or tokens.
func (e *TransientError) Error() string {
	if e.Action != "" {
		return fmt.Sprintf("transient failure: %s: %s: %v", e.Op, e.Action, e.Err)
	}
	return fmt.Sprintf("transient failure: %s: %v", e.Op, e.Err)
}

// Unwrap returns the underlying error.
func (e *TransientError) Unwrap() error { return e.Err }

// Mark returns err as a *TransientError when it is transient (see
// IsTransient), and err unchanged otherwise. op is used only for a
// transient error, whose message it starts.
func Mark(op string, err error) error {
	if err == nil || !IsTransient(err) {
		return err
	}
	var te *TransientError
	if errors.As(err, &te) {
		return te
	}
	return &TransientError{Op: op, Err: err}
}

// NewRetryer returns the SDK's standard retryer with maxAttempts attempts,
// waits capped at maxBackoff, and no client-side retry quota. The standard
// quota is a token bucket shared by every call of a client; with many
// goroutines throttled at once, it would drain and turn the next throttle
// into an error although attempts remain, so it is replaced by
// ratelimit.None and the attempts and backoff alone bound the retries.
func NewRetryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
	})
}
