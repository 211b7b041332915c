package orgsim

import (
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// TestRateLimits drives the token buckets with the server's clock held
// still and moved by hand, so every outcome is exact: a bucket of Burst
// tokens lets that many calls through, throttles the next with AWS
// Config's ThrottlingException (HTTP 400, "Rate exceeded"), which the SDK's
// retryer takes for throttling, and refills at Rate tokens a second; each
// operation, region and account has its own bucket; a call throttled at
// random takes no token.
func TestRateLimits(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	org, srv := startOrg(t, Spec{Seed: 53, Accounts: 6}, WithClock(func() time.Time { return time.Unix(0, clock.Load()) }))
	advance := func(d time.Duration) { clock.Add(int64(d)) }
	a := healthyAccount(t, org)
	var other *Account
	for _, b := range org.Accounts {
		if b.ID != a.ID && b.ID != org.ManagementAccountID && b.ID != org.HubAccountID && b.State == StateActive {
			if r, ok := b.Role(org.Spec.ReadRoleName); ok && r.ExternalID == "" && len(b.DisabledRegions) == 0 {
				other = b
				break
			}
		}
	}
	if other == nil {
		t.Fatal("no second reachable account")
	}
	ctx := t.Context()
	client := func(account, region string) *configservice.Client {
		return configservice.NewFromConfig(readConfig(org, srv, account, region))
	}
	euRules := func(c *configservice.Client) func() error {
		return func() error {
			_, err := c.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})
			return err
		}
	}
	recorder := func(c *configservice.Client) func() error {
		return func() error {
			_, err := c.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
			return err
		}
	}
	eu, us, otherEU := client(a.ID, "eu-west-1"), client(a.ID, "us-east-1"), client(other.ID, "eu-west-1")
	// Assume the read roles before any limit, so STS is not part of the count.
	for _, c := range []*configservice.Client{eu, us, otherEU} {
		if err := recorder(c)(); err != nil {
			t.Fatal(err)
		}
	}

	srv.SetRateLimits(map[string]RateLimit{"config:*": {Rate: 2, Burst: 3}, "config:DescribeConfigurationRecorderStatus": {Rate: 0, Burst: 1}})
	wantThrottled := func(t *testing.T, err error) {
		t.Helper()
		var ae smithy.APIError
		var re *smithyhttp.ResponseError
		switch {
		case !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" || ae.ErrorMessage() != "Rate exceeded":
			t.Fatalf("error %v, want ThrottlingException: Rate exceeded", err)
		case !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusBadRequest:
			t.Errorf("error %v, want HTTP 400", err)
		case retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) != aws.TrueTernary:
			t.Errorf("the SDK does not take %v for throttling", err)
		}
	}
	steps := []struct {
		name      string
		call      func() error
		throttled bool
	}{
		{"1st of a burst of 3", euRules(eu), false},
		{"2nd", euRules(eu), false},
		{"3rd", euRules(eu), false},
		{"4th: bucket empty", euRules(eu), true},
		{"another operation has its own bucket", recorder(eu), false},
		{"whose rate of 0 never refills", recorder(eu), true},
		{"another region has its own bucket", euRules(us), false},
		{"another account has its own bucket", euRules(otherEU), false},
		{"still empty", euRules(eu), true},
	}
	for _, s := range steps {
		err := s.call()
		if s.throttled {
			wantThrottled(t, err)
		} else if err != nil {
			t.Fatalf("%s: %v, want no error", s.name, err)
		}
	}
	// Half a second at 2 tokens a second refills one token.
	advance(500 * time.Millisecond)
	if err := euRules(eu)(); err != nil {
		t.Fatalf("after one token's refill: %v", err)
	}
	wantThrottled(t, euRules(eu)())
	advance(time.Minute)
	for i := range 3 {
		if err := euRules(eu)(); err != nil {
			t.Fatalf("call %d after a long pause: %v; the bucket refills to its burst", i+1, err)
		}
	}
	wantThrottled(t, euRules(eu)())

	if got, want := srv.Throttled().Count("config:DescribeConfigRules", a.ID, "eu-west-1"), 4; got != want {
		t.Errorf("Throttled().Count(DescribeConfigRules) = %d, want %d", got, want)
	}
	if got, want := srv.Throttled().Count("config:*", "", ""), 5; got != want {
		t.Errorf("Throttled().Count(config:*) = %d, want %d", got, want)
	}

	// A call throttled at random takes no token: after 5 of them the bucket
	// of a fresh limit is still full.
	srv.SetRateLimits(map[string]RateLimit{"config:DescribeConfigRules": {Rate: 0, Burst: 1}})
	srv.SetFaults(Faults{Throttle: map[string]float64{"config:DescribeConfigRules": 1}})
	for range 5 {
		wantThrottled(t, euRules(eu)())
	}
	srv.SetFaults(Faults{})
	if err := euRules(eu)(); err != nil {
		t.Fatalf("first call after random throttling: %v; random throttles must not take tokens", err)
	}
	wantThrottled(t, euRules(eu)())

	// nil turns rate limiting off.
	srv.SetRateLimits(nil)
	for range 5 {
		if err := euRules(eu)(); err != nil {
			t.Fatalf("without rate limits: %v", err)
		}
	}
}
