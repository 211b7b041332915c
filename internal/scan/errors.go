package scan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/config-report/config-report/internal/awserr"
)

// DeadlineErrorName is DeadlineError's Lambda errorType, which the state
// machine retries once.
const DeadlineErrorName = "DeadlineError"

// transient returns the scan's transient failure of account (and region,
// when the call was regional) at action: the error the handler returns
// unwrapped for the state machine to retry.
func transient(account, region, action string, err error) *awserr.TransientError {
	where := account
	if region != "" {
		where += "/" + region
	}
	return &awserr.TransientError{Op: "scan " + where, Action: action, Err: err}
}

// DeadlineError is a scan that reached the invocation's deadline with some
// regions done and others not (with none done, the scan returns a
// TransientError: there is nothing to keep). Handle writes the shard of the regions that were
// (the others not-finished) and returns the error unwrapped, so that its type
// name, "DeadlineError", is the errorType the state machine matches: it
// retries it once (its own Retry entry), because an account too large for
// one invocation is usually too large for the next. If the retry runs out of
// time too, the report shows the account partially scanned, its unfinished
// regions "not finished", instead of not scanned.
type DeadlineError struct {
	// AccountID is the account being scanned.
	AccountID string
	// Done and Regions count the regions done and configured.
	Done, Regions int
	// Err is what the unfinished regions failed with.
	Err error
}

// Error says how far the scan got.
func (e *DeadlineError) Error() string {
	return fmt.Sprintf("scan of %s not finished before the invocation's deadline: %d of %d regions done and written, the others reported as not finished (too large for the function's timeout): %v",
		e.AccountID, e.Done, e.Regions, e.Err)
}

// Unwrap returns what the unfinished regions failed with.
func (e *DeadlineError) Unwrap() error { return e.Err }

// errorKind is how the scanner treats a failed AWS call.
type errorKind int

const (
	// kindOther is an error the scanner does not expect (a bug or a
	// misconfiguration of the hub); it fails the scan without a retry.
	kindOther errorKind = iota
	// kindTransient may pass on a later attempt: the state machine retries.
	kindTransient
	// kindDenied is an AccessDenied answer: recorded, the scan succeeds.
	kindDenied
	// kindRegionDisabled is the answer of a region the account has not
	// enabled: recorded, the scan succeeds.
	kindRegionDisabled
	// kindBlockedBySCP is an AccessDenied answer caused by a service control
	// policy (a region-deny SCP, usually): recorded as its own region
	// status, the scan succeeds.
	kindBlockedBySCP
)

// classify sorts an error returned by an AWS call. What is transient is
// decided once for every handler, by awserr.IsTransient; the scanner adds
// the answers it records in the shard instead of failing.
func classify(err error) errorKind {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "AccessDeniedException", "AccessDenied":
			// "When an SCP denies access, the error message always includes
			// the phrase … explicit deny in a service control policy" (IAM
			// user guide, "Troubleshoot access denied error messages").
			if strings.Contains(strings.ToLower(apiErr.ErrorMessage()), "service control policy") {
				return kindBlockedBySCP
			}
			return kindDenied
		case "UnrecognizedClientException":
			// Config's answer in a region the account has not enabled: the
			// session token, valid elsewhere, is unknown there.
			return kindRegionDisabled
		}
	}
	if awserr.IsTransient(err) {
		return kindTransient
	}
	return kindOther
}

// hasCode reports whether err is an AWS error with the given code.
func hasCode(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}

// apiMessage returns "Code: message" of an AWS error, or the error's text.
func apiMessage(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	}
	return err.Error()
}

// actionError names the IAM action of a failed call, so a denial can be
// recorded with the action the read role lacks.
type actionError struct {
	action string
	err    error
}

func (e *actionError) Error() string { return e.action + ": " + e.err.Error() }

func (e *actionError) Unwrap() error { return e.err }

// callFailed wraps err with the IAM action of the call that returned it.
func callFailed(action string, err error) error {
	return &actionError{action: action, err: err}
}
