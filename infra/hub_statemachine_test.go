package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/statemachine"
)

func TestHubStateMachine(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
	t.Run("definition", func(t *testing.T) { testStateMachineDefinition(t, f) })
	t.Run("distributed map", func(t *testing.T) { testStateMachineMap(t, f) })
	t.Run("settings", func(t *testing.T) { testStateMachineSettings(t, f) })
	t.Run("role", func(t *testing.T) { testStateMachineRole(t, f) })
}

func testStateMachineDefinition(t *testing.T, f hubFixture) {
	sm := f.tp.Resources[f.smID].Properties

	// The definition is the statemachine package's, byte for byte.
	wantCF, err := statemachine.ForCloudFormation(statemachine.Params{
		ListAccountsFunctionArn: "x", ScanAccountFunctionArn: "x", BuildReportFunctionArn: "x",
		MaxConcurrency: 100, ToleratedFailurePercentage: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := sm["DefinitionString"]; got != wantCF.DefinitionString {
		t.Errorf("DefinitionString differs from statemachine.ForCloudFormation:\n%s", cmp.Diff(wantCF.DefinitionString, got))
	}

	// Each placeholder is bound to its own function's ARN; substituted as
	// CloudFormation will, the definition is what statemachine.Render gives
	// for the deployed ARNs.
	subs, _ := sm["DefinitionSubstitutions"].(map[string]any)
	wantSubs := map[string]string{
		statemachine.ListAccountsFunctionArn: "<" + f.fnIDs[ListAccountsPackage] + ".Arn>",
		statemachine.ScanAccountFunctionArn:  "<" + f.fnIDs[ScanAccountPackage] + ".Arn>",
		statemachine.BuildReportFunctionArn:  "<" + f.fnIDs[BuildReportPackage] + ".Arn>",
	}
	gotSubs := map[string]string{}
	for k, v := range subs {
		gotSubs[k] = flat(v)
	}
	if diff := cmp.Diff(wantSubs, gotSubs); diff != "" {
		t.Fatalf("DefinitionSubstitutions mismatch (-want +got):\n%s", diff)
	}
	rendered, arnOf := deployedDefinition(t, f)
	want, err := statemachine.Render(statemachine.Params{
		ListAccountsFunctionArn:    arnOf["config-report-prod-listaccounts"],
		ScanAccountFunctionArn:     arnOf["config-report-prod-scanaccount"],
		BuildReportFunctionArn:     arnOf["config-report-prod-buildreport"],
		MaxConcurrency:             100,
		ToleratedFailurePercentage: 5,
	})
	if err != nil {
		t.Fatalf("Render() error = %v", err)
	}
	if string(rendered) != string(want) {
		t.Errorf("deployed definition differs from Render():\n%s", cmp.Diff(string(want), string(rendered)))
	}
}

// deployedDefinition returns the state machine's definition substituted as
// CloudFormation will in 333333333333/eu-west-1, and each function's
// deployed ARN by function name.
func deployedDefinition(t *testing.T, f hubFixture) (rendered []byte, arnOf map[string]string) {
	t.Helper()
	sm := f.tp.Resources[f.smID].Properties
	subs, _ := sm["DefinitionSubstitutions"].(map[string]any)
	deployed := map[string]string{}
	arnOf = map[string]string{}
	for name, v := range subs {
		id := strings.TrimSuffix(strings.TrimPrefix(flat(v), "<"), ".Arn>")
		fnName := f.tp.Resources[id].Properties["FunctionName"].(string)
		deployed[name] = "arn:aws:lambda:eu-west-1:333333333333:function:" + fnName
		arnOf[fnName] = deployed[name]
	}
	rendered, err := statemachine.Substitute(sm["DefinitionString"].(string), deployed)
	if err != nil {
		t.Fatalf("Substitute(deployed definition) error = %v", err)
	}
	return rendered, arnOf
}

// testStateMachineMap: the Distributed Map reads the manifest and writes its
// results in the bucket ListAccounts reports, which is the report bucket.
func testStateMachineMap(t *testing.T, f hubFixture) {
	rendered, _ := deployedDefinition(t, f)
	var def struct {
		States map[string]struct {
			ItemReader, ResultWriter struct {
				Resource   string
				Parameters map[string]string
			}
			MaxConcurrency             float64
			ToleratedFailurePercentage float64
		}
	}
	if err := json.Unmarshal(rendered, &def); err != nil {
		t.Fatal(err)
	}
	scan := def.States["ScanAccounts"]
	if diff := cmp.Diff(map[string]string{"Bucket.$": "$.list.bucket", "Key.$": "$.list.manifestKey"}, scan.ItemReader.Parameters); diff != "" || scan.ItemReader.Resource != "arn:aws:states:::s3:getObject" {
		t.Errorf("ItemReader = %+v, want s3:getObject of the listed manifest:\n%s", scan.ItemReader, diff)
	}
	if diff := cmp.Diff(map[string]string{"Bucket.$": "$.list.bucket", "Prefix.$": "$.list.resultPrefix"}, scan.ResultWriter.Parameters); diff != "" || scan.ResultWriter.Resource != "arn:aws:states:::s3:putObject" {
		t.Errorf("ResultWriter = %+v, want s3:putObject under the run's result prefix:\n%s", scan.ResultWriter, diff)
	}
	listEnv := f.tp.Resources[f.fnIDs[ListAccountsPackage]].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if listEnv["REPORT_BUCKET"] != f.tp.Resources[f.bucket].Properties["BucketName"] {
		t.Errorf("ListAccounts REPORT_BUCKET = %v, want the report bucket", listEnv["REPORT_BUCKET"])
	}
}

// testStateMachineSettings: logging, tracing, type and name.
func testStateMachineSettings(t *testing.T, f hubFixture) {
	sm := f.tp.Resources[f.smID].Properties
	wantProps := map[string]any{
		"StateMachineName":     "config-report-prod",
		"StateMachineType":     "STANDARD",
		"TracingConfiguration": map[string]any{"Enabled": true},
		"LoggingConfiguration": map[string]any{
			"Level": "ALL", "IncludeExecutionData": false,
			"Destinations": []any{map[string]any{"CloudWatchLogsLogGroup": map[string]any{"LogGroupArn": map[string]any{"Fn::GetAtt": []any{logGroupID(t, f.tp, "/aws/vendedlogs/states/config-report-prod"), "Arn"}}}}},
		},
	}
	for k, w := range wantProps {
		if diff := cmp.Diff(w, sm[k]); diff != "" {
			t.Errorf("state machine %s mismatch (-want +got):\n%s", k, diff)
		}
	}
}

// testStateMachineRole: the three functions, its own child executions, the
// bucket's run prefixes, and what CDK adds for logging and tracing.
func testStateMachineRole(t *testing.T, f hubFixture) {
	sm := f.tp.Resources[f.smID].Properties
	roleID := strings.TrimSuffix(strings.TrimPrefix(flat(sm["RoleArn"]), "<"), ".Arn>")
	wantTrust := []statement{{Effect: "Allow", Principal: `{"Service":"states.amazonaws.com"}`, Actions: []string{"sts:AssumeRole"}, Condition: `{"StringEquals":{"aws:SourceAccount":"333333333333"}}`}}
	if diff := cmp.Diff(wantTrust, trust(f.tp.Resources[roleID])); diff != "" {
		t.Errorf("state machine trust policy mismatch (-want +got):\n%s", diff)
	}
	wantPolicy := sortStatements([]statement{
		{Sid: "InvokeFunctions", Effect: "Allow", Actions: []string{"lambda:InvokeFunction"}, Resources: []string{
			"<" + f.fnIDs[BuildReportPackage] + ".Arn>", "<" + f.fnIDs[ListAccountsPackage] + ".Arn>", "<" + f.fnIDs[ScanAccountPackage] + ".Arn>",
		}},
		{Sid: "StartMapChildren", Effect: "Allow", Actions: []string{"states:StartExecution"}, Resources: []string{"arn:aws:states:eu-west-1:333333333333:stateMachine:config-report-prod"}},
		{Sid: "ManageMapChildren", Effect: "Allow", Actions: []string{"states:DescribeExecution", "states:StopExecution"}, Resources: []string{"arn:aws:states:eu-west-1:333333333333:execution:config-report-prod/*"}},
		{Sid: "RedriveMapRun", Effect: "Allow", Actions: []string{"states:RedriveExecution"}, Resources: []string{"arn:aws:states:eu-west-1:333333333333:execution:config-report-prod/ScanAccounts:*"}},
		{Sid: "ReadManifests", Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{f.obj("runs/*/accounts.json"), f.obj("runs/*/reruns/*")}},
		{Sid: "WriteMapResults", Effect: "Allow", Actions: []string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"}, Resources: []string{f.obj("runs/*/map-results/*")}},
		{Effect: "Allow", Resources: []string{"*"}, Actions: []string{
			"logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
			"logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
			"xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
		}},
	})
	if diff := cmp.Diff(wantPolicy, f.tp.rolePolicy(roleID)); diff != "" {
		t.Errorf("state machine role policy mismatch (-want +got):\n%s", diff)
	}
	// The state machine's own ARN, which the role may start, is the one it gets.
	if got := fmt.Sprintf("arn:aws:states:eu-west-1:333333333333:stateMachine:%s", sm["StateMachineName"]); got != wantPolicy[sortIndex(wantPolicy, "StartMapChildren")].Resources[0] {
		t.Errorf("state machine ARN %s is not the one its role may start", got)
	}
}

func sortIndex(s []statement, sid string) int {
	for i, st := range s {
		if st.Sid == sid {
			return i
		}
	}
	return -1
}

func logGroupID(t *testing.T, tp tmpl, name string) string {
	t.Helper()
	id, _ := tp.byProp(t, "AWS::Logs::LogGroup", "LogGroupName", name)
	return id
}
