package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/config-report/config-report/internal/run"
)

// ShardReader reads the shard of one account of the run being reported.
//
// A missing shard wraps run.ErrNotFound; a shard that is not valid JSON or of
// an unknown schema wraps ErrBadShard (and run.ErrUnknownSchema for the
// latter). Both are reported against the account; any other error (S3
// unavailable, the deadline) stops the build so that it can be retried.
type ShardReader interface {
	ReadShard(ctx context.Context, accountID string) (*run.Shard, error)
}

// ErrBadShard is wrapped by ShardReader errors for a shard that exists but
// cannot be used: not JSON, invalid, or of an unknown schema version.
var ErrBadShard = errors.New("unusable shard")

// S3Shards reads a run's shards from S3.
type S3Shards struct {
	// Client reads objects.
	Client run.ObjectGetter
	// Bucket is the report bucket.
	Bucket string
	// RunID is the run whose shards are read.
	RunID string
}

// ReadShard implements ShardReader.
func (s S3Shards) ReadShard(ctx context.Context, accountID string) (*run.Shard, error) {
	key := run.ShardKey(s.RunID, accountID)
	body, err := run.GetObject(ctx, s.Client, s.Bucket, key)
	if err != nil {
		return nil, err
	}
	return decodeShard(key, body)
}

// decodeShard decodes a shard document, marking any failure with ErrBadShard.
func decodeShard(key string, body []byte) (*run.Shard, error) {
	sh, err := run.DecodeShard(key, body)
	if err != nil {
		return nil, badShardError{err}
	}
	return sh, nil
}

// badShardError marks a decoding error as ErrBadShard without changing its text.
type badShardError struct{ err error }

func (e badShardError) Error() string { return e.err.Error() }
func (e badShardError) Unwrap() []error {
	return []error{ErrBadShard, e.err}
}

// fetched is one shard read, or why it could not be.
type fetched struct {
	shard *run.Shard
	err   error
}

// readInOrder reads the shards of ids with up to concurrency reads at once and
// hands them to fn in the order of ids. At most 2×concurrency shards are held
// (read and not yet handed on) at any time, so memory stays bounded however
// many accounts there are; the read-ahead keeps every reader busy while fn
// works through a large shard.
func readInOrder(ctx context.Context, r ShardReader, ids []string, concurrency int, fn func(i int, sh *run.Shard, err error) error) error {
	if concurrency < 1 {
		concurrency = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()

	window := make(chan struct{}, 2*concurrency)
	jobs := make(chan int)
	results := make([]chan fetched, len(ids))
	for i := range results {
		results[i] = make(chan fetched, 1)
	}

	wg.Go(func() {
		defer close(jobs)
		for i := range ids {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	})
	for range concurrency {
		wg.Go(func() {
			for i := range jobs {
				sh, err := r.ReadShard(ctx, ids[i])
				results[i] <- fetched{sh, err}
			}
		})
	}

	for i := range ids {
		var f fetched
		select {
		case f = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := fn(i, f.shard, f.err); err != nil {
			return err
		}
		<-window
	}
	return nil
}

// ListGetter is the part of the S3 client that lists and reads objects.
type ListGetter interface {
	run.ObjectGetter
	s3.ListObjectsV2APIClient
}

// LoadAccounts reads every manifest of a run (the original and its re-runs)
// and returns the union of their accounts sorted by ID; where an account is
// in several, the latest manifest's entry wins.
func LoadAccounts(ctx context.Context, c ListGetter, bucket, runID string) ([]run.Account, error) {
	accounts, _, err := loadAccounts(ctx, c, bucket, runID)
	return accounts, err
}

// loadAccounts is LoadAccounts, also returning the keys of the manifests read.
func loadAccounts(ctx context.Context, c ListGetter, bucket, runID string) ([]run.Account, []string, error) {
	keys, err := run.ManifestKeys(ctx, c, bucket, runID)
	if err != nil {
		return nil, nil, err
	}
	if len(keys) == 0 {
		return nil, nil, fmt.Errorf("run %s has no manifest in s3://%s/%s: %w", runID, bucket, run.Prefix(runID), run.ErrNotFound)
	}
	byID := make(map[string]run.Account)
	for _, k := range keys {
		accounts, err := run.GetManifest(ctx, c, bucket, k)
		if err != nil {
			return nil, nil, err
		}
		for _, a := range accounts {
			byID[a.ID] = a
		}
	}
	out := make([]run.Account, 0, len(byID))
	for _, a := range byID {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b run.Account) int { return strings.Compare(a.ID, b.ID) })
	return out, keys, nil
}

// LoadOrganization reads the organization's totals that ListAccounts
// recorded when it listed the run. A run without them, or with a record that
// cannot be used, gives nil and the reason, which the report shows instead of
// the totals; only errors that say nothing about the record (S3 unavailable,
// the deadline) are returned.
func LoadOrganization(ctx context.Context, c run.ObjectGetter, bucket, runID string) (*run.Organization, string, error) {
	key := run.OrganizationKey(runID)
	body, err := run.GetObject(ctx, c, bucket, key)
	switch {
	case errors.Is(err, run.ErrNotFound):
		return nil, "the run has no " + key + " (ListAccounts records the organization only when it lists a new run)", nil
	case err != nil:
		return nil, "", fmt.Errorf("read the organization totals of run %s: %w", runID, err)
	}
	o, err := run.DecodeOrganization(key, body)
	if err != nil {
		return nil, "unusable record: " + err.Error(), nil
	}
	if o.RunID != runID {
		return nil, fmt.Sprintf("unusable record: %s describes run %s", key, o.RunID), nil
	}
	return o, "", nil
}

// FindPrevious returns the summary of the run before runID: the greatest run
// ID under run.ReportsPrefix smaller than runID whose summary.json can be
// read, was built for the same environment, and counts the organization
// (Totals.Organization): a run without those totals scanned only some
// accounts (config-report run --account) or predates them, and comparing
// with it would show every other account's resources as changes. It returns
// nil, nil when there is none (a first run). Every summary passed over is
// reported to warn with the reason.
func FindPrevious(ctx context.Context, c ListGetter, bucket, runID, environment string, warn func(msg string, args ...any)) (*Summary, error) {
	var ids []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{
		Bucket:    aws.String(bucket),
		Prefix:    aws.String(run.ReportsPrefix),
		Delimiter: aws.String("/"),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list previous reports in s3://%s/%s: %w", bucket, run.ReportsPrefix, err)
		}
		for _, cp := range page.CommonPrefixes {
			id := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), run.ReportsPrefix), "/")
			if run.ValidateID(id) == nil && id < runID {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	for _, id := range slices.Backward(ids) {
		key := run.SummaryKey(id)
		body, err := run.GetObject(ctx, c, bucket, key)
		if errors.Is(err, run.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		s, err := DecodeSummary(key, body)
		switch {
		case err != nil:
			warn("previous summary skipped", "key", key, "error", err)
		case s.Environment != environment:
			warn("previous summary skipped: another environment", "key", key,
				"environment", s.Environment, "want_environment", environment)
		case s.Totals.Organization == nil:
			warn("previous summary skipped: it has no organization totals (a run of only some accounts, or one built before they were recorded)",
				"key", key)
		default:
			return s, nil
		}
	}
	return nil, nil
}

// PreviousCSV returns a function that opens the CSV of non-compliant
// resources of a previous run, for the "Resolved since last run" sheet.
func PreviousCSV(c run.ObjectGetter, bucket, runID string) func(ctx context.Context) (io.ReadCloser, error) {
	return previousObject(c, bucket, run.CSVKey(runID))
}

// PreviousLedger returns a function that opens the findings ledger of run
// runID; its error wraps run.ErrNotFound when the run has none (it was
// built before the ledger was kept).
func PreviousLedger(c run.ObjectGetter, bucket, runID string) func(ctx context.Context) (io.ReadCloser, error) {
	return previousObject(c, bucket, run.LedgerKey(runID))
}

// previousObject returns a function that opens the object at key, its
// error wrapping run.ErrNotFound when there is none.
func previousObject(c run.ObjectGetter, bucket, key string) func(ctx context.Context) (io.ReadCloser, error) {
	return func(ctx context.Context) (io.ReadCloser, error) {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			var nsk *types.NoSuchKey
			if errors.As(err, &nsk) {
				return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, run.ErrNotFound)
			}
			return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
		}
		return out.Body, nil
	}
}
