package report

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/config-report/config-report/internal/mail"
	"github.com/config-report/config-report/internal/run"
)

// emailRow is one headline figure of the e-mail.
type emailRow struct {
	Label, Value, Previous, Change string
	// Tone is "good", "bad" or "" and colours the change.
	Tone string
}

type emailData struct {
	Environment, RunID, Compared string
	Rows                         []emailRow
	Comparison                   *Comparison
	ResolvedNote                 string
	NotScanned                   int
	NotScannedText               string
	RerunKey                     string
	Attached                     bool
	Link, LinkExpiry             string
	Bucket, Key                  string
}

var emailTemplate = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #222;">
<h2 style="margin-bottom: 4px;">AWS Config compliance — {{.Environment}}</h2>
<p style="margin-top: 0; color: #555;">Run {{.RunID}}. {{.Compared}}</p>
<table cellpadding="6" cellspacing="0" style="border-collapse: collapse; border: 1px solid #ccc;">
<tr style="background: #d9e1f2;"><th align="left">Figure</th><th align="right">This run</th><th align="right">Previous run</th><th align="right">Change</th></tr>
{{range .Rows}}<tr style="border-top: 1px solid #ddd;"><td>{{.Label}}</td><td align="right">{{.Value}}</td><td align="right">{{.Previous}}</td><td align="right"{{if eq .Tone "good"}} style="color: #008000;"{{else if eq .Tone "bad"}} style="color: #c00000;"{{end}}>{{.Change}}</td></tr>
{{end}}</table>
{{with .Comparison}}<p>Since run {{.PreviousRunID}}: <b>{{.New}}</b> new non-compliant resources, <b>{{.Resolved}}</b> resolved, {{.Persisting}} still non-compliant{{if .NotRechecked}}, {{.NotRechecked}} not re-checked (account or region not scanned this time){{end}}{{if .Unknown}}, {{.Unknown}} unknown (not in the previous run's CSV){{end}}.</p>{{end}}
{{if .ResolvedNote}}<p style="color: #555;">{{.ResolvedNote}}</p>{{end}}
{{if .NotScanned}}<p style="color: #c00000;"><b>{{.NotScannedText}}.</b> The execution input that re-runs exactly them is in s3://{{.Bucket}}/{{.RerunKey}} and on the workbook's Coverage sheet.</p>{{end}}
{{if .Attached}}<p>The workbook is attached.</p>{{else}}<p>The workbook is too big to attach: <a href="{{.Link}}">download it</a> (the link works for {{.LinkExpiry}} at most, less if the credentials that signed it expire first; the workbook stays at the address below).</p>{{end}}
<p style="color: #555;">Workbook: s3://{{.Bucket}}/{{.Key}}</p>
</body></html>
`))

// formatFigure renders a figure's value.
func formatFigure(v float64, pct bool) string {
	if pct {
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	}
	return groupThousands(int64(math.Round(v)))
}

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatChange renders a change the way the workbook's number formats do.
func formatChange(f figure) (text, tone string) {
	if !f.HasPrev {
		return firstRunText, ""
	}
	d, ok := f.Change()
	if !ok {
		return "", ""
	}
	unit := ""
	mag := groupThousands(int64(math.Abs(d)))
	if f.Pct {
		unit = " pp"
		mag = strconv.FormatFloat(math.Abs(d), 'f', 1, 64)
	}
	switch {
	case d > 0:
		text = "▲ " + mag + unit
	case d < 0:
		text = "▼ " + mag + unit
	default:
		return "= 0" + unit, ""
	}
	tone = [...]string{toneNone: "", toneGood: "good", toneBad: "bad"}[toneOf(d, f.Polarity)]
	return text, tone
}

// emailMessage composes the e-mail: the headline figures and their changes,
// and either the workbook attached or a pre-signed link to it.
func emailMessage(rep *Report, bucket, from string, to []string, link string) (mail.Message, error) {
	sum := rep.Summary
	d := emailData{
		Environment:    sum.Environment,
		RunID:          sum.RunID,
		Compared:       "First run: there is no previous report to compare with.",
		Comparison:     sum.Comparison,
		ResolvedNote:   rep.ResolvedNote,
		NotScanned:     sum.Totals.NotScanned,
		NotScannedText: notScannedText(sum.Totals.NotScanned),
		RerunKey:       run.RerunInputKey(sum.RunID),
		Attached:       link == "",
		Link:           link,
		LinkExpiry:     "7 days",
		Bucket:         bucket,
		Key:            run.WorkbookKey(sum.RunID),
	}
	if rep.Previous != nil {
		d.Compared = "Compared with run " + rep.Previous.RunID + "."
	}
	for _, f := range figures(sum, rep.Previous) {
		r := emailRow{Label: f.Label, Previous: "—", Value: f.Missing}
		if f.Defined {
			r.Value = formatFigure(f.Cur, f.Pct)
		}
		switch {
		case f.HasPrev && f.PrevDef:
			r.Previous = formatFigure(f.Prev, f.Pct)
		case f.HasPrev && f.PrevMissing != "":
			r.Previous = f.PrevMissing
		}
		r.Change, r.Tone = formatChange(f)
		d.Rows = append(d.Rows, r)
	}
	var html bytes.Buffer
	if err := emailTemplate.Execute(&html, d); err != nil {
		return mail.Message{}, fmt.Errorf("compose e-mail: %w", err)
	}
	compliance := "n/a"
	if v, ok := sum.Totals.Compliance(); ok {
		compliance = strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	}
	subject := fmt.Sprintf("AWS Config compliance %s %s: %s compliant, %s non-compliant resources",
		sum.Environment, sum.RunID[:10], compliance, groupThousands(int64(sum.Totals.Resources)))
	if n := sum.Totals.NotScanned; n > 0 {
		subject += ", " + plural(n, "account", "accounts") + " not scanned"
	}
	return mail.Message{From: from, To: to, Subject: subject, HTML: html.String()}, nil
}

// email sends the report to the configured recipients that have not had it.
// The run's e-mail record (EmailRecordKey) says who has: it is written after
// every message SES accepts, so a retry of this build, after a failure at any
// point, sends only to the recipients still without it, and a rebuild that
// changes the report sends it to all of them again. A failure between SES
// accepting a message and the record being written leaves that message
// unrecorded, and a retry sends it again: at least once, not exactly once.
func (h *Handler) email(ctx context.Context, log *slog.Logger, in In, rep *Report, manifests []string) error {
	if h.Mail == nil {
		return fmt.Errorf("e-mail: no SES client is configured")
	}
	digest, err := reportDigest(rep.Summary, manifests)
	if err != nil {
		return fmt.Errorf("e-mail: %w", err)
	}
	rec, err := loadEmailRecord(ctx, h.S3, in.Bucket, in.RunID, func(msg string, args ...any) { log.WarnContext(ctx, msg, args...) })
	if err != nil {
		return fmt.Errorf("e-mail: %w", err)
	}
	if rec == nil || rec.Report != digest {
		rec = &EmailRecord{SchemaVersion: EmailRecordVersion, RunID: in.RunID, Report: digest, GeneratedAt: rep.Summary.GeneratedAt.UTC()}
	}
	to := rec.unsent(h.Config.Recipients)
	if len(to) == 0 {
		log.InfoContext(ctx, "e-mail not sent: every recipient has had this report", "record_key", EmailRecordKey(in.RunID),
			"report", digest, "messages", len(rec.Messages))
		return nil
	}
	if n := len(h.Config.Recipients) - len(to); n > 0 {
		log.InfoContext(ctx, "e-mail sent only to the recipients that have not had this report", "already_sent", n, "to_send", len(to))
	}

	st, err := os.Stat(rep.WorkbookPath)
	if err != nil {
		return fmt.Errorf("e-mail: %w", err)
	}
	link := ""
	limit := cmp.Or(h.MaxAttachment, MaxAttachment)
	if st.Size() >= limit {
		if h.Presign == nil {
			return fmt.Errorf("e-mail: the workbook is %d bytes, too big to attach, and no presigner is configured", st.Size())
		}
		req, err := h.Presign.PresignGetObject(ctx, &s3.GetObjectInput{
			Bucket: aws.String(in.Bucket),
			Key:    aws.String(run.WorkbookKey(in.RunID)),
		}, s3.WithPresignExpires(LinkExpiry))
		if err != nil {
			return fmt.Errorf("e-mail: presign the workbook link: %w", err)
		}
		link = req.URL
	}
	m, err := emailMessage(rep, in.Bucket, h.Config.Sender, to, link)
	if err != nil {
		return err
	}
	if link == "" {
		data, err := os.ReadFile(rep.WorkbookPath)
		if err != nil {
			return fmt.Errorf("e-mail: %w", err)
		}
		m.Attachments = []mail.Attachment{{
			Name:        filepath.Base(run.WorkbookKey(in.RunID)),
			ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			Data:        data,
		}}
	}
	_, err = mail.SendEach(ctx, h.Mail, m, func(to []string, id string) error {
		rec.Messages = append(rec.Messages, SentMessage{MessageID: id, To: slices.Clone(to), SentAt: time.Now().UTC()})
		return putEmailRecord(ctx, h.S3, in.Bucket, rec)
	})
	if err != nil {
		return fmt.Errorf("e-mail: %w", err)
	}
	return nil
}
