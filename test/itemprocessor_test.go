package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
	"github.com/config-report/config-report/statemachine"
)

// hubRegion is the region the in-process scanner runs in.
const hubRegion = "us-east-1"

// itemProcessor returns the Distributed Map's item processor of the
// rendered definition as a state machine of its own ({StartAt, States}),
// which is how Step Functions runs each child execution. ProcessorConfig
// (how the Map runs the children) is not part of that machine.
func itemProcessor(t *testing.T) map[string]any {
	t.Helper()
	def, err := statemachine.Render(statemachine.Params{
		ListAccountsFunctionArn:    "arn:aws:lambda:us-east-1:123456789012:function:config-report-ListAccounts",
		ScanAccountFunctionArn:     "arn:aws:lambda:us-east-1:123456789012:function:config-report-ScanAccount",
		BuildReportFunctionArn:     "arn:aws:lambda:us-east-1:123456789012:function:config-report-BuildReport",
		MaxConcurrency:             100,
		ToleratedFailurePercentage: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	var machine struct {
		States map[string]struct {
			Type          string         `json:"Type"`
			ItemProcessor map[string]any `json:"ItemProcessor"`
		} `json:"States"`
	}
	if err := json.Unmarshal(def, &machine); err != nil {
		t.Fatal(err)
	}
	var processors []map[string]any
	for _, s := range machine.States {
		if s.Type == "Map" && s.ItemProcessor != nil {
			processors = append(processors, s.ItemProcessor)
		}
	}
	if len(processors) != 1 {
		t.Fatalf("the definition has %d Map states with an ItemProcessor, want 1", len(processors))
	}
	delete(processors[0], "ProcessorConfig")
	return processors[0]
}

// retrier is one entry of a Task's Retry.
type retrier struct {
	ErrorEquals []string `json:"ErrorEquals"`
	MaxAttempts int      `json:"MaxAttempts"`
}

// transientRetries returns the MaxAttempts of the item processor's retrier
// for the scanner's TransientError.
func transientRetries(t *testing.T, processor map[string]any) (state string, attempts int) {
	t.Helper()
	b, err := json.Marshal(processor)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		States map[string]struct {
			Type  string    `json:"Type"`
			Retry []retrier `json:"Retry"`
		} `json:"States"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for name, s := range m.States {
		for _, r := range s.Retry {
			if s.Type == "Task" && slices.Contains(r.ErrorEquals, awserr.TransientErrorName) {
				return name, r.MaxAttempts
			}
		}
	}
	t.Fatal("no Task of the item processor retries TransientError")
	return "", 0
}

// scanServer serves the real ScanAccount handler over HTTP, answering as
// Lambda's Invoke API does, and sets the simulator's faults before each
// invocation as its schedule says.
type scanServer struct {
	//lint:ignore SA1019 see newScanServer
	fn  *lambda.Function
	sim *orgsim.Server

	mu       sync.Mutex
	schedule func(n int) (orgsim.Faults, time.Duration) // faults and time left to the deadline of the n-th invocation (from 1)
	n        int
}

// newScanServer returns a server for the scanner handler h.
func newScanServer(t *testing.T, h *scan.Handler, sim *orgsim.Server) (*scanServer, string) {
	t.Helper()
	// lambda.Function (deprecated outside the go1.x runtime) is the one
	// exported way to invoke a handler and get aws-lambda-go's own error
	// object for it: the same errorMessage and errorType, computed by the
	// same code, as the Runtime API client reports for a deployed function.
	//lint:ignore SA1019 see above
	s := &scanServer{fn: lambda.NewFunction(lambda.NewHandler(h.Handle)), sim: sim}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// reset sets the schedule of the next run and restarts the count.
func (s *scanServer) reset(schedule func(n int) (orgsim.Faults, time.Duration)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schedule, s.n = schedule, 0
}

// invocations returns the number of invocations since reset.
func (s *scanServer) invocations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *scanServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	payload, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.n++
	faults, timeout := s.schedule(s.n)
	s.mu.Unlock()
	s.sim.SetFaults(faults)
	deadline := time.Now().Add(timeout)
	req := &messages.InvokeRequest{
		Payload:            payload,
		RequestId:          fmt.Sprintf("e2e-%d", s.n),
		InvokedFunctionArn: r.Header.Get("X-Function-Name"),
		Deadline:           messages.InvokeRequest_Timestamp{Seconds: deadline.Unix(), Nanos: int64(deadline.Nanosecond())},
	}
	var resp messages.InvokeResponse
	if err := s.fn.Invoke(req, &resp); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if resp.Error != nil {
		body, err := json.Marshal(resp.Error)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		_, _ = w.Write(body)
		return
	}
	_, _ = w.Write(resp.Payload)
}

// driverOutcome is what itemprocessor.mjs prints.
type driverOutcome struct {
	Status string          `json:"status"`
	Output json.RawMessage `json:"output"`
	Error  string          `json:"error"`
	Cause  string          `json:"cause"`
	Events []struct {
		Type  string `json:"type"`
		State string `json:"state"`
		Error string `json:"error"`
		Cause string `json:"cause"`
	} `json:"events"`
}

// count returns the number of events of a type.
func (o driverOutcome) count(eventType string) int {
	n := 0
	for _, e := range o.Events {
		if e.Type == eventType {
			n++
		}
	}
	return n
}

// localStepFunctions checks that node and the npm package are installed
// and returns node's path.
func localStepFunctions(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on the PATH: this test runs the npm package aws-local-stepfunctions (install Node.js, then npm ci): %v", err)
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "node_modules", "aws-local-stepfunctions", "package.json")); err != nil {
		t.Fatalf("aws-local-stepfunctions is not installed (run npm ci in %s): %v", root, err)
	}
	return node
}

// runDriver runs the machine on aws-local-stepfunctions with input.
func runDriver(t *testing.T, ctx context.Context, node string, machine map[string]any, input any, handlerURL string) driverOutcome {
	t.Helper()
	job, err := json.Marshal(map[string]any{"definition": machine, "input": input, "handlerURL": handlerURL})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, "itemprocessor.mjs")
	cmd.Stdin = bytes.NewReader(job)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node itemprocessor.mjs: %v\n%s", err, stderr.String())
	}
	var out driverOutcome
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("node itemprocessor.mjs printed %q: %v\n%s", stdout.String(), err, stderr.String())
	}
	return out
}

// TestItemProcessorRetries runs the Map's item processor of the rendered
// definition on aws-local-stepfunctions against the real ScanAccount
// handler, whose AWS calls go to the simulator: transient failures (Config
// throttled or failing past the SDK's retries, a deadline reached
// mid-scan) are retried by the definition's Retry and the scan then
// succeeds; a failure that persists exhausts the retries and fails the item
// with the scanner's error name.
func TestItemProcessorRetries(t *testing.T) {
	node := localStepFunctions(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	processor := itemProcessor(t)
	taskState, maxAttempts := transientRetries(t, processor)
	if maxAttempts < 1 {
		t.Fatalf("the TransientError retrier of %s has MaxAttempts %d, want at least 1", taskState, maxAttempts)
	}

	org := orgsim.Generate(orgsim.Spec{Seed: 6, Accounts: 4, Regions: []string{"us-east-1", "eu-west-1"},
		InactiveAccounts: -1, UnreachableAccounts: -1, ConfigDisabledAccounts: -1, RecorderStoppedAccounts: -1, AccessDeniedAccounts: -1})
	sim := orgsim.Start(org)
	t.Cleanup(sim.Close)
	awsCfg := sim.AWSConfig(org.HubRoleARN(org.Spec.ScannerRoleName), hubRegion)
	// The scanner's retryer with its production attempts and a 1ms backoff
	// cap, so that throttling outlasts the SDK's retries in milliseconds.
	awsCfg.Retryer = func() aws.Retryer { return scan.NewRetryer(time.Millisecond) }
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "config-report-item-processor"
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	scanEnv := map[string]string{"REGIONS": strings.Join(org.Regions, ","), "AWS_REGION": hubRegion}
	cfg, err := scan.LoadConfig(func(k string) (string, bool) { v, ok := scanEnv[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	h := scan.NewHandler(cfg, sts.NewFromConfig(awsCfg), configservice.NewFromConfig(awsCfg), s3c)
	h.Scanner.Logger = slog.New(slog.NewTextHandler(testLog{t}, nil))
	server, handlerURL := newScanServer(t, h, sim)

	const timeout = time.Minute // the function's timeout: the deadline of an invocation
	failing := func(f orgsim.Faults, failures int) func(int) (orgsim.Faults, time.Duration) {
		return func(n int) (orgsim.Faults, time.Duration) {
			if failures < 0 || n <= failures {
				return f, timeout
			}
			return orgsim.Faults{}, timeout
		}
	}
	tests := []struct {
		name     string
		schedule func(n int) (orgsim.Faults, time.Duration)
		// failures is how many invocations fail; -1 means all of them.
		failures   int
		wantCause  string
		wantStatus string
	}{
		{
			name:       "throttled past the SDK's retries once, then scanned",
			failures:   1,
			schedule:   failing(orgsim.Faults{Throttle: map[string]float64{"config:*": 1}}, 1),
			wantCause:  "ThrottlingException",
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "server errors twice, then scanned",
			failures:   2,
			schedule:   failing(orgsim.Faults{ServerErrors: map[string]float64{"config:*": 1}}, 2),
			wantCause:  "exceeded maximum number of attempts",
			wantStatus: "SUCCEEDED",
		},
		{
			name:     "deadline reached mid-scan once, then scanned",
			failures: 1,
			schedule: func(n int) (orgsim.Faults, time.Duration) {
				if n == 1 {
					// Each call takes 200ms; the scan has 100ms before the
					// write margin.
					return orgsim.Faults{Latency: 200 * time.Millisecond}, scan.DefaultWriteMargin + 100*time.Millisecond
				}
				return orgsim.Faults{}, timeout
			},
			wantCause:  "before the invocation's deadline",
			wantStatus: "SUCCEEDED",
		},
		{
			name:       "throttled on every attempt: retries exhausted",
			failures:   -1,
			schedule:   failing(orgsim.Faults{Throttle: map[string]float64{"config:*": 1}}, -1),
			wantCause:  "ThrottlingException",
			wantStatus: "FAILED",
		},
	}
	accounts := org.ActiveAccounts()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct := org.Account(accounts[i%len(accounts)])
			runID := fmt.Sprintf("2026-11-30T0900Z-retry%d", i)
			item := scan.In{RunID: runID, Bucket: bucket, Account: run.Account{ID: acct.ID, Name: acct.Name, Email: acct.Email, OUPath: "Root"}}
			// The run exists: ListAccounts wrote its manifest.
			if err := run.PutManifest(ctx, s3c, bucket, run.ManifestKey(runID), []run.Account{item.Account}); err != nil {
				t.Fatal(err)
			}
			schedule := tt.schedule
			server.reset(func(n int) (orgsim.Faults, time.Duration) {
				f, d := schedule(n)
				if f.Throttle != nil || f.ServerErrors != nil {
					f.Accounts = []string{acct.ID}
				}
				return f, d
			})
			t.Cleanup(func() { sim.SetFaults(orgsim.Faults{}) })

			out := runDriver(t, ctx, node, processor, item, handlerURL)

			wantInvocations := tt.failures + 1
			if tt.failures < 0 {
				wantInvocations = maxAttempts + 1
			}
			if got := server.invocations(); got != wantInvocations {
				t.Errorf("ScanAccount invoked %d times, want %d", got, wantInvocations)
			}
			if got := out.count("StateRetried"); got != wantInvocations-1 {
				t.Errorf("%d StateRetried events, want %d", got, wantInvocations-1)
			}
			failed := 0
			for _, e := range out.Events {
				if e.Type != "StateFailed" {
					continue
				}
				failed++
				if e.State != taskState || e.Error != awserr.TransientErrorName || !strings.Contains(e.Cause, tt.wantCause) {
					t.Errorf("StateFailed event = %+v, want %s failing with TransientError, cause containing %q", e, taskState, tt.wantCause)
				}
			}
			wantFailed := tt.failures
			if tt.failures < 0 {
				wantFailed = maxAttempts + 1
			}
			if failed != wantFailed {
				t.Errorf("%d StateFailed events, want %d", failed, wantFailed)
			}
			if out.Status != tt.wantStatus {
				t.Fatalf("item processor %s (error %q, cause %q), want %s", out.Status, out.Error, out.Cause, tt.wantStatus)
			}

			shard, err := run.GetShard(ctx, s3c, bucket, run.ShardKey(runID, acct.ID))
			if tt.wantStatus == "FAILED" {
				if out.Error != awserr.TransientErrorName {
					t.Errorf("item failed with %q, want the scanner's TransientError", out.Error)
				}
				if !errors.Is(err, run.ErrNotFound) {
					t.Errorf("shard of the failed item: err = %v, want none written", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("shard of the scanned item: %v", err)
			}
			var got scan.Out
			if err := json.Unmarshal(out.Output, &got); err != nil {
				t.Fatalf("item output %s: %v", out.Output, err)
			}
			want := scan.Out{AccountID: acct.ID, Status: run.AccountScanned, ShardKey: run.ShardKey(runID, acct.ID), Counts: shard.Counts()}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("item output (-want +got):\n%s", diff)
			}
			if shard.Status != run.AccountScanned || len(shard.Regions) != len(org.Regions) {
				t.Errorf("shard: status %s with %d regions, want scanned in %d", shard.Status, len(shard.Regions), len(org.Regions))
			}
		})
	}
}

// testLog writes to the test's log, shown when it fails or with -v.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}
