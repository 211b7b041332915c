package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/mail/mailtest"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// TestHandleErrorTypes: what reaches the Lambda runtime decides whether the
// state machine retries BuildReport, which it does on the error type name
// awserr.TransientErrorName only.
func TestHandleErrorTypes(t *testing.T) {
	srv, cfg, _ := simulated(t)
	// One attempt per call, so that a server error surfaces at once.
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true; o.RetryMaxAttempts = 1 })
	newMixedRun(run1).put(t, c, run1)
	h := &Handler{Config: testConfig(), S3: c, TmpDir: t.TempDir()}
	invoke := lambda.NewHandler(h.Handle).Invoke

	tests := []struct {
		name          string
		faults        orgsim.Faults
		ctx           func() context.Context
		runID         string
		wantTransient bool
	}{
		{name: "S3 server errors", faults: orgsim.Faults{ServerErrors: map[string]float64{"s3:*": 1}}, runID: run1, wantTransient: true},
		{name: "S3 throttling", faults: orgsim.Faults{Throttle: map[string]float64{"s3:GetObject": 1}}, runID: run1, wantTransient: true},
		{
			name: "deadline passed",
			ctx: func() context.Context {
				ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
				t.Cleanup(cancel)
				return ctx
			},
			runID: run1, wantTransient: true,
		},
		{name: "run without a manifest", runID: "2026-01-05T0900Z-nothing", wantTransient: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetFaults(tt.faults)
			t.Cleanup(func() { srv.SetFaults(orgsim.Faults{}) })
			ctx := context.Background()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}
			_, err := h.Handle(ctx, In{RunID: tt.runID, Bucket: runtest.Bucket})
			if err == nil {
				t.Fatal("Handle() = nil error")
			}
			_, isTransient := err.(*awserr.TransientError)
			if isTransient != tt.wantTransient {
				t.Errorf("Handle() error %T %q: transient %v, want %v", err, err, isTransient, tt.wantTransient)
			}
			if tt.ctx != nil {
				return // the runtime would not run the handler past its deadline
			}
			_, err = invoke(ctx, fmt.Appendf(nil, `{"runId":%q,"bucket":%q}`, tt.runID, runtest.Bucket))
			if err == nil {
				t.Fatal("Invoke() = nil error")
			}
			if got := reflect.TypeOf(err).Elem().Name() == awserr.TransientErrorName; got != tt.wantTransient {
				t.Errorf("Lambda error type %s, want TransientError: %v", reflect.TypeOf(err).Elem().Name(), tt.wantTransient)
			}
		})
	}
}

// TestEmailOncePerReport: SES fails after the first of two messages; the
// retry sends only the second; a further retry sends nothing; a re-run,
// which changes the report, sends it to everyone again.
func TestEmailOncePerReport(t *testing.T) {
	ctx := context.Background()
	srv, cfg, c := simulated(t)
	m := newMixedRun(run1)
	m.put(t, c, run1)
	ses := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.RetryMaxAttempts = 1 })
	failCall, calls := 0, 0
	api := mailtest.SendEmailFunc(func(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
		calls++
		if calls == failCall {
			srv.SetFaults(orgsim.Faults{ServerErrors: map[string]float64{"ses:SendEmail": 1}})
		}
		return ses.SendEmail(ctx, in, optFns...)
	})
	var recipients []string
	for i := range 60 {
		recipients = append(recipients, fmt.Sprintf("user%02d@example.com", i))
	}
	conf := testConfig()
	conf.Sender = "reports@example.com"
	conf.Recipients = recipients
	h := &Handler{Config: conf, S3: c, Mail: api, TmpDir: t.TempDir()}
	handle := func() error {
		t.Helper()
		_, err := h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket})
		return err
	}
	record := func() EmailRecord {
		t.Helper()
		var r EmailRecord
		if err := json.Unmarshal(getObject(t, c, EmailRecordKey(run1)), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	sentTo := func(from int) [][]string {
		var out [][]string
		for _, e := range srv.Emails()[from:] {
			out = append(out, e.To)
		}
		return out
	}

	// The first attempt: the second message fails, and so does the build,
	// with an error the state machine retries.
	failCall = 2
	err := handle()
	var te *awserr.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("Handle() error = %v, want a TransientError", err)
	}
	srv.SetFaults(orgsim.Faults{})
	if diff := cmp.Diff([][]string{recipients[:50]}, sentTo(0)); diff != "" {
		t.Fatalf("first attempt sent (-want +got):\n%s", diff)
	}
	first := record()
	if len(first.Messages) != 1 || first.Messages[0].MessageID != srv.Emails()[0].MessageID {
		t.Fatalf("record after the first attempt = %+v, want the one message SES accepted", first)
	}

	// The retry sends the rest only.
	failCall = 0
	if err := handle(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{recipients[50:]}, sentTo(1)); diff != "" {
		t.Errorf("retry sent (-want +got):\n%s", diff)
	}
	second := record()
	if second.Report != first.Report || !second.GeneratedAt.Equal(first.GeneratedAt) || len(second.Messages) != 2 {
		t.Errorf("record after the retry = %+v, want the same report with both messages", second)
	}

	// Another attempt of the same build sends nothing.
	if err := handle(); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Emails()); n != 2 {
		t.Errorf("%d messages after a third attempt, want still 2", n)
	}

	// A re-run of the accounts without a shard is a new report: everyone gets it.
	if err := run.PutManifest(ctx, c, runtest.Bucket, run.RerunManifestKey(run1, "2026-11-23T1000Z-rerun"), []run.Account{m.accounts[5]}); err != nil {
		t.Fatal(err)
	}
	if err := handle(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]string{recipients[:50], recipients[50:]}, sentTo(2)); diff != "" {
		t.Errorf("after a re-run sent (-want +got):\n%s", diff)
	}
	if third := record(); third.Report == first.Report || len(third.Messages) != 2 {
		t.Errorf("record after the re-run = %+v, want a new report with two messages", third)
	}
	var all []string
	for _, e := range srv.Emails() {
		all = append(all, e.To...)
	}
	slices.Sort(all)
	if distinct := slices.Compact(all); len(distinct) != len(recipients) || len(srv.Emails()) != 4 {
		t.Errorf("recipients across all messages: %d distinct in %d messages, want %d in 4", len(distinct), len(srv.Emails()), len(recipients))
	}
}
