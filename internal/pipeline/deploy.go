package pipeline

import (
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/scan"
)

// Deployment is what the CDK stack gives the three Lambda functions: their
// environment variables and, per function, the AWS configuration its
// execution role has. FromDeployment builds the handlers from it exactly as
// the functions' main packages do.
type Deployment struct {
	// Env holds the functions' environment variables by name (REPORT_BUCKET,
	// ORG_ROLE_ARN, REGIONS, ENVIRONMENT, …); each function reads its own,
	// through its package's LoadConfig, so defaults and validation are the
	// deployed ones.
	Env map[string]string
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
	lookup := func(k string) (string, bool) { v, ok := d.Env[k]; return v, ok }
	newS3 := func(cfg aws.Config) *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) {
			if d.S3Options != nil {
				d.S3Options(o)
			}
		})
	}

	listCfg, err := org.LoadConfig(lookup)
	if err != nil {
		return nil, fmt.Errorf("ListAccounts %w", err)
	}
	lister, err := org.NewHandler(listCfg, org.Deps{AWS: d.ListAccounts, STS: sts.NewFromConfig(d.ListAccounts), S3: newS3(d.ListAccounts)})
	if err != nil {
		return nil, fmt.Errorf("ListAccounts: %w", err)
	}

	scanEnv := make([]string, 0, len(d.Env)+1)
	for k, v := range d.Env {
		if k != "AWS_REGION" {
			scanEnv = append(scanEnv, k+"="+v)
		}
	}
	sort.Strings(scanEnv)
	scanEnv = append(scanEnv, "AWS_REGION="+d.ScanAccount.Region)
	scanCfg, err := scan.LoadConfig(scanEnv)
	if err != nil {
		return nil, fmt.Errorf("ScanAccount %w", err)
	}
	scanAWS := d.ScanAccount.Copy()
	backoff := d.ScanMaxBackoff
	if backoff <= 0 {
		backoff = scan.MaxBackoff
	}
	scanAWS.Retryer = func() aws.Retryer { return scan.NewRetryer(backoff) }
	scanner := scan.NewHandler(scanCfg, sts.NewFromConfig(scanAWS), configservice.NewFromConfig(scanAWS), newS3(scanAWS))

	buildCfg, err := report.LoadConfig(lookup)
	if err != nil {
		return nil, fmt.Errorf("BuildReport %w", err)
	}
	buildS3 := newS3(d.BuildReport)
	builder := &report.Handler{Config: buildCfg, S3: buildS3, TmpDir: d.TmpDir}
	if len(buildCfg.Recipients) > 0 {
		builder.Presign = s3.NewPresignClient(buildS3)
		builder.Mail = sesv2.NewFromConfig(d.BuildReport)
	}

	return &Pipeline{List: lister, Scan: scanner, Build: builder, S3: newS3(d.ListAccounts)}, nil
}
