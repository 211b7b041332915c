package mail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/mail"
	"github.com/config-report/config-report/internal/mail/mailtest"
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

// TestSendEachStopsAtAFailure: the caller hears of every message SES
// accepted, and of none it did not, so it can resend only the rest.
func TestSendEachStopsAtAFailure(t *testing.T) {
	org := orgsim.Generate(orgsim.Spec{Seed: 3, Accounts: 2})
	srv := orgsim.Start(org)
	t.Cleanup(srv.Close)
	c := sesv2.NewFromConfig(srv.AWSConfig(org.HubRoleARN(org.Spec.FormatterRoleName), "eu-west-1"), func(o *sesv2.Options) { o.RetryMaxAttempts = 1 })
	var to []string
	for i := range 120 {
		to = append(to, fmt.Sprintf("user%03d@example.com", i))
	}
	m := mail.Message{From: "reports@example.com", To: to, Subject: "s", Text: "t"}
	type batch struct {
		To []string
		ID string
	}
	errStop := errors.New("stop")
	tests := []struct {
		name string
		// failCall is the SendEmail call (from 1) from which SES fails; 0 for none.
		failCall int
		// stopAfter makes the callback fail after this many messages; 0 for never.
		stopAfter int
		want      [][]string
		wantErr   error
	}{
		{name: "all sent", want: [][]string{to[:50], to[50:100], to[100:]}},
		{name: "SES fails on the second message", failCall: 2, want: [][]string{to[:50]}},
		{name: "the callback stops it", stopAfter: 2, want: [][]string{to[:50], to[50:100]}, wantErr: errStop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Cleanup(func() { srv.SetFaults(orgsim.Faults{}) })
			calls := 0
			api := mailtest.SendEmailFunc(func(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
				calls++
				if calls == tt.failCall {
					srv.SetFaults(orgsim.Faults{ServerErrors: map[string]float64{"ses:SendEmail": 1}})
				}
				return c.SendEmail(ctx, in, optFns...)
			})
			before := len(srv.Emails())
			var got []batch
			ids, err := mail.SendEach(context.Background(), api, m, func(to []string, id string) error {
				got = append(got, batch{to, id})
				if len(got) == tt.stopAfter {
					return errStop
				}
				return nil
			})
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("SendEach() error = %v, want %v", err, tt.wantErr)
			case tt.failCall > 0 && err == nil:
				t.Fatal("SendEach() = nil error, want SES's")
			case tt.wantErr == nil && tt.failCall == 0 && err != nil:
				t.Fatalf("SendEach() error = %v", err)
			}
			sent := srv.Emails()[before:]
			if len(sent) != len(tt.want) || len(got) != len(tt.want) || len(ids) != len(tt.want) {
				t.Fatalf("SES accepted %d messages, callback heard of %d, %d IDs returned; want %d", len(sent), len(got), len(ids), len(tt.want))
			}
			for i, e := range sent {
				if diff := cmp.Diff(batch{e.To, e.MessageID}, got[i]); diff != "" {
					t.Errorf("message %d (-accepted +callback):\n%s", i, diff)
				}
				if diff := cmp.Diff(tt.want[i], e.To); diff != "" {
					t.Errorf("message %d recipients (-want +got):\n%s", i, diff)
				}
				if ids[i] != e.MessageID {
					t.Errorf("id %d = %s, want %s", i, ids[i], e.MessageID)
				}
			}
		})
	}
}
