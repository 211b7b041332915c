package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/scan"
	"github.com/config-report/config-report/internal/setting"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestHubFunctions(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
	assertTemplate(t, func() { f.template.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(3)) })
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
			{Sid: "WriteReports", Effect: "Allow", Actions: []string{"s3:PutObject"}, Resources: []string{f.obj("reports/*")}},
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
		s["configRate"] = 0.5
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
			"REGION_CONCURRENCY": "8", "DETAIL_CONCURRENCY": "2", "RESOLVE_RESOURCE_DETAILS": "false", "CONFIG_RATE": "0.5",
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

// TestFunctionsAcceptTheirEnvironment is the contract between the stack and
// the functions: each function's environment, as synthesized, is read by the
// function's own LoadConfig into exactly the configuration the stack meant
// (Config.Functions), and names no variable the function does not read. A
// variable renamed or dropped on either side fails here.
func TestFunctionsAcceptTheirEnvironment(t *testing.T) {
	tuned := func(s map[string]any) {
		s["regionConcurrency"], s["detailConcurrency"], s["readConcurrency"] = 8.0, 2.0, 32.0
		s["resolveResourceDetails"], s["complianceGreenPct"], s["complianceAmberPct"] = false, 95.0, 80.0
		s["configRate"] = 0.0
		s["tagKeys"] = []any{}
		s["readRoleName"] = "audit/config-reader"
	}
	for _, tt := range []struct {
		name, env string
		modify    func(map[string]any)
	}{{"ptdev", "ptdev", nil}, {"prod", "prod", nil}, {"prod, every setting changed", "prod", tuned}} {
		t.Run(tt.name, func(t *testing.T) {
			f := newHubFixture(t, tt.env, tt.modify)
			variables := func(pkg string) map[string]string {
				raw := f.tp.Resources[f.fnIDs[pkg]].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
				env := make(map[string]string, len(raw))
				for k, v := range raw {
					env[k] = flat(v)
				}
				return env
			}
			list, sc, build := f.cfg.Functions()
			sc.HubRegion = f.cfg.HubRegion
			readsAsMeant(t, ListAccountsPackage, variables(ListAccountsPackage), list, org.LoadConfig)
			scanEnv := variables(ScanAccountPackage)
			scanEnv[scan.EnvHubRegion] = f.cfg.HubRegion // the Lambda runtime's
			readsAsMeant(t, ScanAccountPackage, scanEnv, sc, scan.LoadConfig)
			readsAsMeant(t, BuildReportPackage, variables(BuildReportPackage), build, report.LoadConfig)
		})
	}
}

// readsAsMeant checks that the function pkg reads env, with load (its
// LoadConfig), into meant, and that env sets only variables it reads.
func readsAsMeant[T any](t *testing.T, pkg string, env map[string]string, meant T, load func(func(string) (string, bool)) (T, error)) {
	t.Helper()
	names := setting.Names[T]()
	for k := range env {
		if !slices.Contains(names, k) {
			t.Errorf("%s's environment sets %s, which the function does not read (it reads %v)", pkg, k, names)
		}
	}
	got, err := load(setting.Lookup(env))
	if err != nil {
		t.Fatalf("%s refuses its environment %v: %v", pkg, env, err)
	}
	if diff := cmp.Diff(meant, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s reads (-meant +read):\n%s", pkg, diff)
	}
}

// TestSynthRefusesWhatAFunctionWould: a setting the stack's own checks let
// through but a function would refuse at cold start fails the synth, naming
// the function and the variable.
func TestSynthRefusesWhatAFunctionWould(t *testing.T) {
	cfg := mustSynthApp(t, "ptdev", nil).Hub.Config
	cfg.ReadConcurrency = 0
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate() of ptdev = %v, want nil", err)
	}
	list, _, _ := cfg.Functions()
	list.TagKeys = []string{"owner", "owner"}
	if _, err := org.LoadConfig(setting.Lookup(list.Env())); err == nil {
		t.Fatal("ListAccounts accepts a tag key listed twice; the check below needs a value it refuses")
	}
	tags := []string{"owner", "owner"}
	cfg.TagKeys = &tags
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "tagKeys") {
		t.Errorf("Validate() with a tag key twice = %v, want an error naming tagKeys", err)
	}
}
