// Package runtest provides test helpers for code that reads and writes runs:
// an in-process S3 (gofakes3) reached by the real SDK client over HTTP, a
// bucket in it or in a simulated organization's S3, raw objects, and
// ready-made shards.
package runtest

import (
	"context"
	"net/http/httptest"
	"strings"
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

// StartS3 starts an in-process S3 server (gofakes3, in memory) for the test
// and returns the configuration of a client of it: its endpoint, a region
// and static credentials (the server checks no signature). A process that
// is not the test's reaches it at aws.ToString(cfg.BaseEndpoint), e.g. as
// AWS_ENDPOINT_URL_S3.
func StartS3(t testing.TB) aws.Config {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
	}
}

// NewBucket creates bucket through the S3 endpoint of cfg (StartS3's, or a
// simulated organization's, orgsim.Server.AWSConfig) and returns the real
// SDK client, path-style, that created it.
func NewBucket(t testing.TB, cfg aws.Config, bucket string) *s3.Client {
	t.Helper()
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	return c
}

// NewS3 starts an in-process S3 server for the test, creates Bucket in it and
// returns a real SDK client that talks to it over HTTP.
func NewS3(t testing.TB) *s3.Client {
	t.Helper()
	return NewBucket(t, StartS3(t), Bucket)
}

// PutObject writes body as the object key of bucket, raw: for objects the
// code under test must cope with but would never write itself.
func PutObject(t testing.TB, c *s3.Client, bucket, key, body string) {
	t.Helper()
	_, err := c.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)})
	if err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
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
