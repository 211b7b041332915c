package report

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// simulated starts the simulated organization and returns its server and the
// BuildReport role's S3 client, with the report bucket created.
func simulated(t *testing.T) (*orgsim.Server, aws.Config, *s3.Client) {
	t.Helper()
	org := orgsim.Generate(orgsim.Spec{Seed: 7, Accounts: 3})
	srv := orgsim.Start(org)
	t.Cleanup(srv.Close)
	cfg := srv.AWSConfig(org.HubRoleARN(org.Spec.FormatterRoleName), "eu-west-1")
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(runtest.Bucket)}); err != nil {
		t.Fatal(err)
	}
	return srv, cfg, c
}

func TestHandleEmail(t *testing.T) {
	for _, tc := range []struct {
		name          string
		maxAttachment int64
		attached      bool
	}{
		{name: "small workbook attached", attached: true},
		{name: "big workbook linked", maxAttachment: 1000, attached: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			srv, cfg, c := simulated(t)
			newMixedRun(run1).put(t, c, run1)
			conf := testConfig()
			conf.Sender = "reports@example.com"
			conf.Recipients = []string{"platform@example.com", "security@example.com"}
			h := &Handler{
				Config: conf, S3: c, Presign: s3.NewPresignClient(c), Mail: sesv2.NewFromConfig(cfg),
				TmpDir: t.TempDir(), MaxAttachment: tc.maxAttachment,
			}
			if _, err := h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			emails := srv.Emails()
			if len(emails) != 1 {
				t.Fatalf("%d e-mails sent, want 1", len(emails))
			}
			e := emails[0]
			if e.From != conf.Sender || strings.Join(e.To, ",") != "platform@example.com,security@example.com" {
				t.Errorf("e-mail from %s to %v, want from %s to the recipients", e.From, e.To, conf.Sender)
			}
			for _, want := range []string{"test", run1[:10], "78.9% compliant", "6 non-compliant resources", "3 accounts not scanned"} {
				if !strings.Contains(e.Subject, want) {
					t.Errorf("subject %q lacks %q", e.Subject, want)
				}
			}
			for _, want := range []string{"Overall compliance", "78.9%", "Non-compliant resources", "first run", "3 accounts were not scanned", run.RerunInputKey(run1),
				`Accounts in the organization</td><td align="right">10<`, `Accounts in this run</td><td align="right">7<`} {
				if !strings.Contains(e.HTML, want) {
					t.Errorf("HTML body lacks %q", want)
				}
			}
			workbook := getObject(t, c, run.WorkbookKey(run1))
			if !tc.attached {
				if len(e.Attachments) != 0 {
					t.Fatalf("%d attachments, want the link instead", len(e.Attachments))
				}
				link := linkIn(t, e.HTML)
				u, err := url.Parse(link)
				if err != nil {
					t.Fatal(err)
				}
				if got := u.Query().Get("X-Amz-Expires"); got != "604800" {
					t.Errorf("link expires after %s seconds, want 604800 (7 days)", got)
				}
				resp, err := http.Get(link)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				got, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK || !bytes.Equal(got, workbook) {
					t.Errorf("GET link = %s, %d bytes; want 200 and the workbook's %d bytes", resp.Status, len(got), len(workbook))
				}
				return
			}
			if len(e.Attachments) != 1 {
				t.Fatalf("%d attachments, want 1", len(e.Attachments))
			}
			a := e.Attachments[0]
			if a.FileName != "config-compliance-"+run1+".xlsx" || !bytes.Equal(a.Data, workbook) {
				t.Errorf("attachment %s of %d bytes, want the workbook (%d bytes)", a.FileName, len(a.Data), len(workbook))
			}
			f, err := excelize.OpenReader(bytes.NewReader(a.Data))
			if err != nil {
				t.Fatalf("attachment is not a workbook: %v", err)
			}
			defer f.Close()
			if got := f.GetSheetList(); len(got) != 6 {
				t.Errorf("attached workbook has sheets %v", got)
			}
		})
	}
}

// linkIn returns the first href of an HTML body.
func linkIn(t *testing.T, html string) string {
	t.Helper()
	_, rest, ok := strings.Cut(html, `href="`)
	if !ok {
		t.Fatalf("no link in %s", html)
	}
	link, _, _ := strings.Cut(rest, `"`)
	return strings.ReplaceAll(link, "&amp;", "&")
}

func TestFormatChange(t *testing.T) {
	for _, tc := range []struct {
		name       string
		f          figure
		text, tone string
	}{
		{"first run", figure{Cur: 5, Defined: true}, "first run", ""},
		{"more resources is bad", figure{Cur: 1500, Prev: 200, HasPrev: true, Defined: true, PrevDef: true, Polarity: upBad}, "▲ 1,300", "bad"},
		{"fewer resources is good", figure{Cur: 2, Prev: 5, HasPrev: true, Defined: true, PrevDef: true, Polarity: upBad}, "▼ 3", "good"},
		{"compliance in points", figure{Cur: 0.8, Prev: 0.75, Pct: true, HasPrev: true, Defined: true, PrevDef: true, Polarity: upGood}, "▲ 5.0 pp", "good"},
		{"neutral", figure{Cur: 10, Prev: 12, HasPrev: true, Defined: true, PrevDef: true}, "▼ 2", ""},
		{"no change", figure{Cur: 3, Prev: 3, HasPrev: true, Defined: true, PrevDef: true, Polarity: upBad}, "= 0", ""},
		{"undefined before", figure{Cur: 0.5, Pct: true, HasPrev: true, Defined: true}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, tone := formatChange(tc.f)
			if text != tc.text || tone != tc.tone {
				t.Errorf("formatChange() = %q, %q; want %q, %q", text, tone, tc.text, tc.tone)
			}
		})
	}
}
