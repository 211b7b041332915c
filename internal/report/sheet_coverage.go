package report

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
)

func (w *workbook) coverage() error {
	cols := []column{
		{"Account ID", 15}, {"Account name", 28}, {"OU path", 30}, {"Region", 15}, {"Status", 18},
		{"Reason", 90}, {"Detail (as recorded)", 40}, {"Recorder", 30}, {"Rules", 9}, {"Non-compliant resources", 13},
	}
	var preamble [][]any
	if rr := w.rep.Rerun; rr != nil {
		b, err := json.Marshal(rr)
		if err != nil {
			return err
		}
		input := string(b)
		if len(input) > MaxCellChars {
			input = "(too long for a cell: use the file below)"
		}
		preamble = [][]any{
			{excelize.Cell{StyleID: w.s.label, Value: fmt.Sprintf("%s. To scan exactly them again into this run, start an execution of the state machine with this input (also in %s):",
				notScannedText(len(rr.AccountIDs)), run.RerunInputKey(w.b.in.RunID))}},
			{w.str(input)},
		}
	} else {
		preamble = [][]any{{excelize.Cell{StyleID: w.s.label, Value: "Every account has a shard: no re-run is needed."}}}
	}
	if n := w.b.totals.Unreachable; n > 0 {
		preamble = append(preamble, []any{excelize.Cell{StyleID: w.s.note, Value: plural(n, "account is", "accounts are") +
			" unreachable (the read role could not be assumed) and not in the re-run input: fix the role first, then re-run them with their IDs."}})
	}
	sw, row, err := w.table(SheetCoverage, cols, preamble, len(w.b.coverage))
	if err != nil {
		return err
	}
	for _, c := range w.b.coverage {
		a := &w.b.accounts[c.account]
		cells := []any{w.str(a.ID), w.str(a.Name), w.str(a.OUPath), w.str(c.region), w.str(c.status), w.str(whatToDo(c.status, c.reason)),
			w.str(c.reason), w.str(c.recorder), w.num(c.rules), w.num(c.resources)}
		if !coverageHasResults(c.status) {
			cells[8], cells[9] = nil, nil // no rule results: blank, not zero
		}
		if err := sw.SetRow("A"+strconv.Itoa(row), cells); err != nil {
			return err
		}
		row++
	}
	return sw.Flush()
}
