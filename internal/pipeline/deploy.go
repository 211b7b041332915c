package pipeline

import (
	"fmt"
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
	newS3 := d.newS3
	listCfg, err := org.LoadConfig(d.lookup)
	if err != nil {
		return nil, fmt.Errorf("ListAccounts %w", err)
	}
	lister, err := org.NewHandler(listCfg, org.Deps{AWS: d.ListAccounts, STS: sts.NewFromConfig(d.ListAccounts), S3: newS3(d.ListAccounts)})
	if err != nil {
		return nil, fmt.Errorf("ListAccounts: %w", err)
	}

	// AWS_REGION is the Lambda runtime's, i.e. the scanner's own region.
	scanCfg, err := scan.LoadConfig(func(k string) (string, bool) {
		if k == "AWS_REGION" {
			return d.ScanAccount.Region, true
		}
		return d.lookup(k)
	})
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

	builder, err := NewBuilder(d)
	if err != nil {
		return nil, err
	}

	return &Pipeline{List: lister, Scan: scanner, Build: builder, S3: newS3(d.ListAccounts)}, nil
}

// NewBuilder returns the BuildReport handler configured by d, for rebuilding
// a run's report on its own; only BuildReport's variables need to be set.
func NewBuilder(d Deployment) (*report.Handler, error) {
	cfg, err := report.LoadConfig(d.lookup)
	if err != nil {
		return nil, fmt.Errorf("BuildReport %w", err)
	}
	c := d.newS3(d.BuildReport)
	h := &report.Handler{Config: cfg, S3: c, TmpDir: d.TmpDir}
	if len(cfg.Recipients) > 0 {
		h.Presign = s3.NewPresignClient(c)
		h.Mail = sesv2.NewFromConfig(d.BuildReport)
	}
	return h, nil
}

func (d Deployment) lookup(k string) (string, bool) {
	v, ok := d.Env[k]
	return v, ok
}

// newS3 returns an S3 client of cfg with d.S3Options applied.
func (d Deployment) newS3(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if d.S3Options != nil {
			d.S3Options(o)
		}
	})
}
