package report

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/config-report/config-report/internal/catalog"
	"github.com/xuri/excelize/v2"
)

// printedRows is how many rows of a long table its print area holds,
// about a printed page: a resource sheet of a million rows is not printed
// by accident.
const printedRows = 40

// printAllHint says how to print more of a sheet than its print area.
// It is short enough to print whole on the sheet's first page.
const printAllHint = "To print your rows: filter the table, select them and print the selection " +
	"(Excel: Print Selection; LibreOffice: Selected cells). To print every row, clear the print area."

// printArea sets what printing a sheet prints: its columns 1…cols of rows
// 1…last.
func (w *workbook) printArea(name string, cols, last int) error {
	end, err := excelize.CoordinatesToCellName(cols, last, true)
	if err != nil {
		return err
	}
	return w.f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Area", Scope: name, RefersTo: fmt.Sprintf("'%s'!$A$1:%s", name, end),
	})
}

// twoPagesWide prints a sheet two pages wide (as many tall as it takes),
// across then down so a row's two halves are printed one after the other:
// a table of eighteen columns on one page would print at 4 points.
func (w *workbook) twoPagesWide(name string) error {
	two, across := 2, "overThenDown"
	return w.f.SetPageLayout(name, &excelize.PageLayoutOptions{FitToWidth: &two, PageOrder: &across})
}

// resourceTable is a resource sheet's layout: its columns, sized to the
// values counted in csv (nil when there are none), with the account's OU
// path and tags after its name so a team can filter its own rows, and how
// to fill those columns for a row.
type resourceTable struct {
	cols []column
	lens []lengths
	keys []string // the account tags shown
	// accounts finds an account's index in builder.accounts.
	accounts map[string]int
	lastID   string
	last     []any // the account cells of lastID
}

func (w *workbook) newResourceTable(csv *[csvColumns]lengths, more []column, moreLens []lengths) *resourceTable {
	t := &resourceTable{keys: w.tagKeys(), accounts: make(map[string]int, len(w.b.accounts))}
	var c [csvColumns]lengths
	if csv != nil {
		c = *csv
	}
	ou := lengths{}
	tags := make([]lengths, len(t.keys))
	for i := range w.b.accounts {
		a := &w.b.accounts[i]
		t.accounts[a.ID] = i
		ou.add(a.OUPath)
		for j, k := range t.keys {
			tags[j].add(tagValue(a.Tags, k))
		}
	}
	t.cols = append(t.cols, resourceIDColumns[:2]...)
	t.lens = append(t.lens, c[colAccountID], c[colAccountName])
	t.cols = append(t.cols, column{"OU path", 32})
	t.lens = append(t.lens, ou)
	for j, k := range t.keys {
		t.cols = append(t.cols, column{tagTitle(k), 20})
		t.lens = append(t.lens, tags[j])
	}
	// Rule is the base name, or the deployed name when there is none.
	rule := c[colBaseName]
	rule.merge(&c[colRule])
	t.cols = append(t.cols, resourceIDColumns[2:]...)
	t.lens = append(t.lens, c[colRegion], rule, c[colManagedBy], c[colControl], c[colPack], c[colRule], c[colType], c[colID], c[colName])
	t.cols = append(t.cols, more...)
	t.lens = append(t.lens, moreLens...)
	return t
}

// fixedLength counts values that all show as n characters.
func fixedLength(n int) lengths {
	var l lengths
	l.addLen(n)
	return l
}

// accountCells are a row's OU path and account tags; rows come by
// account, so each account's cells are built once.
func (w *workbook) accountCells(t *resourceTable, id string) []any {
	if id == t.lastID && t.last != nil {
		return t.last
	}
	cells := make([]any, 1+len(t.keys))
	if i, ok := t.accounts[id]; ok {
		a := &w.b.accounts[i]
		cells[0] = w.str(a.OUPath)
		for j, k := range t.keys {
			if v := tagValue(a.Tags, k); v != "" {
				cells[1+j] = w.str(v)
			}
		}
	}
	t.lastID, t.last = id, cells
	return cells
}

func (w *workbook) resourceIDCells(t *resourceTable, r *resourceRow, more ...any) []any {
	cells := make([]any, 0, len(t.cols))
	cells = append(cells, w.str(r.AccountID), w.str(r.AccountName))
	cells = append(cells, w.accountCells(t, r.AccountID)...)
	cells = append(cells, w.str(r.Region), w.str(cmp.Or(r.BaseName, r.Rule)), w.str(r.ManagedBy),
		w.str(r.Control), w.str(r.Pack), w.str(r.Rule), w.str(r.Type), w.str(r.ID), w.str(r.Name))
	return append(cells, more...)
}

// resourceLink opens a resource's page in the AWS Config console, or for
// an account-level rule's result, the rule's page; through the access
// portal, in the resource's account.
func (w *workbook) resourceLink(r *resourceRow) any {
	dest, label := resourceDestination(r.Region, r.Rule, r.Type, r.ID)
	return w.link(w.b.opts.Console.open(r.AccountID, dest), label)
}

// resources streams the CSV spool into the Non-compliant resources sheets.
func (w *workbook) resources(ctx context.Context, csvPath string) error {
	n := resourceColumns[len(resourceIDColumns):] // annotation, recorded at, new, first seen, age, reopened, link
	newLens := lengths{}
	if w.b.csvLens != nil {
		newLens = w.b.csvLens[colNew]
	}
	if w.b.firstRun() {
		newLens = fixedLength(len(firstRunText))
	}
	var ann lengths
	if w.b.csvLens != nil {
		ann = w.b.csvLens[colAnnotation]
	}
	t := w.newResourceTable(w.b.csvLens, n, []lengths{ann, fixedLength(len(fmtDate)), newLens,
		fixedLength(len("2006-01-02")), fixedLength(4), fixedLength(2), fixedLength(len("Critical")), fixedLength(len("Open in AWS Config"))})
	return w.split(ctx, SheetResources, t, csvPath, w.b.rows, "No non-compliant resources.", func(r *resourceRow) []any {
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
		return w.resourceIDCells(t, r, w.str(r.Annotation), w.when(r.RecordedAt), w.str(isNew), w.firstSeen(r), w.num(r.Age), w.num(r.Reopened), w.severityCell(r.Severity), w.resourceLink(r))
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
	var ann, status lengths
	if w.b.resolvedLens != nil {
		ann = w.b.resolvedLens[colAnnotation]
	}
	for _, st := range w.b.goneStatus {
		status.add(st)
	}
	t := w.newResourceTable(w.b.resolvedLens, resolvedColumns[len(resourceIDColumns):], []lengths{ann, fixedLength(len(fmtDate)), status})
	return w.split(ctx, SheetResolved, t, spool, w.b.resolvedRows, empty, func(r *resourceRow) []any {
		return w.resourceIDCells(t, r, w.str(r.Annotation), w.when(r.RecordedAt), w.str(w.b.goneStatus[r.findingKey()]))
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
// sheet with the empty text in its first row. A sheet longer than a page
// prints its first rows only, and says so above its table.
func (w *workbook) split(ctx context.Context, base string, t *resourceTable, path string, total int, empty string, cells func(*resourceRow) []any) error {
	per := w.limit - 1
	sheets := max(1, (total+per-1)/per)
	cols := fitColumns(t.cols, t.lens)
	if path == "" || total == 0 {
		sw, row, err := w.table(base, cols, nil, 1)
		if err != nil {
			return err
		}
		if err := w.twoPagesWide(base); err != nil {
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
		var preamble [][]any
		if rows > printedRows {
			preamble = [][]any{{excelize.Cell{StyleID: w.s.note, Value: fmt.Sprintf("Printing prints the first %d rows. %s", printedRows, printAllHint)}}}
		}
		sw, row, err := w.table(name, cols, preamble, rows)
		if err != nil {
			return err
		}
		if err := w.twoPagesWide(name); err != nil {
			return err
		}
		if rows > printedRows {
			if err := w.printArea(name, len(cols), row+printedRows-1); err != nil {
				return err
			}
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

// severityCell is a rule's severity, blank when the catalog has none.
func (w *workbook) severityCell(sev string) any {
	if sev == "" {
		return nil
	}
	return w.str(catalog.Severity(sev).Label())
}

// firstSeen is the day a row's finding was first seen open, as a date.
func (w *workbook) firstSeen(r *resourceRow) any {
	if r.FirstSeen == 0 {
		return nil
	}
	return excelize.Cell{StyleID: w.s.day, Value: timeOfDay(r.FirstSeen)}
}
