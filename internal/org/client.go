package org

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// Retry settings of the Organizations client. Organizations throttles its
// read APIs at low rates and says so with TooManyRequestsException, which
// the SDK's standard retryer treats as a throttle: the lister relies on it
// rather than on a retry loop of its own.
const (
	// DefaultMaxAttempts is how many times one Organizations call is tried.
	DefaultMaxAttempts = 12
	// DefaultMaxBackoff caps the jittered wait between two attempts.
	DefaultMaxBackoff = 20 * time.Second
)

// maxSessionNameLen is STS's limit on RoleSessionName.
const maxSessionNameLen = 64

// Role says which role the lister assumes to read the organization.
type Role struct {
	// ARN is the organization-listing role in the management account.
	ARN string
	// ExternalID is passed to AssumeRole when the role's trust policy
	// requires one; empty means none.
	ExternalID string
	// SessionName names the role session, so CloudTrail in the management
	// account shows which run read the organization; see SessionName.
	SessionName string
}

// NewRetryer returns the retryer of the lister's Organizations client: the
// SDK's standard retryer with maxAttempts attempts, waits capped at
// maxBackoff (zero values take the defaults above), and no client-side retry
// quota. The standard retry quota is a token bucket shared by every call of
// the client; with several goroutines listing at once, a burst of throttles
// would drain it and turn the next throttle into an error although attempts
// remain, so it is replaced by ratelimit.None and the attempts and backoff
// alone bound the retries.
func NewRetryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
	})
}

// NewClient returns an Organizations client whose credentials come from
// assuming role through stsClient (cached and refreshed by
// aws.NewCredentialsCache) and whose retryer is retryer. cfg supplies the
// region, endpoint and HTTP settings; its own credentials are only used by
// stsClient.
func NewClient(cfg aws.Config, stsClient stscreds.AssumeRoleAPIClient, role Role, retryer aws.Retryer) *organizations.Client {
	provider := stscreds.NewAssumeRoleProvider(stsClient, role.ARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = role.SessionName
		if role.ExternalID != "" {
			o.ExternalID = aws.String(role.ExternalID)
		}
	})
	return organizations.NewFromConfig(cfg, func(o *organizations.Options) {
		o.Credentials = aws.NewCredentialsCache(provider)
		o.Retryer = retryer
	})
}

// SessionName returns the role session name for a run: "config-report-"
// followed by the run ID, with any character STS does not accept in a
// session name replaced by '-' and the result cut to STS's 64 characters.
func SessionName(runID string) string {
	var b strings.Builder
	for _, r := range "config-report-" + runID {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			strings.ContainsRune("_+=,.@-", r):
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
		if b.Len() == maxSessionNameLen {
			break
		}
	}
	return b.String()
}
