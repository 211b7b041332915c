package orgsim

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/google/go-cmp/cmp"
)

// TestBucketSettings reads and changes a bucket's encryption, public access
// block and versioning through the SDK's S3 client: a new bucket has S3's
// defaults (SSE-S3, all public access blocked, unversioned), and what is put
// is read back.
func TestBucketSettings(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 43, Accounts: 3})
	ctx := t.Context()
	client := s3.NewFromConfig(hubConfig(srv, org.HubRoleARN(org.Spec.FormatterRoleName), "eu-west-1"), func(o *s3.Options) { o.UsePathStyle = true })
	bucket := aws.String("reports")

	if _, err := client.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket}); errorCode(err) != "NoSuchBucket" {
		t.Fatalf("GetBucketEncryption of a missing bucket: %v, want NoSuchBucket", err)
	}
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	type settings struct {
		Algorithm, KeyID string
		Blocked          [4]bool
		Versioning       string
	}
	read := func() (settings, error) {
		t.Helper()
		var s settings
		enc, err := client.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket})
		if err != nil {
			return s, err
		}
		if rules := enc.ServerSideEncryptionConfiguration.Rules; len(rules) == 1 && rules[0].ApplyServerSideEncryptionByDefault != nil {
			s.Algorithm = string(rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm)
			s.KeyID = aws.ToString(rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID)
		}
		pab, err := client.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket})
		if err != nil {
			return s, err
		}
		c := pab.PublicAccessBlockConfiguration
		s.Blocked = [4]bool{aws.ToBool(c.BlockPublicAcls), aws.ToBool(c.IgnorePublicAcls), aws.ToBool(c.BlockPublicPolicy), aws.ToBool(c.RestrictPublicBuckets)}
		v, err := client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket})
		if err != nil {
			return s, err
		}
		s.Versioning = string(v.Status)
		return s, nil
	}
	got, err := read()
	if err != nil {
		t.Fatal(err)
	}
	if want := (settings{Algorithm: "AES256", Blocked: [4]bool{true, true, true, true}}); got != want {
		t.Errorf("a new bucket's settings = %+v, want %+v", got, want)
	}

	if _, err := client.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: bucket, ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
		Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/reports")}}},
	}}); err != nil {
		t.Fatalf("PutBucketEncryption: %v", err)
	}
	if _, err := client.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: bucket, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
		BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false),
	}}); err != nil {
		t.Fatalf("PutPublicAccessBlock: %v", err)
	}
	if _, err := client.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: bucket, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatalf("PutBucketVersioning: %v", err)
	}
	got, err = read()
	if err != nil {
		t.Fatal(err)
	}
	if want := (settings{Algorithm: "aws:kms", KeyID: "alias/reports", Blocked: [4]bool{true, true, false, false}, Versioning: "Enabled"}); got != want {
		t.Errorf("settings after the puts = %+v, want %+v", got, want)
	}
	for op, want := range map[string]int{"s3:PutBucketVersioning": 1, "s3:CreateBucket": 1, "s3:GetBucketEncryption": 3, "s3:GetPublicAccessBlock": 2} {
		if n := srv.Calls().Count(op, org.HubAccountID, ""); n != want {
			t.Errorf("%s calls = %d, want %d", op, n, want)
		}
	}

	if _, err := client.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: bucket}); err != nil {
		t.Fatalf("DeleteBucketEncryption: %v", err)
	}
	if _, err := client.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: bucket}); err != nil {
		t.Fatalf("DeletePublicAccessBlock: %v", err)
	}
	if _, err := read(); errorCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Errorf("GetPublicAccessBlock after its deletion: %v, want NoSuchPublicAccessBlockConfiguration", err)
	}
	enc, err := client.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != s3types.ServerSideEncryptionAes256 {
		t.Errorf("GetBucketEncryption after DeleteBucketEncryption = %v, %v, want SSE-S3 again", enc, err)
	}

	// A bucket deleted and made again starts with the defaults.
	if _, err := client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket}); err != nil {
		t.Fatal(err)
	}
	if got, err := read(); err != nil || !got.Blocked[0] || got.Algorithm != "AES256" {
		t.Errorf("a bucket made again = %+v, %v, want S3's defaults", got, err)
	}
}

// TestSESAccountAndIdentities reads the SES state GetAccount and
// GetEmailIdentity report, new and set, and watches SendEmail enforce it.
func TestSESAccountAndIdentities(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 44, Accounts: 3})
	ctx := t.Context()
	client := sesv2.NewFromConfig(hubConfig(srv, org.HubRoleARN(org.Spec.FormatterRoleName), "eu-west-1"))

	acct, err := client.GetAccount(ctx, &sesv2.GetAccountInput{})
	if err != nil {
		t.Fatalf("GetAccount: %v", err)
	}
	if acct.ProductionAccessEnabled || !acct.SendingEnabled || acct.SendQuota == nil || acct.SendQuota.Max24HourSend != 200 {
		t.Errorf("a new account: production %v, sending %v, quota %+v; want the sandbox, sending, 200 a day", acct.ProductionAccessEnabled, acct.SendingEnabled, acct.SendQuota)
	}
	var nf *sestypes.NotFoundException
	if _, err := client.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("report@example.com")}); !errors.As(err, &nf) {
		t.Errorf("GetEmailIdentity of an unknown identity: %v, want NotFoundException", err)
	}

	srv.SetSES(org.HubAccountID, "eu-west-1", SESAccount{Identities: map[string]string{"example.com": "SUCCESS", "ops@example.org": "PENDING"}})
	send := func(from string, to ...string) error {
		_, err := client.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String(from), Destination: &sestypes.Destination{ToAddresses: to},
			Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("s")}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("b")}}}}})
		return err
	}
	type identity struct {
		Type, Status string
		Verified     bool
	}
	for id, want := range map[string]identity{
		"example.com":     {"DOMAIN", "SUCCESS", true},
		"ops@example.org": {"EMAIL_ADDRESS", "PENDING", false},
	} {
		out, err := client.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String(id)})
		if err != nil {
			t.Fatalf("GetEmailIdentity(%s): %v", id, err)
		}
		if got := (identity{string(out.IdentityType), string(out.VerificationStatus), out.VerifiedForSendingStatus}); got != want {
			t.Errorf("GetEmailIdentity(%s) = %+v, want %+v", id, got, want)
		}
	}
	var rejected *sestypes.MessageRejected
	if err := send("report@example.com", "ops@example.org"); !errors.As(err, &rejected) || rejected.ErrorMessage() != "Email address is not verified. The following identities failed the check in region EU-WEST-1: ops@example.org" {
		t.Errorf("SendEmail to an unverified recipient in the sandbox: %v, want MessageRejected naming it", err)
	}
	if err := send("report@example.net", "a@example.com"); !errors.As(err, &rejected) {
		t.Errorf("SendEmail from an unverified sender: %v, want MessageRejected", err)
	}
	if err := send("report@example.com", "a@example.com"); err != nil {
		t.Errorf("SendEmail between addresses of a verified domain: %v", err)
	}

	srv.SetSES(org.HubAccountID, "eu-west-1", SESAccount{ProductionAccess: true, Identities: map[string]string{"report@example.com": "SUCCESS"}})
	if err := send("report@example.com", "ops@example.org"); err != nil {
		t.Errorf("SendEmail out of the sandbox to an unverified recipient: %v", err)
	}
	acct, err = client.GetAccount(ctx, &sesv2.GetAccountInput{})
	if err != nil || !acct.ProductionAccessEnabled || acct.SendQuota != nil {
		t.Errorf("GetAccount out of the sandbox = %+v, %v", acct, err)
	}
	if diff := cmp.Diff([]string{"ses:GetAccount", "ses:GetEmailIdentity", "ses:SendEmail"}, srv.Calls().Operations()); diff != "" {
		t.Errorf("operations counted (-want +got):\n%s", diff)
	}
}
