package org

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/config-report/config-report/internal/awserr"
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

// NewRetryer returns the retryer of the lister's Organizations client:
// awserr.NewRetryer with maxAttempts attempts and waits capped at
// maxBackoff, zero values taking the defaults above.
func NewRetryer(maxAttempts int, maxBackoff time.Duration) aws.Retryer {
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	return awserr.NewRetryer(maxAttempts, maxBackoff)
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
