package scan_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/smithy-go/middleware"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
)

// throttleSpec is an organization whose accounts need every kind of Config
// call, detail listings past a page and several BatchGetResourceConfig
// batches per region, so throttling reaches every operation.
func throttleSpec(seed int64) orgsim.Spec {
	s := faultSpec(seed)
	s.RulesPerRegion, s.ResourcesPerRule = 60, 150
	return s
}

// TestRandomThrottlingKeepsFindings: with 30 % and then 60 % of every AWS
// Config call throttled at random, the scan of an account still succeeds and
// writes the same shard, finding for finding, as a run without faults (which
// itself matches the simulator's ground truth call for call). The SDK's
// retries absorb the throttling (scan.MaxAttempts is sized for it) and the
// pacer, which every throttled API engages, changes no result. The pace is
// set high (CONFIG_RATE=500) so the test is quick; the code path is the
// production one.
func TestRandomThrottlingKeepsFindings(t *testing.T) {
	e := newEnv(t, throttleSpec(41), "CONFIG_RATE=500")
	id := e.member(t)
	clean := scanAndCheck(t, e, id, true)
	if c := clean.Counts(); c.NonCompliant == 0 || c.Resources == 0 {
		t.Fatalf("fault-free shard counts %+v: no findings to compare", c)
	}
	for _, share := range []float64{0.3, 0.6} {
		t.Run(fmt.Sprintf("%.0f%%", share*100), func(t *testing.T) {
			e.srv.SetFaults(orgsim.Faults{Seed: 7, Throttle: map[string]float64{"config:*": share}})
			t.Cleanup(func() { e.srv.SetFaults(orgsim.Faults{}) })
			e.srv.Throttled().Reset()
			got := scanAndCheck(t, e, id, false)
			if diff := cmp.Diff(clean, got, cmpopts.IgnoreFields(run.Shard{}, "ScannedAt")); diff != "" {
				t.Errorf("shard under %.0f%% throttling differs from the fault-free one (-clean +throttled):\n%s", share*100, diff)
			}
			calls, throttled := e.srv.Calls().Count("config:*", id, ""), e.srv.Throttled().Count("config:*", id, "")
			if got := float64(throttled) / float64(calls); got < share/2 {
				t.Errorf("%d of %d Config calls throttled (%.0f%%), want about %.0f%%: the faults were not exercised", throttled, calls, got*100, share*100)
			}
			t.Logf("%d of %d Config calls throttled", throttled, calls)
		})
	}
}

// opCounter counts the operations a client calls, by region, once per
// call whatever its attempts: what the scanner asks for, apart from the
// SDK's retries (which may also follow a transport error, so the server's
// count of answered requests can exceed it).
type opCounter struct {
	mu sync.Mutex
	m  map[[2]string]int
}

func (c *opCounter) count(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("CountOperations", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		c.mu.Lock()
		if c.m == nil {
			c.m = map[[2]string]int{}
		}
		c.m[[2]string{awsmiddleware.GetRegion(ctx), "config:" + awsmiddleware.GetOperationName(ctx)}]++
		c.mu.Unlock()
		return next.HandleInitialize(ctx, in)
	}), middleware.After)
}

// in returns the operations called in region, by IAM action.
func (c *opCounter) in(region string) map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, n := range c.m {
		if k[0] == region {
			out[k[1]] = n
		}
	}
	return out
}

// TestPacingUnderRateLimit scans an account whose AWS Config throttles each
// API of each region by rate (a token bucket of one, refilled 100 times a
// second), first without pacing (CONFIG_RATE=0), then paced at half that
// rate, with the SDK's backoff scaled to the rate. Both scans write the
// ground truth's shard and call each operation exactly the minimum number of
// times (the SDK's retries apart);
// the paced scan is throttled less, since once an API is throttled its new
// calls wait their turn instead of meeting an empty bucket. The outcome
// depends on timing only through the margin between the two rates (10 ms a
// call), not on how long anything takes.
func TestPacingUnderRateLimit(t *testing.T) {
	throttled := map[string]int{}
	for _, pace := range []string{"0", "50"} {
		t.Run("CONFIG_RATE="+pace, func(t *testing.T) {
			e := newEnv(t, throttleSpec(43), "CONFIG_RATE="+pace)
			awsCfg := e.srv.AWSConfig(e.org.HubRoleARN(orgsim.DefaultScannerRoleName), hubRegion)
			awsCfg.Retryer = func() aws.Retryer { return scan.NewRetryer(50 * time.Millisecond) }
			ops := &opCounter{}
			e.handler.Scanner.Config = configservice.NewFromConfig(awsCfg, func(o *configservice.Options) {
				o.APIOptions = append(o.APIOptions, ops.count)
			})
			e.srv.SetRateLimits(map[string]orgsim.RateLimit{"config:*": {Rate: 100, Burst: 1}})
			id := e.member(t)

			e.srv.Throttled().Reset()
			scanAndCheck(t, e, id, false)
			a := e.org.Account(id)
			for _, region := range e.cfg.Regions {
				if diff := cmp.Diff(e.minimumCalls(a, region), ops.in(region)); diff != "" {
					t.Errorf("Config operations called in %s/%s (-minimum +called):\n%s", id, region, diff)
				}
			}
			throttled[pace] = e.srv.Throttled().Count("config:*", id, "")
			t.Logf("%d Config calls, %d throttled (%d GetComplianceDetailsByConfigRule)", e.srv.Calls().Count("config:*", id, ""),
				throttled[pace], e.srv.Throttled().Count(access.ConfigGetComplianceDetailsByConfigRule, id, ""))
		})
	}
	if throttled["0"] == 0 {
		t.Fatal("the unpaced scan was never throttled: the rate limit was not exercised")
	}
	if throttled["50"] >= throttled["0"] {
		t.Errorf("paced scan throttled %d times, unpaced %d: pacing did not help", throttled["50"], throttled["0"])
	}
}
