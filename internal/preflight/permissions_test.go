package preflight_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/preflight"
)

// s3Actions are the IAM actions of the S3 operations whose action is not
// named after them (Service Authorization Reference, "Actions defined by
// Amazon S3"; S3 API Reference, each operation's "Permissions").
var s3Actions = map[string]string{
	"HeadBucket":           "s3:ListBucket",
	"GetBucketEncryption":  "s3:GetEncryptionConfiguration",
	"GetBucketVersioning":  "s3:GetBucketVersioning",
	"GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
}

// sdkPrefixes are the IAM prefixes of the SDK service IDs whose operations
// are their own actions.
var sdkPrefixes = map[string]string{"SFN": "states", "Lambda": "lambda"}

// TestEveryCallIsInItsPermissions runs a whole preflight, hub included,
// over an organization with every kind of problem, and checks each call it
// made against the list of the identity that made it: the organization
// role's session only what access.OrgRole allows, the read roles' sessions
// only access.ReadRole (the simulator enforces both lists, as the stacks
// deploy them), and the caller only access.Preflight, the list the README
// tells users to grant. Lambda is not served here: its calls are recorded
// as they leave the SDK client.
func TestEveryCallIsInItsPermissions(t *testing.T) {
	e := newEnv(t, orgsim.Spec{Seed: 19, Accounts: 40, Regions: []string{"us-east-1", "eu-west-1", "af-south-1"}, UnreachableAccounts: 3,
		ConfigDisabledAccounts: 2, RecorderStoppedAccounts: 2, AccessDeniedAccounts: 2, DisabledRegionAccounts: 2, ServiceLinkedRecorderAccounts: 2})
	kumoCfg := e.withKumo(t)
	sm, err := sfn.NewFromConfig(kumoCfg).CreateStateMachine(t.Context(), &sfn.CreateStateMachineInput{Name: aws.String("config-report-permissions"),
		Definition: aws.String(definition), RoleArn: aws.String("arn:aws:iam::000000000000:role/config-report-state-machine"), Type: sfntypes.StateMachineTypeStandard})
	if err != nil {
		t.Fatal(err)
	}
	h := &e.checker.Settings.Hub
	h.StateMachineARN = aws.ToString(sm.StateMachineArn)
	h.Sender, h.Recipients = "config-report@example.com", []string{"secops@example.com"}
	h.ScannerFunction, h.ReservedConcurrency = "config-report-test-scanaccount", 40
	delete(h.Unavailable, preflight.CheckConcurrency)
	e.srv.SetSES(e.org.HubAccountID, hubRegion, orgsim.SESAccount{Identities: map[string]string{"example.com": "SUCCESS"}})
	e.srv.Calls().Reset()
	e.ops = &opsRecorder{}
	for _, cfg := range []*aws.Config{&e.checker.ListAWS, &e.checker.ScanAWS, &e.checker.HubAWS} {
		cfg.APIOptions = []func(*middleware.Stack) error{e.ops.record}
	}

	res := e.run(t)
	for _, name := range []string{"organization role", "accounts", "account tags", preflight.CheckBucket, preflight.CheckStateMachine, preflight.CheckEmail} {
		wantCheck(t, res, name, preflight.Passed)
	}
	if len(findings(res, preflight.Unreachable)) == 0 || len(findings(res, preflight.AccessDenied)) == 0 {
		t.Fatalf("the organization's problems were not met: %+v", res.Checks)
	}

	preflightActions := access.Preflight()
	called := map[string]bool{}
	allowed := func(action string, list []string, who string) {
		t.Helper()
		called[action] = true
		if !slices.Contains(list, action) {
			t.Errorf("check called %s, which %s does not allow", action, who)
		}
	}
	for _, op := range e.srv.Calls().Operations() {
		service, name, _ := strings.Cut(op, ":")
		switch service {
		case "organizations":
			allowed(op, access.OrgRole(), "the organization role (access.OrgRole)")
		case "config":
			allowed(op, access.ReadRole(true), "the read role (access.ReadRole)")
		case "sts":
			if name != "GetCallerIdentity" { // "No permissions are required" (STS API Reference)
				allowed(op, preflightActions, "the README's list for check (access.Preflight)")
			}
		case "s3":
			action, ok := s3Actions[name]
			if !ok {
				t.Errorf("check called s3:%s, whose IAM action the test does not know", name)
				continue
			}
			allowed(action, preflightActions, "the README's list for check (access.Preflight)")
		case "ses":
			allowed(op, preflightActions, "the README's list for check (access.Preflight)")
		default:
			t.Errorf("check called %s", op)
		}
	}
	for _, op := range e.ops.list() {
		service, name, _ := strings.Cut(op, ":")
		if prefix, ok := sdkPrefixes[service]; ok {
			allowed(prefix+":"+name, preflightActions, "the README's list for check (access.Preflight)")
		}
	}
	// Every action of the list is used; GetFunctionConcurrency comes after
	// GetAccountSettings, which nothing here answers.
	for _, a := range preflightActions {
		if !called[a] && a != access.LambdaGetFunctionConcurrency {
			t.Errorf("access.Preflight lists %s, which check never called", a)
		}
	}
	for _, a := range append(access.OrgRole(), access.ReadRole(true)...) {
		if !called[a] {
			t.Errorf("check never called %s: a deployment without it would pass the preflight", a)
		}
	}
}

// TestREADMEListsThePreflightPermissions: the README's "Before the first
// run" tells users what to grant the principal that runs check; it must be
// what check calls with it (access.Preflight).
func TestREADMEListsThePreflightPermissions(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "| you (") {
			row = l
		}
	}
	if row == "" {
		t.Fatal(`README has no row "| you (…" in "Before the first run"`)
	}
	var got []string
	for _, m := range regexp.MustCompile("`([a-z0-9]+:[A-Za-z]+)`").FindAllStringSubmatch(row, -1) {
		got = append(got, m[1])
	}
	slices.Sort(got)
	if want := access.Preflight(); !slices.Equal(got, want) {
		t.Errorf("README lists %q for check, access.Preflight is %q", got, want)
	}
}
