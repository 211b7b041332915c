package org

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/run"
)

// In is the ListAccounts function's event, as the state machine builds it.
type In struct {
	// Input is the execution's input: {} for a new run, or
	// {"runId": ..., "accountIds": [...]} to re-run accounts of a run.
	Input json.RawMessage `json:"input"`
	// ExecutionName is the execution's name ($$.Execution.Name).
	ExecutionName string `json:"executionName"`
	// StartTime is when the execution started ($$.Execution.StartTime).
	StartTime time.Time `json:"startTime"`
}

// Out is the function's result: where the manifest is, small enough for the
// state's payload whatever the size of the organization.
type Out struct {
	// RunID is the run the manifest belongs to.
	RunID string `json:"runId"`
	// Bucket is the report bucket.
	Bucket string `json:"bucket"`
	// ManifestKey is the key of the manifest the Distributed Map reads: the
	// run's manifest, or a re-run's own manifest.
	ManifestKey string `json:"manifestKey"`
	// ResultPrefix is where the Distributed Map's ResultWriter writes.
	ResultPrefix string `json:"resultPrefix"`
	// AccountCount is the number of accounts in the manifest.
	AccountCount int `json:"accountCount"`
	// Rerun is set when the manifest is a re-run's.
	Rerun bool `json:"rerun,omitempty"`
	// InactiveAccounts counts, by state, the accounts of the selected OUs that
	// are not ACTIVE and so are not scanned (new runs only).
	InactiveAccounts map[string]int `json:"inactiveAccounts,omitempty"`
	// ExcludedAccounts is the number of active accounts EXCLUDE_ACCOUNTS
	// removed (new runs only).
	ExcludedAccounts int `json:"excludedAccounts,omitempty"`
	// UntaggedAccounts is the number of accounts whose tags were not read
	// because the function's deadline came near; normally absent.
	UntaggedAccounts int `json:"untaggedAccounts,omitempty"`
}

// InputError says what is wrong with the execution input or the accounts it
// names. The function returns it unwrapped, so Lambda reports its type,
// "InputError", as the error type the execution shows; its message is
// bounded (awserr.MaxMessage).
type InputError = awserr.InputError

// inputForm is the shape of a valid execution input, quoted by InputError.
const inputForm = `an execution input is {} for a new run, or {"runId": "2026-11-30T0900Z-abcd1234", "accountIds": ["123456789012"]} to scan accounts of that run again`

// ParseInput decodes an execution input strictly: unknown fields, wrong
// types, trailing data, or a runId without accountIds (or the reverse) are
// errors. An absent or null input is a new run.
func ParseInput(raw json.RawMessage) (run.ExecutionInput, error) {
	var r run.ExecutionInput
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return r, nil
	}
	if raw[0] != '{' {
		return run.ExecutionInput{}, &InputError{Msg: "input: not a JSON object; " + inputForm}
	}
	// encoding/json matches field names without regard to case; the input's
	// names are checked exactly first, so "accountIDs" is unknown too.
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&fields); err != nil {
		return run.ExecutionInput{}, &InputError{Msg: fmt.Sprintf("input: %s; %s", describeJSONError(err), inputForm)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return run.ExecutionInput{}, &InputError{Msg: "input: unexpected data after the JSON object; " + inputForm}
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if k != "runId" && k != "accountIds" {
			return run.ExecutionInput{}, &InputError{Msg: fmt.Sprintf("input: unknown field %q; %s", k, inputForm)}
		}
	}
	dec = json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return run.ExecutionInput{}, &InputError{Msg: fmt.Sprintf("input: %s; %s", describeJSONError(err), inputForm)}
	}
	switch {
	case r.RunID == "" && r.AccountIDs == nil:
		return r, nil
	case r.RunID == "":
		return run.ExecutionInput{}, &InputError{Msg: "input: accountIds without runId; " + inputForm}
	case len(r.AccountIDs) == 0:
		return run.ExecutionInput{}, &InputError{Msg: "input: runId without accountIds (name at least one account); " + inputForm}
	}
	if err := run.ValidateID(r.RunID); err != nil {
		return run.ExecutionInput{}, &InputError{Msg: "input: " + err.Error()}
	}
	return r, nil
}

// describeJSONError rewrites encoding/json's errors to name the field.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "the input"
		}
		return fmt.Sprintf("%s is a JSON %s, want %s", field, te.Value, jsonKind(te.Type.String()))
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + msg
	}
	return "not valid JSON: " + err.Error()
}

func jsonKind(goType string) string {
	switch goType {
	case "string":
		return "a string"
	case "[]string":
		return "an array of strings"
	}
	return goType
}

// ObjectStore is the part of the S3 client the handler uses: it reads the
// manifests of a re-run's run and writes manifests and organization totals.
// It never deletes.
type ObjectStore interface {
	run.ObjectPutter
	run.ObjectGetter
	s3.ListObjectsV2APIClient
}

// Deps are the clients the handler is built from, made once per process.
type Deps struct {
	// AWS is the function's own configuration (region, endpoints, HTTP);
	// the Organizations client is made from it with the assumed role's
	// credentials.
	AWS aws.Config
	// STS assumes the organization-listing role.
	STS stscreds.AssumeRoleAPIClient
	// S3 reads and writes the report bucket.
	S3 ObjectStore
	// RetryMaxBackoff caps the wait between retries of an Organizations
	// call; zero means DefaultMaxBackoff.
	RetryMaxBackoff time.Duration
	// Concurrency bounds the Organizations calls in flight; zero means
	// DefaultConcurrency.
	Concurrency int
}

// Handler is the ListAccounts function.
type Handler struct {
	cfg  Config
	deps Deps
	// newClient returns the Organizations client of one run; the role
	// session is named after the run, so each invocation has its own.
	newClient func(sessionName string) Client
}

// NewHandler returns the handler for cfg, which must be valid (LoadConfig
// validates it).
func NewHandler(cfg Config, d Deps) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if d.STS == nil || d.S3 == nil {
		return nil, errors.New("new handler: STS and S3 clients are required")
	}
	retryer := NewRetryer(DefaultMaxAttempts, d.RetryMaxBackoff)
	h := &Handler{cfg: cfg, deps: d}
	h.newClient = func(sessionName string) Client {
		return NewClient(d.AWS, d.STS, Role{ARN: cfg.RoleARN, ExternalID: cfg.ExternalID, SessionName: sessionName}, retryer)
	}
	return h, nil
}

// Handle lists the accounts and writes the manifest. A new run gets its
// manifest at run.ManifestKey and the organization's totals (every account
// of the selected OUs by state, the ones EXCLUDE_ACCOUNTS removed) at
// run.OrganizationKey; a re-run gets a manifest of its own under the run's
// re-run prefix, and neither of the run's documents is written again. Nothing is written
// when the input or any account it names is wrong.
//
// A failure a later attempt may not meet (Organizations throttling or S3
// server errors that outlasted the SDK's retries, a network error, the
// invocation's deadline) is returned as an *awserr.TransientError itself,
// unwrapped, so that the Lambda's errorType is "TransientError" and the
// state machine retries the task; a retry writes the same keys again. An
// *InputError and configuration errors are returned as they are.
func (h *Handler) Handle(ctx context.Context, in In) (Out, error) {
	out, err := h.handle(ctx, in)
	if err != nil {
		return Out{}, awserr.Boundary("list accounts", err)
	}
	return out, nil
}

func (h *Handler) handle(ctx context.Context, in In) (Out, error) {
	start := time.Now()
	req, err := ParseInput(in.Input)
	if err != nil {
		return Out{}, err
	}
	if in.StartTime.IsZero() || strings.TrimSpace(in.ExecutionName) == "" {
		return Out{}, &InputError{Msg: "event: executionName and startTime are required (the state machine passes $$.Execution.Name and $$.Execution.StartTime)"}
	}
	if req.RunID != "" {
		return h.rerun(ctx, in, req, start)
	}
	runID, err := run.NewID(in.StartTime, in.ExecutionName)
	if err != nil {
		return Out{}, &InputError{Msg: "event: " + err.Error()}
	}
	log := slog.Default().With("run_id", runID)
	lister := h.lister(runID, log)
	listing, err := lister.List(ctx)
	if err != nil {
		return Out{}, fmt.Errorf("run %s: %w", runID, h.explain(err))
	}
	// The organization's totals go first: a run whose manifest exists (what
	// a re-run checks for) then always has them.
	orgKey, err := run.PutOrganization(ctx, h.deps.S3, h.cfg.Bucket, h.organization(runID, listing, time.Now()))
	if err != nil {
		return Out{}, fmt.Errorf("run %s: %w", runID, err)
	}
	key := run.ManifestKey(runID)
	if err := run.PutManifest(ctx, h.deps.S3, h.cfg.Bucket, key, listing.Accounts); err != nil {
		return Out{}, fmt.Errorf("run %s: %w", runID, err)
	}
	if len(listing.Accounts) == 0 {
		log.WarnContext(ctx, "no account to scan: check INCLUDE_OUS, EXCLUDE_OUS and EXCLUDE_ACCOUNTS")
	}
	log.InfoContext(ctx, "wrote manifest",
		"manifest_key", key, "organization_key", orgKey, "accounts", len(listing.Accounts), "inactive", listing.Inactive,
		"excluded", listing.Excluded, "untagged", listing.Untagged, "duration", time.Since(start).Round(time.Millisecond).String())
	out := h.out(runID, key, len(listing.Accounts))
	if len(listing.Inactive) > 0 {
		out.InactiveAccounts = listing.Inactive
	}
	out.ExcludedAccounts = listing.Excluded
	out.UntaggedAccounts = listing.Untagged
	return out, nil
}

// organization returns the totals of a new run's listing, as BuildReport
// reads them from run.OrganizationKey.
func (h *Handler) organization(runID string, l *Listing, listedAt time.Time) *run.Organization {
	o := &run.Organization{
		SchemaVersion: run.OrganizationVersion,
		RunID:         runID,
		ListedAt:      listedAt.UTC().Truncate(time.Millisecond),
		IncludeOUs:    h.cfg.IncludeOUs,
		ExcludeOUs:    h.cfg.ExcludeOUs,
		Active:        len(l.Accounts),
		Excluded:      l.Excluded,
		Untagged:      l.Untagged,
	}
	if len(l.Inactive) > 0 {
		o.Inactive = l.Inactive
	}
	o.Accounts = o.Active + o.Excluded + o.InactiveTotal()
	return o
}

// rerun writes the manifest of a re-run of req.RunID. It never writes the
// run's organization totals: they describe the organization when the run
// was listed.
func (h *Handler) rerun(ctx context.Context, in In, req run.ExecutionInput, start time.Time) (Out, error) {
	log := slog.Default().With("run_id", req.RunID, "rerun", true)
	inRun, err := h.runAccounts(ctx, req.RunID)
	if err != nil {
		return Out{}, err
	}
	stamp := RerunStamp(in.StartTime, in.ExecutionName)
	lister := h.lister(req.RunID+"-rerun", log)
	// A re-run scans accounts of its run again: an account that was never
	// in it would add a shard its report has no row for.
	accounts, err := lister.selectChecked(ctx, req.AccountIDs, func(id string) string {
		if inRun[id] {
			return ""
		}
		return "is not in run " + req.RunID
	})
	if err != nil {
		var bad *BadAccountsError
		if errors.As(err, &bad) {
			return Out{}, &InputError{Msg: fmt.Sprintf("re-run of %s: %s; nothing was written", req.RunID, bad.Error())}
		}
		return Out{}, fmt.Errorf("re-run of %s: %w", req.RunID, h.explain(err))
	}
	key := run.RerunManifestKey(req.RunID, stamp)
	if err := run.PutManifest(ctx, h.deps.S3, h.cfg.Bucket, key, accounts); err != nil {
		return Out{}, fmt.Errorf("re-run of %s: %w", req.RunID, err)
	}
	log.InfoContext(ctx, "wrote re-run manifest",
		"manifest_key", key, "accounts", len(accounts), "duration", time.Since(start).Round(time.Millisecond).String())
	out := h.out(req.RunID, key, len(accounts))
	out.Rerun = true
	return out, nil
}

// runAccounts returns the IDs of the accounts in the run's manifests: the
// original and every re-run's. A run without its original manifest does not
// exist, an InputError.
func (h *Handler) runAccounts(ctx context.Context, runID string) (map[string]bool, error) {
	keys, err := run.ManifestKeys(ctx, h.deps.S3, h.cfg.Bucket, runID)
	if err != nil {
		return nil, err
	}
	if original := run.ManifestKey(runID); len(keys) == 0 || keys[0] != original {
		return nil, &InputError{Msg: fmt.Sprintf("input: run %s does not exist: no manifest at s3://%s/%s; nothing was written",
			runID, h.cfg.Bucket, original)}
	}
	ids := map[string]bool{}
	for _, k := range keys {
		accounts, err := run.GetManifest(ctx, h.deps.S3, h.cfg.Bucket, k)
		if err != nil {
			return nil, fmt.Errorf("read the accounts of run %s: %w", runID, err)
		}
		for _, a := range accounts {
			ids[a.ID] = true
		}
	}
	return ids, nil
}

// explain adds what to check to an error of assuming the org role, which
// surfaces inside the first Organizations call that needs credentials.
func (h *Handler) explain(err error) error {
	// The trust-policy hint is for a refused AssumeRole, not for STS being
	// throttled or down, which a retry may get past.
	if fromSTS(err) && !awserr.IsTransient(err) {
		return fmt.Errorf("assume %s %s (check the role's trust policy and %s): %w", EnvRoleARN, h.cfg.RoleARN, EnvExternalID, err)
	}
	return err
}

// fromSTS reports whether an STS operation failed somewhere in err's chain
// (errors.As would stop at the Organizations operation that wraps it).
func fromSTS(err error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if oe, ok := err.(*smithy.OperationError); ok && oe.Service() == "STS" {
			return true
		}
	}
	return false
}

func (h *Handler) lister(runID string, log *slog.Logger) *Lister {
	return NewLister(h.newClient(awsid.SessionName(runID)), Options{
		Filter:      h.cfg.Filter(),
		TagKeys:     h.cfg.TagKeys,
		Concurrency: h.deps.Concurrency,
		Logger:      log,
	})
}

func (h *Handler) out(runID, key string, n int) Out {
	return Out{
		RunID:        runID,
		Bucket:       h.cfg.Bucket,
		ManifestKey:  key,
		ResultPrefix: run.ResultPrefix(runID),
		AccountCount: n,
	}
}

// RerunStamp names a re-run's manifest after the execution that asked for
// it: its start time to the millisecond, then its name with anything but
// letters, digits, '-' and '_' replaced by '-', e.g.
// "2026-12-01T101502.123Z-retry-failed". Stamps sort by start time, and an
// execution retried by the state machine writes the same key again.
func RerunStamp(start time.Time, executionName string) string {
	var b strings.Builder
	b.WriteString(start.UTC().Format("2006-01-02T150405.000Z"))
	b.WriteByte('-')
	for _, r := range executionName {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// New returns the ListAccounts handler of cfg with its AWS clients built
// from awsCfg, the function's own credentials and region: how the Lambda
// and every local run wire it. s3Options adjust the S3 client (a local
// bucket's endpoint).
func New(cfg Config, awsCfg aws.Config, s3Options ...func(*s3.Options)) (*Handler, error) {
	return NewHandler(cfg, Deps{AWS: awsCfg, STS: sts.NewFromConfig(awsCfg), S3: s3.NewFromConfig(awsCfg, s3Options...)})
}
