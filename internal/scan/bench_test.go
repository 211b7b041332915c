package scan_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/sts"

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
