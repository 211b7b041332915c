package orgsim

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// RateLimit is a token bucket that throttles by rate, as AWS throttles its
// APIs: a bucket holds up to Burst tokens and refills at Rate tokens a
// second; a call takes one token, and a call that finds the bucket empty is
// throttled and takes none. This is the model AWS documents for the API
// request throttling it describes (Amazon EC2 API reference, "Request
// throttling for the Amazon EC2 API": a bucket per account, Region and
// action with a maximum capacity and a refill rate; a request that finds no
// token is throttled).
type RateLimit struct {
	// Rate is the refill rate in calls per second. Zero refills nothing:
	// after Burst calls every call is throttled.
	Rate float64
	// Burst is the bucket's capacity, the calls allowed at once from full;
	// less than 1 counts as 1.
	Burst int
}

// DefaultConfigRateLimit is the rate limit the simulator's users (the demo's
// --config-rate, the tests) start from for each AWS Config read API per
// account and region. It is an assumption, not a documented figure: AWS
// Config's quotas page ("Service Limits", AWS Config Developer Guide) and
// its API reference list no request rate for DescribeConfigRules,
// DescribeComplianceByConfigRule, GetComplianceDetailsByConfigRule or the
// other reads, only that a throttled call gets ThrottlingException (HTTP
// 400, "Rate exceeded", as AWS answers it: elastic/integrations#15764 quotes
// the body {"__type":"ThrottlingException","message":"Rate exceeded"} from
// GetComplianceDetailsByConfigRule). One call a second with no burst is the
// strictest figure that clients which call Config one call at a time report
// to pass unthrottled (elastic/integrations#16579 settled on 1/s, burst 1),
// so a simulator using it is not more lenient than AWS as far as anyone has
// published. scan.DefaultConfigRate makes the same assumption.
var DefaultConfigRateLimit = RateLimit{Rate: 1, Burst: 1}

// rateState keeps one token bucket per operation, account and region, by
// the server's clock, so that a test with a fixed clock (WithClock) sees a
// bucket that never refills and can count exactly which calls pass.
type rateState struct {
	mu      sync.Mutex
	limits  map[string]RateLimit
	buckets map[callKey]*rate.Limiter
}

func (rs *rateState) set(limits map[string]RateLimit) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.limits = make(map[string]RateLimit, len(limits))
	for k, v := range limits {
		rs.limits[k] = v
	}
	rs.buckets = make(map[callKey]*rate.Limiter)
}

// allow takes a token for the call at now, or reports that the call is
// throttled. Operations without a limit are always allowed.
func (rs *rateState) allow(op, account, region string, now time.Time) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	lim, ok := limitFor(rs.limits, op)
	if !ok {
		return true
	}
	k := callKey{op, account, region}
	b := rs.buckets[k]
	if b == nil {
		// A new bucket starts full, as an account's bucket is when it has
		// not called the API for a while.
		b = rate.NewLimiter(rate.Limit(lim.Rate), max(1, lim.Burst))
		rs.buckets[k] = b
	}
	return b.AllowN(now, 1)
}

// limitFor finds op's limit as rateFor finds a fault rate: the exact key,
// then "<service>:*", then "*".
func limitFor(m map[string]RateLimit, op string) (RateLimit, bool) {
	if len(m) == 0 {
		return RateLimit{}, false
	}
	if v, ok := m[op]; ok {
		return v, true
	}
	svc, _, _ := strings.Cut(op, ":")
	if v, ok := m[svc+":*"]; ok {
		return v, true
	}
	v, ok := m["*"]
	return v, ok
}
