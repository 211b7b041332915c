package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/google/go-cmp/cmp"
	"github.com/sivchari/kumo"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// testSMARN is a well-formed state machine ARN for usage tests.
const testSMARN = "arn:aws:states:eu-west-1:111122223333:stateMachine:config-report"

// echoDefinition is a one-state machine whose output is its input. The
// re-run tests use it rather than the real definition because kumo sends a
// running execution's Lambda invocations to a fixed port shared with the
// end-to-end tests; what rerun is responsible for is the StartExecution call
// and its input, which DescribeExecution reads back.
const echoDefinition = `{"StartAt":"Echo","States":{"Echo":{"Type":"Pass","End":true}}}`

// rerunFixture is a kumo Step Functions server with one state machine, a
// gofakes3 bucket, and the environment that points the binary at both.
type rerunFixture struct {
	sfn    *sfn.Client
	s3     *s3.Client
	smARN  string
	bucket string
	env    []string
}

func newRerunFixture(t *testing.T) *rerunFixture {
	t.Helper()
	ctx := context.Background()
	k := kumo.NewServer()
	t.Cleanup(k.Close)
	s3cfg := runtest.StartS3(t)

	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")}
	f := &rerunFixture{
		sfn:    sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = aws.String(k.URL) }),
		bucket: "config-report-test",
	}
	f.s3 = runtest.NewBucket(t, s3cfg, f.bucket)
	sm, err := f.sfn.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String("config-report-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))),
		Definition: aws.String(echoDefinition),
		RoleArn:    aws.String("arn:aws:iam::000000000000:role/config-report-states"),
	})
	if err != nil {
		t.Fatalf("create state machine: %v", err)
	}
	f.smARN = aws.ToString(sm.StateMachineArn)
	f.env = append(awsFiles(t, "us-east-1", "AKIDTEST", "secret"),
		"AWS_ENDPOINT_URL_SFN="+k.URL,
		"AWS_ENDPOINT_URL_S3="+aws.ToString(s3cfg.BaseEndpoint),
	)
	return f
}

// executions returns the input of every execution of the fixture's state machine.
func (f *rerunFixture) executions(t *testing.T) []run.ExecutionInput {
	t.Helper()
	ctx := context.Background()
	list, err := f.sfn.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(f.smARN)})
	if err != nil {
		t.Fatalf("list executions: %v", err)
	}
	var inputs []run.ExecutionInput
	for _, ex := range list.Executions {
		d, err := f.sfn.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			t.Fatalf("describe execution: %v", err)
		}
		var in run.ExecutionInput
		dec := json.NewDecoder(strings.NewReader(aws.ToString(d.Input)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			t.Fatalf("execution input %s: %v", aws.ToString(d.Input), err)
		}
		if !strings.HasSuffix(aws.ToString(ex.Name), "-rerun-of-"+in.RunID) {
			t.Errorf("execution name = %q, want <random>-rerun-of-%s", aws.ToString(ex.Name), in.RunID)
		}
		inputs = append(inputs, in)
	}
	return inputs
}

func TestRerun(t *testing.T) {
	const runID = "2026-11-30T0900Z-3f2a9c1b"
	tests := []struct {
		name       string
		rerunInput string // stored as the run's rerun-input.json when set
		summary    bool   // store a summary.json for the run
		args       []string
		want       []run.ExecutionInput // executions started
		wantOut    string
	}{
		{
			name: "accounts",
			args: []string{"--accounts", "123456789012, 210987654321"},
			want: []run.ExecutionInput{{RunID: runID, AccountIDs: []string{"123456789012", "210987654321"}}},
		},
		{
			name:       "failed",
			rerunInput: `{"runId":"` + runID + `","accountIds":["111122223333"]}`,
			args:       []string{"--failed", "--bucket", "config-report-test"},
			want:       []run.ExecutionInput{{RunID: runID, AccountIDs: []string{"111122223333"}}},
		},
		{
			name:       "nothing failed",
			rerunInput: `{"runId":"` + runID + `","accountIds":[]}`,
			args:       []string{"--failed", "--bucket", "config-report-test"},
			wantOut:    "nothing to re-run",
		},
		{
			name:    "no re-run input next to the summary",
			summary: true,
			args:    []string{"--failed", "--bucket", "config-report-test"},
			wantOut: "nothing to re-run",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRerunFixture(t)
			if tt.rerunInput != "" {
				runtest.PutObject(t, f.s3, f.bucket, run.RerunInputKey(runID), tt.rerunInput)
			}
			if tt.summary {
				runtest.PutObject(t, f.s3, f.bucket, run.SummaryKey(runID), `{"schemaVersion":1}`)
			}
			args := append([]string{"rerun", "--profile", "test", "--state-machine-arn", f.smARN, "--run-id", runID}, tt.args...)
			r := runBinary(t, f.env, args...)
			if r.code != 0 {
				t.Fatalf("config-report %v: status %d, stderr %s", args, r.code, r.stderr)
			}
			if diff := cmp.Diff(tt.want, f.executions(t)); diff != "" {
				t.Errorf("executions started (-want +got):\n%s", diff)
			}
			wantOut := tt.wantOut
			if wantOut == "" {
				wantOut = "arn:aws:states:"
			}
			if !strings.Contains(r.stdout, wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", r.stdout, wantOut)
			}
		})
	}
}

func TestRerunFailures(t *testing.T) {
	const runID = "2026-11-30T0900Z-3f2a9c1b"
	tests := []struct {
		name       string
		rerunInput string
		args       func(f *rerunFixture) []string
		wantCode   int
		want       []string
	}{
		{
			name:     "no report",
			args:     func(f *rerunFixture) []string { return []string{"--profile", "test", "--failed", "--bucket", f.bucket} },
			wantCode: 1,
			want:     []string{"has no report in", "check --run-id and --bucket"},
		},
		{
			name:       "re-run input of another run",
			rerunInput: `{"runId":"2026-11-23T0900Z-aaaa","accountIds":["111122223333"]}`,
			args:       func(f *rerunFixture) []string { return []string{"--profile", "test", "--failed", "--bucket", f.bucket} },
			wantCode:   1,
			want:       []string{`names run "2026-11-23T0900Z-aaaa"`},
		},
		{
			name:     "missing profile",
			args:     func(*rerunFixture) []string { return []string{"--profile", "nope", "--accounts", "111122223333"} },
			wantCode: 1,
			want:     []string{`AWS profile "nope" not found`, "aws configure --profile nope"},
		},
		{
			name:     "no credentials",
			args:     func(*rerunFixture) []string { return []string{"--accounts", "111122223333"} },
			wantCode: 1,
			want:     []string{"no usable AWS credentials", "aws sso login"},
		},
		{
			name: "unknown state machine",
			args: func(f *rerunFixture) []string {
				return []string{"--profile", "test", "--accounts", "111122223333", "--state-machine-arn", f.smARN + "-gone"}
			},
			wantCode: 1,
			want:     []string{"start execution of", "StateMachineDoesNotExist"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRerunFixture(t)
			if tt.rerunInput != "" {
				runtest.PutObject(t, f.s3, f.bucket, run.RerunInputKey(runID), tt.rerunInput)
			}
			// A later --state-machine-arn overrides this one.
			args := append([]string{"rerun", "--state-machine-arn", f.smARN, "--run-id", runID}, tt.args(f)...)
			r := runBinary(t, f.env, args...)
			wantFailure(t, r, tt.wantCode, tt.want...)
			if got := f.executions(t); len(got) != 0 {
				t.Errorf("a failed rerun started executions %v", got)
			}
		})
	}
}
