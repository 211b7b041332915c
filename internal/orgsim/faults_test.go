package orgsim

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
)

// TestThrottledCallsCompleteWithRetries injects heavy throttling and server
// errors and checks the SDK's standard retryer still gets every page.
func TestThrottledCallsCompleteWithRetries(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 51, Accounts: 45, RulesPerRegion: 80})
	a := healthyAccount(t, org)
	srv.SetFaults(Faults{
		Seed:         1,
		Throttle:     map[string]float64{"*": 0.4},
		ServerErrors: map[string]float64{"config:*": 0.2, "organizations:ListAccounts": 0.2},
	})
	retrying := func(cfg aws.Config) aws.Config {
		cfg.Retryer = retryer(30)
		return cfg
	}

	scanCfg := retrying(readConfig(org, srv, a.ID, "eu-west-1"))
	got, _ := scanRules(t, configservice.NewFromConfig(scanCfg))
	if diff := cmp.Diff(wantRules(a.RegionConfig("eu-west-1")), got); diff != "" {
		t.Errorf("rules under throttling (-want +got):\n%s", diff)
	}

	orgs := organizations.NewFromConfig(retrying(orgConfig(org, srv)))
	n := 0
	p := organizations.NewListAccountsPaginator(orgs, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListAccounts under throttling: %v", err)
		}
		n += len(out.Accounts)
	}
	if n != len(org.Accounts) {
		t.Errorf("ListAccounts under throttling found %d accounts, want %d", n, len(org.Accounts))
	}
	attempts := srv.Calls().Count("config:DescribeConfigRules", a.ID, "eu-west-1")
	if attempts <= 4 {
		t.Errorf("DescribeConfigRules took %d attempts for 4 pages: faults were not injected", attempts)
	}
}

func TestFaultShapes(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 52, Accounts: 6})
	a := healthyAccount(t, org)
	ctx := t.Context()
	cfgClient := configservice.NewFromConfig(readConfig(org, srv, a.ID, "eu-west-1"))
	orgClient := organizations.NewFromConfig(orgConfig(org, srv))
	stsClient := sts.NewFromConfig(hubConfig(srv, org.HubRoleARN(org.Spec.ScannerRoleName), "eu-west-1"))
	// Warm the assumed credentials before faults are on.
	if _, err := cfgClient.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := orgClient.ListRoots(ctx, &organizations.ListRootsInput{}); err != nil {
		t.Fatal(err)
	}

	config := func() error {
		_, err := cfgClient.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})
		return err
	}
	orgs := func() error {
		_, err := orgClient.ListRoots(ctx, &organizations.ListRootsInput{})
		return err
	}
	assume := func() error {
		_, err := stsClient.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(org.RoleARN(a.ID, org.Spec.ReadRoleName)), RoleSessionName: aws.String("scan")})
		return err
	}
	tests := []struct {
		name   string
		faults Faults
		call   func() error
		codes  []string // acceptable codes: server errors alternate 500 and 503
	}{
		{"Config throttled", Faults{Throttle: map[string]float64{"config:DescribeConfigRules": 1}}, config, []string{"ThrottlingException"}},
		{"Organizations throttled", Faults{Throttle: map[string]float64{"organizations:*": 1}}, orgs, []string{"TooManyRequestsException"}},
		{"STS throttled", Faults{Throttle: map[string]float64{"sts:AssumeRole": 1}}, assume, []string{"Throttling"}},
		{"Config server error", Faults{ServerErrors: map[string]float64{"*": 1}}, config, []string{"InternalFailure", "ServiceUnavailable"}},
		{"Organizations server error", Faults{ServerErrors: map[string]float64{"*": 1}}, orgs, []string{"ServiceException", "ServiceUnavailable"}},
		{"STS server error", Faults{ServerErrors: map[string]float64{"sts:*": 1}}, assume, []string{"InternalFailure", "ServiceUnavailable"}},
		{"another operation is not affected", Faults{Throttle: map[string]float64{"config:GetComplianceDetailsByConfigRule": 1}}, config, []string{""}},
		{"another account is not affected", Faults{Throttle: map[string]float64{"*": 1}, Accounts: []string{org.HubAccountID}}, config, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.SetFaults(tt.faults)
			t.Cleanup(func() { srv.SetFaults(Faults{}) })
			seen := map[string]bool{}
			for range 8 {
				err := tt.call()
				code := errorCode(err)
				if !slices.Contains(tt.codes, code) {
					t.Fatalf("error %v (code %q), want one of %q", err, code, tt.codes)
				}
				seen[code] = true
			}
			if len(tt.codes) == 2 && len(seen) != 2 {
				t.Errorf("8 server errors were all %v, want both 500 and 503", seen)
			}
		})
	}
	srv.SetFaults(Faults{ServerErrors: map[string]float64{"organizations:*": 1}})
	var se *orgtypes.ServiceException
	for range 8 {
		if err := orgs(); errors.As(err, &se) {
			break
		}
	}
	if se == nil {
		t.Error("no Organizations 500 decoded as *ServiceException")
	}
	srv.SetFaults(Faults{Throttle: map[string]float64{"organizations:*": 1}})
	var tmr *orgtypes.TooManyRequestsException
	if err := orgs(); !errors.As(err, &tmr) {
		t.Errorf("throttled Organizations call: %v, want *TooManyRequestsException", err)
	}
}

// TestFaultsAreReproducible runs the same sequential calls twice under the
// same Faults and checks the same calls fail.
func TestFaultsAreReproducible(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 53, Accounts: 6})
	a := healthyAccount(t, org)
	client := configservice.NewFromConfig(readConfig(org, srv, a.ID, "eu-west-1"))
	if _, err := client.DescribeConfigRules(t.Context(), &configservice.DescribeConfigRulesInput{}); err != nil {
		t.Fatal(err)
	}
	run := func(seed int64) []string {
		srv.SetFaults(Faults{Seed: seed, Throttle: map[string]float64{"config:*": 0.5}})
		var codes []string
		for range 24 {
			_, err := client.DescribeComplianceByConfigRule(t.Context(), &configservice.DescribeComplianceByConfigRuleInput{})
			codes = append(codes, errorCode(err))
		}
		return codes
	}
	first, second, other := run(7), run(7), run(8)
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("same seed, different faults (-first +second):\n%s", diff)
	}
	if cmp.Equal(first, other) {
		t.Errorf("seeds 7 and 8 gave the same faults %v", first)
	}
	throttled := 0
	for _, c := range first {
		if c == "ThrottlingException" {
			throttled++
		}
	}
	if throttled == 0 || throttled == len(first) {
		t.Errorf("rate 0.5 throttled %d of %d calls", throttled, len(first))
	}
}

func TestLatencyHonoursContext(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 54, Accounts: 4})
	client := sts.NewFromConfig(hubConfig(srv, org.HubRoleARN(org.Spec.ScannerRoleName), "eu-west-1"))
	srv.SetFaults(Faults{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("GetCallerIdentity with an hour of latency and a 20ms deadline: %v, want DeadlineExceeded", err)
	}
}

func TestCallsCount(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 55, Accounts: 6})
	a := healthyAccount(t, org)
	ctx := t.Context()
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		client := configservice.NewFromConfig(readConfig(org, srv, a.ID, region))
		for range 2 {
			if _, err := client.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := srv.Calls()
	tests := []struct {
		op, account, region string
		want                int
	}{
		{"config:DescribeConfigurationRecorderStatus", a.ID, "eu-west-1", 2},
		{"config:DescribeConfigurationRecorderStatus", a.ID, "", 4},
		{"config:*", "", "", 4},
		{"sts:AssumeRole", org.HubAccountID, "", 2},
		{"", "", "", 6},
		{"", a.ID, "", 4},
		{"config:DescribeConfigRules", "", "", 0},
	}
	for _, tt := range tests {
		if got := c.Count(tt.op, tt.account, tt.region); got != tt.want {
			t.Errorf("Count(%q, %q, %q) = %d, want %d", tt.op, tt.account, tt.region, got, tt.want)
		}
	}
	c.Reset()
	if got := c.Count("", "", ""); got != 0 {
		t.Errorf("Count after Reset = %d, want 0", got)
	}
}
