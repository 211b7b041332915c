package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"
	"github.com/config-report/config-report/internal/report"
)

// newAlarms creates the alarm topic and the alarms that notify it: a failed
// execution, an event in the schedule's dead-letter queue, no successful
// execution for NoSuccessDays (with the schedule on), and too many
// unreachable accounts. It returns the topic. h.StateMachine and
// h.ScheduleDeadLetterQueue must exist.
func newAlarms(h *HubStack, removal awscdk.RemovalPolicy) awssns.Topic {
	cfg := h.Config
	key, topic := newAlarmTopic(h.Stack, cfg, h.resourceName(), removal)
	alarms := &alarmSet{stack: h.Stack, topic: topic, prefix: h.resourceName()}

	alarms.add("ExecutionsFailedAlarm", "executions-failed", executionsFailedAlarm(h.StateMachine))
	alarms.add("ScheduleDeadLetterAlarm", "schedule-dlq", scheduleDeadLetterAlarm(h.ScheduleDeadLetterQueue, h.resourceName()))
	if cfg.NoSuccessAlarmEnabled() {
		noSuccess := alarms.add("NoRecentSuccessAlarm", "no-recent-success", noRecentSuccessAlarm(h.StateMachine, cfg))
		// Whole calendar days in the schedule's time zone, not a sliding
		// window: the L2 construct does not expose EvaluationWindow.
		noSuccess.Node().DefaultChild().(awscloudwatch.CfnAlarm).SetEvaluationWindow(&awscloudwatch.CfnAlarm_EvaluationWindowProperty{
			WallClockWindow: &awscloudwatch.CfnAlarm_WallClockWindowProperty{Timezone: jsii.String(cfg.Schedule.TimeZone)},
		})
	}
	alarms.add("AccountsUnreachableAlarm", "accounts-unreachable", accountsUnreachableAlarm(cfg))

	allowAlarmsToPublish(h.Stack, key, topic, alarms.names)
	return topic
}

// newAlarmTopic creates the alarm topic, <name>-alarms, TLS only and
// encrypted with its own rotating key, and subscribes cfg.AlarmEmails.
func newAlarmTopic(stack awscdk.Stack, cfg Config, name string, removal awscdk.RemovalPolicy) (awskms.Key, awssns.Topic) {
	key := awskms.NewKey(stack, jsii.String("AlarmTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the config-report alarm topic " + name + "."),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal,
	})
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		TopicName:  jsii.String(name + "-alarms"),
		MasterKey:  key,
		EnforceSSL: jsii.Bool(true),
	})
	for _, email := range cfg.AlarmEmails {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	return key, topic
}

// alarmSet creates alarms named <prefix>-<suffix> that notify topic, and
// remembers their names.
type alarmSet struct {
	stack  awscdk.Stack
	topic  awssns.Topic
	prefix string
	names  []string
}

func (s *alarmSet) add(id, suffix string, props *awscloudwatch.AlarmProps) awscloudwatch.Alarm {
	name := s.prefix + "-" + suffix
	props.AlarmName = jsii.String(name)
	alarm := awscloudwatch.NewAlarm(s.stack, jsii.String(id), props)
	alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(s.topic))
	s.names = append(s.names, name)
	return alarm
}

// executionsFailedAlarm fires on a failed or timed-out execution.
func executionsFailedAlarm(sm awsstepfunctions.StateMachine) *awscloudwatch.AlarmProps {
	period := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}
	return &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("A config-report execution failed or timed out. Open it in the Step Functions console; redrive it, or start a new execution with the re-run input from the report."),
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("FILL(failed, 0) + FILL(timedOut, 0)"),
			Label:      jsii.String("Failed or timed-out executions"),
			Period:     awscdk.Duration_Minutes(jsii.Number(5)),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"failed":   sm.MetricFailed(period),
				"timedOut": sm.MetricTimedOut(period),
			},
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
}

// scheduleDeadLetterAlarm fires when the schedule's dead-letter queue holds
// an event.
func scheduleDeadLetterAlarm(dlq awssqs.Queue, name string) *awscloudwatch.AlarmProps {
	return &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(fmt.Sprintf("EventBridge Scheduler could not start a config-report execution after %d retries; the event is in %s-schedule-dlq. "+
			"Check the message's error attributes and the scheduler role, start the run by hand, then purge the queue.", ScheduleRetryAttempts, name)),
		Metric: dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum"),
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
}

// noRecentSuccessAlarm fires when no execution succeeded on any of the last
// NoSuccessDays days.
func noRecentSuccessAlarm(sm awsstepfunctions.StateMachine, cfg Config) *awscloudwatch.AlarmProps {
	return &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(fmt.Sprintf("No config-report execution succeeded in the last %d complete days (%s): the schedule did not fire, "+
			"or every run since failed. Check the schedule, the schedule's dead-letter queue and the executions.", NoSuccessDays, cfg.Schedule.TimeZone)),
		Metric: sm.MetricSucceeded(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Days(jsii.Number(1)), Statistic: jsii.String("Sum"),
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(NoSuccessDays),
		DatapointsToAlarm:  jsii.Number(NoSuccessDays),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		// No execution, no datapoint: a day without one counts against.
		TreatMissingData: awscloudwatch.TreatMissingData_BREACHING,
	}
}

// accountsUnreachableAlarm fires when more than cfg.UnreachablePercent() of
// a run's accounts were unreachable, from the metrics BuildReport writes.
func accountsUnreachableAlarm(cfg Config) *awscloudwatch.AlarmProps {
	reportMetric := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String(report.MetricsNamespace),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{report.MetricsDimension: jsii.String(cfg.Name)},
			Statistic:     jsii.String("Sum"),
			Period:        awscdk.Duration_Hours(jsii.Number(1)),
		})
	}
	return &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(fmt.Sprintf("More than %d%% of a config-report run's accounts were unreachable (the read role could not be assumed). "+
			"The report's Coverage sheet lists them; check the member-role StackSet and organizationId.", cfg.UnreachablePercent())),
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("IF(inRun > 0, 100 * FILL(unreachable, 0) / inRun, 0)"),
			Label:      jsii.String("Unreachable accounts (% of the run)"),
			Period:     awscdk.Duration_Hours(jsii.Number(1)),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"unreachable": reportMetric(report.MetricAccountsUnreachable),
				"inRun":       reportMetric(report.MetricAccountsInRun),
			},
		}),
		Threshold:          jsii.Number(float64(cfg.UnreachablePercent())),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
}

// allowAlarmsToPublish lets CloudWatch use key and publish to topic for the
// alarms named alarmNames only. The ARNs are built from the alarms' names,
// not their attributes, so the key and topic policies do not depend on the
// alarms (which depend on the topic).
func allowAlarmsToPublish(stack awscdk.Stack, key awskms.Key, topic awssns.Topic, alarmNames []string) {
	alarmARNs := make([]string, len(alarmNames))
	for i, name := range alarmNames {
		alarmARNs[i] = *stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String(name),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
	}
	fromTheseAlarms := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": *stack.Account()},
		"ArnEquals":    map[string]any{"aws:SourceArn": alarmARNs},
	}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsToPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"),
		Conditions: fromTheseAlarms,
	}), nil)
	// The topic's policy (TLS only) replaces SNS's default one, which is what
	// lets a same-account alarm publish: allow these alarms explicitly.
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsToPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*topic.TopicArn()),
		Conditions: fromTheseAlarms,
	}))
}
