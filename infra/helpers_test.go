package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// cdkContext returns a fresh copy of cdk.json's context.
func cdkContext(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatalf("read cdk.json: %v", err)
	}
	var doc struct {
		App     string         `json:"app"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("parse cdk.json: %v", err)
	}
	return doc.Context
}

// environmentNames returns the environments cdk.json defines.
func environmentNames(t *testing.T) []string {
	t.Helper()
	envs, _ := cdkContext(t)[EnvironmentsContextKey].(map[string]any)
	names := make([]string, 0, len(envs))
	for n := range envs {
		names = append(names, n)
	}
	if len(names) == 0 {
		t.Fatal("cdk.json defines no environments")
	}
	return names
}

// synthApp builds the app for env from cdk.json's context, with modify
// applied to that environment's settings, without bundling the functions.
func synthApp(t *testing.T, env string, modify func(settings map[string]any)) (*Stacks, error) {
	t.Helper()
	ctx := cdkContext(t)
	if modify != nil {
		settings, _ := ctx[EnvironmentsContextKey].(map[string]any)[env].(map[string]any)
		modify(settings)
	}
	ctx[EnvContextKey] = env
	ctx["aws:cdk:bundling-stacks"] = []any{}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
	return build(app, ".")
}

// mustSynthApp is synthApp failing the test on error.
func mustSynthApp(t *testing.T, env string, modify func(settings map[string]any)) *Stacks {
	t.Helper()
	s, err := synthApp(t, env, modify)
	if err != nil {
		t.Fatalf("build(%s) error = %v", env, err)
	}
	return s
}

// hubFixture is an environment's hub template and the logical IDs the
// assertions refer to.
type hubFixture struct {
	cfg      Config
	template assertions.Template
	tp       tmpl   // template, decoded
	bucket   string // logical ID of the report bucket
	fnIDs    map[string]string
	logGroup map[string]string // function package -> logical ID of its log group
	smID     string
}

func newHubFixture(t *testing.T, env string, modify func(map[string]any)) hubFixture {
	t.Helper()
	s := mustSynthApp(t, env, modify)
	template := assertions.Template_FromStack(s.Hub.Stack, nil)
	f := hubFixture{cfg: s.Hub.Config, template: template, tp: decodeTemplate(t, template.ToJSON()), fnIDs: map[string]string{}, logGroup: map[string]string{}}
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

// alarm returns the hub's alarm named config-report-<env>-<suffix>.
func (f hubFixture) alarm(t *testing.T, suffix string) (string, resource) {
	t.Helper()
	return f.tp.byProp(t, "AWS::CloudWatch::Alarm", "AlarmName", "config-report-"+f.cfg.Name+"-"+suffix)
}

// singleMetricAlarm summarizes a one-metric alarm as
// "namespace/name dim=value statistic period".
func singleMetricAlarm(p map[string]any) string {
	dims := p["Dimensions"].([]any)[0].(map[string]any)
	return fmt.Sprintf("%s/%s %s=%s %s %v", p["Namespace"], p["MetricName"], dims["Name"], flat(dims["Value"]), p["Statistic"], p["Period"])
}

// assertTemplate runs check, a call of an assertions.Template method, which
// panics on a mismatch, and reports the mismatch as a test error.
func assertTemplate(t *testing.T, check func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", r)
		}
	}()
	check()
}
