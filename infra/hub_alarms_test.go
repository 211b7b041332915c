package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// alarmMetrics summarizes a metric-math alarm's Metrics: the expression, and
// each metric as "namespace/name dim=value statistic period".
func alarmMetrics(p map[string]any) map[string]string {
	out := map[string]string{}
	for _, m := range p["Metrics"].([]any) {
		m := m.(map[string]any)
		if e, ok := m["Expression"]; ok {
			out["expression"] = e.(string)
			continue
		}
		stat := m["MetricStat"].(map[string]any)
		metric := stat["Metric"].(map[string]any)
		dims := metric["Dimensions"].([]any)[0].(map[string]any)
		out[m["Id"].(string)] = fmt.Sprintf("%s/%s %s=%s %s %v", metric["Namespace"], metric["MetricName"], dims["Name"], flat(dims["Value"]), stat["Stat"], stat["Period"])
	}
	return out
}

func alarmNames(tp tmpl) []string {
	var names []string
	for _, a := range tp.ofType("AWS::CloudWatch::Alarm") {
		names = append(names, a.Properties["AlarmName"].(string))
	}
	sort.Strings(names)
	return names
}

func TestHubAlarm(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
	t.Run("executions failed", func(t *testing.T) { testExecutionsFailedAlarm(t, f) })
	t.Run("every alarm notifies the topic", func(t *testing.T) { testAlarmsNotifyTopic(t, f) })
	t.Run("only these alarms publish", func(t *testing.T) { testAlarmTopicPolicies(t, f) })
}

func testExecutionsFailedAlarm(t *testing.T, f hubFixture) {
	_, alarm := f.alarm(t, "executions-failed")
	p := alarm.Properties
	if p["Threshold"] != 1.0 || p["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || p["TreatMissingData"] != "notBreaching" {
		t.Errorf("alarm = %v, want >= 1, missing data not breaching", p)
	}
	want := map[string]string{
		"expression": "FILL(failed, 0) + FILL(timedOut, 0)",
		"failed":     "AWS/States/ExecutionsFailed StateMachineArn=<" + f.smID + "> Sum 300",
		"timedOut":   "AWS/States/ExecutionsTimedOut StateMachineArn=<" + f.smID + "> Sum 300",
	}
	if diff := cmp.Diff(want, alarmMetrics(p)); diff != "" {
		t.Errorf("alarm metrics mismatch (-want +got):\n%s", diff)
	}
}

func testAlarmsNotifyTopic(t *testing.T, f hubFixture) {
	topicID, _ := f.tp.one(t, "AWS::SNS::Topic")
	wantNames := []string{
		"config-report-prod-accounts-unreachable", "config-report-prod-executions-failed",
		"config-report-prod-no-recent-success", "config-report-prod-schedule-dlq",
	}
	if diff := cmp.Diff(wantNames, alarmNames(f.tp)); diff != "" {
		t.Errorf("alarms mismatch (-want +got):\n%s", diff)
	}
	for id, a := range f.tp.ofType("AWS::CloudWatch::Alarm") {
		if diff := cmp.Diff([]any{map[string]any{"Ref": topicID}}, a.Properties["AlarmActions"]); diff != "" {
			t.Errorf("%s AlarmActions mismatch (-want +got):\n%s", id, diff)
		}
	}
	subs := f.tp.ofType("AWS::SNS::Subscription")
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions, want 1 (alarmEmails)", len(subs))
	}
	for _, s := range subs {
		if s.Properties["Protocol"] != "email" || s.Properties["Endpoint"] != "platform-oncall@example.com" {
			t.Errorf("subscription = %v, want email to platform-oncall@example.com", s.Properties)
		}
	}
}

// testAlarmTopicPolicies: the topic is encrypted with a rotating key that
// CloudWatch may use only for these alarms of this account; the topic refuses
// publishing without TLS and lets only these alarms publish.
func testAlarmTopicPolicies(t *testing.T, f hubFixture) {
	topicID, topic := f.tp.one(t, "AWS::SNS::Topic")
	keyID := strings.TrimSuffix(strings.TrimPrefix(flat(topic.Properties["KmsMasterKeyId"]), "<"), ".Arn>")
	key := f.tp.Resources[keyID]
	if key.Type != "AWS::KMS::Key" || key.Properties["EnableKeyRotation"] != true {
		t.Fatalf("topic key = %+v, want a KMS key with rotation", key)
	}
	var cw []statement
	for _, s := range statements(key.Properties["KeyPolicy"]) {
		if s.Principal == `{"Service":"cloudwatch.amazonaws.com"}` {
			cw = append(cw, fromAlarms(t, f, s))
		}
	}
	wantKey := []statement{{Sid: "AllowCloudWatchAlarmsToPublish", Effect: "Allow", Principal: `{"Service":"cloudwatch.amazonaws.com"}`, Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resources: []string{"*"}}}
	if diff := cmp.Diff(wantKey, cw); diff != "" {
		t.Errorf("key policy for CloudWatch mismatch (-want +got):\n%s", diff)
	}

	_, tpol := f.tp.one(t, "AWS::SNS::TopicPolicy")
	got := statements(tpol.Properties["PolicyDocument"])
	if len(got) != 2 {
		t.Fatalf("topic policy = %+v, want the TLS denial and the alarms' allow", got)
	}
	got[1] = fromAlarms(t, f, got[1])
	wantTopic := []statement{
		{Sid: "AllowPublishThroughSSLOnly", Effect: "Deny", Principal: "*", Actions: []string{"sns:Publish"}, Resources: []string{"<" + topicID + ">"}, Condition: `{"Bool":{"aws:SecureTransport":"false"}}`},
		{Sid: "AllowCloudWatchAlarmsToPublish", Effect: "Allow", Principal: `{"Service":"cloudwatch.amazonaws.com"}`, Actions: []string{"sns:Publish"}, Resources: []string{"<" + topicID + ">"}},
	}
	if diff := cmp.Diff(wantTopic, got); diff != "" {
		t.Errorf("topic policy mismatch (-want +got):\n%s", diff)
	}
}

// fromAlarms checks that s's condition limits it to the hub's alarms in
// this account, and returns s without the condition.
func fromAlarms(t *testing.T, f hubFixture, s statement) statement {
	t.Helper()
	var alarmARNs []string
	for _, name := range alarmNames(f.tp) {
		alarmARNs = append(alarmARNs, "arn:aws:cloudwatch:eu-west-1:333333333333:alarm:"+name)
	}
	var c struct {
		ArnEquals    map[string][]string
		StringEquals map[string]string
	}
	if err := json.Unmarshal([]byte(s.Condition), &c); err != nil {
		t.Fatalf("condition %s: %v", s.Condition, err)
	}
	sort.Strings(c.ArnEquals["aws:SourceArn"])
	if diff := cmp.Diff(alarmARNs, c.ArnEquals["aws:SourceArn"]); diff != "" {
		t.Errorf("%s: aws:SourceArn mismatch (-want +got):\n%s", s.Sid, diff)
	}
	if diff := cmp.Diff(map[string]string{"aws:SourceAccount": "333333333333"}, c.StringEquals); diff != "" {
		t.Errorf("%s: StringEquals mismatch (-want +got):\n%s", s.Sid, diff)
	}
	s.Condition = ""
	return s
}

func TestHubNoRecentSuccessAlarm(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
	_, alarm := f.alarm(t, "no-recent-success")
	p := alarm.Properties
	if got, want := singleMetricAlarm(p), "AWS/States/ExecutionsSucceeded StateMachineArn=<"+f.smID+"> Sum 86400"; got != want {
		t.Errorf("no-success alarm metric = %s, want %s", got, want)
	}
	got := map[string]any{}
	for _, k := range []string{"Threshold", "ComparisonOperator", "EvaluationPeriods", "DatapointsToAlarm", "TreatMissingData", "EvaluationWindow"} {
		got[k] = p[k]
	}
	want := map[string]any{
		"Threshold": 1.0, "ComparisonOperator": "LessThanThreshold",
		"EvaluationPeriods": 7.0, "DatapointsToAlarm": 7.0, "TreatMissingData": "breaching",
		// Complete days in the schedule's time zone: a weekly run is always in range.
		"EvaluationWindow": map[string]any{"WallClockWindow": map[string]any{"Timezone": "Europe/Amsterdam"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("no-success alarm mismatch (-want +got):\n%s", diff)
	}
	// CloudWatch evaluates at most seven days (Period x EvaluationPeriods).
	if r := p["Period"].(float64) * p["EvaluationPeriods"].(float64); r > 604800 {
		t.Errorf("evaluation range %v s exceeds CloudWatch's 604,800", r)
	}

	for name, modify := range map[string]func(map[string]any){
		"schedule off": func(s map[string]any) {
			s["schedule"] = map[string]any{"expression": "cron(0 9 ? * MON *)", "timeZone": "Europe/Amsterdam", "enabled": false}
		},
		"alarm off": func(s map[string]any) { s["noSuccessAlarm"] = false },
	} {
		t.Run(name, func(t *testing.T) {
			f := newHubFixture(t, "prod", modify)
			for _, n := range alarmNames(f.tp) {
				if strings.HasSuffix(n, "-no-recent-success") {
					t.Errorf("alarm %s exists, want none", n)
				}
			}
			// The key and topic policies name only the alarms that exist.
			key := f.tp.ofType("AWS::KMS::Key")
			for _, k := range key {
				for _, s := range statements(k.Properties["KeyPolicy"]) {
					if strings.Contains(s.Condition, "no-recent-success") {
						t.Errorf("key policy names a missing alarm: %s", s.Condition)
					}
				}
			}
		})
	}
}

func TestHubUnreachableAlarm(t *testing.T) {
	tests := []struct {
		name    string
		percent any // nil: not set
		want    float64
	}{
		{"default", nil, 20},
		{"configured", 35.0, 35},
		{"any unreachable account", 0.0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHubFixture(t, "prod", func(s map[string]any) {
				if tt.percent != nil {
					s["unreachableAlarmPercent"] = tt.percent
				}
			})
			_, alarm := f.alarm(t, "accounts-unreachable")
			p := alarm.Properties
			wantMetrics := map[string]string{
				"expression":  "IF(inRun > 0, 100 * FILL(unreachable, 0) / inRun, 0)",
				"unreachable": "ConfigReport/AccountsUnreachable Environment=prod Sum 3600",
				"inRun":       "ConfigReport/AccountsInRun Environment=prod Sum 3600",
			}
			if diff := cmp.Diff(wantMetrics, alarmMetrics(p)); diff != "" {
				t.Errorf("unreachable alarm metrics mismatch (-want +got):\n%s", diff)
			}
			if p["Threshold"] != tt.want || p["ComparisonOperator"] != "GreaterThanThreshold" || p["EvaluationPeriods"] != 1.0 || p["TreatMissingData"] != "notBreaching" {
				t.Errorf("unreachable alarm = %v, want > %v%% in one period, missing data not breaching", p, tt.want)
			}
		})
	}
}
