package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/config-report/config-report/internal/awserr"
)

// Cause says in one line why an account's scan failed, in words that group
// accounts failing the same way: the AWS error code, the action that got it
// and how many times the SDK tried, e.g. "ThrottlingException from
// config:GetComplianceDetailsByConfigRule past 30 attempts".
func Cause(err error) string {
	if err == nil {
		return ""
	}
	what := ""
	var api smithy.APIError
	switch {
	case errors.As(err, &api):
		what = api.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		what = "deadline exceeded"
	}
	var te *awserr.TransientError
	if errors.As(err, &te) && te.Action != "" {
		if what == "" {
			what = "failure"
		}
		what += " from " + te.Action
	}
	if what == "" {
		msg := err.Error()
		if len(msg) > 120 {
			msg = msg[:117] + "..."
		}
		return msg
	}
	var max *retry.MaxAttemptsError
	if errors.As(err, &max) {
		what += fmt.Sprintf(" past %d attempts", max.Attempt)
	}
	return what
}

// DominantCause returns the most common Cause among failures and how many
// accounts it stopped; "" and 0 without failures. Ties go to the cause
// first seen in manifest order.
func DominantCause(failures []Failure) (string, int) {
	count := map[string]int{}
	var order []string
	for _, f := range failures {
		c := Cause(f.Err)
		if count[c] == 0 {
			order = append(order, c)
		}
		count[c]++
	}
	if len(order) == 0 {
		return "", 0
	}
	best := order[0]
	for _, c := range order[1:] {
		if count[c] > count[best] {
			best = c
		}
	}
	return best, count[best]
}
