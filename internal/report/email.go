package report

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"html/template"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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

// email sends the report to the configured recipients.
func (h *Handler) email(ctx context.Context, in In, rep *Report) error {
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
	m, err := emailMessage(rep, in.Bucket, h.Config.Sender, h.Config.Recipients, link)
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
	if h.Mail == nil {
		return fmt.Errorf("e-mail: no SES client is configured")
	}
	if _, err := mail.Send(ctx, h.Mail, m); err != nil {
		return fmt.Errorf("e-mail: %w", err)
	}
	return nil
}
