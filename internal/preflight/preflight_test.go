package preflight_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/preflight"
)

// quietSpec is a small organization without generated problems, in two
// regions and an opt-in one: each test makes its own.
func quietSpec(seed int64) orgsim.Spec {
	return orgsim.Spec{
		Seed: seed, Accounts: 12, Regions: []string{"us-east-1", "eu-west-1", "af-south-1"},
		InactiveAccounts: -1, UnreachableAccounts: -1, ConfigDisabledAccounts: -1, RecorderStoppedAccounts: -1,
		AccessDeniedAccounts: -1, DisabledRegionAccounts: -1, ServiceLinkedRecorderAccounts: -1, SCPDeniedRegion: "none",
		NonCompliantShare: 0.3,
	}
}

func TestHealthyDeploymentPasses(t *testing.T) {
	e := newEnv(t, quietSpec(1))
	res := e.run(t)
	for _, c := range res.Checks {
		switch c.Name {
		case preflight.CheckStateMachine, preflight.CheckConcurrency, preflight.CheckEmail:
			if c.Status != preflight.NotRun || c.Advice == "" {
				t.Errorf("%s: %s (%s), want not run with the reason", c.Name, c.Status, c.Advice)
			}
		default:
			if c.Status != preflight.Passed {
				t.Errorf("%s: %s: %s; %s", c.Name, c.Status, c.Detail, c.Advice)
			}
		}
	}
	if !res.OK() || len(res.Findings) != 0 || len(res.UnreachableByOU) != 0 {
		t.Errorf("OK() = %v, findings %+v, unreachable by OU %+v; want a clean result", res.OK(), res.Findings, res.UnreachableByOU)
	}
	active := len(e.org.ActiveAccounts())
	if got, want := res.Totals, (preflight.Totals{Selected: active, Inactive: map[string]int{}, Checked: active, Reachable: active, AccountRegions: 3 * active}); !cmp.Equal(got, want) {
		t.Errorf("Totals = %+v, want %+v", got, want)
	}
	wantCheck(t, res, preflight.CheckBucket, preflight.Passed, "encrypted (SSE-S3)", "versioned", "public access blocked")
	wantCheck(t, res, preflight.CheckReads, preflight.Passed, "the 7 reads")
	if !strings.HasSuffix(res.Caller, ":assumed-role/"+orgsim.DefaultScannerRoleName+"/orgsim") {
		t.Errorf("Caller = %q, want the scanner role's session", res.Caller)
	}
}

// TestEachFault injects each fault the simulator has and checks the
// diagnosis of every account and region against the model, the check that
// reports it, and its advice.
func TestEachFault(t *testing.T) {
	type want struct {
		check  string
		status preflight.Status
		says   []string
	}
	tests := []struct {
		name  string
		spec  func(*orgsim.Spec)
		setup func(t *testing.T, e *env)
		// externalID is the read roles' ExternalId the checker sends, when
		// it is not the spec's.
		externalID *string
		want       []want
		ok         bool // whether a run would succeed anyway
		// after checks more, when set.
		after func(t *testing.T, e *env, res *preflight.Result)
	}{
		{
			name: "read role missing, not trusting the scanner, or wanting another ExternalId",
			spec: func(s *orgsim.Spec) { s.UnreachableAccounts = 3 },
			want: []want{{preflight.CheckReadRole, preflight.Failed, []string{"cannot be assumed in 3 of", "config-report-test-member-role-stackset", "externalId", "is missing, does not trust"}}},
		},
		{
			name:       "every read role wants another ExternalId",
			spec:       func(s *orgsim.Spec) { s.ExternalID = "config-report-test" },
			externalID: aws.String("config-report-typo"),
			want:       []want{{preflight.CheckReadRole, preflight.Failed, []string{"no account's read role admits", "the roles must want the ExternalId in externalId"}}},
		},
		{
			name: "Config off in one region of every account",
			spec: func(s *orgsim.Spec) { s.ConfigDisabledRegion = "eu-west-1" },
			want: []want{{preflight.CheckConfig, preflight.Failed, []string{"eu-west-1 in 12 accounts", "eu-west-1 has Config off in every account checked that can use it: leave it out of regions"}}},
		},
		{
			name: "Config off in some accounts",
			spec: func(s *orgsim.Spec) { s.ConfigDisabledAccounts = 3 },
			want: []want{{preflight.CheckConfig, preflight.Failed, []string{"not enabled in 3 account-regions", "turn AWS Config on"}}},
		},
		{
			name: "recorder stopped",
			spec: func(s *orgsim.Spec) { s.RecorderStoppedAccounts = 2 },
			want: []want{{preflight.CheckRecorder, preflight.Failed, []string{"stopped in 2 account-regions", "start-configuration-recorder"}}},
		},
		{
			name: "an action denied in some accounts",
			spec: func(s *orgsim.Spec) { s.AccessDeniedAccounts = 2 },
			want: []want{{preflight.CheckReads, preflight.Failed, []string{"config:GetComplianceDetailsByConfigRule in 6 account-regions (2 accounts)", "config-report-test-member-role-stackset"}}},
		},
		{
			name: "the rules listing denied in some accounts",
			spec: func(s *orgsim.Spec) {
				s.AccessDeniedAccounts, s.AccessDeniedAction = 2, access.ConfigDescribeConfigRules
			},
			want: []want{{preflight.CheckReads, preflight.Failed, []string{"config:DescribeConfigRules in 6 account-regions"}}},
		},
		{
			name: "a read role policy without DescribeConformancePacks",
			spec: func(s *orgsim.Spec) {
				s.ReadRoleActions = slices.DeleteFunc(access.ReadRole(true), func(a string) bool { return a == access.ConfigDescribeConformancePacks })
			},
			want: []want{{preflight.CheckReads, preflight.Failed, []string{"config:DescribeConformancePacks in 36 account-regions (12 accounts)"}}},
		},
		{
			name: "a read role policy without BatchGetResourceConfig",
			spec: func(s *orgsim.Spec) {
				s.ReadRoleActions = slices.DeleteFunc(access.ReadRole(true), func(a string) bool { return a == access.ConfigBatchGetResourceConfig })
			},
			want: []want{{preflight.CheckReads, preflight.Failed, []string{"config:BatchGetResourceConfig", "only lacks resource names"}}},
		},
		{
			name: "opt-in region not enabled",
			spec: func(s *orgsim.Spec) { s.DisabledRegionAccounts = 2 },
			want: []want{{preflight.CheckRegions, preflight.NotRun, []string{"af-south-1 in 2 accounts", "the account's choice", "leave it out of regions"}}},
			ok:   true,
		},
		{
			name: "region-deny SCP",
			spec: func(s *orgsim.Spec) { s.SCPDeniedRegion = "eu-west-1" },
			want: []want{{preflight.CheckSCP, preflight.NotRun, []string{"account-regions blocked: eu-west-1", "the organization's choice", ":policy/o-", "exempt the read role system-config-report-generator-read-role (readRoleName)"}}},
			ok:   true,
		},
		{
			name: "only a service-linked recorder",
			spec: func(s *orgsim.Spec) { s.ServiceLinkedRecorderAccounts = 2 },
			want: []want{{preflight.CheckConfig, preflight.Passed, []string{"2 with only a service-linked recorder"}}},
			ok:   true,
		},
		{
			name: "accounts in other states",
			spec: func(s *orgsim.Spec) { s.InactiveAccounts = 3 },
			want: []want{{"accounts", preflight.Passed, []string{"9 ACTIVE selected", "1 CLOSED", "1 PENDING_CLOSURE", "1 SUSPENDED"}}},
			ok:   true,
		},
		{
			name: "throttling the SDK's retries absorb",
			setup: func(t *testing.T, e *env) {
				e.srv.SetFaults(orgsim.Faults{Seed: 3, Throttle: map[string]float64{"config:DescribeConformancePacks": 0.5}})
			},
			want: []want{{preflight.CheckReads, preflight.Passed, nil}},
			ok:   true,
			after: func(t *testing.T, e *env, res *preflight.Result) {
				if n := e.srv.Calls().Count("config:DescribeConformancePacks", "", ""); n <= res.Totals.AccountRegions {
					t.Errorf("%d DescribeConformancePacks calls for %d account-regions: nothing was throttled", n, res.Totals.AccountRegions)
				}
			},
		},
		{
			name: "server errors past the retries",
			setup: func(t *testing.T, e *env) {
				e.srv.SetFaults(orgsim.Faults{ServerErrors: map[string]float64{"config:DescribeConformancePacks": 1}})
			},
			want: []want{{preflight.CheckErrors, preflight.Failed, []string{"config:DescribeConformancePacks", "run check again"}}},
		},
		{
			name: "organization role missing",
			setup: func(t *testing.T, e *env) {
				update(t, e.org.UpdateAccount(e.org.ManagementAccountID, func(a *orgsim.Account) {
					a.Roles = slices.DeleteFunc(a.Roles, func(r orgsim.Role) bool { return r.Name == orgsim.DefaultOrgRoleName })
				}))
			},
			want: []want{{"organization role", preflight.Failed, []string{"AccessDenied", "deploy config-report-test-org-role in the management account"}}},
		},
		{
			name: "organization role wants another ExternalId",
			spec: func(s *orgsim.Spec) { s.ExternalID = "config-report-test" },
			setup: func(t *testing.T, e *env) {
				e.checker.Settings.List.ExternalID = "config-report-typo"
			},
			want: []want{{"organization role", preflight.Failed, []string{"require the ExternalId in externalId"}}},
		},
		{
			name: "organization role policy without ListAccountsForParent",
			spec: func(s *orgsim.Spec) {
				s.OrgRoleActions = slices.DeleteFunc(access.OrgRole(), func(a string) bool { return a == access.OrganizationsListAccountsForParent })
			},
			want: []want{{"organization role", preflight.Passed, nil}, {"accounts", preflight.Failed, []string{"organizations:ListAccountsForParent denied", "config-report-test-org-role"}}},
		},
		{
			name: "organization role policy without ListTagsForResource",
			spec: func(s *orgsim.Spec) {
				s.OrgRoleActions = slices.DeleteFunc(access.OrgRole(), func(a string) bool { return a == access.OrganizationsListTagsForResource })
			},
			want: []want{{"account tags", preflight.Failed, []string{"organizations:ListTagsForResource denied", "config-report-test-org-role"}}},
		},
		{
			name: "an included OU that is not in the organization",
			setup: func(t *testing.T, e *env) {
				e.checker.Settings.List.IncludeOUs = []string{"ou-zzzz-zzzzzzzz"}
			},
			want: []want{{"accounts", preflight.Failed, []string{"ou-zzzz-zzzzzzzz not found", "includeOus"}}},
		},
		{
			name: "bucket missing",
			setup: func(t *testing.T, e *env) {
				e.checker.Settings.Hub.Bucket = "sys-compliance-reports-typo"
			},
			want: []want{{preflight.CheckBucket, preflight.Failed, []string{"does not exist", "deploy config-report-test-hub", "bucketName"}}},
		},
		{
			name: "bucket neither versioned nor private",
			setup: func(t *testing.T, e *env) {
				ctx := t.Context()
				if _, err := e.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(testBucket),
					VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); err != nil {
					t.Fatal(err)
				}
				if _, err := e.s3.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(testBucket)}); err != nil {
					t.Fatal(err)
				}
			},
			want: []want{{preflight.CheckBucket, preflight.Failed, []string{"not versioned", "public access not blocked", "encrypted (SSE-S3)", "config-report-test-hub"}}},
		},
		{
			name: "bucket encrypted with KMS",
			setup: func(t *testing.T, e *env) {
				if _, err := e.s3.PutBucketEncryption(t.Context(), &s3.PutBucketEncryptionInput{Bucket: aws.String(testBucket), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
					Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms}}},
				}}); err != nil {
					t.Fatal(err)
				}
			},
			want: []want{{preflight.CheckBucket, preflight.Passed, []string{"encrypted (SSE-KMS)"}}},
			ok:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := quietSpec(5)
			if tt.spec != nil {
				tt.spec(&spec)
			}
			e := newEnv(t, spec)
			externalID := spec.ExternalID
			if tt.externalID != nil {
				externalID = *tt.externalID
				e.checker.Settings.Scan.ReadExternalID = externalID
			}
			if tt.setup != nil {
				tt.setup(t, e)
			}
			res := e.run(t)
			for _, w := range tt.want {
				wantCheck(t, res, w.check, w.status, w.says...)
			}
			if tt.after != nil {
				tt.after(t, e, res)
			}
			if res.OK() != tt.ok {
				t.Errorf("OK() = %v, want %v: %+v", res.OK(), tt.ok, res.Checks)
			}
			if res.Totals.Checked > 0 && !slices.ContainsFunc(res.Findings, func(f preflight.Finding) bool { return f.Diagnosis == preflight.CheckError }) {
				if diff := cmp.Diff(e.truth(externalID), diagnoses(res)); diff != "" {
					t.Errorf("diagnoses differ from the model's (-model +check):\n%s", diff)
				}
			}
		})
	}
}

func update(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestWholeOUWithoutTheReadRole removes the read role from every account of
// an OU, as a StackSet that misses the OU leaves it, and checks the advice
// names the OU: to add to memberRole.targetOus when the StackSet does not
// target it, to look at its instances when it does.
func TestWholeOUWithoutTheReadRole(t *testing.T) {
	spec := quietSpec(7)
	spec.Accounts = 40
	for _, tt := range []struct {
		name    string
		targets func(e *env, ou string) []string
		says    string
	}{
		{"not targeted", func(e *env, ou string) []string { return []string{"ou-aaaa-aaaaaaaa"} }, "add %s to memberRole.targetOus and deploy config-report-test-member-role-stackset"},
		{"targeted", func(e *env, ou string) []string { return []string{e.org.RootID} }, "though config-report-test-member-role-stackset targets r-"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, spec)
			ou := e.busiestOU(t)
			for _, id := range e.org.ActiveAccounts() {
				if e.org.Account(id).ParentID == ou {
					update(t, e.org.UpdateAccount(id, func(a *orgsim.Account) { a.Roles = nil }))
				}
			}
			e.checker.Settings.Names.Targets = tt.targets(e, ou)
			res := e.run(t)
			says := strings.Replace(tt.says, "%s", ou, 1)
			wantCheck(t, res, preflight.CheckReadRole, preflight.Failed, "no account of "+ou+" (Root/", says)
			if len(res.UnreachableByOU) != 1 || res.UnreachableByOU[0].ID != ou || res.UnreachableByOU[0].Unreachable != res.UnreachableByOU[0].Checked {
				t.Errorf("UnreachableByOU = %+v, want only %s, every account unreachable", res.UnreachableByOU, ou)
			}
		})
	}
}

// busiestOU returns the OU holding the most active member accounts.
func (e *env) busiestOU(t *testing.T) string {
	t.Helper()
	count := map[string]int{}
	for _, id := range e.org.ActiveAccounts() {
		if a := e.org.Account(id); id != e.org.ManagementAccountID && id != e.org.HubAccountID && a.ParentID != e.org.RootID {
			count[a.ParentID]++
		}
	}
	best := ""
	for _, ou := range keys(count) {
		if count[ou] > count[best] {
			best = ou
		}
	}
	if count[best] < 2 {
		t.Fatalf("no OU with two accounts: %v", count)
	}
	return best
}

func TestSampleSpreadsOverOUs(t *testing.T) {
	spec := quietSpec(9)
	spec.Accounts = 60
	e := newEnv(t, spec)
	e.checker.Sample = 5
	var progress []preflight.Progress
	e.checker.Progress = func(p preflight.Progress) { progress = append(progress, p) }
	res := e.run(t)
	if res.Totals.Checked != 5 || res.Totals.Selected != len(e.org.ActiveAccounts()) {
		t.Errorf("Totals = %+v, want 5 of %d checked", res.Totals, len(e.org.ActiveAccounts()))
	}
	wantCheck(t, res, preflight.CheckReadRole, preflight.Passed, "5 accounts checked (of 60 selected)")
	if n := e.srv.Calls().Count("sts:AssumeRole", e.org.HubAccountID, ""); n != 1+5 {
		t.Errorf("%d AssumeRole calls, want one for the organization role and one per sampled account", n)
	}
	if len(progress) != 6 || progress[5].Checked != 5 || progress[5].Accounts != 5 {
		t.Errorf("progress = %+v, want 0 to 5 of 5", progress)
	}
}

func TestAccountsAskedFor(t *testing.T) {
	e := newEnv(t, quietSpec(11))
	member := e.org.ActiveAccounts()[3]
	e.checker.Accounts = []string{member, "999999999999"}
	res := e.run(t)
	if res.Totals.Checked != 1 || res.Totals.AccountRegions != 3 {
		t.Errorf("Totals = %+v, want one account in three regions", res.Totals)
	}
	if got := keys(findings(res, preflight.NotSelected)); !slices.Equal(got, []string{"999999999999"}) {
		t.Errorf("not-selected findings = %v, want the unknown account", got)
	}
}

// TestEmail checks SES as the hub would send: the check's verdict is the
// one SendEmail then gives the report's e-mail.
func TestEmail(t *testing.T) {
	const sender, recipient = "config-report@example.com", "secops@example.org"
	tests := []struct {
		name   string
		ses    *orgsim.SESAccount
		status preflight.Status
		says   []string
	}{
		{"a new account: sandbox, nothing verified", nil, preflight.Failed,
			[]string{"in the sandbox; not verified: config-report@example.com (sender), secops@example.org", "request production access for SES in eu-west-1"}},
		{"sandbox, sender's domain verified, recipient not", &orgsim.SESAccount{Identities: map[string]string{"example.com": "SUCCESS"}}, preflight.Failed,
			[]string{"not verified: secops@example.org", "reportSender and reportRecipients"}},
		{"sandbox, both verified", &orgsim.SESAccount{Identities: map[string]string{"example.com": "SUCCESS", recipient: "SUCCESS"}}, preflight.Passed,
			[]string{"in the sandbox; sender config-report@example.com verified"}},
		{"production, sender pending", &orgsim.SESAccount{ProductionAccess: true, Identities: map[string]string{sender: "PENDING"}}, preflight.Failed,
			[]string{"out of the sandbox; not verified: config-report@example.com (sender)", "verify config-report@example.com (or its domain)"}},
		{"production, sender verified", &orgsim.SESAccount{ProductionAccess: true, Identities: map[string]string{sender: "SUCCESS"}}, preflight.Passed,
			[]string{"out of the sandbox"}},
		{"sending paused", &orgsim.SESAccount{ProductionAccess: true, SendingPaused: true}, preflight.Failed,
			[]string{"sending is paused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, quietSpec(13))
			e.checker.Settings.Hub.Sender, e.checker.Settings.Hub.Recipients = sender, []string{recipient}
			if tt.ses != nil {
				e.srv.SetSES(e.org.HubAccountID, hubRegion, *tt.ses)
			}
			res := e.run(t)
			wantCheck(t, res, preflight.CheckEmail, tt.status, tt.says...)
			if tt.ses == nil {
				return // SendEmail enforces a state set with SetSES only
			}
			_, err := sesv2.NewFromConfig(e.checker.HubAWS).SendEmail(t.Context(), &sesv2.SendEmailInput{
				FromEmailAddress: aws.String(sender), Destination: &sestypes.Destination{ToAddresses: []string{recipient}},
				Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("Weekly report")}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("attached")}}}},
			})
			if sent := err == nil; sent != (tt.status == preflight.Passed) {
				t.Errorf("SendEmail after the check said %s: %v", tt.status, err)
			}
		})
	}
}
