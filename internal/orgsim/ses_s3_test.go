package orgsim

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSESSendEmail(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 41, Accounts: 4})
	ctx := t.Context()
	client := sesv2.NewFromConfig(hubConfig(srv, org.HubRoleARN(org.Spec.FormatterRoleName), "eu-west-1"))

	simple, err := client.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("report@example.com"),
		Destination:      &sestypes.Destination{ToAddresses: []string{"a@example.com", "b@example.com"}, CcAddresses: []string{"c@example.com"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Weekly report")},
			Body:    &sestypes.Body{Text: &sestypes.Content{Data: aws.String("See attached.")}, Html: &sestypes.Content{Data: aws.String("<p>See attached.</p>")}},
			Attachments: []sestypes.Attachment{{
				FileName:    aws.String("report.xlsx"),
				ContentType: aws.String("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
				RawContent:  []byte("PK\x03\x04 workbook"),
			}},
		}},
	})
	if err != nil {
		t.Fatalf("SendEmail (simple): %v", err)
	}
	raw := "From: Config Report <report@example.com>\r\nTo: ops@example.com, sec@example.com\r\nSubject: =?utf-8?q?Conformit=C3=A9?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
	rawOut, err := client.SendEmail(ctx, &sesv2.SendEmailInput{Content: &sestypes.EmailContent{Raw: &sestypes.RawMessage{Data: []byte(raw)}}})
	if err != nil {
		t.Fatalf("SendEmail (raw): %v", err)
	}
	want := []Email{{
		MessageID: aws.ToString(simple.MessageId), Account: org.HubAccountID, Region: "eu-west-1",
		From: "report@example.com", To: []string{"a@example.com", "b@example.com"}, Cc: []string{"c@example.com"},
		Subject: "Weekly report", Text: "See attached.", HTML: "<p>See attached.</p>",
		Attachments: []Attachment{{FileName: "report.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: []byte("PK\x03\x04 workbook")}},
	}, {
		MessageID: aws.ToString(rawOut.MessageId), Account: org.HubAccountID, Region: "eu-west-1",
		From: "report@example.com", To: []string{"ops@example.com", "sec@example.com"}, Subject: "Conformité", Raw: []byte(raw),
	}}
	if diff := cmp.Diff(want, srv.Emails(), cmpopts.IgnoreFields(Email{}, "At"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Emails() (-want +got):\n%s", diff)
	}
	if simple.MessageId == nil || *simple.MessageId == *rawOut.MessageId {
		t.Errorf("message IDs %v and %v, want two distinct", simple.MessageId, rawOut.MessageId)
	}

	_, err = client.SendEmail(ctx, &sesv2.SendEmailInput{Destination: &sestypes.Destination{ToAddresses: []string{"a@example.com"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("s")}, Body: &sestypes.Body{}}}})
	if bre := (*sestypes.BadRequestException)(nil); !errors.As(err, &bre) {
		t.Errorf("SendEmail without a sender: %v, want *BadRequestException", err)
	}

	srv.SetFaults(Faults{Throttle: map[string]float64{"ses:SendEmail": 1}})
	_, err = client.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("r@example.com"), Destination: &sestypes.Destination{ToAddresses: []string{"a@example.com"}},
		Content: &sestypes.EmailContent{Raw: &sestypes.RawMessage{Data: []byte(raw)}}})
	if tmr := (*sestypes.TooManyRequestsException)(nil); !errors.As(err, &tmr) {
		t.Errorf("throttled SendEmail: %v, want *TooManyRequestsException", err)
	}
	if n := len(srv.Emails()); n != 2 {
		t.Errorf("%d emails recorded, want 2 (refused sends are not)", n)
	}
}

func TestS3ThroughGofakes3(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 42, Accounts: 4})
	ctx := t.Context()
	cfg := hubConfig(srv, org.HubRoleARN(org.Spec.ScannerRoleName), "eu-west-1")
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })

	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("reports")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	body := bytes.Repeat([]byte("shard "), 2<<20) // 12 MiB, as the report's files are put: one PutObject
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("reports"), Key: aws.String("runs/r1/shards/1.json"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("reports"), Key: aws.String("runs/r1/accounts.json"), Body: strings.NewReader("[]")}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("reports"), Key: aws.String("runs/r1/shards/1.json")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	data, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(data, body) {
		t.Errorf("GetObject returned %d bytes, want the %d uploaded", len(data), len(body))
	}
	var keys []string
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String("reports"), Prefix: aws.String("runs/r1/")})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range out.Contents {
			keys = append(keys, *o.Key)
		}
	}
	if want := []string{"runs/r1/accounts.json", "runs/r1/shards/1.json"}; !slices.Equal(keys, want) {
		t.Errorf("keys = %v, want %v", keys, want)
	}
	if n := srv.Calls().Count("s3:PutObject", org.HubAccountID, ""); n != 2 {
		t.Errorf("s3:PutObject calls = %d, want 2", n)
	}

	// Unsigned requests are refused as S3 refuses them for a private bucket.
	resp, err := http.Get(srv.URL() + "/reports/runs/r1/accounts.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("unsigned GET: HTTP %d, want 403", resp.StatusCode)
	}

	srv.SetFaults(Faults{Throttle: map[string]float64{"s3:GetObject": 1}})
	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("reports"), Key: aws.String("runs/r1/accounts.json")})
	if got := errorCode(err); got != "SlowDown" {
		t.Errorf("throttled GetObject: %v, want SlowDown", err)
	}
}
