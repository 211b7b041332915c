package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/run"
)

// DefaultWriteMargin is how long before the Lambda's deadline the scan stops,
// leaving time to write the shard.
const DefaultWriteMargin = 10 * time.Second

// In is the ScanAccount Lambda's input, one item of the Distributed Map.
type In struct {
	// RunID is the run the account is scanned for.
	RunID string `json:"runId"`
	// Bucket is the report bucket the shard is written to.
	Bucket string `json:"bucket"`
	// Account is the manifest entry to scan.
	Account run.Account `json:"account"`
}

// Out is the ScanAccount Lambda's result: a small pointer to the shard.
type Out struct {
	// AccountID is the scanned account.
	AccountID string `json:"accountId"`
	// Status says whether the account could be scanned.
	Status run.AccountStatus `json:"status"`
	// ShardKey is where the shard was written.
	ShardKey string `json:"shardKey"`
	// Counts are the shard's headline figures.
	Counts run.Counts `json:"counts"`
}

// ObjectStore is the part of the S3 client the handler uses: HeadObject on
// the run's manifest (s3:GetObject on runs/*/accounts.json) and PutObject of
// the shard (runs/*/shards/*).
type ObjectStore interface {
	run.ObjectPutter
	run.ObjectHeader
}

// Handler is the ScanAccount Lambda: it scans one account and writes its shard.
type Handler struct {
	// Scanner scans the account.
	Scanner *Scanner
	// S3 checks the run exists and writes the shard.
	S3 ObjectStore
	// WriteMargin is how long before the invocation's deadline the scan is
	// abandoned, so the shard can still be written; DefaultWriteMargin by default.
	WriteMargin time.Duration
}

// NewHandler returns the handler for cfg: the hub's STS client assumes the
// read roles, configClient reads Config, s3Client writes the shards. The
// clients should use NewRetryer.
func NewHandler(cfg Config, stsClient stscreds.AssumeRoleAPIClient, configClient ConfigAPI, s3Client ObjectStore) *Handler {
	return &Handler{
		Scanner:     &Scanner{STS: stsClient, Config: configClient, Options: cfg.Options()},
		S3:          s3Client,
		WriteMargin: DefaultWriteMargin,
	}
}

// Validate reports what is wrong with an input, if anything.
func (in In) Validate() error {
	var problems []string
	if err := run.ValidateID(in.RunID); err != nil {
		problems = append(problems, "runId: "+err.Error())
	}
	if err := awsid.ValidateBucket(in.Bucket); err != nil {
		problems = append(problems, "bucket: "+err.Error())
	}
	if err := in.Account.Validate(); err != nil {
		problems = append(problems, "account: "+err.Error())
	}
	if len(problems) > 0 {
		return &awserr.InputError{Msg: "invalid input: " + strings.Join(problems, "; ")}
	}
	return nil
}

// Handle scans in.Account and writes its whole shard in one PutObject (a
// re-scan replaces it). If a call failed transiently, Handle writes nothing
// and returns the *awserr.TransientError itself, unwrapped, so the Lambda's
// errorType is "TransientError" and the state machine retries. The scan must
// end WriteMargin before the invocation's deadline; if it does not, Handle
// writes the shard of the regions done (the others not-finished) and
// returns the *DeadlineError, which the state machine retries once.
func (h *Handler) Handle(ctx context.Context, in In) (Out, error) {
	if err := in.Validate(); err != nil {
		return Out{}, err
	}
	log := h.Scanner.logger().With("run_id", in.RunID, "account_id", in.Account.ID)
	// A shard belongs to a run that exists: an event naming another bucket
	// or an unknown run would leave an orphan shard nobody reports.
	switch ok, err := run.Exists(ctx, h.S3, in.Bucket, run.ManifestKey(in.RunID)); {
	case err != nil && (ctx.Err() != nil || classify(err) == kindTransient):
		return Out{}, transient(in.Account.ID, "", "s3:GetObject", err)
	case err != nil:
		return Out{}, &awserr.PermanentError{Err: fmt.Errorf("check run %s: %w", in.RunID, err)}
	case !ok:
		return Out{}, &awserr.InputError{Msg: fmt.Sprintf("run %s does not exist: no manifest at s3://%s/%s; nothing was scanned or written",
			in.RunID, in.Bucket, run.ManifestKey(in.RunID))}
	}

	margin := h.WriteMargin
	if margin <= 0 {
		margin = DefaultWriteMargin
	}
	scanCtx, cancel := ctx, context.CancelFunc(func() {})
	if deadline, ok := ctx.Deadline(); ok {
		scanCtx, cancel = context.WithDeadline(ctx, deadline.Add(-margin))
	}
	shard, err := h.Scanner.Scan(scanCtx, in.RunID, in.Account)
	if err == nil && scanCtx.Err() != nil {
		err = transient(in.Account.ID, "", "", scanCtx.Err())
	}
	cancel()
	var de *DeadlineError
	if errors.As(err, &de) && shard != nil {
		// The regions done are not lost: the write margin is for this.
		if key, perr := run.PutShard(ctx, h.S3, in.Bucket, shard); perr != nil {
			log.Warn("partial shard not written", slog.String("error", perr.Error()))
		} else {
			log.Warn("partial shard written", slog.String("shard_key", key), slog.Int("regions_done", de.Done))
		}
		return Out{}, de
	}
	if err != nil {
		var te *awserr.TransientError
		if errors.As(err, &te) {
			if errors.Is(te.Err, context.DeadlineExceeded) && ctx.Err() == nil {
				te.Err = fmt.Errorf("scan not finished %s before the invocation's deadline: %w", margin, te.Err)
			}
			return Out{}, te
		}
		return Out{}, &awserr.PermanentError{Err: err}
	}

	key, err := run.PutShard(ctx, h.S3, in.Bucket, shard)
	if err != nil {
		if ctx.Err() != nil || classify(err) == kindTransient {
			return Out{}, transient(in.Account.ID, "", "s3:PutObject", err)
		}
		return Out{}, &awserr.PermanentError{Err: fmt.Errorf("write shard of %s: %w", in.Account.ID, err)}
	}
	out := Out{AccountID: in.Account.ID, Status: shard.Status, ShardKey: key, Counts: shard.Counts()}
	log.Info("shard written", slog.String("shard_key", key), slog.String("status", string(shard.Status)))
	return out, nil
}

// New returns the ScanAccount handler of cfg with its AWS clients built from
// awsCfg, the function's own credentials and region, retrying as
// NewRetryer(maxBackoff) (MaxBackoff in the Lambda; tests that inject
// throttling pass less): how the Lambda and every local run wire it.
// s3Options adjust the S3 client (a local bucket's endpoint).
func New(cfg Config, awsCfg aws.Config, maxBackoff time.Duration, s3Options ...func(*s3.Options)) *Handler {
	awsCfg = awsCfg.Copy()
	awsCfg.Retryer = func() aws.Retryer { return NewRetryer(maxBackoff) }
	return NewHandler(cfg, sts.NewFromConfig(awsCfg), configservice.NewFromConfig(awsCfg), s3.NewFromConfig(awsCfg, s3Options...))
}
