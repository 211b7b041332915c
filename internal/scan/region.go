package scan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"golang.org/x/sync/errgroup"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/ruleid"
	"github.com/config-report/config-report/internal/run"
)

// Page sizes: the largest each API accepts, so no listing takes more calls
// than it must. DescribeConfigRules and DescribeComplianceByConfigRule take
// no page size; Config chooses it.
const (
	// evaluationStatusPageSize is DescribeConfigRuleEvaluationStatus's maximum Limit.
	evaluationStatusPageSize = 50
	// conformancePackPageSize is DescribeConformancePacks's maximum Limit.
	conformancePackPageSize = 20
	// detailPageSize is GetComplianceDetailsByConfigRule's maximum Limit.
	detailPageSize = 100
	// batchGetSize is the most keys BatchGetResourceConfig takes in one call.
	batchGetSize = 100
)

// regionScan scans one region of one account.
type regionScan struct {
	s      *Scanner
	acct   string
	region string
	log    *slog.Logger
	// optFn sets the region and the account's credentials on every call.
	optFn func(*configservice.Options)
}

// scan reads the region and records a denied call or a disabled region in
// the returned Region; it returns an error only for what is not recorded.
func (rs *regionScan) scan(ctx context.Context) (run.Region, error) {
	r, err := rs.read(ctx)
	if err == nil {
		rs.log.Info("region scanned", "status", r.Status, "rules", len(r.Rules), "resources", len(r.NonCompliant))
		return r, nil
	}
	action := "config"
	var ae *actionError
	if errors.As(err, &ae) {
		action = ae.action
	}
	if ctx.Err() == nil {
		switch classify(err) {
		case kindDenied:
			reason := fmt.Sprintf("%s denied: %s", action, apiMessage(err))
			rs.log.Warn("region access denied", "action", action, "reason", reason)
			return emptyRegion(rs.region, run.RegionAccessDenied, reason), nil
		case kindBlockedBySCP:
			reason := fmt.Sprintf("%s blocked by a service control policy: %s", action, apiMessage(err))
			rs.log.Warn("region blocked by a service control policy", "action", action, "reason", reason)
			return emptyRegion(rs.region, run.RegionBlockedBySCP, reason), nil
		case kindRegionDisabled:
			reason := fmt.Sprintf("region not enabled for the account (%s answered %s)", action, apiMessage(err))
			rs.log.Warn("region disabled", "action", action, "reason", reason)
			return emptyRegion(rs.region, run.RegionDisabled, reason), nil
		}
	}
	return run.Region{}, rs.s.failure(ctx, rs.acct, rs.region, action, err)
}

func emptyRegion(region string, status run.RegionStatus, reason string) run.Region {
	return run.Region{Region: region, Status: status, Reason: reason, Rules: []run.Rule{}, NonCompliant: []run.Resource{}}
}

// read makes the region's calls: the recorder's status, the rules, then, when there are rules, their compliance, evaluation status,
// conformance packs (only when a rule carries a pack's suffix), the
// non-compliant rules' details and the resources' names.
//
// The rules are read whatever the recorder says: a region may have rules
// and only a service-linked recorder, which the status call does not
// return ("If a configuration recorder is not specified, this operation
// returns the status for the customer managed configuration recorder",
// DescribeConfigurationRecorderStatus). Only a region with neither a
// customer managed recorder nor rules is "Config not enabled".
func (rs *regionScan) read(ctx context.Context) (run.Region, error) {
	recorder, err := rs.recorder(ctx)
	if err != nil {
		return run.Region{}, err
	}
	rules, err := rs.rules(ctx)
	if err != nil {
		return run.Region{}, err
	}
	if recorder == nil && len(rules) == 0 {
		return emptyRegion(rs.region, run.RegionConfigNotEnabled, "no configuration recorder and no rules in the region"), nil
	}
	region := emptyRegion(rs.region, run.RegionScanned, "")
	region.Recorder = recorder
	switch {
	case recorder == nil:
		region.Reason = "no customer managed configuration recorder: the rules evaluate what a service-linked recorder records, if any"
	case !recorder.Recording:
		region.Status = run.RegionRecorderStopped
		region.Reason = fmt.Sprintf("configuration recorder %q is not recording; results may be stale", recorder.Name)
	}
	if len(rules) == 0 {
		return region, nil
	}

	var (
		compliance map[string]run.Compliance
		resources  []run.Resource
		gone       map[string]bool
		evalErrors map[string]*run.EvaluationError
		packs      map[string]string
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		compliance, resources, gone, err = rs.complianceAndDetails(gctx, rules)
		return err
	})
	g.Go(func() (err error) {
		evalErrors, err = rs.evaluationErrors(gctx)
		return err
	})
	if slices.ContainsFunc(rules, func(r types.ConfigRule) bool {
		return strings.Contains(aws.ToString(r.ConfigRuleName), ruleid.PackSuffix)
	}) {
		g.Go(func() (err error) {
			packs, err = rs.conformancePacks(gctx)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return run.Region{}, err
	}
	if rs.s.Options.ResolveResourceDetails && len(resources) > 0 {
		if err := rs.resolve(ctx, resources); err != nil {
			return run.Region{}, err
		}
	}

	for _, cr := range rules {
		name := aws.ToString(cr.ConfigRuleName)
		if gone[name] {
			continue
		}
		rule := run.Rule{
			Name:            name,
			CreatedBy:       aws.ToString(cr.CreatedBy),
			Compliance:      run.InsufficientData,
			EvaluationError: evalErrors[name],
		}
		for _, m := range cr.EvaluationModes {
			rule.EvaluationModes = append(rule.EvaluationModes, string(m.Mode))
		}
		if len(rule.EvaluationModes) == 1 && rule.EvaluationModes[0] == string(types.EvaluationModeDetective) {
			rule.EvaluationModes = nil // the default: not repeated in every rule of every shard
		}
		if c, ok := compliance[name]; ok {
			rule.Compliance = c
		}
		if cr.Source != nil {
			rule.Source = string(cr.Source.Owner)
			rule.Identifier = aws.ToString(cr.Source.SourceIdentifier)
		}
		if i := strings.LastIndex(name, ruleid.PackSuffix); i > 0 {
			rule.ConformancePack = packs[name[i+1:]]
		}
		rule.BaseName = ruleid.Of(name, rule.CreatedBy, rule.ConformancePack).Base
		region.Rules = append(region.Rules, rule)
	}
	slices.SortFunc(region.Rules, func(a, b run.Rule) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(resources, compareResources)
	region.NonCompliant = append(region.NonCompliant, resources...)
	return region, nil
}

func compareResources(a, b run.Resource) int {
	return cmp.Or(
		strings.Compare(a.Rule, b.Rule),
		strings.Compare(a.Type, b.Type),
		strings.Compare(a.ID, b.ID),
		a.RecordedAt.Compare(b.RecordedAt),
	)
}

// recorder returns the state of the region's customer managed
// configuration recorder, or nil when it has none. Called with no
// argument, the status call returns that recorder only.
func (rs *regionScan) recorder(ctx context.Context) (*run.Recorder, error) {
	st, err := rs.s.Config.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{}, rs.optFn)
	if err != nil {
		return nil, callFailed(access.ConfigDescribeConfigurationRecorderStatus, err)
	}
	for _, s := range st.ConfigurationRecordersStatus {
		if aws.ToString(s.ServicePrincipal) != "" {
			continue // robust to an answer that lists service-linked ones too
		}
		return &run.Recorder{Name: aws.ToString(s.Name), Recording: s.Recording, LastStatus: string(s.LastStatus)}, nil
	}
	return nil, nil
}

// rules lists every Config rule of the region.
func (rs *regionScan) rules(ctx context.Context) ([]types.ConfigRule, error) {
	var rules []types.ConfigRule
	p := configservice.NewDescribeConfigRulesPaginator(rs.s.Config, &configservice.DescribeConfigRulesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, rs.optFn)
		if err != nil {
			return nil, callFailed(access.ConfigDescribeConfigRules, err)
		}
		rules = append(rules, page.ConfigRules...)
	}
	return rules, nil
}

// complianceAndDetails returns each rule's compliance and the non-compliant
// resources of every NON_COMPLIANT rule. Config leaves out rules it has no
// result for; the caller counts those as INSUFFICIENT_DATA. A rule's detail
// calls start as soon as the compliance page naming it arrives, at most
// DetailConcurrency at a time (the listing waits for a free slot); compliant
// rules cost no call.
//
// A rule deleted after the rules were listed (a conformance pack update
// removes its rules, for one) makes its detail call fail with
// NoSuchConfigRuleException. Such a rule is returned in gone, with none of
// its resources, and the caller leaves it out of the region: it no longer
// exists, and keeping it NON_COMPLIANT without the resources that made it
// so would make the rule and resource counts disagree. It is the
// counterpart of a rule created after the listing, which waits for the
// next scan.
func (rs *regionScan) complianceAndDetails(ctx context.Context, rules []types.ConfigRule) (compliance map[string]run.Compliance, resources []run.Resource, gone map[string]bool, err error) {
	known := make(map[string]bool, len(rules))
	for _, r := range rules {
		known[aws.ToString(r.ConfigRuleName)] = true
	}
	var mu sync.Mutex
	compliance = map[string]run.Compliance{}
	gone = map[string]bool{}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, rs.s.Options.DetailConcurrency))
	p := configservice.NewDescribeComplianceByConfigRulePaginator(rs.s.Config, &configservice.DescribeComplianceByConfigRuleInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(gctx, rs.optFn)
		if err != nil {
			// A failed detail call cancels gctx and is the error to report.
			if werr := g.Wait(); werr != nil {
				return nil, nil, nil, werr
			}
			return nil, nil, nil, callFailed(access.ConfigDescribeComplianceByConfigRule, err)
		}
		for _, c := range page.ComplianceByConfigRules {
			name := aws.ToString(c.ConfigRuleName)
			if c.Compliance == nil || c.Compliance.ComplianceType == "" || !known[name] {
				continue // a rule created after the rules were listed waits for the next scan
			}
			compliance[name] = run.Compliance(c.Compliance.ComplianceType)
			if compliance[name] != run.NonCompliant {
				continue
			}
			g.Go(func() error {
				found, err := rs.ruleDetails(gctx, name)
				if hasCode(err, "NoSuchConfigRuleException") {
					rs.log.Warn("rule deleted during the scan; left out of the region", "rule", name, "reason", apiMessage(err))
					mu.Lock()
					gone[name] = true
					mu.Unlock()
					return nil
				}
				if err != nil {
					return err
				}
				mu.Lock()
				resources = append(resources, found...)
				mu.Unlock()
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, nil, nil, err
	}
	return compliance, resources, gone, nil
}

// evaluationErrors returns the last evaluation error of every rule whose
// last evaluation failed (a failure followed by a success is not reported).
func (rs *regionScan) evaluationErrors(ctx context.Context) (map[string]*run.EvaluationError, error) {
	out := map[string]*run.EvaluationError{}
	p := configservice.NewDescribeConfigRuleEvaluationStatusPaginator(rs.s.Config,
		&configservice.DescribeConfigRuleEvaluationStatusInput{Limit: evaluationStatusPageSize})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, rs.optFn)
		if err != nil {
			return nil, callFailed(access.ConfigDescribeConfigRuleEvaluationStatus, err)
		}
		for _, s := range page.ConfigRulesEvaluationStatus {
			if aws.ToString(s.LastErrorCode) == "" {
				continue
			}
			failed, succeeded := aws.ToTime(s.LastFailedEvaluationTime), aws.ToTime(s.LastSuccessfulEvaluationTime)
			if !succeeded.IsZero() && succeeded.After(failed) {
				continue
			}
			out[aws.ToString(s.ConfigRuleName)] = &run.EvaluationError{
				Code:    aws.ToString(s.LastErrorCode),
				Message: aws.ToString(s.LastErrorMessage),
				At:      failed.UTC(),
			}
		}
	}
	return out, nil
}

// conformancePacks maps each pack's ConformancePackId (the suffix of its
// rules' names) to the pack's name.
func (rs *regionScan) conformancePacks(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	p := configservice.NewDescribeConformancePacksPaginator(rs.s.Config,
		&configservice.DescribeConformancePacksInput{Limit: conformancePackPageSize})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, rs.optFn)
		if err != nil {
			return nil, callFailed(access.ConfigDescribeConformancePacks, err)
		}
		for _, d := range page.ConformancePackDetails {
			out[aws.ToString(d.ConformancePackId)] = aws.ToString(d.ConformancePackName)
		}
	}
	return out, nil
}

// ruleDetails reads one rule's non-compliant resources, 100 a page.
func (rs *regionScan) ruleDetails(ctx context.Context, rule string) ([]run.Resource, error) {
	var out []run.Resource
	p := configservice.NewGetComplianceDetailsByConfigRulePaginator(rs.s.Config, &configservice.GetComplianceDetailsByConfigRuleInput{
		ConfigRuleName:  aws.String(rule),
		ComplianceTypes: []types.ComplianceType{types.ComplianceTypeNonCompliant},
		Limit:           detailPageSize,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, rs.optFn)
		if err != nil {
			return nil, callFailed(access.ConfigGetComplianceDetailsByConfigRule, err)
		}
		for _, e := range page.EvaluationResults {
			res := run.Resource{
				Rule:       rule,
				Annotation: aws.ToString(e.Annotation),
				RecordedAt: aws.ToTime(e.ResultRecordedTime).UTC(),
			}
			if id := e.EvaluationResultIdentifier; id != nil && id.EvaluationResultQualifier != nil {
				res.Type = aws.ToString(id.EvaluationResultQualifier.ResourceType)
				res.ID = aws.ToString(id.EvaluationResultQualifier.ResourceId)
			}
			if res.Type == "" || res.ID == "" {
				rs.log.Warn("evaluation result without a resource type or id skipped", "rule", rule)
				continue
			}
			out = append(out, res)
		}
	}
	return out, nil
}
