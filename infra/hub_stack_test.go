package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/statemachine"
)

// hubFixture is the prod environment's hub template and the logical IDs the
// assertions refer to.
type hubFixture struct {
	cfg      Config
	tp       tmpl
	bucket   string // logical ID of the report bucket
	fnIDs    map[string]string
	logGroup map[string]string // function package -> logical ID of its log group
	smID     string
}

func newHubFixture(t *testing.T, env string, modify func(map[string]any)) hubFixture {
	t.Helper()
	s := mustSynthApp(t, env, modify)
	f := hubFixture{cfg: s.Hub.Config, tp: templateOf(t, s.Hub.Stack), fnIDs: map[string]string{}, logGroup: map[string]string{}}
	f.bucket, _ = f.tp.byProp(t, "AWS::S3::Bucket", "BucketName", f.cfg.BucketName)
	for _, pkg := range []string{ListAccountsPackage, ScanAccountPackage, BuildReportPackage} {
		id, fn := f.tp.byProp(t, "AWS::Lambda::Function", "FunctionName", "config-report-"+f.cfg.Name+"-"+pkg)
		f.fnIDs[pkg] = id
		lc, _ := fn.Properties["LoggingConfig"].(map[string]any)
		f.logGroup[pkg] = strings.Trim(flat(lc["LogGroup"]), "<>")
	}
	f.smID, _ = f.tp.one(t, "AWS::StepFunctions::StateMachine")
	return f
}

func (f hubFixture) obj(key string) string { return "<" + f.bucket + ".Arn>/" + key }

func sortStatements(s []statement) []statement {
	sort.Slice(s, func(i, j int) bool {
		return s[i].Sid+strings.Join(s[i].Actions, ",") < s[j].Sid+strings.Join(s[j].Actions, ",")
	})
	return s
}

func TestHubBucket(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
	b := f.tp.Resources[f.bucket].Properties

	want := map[string]any{
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"BucketEncryption":               map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
		"VersioningConfiguration":        map[string]any{"Status": "Enabled"},
		"OwnershipControls":              map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
		"LifecycleConfiguration": map[string]any{"Rules": []any{
			map[string]any{"Id": "expire-run-data", "Prefix": "runs/", "ExpirationInDays": 90.0, "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 30.0}, "Status": "Enabled"},
			map[string]any{"Id": "expire-reports", "Prefix": "reports/", "ExpirationInDays": 731.0, "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 30.0}, "Status": "Enabled"},
			map[string]any{"Id": "abort-incomplete-uploads", "AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7.0}, "Status": "Enabled"},
		}},
	}
	for prop, w := range want {
		if diff := cmp.Diff(w, b[prop]); diff != "" {
			t.Errorf("report bucket %s mismatch (-want +got):\n%s", prop, diff)
		}
	}
	if got := b["BucketName"]; got != "sys-compliance-reports-prod" {
		t.Errorf("BucketName = %v, want sys-compliance-reports-prod", got)
	}

	// Server access logs go to a private, TLS-only bucket that expires them.
	logging, _ := b["LoggingConfiguration"].(map[string]any)
	logBucket := strings.Trim(flat(logging["DestinationBucketName"]), "<>")
	if logBucket == "" || logging["LogFilePrefix"] != "report-bucket/" {
		t.Fatalf("LoggingConfiguration = %v, want logs to the access-log bucket under report-bucket/", logging)
	}
	lb := f.tp.Resources[logBucket].Properties
	if lb["PublicAccessBlockConfiguration"] == nil || lb["BucketEncryption"] == nil || lb["LifecycleConfiguration"] == nil {
		t.Errorf("access-log bucket = %v, want public access blocked, encrypted and expiring", lb)
	}

	// Both buckets' policies deny plain HTTP and TLS below 1.2.
	for _, id := range []string{f.bucket, logBucket} {
		var found []statement
		for _, p := range f.tp.ofType("AWS::S3::BucketPolicy") {
			if flat(p.Properties["Bucket"]) == "<"+id+">" {
				found = statements(p.Properties["PolicyDocument"])
			}
		}
		all := []string{"<" + id + ".Arn>", "<" + id + ".Arn>/*"}
		wantDeny := []statement{
			{Effect: "Deny", Principal: `{"AWS":"*"}`, Actions: []string{"s3:*"}, Resources: all, Condition: `{"Bool":{"aws:SecureTransport":"false"}}`},
			{Effect: "Deny", Principal: `{"AWS":"*"}`, Actions: []string{"s3:*"}, Resources: all, Condition: `{"NumericLessThan":{"s3:TlsVersion":1.2}}`},
		}
		if len(found) < 2 {
			t.Fatalf("bucket %s policy = %+v, want the TLS denials", id, found)
		}
		if diff := cmp.Diff(wantDeny, found[:2]); diff != "" {
			t.Errorf("bucket %s policy mismatch (-want +got):\n%s", id, diff)
		}
		for _, s := range found[2:] {
			if s.Effect == "Allow" && s.Principal != `{"Service":"logging.s3.amazonaws.com"}` {
				t.Errorf("bucket %s policy allows %s %v: only S3 log delivery may be allowed", id, s.Principal, s.Actions)
			}
		}
	}
}

func TestHubFunctions(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
	tests := []struct {
		pkg       string
		memory    float64
		ephemeral any
		reserved  any
		env       map[string]any
	}{
		{ListAccountsPackage, 512, nil, nil, map[string]any{
			"REPORT_BUCKET":    "sys-compliance-reports-prod",
			"ORG_ROLE_ARN":     "arn:aws:iam::444444444444:role/system-config-report-generator-list-org-role",
			"ORG_EXTERNAL_ID":  "config-report-prod",
			"EXCLUDE_OUS":      "ou-cd34-sandbox1",
			"EXCLUDE_ACCOUNTS": "555555555555",
			"TAG_KEYS":         "owner,team,cost-center",
		}},
		{ScanAccountPackage, 256, nil, 100.0, map[string]any{
			"REGIONS":          "eu-west-1,eu-central-1,eu-north-1,us-east-1",
			"READ_ROLE_NAME":   "system-config-report-generator-read-role",
			"READ_EXTERNAL_ID": "config-report-prod",
		}},
		{BuildReportPackage, 2048, map[string]any{"Size": 4096.0}, nil, map[string]any{
			"ENVIRONMENT":       "prod",
			"REGIONS":           "eu-west-1,eu-central-1,eu-north-1,us-east-1",
			"REPORT_SENDER":     "config-report@example.com",
			"REPORT_RECIPIENTS": "platform-team@example.com",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			p := f.tp.Resources[f.fnIDs[tt.pkg]].Properties
			got := map[string]any{
				"Runtime": p["Runtime"], "Architectures": p["Architectures"], "Handler": p["Handler"],
				"MemorySize": p["MemorySize"], "Timeout": p["Timeout"], "EphemeralStorage": p["EphemeralStorage"],
				"ReservedConcurrentExecutions": p["ReservedConcurrentExecutions"],
				"Environment":                  p["Environment"],
				"LoggingConfig":                p["LoggingConfig"],
			}
			want := map[string]any{
				"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap",
				"MemorySize": tt.memory, "Timeout": 900.0, "EphemeralStorage": tt.ephemeral,
				"ReservedConcurrentExecutions": tt.reserved,
				"Environment":                  map[string]any{"Variables": tt.env},
				"LoggingConfig": map[string]any{
					"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "WARN",
					"LogGroup": map[string]any{"Ref": f.logGroup[tt.pkg]},
				},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("function %s mismatch (-want +got):\n%s", tt.pkg, diff)
			}
			lg := f.tp.Resources[f.logGroup[tt.pkg]]
			if lg.Type != "AWS::Logs::LogGroup" || lg.Properties["RetentionInDays"] != 90.0 ||
				lg.Properties["LogGroupName"] != "/aws/lambda/config-report-prod-"+tt.pkg {
				t.Errorf("log group of %s = %+v, want /aws/lambda/config-report-prod-%s kept 90 days", tt.pkg, lg, tt.pkg)
			}
		})
	}
}

func TestHubFunctionRoles(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
	logs := func(pkg string) statement {
		return statement{Sid: "WriteLogs", Effect: "Allow", Actions: []string{"logs:CreateLogStream", "logs:PutLogEvents"}, Resources: []string{"<" + f.logGroup[pkg] + ".Arn>"}}
	}
	tests := []struct {
		roleName string
		fn       string
		want     []statement
	}{
		{"system-config-report-lister-role", ListAccountsPackage, []statement{
			logs(ListAccountsPackage),
			{Sid: "AssumeOrganizationRole", Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Resources: []string{"arn:aws:iam::444444444444:role/system-config-report-generator-list-org-role"},
				Condition: `{"StringEquals":{"aws:ResourceOrgID":"o-cd34ef56gh"}}`},
			{Sid: "WriteManifests", Effect: "Allow", Actions: []string{"s3:PutObject"}, Resources: []string{f.obj("runs/*/accounts.json"), f.obj("runs/*/organization.json"), f.obj("runs/*/reruns/*")}},
			// Manifests only: never a shard, map result or organization.json.
			{Sid: "ReadManifests", Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{f.obj("runs/*/accounts.json"), f.obj("runs/*/reruns/*")}},
			{Sid: "ListReportBucket", Effect: "Allow", Actions: []string{"s3:ListBucket"}, Resources: []string{"<" + f.bucket + ".Arn>"}},
		}},
		{"system-config-report-scanner-role", ScanAccountPackage, []statement{
			logs(ScanAccountPackage),
			// Any account's read role, but only in the organization.
			{Sid: "AssumeMemberReadRole", Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Resources: []string{"arn:aws:iam::*:role/system-config-report-generator-read-role"},
				Condition: `{"StringEquals":{"aws:ResourceOrgID":"o-cd34ef56gh"}}`},
			{Sid: "WriteShards", Effect: "Allow", Actions: []string{"s3:PutObject"}, Resources: []string{f.obj("runs/*/shards/*")}},
			{Sid: "CheckRunExists", Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{f.obj("runs/*/accounts.json")}},
		}},
		{"system-config-report-formatter-role", BuildReportPackage, []statement{
			logs(BuildReportPackage),
			{Sid: "ReadRunsAndReports", Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{f.obj("reports/*"), f.obj("runs/*")}},
			{Sid: "ListReportBucket", Effect: "Allow", Actions: []string{"s3:ListBucket"}, Resources: []string{"<" + f.bucket + ".Arn>"}},
			{Sid: "WriteReports", Effect: "Allow", Actions: []string{"s3:AbortMultipartUpload", "s3:PutObject"}, Resources: []string{f.obj("reports/*")}},
			{Sid: "DeleteStaleRerunInput", Effect: "Allow", Actions: []string{"s3:DeleteObject"}, Resources: []string{f.obj("reports/*/rerun-input.json")}},
			{Sid: "SendReport", Effect: "Allow", Actions: []string{"ses:SendEmail"}, Resources: []string{
				"arn:aws:ses:eu-west-1:333333333333:identity/config-report@example.com",
				"arn:aws:ses:eu-west-1:333333333333:identity/example.com",
			}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.roleName, func(t *testing.T) {
			id, role := f.tp.roleByName(t, tt.roleName)
			if got := flat(f.tp.Resources[f.fnIDs[tt.fn]].Properties["Role"]); got != "<"+id+".Arn>" {
				t.Errorf("function %s runs as %s, want role %s", tt.fn, got, tt.roleName)
			}
			wantTrust := []statement{{Effect: "Allow", Principal: `{"Service":"lambda.amazonaws.com"}`, Actions: []string{"sts:AssumeRole"}}}
			if diff := cmp.Diff(wantTrust, trust(role)); diff != "" {
				t.Errorf("trust policy mismatch (-want +got):\n%s", diff)
			}
			if mp := role.Properties["ManagedPolicyArns"]; mp != nil {
				t.Errorf("ManagedPolicyArns = %v, want none", mp)
			}
			if diff := cmp.Diff(sortStatements(tt.want), f.tp.rolePolicy(id)); diff != "" {
				t.Errorf("policy mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHubWithoutEmail(t *testing.T) {
	f := newHubFixture(t, "ptdev", nil)
	id, _ := f.tp.roleByName(t, FormatterRoleName)
	for _, s := range f.tp.rolePolicy(id) {
		for _, a := range s.Actions {
			if strings.HasPrefix(a, "ses:") {
				t.Errorf("formatter role allows %s with no recipients configured", a)
			}
		}
	}
	env := f.tp.Resources[f.fnIDs[BuildReportPackage]].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	for _, k := range []string{"REPORT_SENDER", "REPORT_RECIPIENTS"} {
		if v, ok := env[k]; ok {
			t.Errorf("BuildReport has %s = %v with no recipients configured", k, v)
		}
	}
}

func TestHubReservedConcurrency(t *testing.T) {
	tests := []struct {
		name                   string
		settings               map[string]any
		wantReserved, wantConc float64
	}{
		{"defaults to max concurrency", map[string]any{"maxConcurrency": 25.0, "scannerReservedConcurrency": nil}, 25, 25},
		{"explicit headroom", map[string]any{"maxConcurrency": 25.0, "scannerReservedConcurrency": 30.0}, 30, 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHubFixture(t, "prod", func(s map[string]any) {
				for k, v := range tt.settings {
					if v == nil {
						delete(s, k)
					} else {
						s[k] = v
					}
				}
			})
			reserved := f.tp.Resources[f.fnIDs[ScanAccountPackage]].Properties["ReservedConcurrentExecutions"]
			var def map[string]any
			if err := json.Unmarshal([]byte(f.tp.Resources[f.smID].Properties["DefinitionString"].(string)), &def); err != nil {
				t.Fatal(err)
			}
			conc := def["States"].(map[string]any)["ScanAccounts"].(map[string]any)["MaxConcurrency"]
			if reserved != tt.wantReserved || conc != tt.wantConc {
				t.Errorf("scanner reserved concurrency, Map MaxConcurrency = %v, %v, want %v, %v", reserved, conc, tt.wantReserved, tt.wantConc)
			}
			if r, c := reserved.(float64), conc.(float64); r < c {
				t.Errorf("scanner reserved concurrency %v < Map MaxConcurrency %v", r, c)
			}
		})
	}
}

func TestHubStateMachine(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
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
	deployed := map[string]string{}
	arnOf := map[string]string{}
	for name, ref := range gotSubs {
		id := strings.TrimSuffix(strings.TrimPrefix(ref, "<"), ".Arn>")
		fnName := f.tp.Resources[id].Properties["FunctionName"].(string)
		deployed[name] = "arn:aws:lambda:eu-west-1:333333333333:function:" + fnName
		arnOf[fnName] = deployed[name]
	}
	rendered, err := statemachine.Substitute(sm["DefinitionString"].(string), deployed)
	if err != nil {
		t.Fatalf("Substitute(deployed definition) error = %v", err)
	}
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

	// The Distributed Map reads the manifest and writes its results in the
	// bucket ListAccounts reports, which is the report bucket.
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

	// Logging, tracing, type and name.
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

	// Its role: the three functions, its own child executions, the bucket's
	// run prefixes, and what CDK adds for logging and tracing.
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

// alarm returns the hub's alarm named config-report-<env>-<suffix>.
func (f hubFixture) alarm(t *testing.T, suffix string) (string, resource) {
	t.Helper()
	return f.tp.byProp(t, "AWS::CloudWatch::Alarm", "AlarmName", "config-report-"+f.cfg.Name+"-"+suffix)
}

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

// singleMetricAlarm summarizes a one-metric alarm the same way.
func singleMetricAlarm(p map[string]any) string {
	dims := p["Dimensions"].([]any)[0].(map[string]any)
	return fmt.Sprintf("%s/%s %s=%s %s %v", p["Namespace"], p["MetricName"], dims["Name"], flat(dims["Value"]), p["Statistic"], p["Period"])
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
	_, alarm := f.alarm(t, "executions-failed")
	p := alarm.Properties
	topicID, topic := f.tp.one(t, "AWS::SNS::Topic")
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

	// Every alarm notifies the topic.
	wantNames := []string{
		"config-report-prod-accounts-unreachable", "config-report-prod-executions-failed",
		"config-report-prod-no-recent-success", "config-report-prod-schedule-dlq",
	}
	if diff := cmp.Diff(wantNames, alarmNames(f.tp)); diff != "" {
		t.Errorf("alarms mismatch (-want +got):\n%s", diff)
	}
	var alarmARNs []string
	for id, a := range f.tp.ofType("AWS::CloudWatch::Alarm") {
		if diff := cmp.Diff([]any{map[string]any{"Ref": topicID}}, a.Properties["AlarmActions"]); diff != "" {
			t.Errorf("%s AlarmActions mismatch (-want +got):\n%s", id, diff)
		}
		alarmARNs = append(alarmARNs, "arn:aws:cloudwatch:eu-west-1:333333333333:alarm:"+a.Properties["AlarmName"].(string))
	}
	sort.Strings(alarmARNs)

	// The topic is encrypted with a rotating key that CloudWatch may use
	// only for these alarms of this account.
	keyID := strings.TrimSuffix(strings.TrimPrefix(flat(topic.Properties["KmsMasterKeyId"]), "<"), ".Arn>")
	key := f.tp.Resources[keyID]
	if key.Type != "AWS::KMS::Key" || key.Properties["EnableKeyRotation"] != true {
		t.Fatalf("topic key = %+v, want a KMS key with rotation", key)
	}
	fromAlarms := func(s statement) statement {
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
	var cw []statement
	for _, s := range statements(key.Properties["KeyPolicy"]) {
		if s.Principal == `{"Service":"cloudwatch.amazonaws.com"}` {
			cw = append(cw, fromAlarms(s))
		}
	}
	wantKey := []statement{{Sid: "AllowCloudWatchAlarmsToPublish", Effect: "Allow", Principal: `{"Service":"cloudwatch.amazonaws.com"}`, Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"}, Resources: []string{"*"}}}
	if diff := cmp.Diff(wantKey, cw); diff != "" {
		t.Errorf("key policy for CloudWatch mismatch (-want +got):\n%s", diff)
	}

	// The topic refuses publishing without TLS and lets only these alarms publish.
	_, tpol := f.tp.one(t, "AWS::SNS::TopicPolicy")
	got := statements(tpol.Properties["PolicyDocument"])
	if len(got) != 2 {
		t.Fatalf("topic policy = %+v, want the TLS denial and the alarms' allow", got)
	}
	got[1] = fromAlarms(got[1])
	wantTopic := []statement{
		{Sid: "AllowPublishThroughSSLOnly", Effect: "Deny", Principal: "*", Actions: []string{"sns:Publish"}, Resources: []string{"<" + topicID + ">"}, Condition: `{"Bool":{"aws:SecureTransport":"false"}}`},
		{Sid: "AllowCloudWatchAlarmsToPublish", Effect: "Allow", Principal: `{"Service":"cloudwatch.amazonaws.com"}`, Actions: []string{"sns:Publish"}, Resources: []string{"<" + topicID + ">"}},
	}
	if diff := cmp.Diff(wantTopic, got); diff != "" {
		t.Errorf("topic policy mismatch (-want +got):\n%s", diff)
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

// TestHubTagKeys: tagKeys absent leaves the lister's default; present, even
// empty, is passed on (empty: no tags).
func TestHubTagKeys(t *testing.T) {
	tests := []struct {
		name    string
		tagKeys any // nil: not set
		want    any // nil: TAG_KEYS not set
	}{
		{"not set", nil, nil},
		{"empty", []any{}, ""},
		{"one", []any{"owner"}, "owner"},
		{"several", []any{"owner", "team", "cost-center"}, "owner,team,cost-center"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newHubFixture(t, "prod", func(s map[string]any) {
				delete(s, "tagKeys")
				if tt.tagKeys != nil {
					s["tagKeys"] = tt.tagKeys
				}
			})
			env := f.tp.Resources[f.fnIDs[ListAccountsPackage]].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
			got, set := env["TAG_KEYS"]
			if tt.want == nil && set || tt.want != nil && (!set || got != tt.want) {
				t.Errorf("TAG_KEYS = %q (set %v), want %v", got, set, tt.want)
			}
		})
	}
}

func TestHubTuningSettingsReachFunctions(t *testing.T) {
	f := newHubFixture(t, "ptdev", func(s map[string]any) {
		s["regionConcurrency"] = 8.0
		s["detailConcurrency"] = 2.0
		s["resolveResourceDetails"] = false
		s["readConcurrency"] = 32.0
		s["complianceGreenPct"] = 95.0
		s["complianceAmberPct"] = 80.0
		delete(s, "externalId")
	})
	env := func(pkg string) map[string]any {
		return f.tp.Resources[f.fnIDs[pkg]].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	}
	want := map[string]map[string]any{
		ListAccountsPackage: {
			"REPORT_BUCKET": "sys-compliance-reports-ptdev", "INCLUDE_OUS": "ou-ab12-pt000001",
			"ORG_ROLE_ARN": "arn:aws:iam::222222222222:role/system-config-report-generator-list-org-role",
		},
		ScanAccountPackage: {
			"REGIONS": "eu-west-1,eu-central-1", "READ_ROLE_NAME": "system-config-report-generator-read-role",
			"REGION_CONCURRENCY": "8", "DETAIL_CONCURRENCY": "2", "RESOLVE_RESOURCE_DETAILS": "false",
		},
		BuildReportPackage: {
			"ENVIRONMENT": "ptdev", "REGIONS": "eu-west-1,eu-central-1", "READ_CONCURRENCY": "32",
			"COMPLIANCE_GREEN_PCT": "95", "COMPLIANCE_AMBER_PCT": "80",
		},
	}
	for pkg, w := range want {
		if diff := cmp.Diff(w, env(pkg)); diff != "" {
			t.Errorf("%s environment mismatch (-want +got):\n%s", pkg, diff)
		}
	}
}
