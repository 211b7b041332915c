package report

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/config-report/config-report/internal/run"
)

// AgeTotals describe how long the run's open findings have been open, from
// the findings ledger. Since summary version 3 with the ledger; absent
// before.
type AgeTotals struct {
	// Over30 and Over90 count the open findings first seen more than 30
	// and 90 days before the run.
	Over30 int `json:"over30"`
	Over90 int `json:"over90"`
	// OldestDays is the age of the oldest open finding.
	OldestDays int `json:"oldestDays"`
	// Reopened counts the open findings that were resolved before and came
	// back.
	Reopened int `json:"reopened"`
	// Note says why ages start at this run, when they do (a first run, a
	// previous report without a ledger, or a damaged one); "" otherwise.
	Note string `json:"note,omitempty"`
}

// runDay is the day of the run's start, the day its findings' ages are
// counted to.
func (b *builder) runDay() uint32 {
	t, err := run.IDTime(b.in.RunID)
	if err != nil {
		t = b.opts.Now()
	}
	return dayOf(t)
}

// loadLedger reads the previous run's findings ledger. Without one (a
// first run, a previous report built before the ledger was kept) or with a
// damaged one, ages start at this run, and the note says why; the report is
// built either way.
func (b *builder) loadLedger(ctx context.Context) {
	b.day = b.runDay()
	switch {
	case b.in.Previous == nil:
		b.ledgerNote = "first run: finding ages start at this run"
		return
	case b.in.PreviousLedger == nil:
		b.ledgerNote = "finding ages start at this run: the previous run's ledger was not given"
		return
	}
	rc, err := b.in.PreviousLedger(ctx)
	if err == nil {
		defer rc.Close()
		b.prevLedger, err = readLedger(rc)
	}
	switch {
	case err == nil:
	case errors.Is(err, run.ErrNotFound):
		b.ledgerNote = "finding ages start at this run: the previous report (" + b.in.Previous.RunID + ") was built before findings' ages were kept"
	default:
		b.prevLedger = nil
		b.ledgerNote = fmt.Sprintf("finding ages start at this run: the previous run's ledger (%s) cannot be read: %v", run.LedgerKey(b.in.Previous.RunID), err)
		b.opts.Logger.WarnContext(ctx, "findings ledger not read; ages start at this run", "error", err)
	}
}

// history is the history of a finding open in this run.
func (b *builder) history(finding uint64) history {
	return b.prevLedger.historyOf(finding, b.day)
}

// writeLedger writes this run's ledger to path and counts the open
// findings' ages.
func (b *builder) writeLedger(path string) error {
	day := b.day
	l := b.prevLedger.next(b.findings, func(f uint64) bool { return b.goneStatus[f] == notRecheckedText }, day)
	ages := &AgeTotals{Note: b.ledgerNote}
	for _, e := range l {
		if !e.Open || e.LastOpen != day {
			continue
		}
		age := int(day - min(e.FirstSeen, day))
		ages.OldestDays = max(ages.OldestDays, age)
		if age > 30 {
			ages.Over30++
		}
		if age > 90 {
			ages.Over90++
		}
		if e.Reopened > 0 {
			ages.Reopened++
		}
	}
	b.ages = ages
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	if err := l.write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	return nil
}
