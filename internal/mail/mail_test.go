package mail_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/mail"
	"github.com/config-report/config-report/internal/orgsim"
)

func TestSend(t *testing.T) {
	org := orgsim.Generate(orgsim.Spec{Seed: 3, Accounts: 2})
	srv := orgsim.Start(org)
	t.Cleanup(srv.Close)
	c := sesv2.NewFromConfig(srv.AWSConfig(org.HubRoleARN(org.Spec.FormatterRoleName), "eu-west-1"))

	var many []string
	for i := range 120 {
		many = append(many, fmt.Sprintf("user%03d@example.com", i))
	}
	attachment := mail.Attachment{Name: "report.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: []byte("PK\x03\x04 binary \x00\xff")}
	for _, tc := range []struct {
		name      string
		msg       mail.Message
		wantTo    [][]string
		wantError string
	}{
		{
			name:   "html with an attachment",
			msg:    mail.Message{From: "reports@example.com", To: []string{"a@example.com"}, Subject: "Weekly ▲", HTML: "<p>hi</p>", Text: "hi", Attachments: []mail.Attachment{attachment}},
			wantTo: [][]string{{"a@example.com"}},
		},
		{
			name:   "more recipients than SES takes at once",
			msg:    mail.Message{From: "reports@example.com", To: many, Subject: "s", Text: "t"},
			wantTo: [][]string{many[:50], many[50:100], many[100:]},
		},
		{
			name:      "no body",
			msg:       mail.Message{From: "reports@example.com", To: []string{"a@example.com"}, Subject: "s"},
			wantError: "no body",
		},
		{
			name:      "no recipient",
			msg:       mail.Message{From: "reports@example.com", Subject: "s", Text: "t"},
			wantError: "recipient",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.Emails())
			ids, err := mail.Send(context.Background(), c, tc.msg)
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("Send() error = %v, want one about %q", err, tc.wantError)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send() error = %v", err)
			}
			sent := srv.Emails()[before:]
			if len(ids) != len(tc.wantTo) || len(sent) != len(tc.wantTo) {
				t.Fatalf("Send() = %d ids, server got %d messages, want %d", len(ids), len(sent), len(tc.wantTo))
			}
			for i, e := range sent {
				if e.MessageID != ids[i] {
					t.Errorf("message %d id = %s, Send returned %s", i, e.MessageID, ids[i])
				}
				if diff := cmp.Diff(tc.wantTo[i], e.To); diff != "" {
					t.Errorf("message %d recipients (-want +got):\n%s", i, diff)
				}
				if e.From != tc.msg.From || e.Subject != tc.msg.Subject || e.HTML != tc.msg.HTML || e.Text != tc.msg.Text {
					t.Errorf("message %d = from %q subject %q html %q text %q, want %+v", i, e.From, e.Subject, e.HTML, e.Text, tc.msg)
				}
				var got []mail.Attachment
				for _, a := range e.Attachments {
					got = append(got, mail.Attachment{Name: a.FileName, ContentType: a.ContentType, Data: a.Data})
				}
				if diff := cmp.Diff(tc.msg.Attachments, got); diff != "" {
					t.Errorf("message %d attachments (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}
