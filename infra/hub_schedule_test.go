package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHubSchedule(t *testing.T) {
	tests := []struct {
		env       string
		wantState string
	}{
		{"prod", "ENABLED"},
		{"ptdev", "ENABLED"},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			f := newHubFixture(t, tt.env, nil)
			_, sched := f.tp.one(t, "AWS::Scheduler::Schedule")
			p := sched.Properties
			target, _ := p["Target"].(map[string]any)
			got := map[string]any{
				"ScheduleExpression": p["ScheduleExpression"], "ScheduleExpressionTimezone": p["ScheduleExpressionTimezone"],
				"State": p["State"], "TargetArn": flat(target["Arn"]), "Input": target["Input"],
			}
			want := map[string]any{
				"ScheduleExpression": "cron(0 9 ? * MON *)", "ScheduleExpressionTimezone": "Europe/Amsterdam",
				"State": tt.wantState, "TargetArn": "<" + f.smID + ">", "Input": "{}",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("schedule mismatch (-want +got):\n%s", diff)
			}
			roleID := strings.TrimSuffix(strings.TrimPrefix(flat(target["RoleArn"]), "<"), ".Arn>")
			wantTrust := []statement{{Effect: "Allow", Principal: `{"Service":"scheduler.amazonaws.com"}`, Actions: []string{"sts:AssumeRole"}, Condition: fmt.Sprintf(`{"StringEquals":{"aws:SourceAccount":"%s"}}`, f.cfg.HubAccount)}}
			if diff := cmp.Diff(wantTrust, trust(f.tp.Resources[roleID])); diff != "" {
				t.Errorf("scheduler role trust mismatch (-want +got):\n%s", diff)
			}
			qID, _ := f.tp.one(t, "AWS::SQS::Queue")
			wantPolicy := []statement{
				{Effect: "Allow", Actions: []string{"sqs:SendMessage"}, Resources: []string{"<" + qID + ".Arn>"}},
				{Effect: "Allow", Actions: []string{"states:StartExecution"}, Resources: []string{"<" + f.smID + ">"}},
			}
			if diff := cmp.Diff(wantPolicy, f.tp.rolePolicy(roleID)); diff != "" {
				t.Errorf("scheduler role may do more than start this state machine and dead-letter its events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHubScheduleSettings(t *testing.T) {
	f := newHubFixture(t, "prod", func(s map[string]any) {
		s["schedule"] = map[string]any{"expression": "cron(30 6 1 * ? *)", "timeZone": "America/New_York", "enabled": false}
	})
	_, sched := f.tp.one(t, "AWS::Scheduler::Schedule")
	got := []any{sched.Properties["ScheduleExpression"], sched.Properties["ScheduleExpressionTimezone"], sched.Properties["State"]}
	want := []any{"cron(30 6 1 * ? *)", "America/New_York", "DISABLED"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("schedule mismatch (-want +got):\n%s", diff)
	}
}

func TestHubScheduleDeadLetterQueue(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
	qID, q := f.tp.one(t, "AWS::SQS::Queue")
	want := map[string]any{
		"QueueName":              "config-report-prod-schedule-dlq",
		"SqsManagedSseEnabled":   true,
		"MessageRetentionPeriod": 1209600.0, // 14 days, SQS's longest
	}
	for k, w := range want {
		if q.Properties[k] != w {
			t.Errorf("queue %s = %v, want %v", k, q.Properties[k], w)
		}
	}
	_, qpol := f.tp.one(t, "AWS::SQS::QueuePolicy")
	wantPolicy := []statement{{Effect: "Deny", Principal: `{"AWS":"*"}`, Actions: []string{"sqs:*"}, Resources: []string{"<" + qID + ".Arn>"}, Condition: `{"Bool":{"aws:SecureTransport":"false"}}`}}
	if diff := cmp.Diff(wantPolicy, statements(qpol.Properties["PolicyDocument"])); diff != "" {
		t.Errorf("queue policy mismatch (-want +got):\n%s", diff)
	}

	// The schedule retries, then sends the event here.
	_, sched := f.tp.one(t, "AWS::Scheduler::Schedule")
	target := sched.Properties["Target"].(map[string]any)
	gotTarget := map[string]any{"RetryPolicy": target["RetryPolicy"], "DeadLetterConfig": flat(target["DeadLetterConfig"])}
	wantTarget := map[string]any{
		"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 3.0, "MaximumEventAgeInSeconds": 3600.0},
		"DeadLetterConfig": `{"Arn":"<` + qID + `.Arn>"}`,
	}
	if diff := cmp.Diff(wantTarget, gotTarget); diff != "" {
		t.Errorf("schedule target mismatch (-want +got):\n%s", diff)
	}

	// A message in it alarms.
	_, alarm := f.alarm(t, "schedule-dlq")
	p := alarm.Properties
	if got, want := singleMetricAlarm(p), "AWS/SQS/ApproximateNumberOfMessagesVisible QueueName=<"+qID+".QueueName> Maximum 300"; got != want {
		t.Errorf("DLQ alarm metric = %s, want %s", got, want)
	}
	if p["Threshold"] != 1.0 || p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || p["EvaluationPeriods"] != 1.0 || p["TreatMissingData"] != "notBreaching" {
		t.Errorf("DLQ alarm = %v, want >= 1 message in one period, missing data not breaching", p)
	}
}
