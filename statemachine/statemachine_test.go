package statemachine_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/scan"
	"github.com/config-report/config-report/statemachine"
)

// validParams returns parameters that render, with ARNs in the aws partition.

// deadlineError is the scanner's DeadlineError's errorType.
const deadlineError = scan.DeadlineErrorName

func validParams() statemachine.Params {
	return statemachine.Params{
		ListAccountsFunctionArn:    "arn:aws:lambda:eu-west-1:111122223333:function:list-accounts",
		ScanAccountFunctionArn:     "arn:aws:lambda:eu-west-1:111122223333:function:scan-account",
		BuildReportFunctionArn:     "arn:aws:lambda:eu-west-1:111122223333:function:build-report:live",
		MaxConcurrency:             40,
		ToleratedFailurePercentage: 5,
	}
}

// definition is the part of the rendered definition the tests read.
type definition struct {
	QueryLanguage string
	StartAt       string
	States        map[string]state
}

type state struct {
	Type           string
	Resource       string
	Label          string
	Parameters     map[string]any
	ResultSelector map[string]any
	ResultPath     json.RawMessage // empty when absent; "null" when explicitly null
	OutputPath     string
	Next           string
	End            bool
	Retry          []retrier
	Catch          []json.RawMessage

	ItemReader                 *resourceCall
	ItemSelector               map[string]any
	ItemProcessor              *processor
	MaxConcurrency             json.Number
	ToleratedFailurePercentage json.Number
	ResultWriter               *resourceCall
}

type resourceCall struct {
	Resource     string
	ReaderConfig map[string]any
	Parameters   map[string]any
}

type processor struct {
	ProcessorConfig map[string]string
	StartAt         string
	States          map[string]state
}

type retrier struct {
	ErrorEquals     []string
	IntervalSeconds int
	MaxAttempts     int
	BackoffRate     float64
	MaxDelaySeconds int
	JitterStrategy  string
}

func decode(t *testing.T, b []byte) definition {
	t.Helper()
	var d definition
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("decode rendered definition: %v", err)
	}
	return d
}

func TestTemplateIsJSONWithEveryPlaceholder(t *testing.T) {
	tmpl := statemachine.Template()
	if !json.Valid(tmpl) {
		t.Fatal("Template() is not valid JSON")
	}
	for _, name := range []string{
		statemachine.ListAccountsFunctionArn, statemachine.ScanAccountFunctionArn, statemachine.BuildReportFunctionArn,
		statemachine.MaxConcurrency, statemachine.ToleratedFailurePercentage,
	} {
		if !strings.Contains(string(tmpl), "${"+name+"}") {
			t.Errorf("Template() has no ${%s}", name)
		}
	}
}

func TestRender(t *testing.T) {
	p := validParams()
	out, err := statemachine.Render(p)
	if err != nil {
		t.Fatalf("Render() error = %v", err)
	}
	if strings.Contains(string(out), "${") {
		t.Errorf("Render() left a placeholder in %s", out)
	}
	d := decode(t, out)

	if d.QueryLanguage != "JSONPath" || d.StartAt != "ListAccounts" {
		t.Errorf("QueryLanguage, StartAt = %q, %q, want JSONPath, ListAccounts", d.QueryLanguage, d.StartAt)
	}

	list := d.States["ListAccounts"]
	if got, want := list.Parameters["FunctionName"], p.ListAccountsFunctionArn; got != want {
		t.Errorf("ListAccounts FunctionName = %v, want %v", got, want)
	}
	wantPayload := map[string]any{"input.$": "$", "executionName.$": "$$.Execution.Name", "startTime.$": "$$.Execution.StartTime"}
	if diff := cmp.Diff(wantPayload, list.Parameters["Payload"]); diff != "" {
		t.Errorf("ListAccounts Payload mismatch (-want +got):\n%s", diff)
	}
	if string(list.ResultPath) != `"$.list"` || list.Next != "ScanAccounts" {
		t.Errorf("ListAccounts ResultPath, Next = %s, %q, want \"$.list\", ScanAccounts", deref(list.ResultPath), list.Next)
	}

	scan := d.States["ScanAccounts"]
	if scan.Type != "Map" || scan.Label == "" || scan.Next != "BuildReport" {
		t.Errorf("ScanAccounts Type, Label, Next = %q, %q, %q, want Map, a label, BuildReport", scan.Type, scan.Label, scan.Next)
	}
	if scan.MaxConcurrency != "40" || scan.ToleratedFailurePercentage != "5" {
		t.Errorf("MaxConcurrency, ToleratedFailurePercentage = %s, %s, want 40, 5 (numbers)", scan.MaxConcurrency, scan.ToleratedFailurePercentage)
	}
	if string(scan.ResultPath) != "null" {
		t.Errorf("ScanAccounts ResultPath = %s, want null (the state keeps $.list)", deref(scan.ResultPath))
	}
	wantReader := &resourceCall{
		Resource:     "arn:aws:states:::s3:getObject",
		ReaderConfig: map[string]any{"InputType": "JSON"},
		Parameters:   map[string]any{"Bucket.$": "$.list.bucket", "Key.$": "$.list.manifestKey"},
	}
	if diff := cmp.Diff(wantReader, scan.ItemReader); diff != "" {
		t.Errorf("ItemReader mismatch (-want +got):\n%s", diff)
	}
	wantSelector := map[string]any{"runId.$": "$.list.runId", "bucket.$": "$.list.bucket", "account.$": "$$.Map.Item.Value"}
	if diff := cmp.Diff(wantSelector, scan.ItemSelector); diff != "" {
		t.Errorf("ItemSelector mismatch (-want +got):\n%s", diff)
	}
	wantWriter := &resourceCall{
		Resource:   "arn:aws:states:::s3:putObject",
		Parameters: map[string]any{"Bucket.$": "$.list.bucket", "Prefix.$": "$.list.resultPrefix"},
	}
	if diff := cmp.Diff(wantWriter, scan.ResultWriter); diff != "" {
		t.Errorf("ResultWriter mismatch (-want +got):\n%s", diff)
	}
	if scan.ItemProcessor == nil {
		t.Fatal("ScanAccounts has no ItemProcessor")
	}
	if diff := cmp.Diff(map[string]string{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, scan.ItemProcessor.ProcessorConfig); diff != "" {
		t.Errorf("ProcessorConfig mismatch (-want +got):\n%s", diff)
	}
	child := scan.ItemProcessor.States[scan.ItemProcessor.StartAt]
	if got, want := child.Parameters["FunctionName"], p.ScanAccountFunctionArn; got != want {
		t.Errorf("ScanAccount FunctionName = %v, want %v", got, want)
	}
	if got := child.Parameters["Payload.$"]; got != "$" {
		t.Errorf("ScanAccount Payload.$ = %v, want $ (the ItemSelector's {runId, bucket, account})", got)
	}
	if !retriesOn(child.Retry, awserr.TransientErrorName) || !retriesOn(child.Retry, "Lambda.TooManyRequestsException") {
		t.Errorf("ScanAccount Retry = %+v, want TransientError and Lambda throttling retried", child.Retry)
	}

	build := d.States["BuildReport"]
	if got, want := build.Parameters["FunctionName"], p.BuildReportFunctionArn; got != want {
		t.Errorf("BuildReport FunctionName = %v, want %v", got, want)
	}
	if diff := cmp.Diff(map[string]any{"runId.$": "$.list.runId", "bucket.$": "$.list.bucket"}, build.Parameters["Payload"]); diff != "" {
		t.Errorf("BuildReport Payload mismatch (-want +got):\n%s", diff)
	}
	if !build.End {
		t.Error("BuildReport is not the end state")
	}

	for name, s := range allStates(d) {
		if len(s.Catch) > 0 {
			t.Errorf("state %s has a Catch; failures must stay visible so the execution can be redriven", name)
		}
		if s.Type != "Task" {
			continue
		}
		if !retriesOn(s.Retry, "Lambda.ServiceException") || !retriesOn(s.Retry, "Lambda.SdkClientException") {
			t.Errorf("task %s does not retry Lambda service errors: %+v", name, s.Retry)
		}
		// Every handler returns *awserr.TransientError for throttling or 5xx
		// past the SDK's retries.
		if !retriesOn(s.Retry, awserr.TransientErrorName) {
			t.Errorf("task %s does not retry its function's TransientError: %+v", name, s.Retry)
		}
		for _, r := range s.Retry {
			if slices.Equal(r.ErrorEquals, []string{deadlineError}) {
				// The scanner's DeadlineError: one retry, a bounded budget
				// for an account too large for one invocation.
				if r.MaxAttempts != 1 {
					t.Errorf("task %s retries DeadlineError %d times, want once", name, r.MaxAttempts)
				}
				continue
			}
			if r.JitterStrategy != "FULL" || r.MaxDelaySeconds == 0 || r.BackoffRate <= 1 || r.MaxAttempts < 2 {
				t.Errorf("task %s retrier %v: want exponential backoff with full jitter and a delay cap, got %+v", name, r.ErrorEquals, r)
			}
		}
	}
}

func TestRenderUsesOnlyJSONPath(t *testing.T) {
	out, err := statemachine.Render(validParams())
	if err != nil {
		t.Fatalf("Render() error = %v", err)
	}
	var doc any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				if s, ok := child.(string); ok && strings.HasSuffix(k, ".$") && !strings.HasPrefix(s, "$") {
					t.Errorf("%s/%s = %q: not a JSONPath (intrinsic functions are not allowed)", path, k, s)
				}
				walk(path+"/"+k, child)
			}
		case []any:
			for _, child := range v {
				walk(path, child)
			}
		case string:
			if strings.Contains(v, "{%") {
				t.Errorf("%s = %q: JSONata is not allowed", path, v)
			}
		}
	}
	walk("", doc)
}

func TestRenderRejectsInvalidParams(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*statemachine.Params)
		want   []string // substrings of the error
	}{
		{"missing list function", func(p *statemachine.Params) { p.ListAccountsFunctionArn = "" }, []string{"ListAccountsFunctionArn is empty"}},
		{"scan function not an ARN", func(p *statemachine.Params) { p.ScanAccountFunctionArn = "scan-account" }, []string{"ScanAccountFunctionArn", `"scan-account"`}},
		{"build function is a role ARN", func(p *statemachine.Params) {
			p.BuildReportFunctionArn = "arn:aws:iam::111122223333:role/x"
		}, []string{"BuildReportFunctionArn"}},
		{"zero concurrency", func(p *statemachine.Params) { p.MaxConcurrency = 0 }, []string{"MaxConcurrency = 0", "1 to 10000"}},
		{"too much concurrency", func(p *statemachine.Params) { p.MaxConcurrency = 10001 }, []string{"MaxConcurrency = 10001"}},
		{"negative tolerance", func(p *statemachine.Params) { p.ToleratedFailurePercentage = -1 }, []string{"ToleratedFailurePercentage = -1", "0 to 100"}},
		{"tolerance over 100", func(p *statemachine.Params) { p.ToleratedFailurePercentage = 101 }, []string{"ToleratedFailurePercentage = 101"}},
		{"several at once", func(p *statemachine.Params) {
			p.MaxConcurrency = -3
			p.BuildReportFunctionArn = ""
		}, []string{"MaxConcurrency = -3", "BuildReportFunctionArn is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validParams()
			tt.modify(&p)
			out, err := statemachine.Render(p)
			if err == nil {
				t.Fatalf("Render(%+v) = %s, want an error", p, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Render(%+v) error = %q, want it to contain %q", p, err, w)
				}
			}
		})
	}
}

func TestRenderEdgeSettings(t *testing.T) {
	tests := []struct {
		name           string
		concurrency    int
		tolerated      int
		wantConc, want string
	}{
		{"no tolerance", 1, 0, "1", "0"},
		{"everything tolerated", statemachine.MaxConcurrencyLimit, 100, "10000", "100"},
		{"typical", 250, 10, "250", "10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validParams()
			p.MaxConcurrency, p.ToleratedFailurePercentage = tt.concurrency, tt.tolerated
			out, err := statemachine.Render(p)
			if err != nil {
				t.Fatalf("Render() error = %v", err)
			}
			scan := decode(t, out).States["ScanAccounts"]
			if scan.MaxConcurrency.String() != tt.wantConc || scan.ToleratedFailurePercentage.String() != tt.want {
				t.Errorf("Render() MaxConcurrency, ToleratedFailurePercentage = %s, %s, want %s, %s",
					scan.MaxConcurrency, scan.ToleratedFailurePercentage, tt.wantConc, tt.want)
			}
		})
	}
}

func TestForCloudFormationMatchesRender(t *testing.T) {
	p := validParams()
	cf, err := statemachine.ForCloudFormation(p)
	if err != nil {
		t.Fatalf("ForCloudFormation() error = %v", err)
	}
	if !json.Valid([]byte(cf.DefinitionString)) {
		t.Error("ForCloudFormation().DefinitionString is not valid JSON")
	}
	wantSubs := map[string]string{
		statemachine.ListAccountsFunctionArn: p.ListAccountsFunctionArn,
		statemachine.ScanAccountFunctionArn:  p.ScanAccountFunctionArn,
		statemachine.BuildReportFunctionArn:  p.BuildReportFunctionArn,
	}
	if diff := cmp.Diff(wantSubs, cf.Substitutions); diff != "" {
		t.Errorf("Substitutions mismatch (-want +got):\n%s", diff)
	}
	got, err := statemachine.Substitute(cf.DefinitionString, cf.Substitutions)
	if err != nil {
		t.Fatalf("Substitute() error = %v", err)
	}
	want, err := statemachine.Render(p)
	if err != nil {
		t.Fatalf("Render() error = %v", err)
	}
	if string(got) != string(want) {
		t.Errorf("Substitute(ForCloudFormation()) differs from Render():\n%s", cmp.Diff(string(want), string(got)))
	}
}

func TestForCloudFormationAcceptsTokens(t *testing.T) {
	// In a CDK app a function ARN is an unresolved token until synthesis.
	p := validParams()
	p.ListAccountsFunctionArn = "${Token[TOKEN.101]}"
	cf, err := statemachine.ForCloudFormation(p)
	if err != nil {
		t.Fatalf("ForCloudFormation() error = %v", err)
	}
	if got := cf.Substitutions[statemachine.ListAccountsFunctionArn]; got != p.ListAccountsFunctionArn {
		t.Errorf("Substitutions[ListAccountsFunctionArn] = %q, want %q", got, p.ListAccountsFunctionArn)
	}
	p.MaxConcurrency = 0
	if _, err := statemachine.ForCloudFormation(p); err == nil || !strings.Contains(err.Error(), "MaxConcurrency") {
		t.Errorf("ForCloudFormation(MaxConcurrency 0) error = %v, want one naming MaxConcurrency", err)
	}
}

func TestSubstitute(t *testing.T) {
	tests := []struct {
		name    string
		def     string
		values  map[string]string
		want    string
		wantErr string
	}{
		{"replaces every occurrence", `{"a":"${A}","b":"x-${A}-${B}"}`, map[string]string{"A": "1", "B": "2"}, `{"a":"1","b":"x-1-2"}`, ""},
		{"escapes for JSON", `{"a":"${A}"}`, map[string]string{"A": `q"\`}, `{"a":"q\"\\"}`, ""},
		{"a value is not substituted again", `{"a":"${A}"}`, map[string]string{"A": "${B}", "B": "no"}, "", "no placeholder ${B}"},
		{"missing value", `{"a":"${A}","b":"${B}"}`, map[string]string{"A": "1"}, "", "left without a value: ${B}"},
		{"unused value", `{"a":"${A}"}`, map[string]string{"A": "1", "C": "3"}, "", "no placeholder ${C}"},
		{"invalid JSON", `{"a":${A}}`, map[string]string{"A": "x"}, "", "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := statemachine.Substitute(tt.def, tt.values)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Substitute(%s) = %s, %v, want error containing %q", tt.def, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("Substitute(%s) = %s, %v, want %s", tt.def, got, err, tt.want)
			}
		})
	}
}

func retriesOn(rs []retrier, name string) bool {
	for _, r := range rs {
		for _, e := range r.ErrorEquals {
			if e == name {
				return true
			}
		}
	}
	return false
}

// allStates returns the top-level states and those of every item processor.
func allStates(d definition) map[string]state {
	all := make(map[string]state)
	var add func(prefix string, states map[string]state)
	add = func(prefix string, states map[string]state) {
		for name, s := range states {
			all[prefix+name] = s
			if s.ItemProcessor != nil {
				add(prefix+name+"/", s.ItemProcessor.States)
			}
		}
	}
	add("", d.States)
	return all
}

func deref(r json.RawMessage) string {
	if len(r) == 0 {
		return "<absent>"
	}
	return string(r)
}
