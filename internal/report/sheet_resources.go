package report

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/xuri/excelize/v2"
)

func (w *workbook) resourceIDCells(r *resourceRow, more ...any) []any {
	return append([]any{
		w.str(r.AccountID), w.str(r.AccountName), w.str(r.Region), w.str(cmp.Or(r.BaseName, r.Rule)), w.str(r.ManagedBy),
		w.str(r.Control), w.str(r.Pack), w.str(r.Rule), w.str(r.Type), w.str(r.ID), w.str(r.Name),
	}, more...)
}

// resources streams the CSV spool into the Non-compliant resources sheets.
func (w *workbook) resources(ctx context.Context, csvPath string) error {
	total := w.b.rows
	return w.split(ctx, SheetResources, resourceColumns, csvPath, total, "No non-compliant resources.", func(r *resourceRow) []any {
		isNew := r.New
		switch {
		case w.b.firstRun():
			isNew = firstRunText
		case isNew == "true":
			isNew = "yes"
		case isNew == "false":
			isNew = "no"
		case isNew == newNotPreviouslyChecked:
			isNew = "not checked last run"
		}
		return w.resourceIDCells(r, w.str(r.Annotation), w.when(r.RecordedAt), w.str(isNew),
			excelize.Cell{StyleID: w.s.link, Formula: hyperlinkFormula(consoleURL(r.Region, r.Type, r.ID), "Open in AWS Config"), Value: "Open in AWS Config"})
	})
}

func (w *workbook) resolved(ctx context.Context, spool string) error {
	empty := "Nothing was resolved since run " + w.b.in.Previous.runIDOrEmpty() + "."
	switch {
	case w.b.firstRun():
		empty = "First run: there is no previous run to compare with."
	case w.b.resolvedRows == 0 && w.rep.ResolvedNote != "":
		empty = w.rep.ResolvedNote
	}
	if w.b.resolvedRows == 0 {
		spool = ""
	}
	return w.split(ctx, SheetResolved, resolvedColumns, spool, w.b.resolvedRows, empty, func(r *resourceRow) []any {
		return w.resourceIDCells(r, w.str(r.Annotation), w.when(r.RecordedAt), w.str(w.b.goneStatus[r.findingKey()]))
	})
}

func (s *Summary) runIDOrEmpty() string {
	if s == nil {
		return ""
	}
	return s.RunID
}

// split streams the rows of a CSV spool into sheets named base, base 2, …,
// each holding at most limit rows with its header. An empty table gets one
// sheet with the empty text in its first row.
func (w *workbook) split(ctx context.Context, base string, cols []column, path string, total int, empty string, cells func(*resourceRow) []any) error {
	per := w.limit - 1
	sheets := max(1, (total+per-1)/per)
	if path == "" || total == 0 {
		sw, row, err := w.table(base, cols, nil, 1)
		if err != nil {
			return err
		}
		if err := sw.SetRow("A"+strconv.Itoa(row), []any{excelize.Cell{StyleID: w.s.note, Value: empty}}); err != nil {
			return err
		}
		return sw.Flush()
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rr, err := newResourceReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return err
	}
	var r resourceRow
	written := 0
	for n := 1; n <= sheets; n++ {
		name := base
		if n > 1 {
			name = base + " " + strconv.Itoa(n)
		}
		rows := min(per, total-written)
		sw, row, err := w.table(name, cols, nil, rows)
		if err != nil {
			return err
		}
		for range rows {
			if err := rr.next(&r); err != nil {
				if err == io.EOF {
					return fmt.Errorf("%s: %d rows expected, %d found", path, total, written)
				}
				return err
			}
			if err := sw.SetRow("A"+strconv.Itoa(row), cells(&r)); err != nil {
				return err
			}
			row++
			written++
			if written%10_000 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
