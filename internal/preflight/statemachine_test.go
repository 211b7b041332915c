package preflight_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/config-report/config-report/internal/preflight"
)

// definition ends each execution as its input says ({"outcome": "succeed",
// "fail" or "wait"}), with no task that calls out of kumo.
const definition = `{"StartAt":"Outcome","States":{
  "Outcome":{"Type":"Choice","Choices":[
    {"Variable":"$.outcome","StringEquals":"succeed","Next":"Done"},
    {"Variable":"$.outcome","StringEquals":"fail","Next":"Fail"}],"Default":"Wait"},
  "Done":{"Type":"Succeed"},
  "Fail":{"Type":"Fail","Error":"States.TaskFailed","Cause":"ScanAccounts failed"},
  "Wait":{"Type":"Wait","Seconds":3600,"End":true}}}`

// The executions' outcomes.
const (
	succeed    = `{"outcome":"succeed"}`
	fail       = `{"outcome":"fail"}`
	waitAnHour = `{"outcome":"wait"}`
)

// TestStateMachine reads a state machine served by kumo, the local Step
// Functions engine, through the real SDK client: missing, with no
// execution, and judged by its newest finished execution.
func TestStateMachine(t *testing.T) {
	tests := []struct {
		name string
		// executions are started in turn: each definition's execution ends
		// (or stays running) before the next starts.
		executions []string
		// stop aborts the last execution.
		stop   bool
		status preflight.Status
		says   []string
	}{
		{name: "no execution yet", status: preflight.Passed, says: []string{"ACTIVE; no execution yet"}},
		{name: "last run succeeded", executions: []string{fail, succeed}, status: preflight.Passed, says: []string{"last 2 executions: 1 SUCCEEDED, 1 FAILED"}},
		{name: "one running after a success", executions: []string{succeed, waitAnHour}, status: preflight.Passed, says: []string{"1 SUCCEEDED, 1 RUNNING"}},
		{name: "last run failed", executions: []string{succeed, fail}, status: preflight.Failed, says: []string{"FAILED", "open arn:aws:states:", "redrive"}},
		{name: "last run aborted", executions: []string{waitAnHour}, stop: true, status: preflight.Failed, says: []string{"ABORTED"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, quietSpec(17))
			kumoCfg := e.withKumo(t)
			client := sfn.NewFromConfig(kumoCfg)
			ctx := t.Context()
			// kumo's state is the process's: a name of the test's own.
			name := "config-report-check-" + string(rune('a'+i))
			sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(definition),
				RoleArn: aws.String("arn:aws:iam::000000000000:role/config-report-state-machine"), Type: sfntypes.StateMachineTypeStandard})
			if err != nil {
				t.Fatalf("CreateStateMachine: %v", err)
			}
			arn := sm.StateMachineArn
			for _, input := range tt.executions {
				started, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: arn, Input: aws.String(input)})
				if err != nil {
					t.Fatalf("StartExecution: %v", err)
				}
				if input != waitAnHour {
					waitForEnd(t, ctx, client, started.ExecutionArn)
				} else if tt.stop {
					if _, err := client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: started.ExecutionArn}); err != nil {
						t.Fatalf("StopExecution: %v", err)
					}
				}
			}
			e.checker.Settings.Hub.StateMachineARN = aws.ToString(arn)
			res := e.run(t)
			wantCheck(t, res, preflight.CheckStateMachine, tt.status, tt.says...)
		})
	}
	t.Run("missing", func(t *testing.T) {
		e := newEnv(t, quietSpec(17))
		e.withKumo(t)
		e.checker.Settings.Hub.StateMachineARN = "arn:aws:states:us-east-1:000000000000:stateMachine:config-report-missing"
		res := e.run(t)
		wantCheck(t, res, preflight.CheckStateMachine, preflight.Failed, "does not exist", "deploy config-report-test-hub")
	})
}

// waitForEnd polls an execution until it leaves RUNNING, as the end-to-end
// tests wait for kumo's executions, which run in the background.
func waitForEnd(t *testing.T, ctx context.Context, client *sfn.Client, arn *string) {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: arn})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			return
		}
		select {
		case <-poll.C:
		case <-deadline.C:
			t.Fatalf("execution %s still running after 30s", aws.ToString(arn))
		}
	}
}
