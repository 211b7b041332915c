package preflight_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	"github.com/sivchari/kumo"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/preflight"
	"github.com/config-report/config-report/internal/scan"
)

const (
	testBucket = "sys-compliance-reports-test"
	hubRegion  = "eu-west-1"
	// testBackoff caps the SDK's retry delay, so that throttling is
	// absorbed in milliseconds.
	testBackoff = 2 * time.Millisecond
)

// names are the advice's names in the tests: an environment "test" of
// cdk.json whose member-role StackSet targets targets.
func names(targets ...string) preflight.Names {
	return preflight.Names{
		OrgRoleStack: "config-report-test-org-role", MemberRoleStack: "config-report-test-member-role-stackset", HubStack: "config-report-test-hub",
		ExternalID: "externalId", OrgExternalID: "externalId", Regions: "regions", ReadRoleName: "readRoleName",
		IncludeOUs: "includeOus", ExcludeOUs: "excludeOus", ExcludeAccounts: "excludeAccounts",
		ReservedConcurrency: "scannerReservedConcurrency", MaxConcurrency: "maxConcurrency",
		Bucket: "bucketName", Sender: "reportSender", Recipients: "reportRecipients",
		TargetOUs: "memberRole.targetOus", Targets: targets,
	}
}

// env is a simulated organization with its hub's bucket, and a Checker
// wired to it as the demo wires the pipeline: the organization role is
// assumed with the lister role's credentials, the read roles with the
// scanner role's, the hub read with the formatter role's.
type env struct {
	org     *orgsim.Org
	srv     *orgsim.Server
	checker *preflight.Checker
	s3      *s3.Client
	// ops records the operations the checker's hub clients made, as
	// "<SDK service ID>:<operation>".
	ops *opsRecorder
}

// newEnv generates the organization, serves it, makes the hub's bucket as
// the hub stack does (versioned; encrypted and private by S3's defaults)
// and returns a Checker of every account in every region of the spec.
func newEnv(t *testing.T, spec orgsim.Spec) *env {
	t.Helper()
	o := orgsim.Generate(spec)
	srv := orgsim.Start(o)
	t.Cleanup(srv.Close)
	e := &env{org: o, srv: srv, ops: &opsRecorder{}}
	cfg := func(role string) aws.Config {
		c := srv.AWSConfig(o.HubRoleARN(role), hubRegion)
		c.APIOptions = append(c.APIOptions, e.ops.record)
		return c
	}
	pathStyle := func(o *s3.Options) { o.UsePathStyle = true }
	e.s3 = s3.NewFromConfig(srv.AWSConfig(o.HubRoleARN(orgsim.DefaultFormatterRole), hubRegion), pathStyle)
	if _, err := e.s3.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(testBucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.PutBucketVersioning(t.Context(), &s3.PutBucketVersioningInput{Bucket: aws.String(testBucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}

	list := org.DefaultConfig()
	list.Bucket, list.RoleARN, list.ExternalID = testBucket, o.RoleARN(o.ManagementAccountID, orgsim.DefaultOrgRoleName), spec.ExternalID
	sc := scan.DefaultConfig()
	sc.Regions, sc.ReadExternalID = o.Regions, spec.ExternalID
	e.checker = &preflight.Checker{
		Settings: preflight.Settings{
			List: list, Scan: sc, Names: names(o.RootID),
			Hub: preflight.Hub{Bucket: testBucket, Unavailable: map[string]string{
				preflight.CheckStateMachine: "kumo is started by the tests that need it",
				preflight.CheckConcurrency:  "nothing local serves the Lambda API",
			}},
		},
		ListAWS:    cfg(orgsim.DefaultListerRoleName),
		ScanAWS:    cfg(orgsim.DefaultScannerRoleName),
		HubAWS:     cfg(orgsim.DefaultFormatterRole),
		S3Options:  pathStyle,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		MaxBackoff: testBackoff,
	}
	return e
}

// run runs the checker.
func (e *env) run(t *testing.T) *preflight.Result {
	t.Helper()
	res, err := e.checker.Run(t.Context())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

// withKumo sends the hub's Step Functions calls to an in-process kumo and
// returns its configuration for the test's own calls.
func (e *env) withKumo(t *testing.T) aws.Config {
	t.Helper()
	k := kumo.NewServer()
	t.Cleanup(k.Close)
	kumoURL, err := url.Parse(k.URL)
	if err != nil {
		t.Fatal(err)
	}
	simURL, err := url.Parse(e.srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	// One endpoint for the hub's clients: Step Functions (SigV4 service
	// "states") to kumo, everything else to the simulator.
	router := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		if strings.Contains(r.In.Header.Get("Authorization"), "/states/aws4_request") {
			r.SetURL(kumoURL)
		} else {
			r.SetURL(simURL)
		}
	}})
	t.Cleanup(router.Close)
	e.checker.HubAWS.BaseEndpoint = aws.String(router.URL)
	delete(e.checker.Settings.Hub.Unavailable, preflight.CheckStateMachine)
	return aws.Config{Region: hubRegion, Credentials: e.checker.HubAWS.Credentials, BaseEndpoint: aws.String(k.URL)}
}

// check returns the result's check of the given name.
func check(t *testing.T, res *preflight.Result, name string) preflight.Check {
	t.Helper()
	for _, c := range res.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %q check in %+v", name, res.Checks)
	return preflight.Check{}
}

// wantCheck checks a check's status and that its detail and advice say
// each of says.
func wantCheck(t *testing.T, res *preflight.Result, name string, status preflight.Status, says ...string) preflight.Check {
	t.Helper()
	c := check(t, res, name)
	if c.Status != status {
		t.Errorf("%s: %s (%s; %s), want %s", name, c.Status, c.Detail, c.Advice, status)
	}
	for _, s := range says {
		if !strings.Contains(c.Detail+" | "+c.Advice, s) {
			t.Errorf("%s says %q | %q, want it to say %q", name, c.Detail, c.Advice, s)
		}
	}
	if c.Status == preflight.Failed && c.Advice == "" {
		t.Errorf("%s failed without advice", name)
	}
	return c
}

// findings returns the result's findings of a diagnosis, by "account" or
// "account/region".
func findings(res *preflight.Result, d preflight.Diagnosis) map[string]preflight.Finding {
	out := map[string]preflight.Finding{}
	for _, f := range res.Findings {
		if f.Diagnosis != d {
			continue
		}
		key := f.AccountID
		if f.Region != "" {
			key += "/" + f.Region
		}
		out[key] = f
	}
	return out
}

// keys returns m's keys, sorted.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// truth is what the model says a scan would find, by "account" and
// "account/region", for the checker's ExternalId.
func (e *env) truth(externalID string) map[string]preflight.Diagnosis {
	out := map[string]preflight.Diagnosis{}
	scanner := e.org.HubRoleARN(orgsim.DefaultScannerRoleName)
	for _, id := range e.org.ActiveAccounts() {
		a := e.org.Account(id)
		role, ok := a.Role(orgsim.DefaultReadRoleName)
		if !ok || !slices.Contains(role.Trusted, scanner) || role.ExternalID != externalID {
			out[id] = preflight.Unreachable
			continue
		}
		for _, region := range e.org.Regions {
			key := id + "/" + region
			rc := a.RegionConfig(region)
			// denied reports whether any of actions (any of the reads, when
			// none is named) is denied in the account or not allowed by its
			// read role.
			denied := func(actions ...string) bool {
				if len(actions) == 0 {
					actions = access.ReadRole(true)
				}
				return slices.ContainsFunc(actions, func(action string) bool {
					return slices.Contains(a.DeniedActions, action) || role.Actions != nil && !slices.Contains(role.Actions, action)
				})
			}
			off := rc.Recorder == nil && len(rc.Rules) == 0
			switch {
			case slices.Contains(a.DisabledRegions, region):
				out[key] = preflight.RegionDisabled
			case slices.Contains(a.SCPDeniedRegions, region) && id != e.org.ManagementAccountID:
				out[key] = preflight.BlockedBySCP
			case denied(access.ConfigDescribeConfigurationRecorderStatus, access.ConfigDescribeConfigRules), !off && denied():
				out[key] = preflight.AccessDenied
			case off:
				out[key] = preflight.ConfigNotEnabled
			case rc.Recorder != nil && !rc.Recorder.Recording:
				out[key] = preflight.RecorderStopped
			}
		}
	}
	return out
}

// diagnoses returns the result's diagnoses as truth has them (one per
// account or account-region: a region's denial wins over its recorder).
func diagnoses(res *preflight.Result) map[string]preflight.Diagnosis {
	out := map[string]preflight.Diagnosis{}
	for _, f := range res.Findings {
		key := f.AccountID
		if f.Region != "" {
			key += "/" + f.Region
		}
		if prev, ok := out[key]; ok && prev == preflight.AccessDenied {
			continue
		}
		out[key] = f.Diagnosis
	}
	return out
}

// opsRecorder records the operations SDK clients make, through a
// middleware on their configuration's APIOptions.
type opsRecorder struct {
	mu  sync.Mutex
	ops map[string]bool
}

func (r *opsRecorder) record(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("recordOperation",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			r.mu.Lock()
			if r.ops == nil {
				r.ops = map[string]bool{}
			}
			r.ops[awsmiddleware.GetServiceID(ctx)+":"+awsmiddleware.GetOperationName(ctx)] = true
			r.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

func (r *opsRecorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return keys(r.ops)
}
