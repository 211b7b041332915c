package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/sivchari/kumo"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/preflight"
	"github.com/config-report/config-report/internal/run/runtest"
)

func TestCheckUsage(t *testing.T) {
	arn := "arn:aws:iam::111122223333:role/system-config-report-generator-list-org-role"
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"bad format", []string{"check", "--demo", "--format", "yaml"}, "--format must be text or json"},
		{"negative sample", []string{"check", "--demo", "--sample", "-1"}, "--sample must not be negative"},
		{"env and demo", []string{"check", "--demo", "--env", "prod"}, "give --env or --demo, not both"},
		{"demo with an organization flag", []string{"check", "--demo", "--org-role-arn", arn}, "--org-role-arn: with --env or --demo the settings come from the simulated organization"},
		{"env with regions", []string{"check", "--env", "prod", "--regions", "eu-west-1"}, "--regions: with --env the regions come from cdk.json"},
		{"no organization role", []string{"check", "--regions", "eu-west-1"}, "--org-role-arn is required"},
		{"bad region", []string{"check", "--org-role-arn", arn, "--regions", "eu-west-9x"}, "--regions"},
		{"bad account", []string{"check", "--demo", "--account", "1234"}, "is not a 12-digit account ID"},
		{"account and sample", []string{"check", "--demo", "--account", "111122223333", "--sample", "3"}, "give --account or --sample, not both"},
		{"recipients without a sender", []string{"check", "--org-role-arn", arn, "--regions", "eu-west-1", "--report-recipients", "a@example.com"}, "--report-recipients needs --report-sender"},
		{"bad bucket", []string{"check", "--org-role-arn", arn, "--regions", "eu-west-1", "--bucket", "Reports"}, "--bucket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantFailure(t, runBinary(t, nil, tt.args...), 2, tt.wantErr, "--help")
		})
	}
	r := runBinary(t, nil, "check", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "--env string") || !strings.Contains(r.stdout, "--sample int") {
		t.Errorf("check --help = status %d, stdout %q", r.code, r.stdout)
	}
}

// TestCheckDemo checks the demo's simulated organization, which has every
// kind of problem: the table shows each, exit status 1, and --format json
// carries the same result for pipelines.
func TestCheckDemo(t *testing.T) {
	args := []string{"check", "--demo", "--demo-accounts", "60", "--regions", "us-east-1,eu-west-1,ap-southeast-2"}
	r := runBinary(t, nil, args...)
	wantFailure(t, r, 1, "checks failed")
	out := flat(r.stdout)
	for _, want := range []string{
		"✓ organization role", "✗ read role", "cannot be assumed in", "config-report-demo-member-role-stackset",
		"✗ AWS Config", "ap-southeast-2 has Config off in every account checked that can use it",
		"– SCP", "the organization's choice", "✓ report bucket", "config-report-demo: encrypted (SSE-S3), versioned, public access blocked",
		"– state machine", "no Step Functions", "– Lambda concurrency", "– e-mail (SES)",
		"Unreachable accounts by OU", "Findings (",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("check --demo's table lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "checking ") {
		t.Errorf("no progress on stderr:\n%s", r.stderr)
	}

	r = runBinary(t, nil, append(args, "--format", "json")...)
	wantFailure(t, r, 1, "checks failed")
	var res preflight.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("--format json printed %q: %v", r.stdout, err)
	}
	if res.OK() || res.Totals.Checked == 0 || len(res.Findings) == 0 || len(res.UnreachableByOU) == 0 {
		t.Errorf("--format json result = %+v, want the failing checks, findings and roll-up", res)
	}
}

// TestCheckWorkstation checks a simulated organization from a workstation,
// with the run command's flags and the engineer's own keys: it passes when
// nothing is wrong, and names the flags to fix when something is.
func TestCheckWorkstation(t *testing.T) {
	quiet := orgsim.Spec{Seed: 23, Accounts: 20, Regions: []string{"us-east-1", "eu-west-1"},
		InactiveAccounts: -1, UnreachableAccounts: -1, ConfigDisabledAccounts: -1, RecorderStoppedAccounts: -1,
		AccessDeniedAccounts: -1, DisabledRegionAccounts: -1, SCPDeniedRegion: "none"}
	const bucket = "sys-compliance-reports-ws"
	newHub := func(t *testing.T, ws *workstation) {
		t.Helper()
		c := runtest.NewBucket(t, ws.srv.AWSConfig(ws.org.HubRoleARN(orgsim.DefaultFormatterRole), "us-east-1"), bucket)
		if _, err := c.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("healthy", func(t *testing.T) {
		ws := newWorkstation(t, quiet)
		newHub(t, ws)
		r := runBinary(t, ws.env, "check", "--profile", "test", "--org-role-arn", ws.orgARN, "--regions", "us-east-1,eu-west-1", "--bucket", bucket)
		if r.code != 0 {
			t.Fatalf("check: status %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"as arn:aws:iam::" + ws.org.HubAccountID + ":user/" + engineer, "✓ read role", "assumed in all", "✓ report bucket",
			"– state machine", "no state machine given", "✓ a run would succeed (not run: state machine, Lambda concurrency, e-mail (SES))"} {
			if !strings.Contains(flat(r.stdout), want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
	})
	t.Run("problems", func(t *testing.T) {
		spec := quiet
		spec.UnreachableAccounts, spec.RecorderStoppedAccounts = 3, 1
		ws := newWorkstation(t, spec)
		r := runBinary(t, ws.env, "check", "--profile", "test", "--org-role-arn", ws.orgARN, "--regions", "us-east-1,eu-west-1",
			"--report-sender", "config-report@example.com", "--report-recipients", "secops@example.com", "--sample", "10")
		wantFailure(t, r, 1, "checks failed")
		for _, want := range []string{"✗ read role", "(--read-role-name)", "does not trust arn:aws:iam::" + ws.org.HubAccountID + ":user/" + engineer,
			"wants an ExternalId (--external-id sets none)", "the member-role StackSet", "10 accounts checked (of 20 selected)", "✗ e-mail (SES)", "in the sandbox", "--report-sender and --report-recipients",
			"– report bucket", "no report bucket given"} {
			if !strings.Contains(flat(r.stdout), want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
	})
}

// flat is s with every run of white space one space: what a wrapped line
// says, whatever its wrapping.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestCheckEnvironment checks an environment of a cdk.json that describes
// a simulated organization: the settings, the hub's resource names and the
// advice's words come from it. The StackSet of the environment targets an
// OU the read role is missing from nowhere, while a whole other OU lacks it.
func TestCheckEnvironment(t *testing.T) {
	spec := orgsim.Spec{Seed: 29, Accounts: 40, Regions: []string{"us-east-1", "eu-west-1"},
		InactiveAccounts: -1, UnreachableAccounts: -1, ConfigDisabledAccounts: -1, RecorderStoppedAccounts: -1,
		AccessDeniedAccounts: -1, DisabledRegionAccounts: -1, SCPDeniedRegion: "none"}
	ws := newWorkstation(t, spec)
	o := ws.org
	// The OU with the most accounts loses the read role everywhere; the
	// StackSet targets another top-level OU.
	count := map[string]int{}
	for _, id := range o.ActiveAccounts() {
		if a := o.Account(id); a.ParentID != o.RootID && id != o.HubAccountID && id != o.ManagementAccountID {
			count[a.ParentID]++
		}
	}
	missing := ""
	for ou, n := range count {
		if n > count[missing] || n == count[missing] && ou < missing {
			missing = ou
		}
	}
	target := ""
	for _, ou := range o.OUs {
		if ou.ParentID == o.RootID && !strings.HasPrefix(o.OU(missing).ParentID, ou.ID) && ou.ID != missing && o.OU(missing).ParentID != ou.ID {
			target = ou.ID
			break
		}
	}
	for _, id := range o.ActiveAccounts() {
		if o.Account(id).ParentID == missing {
			if err := o.UpdateAccount(id, func(a *orgsim.Account) { a.Roles = nil }); err != nil {
				t.Fatal(err)
			}
		}
	}
	const bucket = "sys-compliance-reports-test"
	c := runtest.NewBucket(t, ws.srv.AWSConfig(o.HubRoleARN(orgsim.DefaultFormatterRole), "us-east-1"), bucket)
	if _, err := c.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	cdkJSON := filepath.Join(t.TempDir(), "cdk.json")
	doc := map[string]any{"app": "go run ./infra", "context": map[string]any{"environments": map[string]any{"test": map[string]any{
		"hubAccount": o.HubAccountID, "hubRegion": "us-east-1", "managementAccount": o.ManagementAccountID, "organizationId": o.OrgID,
		"regions": []string{"us-east-1", "eu-west-1"}, "schedule": map[string]any{"timeZone": "UTC"},
		"memberRole": map[string]any{"targetOus": []string{target}},
	}}}}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cdkJSON, b, 0o600); err != nil {
		t.Fatal(err)
	}
	k := kumo.NewServer()
	t.Cleanup(k.Close)

	r := runBinary(t, append(ws.env, "AWS_ENDPOINT_URL_SFN="+k.URL), "check", "--env", "test", "--cdk-json", cdkJSON, "--profile", "test")
	wantFailure(t, r, 1, "checks failed")
	out := flat(r.stdout)
	for _, want := range []string{
		"environment test of " + cdkJSON + " (organization " + o.OrgID + ", hub " + o.HubAccountID + " in us-east-1)",
		"✓ organization role", "✗ read role", "no account of " + missing, "add " + missing + " to memberRole.targetOus and deploy config-report-test-member-role-stackset",
		"✓ report bucket sys-compliance-reports-test: encrypted (SSE-S3), versioned, public access blocked",
		"✗ state machine arn:aws:states:us-east-1:" + o.HubAccountID + ":stateMachine:config-report-test does not exist", "deploy config-report-test-hub",
		// Nothing local serves Lambda: the call is made, and fails here.
		"✗ Lambda concurrency lambda:GetAccountSettings",
		"– e-mail (SES) not checked · e-mail is not configured (reportRecipients)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}

	wantFailure(t, runBinary(t, ws.env, "check", "--env", "staging", "--cdk-json", cdkJSON), 2, `--env "staging" is not an environment of`, "valid environments: test")
	wantFailure(t, runBinary(t, ws.env, "check", "--env", "test", "--cdk-json", filepath.Join(t.TempDir(), "cdk.json")), 2, "--cdk-json: read the CDK app's settings")
}

// TestREADMECheckExample: the README's example of check's output is what
// check --demo prints, but for the time it took.
func TestREADMECheckExample(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "The output of `config-report check --demo`")
	_, block, ok2 := strings.Cut(rest, "```\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README has no example of check --demo's output")
	}
	r := runBinary(t, nil, "check", "--demo")
	wantFailure(t, r, 1, "checks failed")
	took := regexp.MustCompile(`, in [0-9.]+m?s\n`)
	if got, want := took.ReplaceAllString(r.stdout, ", in …\n"), took.ReplaceAllString(block, ", in …\n"); got != want {
		t.Errorf("check --demo prints\n%s\nthe README shows\n%s", got, want)
	}
}
