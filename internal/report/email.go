package report

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"net/url"
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
	// Link is the pre-signed link of a workbook too big to attach.
	Link string
	// LinkUntil says until when Link works (UTC, to the minute); "" when
	// that cannot be known. LinkMaxValidity is how long it asks to work.
	LinkUntil, LinkMaxValidity string
	// Bucket and Key locate the workbook; ConsoleURL is its S3 console page.
	Bucket, Key, ConsoleURL string
}

var emailTemplate = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html><body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #222;">
<h2 style="margin-bottom: 4px;">AWS Config compliance — {{.Environment}}</h2>
<p style="margin-top: 0; color: #555;">Run {{.RunID}}. {{.Compared}}</p>
<table cellpadding="6" cellspacing="0" style="border-collapse: collapse; border: 1px solid #ccc;">
<tr style="background: #d9e1f2;"><th align="left">Figure</th><th align="right">This run</th><th align="right">Previous run</th><th align="right">Change</th></tr>
{{range .Rows}}<tr style="border-top: 1px solid #ddd;"><td>{{.Label}}</td><td align="right">{{.Value}}</td><td align="right">{{.Previous}}</td><td align="right"{{if eq .Tone "good"}} style="color: #0072B2;"{{else if eq .Tone "bad"}} style="color: #D55E00;"{{end}}>{{.Change}}</td></tr>
{{end}}</table>
{{with .Comparison}}<p>Since run {{.PreviousRunID}}: <b>{{.New}}</b> new findings (a non-compliant resource under one rule){{if .NotPreviouslyChecked}}, {{.NotPreviouslyChecked}} more where the previous run could not look (not new, maybe old){{end}}, <b>{{.Resolved}}</b> resolved, {{.Persisting}} still open{{if .NotRechecked}}, {{.NotRechecked}} not re-checked (account or region not scanned this time){{end}}{{if .Unknown}}, {{.Unknown}} unknown (not in the previous run's CSV){{end}}.</p>{{end}}
{{if .ResolvedNote}}<p style="color: #555;">{{.ResolvedNote}}</p>{{end}}
{{if .NotScanned}}<p style="color: #c00000;"><b>{{.NotScannedText}}.</b> The execution input that re-runs exactly them is in s3://{{.Bucket}}/{{.RerunKey}} and on the workbook's Coverage sheet.</p>{{end}}
{{if .Attached}}<p>The workbook is attached.</p>{{else}}<p>The workbook is too big to attach: <a href="{{.Link}}">download it</a> ({{if .LinkUntil}}the link works until {{.LinkUntil}}{{else}}the link is signed with the report function's temporary AWS credentials and may stop working within hours, when they expire, although it asks for {{.LinkMaxValidity}}{{end}}; after that, open the workbook from S3 below).</p>{{end}}
<p style="color: #555;">Workbook: s3://{{.Bucket}}/{{.Key}} — <a href="{{.ConsoleURL}}">open it in the S3 console</a> (needs read access to the bucket).</p>
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
	pol := f.Polarity
	if f.Pct {
		unit = " pp"
		mag = strconv.FormatFloat(math.Abs(d), 'f', 1, 64)
		if withinDeadBand(d) {
			pol = neutral
		}
	}
	switch {
	case d > 0:
		text = "▲ " + mag + unit
	case d < 0:
		text = "▼ " + mag + unit
	default:
		return "= 0" + unit, ""
	}
	t := toneOf(d, pol)
	text += [...]string{toneNone: "", toneGood: " better", toneBad: " worse"}[t]
	return text, [...]string{toneNone: "", toneGood: "good", toneBad: "bad"}[t]
}

// emailLinks say where the e-mail points to the workbook.
type emailLinks struct {
	// Bucket is the report bucket; Region is its region ("" if unknown).
	Bucket, Region string
	// Download is the pre-signed link to a workbook too big to attach; ""
	// when it is attached.
	Download string
	// Until is when Download stops working; zero when that cannot be known.
	Until time.Time
}

// s3ConsoleURL returns the address of an object's page in the S3 console of
// the region's partition.
func s3ConsoleURL(region, bucket, key string) string {
	host := "s3.console.aws.amazon.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		host = "console.amazonaws.cn"
	case strings.HasPrefix(region, "us-gov-"):
		host = "console.amazonaws-us-gov.com"
	}
	q := url.Values{}
	q.Set("prefix", key)
	if region != "" {
		q.Set("region", region)
	}
	return "https://" + host + "/s3/object/" + url.PathEscape(bucket) + "?" + q.Encode()
}

// emailMessage composes the e-mail: the headline figures and their changes,
// either the workbook attached or a pre-signed link to it with how long it
// works, and always the workbook's S3 location and its S3 console page.
func emailMessage(rep *Report, from string, to []string, links emailLinks) (mail.Message, error) {
	sum := rep.Summary
	key := run.WorkbookKey(sum.RunID)
	d := emailData{
		Environment:     sum.Environment,
		RunID:           sum.RunID,
		Compared:        "First run: there is no previous report to compare with.",
		Comparison:      sum.Comparison,
		ResolvedNote:    rep.ResolvedNote,
		NotScanned:      sum.Totals.NotScanned,
		NotScannedText:  notScannedText(sum.Totals.NotScanned),
		RerunKey:        run.RerunInputKey(sum.RunID),
		Attached:        links.Download == "",
		Link:            links.Download,
		LinkMaxValidity: fmt.Sprintf("%d days", LinkExpiry/(24*time.Hour)),
		Bucket:          links.Bucket,
		Key:             key,
		ConsoleURL:      s3ConsoleURL(links.Region, links.Bucket, key),
	}
	if !links.Until.IsZero() {
		d.LinkUntil = links.Until.UTC().Format("2006-01-02 15:04") + " UTC"
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
	if n := sum.Totals.NoData; n > 0 {
		subject += ", " + plural(n, "account", "accounts") + " with no data"
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
	links := emailLinks{Bucket: in.Bucket}
	var creds aws.CredentialsProvider
	if c, ok := h.S3.(interface{ Options() s3.Options }); ok {
		o := c.Options()
		links.Region, creds = o.Region, o.Credentials
	}
	limit := cmp.Or(h.MaxAttachment, MaxAttachment)
	if st.Size() >= limit {
		if h.Presign == nil {
			return fmt.Errorf("e-mail: the workbook is %d bytes, too big to attach, and no presigner is configured", st.Size())
		}
		// A pre-signed link works only as long as the session that signed it:
		// ask for no longer than the credentials last, and say until when.
		validity := LinkExpiry
		if creds != nil {
			if c, err := creds.Retrieve(ctx); err == nil && c.CanExpire {
				now := time.Now()
				links.Until = now.Add(LinkExpiry)
				if c.Expires.Before(links.Until) {
					links.Until = c.Expires
					validity = max(c.Expires.Sub(now).Truncate(time.Second), time.Second)
				}
			}
		}
		req, err := h.Presign.PresignGetObject(ctx, &s3.GetObjectInput{
			Bucket: aws.String(in.Bucket),
			Key:    aws.String(run.WorkbookKey(in.RunID)),
		}, s3.WithPresignExpires(validity))
		if err != nil {
			return fmt.Errorf("e-mail: presign the workbook link: %w", err)
		}
		links.Download = req.URL
	}
	m, err := emailMessage(rep, h.Config.Sender, to, links)
	if err != nil {
		return err
	}
	if links.Download == "" {
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
