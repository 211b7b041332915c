package pipeline

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/scan"
	"github.com/config-report/config-report/internal/setting"
)

// Deployment is what the CDK stack gives the three Lambda functions: each
// function's configuration and the AWS configuration its execution role
// has. FromDeployment builds the handlers from it exactly as the functions'
// main packages do: each configuration goes through the environment the
// stack would set (its Env) and the function's LoadConfig, so defaults and
// validation are the deployed ones.
type Deployment struct {
	// List, Scan and Build are the functions' configurations; start from
	// each package's DefaultConfig.
	List  org.Config
	Scan  scan.Config
	Build report.Config
	// ListAccounts, ScanAccount and BuildReport are each function's AWS
	// configuration: credentials, region and endpoints.
	ListAccounts, ScanAccount, BuildReport aws.Config
	// S3Options, when set, adjusts every S3 client, e.g. to send it to a
	// local bucket with path-style addressing.
	S3Options func(*s3.Options)
	// TmpDir is where BuildReport builds the report; "" means os.TempDir().
	TmpDir string
	// ScanMaxBackoff caps the scanner's SDK retry backoff; zero means the
	// deployed scan.MaxBackoff. Tests that inject throttling lower it.
	ScanMaxBackoff time.Duration
}

// FromDeployment returns a pipeline of the three handlers configured by d.
// Its errors name the environment variable that is missing or wrong.
func FromDeployment(d Deployment) (*Pipeline, error) {
	listCfg, err := org.LoadConfig(setting.Lookup(d.List.Env()))
	if err != nil {
		return nil, fmt.Errorf("ListAccounts %w", err)
	}
	lister, err := org.New(listCfg, d.ListAccounts, d.s3Options()...)
	if err != nil {
		return nil, fmt.Errorf("ListAccounts: %w", err)
	}

	// AWS_REGION is the Lambda runtime's, i.e. the scanner's own region.
	scanEnv := d.Scan.Env()
	scanEnv[scan.EnvHubRegion] = d.ScanAccount.Region
	scanCfg, err := scan.LoadConfig(setting.Lookup(scanEnv))
	if err != nil {
		return nil, fmt.Errorf("ScanAccount %w", err)
	}
	backoff := d.ScanMaxBackoff
	if backoff <= 0 {
		backoff = scan.MaxBackoff
	}
	scanner := scan.New(scanCfg, d.ScanAccount, backoff, d.s3Options()...)

	builder, err := NewBuilder(d)
	if err != nil {
		return nil, err
	}
	return &Pipeline{List: lister, Scan: scanner, Build: builder, S3: s3.NewFromConfig(d.ListAccounts, d.s3Options()...)}, nil
}

// NewBuilder returns the BuildReport handler configured by d, for rebuilding
// a run's report on its own; only d.Build and d.BuildReport need to be set.
func NewBuilder(d Deployment) (*report.Handler, error) {
	cfg, err := report.LoadConfig(setting.Lookup(d.Build.Env()))
	if err != nil {
		return nil, fmt.Errorf("BuildReport %w", err)
	}
	h := report.New(cfg, d.BuildReport, d.s3Options()...)
	h.TmpDir = d.TmpDir
	return h, nil
}

// s3Options returns d.S3Options as the clients' option list.
func (d Deployment) s3Options() []func(*s3.Options) {
	if d.S3Options == nil {
		return nil
	}
	return []func(*s3.Options){d.S3Options}
}
