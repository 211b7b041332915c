package org_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
)

const (
	newRunStart = "2026-11-30T09:00:00.123Z"
	newRunExec  = "3f2a9c1b" // a plain name is its own run ID suffix (run.NewID)
	newRunID    = "2026-11-30T0900Z-3f2a9c1b"
	rerunStart  = "2026-12-01T10:15:02.456Z"
	rerunExec   = "rerun-failed-accounts"
	rerunKey    = "runs/" + newRunID + "/reruns/2026-12-01T101502.456Z-rerun-failed-accounts.json"
)

// invoke calls the handler as the Lambda runtime does: JSON in, JSON out.
func invoke(t testing.TB, h *org.Handler, input, execution, start string) (org.Out, error) {
	t.Helper()
	payload := fmt.Sprintf(`{"input": %s, "executionName": %q, "startTime": %q}`, input, execution, start)
	b, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(payload))
	if err != nil {
		return org.Out{}, err
	}
	var out org.Out
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("decode the handler's output %s: %v", b, err)
	}
	return out, nil
}

func rerunInput(ids ...string) string {
	b, _ := json.Marshal(map[string]any{"runId": newRunID, "accountIds": ids})
	return string(b)
}

// accountsIn returns model accounts that satisfy keep.
func accountsIn(o *orgsim.Org, keep func(*orgsim.Account) bool) []string {
	var ids []string
	for _, a := range o.Accounts {
		if keep(a) && a.ID != o.ManagementAccountID && a.ID != o.HubAccountID {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

func inState(st orgsim.AccountState) func(*orgsim.Account) bool {
	return func(a *orgsim.Account) bool { return a.State == st }
}

func TestHandleNewRun(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 5, Accounts: 120})
	h := s.handler(t, s.config(nil))
	payload := fmt.Sprintf(`{"input": {}, "executionName": %q, "startTime": %q}`, newRunExec, newRunStart)
	raw, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(payload))
	if err != nil {
		t.Fatalf("Invoke() error = %v", err)
	}
	want := expect(s.org, org.Filter{}, []string{"owner", "team"})
	wantOut := map[string]any{
		"runId":            newRunID,
		"bucket":           testBucket,
		"manifestKey":      "runs/" + newRunID + "/accounts.json",
		"resultPrefix":     "runs/" + newRunID + "/map-results/",
		"accountCount":     float64(len(want.accounts)),
		"inactiveAccounts": map[string]any{"SUSPENDED": float64(want.inactive["SUSPENDED"]), "PENDING_CLOSURE": float64(want.inactive["PENDING_CLOSURE"]), "CLOSED": float64(want.inactive["CLOSED"])},
	}
	var gotOut map[string]any
	if err := json.Unmarshal(raw, &gotOut); err != nil {
		t.Fatalf("decode output %s: %v", raw, err)
	}
	if diff := cmp.Diff(wantOut, gotOut); diff != "" {
		t.Errorf("Invoke() output mismatch (-want +got):\n%s", diff)
	}
	got, err := run.GetManifest(context.Background(), s.s3, testBucket, run.ManifestKey(newRunID))
	if err != nil {
		t.Fatalf("GetManifest() error = %v", err)
	}
	if diff := cmp.Diff(want.accounts, got); diff != "" {
		t.Errorf("manifest mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{run.ManifestKey(newRunID), run.OrganizationKey(newRunID)}, s.keys(t)); diff != "" {
		t.Errorf("bucket keys mismatch (-want +got):\n%s", diff)
	}
}

// sumOf adds up counts by state.
func sumOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestHandleNewRunRecordsOrganization(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 9, Accounts: 200})
	active := accountsIn(s.org, inState(orgsim.StateActive))
	workloads := ouID(t, s.org, "Workloads")
	security := ouID(t, s.org, "Security")
	tests := []struct {
		name   string
		filter org.Filter
	}{
		{name: "whole organization"},
		{name: "accounts excluded", filter: org.Filter{ExcludeAccounts: []string{active[0], active[7], active[20], "999999999999"}}},
		{name: "OU excluded", filter: org.Filter{ExcludeOUs: []string{security}, ExcludeAccounts: []string{active[1]}}},
		{name: "OU included", filter: org.Filter{IncludeOUs: []string{workloads}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := s.handler(t, s.config(func(c *org.Config) {
				c.IncludeOUs, c.ExcludeOUs, c.ExcludeAccounts = tt.filter.IncludeOUs, tt.filter.ExcludeOUs, tt.filter.ExcludeAccounts
			}))
			before := time.Now().UTC().Truncate(time.Millisecond)
			out, err := invoke(t, h, `{}`, newRunExec, newRunStart)
			if err != nil {
				t.Fatalf("new run: %v", err)
			}
			after := time.Now().UTC()
			got, err := run.GetOrganization(context.Background(), s.s3, testBucket, run.OrganizationKey(newRunID))
			if err != nil {
				t.Fatalf("GetOrganization() error = %v", err)
			}
			if got.ListedAt.Before(before) || got.ListedAt.After(after) {
				t.Errorf("listedAt = %s, want between %s and %s", got.ListedAt, before, after)
			}
			want := expect(s.org, tt.filter, nil)
			wantOrg := &run.Organization{
				SchemaVersion: run.OrganizationVersion,
				RunID:         newRunID,
				ListedAt:      got.ListedAt,
				IncludeOUs:    tt.filter.IncludeOUs,
				ExcludeOUs:    tt.filter.ExcludeOUs,
				Accounts:      len(want.accounts) + want.excluded + sumOf(want.inactive),
				Active:        len(want.accounts),
				Inactive:      want.inactive,
				Excluded:      want.excluded,
			}
			if diff := cmp.Diff(wantOrg, got); diff != "" {
				t.Errorf("organization.json (-simulator's model +written):\n%s", diff)
			}
			// The model has inactive accounts in every state the lister
			// counts, and the exclusions took effect.
			if len(want.inactive) == 0 || (len(tt.filter.ExcludeAccounts) > 0 && want.excluded == 0) {
				t.Fatalf("the case does not exercise what it names: inactive %v, excluded %d", want.inactive, want.excluded)
			}
			if tt.filter.IncludeOUs == nil && tt.filter.ExcludeOUs == nil && got.Accounts != len(s.org.Accounts) {
				t.Errorf("organization.json counts %d accounts, want all %d of the organization", got.Accounts, len(s.org.Accounts))
			}
			if out.AccountCount != got.Active || out.ExcludedAccounts != got.Excluded || sumOf(out.InactiveAccounts) != got.InactiveTotal() {
				t.Errorf("output %+v disagrees with organization.json %+v", out, got)
			}
		})
	}
}

func TestHandleRerun(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 5, Accounts: 120})
	h := s.handler(t, s.config(nil))
	if _, err := invoke(t, h, `{}`, newRunExec, newRunStart); err != nil {
		t.Fatalf("new run: %v", err)
	}
	ctx := context.Background()
	originalKey := run.ManifestKey(newRunID)
	before := object(t, s.s3, originalKey)
	orgBefore := object(t, s.s3, run.OrganizationKey(newRunID))

	active := accountsIn(s.org, inState(orgsim.StateActive))
	a, b := active[3], active[10]
	// The organization changes between the runs: the re-run describes the
	// account as it is now.
	if err := s.org.UpdateAccount(b, func(acct *orgsim.Account) { acct.Name = "renamed-since-the-run" }); err != nil {
		t.Fatal(err)
	}

	out, err := invoke(t, h, rerunInput(b, a, b), rerunExec, rerunStart)
	if err != nil {
		t.Fatalf("re-run: %v", err)
	}
	wantOut := org.Out{RunID: newRunID, Bucket: testBucket, ManifestKey: rerunKey,
		ResultPrefix: "runs/" + newRunID + "/map-results/", AccountCount: 2, Rerun: true}
	if diff := cmp.Diff(wantOut, out); diff != "" {
		t.Errorf("re-run output mismatch (-want +got):\n%s", diff)
	}

	var want []run.Account
	for _, acct := range expect(s.org, org.Filter{}, []string{"owner", "team"}).accounts {
		if acct.ID == a || acct.ID == b {
			want = append(want, acct)
		}
	}
	got, err := run.GetManifest(ctx, s.s3, testBucket, rerunKey)
	if err != nil {
		t.Fatalf("GetManifest(re-run) error = %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("re-run manifest mismatch (-want +got):\n%s", diff)
	}
	if i := slices.IndexFunc(got, func(x run.Account) bool { return x.ID == b }); i < 0 || got[i].Name != "renamed-since-the-run" {
		t.Errorf("re-run manifest = %+v, want account %s under its new name", got, b)
	}

	after := object(t, s.s3, originalKey)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the original manifest changed (-before +after):\n%s", diff)
	}
	// The renamed account, the re-run's later start: none of it reaches the
	// organization totals of the run.
	if diff := cmp.Diff(orgBefore, object(t, s.s3, run.OrganizationKey(newRunID))); diff != "" {
		t.Errorf("the run's organization.json changed (-before +after):\n%s", diff)
	}
	keys, err := run.ManifestKeys(ctx, s.s3, testBucket, newRunID)
	if err != nil {
		t.Fatalf("ManifestKeys() error = %v", err)
	}
	if diff := cmp.Diff([]string{originalKey, rerunKey}, keys); diff != "" {
		t.Errorf("ManifestKeys() mismatch (-want +got):\n%s", diff)
	}
}

// stored is what S3 holds at a key: the bytes and what identifies the write.
type stored struct {
	Body         string
	ETag         string
	LastModified string
}

func object(t testing.TB, c *s3.Client, key string) stored {
	t.Helper()
	body, err := run.GetObject(context.Background(), c, testBucket, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	head, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("head %s: %v", key, err)
	}
	return stored{Body: string(body), ETag: aws.ToString(head.ETag), LastModified: head.LastModified.String()}
}

func TestHandleRerunRejectsBadAccounts(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 9, Accounts: 200})
	active := accountsIn(s.org, inState(orgsim.StateActive))
	suspended := accountsIn(s.org, inState(orgsim.StateSuspended))[0]
	closing := accountsIn(s.org, inState(orgsim.StatePendingClosure))[0]
	closed := accountsIn(s.org, inState(orgsim.StateClosed))[0]
	workloads := ouID(t, s.org, "Workloads")
	security := ouID(t, s.org, "Security")
	inWorkloads := accountsIn(s.org, func(a *orgsim.Account) bool {
		return a.State == orgsim.StateActive && underOU(s.org, a.ParentID, workloads)
	})[0]
	inSecurity := accountsIn(s.org, func(a *orgsim.Account) bool {
		return a.State == orgsim.StateActive && underOU(s.org, a.ParentID, security)
	})[0]
	notInOrg := "000000000001"
	if s.org.Account(notInOrg) != nil {
		t.Fatalf("account %s is in the organization", notInOrg)
	}
	good := active[0]

	tests := []struct {
		name   string
		change func(*org.Config)
		ids    []string
		want   []string
	}{
		{
			name: "every bad ID named",
			change: func(c *org.Config) {
				c.ExcludeAccounts = []string{active[1]}
			},
			ids: []string{good, "12345", notInOrg, suspended, closing, closed, active[1], "abcdefghijkl"},
			want: []string{
				"7 accounts cannot be scanned",
				"12345 is not a 12-digit account ID",
				notInOrg + " is not an account of the organization",
				suspended + " is SUSPENDED, not ACTIVE",
				closing + " is PENDING_CLOSURE, not ACTIVE",
				closed + " is CLOSED, not ACTIVE",
				active[1] + " is excluded by EXCLUDE_ACCOUNTS",
				"abcdefghijkl is not a 12-digit account ID",
				"nothing was written",
			},
		},
		{
			name:   "excluded OU",
			change: func(c *org.Config) { c.ExcludeOUs = []string{workloads} },
			ids:    []string{inWorkloads},
			want:   []string{"1 account cannot be scanned: " + inWorkloads + " is in Root/Workloads", "which EXCLUDE_OUS excludes"},
		},
		{
			name:   "outside the included OUs",
			change: func(c *org.Config) { c.IncludeOUs = []string{workloads} },
			ids:    []string{inSecurity},
			want:   []string{inSecurity + " is in Root/Security", "outside INCLUDE_OUS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := s.handler(t, s.config(tt.change))
			if _, err := invoke(t, h, `{}`, newRunExec, newRunStart); err != nil {
				t.Fatalf("new run: %v", err)
			}
			before := s.keys(t)
			_, err := invoke(t, h, rerunInput(tt.ids...), rerunExec, rerunStart)
			var ie *org.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("re-run error = %v (%T), want an *org.InputError", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("re-run error = %q, want it to contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), good+" ") {
				t.Errorf("re-run error = %q names the good account %s", err, good)
			}
			if diff := cmp.Diff(before, s.keys(t)); diff != "" {
				t.Errorf("the bucket changed (-before +after):\n%s", diff)
			}
		})
	}
}

func TestHandleBadInputWritesNothing(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 5, Accounts: 30})
	h := s.handler(t, s.config(nil))
	active := accountsIn(s.org, inState(orgsim.StateActive))[0]
	tests := []struct {
		name, input, exec, start string
		want                     string
	}{
		{"unknown field", `{"Comment": "Insert your JSON here"}`, newRunExec, newRunStart, `input: unknown field "Comment"`},
		{"misspelt field", `{"runId": "` + newRunID + `", "accountIDs": ["` + active + `"]}`, newRunExec, newRunStart, `input: unknown field "accountIDs"`},
		{"wrong type", `{"runId": "` + newRunID + `", "accountIds": "` + active + `"}`, newRunExec, newRunStart, "input: accountIds is a JSON string, want an array of strings"},
		{"not an object", `[1, 2]`, newRunExec, newRunStart, "input: not a JSON object"},
		{"run that does not exist", `{"runId": "2026-11-23T0900Z-00000000", "accountIds": ["` + active + `"]}`, newRunExec, newRunStart,
			"input: run 2026-11-23T0900Z-00000000 does not exist: no manifest at s3://" + testBucket + "/runs/2026-11-23T0900Z-00000000/accounts.json"},
		{"no execution name", `{}`, "", newRunStart, "event: executionName and startTime are required"},
		{"no start time", `{}`, newRunExec, "0001-01-01T00:00:00Z", "event: executionName and startTime are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.srv.Calls().Reset()
			_, err := invoke(t, h, tt.input, tt.exec, tt.start)
			var ie *org.InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Invoke(%s) error = %v (%T), want an *org.InputError containing %q", tt.input, err, err, tt.want)
			}
			if keys := s.keys(t); len(keys) != 0 {
				t.Errorf("the bucket holds %v, want nothing written", keys)
			}
			if n := s.srv.Calls().Count("organizations:*", "", ""); n != 0 {
				t.Errorf("Organizations calls = %d, want none for a bad input", n)
			}
		})
	}
}

func TestHandleBadConfigurationWritesNothing(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 5, Accounts: 30, ExternalID: "config-report-ext"})
	tests := []struct {
		name   string
		change func(*org.Config)
		want   []string
	}{
		{"wrong external ID", func(c *org.Config) { c.ExternalID = "not-the-one" },
			[]string{"assume ORG_ROLE_ARN " + s.orgRoleARN() + " (check the role's trust policy and ORG_EXTERNAL_ID)", "AccessDenied"}},
		{"missing external ID", func(c *org.Config) { c.ExternalID = "" },
			[]string{"assume ORG_ROLE_ARN", "AccessDenied"}},
		{"role that does not exist", func(c *org.Config) {
			c.RoleARN = s.org.RoleARN(s.org.ManagementAccountID, "no-such-role")
		}, []string{"assume ORG_ROLE_ARN arn:aws:iam::" + s.org.ManagementAccountID + ":role/no-such-role", "AccessDenied"}},
		{"included OU not in the organization", func(c *org.Config) { c.IncludeOUs = []string{"ou-zzzz-zzzzzzzz"} },
			[]string{"INCLUDE_OUS: ou-zzzz-zzzzzzzz not found in the organization"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := s.handler(t, s.config(tt.change))
			_, err := invoke(t, h, `{}`, newRunExec, newRunStart)
			if err == nil {
				t.Fatalf("Invoke() error = nil, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Invoke() error = %q, want it to contain %q", err, w)
				}
			}
			if keys := s.keys(t); len(keys) != 0 {
				t.Errorf("the bucket holds %v, want nothing written", keys)
			}
		})
	}

	t.Run("invalid configuration refused at start-up", func(t *testing.T) {
		cfg := s.config(func(c *org.Config) { c.RoleARN = "foo" })
		_, err := org.NewHandler(cfg, org.Deps{AWS: s.aws, STS: sts.NewFromConfig(s.aws), S3: s.s3})
		want := `ORG_ROLE_ARN: "foo" is not an IAM role ARN (arn:aws:iam::123456789012:role/name)`
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewHandler() error = %v, want it to contain %q", err, want)
		}
		if keys := s.keys(t); len(keys) != 0 {
			t.Errorf("the bucket holds %v, want nothing written", keys)
		}
	})
}

// fastRetryer is the SDK's standard retryer with the test backoff, so that
// faults outlast its retries in milliseconds.
func fastRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = testBackoff })
}

// TestHandleTransientFailures checks that what a later attempt may not meet
// leaves the function as an *awserr.TransientError, unwrapped, whose Go
// type name aws-lambda-go reports as the errorType the state machine
// retries on, and that nothing is written; a permanent failure is not
// marked.
func TestHandleTransientFailures(t *testing.T) {
	tests := []struct {
		name string
		// rerun re-runs an account of a run listed without faults.
		rerun     bool
		faults    orgsim.Faults
		deadline  time.Duration
		change    func(*org.Config)
		transient bool
		want      string
	}{
		{name: "Organizations throttling past the retries", transient: true,
			faults: orgsim.Faults{Throttle: map[string]float64{"organizations:*": 1}}, want: "TooManyRequestsException"},
		{name: "Organizations server errors", transient: true,
			faults: orgsim.Faults{ServerErrors: map[string]float64{"organizations:ListOrganizationalUnitsForParent": 1}}, want: "exceeded maximum number of attempts"},
		{name: "STS throttling past the retries", transient: true,
			faults: orgsim.Faults{Throttle: map[string]float64{"sts:AssumeRole": 1}}, want: "Throttling"},
		{name: "S3 server errors writing", transient: true,
			faults: orgsim.Faults{ServerErrors: map[string]float64{"s3:PutObject": 1}}, want: "exceeded maximum number of attempts"},
		{name: "S3 server errors reading the run to re-run", rerun: true, transient: true,
			faults: orgsim.Faults{ServerErrors: map[string]float64{"s3:*": 1}}, want: "exceeded maximum number of attempts"},
		{name: "deadline", transient: true, deadline: 150 * time.Millisecond,
			faults: orgsim.Faults{Latency: 100 * time.Millisecond}, want: "deadline exceeded"},
		{name: "org role denied is permanent", change: func(c *org.Config) { c.ExternalID = "not-the-one" }, want: "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, orgsim.Spec{Seed: 5, Accounts: 40, ExternalID: "config-report-ext"})
			h, err := org.NewHandler(s.config(tt.change), org.Deps{
				AWS:             s.aws,
				STS:             sts.NewFromConfig(s.aws, func(o *sts.Options) { o.Retryer = fastRetryer() }),
				S3:              s3.NewFromConfig(s.aws, func(o *s3.Options) { o.UsePathStyle, o.Retryer = true, fastRetryer() }),
				RetryMaxBackoff: testBackoff,
			})
			if err != nil {
				t.Fatal(err)
			}
			input := `{}`
			if tt.rerun {
				if _, err := invoke(t, h, `{}`, newRunExec, newRunStart); err != nil {
					t.Fatalf("new run: %v", err)
				}
				input = rerunInput(accountsIn(s.org, inState(orgsim.StateActive))[0])
			}
			before := s.keys(t)
			s.srv.SetFaults(tt.faults)
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			payload := fmt.Sprintf(`{"input": %s, "executionName": %q, "startTime": %q}`, input, rerunExec, rerunStart)
			_, err = lambda.NewHandler(h.Handle).Invoke(ctx, []byte(payload))
			s.srv.SetFaults(orgsim.Faults{})
			if err == nil {
				t.Fatal("Invoke() error = nil, want a failure")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Invoke() error = %q, want it to contain %q", err, tt.want)
			}
			// The trust-policy hint only where a role was refused.
			if hint := strings.Contains(err.Error(), "check the role's trust policy"); hint == tt.transient {
				t.Errorf("Invoke() error = %q: trust-policy hint %v, want it only for a refused role", err, hint)
			}
			_, isTransient := err.(*awserr.TransientError)
			if name := reflect.TypeOf(err).Elem().Name(); (name == awserr.TransientErrorName) != tt.transient || isTransient != tt.transient {
				t.Errorf("Invoke() error is a %T (type name %q), want a *awserr.TransientError unwrapped: %v", err, name, tt.transient)
			}
			if diff := cmp.Diff(before, s.keys(t)); diff != "" {
				t.Errorf("the bucket changed (-before +after):\n%s", diff)
			}
		})
	}
}

// TestHandleRerunOnlyAccountsOfTheRun checks that a re-run names only
// accounts in one of its run's manifests: an active account the run did not
// list (EXCLUDE_ACCOUNTS left it out then, and has changed since) is
// rejected with nothing written, and an account of an earlier re-run's
// manifest is accepted.
func TestHandleRerunOnlyAccountsOfTheRun(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 9, Accounts: 60})
	active := accountsIn(s.org, inState(orgsim.StateActive))
	good, left, earlier := active[0], active[1], active[2]
	notInOrg := "000000000001"
	atRun := s.handler(t, s.config(func(c *org.Config) { c.ExcludeAccounts = []string{left, earlier} }))
	if _, err := invoke(t, atRun, `{}`, newRunExec, newRunStart); err != nil {
		t.Fatalf("new run: %v", err)
	}
	ctx := context.Background()
	// A re-run manifest written before re-runs were held to their run.
	earlierKey := run.RerunManifestKey(newRunID, "2026-11-30T120000.000Z-earlier")
	if err := run.PutManifest(ctx, s.s3, testBucket, earlierKey, []run.Account{{ID: earlier, Name: "x", Email: "x@example.com", OUPath: "Root"}}); err != nil {
		t.Fatal(err)
	}
	h := s.handler(t, s.config(nil))

	tests := []struct {
		name    string
		ids     []string
		want    []string
		notWant []string
	}{
		{name: "account the run did not list", ids: []string{left},
			want: []string{"re-run of " + newRunID + ": 1 account cannot be scanned: " + left + " is not in run " + newRunID, "nothing was written"}},
		{name: "named with other bad and good accounts", ids: []string{good, notInOrg, left, "12345"},
			want: []string{
				"3 accounts cannot be scanned",
				notInOrg + " is not an account of the organization",
				left + " is not in run " + newRunID,
				"12345 is not a 12-digit account ID",
			},
			notWant: []string{good}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.keys(t)
			_, err := invoke(t, h, rerunInput(tt.ids...), rerunExec, rerunStart)
			var ie *org.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("re-run error = %v (%T), want an *org.InputError", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("re-run error = %q, want it to contain %q", err, w)
				}
			}
			for _, nw := range tt.notWant {
				if strings.Contains(err.Error(), nw) {
					t.Errorf("re-run error = %q, want it not to name %q", err, nw)
				}
			}
			if diff := cmp.Diff(before, s.keys(t)); diff != "" {
				t.Errorf("the bucket changed (-before +after):\n%s", diff)
			}
		})
	}

	t.Run("account of an earlier re-run", func(t *testing.T) {
		out, err := invoke(t, h, rerunInput(earlier, good), rerunExec, rerunStart)
		if err != nil {
			t.Fatalf("re-run: %v", err)
		}
		got, err := run.GetManifest(ctx, s.s3, testBucket, out.ManifestKey)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		if diff := cmp.Diff(slices.Sorted(slices.Values([]string{good, earlier})), ids); diff != "" {
			t.Errorf("re-run manifest accounts (-want +got):\n%s", diff)
		}
	})
}
