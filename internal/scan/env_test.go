package scan_test

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
	"github.com/config-report/config-report/internal/scan"
)

const (
	testRunID  = "2026-11-30T0900Z-3f2a9c1b"
	testBucket = "sys-compliance-reports-test"
	hubRegion  = "us-east-1"
	// testBackoff caps the SDK's retry delay in tests, so that throttling
	// is absorbed in milliseconds; production uses scan.MaxBackoff.
	testBackoff = 2 * time.Millisecond
)

// AWS Config's page sizes for the listings that take no Limit, as AWS and
// the simulator serve them; the scanner's own limits are the maxima.
const (
	rulesPage      = 25
	compliancePage = 25
	evalPage       = 50
	packsPage      = 20
	detailsPage    = 100
	batchGetKeys   = 100
)

// env is a simulated organization served over HTTP and a ScanAccount handler
// wired to it with the real SDK clients.
type env struct {
	org     *orgsim.Org
	srv     *orgsim.Server
	s3      *s3.Client
	cfg     scan.Config
	handler *scan.Handler
}

// newEnv generates an organization from spec, serves it and builds the
// handler from the environment variables environ (REGIONS defaults to the
// spec's regions).
func newEnv(t testing.TB, spec orgsim.Spec, environ ...string) *env {
	t.Helper()
	return newEnvThrough(t, spec, nil, environ...)
}

// newEnvThrough is newEnv with the handler's calls sent through
// wrap(simulator) when wrap is not nil, e.g. a proxy that changes an answer.
func newEnvThrough(t testing.TB, spec orgsim.Spec, wrap func(http.Handler) http.Handler, environ ...string) *env {
	t.Helper()
	org := orgsim.Generate(spec)
	srv := orgsim.Start(org)
	t.Cleanup(srv.Close)

	vars := []string{"REGIONS=" + strings.Join(org.Regions, ","), "AWS_REGION=" + hubRegion}
	cfg, err := scan.LoadConfig(lookupEnv(append(vars, environ...)))
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	awsCfg := srv.AWSConfig(org.HubRoleARN(orgsim.DefaultScannerRoleName), hubRegion)
	awsCfg.Retryer = func() aws.Retryer { return scan.NewRetryer(testBackoff) }
	if wrap != nil {
		proxy := httptest.NewServer(wrap(srv.Handler()))
		t.Cleanup(proxy.Close)
		awsCfg.BaseEndpoint = aws.String(proxy.URL)
	}
	s3c := runtest.NewBucket(t, awsCfg, testBucket)
	// The run exists: ListAccounts wrote its manifest.
	if err := run.PutManifest(context.Background(), s3c, testBucket, run.ManifestKey(testRunID), []run.Account{}); err != nil {
		t.Fatalf("put manifest: %v", err)
	}
	h := scan.NewHandler(cfg, sts.NewFromConfig(awsCfg), configservice.NewFromConfig(awsCfg), s3c)
	h.Scanner.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	return &env{org: org, srv: srv, s3: s3c, cfg: cfg, handler: h}
}

// lookupEnv returns a lookup function, as os.LookupEnv, over KEY=value
// pairs; a later pair overrides an earlier one.
func lookupEnv(environ []string) func(string) (string, bool) {
	m := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// input is the handler input for an account of the organization.
func (e *env) input(id string) scan.In {
	a := e.org.Account(id)
	return scan.In{RunID: testRunID, Bucket: testBucket, Account: run.Account{
		ID: a.ID, Name: a.Name, Email: a.Email, OUPath: "Root", Tags: a.Tags,
	}}
}

// shardKeys lists the shards written.
func (e *env) shardKeys(t testing.TB) []string {
	t.Helper()
	return runtest.Keys(t, e.s3, testBucket, run.ShardPrefix(testRunID))
}

// scannableAccounts are the active accounts, in ID order.
func (e *env) scannableAccounts() []string { return e.org.ActiveAccounts() }

// reachable reports whether the scanner can assume the account's read role
// with the handler's configuration, from the model alone.
func (e *env) reachable(a *orgsim.Account) bool {
	role, ok := a.Role(e.cfg.ReadRoleName)
	if !ok || a.State != orgsim.StateActive {
		return false
	}
	trusted := slices.Contains(role.Trusted, e.org.HubRoleARN(orgsim.DefaultScannerRoleName)) ||
		slices.Contains(role.Trusted, "arn:aws:iam::"+e.org.HubAccountID+":root")
	return trusted && (role.ExternalID == "" || role.ExternalID == e.cfg.ReadExternalID)
}

// wantShard is the shard the simulator's ground truth calls for. Reasons are
// checked separately (wantReason): they carry AWS's messages.
func (e *env) wantShard(id string) *run.Shard {
	a := e.org.Account(id)
	s := &run.Shard{
		SchemaVersion: run.SchemaVersion,
		RunID:         testRunID,
		Account:       e.input(id).Account,
		Status:        run.AccountScanned,
		Regions:       []run.Region{},
	}
	if !e.reachable(a) {
		s.Status = run.AccountUnreachable
		return s
	}
	regions := slices.Sorted(slices.Values(e.cfg.Regions))
	for _, region := range regions {
		s.Regions = append(s.Regions, e.wantRegion(a, region))
	}
	return s
}

// denied reports whether the account denies action to the scanner: an
// explicit deny (DeniedActions) or an action the read role's policy lacks.
func (e *env) denied(a *orgsim.Account, action string) bool {
	if slices.Contains(a.DeniedActions, action) {
		return true
	}
	role, ok := a.Role(e.cfg.ReadRoleName)
	return ok && role.Actions != nil && !slices.Contains(role.Actions, action)
}

// deniedAction returns the first action of the region's scan that the
// account denies, given the region's data, or "".
func (e *env) deniedAction(a *orgsim.Account, rc orgsim.RegionConfig) string {
	needed := []string{access.ConfigDescribeConfigurationRecorderStatus, access.ConfigDescribeConfigRules}
	if len(rc.Rules) > 0 {
		needed = append(needed, access.ConfigDescribeComplianceByConfigRule, access.ConfigDescribeConfigRuleEvaluationStatus)
		if slices.ContainsFunc(rc.Rules, func(r orgsim.Rule) bool { return r.ConformancePack != "" }) {
			needed = append(needed, access.ConfigDescribeConformancePacks)
		}
		if slices.ContainsFunc(rc.Rules, func(r orgsim.Rule) bool { return r.Compliance == orgsim.NonCompliant }) {
			needed = append(needed, access.ConfigGetComplianceDetailsByConfigRule)
		}
	}
	for _, action := range needed {
		if e.denied(a, action) {
			return action
		}
	}
	return ""
}

// queryable reports whether BatchGetResourceConfig accepts the type.
func queryable(typ string) bool {
	return slices.Contains(types.ResourceType("").Values(), types.ResourceType(typ))
}

func (e *env) wantRegion(a *orgsim.Account, region string) run.Region {
	empty := func(status run.RegionStatus) run.Region {
		return run.Region{Region: region, Status: status, Rules: []run.Rule{}, NonCompliant: []run.Resource{}}
	}
	if slices.Contains(a.DisabledRegions, region) {
		return empty(run.RegionDisabled)
	}
	if slices.Contains(a.SCPDeniedRegions, region) && a.ID != e.org.ManagementAccountID {
		return empty(run.RegionBlockedBySCP)
	}
	rc := a.RegionConfig(region)
	if e.deniedAction(a, rc) != "" {
		return empty(run.RegionAccessDenied)
	}
	if rc.Recorder == nil && len(rc.Rules) == 0 {
		return empty(run.RegionConfigNotEnabled)
	}
	r := empty(run.RegionScanned)
	if rc.Recorder != nil {
		if !rc.Recorder.Recording {
			r.Status = run.RegionRecorderStopped
		}
		r.Recorder = &run.Recorder{Name: rc.Recorder.Name, Recording: rc.Recorder.Recording, LastStatus: rc.Recorder.LastStatus}
	}
	resolve := e.cfg.ResolveResourceDetails && !e.denied(a, access.ConfigBatchGetResourceConfig)
	for _, rule := range rc.Rules {
		want := run.Rule{
			Name:            rule.Name,
			BaseName:        rule.BaseName,
			ConformancePack: rule.ConformancePack,
			CreatedBy:       rule.CreatedBy,
			EvaluationModes: rule.EvaluationModes,
			Source:          rule.Owner,
			Identifier:      rule.SourceIdentifier,
			Compliance:      run.Compliance(rule.Compliance),
		}
		if ee := rule.EvaluationError; ee != nil {
			want.EvaluationError = &run.EvaluationError{Code: ee.Code, Message: ee.Message, At: ee.At.UTC()}
		}
		r.Rules = append(r.Rules, want)
		if rule.Compliance != orgsim.NonCompliant {
			continue
		}
		for _, res := range rule.NonCompliant {
			got := run.Resource{Rule: rule.Name, Type: res.Type, ID: res.ID, Annotation: res.Annotation, RecordedAt: res.RecordedAt.UTC()}
			if resolve && res.InConfig && queryable(res.Type) {
				got.Name = res.Name
			}
			r.NonCompliant = append(r.NonCompliant, got)
		}
	}
	slices.SortFunc(r.Rules, func(a, b run.Rule) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(r.NonCompliant, func(a, b run.Resource) int {
		return cmp.Or(strings.Compare(a.Rule, b.Rule), strings.Compare(a.Type, b.Type), strings.Compare(a.ID, b.ID), a.RecordedAt.Compare(b.RecordedAt))
	})
	return r
}

func pages(n, size int) int { return max(1, (n+size-1)/size) }

// minimumCalls is the number of calls of each Config operation the scan of
// one account-region must make, from the ground truth and the page sizes,
// for a region without denied actions.
func (e *env) minimumCalls(a *orgsim.Account, region string) map[string]int {
	want := map[string]int{access.ConfigDescribeConfigurationRecorderStatus: 1}
	if slices.Contains(a.DisabledRegions, region) || slices.Contains(a.SCPDeniedRegions, region) {
		return want
	}
	rc := a.RegionConfig(region)
	want[access.ConfigDescribeConfigRules] = pages(len(rc.Rules), rulesPage)
	if len(rc.Rules) == 0 {
		return want
	}
	want[access.ConfigDescribeComplianceByConfigRule] = pages(len(rc.Rules), compliancePage)
	want[access.ConfigDescribeConfigRuleEvaluationStatus] = pages(len(rc.Rules), evalPage)
	if slices.ContainsFunc(rc.Rules, func(r orgsim.Rule) bool { return strings.Contains(r.Name, "-conformance-pack-") }) {
		want[access.ConfigDescribeConformancePacks] = pages(len(rc.ConformancePacks), packsPage)
	}
	keys := map[[2]string]bool{}
	for _, r := range rc.Rules {
		if r.Compliance != orgsim.NonCompliant {
			continue
		}
		want[access.ConfigGetComplianceDetailsByConfigRule] += pages(len(r.NonCompliant), detailsPage)
		for _, res := range r.NonCompliant {
			if queryable(res.Type) {
				keys[[2]string{res.Type, res.ID}] = true
			}
		}
	}
	if e.cfg.ResolveResourceDetails && len(keys) > 0 {
		want[access.ConfigBatchGetResourceConfig] = pages(len(keys), batchGetKeys)
		if role, ok := a.Role(e.cfg.ReadRoleName); ok && !slices.Contains(role.Actions, access.ConfigBatchGetResourceConfig) && !slices.Contains(role.Actions, "*") {
			// Denied: the batches run concurrently and the first denial
			// stops those not yet sent, so only one call is certain.
			want[access.ConfigBatchGetResourceConfig] = 1
		}
	}
	return want
}

// calls reads the simulator's counts of every Config operation for an
// account-region, leaving out zeros.
func (e *env) calls(account, region string) map[string]int {
	got := map[string]int{}
	for _, op := range access.ReadRole(true) {
		if n := e.srv.Calls().Count(op, account, region); n > 0 {
			got[op] = n
		}
	}
	if n := e.srv.Calls().Count("config:*", account, region); n != sum(got) {
		got["other config operations"] = n - sum(got)
	}
	return got
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
