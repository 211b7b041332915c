package scan

import (
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/config-report/config-report/internal/awserr"
)

// Retry settings of the scanner's AWS clients.
const (
	// MaxAttempts is how many times the SDK tries one call. Throttling is
	// expected and absorbed here, not in our code: 30 attempts outlast even
	// 60 % of calls throttled at random (0.6^30 ≈ 2e-7 a call;
	// TestRandomThrottlingKeepsFindings), where 10 failed most scans of an
	// account. A call throttled every time still fails within minutes, well
	// inside the Lambda's 15.
	MaxAttempts = 30
	// MaxBackoff caps the SDK's exponential, jittered delay between attempts.
	MaxBackoff = 10 * time.Second
)

// NewRetryer returns the scanner's retryer: awserr.NewRetryer with
// MaxAttempts attempts and backoff capped at maxBackoff (MaxBackoff in
// production), except that a throttled call whose retry the scanner paces
// (see pacer) is retried with no backoff: its wait is its turn. Use it as
// aws.Config.Retryer:
//
//	cfg.Retryer = func() aws.Retryer { return scan.NewRetryer(scan.MaxBackoff) }
func NewRetryer(maxBackoff time.Duration) aws.Retryer {
	return pacedRetryer{awserr.NewRetryer(MaxAttempts, maxBackoff).(aws.RetryerV2)}
}

// pacedRetryer is a retryer that leaves the wait before a paced retry to
// the pacer.
type pacedRetryer struct{ aws.RetryerV2 }

// RetryDelay returns no delay for a retry the pacer times, the wrapped
// retryer's otherwise.
func (r pacedRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	var pt *pacedThrottle
	if errors.As(err, &pt) {
		return 0, nil
	}
	return r.RetryerV2.RetryDelay(attempt, err)
}
