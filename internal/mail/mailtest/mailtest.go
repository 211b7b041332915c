// Package mailtest provides test doubles for code that sends e-mail through
// mail.API.
package mailtest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/config-report/config-report/internal/mail"
)

// SendEmailFunc adapts a function to mail.API, SES v2's SendEmail: a test
// answers itself, or wraps a real client to count or fail its calls.
type SendEmailFunc func(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)

var _ mail.API = SendEmailFunc(nil)

// SendEmail calls f.
func (f SendEmailFunc) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return f(ctx, in, optFns...)
}
