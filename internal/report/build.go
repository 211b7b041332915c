package report

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/config-report/config-report/internal/catalog"
	"github.com/config-report/config-report/internal/ruleid"
	"github.com/config-report/config-report/internal/run"
)

// MaxSheetRows is Excel's limit of rows per worksheet; longer tables continue
// on further sheets.
const MaxSheetRows = 1_048_576

// Account statuses as they appear in the summary and the workbook.
const (
	// StatusScanned: rule results were read in every configured region
	// where the organization lets Config run (a region blocked by an SCP or
	// not enabled for the account is not a gap of the scan).
	StatusScanned = "scanned"
	// StatusPartial: rule results were read in some regions, and others
	// returned none because Config is off, a call was denied or the region
	// was not scanned. Its figures cover the regions read.
	StatusPartial = "partially scanned"
	// StatusNoData: the read role was assumed but no region returned rule
	// results. Its figures are blank, not zero: nobody looked.
	StatusNoData      = "no data"
	StatusUnreachable = "unreachable"
	StatusNotScanned  = "not scanned"
)

// hasResults reports whether an account status carries rule results.
func hasResults(status string) bool { return status == StatusScanned || status == StatusPartial }

// Options configure how a report is built.
type Options struct {
	// Environment names the deployment, shown on the Summary sheet.
	Environment string
	// Regions are the regions the run was configured to scan; every account
	// gets a Coverage row for each, whatever its shard holds.
	Regions []string
	// GreenPct and AmberPct are the compliance percentages at or above which
	// an account's compliance cell is green or amber; below AmberPct it is red.
	GreenPct, AmberPct float64
	// ReadConcurrency bounds concurrent shard reads (default 16).
	ReadConcurrency int
	// PaperSize is the paper every sheet is set up for, "A4" (default) or
	// "Letter"; Classification is printed in every page's header.
	PaperSize, Classification string
	// Console, when its StartURL is set, makes the console links
	// account-aware through IAM Identity Center.
	Console ConsoleAccess
	// OwnerTag, when set, is the account tag whose values split the
	// non-compliant resources into one CSV per owner (Report.OwnerCSVs).
	OwnerTag string
	// SLA is the longest a finding of each severity should stay open, in
	// days; a severity without one has no SLA.
	SLA map[catalog.Severity]int
	// Catalog gives rules their severity; the zero Catalog knows none.
	Catalog catalog.Catalog
	// SheetRowLimit is the number of rows per sheet, header included, after
	// which a table continues on a further sheet; 0 means MaxSheetRows.
	SheetRowLimit int
	// TmpDir is where the work directory (CSV, spools, the workbook and
	// excelize's own temporary files) is created; "" means os.TempDir().
	TmpDir string
	// Logger receives progress and per-account warnings; nil means slog.Default().
	Logger *slog.Logger
	// Now returns the build time; nil means time.Now.
	Now func() time.Time
}

// Input names the run to report on and where its data comes from.
type Input struct {
	// RunID is the run.
	RunID string
	// Accounts is the union of the run's manifests, sorted by ID.
	Accounts []run.Account
	// Shards reads each account's shard.
	Shards ShardReader
	// Previous is the previous run's summary; nil on a first run.
	Previous *Summary
	// PreviousCSV opens the previous run's CSV of non-compliant resources, for
	// the details of resolved ones; nil when there is none.
	PreviousCSV func(ctx context.Context) (io.ReadCloser, error)
	// PreviousLedger opens the previous run's findings ledger, from which
	// the findings' ages are carried forward; nil when there is no previous
	// run.
	PreviousLedger func(ctx context.Context) (io.ReadCloser, error)
	// Organization is what ListAccounts recorded of the organization when it
	// listed the run; nil when the run has no usable record, and then the
	// report says the organization's totals are unavailable.
	Organization *run.Organization
	// OrganizationMissing says why Organization is nil, for the Summary sheet.
	OrganizationMissing string
}

// Report is a built report: files in a work directory, and its figures.
type Report struct {
	// Dir is the work directory holding the files; Close removes it.
	Dir string
	// WorkbookPath, CSVPath, LedgerPath and SummaryPath are the files to
	// publish.
	WorkbookPath, CSVPath, LedgerPath, SummaryPath string
	// OwnerCSVs are the per-owner CSVs (Options.OwnerTag), by file name
	// (run.OwnerCSVKey's name); nil without an owner tag.
	OwnerCSVs map[string]string
	// Summary is what SummaryPath holds.
	Summary *Summary
	// Previous is the summary compared against; nil on a first run.
	Previous *Summary
	// Rerun re-runs the accounts not scanned; nil when every account has a shard.
	Rerun *run.ExecutionInput
	// ResolvedNote explains resolved resources whose details are unavailable.
	ResolvedNote string
	// Stats says how long each phase of the build took.
	Stats Stats
}

// Stats are the durations of a build's phases.
type Stats struct {
	// Read is reading and aggregating every shard and writing the CSV.
	Read time.Duration
	// Compare is the comparison with the previous run, resolved resources included.
	Compare time.Duration
	// Workbook is writing the workbook.
	Workbook time.Duration
	// Summary is writing summary.json.
	Summary time.Duration
}

// Close removes the report's work directory.
func (r *Report) Close() error {
	if r == nil || r.Dir == "" {
		return nil
	}
	return os.RemoveAll(r.Dir)
}

// Build reads every shard of the run once, in account-ID order, aggregating
// as they stream in and spooling non-compliant resources to the CSV; then it
// compares with the previous run and writes the workbook and summary.json
// into a new work directory. The caller publishes the files and calls Close.
//
// An account whose shard is missing, unreadable or of an unknown schema is
// reported as not scanned, with the reason; only errors that say nothing about
// the shard (S3 unreachable, the deadline) stop the build.
func Build(ctx context.Context, opts Options, in Input) (rep *Report, err error) {
	opts = opts.withDefaults()
	if err := run.ValidateID(in.RunID); err != nil {
		return nil, fmt.Errorf("build report: %w", err)
	}
	dir, err := os.MkdirTemp(opts.TmpDir, "report-"+in.RunID+"-")
	if err != nil {
		return nil, fmt.Errorf("build report: %w", err)
	}
	rep = &Report{Dir: dir, Previous: in.Previous}
	defer func() {
		if err != nil {
			_ = rep.Close()
			rep = nil
		}
	}()

	b := newBuilder(opts, in)
	b.loadLedger(ctx)
	start := time.Now()
	rep.CSVPath = filepath.Join(dir, "noncompliant-resources.csv")
	if err := b.readShards(ctx, rep.CSVPath); err != nil {
		return nil, err
	}
	rep.Stats.Read = time.Since(start)
	if opts.OwnerTag != "" {
		if rep.OwnerCSVs, err = splitByOwner(rep.CSVPath, filepath.Join(dir, "by-owner"), opts.OwnerTag, in.Accounts); err != nil {
			return nil, err
		}
	}
	opts.Logger.InfoContext(ctx, "shards read", "accounts", len(in.Accounts),
		"resources", b.totals.Resources, "not_scanned", b.totals.NotScanned, "elapsed", rep.Stats.Read.Round(time.Millisecond))

	start = time.Now()
	resolvedPath := filepath.Join(dir, "resolved.csv")
	if err := b.compare(ctx, resolvedPath); err != nil {
		return nil, err
	}
	rep.ResolvedNote = b.resolvedNote
	rep.LedgerPath = filepath.Join(dir, "ledger.bin")
	if err := b.writeLedger(rep.LedgerPath); err != nil {
		return nil, err
	}
	rep.Summary = b.summary()
	if ids := b.notScannedIDs(); len(ids) > 0 {
		rep.Rerun = &run.ExecutionInput{RunID: in.RunID, AccountIDs: ids}
	}
	rep.Stats.Compare = time.Since(start)

	rep.WorkbookPath = filepath.Join(dir, "config-compliance-"+in.RunID+".xlsx")
	start = time.Now()
	if err := writeWorkbook(ctx, b, rep, resolvedPath); err != nil {
		return nil, err
	}
	rep.Stats.Workbook = time.Since(start)
	opts.Logger.InfoContext(ctx, "workbook written", "elapsed", rep.Stats.Workbook.Round(time.Millisecond))

	start = time.Now()
	rep.SummaryPath = filepath.Join(dir, "summary.json")
	if err := writeJSONFile(rep.SummaryPath, rep.Summary); err != nil {
		return nil, err
	}
	rep.Stats.Summary = time.Since(start)
	return rep, nil
}

func (o Options) withDefaults() Options {
	if o.ReadConcurrency < 1 {
		o.ReadConcurrency = 16
	}
	if o.SheetRowLimit <= 1 || o.SheetRowLimit > MaxSheetRows {
		o.SheetRowLimit = MaxSheetRows
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// coverageRow is one account × region of the Coverage sheet.
type coverageRow struct {
	account   int // index into builder.accounts
	region    string
	status    string
	reason    string
	recorder  string
	rules     int
	resources int
}

// ruleAgg accumulates one rule base name across accounts and regions.
type ruleAgg struct {
	RuleSummary
	packs map[string]bool
	names map[string]bool // deployed names
	// detective says some deployment of the identity is evaluated
	// detectively: it is proactive only when none is.
	detective bool
	// where is a deployment in the first configured region that has one,
	// for the Rules sheet's link to the rule's page.
	where ruleDeployment
}

func newRuleAgg(id ruleid.Identity) *ruleAgg {
	return &ruleAgg{
		RuleSummary: RuleSummary{BaseName: id.Base, Manager: string(id.Manager), ControlID: id.ControlID},
		packs:       map[string]bool{},
		names:       map[string]bool{},
	}
}

// builder holds the aggregates of one build; its size grows with accounts,
// regions and rules, never with resources beyond 8 bytes each.
type builder struct {
	opts Options
	in   Input

	prev        hashSet // the previous run's findings (rows, legacyPrev); nil on a first run
	legacyPrev  bool    // prev holds rows (ResourceHash), not findings
	prevAccount map[string]*AccountSummary
	prevRule    ruleIndex

	accounts []AccountSummary
	coverage []coverageRow
	checked  map[string]bool // account/region pairs with rule results
	rules    map[string]*ruleAgg
	ous      map[string]*OUSummary
	totals   Totals
	rows     int       // rows of the resource sheet and the CSV
	pairs    []keyPair // each row's finding and row hash
	findings []uint64  // this run's findings, sorted: the summary's set
	// findingChecked says, for each of findings, whether the previous run
	// read an account-region that reports it.
	findingChecked []bool

	comparison   *Comparison
	goneStatus   map[uint64]string // the previous run's findings not open now: resolved or not re-checked
	resolvedRows int
	resolvedNote string

	// prevLedger is the previous run's findings ledger (nil when there is
	// none); ledgerNote says why ages start at this run, when they do.
	prevLedger ledger
	ledgerNote string
	// day is the run's start, the day the findings' ages are counted to.
	day uint32
	// ages are the open findings' ages, from the new ledger.
	ages *AgeTotals
	// catalog and severities give each rule identity (by key) its severity;
	// pastSLA holds the findings past their SLA, with their account.
	catalog    catalog.Catalog
	severities map[string]catalog.Severity
	pastSLA    map[uint64]string

	// csvLens and resolvedLens count the lengths of the CSV's and the
	// resolved spool's values, column by column, to size the resource
	// sheets' columns.
	csvLens, resolvedLens *[csvColumns]lengths
}

func newBuilder(opts Options, in Input) *builder {
	b := &builder{
		opts:     opts,
		in:       in,
		accounts: make([]AccountSummary, 0, len(in.Accounts)),
		coverage: make([]coverageRow, 0, len(in.Accounts)*len(opts.Regions)),
		checked:  make(map[string]bool, len(in.Accounts)*len(opts.Regions)),
		rules:    make(map[string]*ruleAgg),
		ous:      make(map[string]*OUSummary),

		catalog:    opts.Catalog,
		severities: map[string]catalog.Severity{},
		pastSLA:    map[uint64]string{},
	}
	if in.Previous != nil {
		b.prev = in.Previous.Resources.hashes()
		b.legacyPrev = in.Previous.Resources.legacy()
		b.prevAccount = in.Previous.accountIndex()
		b.prevRule = in.Previous.ruleIndex()
	}
	return b
}

func (b *builder) firstRun() bool { return b.in.Previous == nil }

// readShards reads every shard in account-ID order and writes the CSV.
func (b *builder) readShards(ctx context.Context, csvPath string) error {
	f, err := os.Create(csvPath)
	if err != nil {
		return fmt.Errorf("build report: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	rw, err := newResourceWriter(bw)
	if err != nil {
		return err
	}
	ids := make([]string, len(b.in.Accounts))
	for i, a := range b.in.Accounts {
		ids[i] = a.ID
	}
	err = readInOrder(ctx, b.in.Shards, ids, b.opts.ReadConcurrency, func(i int, sh *run.Shard, err error) error {
		return b.add(ctx, rw, b.in.Accounts[i], sh, err)
	})
	if err != nil {
		return fmt.Errorf("read shards of run %s: %w", b.in.RunID, err)
	}
	if err := rw.flush(); err != nil {
		return err
	}
	b.csvLens = &rw.lens
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", csvPath, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", csvPath, err)
	}
	// The findings, sorted, each with whether the previous run read any
	// account-region that reports it.
	slices.SortFunc(b.pairs, func(x, y keyPair) int { return cmp.Compare(x.finding, y.finding) })
	for i, p := range b.pairs {
		if i > 0 && p.finding == b.pairs[i-1].finding {
			b.findingChecked[len(b.findingChecked)-1] = b.findingChecked[len(b.findingChecked)-1] || p.checkedBefore
			continue
		}
		b.findings = append(b.findings, p.finding)
		b.findingChecked = append(b.findingChecked, p.checkedBefore)
	}
	return nil
}

// keyPair is one row's finding hash (FindingHash), its own (ResourceHash),
// by which summaries before version 3 recorded it, and whether the previous
// run read rule results from its account and region.
type keyPair struct {
	finding, row  uint64
	checkedBefore bool
}

// newNotPreviouslyChecked is the CSV's new_since_previous_run for a row whose
// finding was not in the previous run, which did not read its account and
// region: it may be old.
const newNotPreviouslyChecked = "not previously checked"

// prevChecked reports whether the previous run read rule results from an
// account and region. Summaries before version 3 do not list regions: an
// account they give rule results for counts as read in every region.
func (b *builder) prevChecked(accountID, region string) bool {
	pa := b.prevAccount[accountID]
	switch {
	case pa == nil:
		return false
	case b.in.Previous.beforeV3():
		return pa.RegionsScanned > 0
	}
	return slices.Contains(pa.RegionsRead, region)
}

// add folds one account's shard (or the error reading it) into the aggregates.
func (b *builder) add(ctx context.Context, rw *resourceWriter, a run.Account, sh *run.Shard, readErr error) error {
	acc := AccountSummary{ID: a.ID, Name: a.Name, OUPath: a.OUPath, Tags: a.Tags}
	if readErr == nil && (sh.Account.ID != a.ID || sh.RunID != b.in.RunID) {
		readErr = fmt.Errorf("shard of account %s holds account %s of run %s: %w", a.ID, sh.Account.ID, sh.RunID, ErrBadShard)
	}
	if readErr != nil {
		switch {
		case errors.Is(readErr, run.ErrNotFound):
			acc.Reason = "no shard: the scan did not finish"
		case errors.Is(readErr, run.ErrUnknownSchema):
			acc.Reason = "unknown schema version: " + strings.TrimSuffix(readErr.Error(), ": "+run.ErrUnknownSchema.Error())
		case errors.Is(readErr, ErrBadShard):
			acc.Reason = "unreadable shard: " + strings.TrimSuffix(readErr.Error(), ": "+ErrBadShard.Error())
		default:
			return fmt.Errorf("account %s: %w", a.ID, readErr)
		}
		acc.Status = StatusNotScanned
		b.opts.Logger.WarnContext(ctx, "account not scanned", "account_id", a.ID, "reason", acc.Reason)
		b.addAccount(acc)
		return nil
	}
	if sh.Status == run.AccountUnreachable {
		acc.Status = StatusUnreachable
		acc.Reason = sh.Reason
		b.addAccount(acc)
		return nil
	}
	acc.Status = StatusScanned
	return b.addScanned(rw, acc, sh)
}

// addAccount records an account without rule results: a Coverage row per
// configured region with the account's status.
func (b *builder) addAccount(acc AccountSummary) {
	idx := len(b.accounts)
	b.accounts = append(b.accounts, acc)
	for _, region := range b.opts.Regions {
		b.coverage = append(b.coverage, coverageRow{account: idx, region: region, status: acc.Status, reason: acc.Reason})
	}
	b.count(&b.accounts[idx])
}

// count adds an account's figures to the totals and its OU.
func (b *builder) count(acc *AccountSummary) {
	b.totals.Accounts++
	ou := b.ous[acc.OUPath]
	if ou == nil {
		ou = &OUSummary{Path: acc.OUPath}
		b.ous[acc.OUPath] = ou
	}
	ou.Accounts++
	switch acc.Status {
	case StatusScanned, StatusPartial:
		b.totals.Scanned++
		ou.Scanned++
		if acc.Status == StatusPartial {
			b.totals.Partial++
		}
	case StatusNoData:
		b.totals.NoData++
	case StatusUnreachable:
		b.totals.Unreachable++
	default:
		b.totals.NotScanned++
	}
	b.totals.Evaluations.add(acc.Evaluations)
	b.totals.Resources += acc.Resources
	b.totals.Findings += acc.Findings
	ou.Evaluations.add(acc.Evaluations)
	ou.Resources += acc.Resources
	ou.Findings += acc.Findings
}

// ruleState is how one rule base name fared in one account across regions.
type ruleState struct{ compliant, nonCompliant bool }

func (b *builder) addScanned(rw *resourceWriter, acc AccountSummary, sh *run.Shard) error {
	idx := len(b.accounts)
	covStart := len(b.coverage)
	regions := slices.Clone(sh.Regions)
	slices.SortFunc(regions, func(x, y run.Region) int { return strings.Compare(x.Region, y.Region) })
	seen := make(map[string]bool, len(regions))
	perRule := make(map[string]ruleState)
	accFindings := make(map[uint64]bool)
	accResources := make(map[uint64]bool)
	var row resourceRow
	for ri := range regions {
		reg := &regions[ri]
		seen[reg.Region] = true
		cov := coverageRow{account: idx, region: reg.Region, status: regionStatus(reg.Status), reason: reg.Reason, recorder: recorderText(reg.Recorder)}
		if reg.Recorder == nil && reg.Status.HasData() {
			cov.recorder = "no customer managed recorder"
		}
		if reg.Status.HasData() {
			acc.RegionsScanned++
			acc.RegionsRead = append(acc.RegionsRead, reg.Region)
			b.checked[acc.ID+"/"+reg.Region] = true
		}
		ids := make(map[string]ruleid.Identity, len(reg.Rules))
		packs := make(map[string]string)
		regionRank := slices.Index(b.opts.Regions, reg.Region)
		for _, r := range reg.Rules {
			id := ruleid.Of(r.Name, r.CreatedBy, r.ConformancePack)
			ids[r.Name] = id
			if r.ConformancePack != "" {
				packs[r.Name] = ruleid.PackName(r.ConformancePack)
			}
			key := id.Key()
			agg := b.rules[key]
			if agg == nil {
				agg = newRuleAgg(id)
				b.rules[key] = agg
			}
			agg.Source = cmp.Or(agg.Source, r.Source)
			agg.Identifier = cmp.Or(agg.Identifier, r.Identifier)
			agg.names[r.Name] = true
			agg.where.note(regionRank, acc.ID, reg.Region, r.Name)
			if r.ConformancePack != "" {
				agg.packs[ruleid.PackName(r.ConformancePack)] = true
			}
			if r.ProactiveOnly() {
				// No detective result exists: left out of every compliance
				// figure, listed on the Rules sheet as proactive only
				// unless another deployment of it is detective.
				continue
			}
			agg.detective = true
			if r.EvaluationError != nil {
				agg.EvaluationErrors++
			}
			st := perRule[key]
			e := evaluation(r.Compliance)
			acc.Evaluations.add(e)
			agg.Evaluations.add(e)
			st.compliant = st.compliant || e.Compliant > 0
			st.nonCompliant = st.nonCompliant || e.NonCompliant > 0
			perRule[key] = st
		}
		cov.rules = len(reg.Rules)

		regResources := make(map[uint64]bool)
		checkedBefore := b.prevChecked(acc.ID, reg.Region)
		res := reg.NonCompliant
		slices.SortFunc(res, func(x, y run.Resource) int {
			return cmp.Or(strings.Compare(x.Rule, y.Rule), strings.Compare(x.Type, y.Type), strings.Compare(x.ID, y.ID))
		})
		for k := range res {
			r := &res[k]
			if k > 0 && r.Rule == res[k-1].Rule && r.Type == res[k-1].Type && r.ID == res[k-1].ID {
				continue // the same resource twice: count it once
			}
			id, ok := ids[r.Rule]
			if !ok { // a resource of a rule the shard does not list
				id = ruleid.Of(r.Rule, "", "")
			}
			row = resourceRow{
				AccountID: acc.ID, AccountName: acc.Name, Region: reg.Region,
				Rule: r.Rule, BaseName: id.Base, ManagedBy: id.Manager.Label(), Control: id.ControlID, Pack: packs[r.Rule],
				Type: r.Type, ID: r.ID, Name: r.Name,
				Annotation: r.Annotation, RecordedAt: r.RecordedAt, Tags: r.Tags, ruleKey: id.Key(),
			}
			kp := keyPair{finding: row.findingKey(), row: row.key(), checkedBefore: checkedBefore}
			b.pairs = append(b.pairs, kp)
			h := b.history(kp.finding)
			row.FirstSeen, row.Age, row.Reopened = h.FirstSeen, int(b.day-min(h.FirstSeen, b.day)), int(h.Reopened)
			sev := b.severity(id)
			row.Severity = string(sev)
			b.noteSLA(kp.finding, acc.ID, sev, row.Age)
			if !b.firstRun() {
				// Against a summary of rows (before version 3), a row is new
				// when its row was not there.
				h := kp.finding
				if b.legacyPrev {
					h = kp.row
				}
				switch {
				case b.prev.has(h):
					row.New = "false"
				case kp.checkedBefore:
					row.New = "true"
				default:
					row.New = newNotPreviouslyChecked
				}
			}
			if err := rw.write(&row); err != nil {
				return err
			}
			b.rows++
			agg := b.rules[id.Key()]
			if agg == nil {
				agg = newRuleAgg(id)
				agg.names[r.Rule] = true
				b.rules[id.Key()] = agg
			}
			// Distinct resources of the region and the account, and
			// distinct findings, which are the rule's distinct resources.
			rk := distinctResourceKey(acc.ID, reg.Region, r.Type, r.ID)
			if !regResources[rk] {
				regResources[rk] = true
				cov.resources++
			}
			if !accResources[rk] {
				accResources[rk] = true
				acc.Resources++
			}
			if !accFindings[kp.finding] {
				accFindings[kp.finding] = true
				acc.Findings++
				agg.Resources++
			}
			agg.OldestDays = max(agg.OldestDays, row.Age)
		}
		b.coverage = append(b.coverage, cov)
	}
	for _, region := range b.opts.Regions {
		if !seen[region] {
			b.coverage = append(b.coverage, coverageRow{account: idx, region: region, status: StatusNotScanned,
				reason: "the shard has no result for this region"})
		}
	}
	acc.Status, acc.Reason = accountStatus(b.coverage[covStart:])
	for key, st := range perRule {
		agg := b.rules[key]
		if st.nonCompliant {
			agg.AccountsNonCompliant++
		} else if st.compliant {
			agg.AccountsCompliant++
		}
	}
	b.accounts = append(b.accounts, acc)
	b.count(&b.accounts[idx])
	return nil
}

// coverageTotals counts the Coverage rows by status.
func (b *builder) coverageTotals() *CoverageTotals {
	c := &CoverageTotals{AccountRegions: len(b.coverage)}
	for _, r := range b.coverage {
		switch r.status {
		case coverageScanned:
			c.WithResults++
		case coverageRecorderOff:
			c.WithResults++
			c.RecorderStopped++
		case coverageConfigNotEnabled:
			c.ConfigNotEnabled++
		case coverageAccessDenied:
			c.AccessDenied++
		case coverageBlockedBySCP:
			c.BlockedBySCP++
		case coverageRegionDisabled:
			c.RegionDisabled++
		case StatusUnreachable:
			c.Unreachable++
		case coverageNotFinished:
			c.NotFinished++
		default: // StatusNotScanned, and statuses of shards newer than this build
			c.NotScanned++
		}
	}
	return c
}

// Coverage statuses of an account-region, as the Coverage sheet words them:
// those of regionStatus, and the account's status where it has no region
// results at all.
const (
	coverageScanned          = "scanned"
	coverageRecorderOff      = "recorder off"
	coverageConfigNotEnabled = "Config not enabled"
	coverageRegionDisabled   = "region disabled"
	coverageAccessDenied     = "access denied"
	coverageBlockedBySCP     = "blocked by SCP"
	coverageNotFinished      = "not finished"
)

// coverageHasResults reports whether an account-region of a coverage status
// has rule results.
func coverageHasResults(status string) bool {
	return status == coverageScanned || status == coverageRecorderOff
}

// accountStatus is the status of an account whose read role was assumed,
// from its Coverage rows (one per region), and, when it is not simply
// scanned, its reason: each cause with its regions and what to do, e.g.
// "access denied in eu-central-1, us-east-1: the read role lacks a Config
// action (the Coverage sheet names it); update the member-role StackSet".
// Regions an SCP blocks or that are not enabled for the account are the
// organization's choice, not gaps of the scan, and are named only when no
// region has results.
func accountStatus(rows []coverageRow) (status, reason string) {
	withResults := 0
	byStatus := map[string][]string{}
	var order []string
	gap := false
	for _, c := range rows {
		if coverageHasResults(c.status) {
			withResults++
			continue
		}
		if _, ok := byStatus[c.status]; !ok {
			order = append(order, c.status)
		}
		byStatus[c.status] = append(byStatus[c.status], c.region)
		if c.status != coverageBlockedBySCP && c.status != coverageRegionDisabled {
			gap = true
		}
	}
	if withResults > 0 && !gap {
		return StatusScanned, ""
	}
	parts := make([]string, 0, len(order))
	for _, st := range order {
		if withResults > 0 && (st == coverageBlockedBySCP || st == coverageRegionDisabled) {
			continue
		}
		regions := byStatus[st]
		slices.Sort(regions)
		parts = append(parts, st+" in "+strings.Join(regions, ", ")+": "+regionAdvice(st))
	}
	if withResults == 0 {
		if len(parts) == 0 {
			return StatusNoData, "no region was configured"
		}
		return StatusNoData, "no rule results anywhere; " + strings.Join(parts, "; ")
	}
	return StatusPartial, strings.Join(parts, "; ")
}

func evaluation(c run.Compliance) Evaluations {
	switch c {
	case run.Compliant:
		return Evaluations{Compliant: 1}
	case run.NonCompliant:
		return Evaluations{NonCompliant: 1}
	case run.NotApplicable:
		return Evaluations{NotApplicable: 1}
	case run.InsufficientData:
		return Evaluations{InsufficientData: 1}
	}
	return Evaluations{}
}

// regionStatus is the Coverage sheet's wording of a region status.
func regionStatus(s run.RegionStatus) string {
	switch s {
	case run.RegionScanned:
		return coverageScanned
	case run.RegionRecorderStopped:
		return coverageRecorderOff
	case run.RegionConfigNotEnabled:
		return coverageConfigNotEnabled
	case run.RegionDisabled:
		return coverageRegionDisabled
	case run.RegionAccessDenied:
		return coverageAccessDenied
	case run.RegionBlockedBySCP:
		return coverageBlockedBySCP
	case run.RegionNotFinished:
		return coverageNotFinished
	}
	return string(s)
}

func recorderText(r *run.Recorder) string {
	if r == nil {
		return ""
	}
	state := "stopped"
	if r.Recording {
		state = "recording"
	}
	if r.LastStatus != "" {
		state += ", last " + strings.ToLower(r.LastStatus)
	}
	return r.Name + " (" + state + ")"
}

// notScannedIDs lists the accounts without a usable shard, by ID.
func (b *builder) notScannedIDs() []string {
	var ids []string
	for _, a := range b.accounts {
		if a.Status == StatusNotScanned {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

// compare works out new, persisting and resolved resources and spools the
// resolved ones (with their details from the previous run's CSV) to path.
func (b *builder) compare(ctx context.Context, path string) error {
	if b.firstRun() {
		return nil
	}
	c := &Comparison{PreviousRunID: b.in.Previous.RunID}
	b.comparison = c
	// gone holds the previous run's keys that match nothing now: findings,
	// or, against a summary of rows, rows.
	var gone []uint64
	if b.legacyPrev {
		// A finding persists when any of its rows was there.
		var persisting []uint64
		rows := make([]uint64, 0, len(b.pairs))
		for _, p := range b.pairs {
			rows = append(rows, p.row)
			if b.prev.has(p.row) {
				persisting = append(persisting, p.finding)
			}
		}
		rows = sortUnique(rows)
		was := hashSet(sortUnique(persisting))
		c.Persisting = len(was)
		for i, f := range b.findings {
			switch {
			case was.has(f):
			case b.findingChecked[i]:
				c.New++
			default:
				c.NotPreviouslyChecked++
			}
		}
		now := hashSet(rows)
		for _, h := range b.prev {
			if !now.has(h) {
				gone = append(gone, h)
			}
		}
	} else {
		i, j := 0, 0
		for i < len(b.findings) || j < len(b.prev) {
			switch {
			case j == len(b.prev) || (i < len(b.findings) && b.findings[i] < b.prev[j]):
				if b.findingChecked[i] {
					c.New++
				} else {
					c.NotPreviouslyChecked++
				}
				i++
			case i == len(b.findings) || b.prev[j] < b.findings[i]:
				gone = append(gone, b.prev[j])
				j++
			default:
				c.Persisting++
				i++
				j++
			}
		}
	}
	if len(gone) == 0 {
		return nil
	}
	// A finding is resolved only when its account and regions were scanned
	// this time, which only the previous run's CSV can tell: a hash alone
	// cannot be placed.
	if b.in.PreviousCSV == nil {
		c.Unknown = len(gone)
		b.resolvedNote = unknownNote(len(gone), c.PreviousRunID, "there is no CSV of that run")
		return nil
	}
	rc, err := b.in.PreviousCSV(ctx)
	if errors.Is(err, run.ErrNotFound) {
		c.Unknown = len(gone)
		b.resolvedNote = unknownNote(len(gone), c.PreviousRunID, "that run's CSV is missing ("+err.Error()+")")
		return nil
	}
	if err != nil {
		return fmt.Errorf("read previous resources: %w", err)
	}
	defer rc.Close()
	err = b.placeGone(rc, gone, path)
	var damaged *damagedCSVError
	if errors.As(err, &damaged) {
		// A damaged CSV of an earlier week costs the Resolved sheet, never
		// the report: what is new and still open does not depend on it.
		c.Resolved, c.NotRechecked, c.Unknown = 0, 0, len(gone)
		b.goneStatus, b.resolvedRows = nil, 0
		b.resolvedNote = unknownNote(len(gone), c.PreviousRunID, fmt.Sprintf("that run's CSV %s cannot be read (%v); "+
			"rebuild that run's report (start BuildReport with its runId) or delete the file to silence this", run.CSVKey(c.PreviousRunID), damaged.err))
		b.opts.Logger.WarnContext(ctx, "previous CSV damaged: resolved findings counted as unknown",
			"run_id", b.in.RunID, "previous_run_id", c.PreviousRunID, "key", run.CSVKey(c.PreviousRunID), "error", damaged.err.Error())
		return nil
	}
	return err
}

// damagedCSVError is a previous run's CSV that cannot be parsed.
type damagedCSVError struct{ err error }

func (e *damagedCSVError) Error() string { return "damaged CSV: " + e.err.Error() }

// placeGone reads the previous run's CSV for the rows of the findings (or,
// against a summary of rows, the rows) in gone, spools them to path and
// tells each gone finding resolved from not re-checked. A CSV that cannot
// be parsed is a *damagedCSVError; other errors are the spool's.
func (b *builder) placeGone(rc io.Reader, gone []uint64, path string) error {
	c := b.comparison
	rr, err := newResourceReader(bufio.NewReaderSize(rc, 1<<20))
	if err != nil {
		return &damagedCSVError{err}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("spool resolved resources: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	rw, err := newResourceWriter(bw)
	if err != nil {
		return err
	}
	pending := hashSet(gone)
	current := hashSet(b.findings)
	found := make(map[uint64]bool, len(gone)) // the gone keys the CSV lists
	rechecked := map[uint64]bool{}            // gone findings: every row's account-region scanned now
	var row resourceRow
	for {
		err := rr.next(&row)
		if err == io.EOF {
			break
		}
		if err != nil {
			return &damagedCSVError{err}
		}
		fk := row.findingKey()
		key := fk
		if b.legacyPrev {
			key = row.key()
		}
		if !pending.has(key) {
			continue
		}
		found[key] = true
		if current.has(fk) {
			continue // a row of a finding still open under another row
		}
		checked := b.checked[row.AccountID+"/"+row.Region]
		if was, ok := rechecked[fk]; ok {
			checked = checked && was
		}
		rechecked[fk] = checked
		if err := rw.write(&row); err != nil {
			return err
		}
	}
	if err := rw.flush(); err != nil {
		return err
	}
	b.resolvedLens = &rw.lens
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("spool resolved resources: %w", err)
	}
	b.resolvedRows = rw.rows
	b.goneStatus = make(map[uint64]string, len(rechecked))
	for fk, checked := range rechecked {
		if checked {
			b.goneStatus[fk] = resolvedText
			c.Resolved++
		} else {
			b.goneStatus[fk] = notRecheckedText
			c.NotRechecked++
		}
	}
	if missing := len(gone) - len(found); missing > 0 {
		c.Unknown += missing
		why := "that run's CSV does not list them"
		if missing == 1 {
			why = "that run's CSV does not list it"
		}
		b.resolvedNote = unknownNote(missing, c.PreviousRunID, why)
	}
	return f.Close()
}

// The Resolved sheet's status of a finding of the previous run.
const (
	resolvedText     = "resolved"
	notRecheckedText = "not re-checked: account or region not scanned in this run"
)

// unknownNote explains findings of the previous run that are not in this
// one but cannot be placed in an account and region, and so are counted as
// unknown rather than resolved.
func unknownNote(n int, previousRunID, why string) string {
	is, their, were := "are", "their", "they were"
	if n == 1 {
		is, their, were = "is", "its", "it was"
	}
	return fmt.Sprintf("%s of run %s %s not open in this run, but %s, so %s account and region are unknown and whether %s re-checked cannot be said: counted as unknown, not resolved.",
		plural(n, "finding", "findings"), previousRunID, is, why, their, were)
}

// summary assembles summary.json.
func (b *builder) summary() *Summary {
	rules := make([]RuleSummary, 0, len(b.rules))
	for _, name := range slices.Sorted(maps.Keys(b.rules)) {
		agg := b.rules[name]
		r := agg.RuleSummary
		r.ConformancePacks = slices.Sorted(maps.Keys(agg.packs))
		r.DeployedNames = len(agg.names)
		r.ProactiveOnly = !agg.detective
		r.Severity = string(b.severities[name])
		rules = append(rules, r)
	}
	slices.SortFunc(rules, func(a, b RuleSummary) int {
		return cmp.Or(strings.Compare(a.BaseName, b.BaseName), strings.Compare(a.Manager, b.Manager))
	})
	ous := make([]OUSummary, 0, len(b.ous))
	for _, p := range slices.Sorted(maps.Keys(b.ous)) {
		ous = append(ous, *b.ous[p])
	}
	t := b.totals
	t.Rules = len(rules)
	t.Coverage = b.coverageTotals()
	if o := b.in.Organization; o != nil {
		t.Organization = &OrganizationTotals{
			Accounts:        o.Accounts,
			Inactive:        o.InactiveTotal(),
			InactiveByState: maps.Clone(o.Inactive),
			Excluded:        o.Excluded,
			Untagged:        o.Untagged,
		}
		if len(t.Organization.InactiveByState) == 0 {
			t.Organization.InactiveByState = nil
		}
	}
	sum := &Summary{
		SchemaVersion: SummaryVersion,
		RunID:         b.in.RunID,
		Environment:   b.opts.Environment,
		GeneratedAt:   b.opts.Now().UTC(),
		Regions:       slices.Clone(b.opts.Regions),
		Totals:        t,
		Comparison:    b.comparison,
		Accounts:      b.accounts,
		Rules:         rules,
		OUs:           ous,
		Resources:     newResourceSet(b.findings),
	}
	sum.Trend = trendOf(sum, b.in.Previous)
	sum.Ages = b.ages
	sum.SLA = b.slaTotals()
	return sum
}
