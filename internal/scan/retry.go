package scan

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/config-report/config-report/internal/awserr"
)

// Retry settings of the scanner's AWS clients.
const (
	// MaxAttempts is how many times the SDK tries one call. AWS Config
	// allows about one request per second per API and account-region under
	// load, so throttling is expected and absorbed here, not in our code.
	MaxAttempts = 10
	// MaxBackoff caps the SDK's exponential, jittered delay between attempts.
	MaxBackoff = 10 * time.Second
)

// NewRetryer returns the scanner's retryer: awserr.NewRetryer with
// MaxAttempts attempts and backoff capped at maxBackoff (MaxBackoff in
// production). Use it as aws.Config.Retryer:
//
//	cfg.Retryer = func() aws.Retryer { return scan.NewRetryer(scan.MaxBackoff) }
func NewRetryer(maxBackoff time.Duration) aws.Retryer {
	return awserr.NewRetryer(MaxAttempts, maxBackoff)
}
