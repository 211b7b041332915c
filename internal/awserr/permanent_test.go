package awserr

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
)

// TestErrorTypesThroughTheRuntime invokes handlers through aws-lambda-go's
// own invoke path and reads the error object the Runtime API would get: a
// cold-start configuration failure is errorType ConfigError with what to
// fix, an input error InputError, and messages are bounded.
func TestErrorTypesThroughTheRuntime(t *testing.T) {
	invoke := func(handler any) *messages.InvokeResponse_Error {
		//lint:ignore SA1019 lambda.Function is the one exported way to get aws-lambda-go's own error object for a handler
		fn := lambda.NewFunction(lambda.NewHandler(handler))
		deadline := time.Now().Add(time.Minute)
		var resp messages.InvokeResponse
		if err := fn.Invoke(&messages.InvokeRequest{Payload: []byte(`{}`), RequestId: "r",
			Deadline: messages.InvokeRequest_Timestamp{Seconds: deadline.Unix()}}, &resp); err != nil {
			t.Fatal(err)
		}
		if resp.Error == nil {
			t.Fatal("no error returned")
		}
		return resp.Error
	}
	e := invoke(ConfigFailure("ScanAccount", errors.New("REGIONS is not set")))
	if e.Type != "ConfigError" || !strings.Contains(e.Message, "ScanAccount configuration: REGIONS is not set") || !strings.Contains(e.Message, "cdk.json") {
		t.Errorf("cold-start failure = %s: %q, want ConfigError naming the setting and cdk.json", e.Type, e.Message)
	}
	long := strings.Repeat("123456789012 is not an account of the organization; ", 10_000)
	e = invoke(func(context.Context, struct{}) (struct{}, error) { return struct{}{}, &InputError{Msg: long} })
	if e.Type != "InputError" || len(e.Message) > MaxMessage || !strings.HasSuffix(e.Message, "more bytes]") {
		t.Errorf("input error = %s, %d bytes, ends %q; want InputError within %d bytes saying what was cut", e.Type, len(e.Message), e.Message[max(0, len(e.Message)-40):], MaxMessage)
	}
}

func TestBound(t *testing.T) {
	if got := Bound("short", 10); got != "short" {
		t.Errorf("Bound(short) = %q", got)
	}
	s := strings.Repeat("é", 100) // 200 bytes
	got := Bound(s, 64)
	if len(got) > 64 || !utf8.ValidString(got) || !strings.Contains(got, "more bytes]") {
		t.Errorf("Bound = %q (%d bytes), want valid UTF-8 within 64 bytes", got, len(got))
	}
}

// TestBoundary: every error leaves a handler under a stable type name.
func TestBoundary(t *testing.T) {
	wrapped := fmt.Errorf("re-run: %w", &InputError{Msg: "run x does not exist"})
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&InputError{Msg: "bad"}, "InputError"},
		{wrapped, "InputError"},
		{&ConfigError{Function: "F", Err: errors.New("bad")}, "ConfigError"},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), "TransientError"},
		{fmt.Errorf("put s3://b/k: %w", errors.New("NoSuchBucket")), "PermanentError"},
		{errors.New("plain"), "PermanentError"},
	} {
		got := Boundary("op", tc.err)
		if name := reflect.TypeOf(got).Elem().Name(); name != tc.want {
			t.Errorf("Boundary(%v) is a %s, want %s", tc.err, name, tc.want)
		}
	}
	if Boundary("op", nil) != nil {
		t.Error("Boundary(nil) != nil")
	}
	if got := Boundary("op", wrapped).Error(); got != "re-run: run x does not exist" {
		t.Errorf("wrapped input error message = %q, want the whole message", got)
	}
}
