package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/catalog"
	"github.com/config-report/config-report/internal/mail"
	"github.com/config-report/config-report/internal/run"
)

// In is the BuildReport Lambda's input.
type In struct {
	// RunID is the run to report on.
	RunID string `json:"runId"`
	// Bucket is the report bucket holding the run.
	Bucket string `json:"bucket"`
}

// Out is the BuildReport Lambda's output.
type Out struct {
	// ReportKey is the workbook's key.
	ReportKey string `json:"reportKey"`
	// SummaryKey is the key of summary.json.
	SummaryKey string `json:"summaryKey"`
	// Accounts is the number of accounts in the run's manifests.
	Accounts int `json:"accounts"`
	// Scanned is the number of accounts whose read role was assumed.
	Scanned int `json:"scanned"`
	// Failed is the number of accounts without a usable shard: the ones the
	// re-run input at run.RerunInputKey names.
	Failed int `json:"failed"`
}

// S3Client is the part of the S3 client BuildReport uses: reading the run,
// uploading the report, and removing a stale re-run input.
type S3Client interface {
	ListGetter
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// Presigner makes the pre-signed link to a workbook too big to attach.
type Presigner interface {
	PresignGetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// MaxAttachment is the largest workbook attached to the e-mail; a larger one
// is linked instead.
const MaxAttachment = 10 << 20

// LinkExpiry is the longest the e-mail's pre-signed link is asked to work:
// S3's limit for a link signed with SigV4. A link works only while the
// credentials that signed it do, however, and a Lambda's are temporary: the
// link asks for no longer than they last when their expiry is known, and the
// e-mail says until when it works, or that it may stop within hours.
const LinkExpiry = 7 * 24 * time.Hour

// Handler builds and publishes a run's report.
type Handler struct {
	// Config is the Lambda's configuration.
	Config Config
	// S3 reads the run and writes the report.
	S3 S3Client
	// Presign signs the link of a workbook too big to attach; needed only
	// when Config has recipients. It should sign with S3's credentials (be
	// made from the same client): when those expire (S3.Options().Credentials
	// says when), so does the link, and the e-mail says so.
	Presign Presigner
	// Mail sends the e-mail; needed only when Config has recipients.
	Mail mail.API
	// TmpDir is where the report is built; "" means os.TempDir().
	TmpDir string
	// SheetRowLimit overrides Excel's rows per sheet (tests); 0 means MaxSheetRows.
	SheetRowLimit int
	// MaxAttachment overrides the largest workbook attached to the e-mail
	// (tests); 0 means MaxAttachment.
	MaxAttachment int64
	// Logger logs progress; nil means slog.Default().
	Logger *slog.Logger
	// Metrics, when not nil, receives the run's headline counts as one line
	// of CloudWatch's embedded metric format after the report is published
	// (see MetricsNamespace). The Lambda sets it to standard output; nil
	// writes no metrics.
	Metrics io.Writer
}

// Handle builds the report of in.RunID from every manifest and shard of the
// run, its organization totals when it has them, and the previous run's
// summary, publishes the workbook, summary.json,
// the CSV and (when accounts were not scanned) the re-run input under the
// run's report prefix, and e-mails the recipients that have not had this
// report yet.
//
// A failure a later attempt may not meet (throttling or a server error past
// the SDK's retries, a network error, the deadline) is returned as an
// *awserr.TransientError, unwrapped, so that the state machine retries the
// step; any other error is returned as it is and fails the execution.
func (h *Handler) Handle(ctx context.Context, in In) (Out, error) {
	out, err := h.handle(ctx, in)
	return out, awserr.Boundary("run "+in.RunID, err)
}

func (h *Handler) handle(ctx context.Context, in In) (Out, error) {
	log := h.Logger
	if log == nil {
		log = slog.Default()
	}
	if err := run.ValidateID(in.RunID); err != nil {
		return Out{}, &awserr.InputError{Msg: "build report: " + err.Error()}
	}
	if err := awsid.ValidateBucket(in.Bucket); err != nil {
		return Out{}, &awserr.InputError{Msg: "build report: bucket: " + err.Error()}
	}
	log = log.With("run_id", in.RunID)

	accounts, manifests, err := loadAccounts(ctx, h.S3, in.Bucket, in.RunID)
	if err != nil {
		return Out{}, fmt.Errorf("build report: %w", err)
	}
	prev, err := FindPrevious(ctx, h.S3, in.Bucket, in.RunID, h.Config.Environment, func(msg string, args ...any) { log.WarnContext(ctx, msg, args...) })
	if err != nil {
		return Out{}, fmt.Errorf("build report: %w", err)
	}
	org, missing, err := LoadOrganization(ctx, h.S3, in.Bucket, in.RunID)
	if err != nil {
		return Out{}, fmt.Errorf("build report: %w", err)
	}
	if org == nil {
		log.WarnContext(ctx, "organization totals unavailable: the report counts only the run's accounts", "reason", missing)
	}
	input := Input{
		RunID:               in.RunID,
		Accounts:            accounts,
		Shards:              S3Shards{Client: h.S3, Bucket: in.Bucket, RunID: in.RunID},
		Previous:            prev,
		Organization:        org,
		OrganizationMissing: missing,
	}
	if prev != nil {
		input.PreviousCSV = PreviousCSV(h.S3, in.Bucket, prev.RunID)
		input.PreviousLedger = PreviousLedger(h.S3, in.Bucket, prev.RunID)
		log.InfoContext(ctx, "comparing with the previous run", "previous_run_id", prev.RunID)
	}
	sla, err := parseSLA(h.Config.SLA)
	if err != nil {
		return Out{}, &awserr.ConfigError{Function: "BuildReport", Err: fmt.Errorf("SLA_DAYS: %w", err)}
	}
	rep, err := Build(ctx, Options{
		Environment:     h.Config.Environment,
		Regions:         h.Config.Regions,
		GreenPct:        h.Config.GreenPct,
		AmberPct:        h.Config.AmberPct,
		ReadConcurrency: h.Config.ReadConcurrency,
		PaperSize:       h.Config.PaperSize,
		Classification:  h.Config.Classification,
		Console:         ConsoleAccess{StartURL: h.Config.ConsoleStartURL, RoleName: h.Config.ConsoleRoleName},
		OwnerTag:        h.Config.OwnerTag,
		SLA:             sla,
		Catalog:         catalog.Default(),
		SheetRowLimit:   h.SheetRowLimit,
		TmpDir:          h.TmpDir,
		Logger:          log,
	}, input)
	if err != nil {
		return Out{}, fmt.Errorf("build report: %w", err)
	}
	defer rep.Close()

	if err := h.publish(ctx, in, rep); err != nil {
		return Out{}, fmt.Errorf("build report: %w", err)
	}
	t := rep.Summary.Totals
	out := Out{
		ReportKey:  run.WorkbookKey(in.RunID),
		SummaryKey: run.SummaryKey(in.RunID),
		Accounts:   t.Accounts,
		Scanned:    t.Scanned,
		Failed:     t.NotScanned,
	}
	log.InfoContext(ctx, "report published", "bucket", in.Bucket, "report_key", out.ReportKey,
		"accounts", out.Accounts, "scanned", out.Scanned, "failed", out.Failed, "resources", t.Resources)
	if h.Metrics != nil {
		// The report is out: a metrics line that cannot be written is worth
		// a warning, not a failed run.
		if err := writeMetrics(h.Metrics, rep.Summary); err != nil {
			log.WarnContext(ctx, "metrics not written", "error", err)
		}
	}

	if len(h.Config.Recipients) > 0 {
		if err := h.email(ctx, log, in, rep, manifests); err != nil {
			return out, fmt.Errorf("report published to s3://%s/%s, but: %w", in.Bucket, out.ReportKey, err)
		}
	}
	return out, nil
}

// publish uploads the report. summary.json goes last: the next run compares
// with the latest run that has one, so its presence means the rest is there.
// Each file is one PutObject, which takes up to 5 GB (Amazon S3 User Guide,
// "Uploading objects"): the workbook of a million findings is about 80 MB,
// so a multipart upload would add calls, a permission and incomplete
// uploads to clean up, and save nothing.
func (h *Handler) publish(ctx context.Context, in In, rep *Report) error {
	files := []struct{ path, key, contentType string }{
		{rep.CSVPath, run.CSVKey(in.RunID), "text/csv; charset=utf-8"},
		{rep.WorkbookPath, run.WorkbookKey(in.RunID), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	}
	for _, f := range files {
		if err := h.upload(ctx, in.Bucket, f.key, f.path, f.contentType); err != nil {
			return err
		}
	}
	rerunKey := run.RerunInputKey(in.RunID)
	if rep.Rerun != nil {
		body, err := json.Marshal(rep.Rerun)
		if err != nil {
			return fmt.Errorf("encode re-run input: %w", err)
		}
		if _, err := h.S3.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(in.Bucket), Key: aws.String(rerunKey),
			Body: bytes.NewReader(body), ContentType: aws.String("application/json"),
		}); err != nil {
			return fmt.Errorf("put s3://%s/%s: %w", in.Bucket, rerunKey, err)
		}
	} else {
		// A rebuild after a successful re-run: the old input would re-run
		// accounts that now have shards.
		if _, err := h.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(in.Bucket), Key: aws.String(rerunKey)}); err != nil {
			return fmt.Errorf("delete stale s3://%s/%s: %w", in.Bucket, rerunKey, err)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rep.OwnerCSVs)) {
		if err := h.upload(ctx, in.Bucket, run.OwnerCSVKey(in.RunID, name), rep.OwnerCSVs[name], "text/csv; charset=utf-8"); err != nil {
			return err
		}
	}
	if err := h.upload(ctx, in.Bucket, run.LedgerKey(in.RunID), rep.LedgerPath, "application/octet-stream"); err != nil {
		return err
	}
	return h.upload(ctx, in.Bucket, run.SummaryKey(in.RunID), rep.SummaryPath, "application/json")
}

// upload puts the file at path as one object. The file is the request's
// body, read from disk as it is sent (the SDK seeks it to sign and retry).
func (h *Handler) upload(ctx context.Context, bucket, key, path, contentType string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("upload s3://%s/%s: %w", bucket, key, err)
	}
	defer f.Close()
	if _, err := h.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(bucket),
		Key:         aws.String(key),
		Body:        f,
		ContentType: aws.String(contentType),
	}); err != nil {
		return fmt.Errorf("upload s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// New returns the BuildReport handler of cfg with its AWS clients built
// from awsCfg, the function's own credentials and region (an SES client and
// a presigner only when cfg has recipients): how the Lambda and every local
// run wire it. s3Options adjust the S3 client (a local bucket's endpoint).
func New(cfg Config, awsCfg aws.Config, s3Options ...func(*s3.Options)) *Handler {
	c := s3.NewFromConfig(awsCfg, s3Options...)
	h := &Handler{Config: cfg, S3: c}
	if len(cfg.Recipients) > 0 {
		h.Presign = s3.NewPresignClient(c)
		h.Mail = sesv2.NewFromConfig(awsCfg)
	}
	return h
}
