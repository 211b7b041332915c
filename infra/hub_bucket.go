package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

// abortIncompleteUploadDay is how long an unfinished multipart upload to the
// report bucket is kept.
const abortIncompleteUploadDay = 7

// newReportBucket creates the report bucket (runs/ and reports/, versioned,
// expired per prefix) and, first, the bucket its server access logs go to.
func newReportBucket(stack awscdk.Stack, cfg Config, removal awscdk.RemovalPolicy) awss3.Bucket {
	accessLogs := newAccessLogBucket(stack, cfg, removal)
	return awss3.NewBucket(stack, jsii.String("ReportBucket"), &awss3.BucketProps{
		BucketName:             jsii.String(cfg.BucketName),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: accessLogs,
		ServerAccessLogsPrefix: jsii.String("report-bucket/"),
		LifecycleRules: &[]*awss3.LifecycleRule{
			{
				Id:                          jsii.String("expire-run-data"),
				Prefix:                      jsii.String("runs/"),
				Expiration:                  awscdk.Duration_Days(jsii.Number(float64(cfg.RunDataRetentionDays))),
				NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(float64(cfg.NoncurrentVersionDays))),
			},
			{
				Id:                          jsii.String("expire-reports"),
				Prefix:                      jsii.String("reports/"),
				Expiration:                  awscdk.Duration_Days(jsii.Number(float64(cfg.ReportRetentionDays))),
				NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(float64(cfg.NoncurrentVersionDays))),
			},
			{
				Id:                                  jsii.String("abort-incomplete-uploads"),
				AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(abortIncompleteUploadDay)),
			},
		},
		RemovalPolicy: removal,
	})
}

// newAccessLogBucket creates the bucket that receives the report bucket's
// server access logs and expires them. It has no access logs of its own:
// cdk-nag accepts a log destination (AwsSolutions-S1).
func newAccessLogBucket(stack awscdk.Stack, cfg Config, removal awscdk.RemovalPolicy) awss3.Bucket {
	return awss3.NewBucket(stack, jsii.String("AccessLogBucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED, // the only encryption S3 server access logging delivers to
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:         jsii.String("expire-access-logs"),
			Expiration: awscdk.Duration_Days(jsii.Number(float64(cfg.AccessLogRetentionDays))),
		}},
		RemovalPolicy: removal,
	})
}
