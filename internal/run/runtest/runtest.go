// Package runtest provides test helpers for code that reads and writes runs:
// an in-process S3 (gofakes3) reached by the real SDK client over HTTP, and
// ready-made shards.
package runtest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/config-report/config-report/internal/run"
)

// Bucket is the name of the bucket NewS3 creates.
const Bucket = "sys-compliance-reports-test"

// NewS3 starts an in-process S3 server for the test, creates Bucket in it and
// returns a real SDK client that talks to it over HTTP.
func NewS3(t testing.TB) *s3.Client {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	c := s3.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.UsePathStyle = true
	})
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(Bucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return c
}

// Keys lists every key in bucket under prefix.
func Keys(t testing.TB, c *s3.Client, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list %s: %v", prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// Shard returns a valid, scanned shard of one account in one region with a
// compliant and a non-compliant rule, for tests that need any shard.
func Shard(runID, accountID string) *run.Shard {
	at := time.Date(2026, 11, 30, 9, 5, 0, 0, time.UTC)
	return &run.Shard{
		SchemaVersion: run.SchemaVersion,
		RunID:         runID,
		Account:       run.Account{ID: accountID, Name: "acct-" + accountID, Email: accountID + "@example.com", OUPath: "Root/Workloads", Tags: map[string]string{"owner": "platform"}},
		ScannedAt:     at,
		Status:        run.AccountScanned,
		Regions: []run.Region{{
			Region:   "eu-west-1",
			Status:   run.RegionScanned,
			Recorder: &run.Recorder{Name: "default", Recording: true, LastStatus: "SUCCESS"},
			Rules: []run.Rule{
				{Name: "s3-bucket-versioning-enabled", BaseName: "s3-bucket-versioning-enabled", Source: "AWS", Identifier: "S3_BUCKET_VERSIONING_ENABLED", Compliance: run.NonCompliant},
				{Name: "root-mfa-enabled", BaseName: "root-mfa-enabled", Source: "AWS", Identifier: "ROOT_ACCOUNT_MFA_ENABLED", Compliance: run.Compliant},
			},
			NonCompliant: []run.Resource{{Rule: "s3-bucket-versioning-enabled", Type: "AWS::S3::Bucket", ID: "logs-" + accountID, Annotation: "Versioning is off.", RecordedAt: at.Add(-time.Hour)}},
		}},
	}
}
