package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// startTimeLayout is how Step Functions writes $$.Execution.StartTime.
const startTimeLayout = "2006-01-02T15:04:05.000Z"

// contextValues are the Context object fields kumo cannot resolve.
type contextValues struct {
	ExecutionName string
	StartTime     time.Time
}

// resolveContext returns the definition with every Context object reference
// to the execution's name or start time ("key.$": "$$.Execution.Name")
// replaced by its value ("key": "<name>"). kumo 0.33.1 resolves the Context
// object only in a Map's ItemSelector ($$.Map.Item) and fails any other
// state that uses it, so each kumo execution runs its own copy of the
// rendered definition with these two values filled in as Step Functions
// would fill them. Any other Context object reference outside an
// ItemSelector is an error: kumo could not run it.
func resolveContext(definition []byte, v contextValues) ([]byte, int, error) {
	var def any
	if err := json.Unmarshal(definition, &def); err != nil {
		return nil, 0, fmt.Errorf("resolve context: %w", err)
	}
	values := map[string]string{
		"$$.Execution.Name":      v.ExecutionName,
		"$$.Execution.StartTime": v.StartTime.UTC().Format(startTimeLayout),
	}
	replaced := 0
	var walk func(node any, path string) error
	walk = func(node any, path string) error {
		switch n := node.(type) {
		case map[string]any:
			for key, child := range n {
				ref, isRef := child.(string)
				if strings.HasSuffix(key, ".$") && isRef && strings.HasPrefix(ref, "$$.") {
					if value, ok := values[ref]; ok {
						delete(n, key)
						n[strings.TrimSuffix(key, ".$")] = value
						replaced++
						continue
					}
					if !strings.Contains(path, "/ItemSelector") {
						return fmt.Errorf("resolve context: %s/%s uses %s, which kumo cannot resolve", path, key, ref)
					}
				}
				if err := walk(child, path+"/"+key); err != nil {
					return err
				}
			}
		case []any:
			for i, child := range n {
				if err := walk(child, fmt.Sprintf("%s/%d", path, i)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(def, ""); err != nil {
		return nil, 0, err
	}
	out, err := json.Marshal(def)
	if err != nil {
		return nil, 0, fmt.Errorf("resolve context: %w", err)
	}
	return out, replaced, nil
}

// newExecutionName returns a name like the console's: a random UUID.
func newExecutionName() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// execution is a finished execution.
type execution struct {
	// Name is the execution's name.
	Name string
	// ARN is the execution's ARN.
	ARN string
	// StartTime is the start time given to the execution as
	// $$.Execution.StartTime.
	StartTime time.Time
	// Describe is DescribeExecution's answer once it left RUNNING.
	Describe *sfn.DescribeExecutionOutput
}

// runExecution creates a state machine in kumo from the rendered
// definition (with the execution's Context values filled in, see
// resolveContext), starts an execution with input through the Step
// Functions API, and polls DescribeExecution until it leaves RUNNING. It
// fails the test if a Lambda process exits meanwhile or the execution is
// still running at the deadline.
func runExecution(t *testing.T, ctx context.Context, k *kumoEnv, definition []byte, input string, fns ...*lambdaFunction) execution {
	t.Helper()
	name := newExecutionName()
	start := time.Now().UTC()
	def, replaced, err := resolveContext(definition, contextValues{ExecutionName: name, StartTime: start})
	if err != nil {
		t.Fatal(err)
	}
	if replaced != 2 {
		t.Fatalf("resolveContext replaced %d Context object references, want 2 (ListAccounts' executionName and startTime)", replaced)
	}
	c := k.SFN()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:       aws.String("config-report-" + name[:8]),
		Definition: aws.String(string(def)),
		RoleArn:    aws.String("arn:aws:iam::000000000000:role/config-report-state-machine"),
		Type:       sfntypes.StateMachineTypeStandard,
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	started, err := c.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: sm.StateMachineArn,
		Name:            aws.String(name),
		Input:           aws.String(input),
	})
	if err != nil {
		t.Fatalf("StartExecution(%s): %v", input, err)
	}
	deadline := time.NewTimer(90 * time.Second)
	defer deadline.Stop()
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for {
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: started.ExecutionArn})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			t.Logf("execution %s with input %s: %s in %s", name, input, d.Status, time.Since(start).Round(time.Millisecond))
			return execution{Name: name, ARN: aws.ToString(started.ExecutionArn), StartTime: start, Describe: d}
		}
		for _, fn := range fns {
			select {
			case <-fn.dead:
				t.Fatalf("%s exited during execution %s: %v", fn.Name, name, fn.exitError())
			default:
			}
		}
		select {
		case <-poll.C:
		case <-deadline.C:
			t.Fatalf("execution %s with input %s still RUNNING after 90s", name, input)
		case <-ctx.Done():
			t.Fatalf("execution %s: %v", name, ctx.Err())
		}
	}
}
