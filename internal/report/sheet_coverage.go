package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
)

// coverageOrder is the order of the Coverage sheet's statuses, in its counts
// and its table: what the team running the report can fix first, then what
// an account's owner can, then the organization's choices, then the
// account-regions with results.
var coverageOrder = []string{
	StatusUnreachable, StatusNotScanned, coverageNotFinished, coverageAccessDenied,
	coverageConfigNotEnabled, coverageRecorderOff, coverageBlockedBySCP, coverageRegionDisabled,
	coverageScanned,
}

// coverageRank is a status's place in coverageOrder; a status of a newer
// scanner comes last among the gaps.
func coverageRank(status string) int {
	if i := slices.Index(coverageOrder, status); i >= 0 {
		return i
	}
	return len(coverageOrder) - 1
}

// coverageRows returns the Coverage rows in the sheet's order: the gaps
// (every status but scanned) first, by status, then account and region,
// then the scanned account-regions by account and region.
func (b *builder) coverageRows() []coverageRow {
	rows := slices.Clone(b.coverage)
	slices.SortStableFunc(rows, func(x, y coverageRow) int {
		return cmp.Or(cmp.Compare(coverageRank(x.status), coverageRank(y.status)),
			strings.Compare(b.accounts[x.account].ID, b.accounts[y.account].ID), strings.Compare(x.region, y.region))
	})
	return rows
}

// coverageCounts words the number of account-regions of each status, in
// the sheet's order: "Config not enabled: 193 · access denied: 12 · …".
func coverageCounts(rows []coverageRow) string {
	n := map[string]int{}
	var order []string
	for _, r := range rows { // rows are in the sheet's order
		if n[r.status] == 0 {
			order = append(order, r.status)
		}
		n[r.status]++
	}
	parts := make([]string, len(order))
	for i, st := range order {
		parts[i] = st + ": " + formatCount(n[st])
	}
	return strings.Join(parts, " · ")
}

// formatCount writes n with thousands separators, as the sheets show counts.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// recordedDetail is the Detail column's text for an account or region
// without results: the error as recorded, except the report's own wording
// of a missing or unreadable scan result, which the Reason column already
// says in plain words.
func recordedDetail(raw string) string {
	switch {
	case strings.HasPrefix(raw, "no shard"), strings.HasPrefix(raw, "the shard has no result"):
		return ""
	case strings.HasPrefix(raw, "unreadable shard: "):
		return "unreadable scan result: " + strings.TrimPrefix(raw, "unreadable shard: ")
	}
	return raw
}

// coveragePrintedColumns are the Coverage columns printed: account,
// region, status, reason and figures.
const coveragePrintedColumns = 8

// coveragePrinted is how many of the Coverage sheet's rows are printed: its
// gaps, up to a page of them; a page of rows when there are none.
func coveragePrinted(rows, gaps int) int {
	if gaps == 0 {
		return min(rows, printedRows)
	}
	return min(gaps, printedRows)
}

func (w *workbook) coverage() error {
	// The error as recorded and the recorder come last, out of the
	// printed columns: a page wide is then legible. The detail is clipped
	// to its row: AWS's errors are long (two ARNs per AssumeRole denial)
	// and would make rows a dozen lines high; the cell holds the whole
	// error.
	cols := []column{
		{"Account ID", 15}, {"Account name", 28}, {"OU path", 30}, {"Region", 15}, {"Status", 19},
		{"Reason", 56}, {"Rules", 9}, {"Non-compliant resources", 13}, {"Detail (as recorded)", 36}, {"Recorder", 26},
	}
	rows := w.b.coverageRows()
	gaps := 0
	for gaps < len(rows) && rows[gaps].status != coverageScanned {
		gaps++
	}
	cells := make([][]any, len(rows))
	ls := make([]lengths, len(cols))
	for i, c := range rows {
		a := &w.b.accounts[c.account]
		cells[i] = []any{w.str(a.ID), w.str(a.Name), w.str(a.OUPath), w.str(c.region), w.str(c.status),
			w.wrapped(whatToDo(c.status, c.reason)), w.num(c.rules), w.num(c.resources), w.clipped(recordedDetail(c.reason)), w.str(c.recorder)}
		if !coverageHasResults(c.status) {
			cells[i][6], cells[i][7] = nil, nil // no rule results: blank, not zero
		}
		for j, v := range cells[i] {
			ls[j].addLen(w.cellWidth(v))
		}
	}
	preamble, err := w.coveragePreamble(rows, gaps)
	if err != nil {
		return err
	}
	cols = fitColumns(cols, ls)
	sw, row, err := w.table(SheetCoverage, cols, preamble, len(rows))
	if err != nil {
		return err
	}
	if err := w.printArea(SheetCoverage, coveragePrintedColumns, row+coveragePrinted(len(rows), gaps)-1); err != nil {
		return err
	}
	for _, c := range cells {
		if err := sw.SetRow("A"+strconv.Itoa(row), c, w.rowOpts(c, cols)...); err != nil {
			return err
		}
		row++
	}
	return sw.Flush()
}

// coveragePreamble is what the Coverage sheet says above its table: the
// account-regions by status, the accounts to re-run and how, and what
// printing prints.
func (w *workbook) coveragePreamble(rows []coverageRow, gaps int) ([][]any, error) {
	label := func(s string) []any { return []any{excelize.Cell{StyleID: w.s.label, Value: s}} }
	note := func(s string) []any { return []any{excelize.Cell{StyleID: w.s.note, Value: s}} }
	preamble := [][]any{
		label(fmt.Sprintf("%s account-regions (every account in every configured region) by status, gaps first:",
			formatCount(len(rows)))),
		{w.str(coverageCounts(rows))},
	}
	if rr := w.rep.Rerun; rr != nil {
		b, err := json.Marshal(rr)
		if err != nil {
			return nil, err
		}
		input := string(b)
		if len(input) > MaxCellChars {
			input = "(too long for a cell: use the file below)"
		}
		preamble = append(preamble,
			label(fmt.Sprintf("%s. To scan exactly them again into this run, start an execution of the state machine with this input (also in %s):",
				notScannedText(len(rr.AccountIDs)), run.RerunInputKey(w.b.in.RunID))),
			[]any{w.str(input)})
	} else {
		preamble = append(preamble, label("Every account's scan finished: no re-run is needed."))
	}
	if n := w.b.totals.Unreachable; n > 0 {
		preamble = append(preamble, note(plural(n, "account is", "accounts are")+
			" unreachable (the read role could not be assumed) and not in the re-run input: fix the role first, then re-run them with their IDs."))
	}
	if n := coveragePrinted(len(rows), gaps); n < len(rows) {
		what := fmt.Sprintf("the first %d rows", n)
		switch {
		case n == gaps:
			what = "the " + plural(gaps, "gap", "gaps")
		case n < gaps:
			what = fmt.Sprintf("the first %d gaps", n)
		}
		preamble = append(preamble, note(fmt.Sprintf("Printing prints %s, without the recorded detail and the recorder.", what)), note(printAllHint))
	}
	return preamble, nil
}
