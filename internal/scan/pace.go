package scan

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// DefaultConfigRate is CONFIG_RATE's default: one call a second per AWS
// Config API and account-region once Config has throttled that API there.
// AWS publishes no rate for Config's read APIs (AWS Config Developer Guide,
// "Service Limits", lists none); one call a second is what clients that call
// Config one call at a time report to pass unthrottled
// (elastic/integrations#16579), the same assumption as the simulator's
// orgsim.DefaultConfigRateLimit.
const DefaultConfigRate = 1.0

// throttles is the SDK's own test of whether an error is throttling
// (ThrottlingException, Throttling, TooManyRequestsException, …).
var throttles = retry.IsErrorThrottles(retry.DefaultThrottles)

// pacer paces one account-region's AWS Config calls. AWS throttles each API
// of an account-region with a token bucket of its own; until Config has
// throttled an API there, the pacer lets its calls go as fast as the
// scanner makes them, so an account whose Config allows more is scanned at
// full speed. From an API's first throttled answer on, its calls there go
// out at most rate a second, one at a time (a token bucket of one,
// golang.org/x/time/rate): each new call waits for its turn, and the retry
// of a throttled call waits for its turn instead of the SDK's exponential
// backoff, so calls and retries together stay under the rate and no call
// waits longer than the rate makes it. Only while nothing goes through
// (Config throttles every call, whatever the rate) does a call, after one
// such retry, fall back to the SDK's backoff, so that such a scan fails as
// soon as its attempts run out, as it would without pacing.
//
// A pacer is used by one regionScan; it is safe for concurrent use.
type pacer struct {
	rate rate.Limit
	mu   sync.Mutex
	apis map[string]*paced // by operation name, from its first throttle
}

// paced is the pace of one API.
type paced struct {
	lim *rate.Limiter
	// flowing is set when a call has gone through since the API was
	// first throttled: the limit is a rate.
	flowing bool
}

// callPace is one operation call's state, across its attempts.
type callPace struct {
	attempts int
	// turns counts the retries that waited for a turn instead of backing off.
	turns int
	// turnNext says the next attempt waits for its turn.
	turnNext bool
}

// newPacer returns a pacer at perSecond calls a second per API, or nil,
// which paces nothing, when perSecond is not positive.
func newPacer(perSecond float64) *pacer {
	if !(perSecond > 0) {
		return nil
	}
	return &pacer{rate: rate.Limit(perSecond), apis: map[string]*paced{}}
}

// limiter returns the API's limiter, nil while the API has not been throttled.
func (p *pacer) limiter(api string) *rate.Limiter {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a := p.apis[api]; a != nil {
		return a.lim
	}
	return nil
}

// answered records an attempt's outcome and reports whether the call's
// retry, if any, should wait for a turn instead of backing off. A throttled
// answer starts pacing the API: Config's bucket for it has just run dry, so
// the limiter starts empty too, and the next call goes one interval from
// now, when AWS's bucket has a token again. A call that goes through while
// the API is paced shows the limit is a rate.
func (p *pacer) answered(api string, c *callPace, err error) (turn bool) {
	throttled := err != nil && throttles.IsErrorThrottle(err) == aws.TrueTernary
	p.mu.Lock()
	defer p.mu.Unlock()
	a := p.apis[api]
	switch {
	case throttled && a == nil:
		lim := rate.NewLimiter(p.rate, 1)
		lim.Allow()
		a = &paced{lim: lim}
		p.apis[api] = a
	case err == nil && a != nil:
		a.flowing = true
	}
	return throttled && (a.flowing || c.turns == 0)
}

// wait waits for the API's next turn, if it is paced, or for ctx to end.
// The turn is taken when the call goes, not booked ahead: a waiter that
// wakes late then pushes the next turn back, so the calls that reach AWS
// are never closer together than the rate allows, whatever the timers'
// lateness.
func (p *pacer) wait(ctx context.Context, api string) error {
	lim := p.limiter(api)
	if lim == nil {
		return nil
	}
	for {
		now := time.Now()
		if lim.AllowN(now, 1) {
			return nil
		}
		// Until a whole token is back; another waiter may take it first.
		d := time.Duration((1 - lim.TokensAt(now)) / float64(p.rate) * float64(time.Second))
		t := time.NewTimer(max(d, time.Millisecond))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// callPaceKey keys a call's *callPace in its context.
type callPaceKey struct{}

// pacedThrottle marks a throttled answer whose retry waits for its turn:
// the scanner's retryer (NewRetryer) then adds no backoff of its own. It
// reads as the answer it wraps.
type pacedThrottle struct{ err error }

func (e *pacedThrottle) Error() string { return e.err.Error() }
func (e *pacedThrottle) Unwrap() error { return e.err }

// apply adds the pacer to an operation's middleware stack, around the
// SDK's retry middleware: before it, a new call waits for its turn (once
// per call); after it, each attempt's answer is recorded, and a retry that
// is to wait for its turn waits for it. Use it as an element of
// configservice.Options.APIOptions; a nil pacer adds nothing.
func (p *pacer) apply(stack *middleware.Stack) error {
	if p == nil {
		return nil
	}
	before := middleware.FinalizeMiddlewareFunc("ScanPaceCall", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		if err := p.wait(ctx, awsmiddleware.GetOperationName(ctx)); err != nil {
			return middleware.FinalizeOutput{}, middleware.Metadata{}, err
		}
		return next.HandleFinalize(context.WithValue(ctx, callPaceKey{}, &callPace{}), in)
	})
	after := middleware.FinalizeMiddlewareFunc("ScanPaceAttempt", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		api := awsmiddleware.GetOperationName(ctx)
		// The retry middleware runs a call's attempts one after another.
		c, ok := ctx.Value(callPaceKey{}).(*callPace)
		if !ok {
			return next.HandleFinalize(ctx, in)
		}
		if c.attempts++; c.turnNext {
			c.turnNext = false
			if err := p.wait(ctx, api); err != nil {
				return middleware.FinalizeOutput{}, middleware.Metadata{}, err
			}
		}
		out, md, err := next.HandleFinalize(ctx, in)
		if p.answered(api, c, err) {
			c.turns++
			c.turnNext = true
			err = &pacedThrottle{err}
		}
		return out, md, err
	})
	if err := stack.Finalize.Insert(before, "Retry", middleware.Before); err != nil {
		return fmt.Errorf("pace AWS Config calls: %w", err)
	}
	if err := stack.Finalize.Insert(after, "Retry", middleware.After); err != nil {
		return fmt.Errorf("pace AWS Config calls: %w", err)
	}
	return nil
}
