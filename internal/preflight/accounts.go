package preflight

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"golang.org/x/sync/errgroup"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
)

// accountProbe is what was found in one account.
type accountProbe struct {
	account run.Account
	// unreachable is AWS's answer to the AssumeRole, when it was refused;
	// failure any other AssumeRole error.
	unreachable, failure string
	regions              []regionProbe
}

// regionProbe is what was found in one region of an account.
type regionProbe struct {
	region string
	// status is what the scanner would record for the region.
	status   run.RegionStatus
	recorder *run.Recorder
	rules    int
	// denied lists each refused action with AWS's answer; scp and disabled
	// hold the answer that blocked the region.
	denied   []refusal
	blocked  string
	disabled string
	// failed holds the calls that failed otherwise.
	failed []refusal
}

type refusal struct{ action, message string }

// placeholderResource is the key BatchGetResourceConfig is asked for in a
// region with no non-compliant resource to resolve: a resource type the API
// accepts with an ID no resource has, for which Config returns nothing.
var placeholderResource = types.ResourceKey{ResourceType: types.ResourceTypeBucket, ResourceId: aws.String("config-report-check")}

// checkAccounts checks every account, Concurrency at a time.
func (c *Checker) checkAccounts(ctx context.Context, cfg scan.Config, sessionRun string, accounts []run.Account, res *Result) []accountProbe {
	backoff := c.MaxBackoff
	if backoff <= 0 {
		backoff = scan.MaxBackoff
	}
	// The ScanAccount function's own wiring: its STS and Config clients
	// and retryer.
	scanner := scan.New(cfg, c.ScanAWS, backoff).Scanner
	scanner.Logger = c.logger()

	probes := make([]accountProbe, len(accounts))
	var mu sync.Mutex
	done, unreachable := 0, 0
	start := c.now()
	report := func() {
		if c.Progress != nil {
			c.Progress(Progress{Accounts: len(accounts), Checked: done, Unreachable: unreachable, Elapsed: c.now().Sub(start)})
		}
	}
	report()
	g, gctx := errgroup.WithContext(ctx)
	limit := c.Concurrency
	if limit <= 0 {
		limit = DefaultConcurrency
	}
	g.SetLimit(limit)
	for i, a := range accounts {
		g.Go(func() error {
			probes[i] = c.checkAccount(gctx, scanner, cfg, sessionRun, a)
			mu.Lock()
			defer mu.Unlock()
			done++
			if probes[i].unreachable != "" {
				unreachable++
			}
			report()
			return gctx.Err()
		})
	}
	_ = g.Wait() // the context's end is the caller's to see
	res.Totals.Checked = len(accounts)
	return probes
}

// checkAccount assumes the read role and probes every region.
func (c *Checker) checkAccount(ctx context.Context, scanner *scan.Scanner, cfg scan.Config, sessionRun string, a run.Account) accountProbe {
	p := accountProbe{account: a}
	creds := scanner.Credentials(sessionRun, a.ID)
	if _, err := creds.Retrieve(ctx); err != nil {
		// In the scanner's words (its shard's reason).
		msg := fmt.Sprintf("cannot assume %s: %s", scanner.RoleARN(a.ID), awsMessage(err))
		if scan.Unreachable(err) {
			p.unreachable = msg
		} else {
			p.failure = msg
		}
		return p
	}
	regions := slices.Clone(cfg.Regions)
	slices.Sort(regions)
	p.regions = make([]regionProbe, len(regions))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, cfg.RegionConcurrency))
	for i, region := range regions {
		g.Go(func() error {
			p.regions[i] = c.checkRegion(gctx, scanner, cfg, creds, a.ID, region)
			return nil
		})
	}
	_ = g.Wait()
	return p
}

// checkRegion makes each read the scanner needs once in a region: the
// recorder's status and the rules as the scanner reads them, then one call
// of each other read in its smallest form. It stops where the scanner
// would: in a region not enabled, blocked by an SCP, or without Config.
func (c *Checker) checkRegion(ctx context.Context, scanner *scan.Scanner, cfg scan.Config, creds aws.CredentialsProvider, accountID, region string) regionProbe {
	rp := regionProbe{region: region, status: run.RegionScanned}
	// refused records a failed call and reports whether the region's other
	// reads are still worth making.
	refused := func(action string, err error) bool {
		status, ok := scan.RegionStatusOf(err)
		switch {
		case !ok:
			rp.failed = append(rp.failed, refusal{action, awsMessage(err)})
			return ctx.Err() == nil
		case status == run.RegionAccessDenied:
			rp.denied = append(rp.denied, refusal{action, awsMessage(err)})
			if action != access.ConfigBatchGetResourceConfig {
				// The scanner records the region as denied; without
				// BatchGetResourceConfig it only loses resource names.
				rp.status = run.RegionAccessDenied
			}
			return true
		case status == run.RegionBlockedBySCP:
			rp.status, rp.blocked = status, awsMessage(err)
		case status == run.RegionDisabled:
			rp.status, rp.disabled = status, awsMessage(err)
		}
		return false
	}

	recorder, rules, err := scanner.RecorderAndRules(ctx, creds, accountID, region)
	if err != nil && !refused(scan.FailedAction(err), err) {
		return rp
	}
	optFn := func(o *configservice.Options) {
		o.Region = region
		o.Credentials = creds
	}
	api := scanner.Config
	if err != nil && scan.FailedAction(err) == access.ConfigDescribeConfigurationRecorderStatus {
		// The rules were not read: one page of them, for the permission
		// and a rule to ask about.
		page, err := api.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{}, optFn)
		if err != nil && !refused(access.ConfigDescribeConfigRules, err) {
			return rp
		}
		if err == nil {
			rules = page.ConfigRules
		}
	}
	rp.recorder, rp.rules = recorder, len(rules)
	if err == nil {
		switch status := scan.ConfigStatus(recorder, len(rules)); status {
		case run.RegionConfigNotEnabled:
			rp.status = status
			return rp // the scanner reads no further
		case run.RegionRecorderStopped:
			rp.status = status
		}
	}

	var ruleName string // a rule to ask for details, a non-compliant one if the first page has one
	if len(rules) > 0 {
		ruleName = aws.ToString(rules[0].ConfigRuleName)
	}
	compliance, err := api.DescribeComplianceByConfigRule(ctx, &configservice.DescribeComplianceByConfigRuleInput{}, optFn)
	if err != nil && !refused(access.ConfigDescribeComplianceByConfigRule, err) {
		return rp
	}
	if err == nil {
		for _, cr := range compliance.ComplianceByConfigRules {
			if cr.Compliance != nil && cr.Compliance.ComplianceType == types.ComplianceTypeNonCompliant {
				ruleName = aws.ToString(cr.ConfigRuleName)
				break
			}
		}
	}
	if _, err := api.DescribeConfigRuleEvaluationStatus(ctx, &configservice.DescribeConfigRuleEvaluationStatusInput{Limit: 1}, optFn); err != nil &&
		!refused(access.ConfigDescribeConfigRuleEvaluationStatus, err) {
		return rp
	}
	if _, err := api.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{Limit: 1}, optFn); err != nil &&
		!refused(access.ConfigDescribeConformancePacks, err) {
		return rp
	}
	key := placeholderResource
	if ruleName != "" {
		details, err := api.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{
			ConfigRuleName: aws.String(ruleName), ComplianceTypes: []types.ComplianceType{types.ComplianceTypeNonCompliant}, Limit: 1,
		}, optFn)
		if err != nil && !refused(access.ConfigGetComplianceDetailsByConfigRule, err) {
			return rp
		}
		if err == nil {
			for _, e := range details.EvaluationResults {
				if id := e.EvaluationResultIdentifier; id != nil && id.EvaluationResultQualifier != nil {
					q := id.EvaluationResultQualifier
					if scan.Queryable(aws.ToString(q.ResourceType)) && aws.ToString(q.ResourceId) != "" {
						key = types.ResourceKey{ResourceType: types.ResourceType(aws.ToString(q.ResourceType)), ResourceId: q.ResourceId}
					}
				}
			}
		}
	}
	if cfg.ResolveResourceDetails {
		_, err := api.BatchGetResourceConfig(ctx, &configservice.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{key}}, optFn)
		// Any other refusal costs the scanner the names only, and it goes
		// on: so does the check.
		if status, ok := scan.RegionStatusOf(err); ok && status == run.RegionAccessDenied || err != nil && awserr.IsTransient(err) {
			refused(access.ConfigBatchGetResourceConfig, err)
		}
	}
	return rp
}
