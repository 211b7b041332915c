package scan

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
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

// NewRetryer returns the SDK's standard retryer tuned for scanning: MaxAttempts
// attempts, backoff capped at maxBackoff (MaxBackoff in production), and no
// client-wide retry-token bucket (ratelimit.None), so that many goroutines
// being throttled at once cannot drain a shared quota and fail calls that
// still had attempts left. Use it as aws.Config.Retryer:
//
//	cfg.Retryer = func() aws.Retryer { return scan.NewRetryer(scan.MaxBackoff) }
func NewRetryer(maxBackoff time.Duration) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = MaxAttempts
		o.MaxBackoff = maxBackoff
		o.RateLimiter = ratelimit.None
	})
}
