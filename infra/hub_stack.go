package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The hub stack's parts, each in its own file:
//
//	hub_bucket.go        the access-log bucket and the report bucket
//	hub_functions.go     ListAccounts, ScanAccount, BuildReport: roles, environments, log groups
//	hub_statemachine.go  the state machine, its role and log group
//	hub_schedule.go      the weekly schedule, its role and dead-letter queue
//	hub_alarms.go        the alarm topic, its key, the alarms and who may publish
//
// NewHubStack creates them in that order; the order is the template's.

// Observability. A Scheduler event that cannot start an execution is retried,
// then kept in the dead-letter queue for SQS's longest retention. The
// no-success alarm looks back over NoSuccessDays complete calendar days in the
// schedule's time zone: seven one-day periods is the longest range CloudWatch
// evaluates (period x evaluation periods <= 604,800 s), and counting complete
// days only means a weekly run is always in range, so the alarm fires the
// day after a missed weekly run and not before each run.
const (
	ScheduleRetryAttempts = 3
	ScheduleMaxEventAgeH  = 1
	DeadLetterRetention   = 14
	NoSuccessDays         = 7
)

// HubStackProps configure the hub stack.
type HubStackProps struct {
	awscdk.StackProps
	// Config is the environment's settings.
	Config Config
	// ModuleRoot is the Go module's root; the functions are built from
	// ModuleRoot/functions/<name>.
	ModuleRoot string
}

// HubStack is the hub account's stack: the report bucket, the three Lambda
// functions, the state machine, its schedule and its alarms.
type HubStack struct {
	awscdk.Stack
	// Config is the environment the stack was built for.
	Config Config
	// Bucket is the report bucket.
	Bucket awss3.Bucket
	// ListAccounts, ScanAccount and BuildReport are the functions.
	ListAccounts, ScanAccount, BuildReport awslambda.Function
	// StateMachine is the workflow.
	StateMachine awsstepfunctions.StateMachine
	// ScheduleDeadLetterQueue keeps the schedule's events that could not
	// start an execution.
	ScheduleDeadLetterQueue awssqs.Queue
	// AlarmTopic receives every alarm.
	AlarmTopic awssns.Topic
}

// NewHubStack creates the hub stack. It fails only if the state machine
// definition cannot be rendered with the configuration.
func NewHubStack(scope constructs.Construct, id string, props *HubStackProps) (*HubStack, error) {
	cfg := props.Config
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String(fmt.Sprintf("config-report (%s): weekly AWS Config compliance report of the organization.", cfg.Name))
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	h := &HubStack{Stack: stack, Config: cfg}
	removal := removalPolicy(cfg)

	h.Bucket = newReportBucket(stack, cfg, removal)
	h.ListAccounts, h.ScanAccount, h.BuildReport = newFunctions(h, props.ModuleRoot, removal)
	sm, err := newStateMachine(h, removal)
	if err != nil {
		return nil, fmt.Errorf("hub stack: %w", err)
	}
	h.StateMachine = sm
	h.ScheduleDeadLetterQueue = newSchedule(h)
	h.AlarmTopic = newAlarms(h, removal)

	for _, o := range []struct {
		name  string
		value *string
	}{
		{"ReportBucketName", h.Bucket.BucketName()},
		{"StateMachineArn", h.StateMachine.StateMachineArn()},
		{"AlarmTopicArn", h.AlarmTopic.TopicArn()},
		{"ScheduleDeadLetterQueueUrl", h.ScheduleDeadLetterQueue.QueueUrl()},
	} {
		awscdk.NewCfnOutput(stack, jsii.String(o.name), &awscdk.CfnOutputProps{Value: o.value})
	}
	return h, nil
}

// OrgRoleARN returns the ARN of the organization role in the management account.
func (h *HubStack) OrgRoleARN(managementAccount string) *string {
	return h.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("iam"), Region: jsii.String(""), Account: jsii.String(managementAccount),
		Resource: jsii.String("role"), ResourceName: jsii.String(OrgRoleName),
	})
}

// resourceName returns config-report-<environment>: the state machine's name
// and the prefix of the hub's other named resources.
func (h *HubStack) resourceName() string { return h.Config.ResourceName() }

// removalPolicy returns what deleting the stack does to the buckets, log
// groups and key: retain them unless the environment says destroy.
func removalPolicy(cfg Config) awscdk.RemovalPolicy {
	if cfg.RemovalPolicy == RemovalDestroy {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_RETAIN
}

// allow returns an Allow statement.
func allow(sid string, actions []string, resources ...string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String(sid),
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(resources...),
	})
}
