package deploy

import (
	"strings"
	"testing"
)

// TestResourceNames: the names the hub stack gives its resources, which
// check --env looks them up by.
func TestResourceNames(t *testing.T) {
	envs, err := ReadCDKJSON("../../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("prod", envs["prod"])
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, got, want string }{
		{"StackName", c.StackName("hub"), "config-report-prod-hub"},
		{"ResourceName", c.ResourceName(), "config-report-prod"},
		{"FunctionName", c.FunctionName(FunctionScanAccount), "config-report-prod-scanaccount"},
		{"StateMachineARN", c.StateMachineARN(), "arn:aws:states:eu-west-1:333333333333:stateMachine:config-report-prod"},
		{"HubRoleARN", c.HubRoleARN("system-config-report-scanner-role"), "arn:aws:iam::333333333333:role/system-config-report-scanner-role"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if got := strings.Join(envs.Names(), ","); got != "prod,ptdev" {
		t.Errorf("Names() = %s, want prod,ptdev", got)
	}
}

func TestReadCDKJSONErrors(t *testing.T) {
	for path, want := range map[string]string{
		"testdata/no-such-file.json":    "read the CDK app's settings",
		"testdata/no-environments.json": "cdk.json has no context.environments object",
		"testdata/not-json.json":        "testdata/not-json.json",
	} {
		if _, err := ReadCDKJSON(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadCDKJSON(%s) error = %v, want %q", path, err, want)
		}
	}
}
