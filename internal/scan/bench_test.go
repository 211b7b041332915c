package scan_test

import (
	"context"
	"flag"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/scan"
)

// BenchmarkScanAccount scans one account with 150 rules in each of 4
// regions, 40 of them NON_COMPLIANT, against the simulator with 20 ms of
// latency on every call, with the production settings (REGION_CONCURRENCY
// and DETAIL_CONCURRENCY 4, names and tags resolved, the production
// retryer). It reports the time per account and the Config calls per
// account-region, next to the minimum the ground truth allows.
//
//	go test ./internal/scan -run '^$' -bench ScanAccount -benchtime 20x
func BenchmarkScanAccount(b *testing.B) {
	const (
		regions      = 4
		rules        = 150
		nonCompliant = 40
	)
	e := newEnv(b, orgsim.Spec{
		Seed: 61, Accounts: 3, Regions: []string{"us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"},
		RulesPerRegion: rules, NonCompliantShare: float64(nonCompliant) / rules,
		InactiveAccounts: -1, UnreachableAccounts: -1, ConfigDisabledAccounts: -1,
		RecorderStoppedAccounts: -1, AccessDeniedAccounts: -1, DisabledRegionAccounts: -1,
	})
	// The production retryer, not the tests' fast one.
	awsCfg := e.srv.AWSConfig(e.org.HubRoleARN(orgsim.DefaultScannerRoleName), hubRegion)
	awsCfg.Retryer = func() aws.Retryer { return scan.NewRetryer(scan.MaxBackoff) }
	e.handler.Scanner.STS = sts.NewFromConfig(awsCfg)
	e.handler.Scanner.Config = configservice.NewFromConfig(awsCfg)

	id := e.org.ActiveAccounts()[2]
	a := e.org.Account(id)
	minimum := 0
	for _, region := range e.cfg.Regions {
		if err := e.org.UpdateRegionConfig(id, region, func(rc *orgsim.RegionConfig) { exactlyNonCompliant(rc, nonCompliant) }); err != nil {
			b.Fatal(err)
		}
		rc := a.RegionConfig(region)
		if len(rc.Rules) != rules {
			b.Fatalf("%s has %d rules, want %d", region, len(rc.Rules), rules)
		}
		minimum += sum(e.minimumCalls(a, region))
	}
	e.srv.SetFaults(orgsim.Faults{Latency: 20 * time.Millisecond})
	e.srv.Calls().Reset()
	in := e.input(id)
	ctx := context.Background()

	start := time.Now()
	for b.Loop() {
		out, err := e.handler.Handle(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		if out.Counts.NonCompliant != regions*nonCompliant {
			b.Fatalf("scan found %d non-compliant rules, want %d", out.Counts.NonCompliant, regions*nonCompliant)
		}
	}
	elapsed := time.Since(start)
	calls := e.srv.Calls().Count("config:*", id, "")
	b.ReportMetric(float64(elapsed.Milliseconds())/float64(b.N), "ms/account")
	b.ReportMetric(float64(calls)/float64(b.N*regions), "config-calls/account-region")
	b.ReportMetric(float64(minimum)/regions, "minimum-calls/account-region")
	b.ReportMetric(float64(e.srv.Calls().Count("sts:AssumeRole", "", ""))/float64(b.N), "assume-role/account")
}

// exactlyNonCompliant makes exactly n of the region's rules NON_COMPLIANT,
// moving resources between the compliant and non-compliant lists.
func exactlyNonCompliant(rc *orgsim.RegionConfig, n int) {
	count := 0
	for i := range rc.Rules {
		if rc.Rules[i].Compliance == orgsim.NonCompliant {
			count++
		}
	}
	for i := range rc.Rules {
		r := &rc.Rules[i]
		switch {
		case count > n && r.Compliance == orgsim.NonCompliant:
			r.Compliance = orgsim.Compliant
			r.CompliantResources = append(r.CompliantResources, r.NonCompliant...)
			r.NonCompliant = nil
			count--
		case count < n && r.Compliance == orgsim.Compliant && len(r.CompliantResources) > 0:
			r.Compliance = orgsim.NonCompliant
			r.NonCompliant, r.CompliantResources = r.CompliantResources, nil
			count++
		}
	}
}

// benchConfigRate is R, the calls a second per AWS Config API and
// account-region that BenchmarkScanAccountRateLimited's simulated Config
// allows.
var benchConfigRate = flag.Float64("config-rate", orgsim.DefaultConfigRateLimit.Rate, "BenchmarkScanAccountRateLimited: calls a second per AWS Config API and account-region the simulator allows")

// delayRetryer is a retryer that adds up the backoff it tells the SDK to
// wait between attempts: the scan's time in backoff, summed over every
// call (calls wait in parallel, so it can exceed the wall time).
type delayRetryer struct {
	aws.RetryerV2
	total *atomic.Int64
}

func (r delayRetryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	r.total.Add(int64(d))
	return d, derr
}

// BenchmarkScanAccountRateLimited scans the account of BenchmarkScanAccount
// (4 regions × 150 rules, 40 NON_COMPLIANT per region, 20 ms latency)
// against a simulated AWS Config that throttles by rate, as AWS does: a
// token bucket per API and account-region, refilled at R calls a second
// (-config-rate, default orgsim.DefaultConfigRateLimit: 1/s, no burst).
// Three scanners, each with the production backoff (scan.MaxBackoff):
//
//   - before: the scanner without pacing and with its former 10 attempts
//     (CONFIG_RATE=0, awserr.NewRetryer(10, …)), today's behaviour before
//     pacing;
//   - sdk-adaptive: no pacing, the SDK's adaptive retry mode (a client-side
//     rate limit learned from throttling, one per client) with scan.MaxAttempts;
//   - after: the scanner as deployed, pacing each API of each account-region
//     at R once throttled (CONFIG_RATE=R, scan.NewRetryer).
//
// It reports the wall time per account, the ideal (the busiest API's calls
// in any region divided by R: no scanner that makes the minimum of calls can
// be faster), their ratio, the Config calls sent and throttled, and the
// time the SDK spent in backoff, summed over calls. A scan that fails (its
// retries exhausted) counts in failed-scans; its figures still count.
//
//	go test ./internal/scan -run '^$' -bench ScanAccountRateLimited -benchtime 1x -config-rate 1
func BenchmarkScanAccountRateLimited(b *testing.B) {
	const (
		regions      = 4
		rules        = 150
		nonCompliant = 40
	)
	r := *benchConfigRate
	variants := []struct {
		name    string
		pace    float64
		retryer func() aws.Retryer
	}{
		{"before", 0, func() aws.Retryer { return awserr.NewRetryer(10, scan.MaxBackoff) }},
		{"sdk-adaptive", 0, func() aws.Retryer {
			return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
				o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
					so.MaxAttempts, so.MaxBackoff, so.RateLimiter = scan.MaxAttempts, scan.MaxBackoff, ratelimit.None
				})
			})
		}},
		{"after", r, func() aws.Retryer { return scan.NewRetryer(scan.MaxBackoff) }},
	}
	for _, v := range variants {
		b.Run(v.name, func(b *testing.B) {
			e := newEnv(b, orgsim.Spec{
				Seed: 61, Accounts: 3, Regions: []string{"us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"},
				RulesPerRegion: rules, NonCompliantShare: float64(nonCompliant) / rules,
				InactiveAccounts: -1, UnreachableAccounts: -1, ConfigDisabledAccounts: -1,
				RecorderStoppedAccounts: -1, AccessDeniedAccounts: -1, DisabledRegionAccounts: -1,
			}, fmt.Sprintf("CONFIG_RATE=%g", v.pace))
			var backoff atomic.Int64
			awsCfg := e.srv.AWSConfig(e.org.HubRoleARN(orgsim.DefaultScannerRoleName), hubRegion)
			awsCfg.Retryer = func() aws.Retryer { return delayRetryer{v.retryer().(aws.RetryerV2), &backoff} }
			e.handler.Scanner.STS = sts.NewFromConfig(awsCfg)
			e.handler.Scanner.Config = configservice.NewFromConfig(awsCfg)

			id := e.org.ActiveAccounts()[2]
			a := e.org.Account(id)
			ideal := 0.0
			for _, region := range e.cfg.Regions {
				if err := e.org.UpdateRegionConfig(id, region, func(rc *orgsim.RegionConfig) { exactlyNonCompliant(rc, nonCompliant) }); err != nil {
					b.Fatal(err)
				}
				for _, n := range e.minimumCalls(a, region) {
					ideal = max(ideal, float64(n)/r)
				}
			}
			e.srv.SetFaults(orgsim.Faults{Latency: 20 * time.Millisecond})
			e.srv.SetRateLimits(map[string]orgsim.RateLimit{"config:*": {Rate: r, Burst: orgsim.DefaultConfigRateLimit.Burst}})
			e.srv.Calls().Reset()
			e.srv.Throttled().Reset()
			in := e.input(id)
			ctx := context.Background()

			failed := 0
			start := time.Now()
			for b.Loop() {
				out, err := e.handler.Handle(ctx, in)
				switch {
				case err != nil:
					failed++
					b.Logf("scan failed: %v", err)
				case out.Counts.NonCompliant != regions*nonCompliant:
					b.Fatalf("scan found %d non-compliant rules, want %d", out.Counts.NonCompliant, regions*nonCompliant)
				}
			}
			wall := time.Since(start).Seconds() / float64(b.N)
			calls := float64(e.srv.Calls().Count("config:*", id, "")) / float64(b.N)
			throttled := float64(e.srv.Throttled().Count("config:*", id, "")) / float64(b.N)
			b.ReportMetric(wall, "wall-s/account")
			b.ReportMetric(ideal, "ideal-s/account")
			b.ReportMetric(wall/ideal, "x-ideal")
			b.ReportMetric(calls, "config-calls/account")
			b.ReportMetric(throttled, "throttled/account")
			b.ReportMetric(100*throttled/calls, "throttled-%")
			b.ReportMetric(time.Duration(backoff.Load()).Seconds()/float64(b.N), "backoff-s/account")
			b.ReportMetric(float64(failed), "failed-scans")
		})
	}
}
