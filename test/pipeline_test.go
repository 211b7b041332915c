package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/statemachine"
)

// pipelineSettings are what differs between the kumo tests.
type pipelineSettings struct {
	// MaxConcurrency and ToleratedFailurePercentage are rendered into the
	// definition.
	MaxConcurrency, ToleratedFailurePercentage int
	// ScanProcesses is the number of ScanAccount execution environments.
	ScanProcesses int
	// ScanTimeout is ScanAccount's function timeout. The scanner stops
	// scan.DefaultWriteMargin (10s) before it, so a timeout a little above
	// that gives a short scan deadline.
	ScanTimeout time.Duration
	// Recipients, if set, makes BuildReport e-mail the workbook.
	Recipients []string
}

// pipeline is the deployed pipeline: the three functions in kumo, served by
// the built binaries, and the state machine definition rendered with their
// ARNs. Organizations, STS, Config and SES are the simulator's.
type pipeline struct {
	k          *kumoEnv
	sim        *orgsim.Server
	org        *orgsim.Org
	s3         *s3.Client
	bucket     string
	definition []byte
	list       *lambdaFunction
	scan       *lambdaFunction
	build      *lambdaFunction
}

// reportSender is BuildReport's sender address.
const reportSender = "config-report@example.com"

// deployedTimeout is the functions' timeout in the CDK stack. ListAccounts
// and BuildReport plan their work by the time left to it.
const deployedTimeout = 15 * time.Minute

// startPipeline starts kumo, the simulator for org, the report bucket and
// the three functions, and renders the definition.
func startPipeline(t *testing.T, ctx context.Context, org *orgsim.Org, ps pipelineSettings) *pipeline {
	t.Helper()
	p := &pipeline{k: startKumo(t), sim: orgsim.Start(org), org: org}
	t.Cleanup(p.sim.Close)
	p.s3 = p.k.S3()
	suffix := randomSuffix()
	p.bucket = "config-report-e2e-" + suffix
	if _, err := p.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(p.bucket)}); err != nil {
		t.Fatalf("create bucket in kumo: %v", err)
	}

	regions := strings.Join(org.Regions, ",")
	endpoints := []string{
		"AWS_REGION=" + kumoRegion,
		"AWS_DEFAULT_REGION=" + kumoRegion,
		"AWS_ENDPOINT_URL_S3=" + p.k.URL,
		"AWS_ENDPOINT_URL_STS=" + p.sim.URL(),
		"AWS_ENDPOINT_URL_ORGANIZATIONS=" + p.sim.URL(),
		"AWS_ENDPOINT_URL_CONFIG_SERVICE=" + p.sim.URL(),
		"AWS_ENDPOINT_URL_SESV2=" + p.sim.URL(),
	}
	env := func(role string, vars ...string) []string {
		return append(append(principalEnv(t, ctx, p.sim, org.HubRoleARN(role)), endpoints...), vars...)
	}
	p.list = p.k.startFunction(t, ctx, "listaccounts-"+suffix, functionSpec{
		Binary:    listAccounts,
		Processes: 1,
		Timeout:   deployedTimeout,
		Env: env(org.Spec.ListerRoleName,
			"REPORT_BUCKET="+p.bucket,
			"ORG_ROLE_ARN="+org.RoleARN(org.ManagementAccountID, org.Spec.OrgRoleName)),
	})
	p.scan = p.k.startFunction(t, ctx, "scanaccount-"+suffix, functionSpec{
		Binary:    scanAccount,
		Processes: ps.ScanProcesses,
		Timeout:   ps.ScanTimeout,
		Env:       env(org.Spec.ScannerRoleName, "REGIONS="+regions),
	})
	buildEnv := []string{"ENVIRONMENT=e2e", "REGIONS=" + regions}
	if len(ps.Recipients) > 0 {
		buildEnv = append(buildEnv, "REPORT_SENDER="+reportSender, "REPORT_RECIPIENTS="+strings.Join(ps.Recipients, ","))
	}
	p.build = p.k.startFunction(t, ctx, "buildreport-"+suffix, functionSpec{
		Binary:    buildReport,
		Processes: 1,
		Timeout:   deployedTimeout,
		Env:       env(org.Spec.FormatterRoleName, buildEnv...),
	})

	def, err := statemachine.Render(statemachine.Params{
		ListAccountsFunctionArn:    p.list.ARN,
		ScanAccountFunctionArn:     p.scan.ARN,
		BuildReportFunctionArn:     p.build.ARN,
		MaxConcurrency:             ps.MaxConcurrency,
		ToleratedFailurePercentage: ps.ToleratedFailurePercentage,
	})
	if err != nil {
		t.Fatalf("render the definition: %v", err)
	}
	p.definition = def
	return p
}

// principalEnv returns the credential variables of a hub principal, as
// Lambda gives a function its execution role's session.
func principalEnv(t *testing.T, ctx context.Context, sim *orgsim.Server, principalARN string) []string {
	t.Helper()
	c, err := sim.Credentials(principalARN).Retrieve(ctx)
	if err != nil {
		t.Fatalf("credentials of %s: %v", principalARN, err)
	}
	return []string{
		"AWS_ACCESS_KEY_ID=" + c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + c.SessionToken,
	}
}

// randomSuffix returns 8 random lower-case hex digits.
func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// run executes the pipeline's definition with input.
func (p *pipeline) run(t *testing.T, ctx context.Context, input string) execution {
	t.Helper()
	return runExecution(t, ctx, p.k, p.definition, input, p.list, p.scan, p.build)
}

// listOut is ListAccounts' result as the state machine reads it.
type listOut struct {
	RunID        string `json:"runId"`
	Bucket       string `json:"bucket"`
	ManifestKey  string `json:"manifestKey"`
	ResultPrefix string `json:"resultPrefix"`
	AccountCount int    `json:"accountCount"`
}

// listResult returns the result of the last ListAccounts invocation.
func (p *pipeline) listResult(t *testing.T) listOut {
	t.Helper()
	invs := p.k.Invocations(p.list.Name)
	if len(invs) == 0 {
		t.Fatal("ListAccounts was not invoked")
	}
	last := invs[len(invs)-1]
	if last.FunctionError != "" {
		t.Fatalf("ListAccounts failed: %s", last.Response)
	}
	var out listOut
	if err := json.Unmarshal(last.Response, &out); err != nil {
		t.Fatalf("ListAccounts result %s: %v", last.Response, err)
	}
	return out
}

// scannedAccounts returns the account IDs of the ScanAccount invocations
// from the n-th on, in order.
func (p *pipeline) scannedAccounts(t *testing.T, from int) []string {
	t.Helper()
	var ids []string
	for _, inv := range p.k.Invocations(p.scan.Name)[from:] {
		var in struct {
			RunID   string      `json:"runId"`
			Bucket  string      `json:"bucket"`
			Account run.Account `json:"account"`
		}
		if err := json.Unmarshal(inv.Payload, &in); err != nil {
			t.Fatalf("ScanAccount payload %s: %v", inv.Payload, err)
		}
		ids = append(ids, in.Account.ID)
	}
	return ids
}

// keys lists the keys under prefix in the pipeline's bucket.
func (p *pipeline) keys(t *testing.T, ctx context.Context, prefix string) []string {
	t.Helper()
	var keys []string
	pages := s3.NewListObjectsV2Paginator(p.s3, &s3.ListObjectsV2Input{Bucket: aws.String(p.bucket), Prefix: aws.String(prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("list s3://%s/%s: %v", p.bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// get reads an object of the pipeline's bucket.
func (p *pipeline) get(t *testing.T, ctx context.Context, key string) []byte {
	t.Helper()
	b, err := run.GetObject(ctx, p.s3, p.bucket, key)
	if err != nil {
		t.Fatalf("get s3://%s/%s: %v", p.bucket, key, err)
	}
	return b
}

// describe formats an execution's outcome for failure messages.
func (e execution) describe() string {
	d := e.Describe
	return fmt.Sprintf("execution %s: %s, error %q, cause %q, output %s",
		e.Name, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), aws.ToString(d.Output))
}
