package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/config-report/config-report/internal/pipeline"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/statemachine"
)

// A local output folder mirrors the report bucket's layout:
//
//	<out>/reports/<runId>/config-compliance-<runId>.xlsx, summary.json,
//	                      noncompliant-resources.csv, rerun-input.json
//	<out>/runs/<runId>/accounts.json, reruns/…, shards/<accountId>.json
//
// so the next run finds the previous summary where BuildReport looks for it,
// and `config-report report` can rebuild a run from its shards.

// localRuns returns the IDs of the runs in out that have a summary, sorted.
func localRuns(out string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(out, filepath.FromSlash(run.ReportsPrefix)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the output folder: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if !e.IsDir() || run.ValidateID(e.Name()) != nil {
			continue
		}
		if _, err := os.Stat(localFile(out, run.SummaryKey(e.Name()))); err == nil {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// localFile returns where key of the bucket lives in the folder out.
func localFile(out, key string) string {
	return filepath.Join(out, filepath.FromSlash(key))
}

// uploadPrevious puts into the bucket what BuildReport needs to compare a
// run with the runs in out before it (all of them when before is ""): the
// earlier summaries, newest first, until report.FindPrevious picks one as
// BuildReport would (the latest readable summary of the same environment
// that counts the organization), and that baseline's CSV. Usually that is
// one summary: only those passed over cost another upload. The baseline's
// findings ledger goes up too, when it has one. It returns the
// baseline's run ID, "" for none, and why each later summary was passed
// over.
func uploadPrevious(ctx context.Context, c pipeline.ObjectStore, bucket, out, before, environment string) (string, []string, error) {
	ids, err := localRuns(out)
	if err != nil {
		return "", nil, err
	}
	upTo := before
	if upTo == "" {
		upTo = "\xff" // after every run ID
	}
	var skipped []string
	warn := func(msg string, args ...any) {
		parts := []string{msg}
		for i := 0; i+1 < len(args); i += 2 {
			parts = append(parts, fmt.Sprintf("%v %v", args[i], args[i+1]))
		}
		skipped = append(skipped, strings.Join(parts, ", "))
	}
	for _, id := range slices.Backward(ids) {
		if id >= upTo {
			continue
		}
		if _, err := pipeline.Upload(ctx, c, out, run.SummaryKey(id), bucket); err != nil {
			return "", nil, fmt.Errorf("load the summary of run %s: %w", id, err)
		}
		skipped = skipped[:0] // each call reports every summary it passes over
		prev, err := report.FindPrevious(ctx, c, bucket, upTo, environment, warn)
		if err != nil {
			return "", nil, err
		}
		if prev == nil {
			continue
		}
		if _, err := pipeline.Upload(ctx, c, out, run.CSVKey(prev.RunID), bucket); err != nil {
			return "", nil, fmt.Errorf("load the CSV of run %s: %w", prev.RunID, err)
		}
		// The findings ledger carries the findings' ages forward; a report
		// from before it was kept has none, and ages start at this run.
		if _, err := pipeline.Upload(ctx, c, out, run.LedgerKey(prev.RunID), bucket); err != nil {
			return "", nil, fmt.Errorf("load the findings ledger of run %s: %w", prev.RunID, err)
		}
		return prev.RunID, skipped, nil
	}
	return "", skipped, nil
}

// checkOut makes sure the output folder can be written before any work is
// done, creating it if need be: a run must not end with nowhere to put its
// report.
func checkOut(out string) error {
	if strings.TrimSpace(out) == "" {
		return usagef("--out must name a folder, e.g. ./report")
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out %s cannot be created: %w", out, err)
	}
	f, err := os.CreateTemp(out, ".write-check-")
	if err != nil {
		return fmt.Errorf("--out %s is not writable: %w", out, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// replaceReport puts a run's rebuilt report, downloaded under staging, in
// the place of the one in out: the new one is complete before the old one
// goes, and if it cannot be moved in the old one stays.
func replaceReport(out, staging, runID string) error {
	final := localFile(out, run.ReportPrefix(runID))
	fresh := localFile(staging, run.ReportPrefix(runID))
	aside := filepath.Join(staging, "previous-report")
	hadOld := true
	if err := os.Rename(final, aside); errors.Is(err, fs.ErrNotExist) {
		hadOld = false
	} else if err != nil {
		return fmt.Errorf("replace the old report: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
		return err
	}
	if err := os.Rename(fresh, final); err != nil {
		if hadOld {
			_ = os.Rename(aside, final)
		}
		return fmt.Errorf("replace the old report (it is kept): %w", err)
	}
	return nil
}

// toleratedFlagUsage documents --tolerated-failure-percentage on run and demo.
const toleratedFlagUsage = "percentage of accounts that may fail to scan (after retries) before the command fails, as the state machine's Map Run would (0 to 100)"

// checkTolerated validates --tolerated-failure-percentage.
func checkTolerated(p int) error {
	if p < 0 || p > 100 {
		return usagef("--tolerated-failure-percentage must be from 0 to 100, not %d", p)
	}
	return nil
}

// toleranceError is the error that ends a local run the deployed state
// machine would fail at ScanAccounts, when more accounts failed to scan than
// tolerated; nil otherwise. The report is written before it (nothing is
// lost); it names the share and the most common cause in one line.
func toleranceError(res *pipeline.Result, tolerated int) error {
	failed := len(res.Failures)
	total := failed + len(res.Scans)
	if !statemachine.ExceedsTolerance(failed, total, tolerated) {
		return nil
	}
	cause, n := pipeline.DominantCause(res.Failures)
	return fmt.Errorf("%d of %d accounts (%.1f%%) could not be scanned, more than the tolerated %d%%: the deployed state machine would fail at ScanAccounts; "+
		"%d of them on %s. The report lists them as not scanned; re-run them with its re-run input",
		failed, total, 100*float64(failed)/float64(total), tolerated, n, cause)
}

// localEnvironment is the environment of the newest summary in out before
// before (all when ""), for a run that has none of its own; "" for none.
func localEnvironment(out, before string) string {
	ids, _ := localRuns(out)
	for _, id := range slices.Backward(ids) {
		if before != "" && id >= before {
			continue
		}
		if s, err := readSummary(out, id); err == nil && s.Environment != "" {
			return s.Environment
		}
	}
	return ""
}

// saveRun copies a run's report and working data from the bucket to out.
func saveRun(ctx context.Context, c pipeline.ObjectStore, bucket, runID, out string) error {
	for _, prefix := range []string{run.Prefix(runID), run.ReportPrefix(runID)} {
		if _, err := pipeline.Download(ctx, c, bucket, prefix, out); err != nil {
			return fmt.Errorf("save the run to %s: %w", out, err)
		}
	}
	return nil
}

// readSummary reads a run's summary.json from out.
func readSummary(out, runID string) (*report.Summary, error) {
	key := run.SummaryKey(runID)
	body, err := os.ReadFile(localFile(out, key))
	if err != nil {
		return nil, fmt.Errorf("read the summary: %w", err)
	}
	return report.DecodeSummary(key, body)
}

// printHeadline prints a run's headline figures and where its files are.
// files maps a label to a path or URI; empty values are left out.
func printHeadline(w io.Writer, s *report.Summary, files [][2]string) {
	t := s.Totals
	p := newPrinter(w)
	partial := ""
	if t.Partial > 0 {
		partial = fmt.Sprintf(" (%s partially)", num(t.Partial))
	}
	p.line("accounts", "%s in the run: %s scanned%s, %s with no data, %s unreachable, %s not scanned",
		num(t.Accounts), num(t.Scanned), partial, num(t.NoData), num(t.Unreachable), num(t.NotScanned))
	if c := t.Coverage; c != nil {
		share, _ := c.Share()
		notFinished := ""
		if c.NotFinished > 0 {
			notFinished = fmt.Sprintf(", not finished %s", num(c.NotFinished))
		}
		p.line("coverage", "%.1f%% of %s account-regions have rule results (Config off %s, denied %s, blocked by SCP %s, region disabled %s, unreachable %s%s, not scanned %s)",
			100*share, num(c.AccountRegions), num(c.ConfigNotEnabled), num(c.AccessDenied), num(c.BlockedBySCP),
			num(c.RegionDisabled), num(c.Unreachable), notFinished, num(c.NotScanned))
	}
	if pct, ok := t.Evaluations.Compliance(); ok {
		p.line("compliance", "%.1f%% of %s rule evaluations (%s compliant, %s non-compliant, %s insufficient data)",
			100*pct, num(t.Compliant+t.NonCompliant), num(t.Compliant), num(t.NonCompliant), num(t.InsufficientData))
	} else {
		p.line("compliance", "no rule evaluation was compliant or non-compliant")
	}
	p.line("resources", "%s non-compliant (distinct), %s findings (resource × rule), across %s rules", num(t.Resources), num(t.Findings), num(t.Rules))
	if c := s.Comparison; c != nil {
		unknown := ""
		if c.Unknown > 0 {
			unknown = fmt.Sprintf(", %s gone without a record to place them", num(c.Unknown))
		}
		unchecked := ""
		if c.NotPreviouslyChecked > 0 {
			unchecked = fmt.Sprintf(" (and %s not checked last run)", num(c.NotPreviouslyChecked))
		}
		p.line("since", "%s: %s new findings%s, %s resolved, %s still open, %s not re-checked%s",
			c.PreviousRunID, num(c.New), unchecked, num(c.Resolved), num(c.Persisting), num(c.NotRechecked), unknown)
	} else {
		p.line("since", "first run: nothing to compare with yet")
	}
	rules := append([]report.RuleSummary(nil), s.Rules...)
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].Resources > rules[j].Resources }) // distinct resources failing each
	var worst []string
	for _, r := range rules[:min(3, len(rules))] {
		if r.Resources > 0 {
			worst = append(worst, fmt.Sprintf("%s: %s", r.Label(), num(r.Resources)))
		}
	}
	if len(worst) > 0 {
		p.line("worst rules", "%s", strings.Join(worst, "; "))
	}
	fmt.Fprintln(w)
	for _, f := range files {
		if f[1] != "" {
			p.line(f[0], "%s", f[1])
		}
	}
}

type printer struct{ w io.Writer }

func newPrinter(w io.Writer) printer { return printer{w} }

func (p printer) line(label, format string, args ...any) {
	fmt.Fprintf(p.w, "  %-12s %s\n", label, fmt.Sprintf(format, args...))
}

// num formats n with thousands separators.
func num(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + num(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// reportFiles lists a run's report files in out, for printHeadline; the
// re-run input only when it exists.
func reportFiles(out, runID string) [][2]string {
	files := [][2]string{
		{"workbook", localFile(out, run.WorkbookKey(runID))},
		{"summary", localFile(out, run.SummaryKey(runID))},
		{"CSV", localFile(out, run.CSVKey(runID))},
	}
	if rerun := localFile(out, run.RerunInputKey(runID)); fileExists(rerun) {
		files = append(files, [2]string{"re-run input", rerun})
	}
	return files
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
