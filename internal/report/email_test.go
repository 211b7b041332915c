package report

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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
	return srv, cfg, runtest.NewBucket(t, cfg, runtest.Bucket)
}

func TestHandleEmail(t *testing.T) {
	const week = 7 * 24 * 60 * 60
	for _, tc := range []struct {
		name          string
		maxAttachment int64
		// credsLast is how long the S3 client's credentials last; 0 when
		// they say nothing of it (as a Lambda's from its environment).
		credsLast time.Duration
		attached  bool
		// wantExpires is the link's X-Amz-Expires in seconds.
		wantExpires int
		wantText    string
	}{
		{name: "small workbook attached", attached: true},
		{
			name: "big workbook linked, credentials of unknown expiry", maxAttachment: 1000, wantExpires: week,
			wantText: "the link is signed with the report function's temporary AWS credentials and may stop working within hours, when they expire, although it asks for 7 days",
		},
		{
			name: "big workbook linked, credentials expiring in 3 hours", maxAttachment: 1000, credsLast: 3 * time.Hour, wantExpires: 3 * 60 * 60,
			wantText: "the link works until ",
		},
		{
			name: "big workbook linked, credentials lasting longer than the link", maxAttachment: 1000, credsLast: 30 * 24 * time.Hour, wantExpires: week,
			wantText: "the link works until ",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			srv, cfg, c := simulated(t)
			newMixedRun(run1).put(t, c, run1)
			expires := time.Now().Add(tc.credsLast)
			if tc.credsLast > 0 {
				base := cfg.Credentials
				cfg.Credentials = aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
					cr, err := base.Retrieve(ctx)
					cr.CanExpire, cr.Expires = true, expires
					return cr, err
				})
				c = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
			}
			conf := testConfig()
			conf.Sender = "reports@example.com"
			conf.Recipients = []string{"platform@example.com", "security@example.com"}
			h := &Handler{
				Config: conf, S3: c, Presign: s3.NewPresignClient(c), Mail: sesv2.NewFromConfig(cfg),
				TmpDir: t.TempDir(), MaxAttachment: tc.maxAttachment,
			}
			before := time.Now()
			if _, err := h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			after := time.Now()
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
			key := run.WorkbookKey(run1)
			console := "https://s3.console.aws.amazon.com/s3/object/" + runtest.Bucket + "?prefix=" + url.QueryEscape(key) + "&amp;region=eu-west-1"
			for _, want := range []string{"Overall compliance", "78.9%", "Non-compliant resources", "first run", "3 accounts were not scanned", run.RerunInputKey(run1),
				`Accounts in the organization</td><td align="right">10<`, `Accounts in this run</td><td align="right">7<`,
				"s3://" + runtest.Bucket + "/" + key, `<a href="` + console + `">open it in the S3 console</a>`} {
				if !strings.Contains(e.HTML, want) {
					t.Errorf("HTML body lacks %q", want)
				}
			}
			workbook := getObject(t, c, key)
			if !tc.attached {
				if len(e.Attachments) != 0 {
					t.Fatalf("%d attachments, want the link instead", len(e.Attachments))
				}
				if !strings.Contains(e.HTML, tc.wantText) {
					t.Errorf("HTML body lacks %q:\n%s", tc.wantText, e.HTML)
				}
				if tc.credsLast > 0 {
					// The credentials' expiry, or the link's 7 days from when it was signed.
					earliest, latest := expires, expires
					if tc.credsLast > LinkExpiry {
						earliest, latest = before.Add(LinkExpiry), after.Add(LinkExpiry)
					}
					text := func(at time.Time) string {
						return "the link works until " + at.UTC().Format("2006-01-02 15:04") + " UTC;"
					}
					if !strings.Contains(e.HTML, text(earliest)) && !strings.Contains(e.HTML, text(latest)) {
						t.Errorf("HTML body lacks %q", text(earliest))
					}
				}
				link := linkIn(t, e.HTML)
				u, err := url.Parse(link)
				if err != nil {
					t.Fatal(err)
				}
				got, err := strconv.Atoi(u.Query().Get("X-Amz-Expires"))
				if err != nil || got > tc.wantExpires || got < tc.wantExpires-60 {
					t.Errorf("link expires after %s seconds, want %d (to the minute)", u.Query().Get("X-Amz-Expires"), tc.wantExpires)
				}
				resp, err := http.Get(link)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK || !bytes.Equal(body, workbook) {
					t.Errorf("GET link = %s, %d bytes; want 200 and the workbook's %d bytes", resp.Status, len(body), len(workbook))
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
		{"more resources is bad", figure{Cur: 1500, Prev: 200, HasPrev: true, Defined: true, PrevDef: true, Polarity: upBad}, "▲ 1,300 worse", "bad"},
		{"fewer resources is good", figure{Cur: 2, Prev: 5, HasPrev: true, Defined: true, PrevDef: true, Polarity: upBad}, "▼ 3 better", "good"},
		{"compliance in points", figure{Cur: 0.8, Prev: 0.75, Pct: true, HasPrev: true, Defined: true, PrevDef: true, Polarity: upGood}, "▲ 5.0 pp better", "good"},
		{"neutral", figure{Cur: 10, Prev: 12, HasPrev: true, Defined: true, PrevDef: true}, "▼ 2", ""},
		{"no change", figure{Cur: 3, Prev: 3, HasPrev: true, Defined: true, PrevDef: true, Polarity: upBad}, "= 0", ""},
		{"within the dead band", figure{Cur: 0.7755, Prev: 0.7762, Pct: true, HasPrev: true, Defined: true, PrevDef: true, Polarity: upGood}, "▼ 0.1 pp", ""},
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
