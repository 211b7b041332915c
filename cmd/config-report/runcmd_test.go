package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// engineer is the workstation user the run tests act as: an IAM user of the
// hub account, whose keys go into a shared credentials file.
const engineer = "platform-engineer"

// workstation is a simulated organization whose organization role and read
// roles also trust an engineer's IAM user, and the environment that points
// the binary at the simulator through the SDK's standard endpoint variable
// with the engineer's keys in profile "test".
type workstation struct {
	org    *orgsim.Org
	srv    *orgsim.Server
	env    []string
	orgARN string
}

func newWorkstation(t *testing.T, spec orgsim.Spec) *workstation {
	t.Helper()
	o := orgsim.Generate(spec)
	srv := orgsim.Start(o)
	t.Cleanup(srv.Close)
	user := "arn:aws:iam::" + o.HubAccountID + ":user/" + engineer
	trustEngineer := func(name, alsoTrusted string) {
		for _, a := range o.Accounts {
			err := o.UpdateAccount(a.ID, func(a *orgsim.Account) {
				for i := range a.Roles {
					// Only roles that trust the pipeline's role trust the
					// engineer too: an unreachable account stays unreachable.
					if a.Roles[i].Name == name && slices.Contains(a.Roles[i].Trusted, alsoTrusted) {
						a.Roles[i].Trusted = append(slices.Clone(a.Roles[i].Trusted), user)
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	trustEngineer(orgsim.DefaultOrgRoleName, o.HubRoleARN(orgsim.DefaultListerRoleName))
	trustEngineer(orgsim.DefaultReadRoleName, o.HubRoleARN(orgsim.DefaultScannerRoleName))
	keys, err := srv.Credentials(user).Retrieve(context.Background())
	if err != nil {
		t.Fatalf("engineer's keys: %v", err)
	}
	return &workstation{
		org:    o,
		srv:    srv,
		env:    append(awsFiles(t, "us-east-1", keys.AccessKeyID, keys.SecretAccessKey), "AWS_ENDPOINT_URL="+srv.URL()),
		orgARN: o.RoleARN(o.ManagementAccountID, orgsim.DefaultOrgRoleName),
	}
}

// runID returns the run ID the binary printed on stdout.
func runIDOf(t *testing.T, stdout string) string {
	t.Helper()
	_, rest, ok := strings.Cut(stdout, "config-report run: run ")
	id, _, _ := strings.Cut(rest, " ")
	if !ok || run.ValidateID(id) != nil {
		t.Fatalf("no run ID in stdout:\n%s", stdout)
	}
	return id
}

func TestRunAgainstTheSimulatedOrganization(t *testing.T) {
	ws := newWorkstation(t, orgsim.Spec{Seed: 11, Accounts: 30, Regions: []string{"us-east-1", "eu-west-1"}})
	out := filepath.Join(t.TempDir(), "report")
	args := []string{"run", "--profile", "test", "--org-role-arn", ws.orgARN, "--regions", "us-east-1,eu-west-1", "--out", out, "--concurrency", "4"}

	r := runBinary(t, ws.env, args...)
	if r.code != 0 {
		t.Fatalf("run: status %d, stderr:\n%s", r.code, r.stderr)
	}
	if want := "running as arn:aws:iam::" + ws.org.HubAccountID + ":user/" + engineer; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	first := runIDOf(t, r.stdout)
	truth := truthOf(ws.org)
	s := loadSummary(t, out, first)
	got := groundTruth{accounts: s.Totals.Accounts, unreachable: s.Totals.Unreachable, resources: s.Totals.Resources, findings: s.Totals.Findings}
	if got != truth {
		t.Errorf("run totals = %+v, want the simulator's %+v", got, truth)
	}
	for _, key := range []string{run.WorkbookKey(first), run.CSVKey(first), run.ManifestKey(first)} {
		if !fileExists(localFile(out, key)) {
			t.Errorf("run did not write %s", key)
		}
	}
	if n := ws.srv.Calls().Count("sts:AssumeRole", ws.org.HubAccountID, ""); n < truth.accounts {
		t.Errorf("the engineer made %d AssumeRole calls, want at least one per account (%d)", n, truth.accounts)
	}

	// One account, into the same folder: listed through Organizations,
	// scanned, and compared with the full run before it.
	acct := ws.org.ActiveAccounts()[0]
	r = runBinary(t, ws.env, append(args, "--account", acct)...)
	if r.code != 0 {
		t.Fatalf("run --account: status %d, stderr:\n%s", r.code, r.stderr)
	}
	one := runIDOf(t, r.stdout)
	s1 := loadSummary(t, out, one)
	if s1.Totals.Accounts != 1 || len(s1.Accounts) != 1 || s1.Accounts[0].ID != acct || s1.Accounts[0].Name != ws.org.Account(acct).Name {
		t.Errorf("run --account %s reported %+v", acct, s1.Accounts)
	}
	if s1.Comparison == nil || s1.Comparison.PreviousRunID != first {
		t.Errorf("run --account compared with %+v, want %s", s1.Comparison, first)
	}

	// To a bucket: the report stays in S3 and nothing is written locally.
	const bucket = "config-report-hub"
	c := runtest.NewBucket(t, ws.srv.AWSConfig(ws.org.HubRoleARN(orgsim.DefaultFormatterRole), "us-east-1"), bucket)
	cwd := t.TempDir()
	r = runBinaryIn(t, cwd, ws.env, "run", "--profile", "test", "--org-role-arn", ws.orgARN, "--regions", "us-east-1", "--bucket", bucket, "--account", acct)
	if r.code != 0 {
		t.Fatalf("run --bucket: status %d, stderr:\n%s", r.code, r.stderr)
	}
	inBucket := runIDOf(t, r.stdout)
	if !strings.Contains(r.stdout, "s3://"+bucket+"/"+run.WorkbookKey(inBucket)) {
		t.Errorf("run --bucket stdout does not name the workbook in the bucket:\n%s", r.stdout)
	}
	for _, key := range []string{run.WorkbookKey(inBucket), run.SummaryKey(inBucket), run.ShardKey(inBucket, acct)} {
		if _, err := run.GetObject(context.Background(), c, bucket, key); err != nil {
			t.Errorf("run --bucket: %v", err)
		}
	}
	if entries, _ := os.ReadDir(cwd); len(entries) != 0 {
		t.Errorf("run --bucket wrote %d entries to the working directory", len(entries))
	}
}

func TestRunFailures(t *testing.T) {
	ws := newWorkstation(t, orgsim.Spec{Seed: 2, Accounts: 5, Regions: []string{"eu-west-1"}})
	base := []string{"run", "--regions", "eu-west-1", "--out", t.TempDir()}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{
			name: "unreachable organization role",
			args: []string{"--profile", "test", "--org-role-arn", ws.org.RoleARN(ws.org.ManagementAccountID, "not-the-org-role")},
			code: 1,
			want: []string{"cannot assume the organization role", "not-the-org-role", "trust policy allows arn:aws:iam::" + ws.org.HubAccountID + ":user/" + engineer},
		},
		{
			name: "missing profile",
			args: []string{"--profile", "nope", "--org-role-arn", ws.orgARN},
			code: 1,
			want: []string{`AWS profile "nope" not found`, "aws configure --profile nope"},
		},
		{
			name: "no credentials",
			args: []string{"--org-role-arn", ws.orgARN, "--region", "eu-west-1"},
			code: 1,
			want: []string{"no usable AWS credentials", "aws sso login"},
		},
		{
			name: "account not in the organization",
			args: []string{"--profile", "test", "--org-role-arn", ws.orgARN, "--account", "999999999999"},
			code: 1,
			want: []string{"999999999999", "is not an account of the organization"},
		},
		{name: "no org role", args: []string{"--profile", "test"}, code: 2, want: []string{"--org-role-arn is required"}},
		{name: "bad org role", args: []string{"--org-role-arn", "arn:aws:iam::1:user/x"}, code: 2, want: []string{"is not an IAM role ARN"}},
		{name: "bad account", args: []string{"--org-role-arn", ws.orgARN, "--account", "12"}, code: 2, want: []string{`--account "12" is not a 12-digit account ID`}},
		{name: "unknown flag", args: []string{"--org-role", ws.orgARN}, code: 2, want: []string{"flag provided but not defined: -org-role"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBinary(t, ws.env, append(base, tt.args...)...)
			wantFailure(t, r, tt.code, tt.want...)
		})
	}
}
