// Package mail sends e-mail, with attachments, through Amazon SES v2's
// SendEmail in its simple (structured) form, so SES assembles the MIME.
package mail

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// MaxRecipients is how many recipients SES accepts per message; longer
// lists are sent as several messages.
const MaxRecipients = 50

// API is the part of the SES v2 client that sends e-mail.
type API interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Attachment is a file attached to a message.
type Attachment struct {
	// Name is the file name shown to the recipient.
	Name string
	// ContentType is the file's MIME type.
	ContentType string
	// Data is the file's content.
	Data []byte
}

// Message is one e-mail.
type Message struct {
	// From is the sender, a verified SES identity.
	From string
	// To are the recipients.
	To []string
	// Subject is the subject line.
	Subject string
	// HTML and Text are the two bodies; either may be empty, not both.
	HTML, Text string
	// Attachments are attached files.
	Attachments []Attachment
}

// Send sends m, as one message per MaxRecipients recipients, and returns the
// SES message IDs.
func Send(ctx context.Context, c API, m Message) ([]string, error) {
	return SendEach(ctx, c, m, nil)
}

// SendEach sends m as Send does and calls sent, when it is not nil, after
// each message SES accepts, with the message's recipients and ID, so that a
// caller can record which recipients have had it before a later message
// fails. An error from sent stops the sending and is returned. On an error
// the IDs of the messages already sent are returned with it.
func SendEach(ctx context.Context, c API, m Message, sent func(to []string, messageID string) error) ([]string, error) {
	if m.From == "" || len(m.To) == 0 {
		return nil, errors.New("send e-mail: a sender and at least one recipient are needed")
	}
	if m.HTML == "" && m.Text == "" {
		return nil, errors.New("send e-mail: the message has no body")
	}
	utf8 := aws.String("UTF-8")
	body := &types.Body{}
	if m.HTML != "" {
		body.Html = &types.Content{Data: aws.String(m.HTML), Charset: utf8}
	}
	if m.Text != "" {
		body.Text = &types.Content{Data: aws.String(m.Text), Charset: utf8}
	}
	msg := &types.Message{
		Subject: &types.Content{Data: aws.String(m.Subject), Charset: utf8},
		Body:    body,
	}
	for _, a := range m.Attachments {
		msg.Attachments = append(msg.Attachments, types.Attachment{
			FileName:                aws.String(a.Name),
			ContentType:             aws.String(a.ContentType),
			RawContent:              a.Data,
			ContentDisposition:      types.AttachmentContentDispositionAttachment,
			ContentTransferEncoding: types.AttachmentContentTransferEncodingBase64,
		})
	}
	var ids []string
	for start := 0; start < len(m.To); start += MaxRecipients {
		to := m.To[start:min(start+MaxRecipients, len(m.To))]
		out, err := c.SendEmail(ctx, &sesv2.SendEmailInput{
			FromEmailAddress: aws.String(m.From),
			Destination:      &types.Destination{ToAddresses: to},
			Content:          &types.EmailContent{Simple: msg},
		})
		if err != nil {
			return ids, fmt.Errorf("send e-mail %q from %s to %d recipients: %w", m.Subject, m.From, len(to), err)
		}
		id := aws.ToString(out.MessageId)
		ids = append(ids, id)
		if sent != nil {
			if err := sent(to, id); err != nil {
				return ids, err
			}
		}
	}
	return ids, nil
}
