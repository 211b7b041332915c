package orgsim

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestAssumeRoleAndCallerIdentity(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	org, srv := startOrg(t, Spec{Seed: 21, Accounts: 8}, WithClock(func() time.Time { return now }))
	ctx := t.Context()
	scanner := org.HubRoleARN(org.Spec.ScannerRoleName)
	hub := sts.NewFromConfig(hubConfig(srv, scanner, "eu-west-1"))

	id, err := hub.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	wantARN := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/orgsim", org.HubAccountID, org.Spec.ScannerRoleName)
	if aws.ToString(id.Account) != org.HubAccountID || aws.ToString(id.Arn) != wantARN || !strings.HasPrefix(aws.ToString(id.UserId), "AROA") {
		t.Errorf("GetCallerIdentity = %s %s %s, want account %s, ARN %s, user AROA…", aws.ToString(id.Account), aws.ToString(id.Arn), aws.ToString(id.UserId), org.HubAccountID, wantARN)
	}

	target := healthyAccount(t, org)
	role := org.RoleARN(target.ID, org.Spec.ReadRoleName)
	out, err := hub.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: &role, RoleSessionName: aws.String("scan-1"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || aws.ToString(c.SessionToken) == "" || aws.ToString(c.SecretAccessKey) == "" {
		t.Errorf("AssumeRole credentials = %+v, want ASIA… key, secret and session token", c)
	}
	if want := now.Add(15 * time.Minute); !c.Expiration.Equal(want) {
		t.Errorf("Expiration = %v, want %v", c.Expiration, want)
	}
	wantSession := fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/scan-1", target.ID, org.Spec.ReadRoleName)
	if aws.ToString(out.AssumedRoleUser.Arn) != wantSession {
		t.Errorf("AssumedRoleUser.Arn = %s, want %s", aws.ToString(out.AssumedRoleUser.Arn), wantSession)
	}

	sessionCfg := hubConfig(srv, scanner, "eu-west-1")
	sessionCfg.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	as := sts.NewFromConfig(sessionCfg)
	id, err = as.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with assumed credentials: %v", err)
	}
	if aws.ToString(id.Account) != target.ID || aws.ToString(id.Arn) != wantSession {
		t.Errorf("GetCallerIdentity = %s %s, want %s %s", aws.ToString(id.Account), aws.ToString(id.Arn), target.ID, wantSession)
	}

	// Past the expiry, the same credentials are refused.
	now = now.Add(16 * time.Minute)
	_, err = as.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if got := errorCode(err); got != "ExpiredToken" {
		t.Errorf("GetCallerIdentity after expiry: %v, want ExpiredToken", err)
	}
	_, err = configservice.NewFromConfig(sessionCfg).DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})
	if got := errorCode(err); got != "ExpiredTokenException" {
		t.Errorf("DescribeConfigRules after expiry: %v, want ExpiredTokenException", err)
	}

	// A key without its session token, or an unknown key, is refused.
	sessionCfg.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, "")
	if _, err := sts.NewFromConfig(sessionCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); errorCode(err) != "InvalidClientTokenId" {
		t.Errorf("GetCallerIdentity without the session token: %v, want InvalidClientTokenId", err)
	}
	sessionCfg.Credentials = credentials.NewStaticCredentialsProvider("AKIAUNKNOWNUNKNOWN00", "secret", "")
	if _, err := sts.NewFromConfig(sessionCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); errorCode(err) != "InvalidClientTokenId" {
		t.Errorf("GetCallerIdentity with an unknown key: %v, want InvalidClientTokenId", err)
	}
	if _, err := configservice.NewFromConfig(sessionCfg).DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{}); errorCode(err) != "UnrecognizedClientException" {
		t.Errorf("DescribeConfigRules with an unknown key: %v, want UnrecognizedClientException", err)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 22, Accounts: 12, ExternalID: "ext-123456", InactiveAccounts: 2, UnreachableAccounts: 3})
	ctx := t.Context()
	s := org.Spec
	scannerARN := org.HubRoleARN(s.ScannerRoleName)
	scanner := sts.NewFromConfig(hubConfig(srv, scannerARN, "eu-west-1"))
	user := sts.NewFromConfig(hubConfig(srv, fmt.Sprintf("arn:aws:iam::%s:user/ops", org.HubAccountID), "eu-west-1"))

	ok := healthyAccountWithExternalID(t, org)
	var missing, untrusting, inactive string
	for _, a := range org.Accounts {
		r, has := a.Role(s.ReadRoleName)
		switch {
		case a.State != StateActive && has:
			inactive = a.ID
		case !has:
			missing = a.ID
		case r.Trusted[0] != scannerARN:
			untrusting = a.ID
		}
	}
	if missing == "" || untrusting == "" || inactive == "" {
		t.Fatalf("spec lacks a missing (%q), untrusting (%q) or inactive (%q) account", missing, untrusting, inactive)
	}
	mustUpdate(t, org, ok, func(a *Account) {
		a.Roles = append(a.Roles, Role{Name: "long", Trusted: []string{scannerARN, fmt.Sprintf("arn:aws:iam::%s:root", org.HubAccountID)}, MaxSessionDuration: 12 * time.Hour})
	})

	tests := []struct {
		name     string
		client   *sts.Client
		role     string
		external string
		duration int32
		wantCode string
	}{
		{"trusted, right ExternalId", scanner, org.RoleARN(ok, s.ReadRoleName), "ext-123456", 0, ""},
		{"role missing", scanner, org.RoleARN(missing, s.ReadRoleName), "ext-123456", 0, "AccessDenied"},
		{"role does not trust the caller", scanner, org.RoleARN(untrusting, s.ReadRoleName), "ext-123456", 0, "AccessDenied"},
		{"ExternalId missing", scanner, org.RoleARN(ok, s.ReadRoleName), "", 0, "AccessDenied"},
		{"ExternalId wrong", scanner, org.RoleARN(ok, s.ReadRoleName), "ext-654321", 0, "AccessDenied"},
		{"account suspended or closed", scanner, org.RoleARN(inactive, s.ReadRoleName), "ext-123456", 0, "AccessDenied"},
		{"account outside the organization", scanner, org.RoleARN("999999999999", s.ReadRoleName), "ext-123456", 0, "AccessDenied"},
		{"DurationSeconds below 900", scanner, org.RoleARN(ok, s.ReadRoleName), "ext-123456", 899, "ValidationError"},
		{"DurationSeconds above the role's maximum", scanner, org.RoleARN(ok, s.ReadRoleName), "ext-123456", 7200, "ValidationError"},
		{"role chaining above one hour", scanner, org.RoleARN(ok, "long"), "", 7200, "ValidationError"},
		{"user (no chaining) up to the role's maximum", user, org.RoleARN(ok, "long"), "", 43200, ""},
		{"DurationSeconds above 43200", user, org.RoleARN(ok, "long"), "", 43201, "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &sts.AssumeRoleInput{RoleArn: &tt.role, RoleSessionName: aws.String("test")}
			if tt.external != "" {
				in.ExternalId = &tt.external
			}
			if tt.duration != 0 {
				in.DurationSeconds = &tt.duration
			}
			_, err := tt.client.AssumeRole(ctx, in)
			if got := errorCode(err); got != tt.wantCode {
				t.Fatalf("AssumeRole(%s) error = %v, want code %q", tt.role, err, tt.wantCode)
			}
			if tt.wantCode == "AccessDenied" {
				id, _ := tt.client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				want := fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", aws.ToString(id.Arn), tt.role)
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

func healthyAccountWithExternalID(t *testing.T, org *Org) string {
	t.Helper()
	for _, a := range org.Accounts {
		r, ok := a.Role(org.Spec.ReadRoleName)
		if a.State == StateActive && ok && r.ExternalID == org.Spec.ExternalID && r.Trusted[0] == org.HubRoleARN(org.Spec.ScannerRoleName) && a.ID != org.HubAccountID {
			return a.ID
		}
	}
	t.Fatal("no healthy account")
	return ""
}

func mustUpdate(t *testing.T, org *Org, id string, fn func(*Account)) {
	t.Helper()
	if err := org.UpdateAccount(id, fn); err != nil {
		t.Fatal(err)
	}
}

// TestAssumeRoleConcurrently assumes roles in many accounts at once, as the
// Distributed Map's children do, and checks each session sees its own account.
func TestAssumeRoleConcurrently(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 23, Accounts: 40, InactiveAccounts: -1, UnreachableAccounts: -1})
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, len(org.Accounts))
	for _, a := range org.Accounts {
		wg.Go(func() {
			cfg := readConfig(org, srv, a.ID, "eu-west-1")
			id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			switch {
			case err != nil:
				errs <- fmt.Errorf("%s: %w", a.ID, err)
			case aws.ToString(id.Account) != a.ID:
				errs <- fmt.Errorf("session for %s is in account %s", a.ID, aws.ToString(id.Account))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := srv.Calls().Count("sts:AssumeRole", org.HubAccountID, "eu-west-1"); n != len(org.Accounts) {
		t.Errorf("AssumeRole calls = %d, want %d", n, len(org.Accounts))
	}
}
