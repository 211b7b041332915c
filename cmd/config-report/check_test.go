package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

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
