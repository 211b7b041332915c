package awserr_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run/runtest"
)

func TestIsTransientOverTheWire(t *testing.T) {
	org := orgsim.Generate(orgsim.Spec{Seed: 1, Accounts: 3})
	srv := orgsim.Start(org)
	t.Cleanup(srv.Close)
	cfg := srv.AWSConfig(org.HubRoleARN("system-config-report-formatter-role"), "us-east-1")
	cfg.Retryer = func() aws.Retryer { return retry.AddWithMaxAttempts(retry.NewStandard(), 2) }
	c := runtest.NewBucket(t, cfg, "report-bucket")
	ctx := context.Background()

	_, missing := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("report-bucket"), Key: aws.String("nope")})
	srv.SetFaults(orgsim.Faults{ServerErrors: map[string]float64{"*": 1}})
	_, serverErr := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("report-bucket"), Key: aws.String("nope")})
	srv.SetFaults(orgsim.Faults{})

	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"missing object", missing, false},
		{"5xx past the retries", serverErr, true},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), true},
		{"modeled client error", &smithy.GenericAPIError{Code: "ValidationError"}, false},
		{"plain error", errors.New("bad input"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := awserr.IsTransient(tt.err); got != tt.want {
				t.Errorf("IsTransient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestMarkKeepsPermanentErrorsAndNamesTransientOnes(t *testing.T) {
	perm := errors.New("bad input")
	if got := awserr.Mark("op", perm); got != perm {
		t.Errorf("Mark(permanent) = %v, want it unchanged", got)
	}
	got := awserr.Mark("read run", fmt.Errorf("get: %w", context.DeadlineExceeded))
	var te *awserr.TransientError
	if !errors.As(got, &te) || te.Op != "read run" || !errors.Is(got, context.DeadlineExceeded) {
		t.Fatalf("Mark(deadline) = %#v, want a *TransientError wrapping it", got)
	}
	if again := awserr.Mark("outer", got); again != te {
		t.Errorf("Mark(TransientError) = %v, want the same value, not a second wrapper", again)
	}
}

// TestErrorNamesAreTypeNames fails when an error type is renamed without its
// name constant, which the state machine's Retry and the tests match: a
// Lambda reports a returned error under its type's Go name.
func TestErrorNamesAreTypeNames(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&awserr.TransientError{}, awserr.TransientErrorName},
		{&awserr.InputError{}, awserr.InputErrorName},
		{&awserr.ConfigError{}, awserr.ConfigErrorName},
		{&awserr.PermanentError{}, awserr.PermanentErrorName},
	} {
		if got := reflect.TypeOf(tt.err).Elem().Name(); got != tt.want {
			t.Errorf("type %T is named %q, its name constant says %q", tt.err, got, tt.want)
		}
	}
}
