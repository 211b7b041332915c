package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/config-report/config-report/internal/run"
)

// EmailRecordVersion is the version of the e-mail record this package writes
// and reads.
const EmailRecordVersion = 1

// EmailRecordKey returns the key of the record of the e-mails sent for a
// run's report.
func EmailRecordKey(runID string) string { return run.ReportPrefix(runID) + "email-sent.json" }

// EmailRecord says to whom a run's report has been e-mailed. BuildReport
// writes it after every message SES accepts, and reads it before sending: a
// retry of the same build (same manifests, same figures) sends only to the
// recipients that have not had the report yet, while a rebuild that changes
// the report (a re-run adds a manifest) sends it to everyone again.
type EmailRecord struct {
	// SchemaVersion is EmailRecordVersion.
	SchemaVersion int `json:"schemaVersion"`
	// RunID is the run whose report was sent.
	RunID string `json:"runId"`
	// Report identifies the report sent (see reportDigest): every attempt
	// of one build rebuilds the files, so their bytes and generatedAt differ
	// while the report does not.
	Report string `json:"report"`
	// GeneratedAt is when the report first sent was built.
	GeneratedAt time.Time `json:"generatedAt"`
	// Messages are the messages SES accepted, oldest first.
	Messages []SentMessage `json:"messages"`
}

// SentMessage is one message SES accepted.
type SentMessage struct {
	// MessageID is SES's ID of the message.
	MessageID string `json:"messageId"`
	// To are its recipients.
	To []string `json:"to"`
	// SentAt is when SES accepted it.
	SentAt time.Time `json:"sentAt"`
}

// reportDigest identifies a report by what it says, not when it was built:
// a SHA-256 of its summary with generatedAt left out, and of the keys of the
// run's manifests, so that a re-run, which adds a manifest, is a new report
// even when its figures come out the same.
func reportDigest(sum *Summary, manifests []string) (string, error) {
	s := *sum
	s.GeneratedAt = time.Time{}
	h := sha256.New()
	if err := json.NewEncoder(h).Encode(&s); err != nil {
		return "", fmt.Errorf("digest the report of run %s: %w", sum.RunID, err)
	}
	for _, k := range manifests {
		fmt.Fprintln(h, k)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// unsent returns the recipients the record does not list as having had the
// report, in their order.
func (r *EmailRecord) unsent(recipients []string) []string {
	had := map[string]bool{}
	for _, m := range r.Messages {
		for _, to := range m.To {
			had[strings.ToLower(to)] = true
		}
	}
	var out []string
	for _, to := range recipients {
		if !had[strings.ToLower(to)] {
			out = append(out, to)
		}
	}
	return out
}

// loadEmailRecord reads the run's e-mail record; it returns nil when there
// is none. A record that cannot be decoded is reported through warn and
// treated as none: sending twice is better than not at all.
func loadEmailRecord(ctx context.Context, c run.ObjectGetter, bucket, runID string, warn func(msg string, args ...any)) (*EmailRecord, error) {
	key := EmailRecordKey(runID)
	body, err := run.GetObject(ctx, c, bucket, key)
	switch {
	case errors.Is(err, run.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read the e-mail record of run %s: %w", runID, err)
	}
	var r EmailRecord
	if err := json.Unmarshal(body, &r); err != nil || r.SchemaVersion != EmailRecordVersion || r.RunID != runID {
		warn("e-mail record ignored: it cannot be read", "key", key, "error", err, "schema_version", r.SchemaVersion, "record_run_id", r.RunID)
		return nil, nil
	}
	return &r, nil
}

// putEmailRecord writes the run's e-mail record.
func putEmailRecord(ctx context.Context, c S3Client, bucket string, r *EmailRecord) error {
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode the e-mail record of run %s: %w", r.RunID, err)
	}
	key := EmailRecordKey(r.RunID)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key),
		Body: bytes.NewReader(body), ContentType: aws.String("application/json"),
	}); err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
