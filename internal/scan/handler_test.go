package scan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
)

// assumeRoleFunc adapts a function to stscreds.AssumeRoleAPIClient.
type assumeRoleFunc func(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)

func (f assumeRoleFunc) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	return f(ctx, in, optFns...)
}

// secrets records every credential the test's principals hold or receive.
type secrets struct {
	mu   sync.Mutex
	vals []string
}

func (s *secrets) add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if v != "" {
			s.vals = append(s.vals, v)
		}
	}
}

// check fails the test if text contains any recorded secret.
func (s *secrets) check(t *testing.T, what, text string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.vals) == 0 {
		t.Fatal("no secrets recorded: the check would prove nothing")
	}
	for _, v := range s.vals {
		if strings.Contains(text, v) {
			t.Errorf("%s contains a credential (%.8s…)", what, v)
		}
	}
}

// spyOnCredentials records the hub's credentials and every set AssumeRole
// hands out, and sends the handler's logs to a buffer.
func spyOnCredentials(t *testing.T, e *env) (*secrets, *bytes.Buffer) {
	t.Helper()
	sec := &secrets{}
	hub, err := e.srv.Credentials(e.org.HubRoleARN(orgsim.DefaultScannerRoleName)).Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sec.add(hub.AccessKeyID, hub.SecretAccessKey, hub.SessionToken)
	real := e.handler.Scanner.STS
	e.handler.Scanner.STS = assumeRoleFunc(func(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
		out, err := real.AssumeRole(ctx, in, optFns...)
		if err == nil && out.Credentials != nil {
			c := out.Credentials
			sec.add(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
		}
		return out, err
	})
	var logs bytes.Buffer
	e.handler.Scanner.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return sec, &logs
}

func TestLambdaInvoke(t *testing.T) {
	spec := faultSpec(41)
	spec.UnreachableAccounts = 1
	spec.DisabledRegionAccounts = 1
	e := newEnv(t, spec)
	sec, logs := spyOnCredentials(t, e)
	invoke := lambda.NewHandler(e.handler.Handle)

	for _, id := range e.scannableAccounts() {
		payload, err := json.Marshal(map[string]any{"runId": testRunID, "bucket": testBucket, "account": e.input(id).Account})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := invoke.Invoke(context.Background(), payload)
		if err != nil {
			t.Fatalf("Invoke(%s) error = %v", payload, err)
		}
		sec.check(t, "Lambda output", string(raw))

		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("output %s is not JSON: %v", raw, err)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range out {
				if !yield(k) {
					return
				}
			}
		})
		if diff := cmp.Diff([]string{"accountId", "counts", "shardKey", "status"}, keys); diff != "" {
			t.Errorf("output keys (-want +got):\n%s", diff)
		}
		shard, err := run.GetShard(context.Background(), e.s3, testBucket, out["shardKey"].(string))
		if err != nil {
			t.Fatalf("output's shardKey: %v", err)
		}
		want := map[string]any{
			"accountId": id, "status": string(shard.Status), "shardKey": run.ShardKey(testRunID, id),
			"counts": roundTrip(t, shard.Counts()),
		}
		if diff := cmp.Diff(want, out); diff != "" {
			t.Errorf("output of %s (-want +got):\n%s", id, diff)
		}
		body, err := run.GetObject(context.Background(), e.s3, testBucket, run.ShardKey(testRunID, id))
		if err != nil {
			t.Fatal(err)
		}
		sec.check(t, "shard", string(body))
	}
	if len(sec.vals) < 3*3 {
		t.Errorf("only %d credential values recorded; expected the hub's and several assumed sessions'", len(sec.vals))
	}
	sec.check(t, "logs", logs.String())

	// Every log line about a region names the account too.
	regionLines := 0
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if _, ok := rec["account_id"]; !ok {
			t.Errorf("log line without account_id: %s", line)
		}
		if _, ok := rec["region"]; ok {
			regionLines++
		}
	}
	if regionLines == 0 {
		t.Error("no log line carries a region")
	}
}

// roundTrip returns v as encoding/json decodes it into an any.
func roundTrip(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTransientErrorCarriesNoSecret(t *testing.T) {
	e := newEnv(t, faultSpec(43))
	sec, logs := spyOnCredentials(t, e)
	e.srv.SetFaults(orgsim.Faults{ServerErrors: map[string]float64{"config:DescribeConfigRules": 1}})
	_, err := lambda.NewHandler(e.handler.Handle).Invoke(context.Background(), mustJSON(t, e.input(e.member(t))))
	var te *awserr.TransientError
	if !errors.As(err, &te) {
		t.Fatalf("Invoke error = %v, want a TransientError", err)
	}
	sec.check(t, "error message", err.Error())
	sec.check(t, "logs", logs.String())
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestHandleRejectsInput(t *testing.T) {
	e := newEnv(t, faultSpec(45))
	good := e.input(e.member(t))
	e.srv.Calls().Reset() // the bucket's creation
	tests := []struct {
		name string
		edit func(*scan.In)
		want string
	}{
		{name: "bad run id", edit: func(in *scan.In) { in.RunID = "last-monday" }, want: "runId"},
		{name: "no bucket", edit: func(in *scan.In) { in.Bucket = "" }, want: "bucket"},
		{name: "bad account", edit: func(in *scan.In) { in.Account.ID = "12345" }, want: "account"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			tt.edit(&in)
			_, err := e.handler.Handle(context.Background(), in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Handle(%+v) error = %v, want one naming %s", in, err, tt.want)
			}
			var te *awserr.TransientError
			if errors.As(err, &te) {
				t.Errorf("invalid input gave a TransientError; retrying cannot fix it")
			}
			if n := e.srv.Calls().Count("", "", ""); n != 0 {
				t.Errorf("invalid input made %d calls", n)
			}
		})
	}
}

func TestRescanReplacesShard(t *testing.T) {
	e := newEnv(t, faultSpec(47))
	id := e.member(t)
	first := scanAndCheck(t, e, id, true)
	update(t, e.org.UpdateRegionConfig(id, "us-east-1", func(rc *orgsim.RegionConfig) {
		for i := range rc.Rules {
			rc.Rules[i].Compliance = orgsim.Compliant
			rc.Rules[i].NonCompliant = nil
			rc.Rules[i].EvaluationError = nil
		}
	}))
	second := scanAndCheck(t, e, id, true)
	if first.Counts() == second.Counts() {
		t.Errorf("counts %+v did not change after the rules became compliant", second.Counts())
	}
	if keys := e.shardKeys(t); len(keys) != 1 {
		t.Errorf("shards after a re-scan = %v, want one", keys)
	}
}

func TestHubMisconfigurationIsNotTransient(t *testing.T) {
	e := newEnv(t, faultSpec(49))
	// Credentials STS does not know: the hub is misconfigured, no account is
	// at fault and a retry cannot help.
	e.handler.Scanner.STS = sts.NewFromConfig(aws.Config{
		Region:       hubRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAUNKNOWNKEY000000", "not-a-secret", ""),
		BaseEndpoint: aws.String(e.srv.URL()),
	})
	_, err := e.handler.Handle(context.Background(), e.input(e.member(t)))
	if err == nil {
		t.Fatal("Handle with unknown hub credentials = nil error")
	}
	var te *awserr.TransientError
	if errors.As(err, &te) {
		t.Errorf("Handle error = %v, a TransientError; want a plain failure", err)
	}
	if !strings.Contains(err.Error(), "InvalidClientTokenId") {
		t.Errorf("Handle error = %v, want STS's InvalidClientTokenId", err)
	}
	if keys := e.shardKeys(t); len(keys) != 0 {
		t.Errorf("wrote %v; an account must not be recorded unreachable for the hub's fault", keys)
	}
}
