package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
)

// newSchedule creates the EventBridge Scheduler schedule that starts a run
// (empty input: every active account), the role it starts the state machine
// with, and the dead-letter queue that keeps events it could not deliver
// after ScheduleRetryAttempts retries; it returns the queue. h.StateMachine
// must exist.
func newSchedule(h *HubStack) awssqs.Queue {
	cfg := h.Config
	name := h.resourceName()
	role := awsiam.NewRole(h.Stack, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		Description: jsii.String("Lets EventBridge Scheduler start the config-report state machine, and nothing else."),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": *h.Account()},
		}),
	})
	dlq := newScheduleDeadLetterQueue(h.Stack, name)
	awsscheduler.NewSchedule(h.Stack, jsii.String("Schedule"), &awsscheduler.ScheduleProps{
		ScheduleName: jsii.String(name + "-weekly"),
		Description:  jsii.String("Starts a new config-report run (empty input: every active account)."),
		Schedule:     awsscheduler.ScheduleExpression_Expression(jsii.String(cfg.Schedule.Expression), awscdk.TimeZone_Of(jsii.String(cfg.Schedule.TimeZone))),
		Enabled:      jsii.Bool(cfg.ScheduleEnabled()),
		Target: awsschedulertargets.NewStepFunctionsStartExecution(h.StateMachine, &awsschedulertargets.ScheduleTargetBaseProps{
			Role:            role,
			Input:           awsscheduler.ScheduleTargetInput_FromText(jsii.String("{}")),
			RetryAttempts:   jsii.Number(ScheduleRetryAttempts),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(ScheduleMaxEventAgeH)),
			DeadLetterQueue: dlq,
		}),
	})
	return dlq
}

// newScheduleDeadLetterQueue creates the schedule's dead-letter queue,
// <name>-schedule-dlq, keeping messages for SQS's longest retention.
func newScheduleDeadLetterQueue(stack awscdk.Stack, name string) awssqs.Queue {
	q := awssqs.NewQueue(stack, jsii.String("ScheduleDeadLetterQueue"), &awssqs.QueueProps{
		QueueName:       jsii.String(name + "-schedule-dlq"),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(DeadLetterRetention)),
	})
	suppress(q, suppression{
		id: "AwsSolutions-SQS3",
		reason: "This queue is itself the dead-letter queue of the EventBridge Scheduler schedule (its DeadLetterConfig); " +
			"cdk-nag recognizes only SQS redrive policies as dead-letter use.",
	})
	return q
}
