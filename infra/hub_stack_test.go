package main

import (
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
)

// TestHubStack checks what NewHubStack adds itself, besides the constructs
// tested in hub_*_test.go: the default description and the outputs.
func TestHubStack(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
	doc := *f.template.ToJSON()
	if got, want := doc["Description"], "config-report (prod): weekly AWS Config compliance report of the organization."; got != want {
		t.Errorf("Description = %v, want %s", got, want)
	}

	topicID, _ := f.tp.one(t, "AWS::SNS::Topic")
	queueID, _ := f.tp.one(t, "AWS::SQS::Queue")
	want := map[string]string{
		"ReportBucketName":           f.bucket,
		"StateMachineArn":            f.smID,
		"AlarmTopicArn":              topicID,
		"ScheduleDeadLetterQueueUrl": queueID,
	}
	for name, ref := range want {
		assertTemplate(t, func() {
			f.template.HasOutput(jsii.String(name), map[string]any{"Value": map[string]any{"Ref": ref}})
		})
	}
	got := map[string]string{}
	for name := range *f.template.FindOutputs(jsii.String("*"), nil) {
		got[name] = want[name]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs mismatch (-want +got):\n%s", diff)
	}
}
