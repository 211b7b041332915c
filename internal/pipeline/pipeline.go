package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
)

// DefaultConcurrency is how many accounts are scanned at once when
// Pipeline.Concurrency is zero.
const DefaultConcurrency = 32

// Lister is the ListAccounts handler (*org.Handler).
type Lister interface {
	Handle(ctx context.Context, in org.In) (org.Out, error)
}

// Scanner is the ScanAccount handler (*scan.Handler).
type Scanner interface {
	Handle(ctx context.Context, in scan.In) (scan.Out, error)
}

// Builder is the BuildReport handler (*report.Handler).
type Builder interface {
	Handle(ctx context.Context, in report.In) (report.Out, error)
}

// Pipeline runs one execution of the state machine in-process: ListAccounts,
// then ScanAccount for every account of the manifest it wrote, then
// BuildReport, passing each handler the event the state machine would.
type Pipeline struct {
	// List, Scan and Build are the three Lambda handlers.
	List  Lister
	Scan  Scanner
	Build Builder
	// S3 reads the manifest ListAccounts wrote, as the Distributed Map's
	// ItemReader does.
	S3 run.ObjectGetter
	// Concurrency bounds the accounts scanned at once, as the Map's
	// MaxConcurrency does; zero means DefaultConcurrency.
	Concurrency int
	// Retriers are the ScanAccount task's Retry policy; nil means the
	// deployed state machine's (ScanRetriers).
	Retriers []Retrier
	// Progress, when set, is called (never concurrently) whenever the run
	// moves on: each stage's start and each account's end.
	Progress func(Progress)
	// Logger receives the pipeline's own logs; nil means slog.Default().
	Logger *slog.Logger
}

// Input is what starts a run: the execution input and what Step Functions
// would say about the execution.
type Input struct {
	// RunID and AccountIDs re-run those accounts of an existing run; both
	// empty start a new run of every active account.
	RunID      string
	AccountIDs []string
	// ExecutionName names the execution; a new run's ID ends with it, or
	// with its hash (run.NewID).
	ExecutionName string
	// StartTime is when the execution started; a new run's ID begins with it.
	StartTime time.Time
}

// Stage is a step of the state machine.
type Stage string

// The stages of a run, in order.
const (
	StageList  Stage = "list"
	StageScan  Stage = "scan"
	StageBuild Stage = "build"
	StageDone  Stage = "done"
)

// Progress says how far a run has got.
type Progress struct {
	// Stage is the step running now.
	Stage Stage
	// RunID is the run, once ListAccounts named it.
	RunID string
	// Accounts is the number of accounts in the manifest.
	Accounts int
	// Scanned counts the accounts whose shard is written, Unreachable those
	// of them whose read role could not be assumed.
	Scanned, Unreachable int
	// Failed counts the accounts whose scan failed after its retries.
	Failed int
	// Retries counts the scan attempts that were retried.
	Retries int
	// Elapsed is the time since the run started.
	Elapsed time.Duration
}

// Done is the number of accounts whose scan has ended.
func (p Progress) Done() int { return p.Scanned + p.Failed }

// Failure is an account whose scan failed after every retry: it has no
// shard, and the report lists it as not scanned.
type Failure struct {
	// Account is the manifest entry.
	Account run.Account
	// Attempts is the number of times it was tried.
	Attempts int
	// Err is the last attempt's error.
	Err error
}

// Result is what a run produced.
type Result struct {
	// List is ListAccounts' result: the run ID, bucket and manifest.
	List org.Out
	// Scans are the results of the scanned accounts, in manifest order.
	Scans []scan.Out
	// Failures are the accounts that could not be scanned, in manifest order.
	Failures []Failure
	// Report is BuildReport's result.
	Report report.Out
	// Progress is the final progress.
	Progress Progress
}

// Run runs the pipeline. Accounts whose scan fails after its retries are
// counted and the run goes on to build the report, which lists them as not
// scanned; an error is returned when ListAccounts or BuildReport fails, or
// when ctx ends.
func (p *Pipeline) Run(ctx context.Context, in Input) (*Result, error) {
	if p.List == nil || p.Scan == nil || p.Build == nil || p.S3 == nil {
		return nil, errors.New("pipeline: List, Scan, Build and S3 are required")
	}
	retriers := p.Retriers
	if retriers == nil {
		var err error
		if retriers, err = ScanRetriers(); err != nil {
			return nil, fmt.Errorf("pipeline: %w", err)
		}
	}
	log := p.Logger
	if log == nil {
		log = slog.Default()
	}
	t := &tracker{start: time.Now(), report: p.Progress}

	t.update(func(pr *Progress) { pr.Stage = StageList })
	input, err := executionInput(in)
	if err != nil {
		return nil, err
	}
	listed, err := p.List.Handle(ctx, org.In{Input: input, ExecutionName: in.ExecutionName, StartTime: in.StartTime})
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	log = log.With("run_id", listed.RunID)
	accounts, err := run.GetManifest(ctx, p.S3, listed.Bucket, listed.ManifestKey)
	if err != nil {
		return nil, fmt.Errorf("read the manifest: %w", err)
	}
	log.Info("listed accounts", "manifest_key", listed.ManifestKey, "accounts", len(accounts))

	t.update(func(pr *Progress) { pr.Stage, pr.RunID, pr.Accounts = StageScan, listed.RunID, len(accounts) })
	res := &Result{List: listed}
	res.Scans, res.Failures, err = p.scanAll(ctx, listed, accounts, retriers, t, log)
	if err != nil {
		return nil, err
	}

	t.update(func(pr *Progress) { pr.Stage = StageBuild })
	res.Report, err = p.Build.Handle(ctx, report.In{RunID: listed.RunID, Bucket: listed.Bucket})
	if err != nil {
		return nil, fmt.Errorf("build the report: %w", err)
	}
	res.Progress = t.update(func(pr *Progress) { pr.Stage = StageDone })
	return res, nil
}

// executionInput encodes the execution input the state machine would be
// started with.
func executionInput(in Input) (json.RawMessage, error) {
	if in.RunID == "" && len(in.AccountIDs) == 0 {
		return json.RawMessage(`{}`), nil
	}
	b, err := json.Marshal(run.ExecutionInput{RunID: in.RunID, AccountIDs: in.AccountIDs})
	if err != nil {
		return nil, fmt.Errorf("encode the execution input: %w", err)
	}
	return b, nil
}

// scanAll scans the accounts, at most Concurrency at once, each with the
// retries the policy allows, and returns the results and failures in
// manifest order. It returns an error only when ctx ends.
func (p *Pipeline) scanAll(ctx context.Context, listed org.Out, accounts []run.Account, retriers []Retrier, t *tracker, log *slog.Logger) ([]scan.Out, []Failure, error) {
	n := p.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	n = min(n, max(len(accounts), 1))
	outs := make([]*scan.Out, len(accounts))
	fails := make([]*Failure, len(accounts))
	next := make(chan int)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for i := range next {
				out, fail := p.scanOne(ctx, listed, accounts[i], retriers, t, log)
				outs[i], fails[i] = out, fail
			}
		})
	}
feed:
	for i := range accounts {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("scan accounts of run %s: %w", listed.RunID, err)
	}
	var scans []scan.Out
	var failures []Failure
	for i := range accounts {
		if outs[i] != nil {
			scans = append(scans, *outs[i])
		}
		if fails[i] != nil {
			failures = append(failures, *fails[i])
		}
	}
	return scans, failures, nil
}

// scanOne runs the ScanAccount handler on one account, retrying the errors
// the policy names, and returns its result or its failure.
func (p *Pipeline) scanOne(ctx context.Context, listed org.Out, acct run.Account, retriers []Retrier, t *tracker, log *slog.Logger) (*scan.Out, *Failure) {
	in := scan.In{RunID: listed.RunID, Bucket: listed.Bucket, Account: acct}
	counts := make([]int, len(retriers))
	for attempt := 1; ; attempt++ {
		out, err := p.Scan.Handle(ctx, in)
		if err == nil {
			t.update(func(pr *Progress) {
				pr.Scanned++
				if out.Status == run.AccountUnreachable {
					pr.Unreachable++
				}
			})
			return &out, nil
		}
		if ctx.Err() != nil {
			return nil, nil
		}
		d, i, retry := retryDelay(retriers, counts, err)
		if !retry {
			log.Warn("account not scanned", "account_id", acct.ID, "attempts", attempt, "error_type", errorName(err), "error", err)
			t.update(func(pr *Progress) { pr.Failed++ })
			return nil, &Failure{Account: acct, Attempts: attempt, Err: err}
		}
		counts[i]++
		log.Info("retrying scan", "account_id", acct.ID, "attempt", attempt, "wait", d.Round(time.Millisecond).String(), "error", err)
		t.update(func(pr *Progress) { pr.Retries++ })
		if sleep(ctx, d) != nil {
			return nil, nil
		}
	}
}

// tracker holds a run's progress and reports every change.
type tracker struct {
	start  time.Time
	report func(Progress)

	mu sync.Mutex
	p  Progress
}

// update applies f to the progress, reports the result and returns it.
func (t *tracker) update(f func(*Progress)) Progress {
	t.mu.Lock()
	defer t.mu.Unlock()
	f(&t.p)
	t.p.Elapsed = time.Since(t.start)
	if t.report != nil {
		t.report(t.p)
	}
	return t.p
}
