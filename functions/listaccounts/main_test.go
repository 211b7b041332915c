package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
)

// runMain makes the test binary run main instead of the tests, so that the
// start-up path is tested as the Lambda runtime runs it: a fresh process
// configured only by its environment.
const runMain = "LISTACCOUNTS_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMain) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func TestConfigurationErrorStopsAtStartUp(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"nothing set", nil, []string{
			"REPORT_BUCKET: required", "ORG_ROLE_ARN: required",
		}},
		{"bad role and account", []string{"REPORT_BUCKET=reports", "ORG_ROLE_ARN=foo", "EXCLUDE_ACCOUNTS=12345"}, []string{
			`ORG_ROLE_ARN: "foo" is not an IAM role ARN (arn:aws:iam::123456789012:role/name)`,
			`EXCLUDE_ACCOUNTS: "12345" is not a 12-digit account ID`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append([]string{runMain + "=1", "PATH=" + os.Getenv("PATH")}, tt.env...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("main() error = %v, want exit status 1; output:\n%s", err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("main() output = %q, want it to contain %q", out, w)
				}
			}
		})
	}
}

// TestFunctionWritesManifest runs the function's main in a fresh process, as
// Lambda does: configured by environment variables, reaching AWS (the
// simulated organization) through AWS_ENDPOINT_URL with the lister role's
// credentials, and served one invocation by a stand-in for the Lambda
// Runtime API.
func TestFunctionWritesManifest(t *testing.T) {
	o := orgsim.Generate(orgsim.Spec{Seed: 2, Accounts: 40})
	srv := orgsim.Start(o)
	t.Cleanup(srv.Close)
	ctx := context.Background()
	cfg := srv.AWSConfig(o.HubRoleARN(orgsim.DefaultListerRoleName), "eu-west-1")
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("reports")}); err != nil {
		t.Fatal(err)
	}

	event := `{"input": {}, "executionName": "weekly-2026-11-30", "startTime": "2026-11-30T09:00:00Z"}`
	results := make(chan string, 1)
	var served atomic.Bool
	runtime := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next":
			if served.Swap(true) { // one invocation; the next poll waits for the end
				<-r.Context().Done()
				return
			}
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
			w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(time.Minute).UnixMilli(), 10))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:eu-west-1:"+o.HubAccountID+":function:list-accounts")
			io.WriteString(w, event)
		case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/2018-06-01/runtime/invocation/req-1/"):
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
			results <- path.Base(r.URL.Path) + " " + string(body)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(runtime.Close)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{
		runMain + "=1", "PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(runtime.URL, "http://"),
		"AWS_REGION=eu-west-1", "AWS_ENDPOINT_URL=" + srv.URL(),
		"AWS_ACCESS_KEY_ID=" + creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + creds.SecretAccessKey, "AWS_SESSION_TOKEN=" + creds.SessionToken,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"REPORT_BUCKET=reports",
		"ORG_ROLE_ARN=" + o.RoleARN(o.ManagementAccountID, orgsim.DefaultOrgRoleName),
		"TAG_KEYS=",
	}
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})

	var got string
	select {
	case got = <-results:
	case <-time.After(30 * time.Second):
		t.Fatalf("the function answered nothing in 30 s; its output:\n%s", logs.String())
	}
	kind, body, _ := strings.Cut(got, " ")
	if kind != "response" {
		t.Fatalf("the function posted %s %s, want a response", kind, body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	runID, err := run.NewID(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), "weekly-2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"runId": runID, "bucket": "reports", "manifestKey": run.ManifestKey(runID),
		"resultPrefix": run.ResultPrefix(runID), "accountCount": float64(len(o.ActiveAccounts())),
		"inactiveAccounts": out["inactiveAccounts"],
	}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("function output mismatch (-want +got):\n%s", diff)
	}
	m, err := run.GetManifest(ctx, s3c, "reports", run.ManifestKey(runID))
	if err != nil {
		t.Fatalf("GetManifest() error = %v", err)
	}
	if len(m) != len(o.ActiveAccounts()) {
		t.Errorf("manifest has %d accounts, want %d", len(m), len(o.ActiveAccounts()))
	}
	t.Logf("function output:\n%s", logs.String())
	if n := srv.Calls().Count("organizations:ListTagsForResource", "", ""); n != 0 {
		t.Errorf("ListTagsForResource calls = %d, want none with TAG_KEYS empty", n)
	}
}
