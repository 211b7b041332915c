// Package awserr tells transient AWS failures from permanent ones, and
// carries the transient ones out of a Lambda under the error name the state
// machine retries on.
package awserr

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
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
// returns it unwrapped, so that its Go type name, "TransientError", becomes
// the Lambda errorType the state machine's Retry matches.
type TransientError struct {
	// Op says what failed, e.g. "list accounts of run 2026-11-30T0900Z-3f2a9c1b".
	Op string
	// Err is the underlying error.
	Err error
}

// Error returns "transient failure: <op>: <err>".
func (e *TransientError) Error() string {
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
