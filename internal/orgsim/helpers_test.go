package orgsim

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// startOrg generates an organization and serves it for the test.
func startOrg(t *testing.T, spec Spec, opts ...Option) (*Org, *Server) {
	t.Helper()
	org := Generate(permissive(spec))
	srv := Start(org, opts...)
	t.Cleanup(srv.Close)
	return org, srv
}

// permissive lets the org and read roles call every action unless the spec
// names their actions: most of these tests exercise the simulator's whole
// API surface through those roles, not only the pipeline's calls, which
// the scanner's and lister's tests check against the real lists.
func permissive(spec Spec) Spec {
	if spec.OrgRoleActions == nil {
		spec.OrgRoleActions = []string{"*"}
	}
	if spec.ReadRoleActions == nil {
		spec.ReadRoleActions = []string{"*"}
	}
	return spec
}

// retryer is the SDK's standard retryer with the given attempts, no backoff
// delay and no client-side retry quota, so tests that inject faults stay fast.
func retryer(attempts int) func() aws.Retryer {
	return func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		})
	}
}

// hubConfig returns an aws.Config for a hub principal with no retries.
func hubConfig(srv *Server, principalARN, region string) aws.Config {
	cfg := srv.AWSConfig(principalARN, region)
	cfg.Retryer = retryer(1)
	return cfg
}

// assumed returns cfg with credentials assumed into roleARN.
func assumed(cfg aws.Config, roleARN string, opts ...func(*stscreds.AssumeRoleOptions)) aws.Config {
	out := cfg.Copy()
	out.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleARN, opts...))
	return out
}

// readConfig returns a config assumed into an account's read role, as the
// scanner gets it.
func readConfig(org *Org, srv *Server, accountID, region string) aws.Config {
	return assumed(hubConfig(srv, org.HubRoleARN(org.Spec.ScannerRoleName), region), org.RoleARN(accountID, org.Spec.ReadRoleName))
}

// orgConfig returns a config assumed into the management account's org role.
func orgConfig(org *Org, srv *Server) aws.Config {
	return assumed(hubConfig(srv, org.HubRoleARN(org.Spec.ListerRoleName), "us-east-1"), org.RoleARN(org.ManagementAccountID, org.Spec.OrgRoleName))
}

// errorCode returns the API error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// healthyAccount returns an active, reachable member account with Config
// recording in every region, no denied action and no disabled region.
func healthyAccount(t *testing.T, org *Org) *Account {
	t.Helper()
	for _, a := range org.Accounts {
		if a.ID == org.ManagementAccountID || a.ID == org.HubAccountID || a.State != StateActive ||
			len(a.DeniedActions) > 0 || len(a.DisabledRegions) > 0 || len(a.SCPDeniedRegions) > 0 ||
			a.gen != (accountGen{inOU: a.gen.inOU}) {
			continue
		}
		if r, ok := a.Role(org.Spec.ReadRoleName); ok && r.ExternalID == "" && len(r.Trusted) == 1 && r.Trusted[0] == org.HubRoleARN(org.Spec.ScannerRoleName) {
			return a
		}
	}
	t.Fatal("no healthy account")
	return nil
}
