package orgsim

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Faults is the transient misbehaviour the server injects, as AWS shows it.
// Operation keys are "<service>:<Operation>" with the SigV4 service name:
// "config:DescribeConfigRules", "organizations:ListAccounts",
// "sts:AssumeRole", "ses:SendEmail", "s3:PutObject"; a rate map may also hold
// "<service>:*" and "*", the most specific key winning.
//
// Whether the n-th call of an operation by an account in a region fails is a
// pure function of Seed, the operation, the account, the region and n, so a
// test whose calls for one key are sequential (as a paginator's are) sees the
// same faults on every run, whatever other goroutines do.
type Faults struct {
	// Latency is added to every call (after authentication); a call whose
	// context ends first gets no response.
	Latency time.Duration
	// Throttle maps operation keys to the probability [0, 1] that a call is
	// throttled: Config ThrottlingException, Organizations
	// TooManyRequestsException, STS Throttling (HTTP 400), SES
	// TooManyRequestsException (429), S3 SlowDown (503).
	Throttle map[string]float64
	// ServerErrors maps operation keys to the probability that a call fails
	// with a server error, in turn HTTP 500 (InternalFailure; Organizations
	// ServiceException; SES InternalServiceErrorException; S3 InternalError)
	// and 503 ServiceUnavailable.
	ServerErrors map[string]float64
	// Accounts, if not empty, limits Throttle and ServerErrors to calls made
	// with these accounts' credentials.
	Accounts []string
	// Seed varies the fault pattern.
	Seed int64
}

type faultKind int

const (
	faultNone faultKind = iota
	faultThrottle
	faultInternal
	faultUnavailable
)

type faultDecision struct {
	latency time.Duration
	kind    faultKind
}

type faultState struct {
	mu sync.Mutex
	f  Faults
	n  map[callKey]int
}

func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f = f
	fs.n = make(map[callKey]int)
}

func (fs *faultState) decide(op, account, region string) faultDecision {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	d := faultDecision{latency: fs.f.Latency}
	if len(fs.f.Accounts) > 0 && !slices.Contains(fs.f.Accounts, account) {
		return d
	}
	throttle, server := rateFor(fs.f.Throttle, op), rateFor(fs.f.ServerErrors, op)
	if throttle == 0 && server == 0 {
		return d
	}
	k := callKey{op, account, region}
	n := fs.n[k]
	fs.n[k] = n + 1
	seed := uint64(fs.f.Seed)
	switch h := hashOf(seed, "throttle", op, account, region, itoa(n)); {
	case unit(h) < throttle:
		d.kind = faultThrottle
	case unit(hashOf(seed, "server", op, account, region, itoa(n))) < server:
		d.kind = faultInternal
		if h&1 == 1 {
			d.kind = faultUnavailable
		}
	}
	return d
}

// rateFor finds the rate for op: exact key, then "<service>:*", then "*".
func rateFor(m map[string]float64, op string) float64 {
	if v, ok := m[op]; ok {
		return v
	}
	svc, _, _ := strings.Cut(op, ":")
	if v, ok := m[svc+":*"]; ok {
		return v
	}
	return m["*"]
}

// Calls counts the authenticated requests the server received, by operation
// key, caller account and region. Every request counts, including those that
// a fault or an error answered.
type Calls struct {
	mu sync.Mutex
	m  map[callKey]int
}

type callKey struct{ op, account, region string }

func (c *Calls) add(k callKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[callKey]int)
	}
	c.m[k]++
}

// Count returns how many calls matched. op is an operation key
// ("config:DescribeConfigRules") or "<service>:*"; account is the caller's
// account ID; region the request's signing region. "" matches anything.
func (c *Calls) Count(op, account, region string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	svc, wild := strings.CutSuffix(op, ":*")
	n := 0
	for k, v := range c.m {
		switch {
		case wild && !strings.HasPrefix(k.op, svc+":"):
		case !wild && op != "" && k.op != op:
		case account != "" && k.account != account:
		case region != "" && k.region != region:
		default:
			n += v
		}
	}
	return n
}

// Operations returns the operation keys of every call counted, sorted, each
// once ("config:DescribeConfigRules", "sts:AssumeRole", …).
func (c *Calls) Operations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[string]bool{}
	for k := range c.m {
		seen[k.op] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// Reset sets every count to zero.
func (c *Calls) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m = nil
}
