package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/deploy"
)

func TestHubBucket(t *testing.T) {
	f := newHubFixture(t, "prod", nil)
	b := f.tp.Resources[f.bucket].Properties

	want := map[string]any{
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		"BucketEncryption":               map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}}}},
		"VersioningConfiguration":        map[string]any{"Status": "Enabled"},
		"OwnershipControls":              map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
		"LifecycleConfiguration": map[string]any{"Rules": []any{
			map[string]any{"Id": "expire-run-data", "Prefix": "runs/", "ExpirationInDays": 90.0, "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 30.0}, "Status": "Enabled"},
			map[string]any{"Id": "expire-reports", "Prefix": "reports/", "ExpirationInDays": 731.0, "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 30.0}, "Status": "Enabled"},
			map[string]any{"Id": "abort-incomplete-uploads", "AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7.0}, "Status": "Enabled"},
		}},
	}
	for prop, w := range want {
		if diff := cmp.Diff(w, b[prop]); diff != "" {
			t.Errorf("report bucket %s mismatch (-want +got):\n%s", prop, diff)
		}
	}
	if got := b["BucketName"]; got != "sys-compliance-reports-prod" {
		t.Errorf("BucketName = %v, want sys-compliance-reports-prod", got)
	}

	// Server access logs go to a private, TLS-only bucket that expires them.
	logging, _ := b["LoggingConfiguration"].(map[string]any)
	logBucket := strings.Trim(flat(logging["DestinationBucketName"]), "<>")
	if logBucket == "" || logging["LogFilePrefix"] != "report-bucket/" {
		t.Fatalf("LoggingConfiguration = %v, want logs to the access-log bucket under report-bucket/", logging)
	}
	lb := f.tp.Resources[logBucket].Properties
	if lb["PublicAccessBlockConfiguration"] == nil || lb["BucketEncryption"] == nil || lb["LifecycleConfiguration"] == nil {
		t.Errorf("access-log bucket = %v, want public access blocked, encrypted and expiring", lb)
	}

	// Both buckets' policies deny plain HTTP and TLS below 1.2.
	for _, id := range []string{f.bucket, logBucket} {
		var found []statement
		for _, p := range f.tp.ofType("AWS::S3::BucketPolicy") {
			if flat(p.Properties["Bucket"]) == "<"+id+">" {
				found = statements(p.Properties["PolicyDocument"])
			}
		}
		all := []string{"<" + id + ".Arn>", "<" + id + ".Arn>/*"}
		wantDeny := []statement{
			{Effect: "Deny", Principal: `{"AWS":"*"}`, Actions: []string{"s3:*"}, Resources: all, Condition: `{"Bool":{"aws:SecureTransport":"false"}}`},
			{Effect: "Deny", Principal: `{"AWS":"*"}`, Actions: []string{"s3:*"}, Resources: all, Condition: `{"NumericLessThan":{"s3:TlsVersion":1.2}}`},
		}
		if len(found) < 2 {
			t.Fatalf("bucket %s policy = %+v, want the TLS denials", id, found)
		}
		if diff := cmp.Diff(wantDeny, found[:2]); diff != "" {
			t.Errorf("bucket %s policy mismatch (-want +got):\n%s", id, diff)
		}
		for _, s := range found[2:] {
			if s.Effect == "Allow" && s.Principal != `{"Service":"logging.s3.amazonaws.com"}` {
				t.Errorf("bucket %s policy allows %s %v: only S3 log delivery may be allowed", id, s.Principal, s.Actions)
			}
		}
	}
	// Exactly these two buckets; the access-log bucket expires the logs after
	// accessLogRetentionDays (default one year) and is itself not versioned.
	assertTemplate(t, func() { f.template.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(2)) })
	assertTemplate(t, func() {
		f.template.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"LifecycleConfiguration": map[string]any{"Rules": []any{
				map[string]any{"Id": "expire-access-logs", "ExpirationInDays": deploy.DefaultAccessLogRetentionDays, "Status": "Enabled"},
			}},
			"VersioningConfiguration": assertions.Match_Absent(),
		})
	})
}
