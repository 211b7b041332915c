package report

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
)

// Sheet names. Tables longer than a sheet continue on sheets named with a
// number after the base name ("Non-compliant resources 2"); every name stays
// within Excel's 31 characters.
const (
	SheetSummary   = "Summary"
	SheetAccounts  = "Accounts"
	SheetRules     = "Rules"
	SheetResources = "Non-compliant resources"
	SheetResolved  = "Resolved since last run"
	SheetCoverage  = "Coverage"
)

// ComplianceDefinition is how the compliance figure is defined, on the
// Summary sheet and in the docs.
const ComplianceDefinition = "Compliance = compliant ÷ (compliant + non-compliant) rule evaluations, " +
	"where one evaluation is one rule in one account and region. " +
	"Not-applicable and insufficient-data evaluations are left out; with no evaluations the figure is blank."

// firstRunText replaces changes on a first run, so no one mistakes zeros for "no change".
const firstRunText = "first run"

// Number formats.
const (
	fmtCount = "#,##0"
	fmtPct   = "0.0%"
	fmtDate  = "yyyy-mm-dd hh:mm:ss"
	// Changes show an arrow and the delta (the cell stays a number); the
	// font colour says whether the change is good or bad news.
	fmtDelta   = `"▲ "#,##0;"▼ "#,##0;"= 0"`
	fmtDeltaPP = `"▲ "0.00" pp";"▼ "0.00" pp";"= 0.00 pp"`
)

// Fill colours of the compliance cells.
const (
	FillGreen = "C6EFCE"
	FillAmber = "FFEB9C"
	FillRed   = "FFC7CE"
)

type styles struct {
	title, subtitle, header, label, text, wrap, note, count, pct, date, dateLeft, link int
	green, amber, red                                                                  int
	// Change styles by tone (toneNone, toneGood, toneBad).
	delta, deltaPP [3]int
}

// Font colours of good and bad changes.
const (
	FontGood = "007A33"
	FontBad  = "C00000"
)

// polarity says whether a rising figure is good news.
type polarity int

const (
	neutral polarity = iota
	upGood
	upBad
)

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	add := func(dst *int, st *excelize.Style) {
		if err != nil {
			return
		}
		*dst, err = f.NewStyle(st)
	}
	custom := func(v string) *string { return &v }
	border := []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}}
	add(&s.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 16}})
	add(&s.subtitle, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 12}})
	add(&s.header, &excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border:    border,
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"},
	})
	add(&s.label, &excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top"}})
	add(&s.text, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}})
	add(&s.wrap, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	add(&s.note, &excelize.Style{Font: &excelize.Font{Italic: true, Color: "595959"}})
	add(&s.count, &excelize.Style{CustomNumFmt: custom(fmtCount)})
	add(&s.pct, &excelize.Style{CustomNumFmt: custom(fmtPct)})
	add(&s.date, &excelize.Style{CustomNumFmt: custom(fmtDate)})
	add(&s.dateLeft, &excelize.Style{CustomNumFmt: custom(fmtDate), Alignment: &excelize.Alignment{Horizontal: "left"}})
	add(&s.link, &excelize.Style{Font: &excelize.Font{Color: "0563C1", Underline: "single"}})
	fill := func(dst *int, bg, fg string) {
		add(dst, &excelize.Style{
			CustomNumFmt: custom(fmtPct),
			Fill:         excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{bg}},
			Font:         &excelize.Font{Color: fg},
		})
	}
	fill(&s.green, FillGreen, "006100")
	fill(&s.amber, FillAmber, "9C5700")
	fill(&s.red, FillRed, "9C0006")
	for tone, color := range [3]string{"000000", FontGood, FontBad} {
		add(&s.delta[tone], &excelize.Style{CustomNumFmt: custom(fmtDelta), Font: &excelize.Font{Color: color}})
		add(&s.deltaPP[tone], &excelize.Style{CustomNumFmt: custom(fmtDeltaPP), Font: &excelize.Font{Color: color}})
	}
	if err != nil {
		return s, fmt.Errorf("workbook styles: %w", err)
	}
	return s, nil
}

// change returns the style of a change of d: points says it is in
// percentage points.
func (s styles) change(d float64, p polarity, points bool) int {
	if points {
		return s.deltaPP[toneOf(d, p)]
	}
	return s.delta[toneOf(d, p)]
}

// Tones of a change.
const (
	toneNone = iota
	toneGood
	toneBad
)

// toneOf says whether a change of d of a figure of polarity p is good news.
func toneOf(d float64, p polarity) int {
	switch {
	case d == 0 || p == neutral:
		return toneNone
	case (d > 0) == (p == upGood):
		return toneGood
	}
	return toneBad
}

// column is one column of a table sheet.
type column struct {
	title string
	width float64
}

type workbook struct {
	f     *excelize.File
	s     styles
	b     *builder
	rep   *Report
	limit int // rows per sheet, header included
}

// writeWorkbook writes every sheet, in order, to rep.WorkbookPath. Big tables
// are streamed; only the Summary (a few hundred cells and a chart) is built
// in memory.
func writeWorkbook(ctx context.Context, b *builder, rep *Report, resolvedPath string) error {
	f := excelize.NewFile(excelize.Options{TmpDir: rep.Dir})
	defer f.Close()
	s, err := newStyles(f)
	if err != nil {
		return err
	}
	w := &workbook{f: f, s: s, b: b, rep: rep, limit: b.opts.SheetRowLimit}
	if err := f.SetSheetName("Sheet1", SheetSummary); err != nil {
		return fmt.Errorf("workbook: %w", err)
	}
	steps := []struct {
		name string
		fn   func() error
	}{
		{SheetAccounts, w.accounts},
		{SheetRules, w.rules},
		{SheetResources, func() error { return w.resources(ctx, rep.CSVPath) }},
		{SheetResolved, func() error { return w.resolved(ctx, resolvedPath) }},
		{SheetCoverage, w.coverage},
		{SheetSummary, w.summary},
	}
	for _, st := range steps {
		if err := st.fn(); err != nil {
			return fmt.Errorf("workbook sheet %s: %w", st.name, err)
		}
	}
	// Modified must be set too: excelize's template says 2006.
	written := b.opts.Now().UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          "AWS Config compliance " + b.in.RunID,
		Subject:        "AWS Config compliance of every account and region, environment " + b.opts.Environment,
		Creator:        "config-report",
		LastModifiedBy: "config-report",
		Created:        written,
		Modified:       written,
	}); err != nil {
		return fmt.Errorf("workbook properties: %w", err)
	}
	// The Summary, the first sheet, is the active one. (SetActiveSheet would
	// parse every streamed sheet back into memory: never call it here.)
	if err := f.SaveAs(rep.WorkbookPath); err != nil {
		return fmt.Errorf("save workbook: %w", err)
	}
	return nil
}

// table starts a streamed table sheet: widths, the preamble rows above the
// header, the header (frozen, with an autofilter over rows data rows), and
// returns the writer and the first data row.
func (w *workbook) table(name string, cols []column, preamble [][]any, rows int) (*excelize.StreamWriter, int, error) {
	if _, err := w.f.NewSheet(name); err != nil {
		return nil, 0, err
	}
	headerRow := 1
	if len(preamble) > 0 {
		headerRow = len(preamble) + 2
	}
	last, _ := excelize.CoordinatesToCellName(len(cols), headerRow+max(rows, 1))
	if err := w.f.AutoFilter(name, "A"+strconv.Itoa(headerRow)+":"+last, nil); err != nil {
		return nil, 0, err
	}
	if err := w.printLayout(name, headerRow); err != nil {
		return nil, 0, err
	}
	// The stream writer writes the sheet's <dimension> when it is created,
	// and excelize's default is "A1". Readers that trust it (openpyxl with
	// read_only=True) would then see one cell, so state the used range now.
	width := len(cols)
	for _, r := range preamble {
		width = max(width, len(r))
	}
	used, _ := excelize.CoordinatesToCellName(width, headerRow+rows)
	if err := w.f.SetSheetDimension(name, "A1:"+used); err != nil {
		return nil, 0, err
	}
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return nil, 0, err
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, 0, err
		}
	}
	topLeft := "A" + strconv.Itoa(headerRow+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: topLeft, ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: topLeft, ActiveCell: topLeft, Pane: "bottomLeft"}}}); err != nil {
		return nil, 0, err
	}
	for i, r := range preamble {
		if err := sw.SetRow("A"+strconv.Itoa(i+1), r); err != nil {
			return nil, 0, err
		}
	}
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = excelize.Cell{StyleID: w.s.header, Value: c.title}
	}
	if err := sw.SetRow("A"+strconv.Itoa(headerRow), head, excelize.RowOpts{Height: 45}); err != nil {
		return nil, 0, err
	}
	return sw, headerRow + 1, nil
}

// printLayout prints a sheet landscape and one page wide, repeating rows
// 1…repeat (the header) on every page when repeat > 0.
func (w *workbook) printLayout(name string, repeat int) error {
	landscape, one, auto := "landscape", 1, 0
	if err := w.f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &one, FitToHeight: &auto}); err != nil {
		return err
	}
	fit := true
	if err := w.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if repeat == 0 {
		return nil
	}
	return w.f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Titles", Scope: name,
		RefersTo: fmt.Sprintf("'%s'!$1:$%d", name, repeat),
	})
}

func (w *workbook) str(v string) excelize.Cell {
	return excelize.Cell{StyleID: w.s.text, Value: cellText(v)}
}
func (w *workbook) num(v int) excelize.Cell { return excelize.Cell{StyleID: w.s.count, Value: v} }

func (w *workbook) when(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return excelize.Cell{StyleID: w.s.date, Value: t.UTC()}
}

// compliance is a compliance cell; colored says whether to fill it green,
// amber or red by the thresholds.
func (w *workbook) compliance(e Evaluations, colored bool) any {
	v, ok := e.Compliance()
	if !ok {
		return nil
	}
	style := w.s.pct
	if colored {
		d := float64(e.Compliant + e.NonCompliant)
		switch c := float64(e.Compliant) * 100; {
		case c >= w.b.opts.GreenPct*d:
			style = w.s.green
		case c >= w.b.opts.AmberPct*d:
			style = w.s.amber
		default:
			style = w.s.red
		}
	}
	return excelize.Cell{StyleID: style, Value: v}
}

// change is a change cell: the delta with an arrow, or why there is none.
func (w *workbook) change(cur, prev int, hasPrev bool, p polarity, missing string) any {
	switch {
	case w.b.firstRun():
		return w.str(firstRunText)
	case !hasPrev:
		return w.str(missing)
	}
	return excelize.Cell{StyleID: w.s.change(float64(cur-prev), p, false), Value: cur - prev}
}

// countedByRowsText replaces a change in resources against a summary that
// counted rows, not distinct resources.
const countedByRowsText = "not comparable: counted by rows last run"

// prevCountsRows reports whether the previous run's summary (before version
// 3) counted resources by rows of the resource sheet.
func (b *builder) prevCountsRows() bool {
	return b.in.Previous != nil && b.in.Previous.beforeV3()
}

// resourceChange is change for a count of distinct resources: not compared
// with a summary that counted rows.
func (w *workbook) resourceChange(cur, prev int, hasPrev bool, missing string) any {
	if hasPrev && w.b.prevCountsRows() {
		return w.str(countedByRowsText)
	}
	return w.change(cur, prev, hasPrev, upBad, missing)
}

// accountDelta says whether an account's figures compare with the previous
// run's (both scanned), and when not, what to show instead ("" for nothing).
func (w *workbook) accountDelta(a, prev *AccountSummary) (note string, ok bool) {
	switch {
	case w.b.firstRun():
		return firstRunText, false
	case prev == nil:
		return "new account", false
	case !hasResults(a.Status):
		return "", false
	case !hasResults(prev.Status):
		return "no results last run", false
	}
	return "", true
}

// complianceChange is the change of a compliance figure in percentage points.
func (w *workbook) complianceChange(cur, prev Evaluations, hasPrev bool, missing string) any {
	switch {
	case w.b.firstRun():
		return w.str(firstRunText)
	case !hasPrev:
		return w.str(missing)
	}
	c, ok1 := cur.Compliance()
	p, ok2 := prev.Compliance()
	if !ok1 || !ok2 {
		return nil
	}
	d := roundPP((c - p) * 100)
	return excelize.Cell{StyleID: w.s.change(d, upGood, true), Value: d}
}

// roundPP rounds percentage points to 0.01, the precision the sheets show, so
// float noise never shows as ▲ 0.00 and a real change never shows as 0.0.
func roundPP(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	return r
}

// tagKeys are the account tag columns: owner and team first, then any other
// tag the lister read.
func (w *workbook) tagKeys() []string {
	keys := []string{"owner", "team"}
	extra := map[string]bool{}
	for _, a := range w.b.accounts {
		for k := range a.Tags {
			if !slices.Contains(keys, strings.ToLower(k)) {
				extra[k] = true
			}
		}
	}
	return append(keys, slices.Sorted(maps.Keys(extra))...)
}

func tagValue(tags map[string]string, key string) string {
	if v, ok := tags[key]; ok {
		return v
	}
	for k, v := range tags {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return ""
}

func (w *workbook) accounts() error {
	keys := w.tagKeys()
	cols := []column{{"Account ID", 15}, {"Account name", 28}, {"OU path", 32}}
	for _, k := range keys {
		cols = append(cols, column{strings.ToUpper(k[:1]) + k[1:], 18})
	}
	cols = append(cols,
		column{"Status", 17}, column{"Reason", 90}, column{"Detail (as recorded)", 30}, column{"Regions scanned", 10},
		column{"Evaluations compliant", 12}, column{"Evaluations non-compliant", 13}, column{"Evaluations not applicable", 13},
		column{"Evaluations insufficient data", 13}, column{"Non-compliant resources", 13}, column{"Findings (resource × rule)", 13},
		column{"Compliance", 12}, column{"Compliance change", 13}, column{"Resources change", 13})
	sw, row, err := w.table(SheetAccounts, cols, nil, len(w.b.accounts))
	if err != nil {
		return err
	}
	for i := range w.b.accounts {
		a := &w.b.accounts[i]
		prev := w.b.prevAccount[a.ID]
		var compChange, resChange any
		if note, ok := w.accountDelta(a, prev); ok {
			compChange = w.complianceChange(a.Evaluations, prev.Evaluations, true, "")
			resChange = w.resourceChange(a.Resources, prev.Resources, true, "")
		} else if note != "" {
			compChange, resChange = w.str(note), w.str(note)
		}
		cells := []any{w.str(a.ID), w.str(a.Name), w.str(a.OUPath)}
		for _, k := range keys {
			cells = append(cells, w.str(tagValue(a.Tags, k)))
		}
		detail := ""
		if a.Status == StatusUnreachable || a.Status == StatusNotScanned {
			detail = a.Reason // partly read accounts: the Coverage sheet has each region's
		}
		cells = append(cells, w.str(a.Status), w.str(accountWhatToDo(a)), w.str(detail))
		if hasResults(a.Status) {
			cells = append(cells, w.num(a.RegionsScanned),
				w.num(a.Compliant), w.num(a.NonCompliant), w.num(a.NotApplicable), w.num(a.InsufficientData),
				w.num(a.Resources), w.num(a.Findings), w.compliance(a.Evaluations, true), compChange, resChange)
		} else { // no figures: blank, not zeros
			cells = append(cells, nil, nil, nil, nil, nil, nil, nil, nil, compChange, resChange)
		}
		if err := sw.SetRow("A"+strconv.Itoa(row), cells); err != nil {
			return err
		}
		row++
	}
	return sw.Flush()
}

// managedBy is the Rules sheet's "Managed by": who deploys the rule, and
// "proactive only" for a rule without detective results.
func managedBy(r *RuleSummary) string {
	label := r.identity().Manager.Label()
	if r.ProactiveOnly {
		label += " · proactive only"
	}
	return label
}

func (w *workbook) rules() error {
	rules := w.rep.Summary.Rules
	cols := []column{
		{"Rule", 40}, {"Managed by", 26}, {"Security Hub control", 17}, {"Deployed names", 10},
		{"Source", 14}, {"Identifier", 34}, {"Conformance packs", 30},
		{"Accounts non-compliant", 13}, {"Accounts compliant", 13},
		{"Evaluations compliant", 12}, {"Evaluations non-compliant", 13}, {"Evaluations not applicable", 13},
		{"Evaluations insufficient data", 13}, {"Evaluation errors", 11}, {"Non-compliant resources", 13},
		{"Compliance", 12}, {"Accounts non-compliant change", 14}, {"Resources change", 13},
	}
	sw, row, err := w.table(SheetRules, cols, nil, len(rules))
	if err != nil {
		return err
	}
	for i := range rules {
		r := &rules[i]
		prev, hasPrev := w.b.prevRule.lookup(r)
		var pa, pr int
		if hasPrev {
			pa, pr = prev.AccountsNonCompliant, prev.Resources
		}
		cells := []any{
			w.str(r.BaseName), w.str(managedBy(r)), w.str(r.ControlID), w.num(r.DeployedNames),
			w.str(r.Source), w.str(r.Identifier), w.str(strings.Join(r.ConformancePacks, ", ")),
			w.num(r.AccountsNonCompliant), w.num(r.AccountsCompliant),
			w.num(r.Compliant), w.num(r.NonCompliant), w.num(r.NotApplicable), w.num(r.InsufficientData),
			w.num(r.EvaluationErrors), w.num(r.Resources), w.compliance(r.Evaluations, false),
			w.change(r.AccountsNonCompliant, pa, hasPrev, upBad, "new rule"),
			w.resourceChange(r.Resources, pr, hasPrev, "new rule"),
		}
		if err := sw.SetRow("A"+strconv.Itoa(row), cells); err != nil {
			return err
		}
		row++
	}
	return sw.Flush()
}

// resourceIDColumns open both resource sheets: where, which rule (named as
// the Rules sheet names it: base name, manager, control, pack; then as
// deployed) and which resource. resourceIDCells fills them.
var resourceIDColumns = []column{
	{"Account ID", 15}, {"Account name", 24}, {"Region", 14}, {"Rule", 36}, {"Managed by", 18},
	{"Security Hub control", 12}, {"Conformance pack", 24}, {"Deployed rule name", 40}, {"Resource type", 28},
	{"Resource ID", 40}, {"Resource name", 28},
}

func (w *workbook) resourceIDCells(r *resourceRow, more ...any) []any {
	return append([]any{
		w.str(r.AccountID), w.str(r.AccountName), w.str(r.Region), w.str(cmp.Or(r.BaseName, r.Rule)), w.str(r.ManagedBy),
		w.str(r.Control), w.str(r.Pack), w.str(r.Rule), w.str(r.Type), w.str(r.ID), w.str(r.Name),
	}, more...)
}

var resourceColumns = append(slices.Clone(resourceIDColumns),
	column{"Annotation", 50}, column{"Recorded at (UTC)", 21}, column{"New since last run", 11}, column{"Link", 18})

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

var resolvedColumns = append(slices.Clone(resourceIDColumns),
	column{"Last annotation", 50}, column{"Last recorded at (UTC)", 22}, column{"Status", 30})

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

// figure is one headline figure of the Summary sheet and the e-mail.
type figure struct {
	Label    string
	Cur      float64
	Prev     float64
	HasPrev  bool
	Pct      bool // a fraction shown as a percentage; its change is in points
	Defined  bool // false when the figure (a compliance) is undefined
	PrevDef  bool
	Polarity polarity
	// Missing and PrevMissing are shown instead of a value that was not
	// recorded (the organization's totals of a run without them); "" leaves
	// the cell blank.
	Missing, PrevMissing string
}

// Shown instead of the organization's totals of a run that has none.
const (
	unavailableText = "unavailable"
	notRecordedText = "not recorded"
)

// Change returns the change since the previous run: a count, or percentage points.
func (f figure) Change() (float64, bool) {
	if !f.HasPrev || !f.Defined || !f.PrevDef {
		return 0, false
	}
	if f.Pct {
		return roundPP((f.Cur - f.Prev) * 100), true
	}
	return f.Cur - f.Prev, true
}

// figures are the headline figures of cur compared with prev (nil on a first run).
func figures(cur, prev *Summary) []figure {
	count := func(label string, c int, p func(*Summary) int, pol polarity) figure {
		f := figure{Label: label, Cur: float64(c), Defined: true, PrevDef: true, Polarity: pol}
		if prev != nil {
			f.HasPrev, f.Prev = true, float64(p(prev))
		}
		return f
	}
	comp := figure{Label: "Overall compliance", Pct: true, Polarity: upGood}
	comp.Cur, comp.Defined = cur.Totals.Compliance()
	if prev != nil {
		comp.HasPrev = true
		comp.Prev, comp.PrevDef = prev.Totals.Compliance()
	}
	// The organization's totals and the coverage are in runs that recorded
	// them only.
	var prevOrg *OrganizationTotals
	var prevCov *CoverageTotals
	if prev != nil {
		prevOrg, prevCov = prev.Totals.Organization, prev.Totals.Coverage
	}
	org := func(label string, v func(*OrganizationTotals) int) figure {
		return recordedFigure(label, neutral, cur.Totals.Organization, prevOrg, prev != nil, v)
	}
	cov := func(label string, v func(*CoverageTotals) int, pol polarity) figure {
		return recordedFigure(label, pol, cur.Totals.Coverage, prevCov, prev != nil, v)
	}
	// Figures since version 3: runs before it did not record them, counted
	// accounts without rule results as scanned, and counted resources by
	// rows (one per region and deployed rule).
	since3 := func(label string, c int, p func(*Summary) int, pol polarity) figure {
		f := count(label, c, p, pol)
		if prev != nil && prev.beforeV3() {
			f.PrevDef, f.PrevMissing = false, notRecordedText
		}
		return f
	}
	share := figure{Label: "Coverage: account-regions with rule results", Pct: true, Polarity: upGood}
	share.Cur, share.Defined = cur.Totals.Coverage.Share()
	if prev != nil {
		share.HasPrev, share.PrevMissing = true, notRecordedText
		share.Prev, share.PrevDef = prev.Totals.Coverage.Share()
	}
	t := cur.Totals
	return []figure{
		org("Accounts in the organization", func(o *OrganizationTotals) int { return o.Accounts }),
		org("Accounts not active (suspended, closing, closed)", func(o *OrganizationTotals) int { return o.Inactive }),
		org("Accounts excluded by configuration", func(o *OrganizationTotals) int { return o.Excluded }),
		count("Accounts in this run", t.Accounts, func(s *Summary) int { return s.Totals.Accounts }, neutral),
		since3("Accounts scanned (rule results read)", t.Scanned, func(s *Summary) int { return s.Totals.Scanned }, upGood),
		since3("  of which partially scanned", t.Partial, func(s *Summary) int { return s.Totals.Partial }, upBad),
		since3("Accounts with no data (role assumed, no rule results)", t.NoData, func(s *Summary) int { return s.Totals.NoData }, upBad),
		count("Accounts unreachable", t.Unreachable, func(s *Summary) int { return s.Totals.Unreachable }, upBad),
		count("Accounts not scanned", t.NotScanned, func(s *Summary) int { return s.Totals.NotScanned }, upBad),
		count("Regions", len(cur.Regions), func(s *Summary) int { return len(s.Regions) }, neutral),
		comp,
		share,
		cov("Account-regions in this run (accounts × regions)", func(c *CoverageTotals) int { return c.AccountRegions }, neutral),
		cov("  with rule results", func(c *CoverageTotals) int { return c.WithResults }, upGood),
		cov("    of which the recorder is off (results may be stale)", func(c *CoverageTotals) int { return c.RecorderStopped }, upBad),
		cov("  Config not enabled", func(c *CoverageTotals) int { return c.ConfigNotEnabled }, upBad),
		cov("  access denied to the read role", func(c *CoverageTotals) int { return c.AccessDenied }, upBad),
		cov("  blocked by a service control policy", func(c *CoverageTotals) int { return c.BlockedBySCP }, neutral),
		cov("  region not enabled for the account", func(c *CoverageTotals) int { return c.RegionDisabled }, neutral),
		cov("  account unreachable", func(c *CoverageTotals) int { return c.Unreachable }, upBad),
		cov("  not finished (account too large for the function's timeout)", func(c *CoverageTotals) int { return c.NotFinished }, upBad),
		cov("  not scanned", func(c *CoverageTotals) int { return c.NotScanned }, upBad),
		count("Rule evaluations compliant", t.Compliant, func(s *Summary) int { return s.Totals.Compliant }, upGood),
		count("Rule evaluations non-compliant", t.NonCompliant, func(s *Summary) int { return s.Totals.NonCompliant }, upBad),
		count("Rule evaluations not applicable", t.NotApplicable, func(s *Summary) int { return s.Totals.NotApplicable }, neutral),
		count("Rule evaluations with insufficient data", t.InsufficientData, func(s *Summary) int { return s.Totals.InsufficientData }, upBad),
		count("Rules", t.Rules, func(s *Summary) int { return s.Totals.Rules }, neutral),
		since3("Non-compliant resources (distinct)", t.Resources, func(s *Summary) int { return s.Totals.Resources }, upBad),
		since3("Findings (non-compliant resource × rule)", t.Findings, func(s *Summary) int { return s.Totals.Findings }, upBad),
	}
}

// recordedFigure is a count from a part of the totals a run may not have
// recorded (nil): "unavailable" for this run, "not recorded" for the
// previous one (hasPrev), and no change unless both have it.
func recordedFigure[T any](label string, pol polarity, cur, prev *T, hasPrev bool, v func(*T) int) figure {
	f := figure{Label: label, Polarity: pol, Missing: unavailableText}
	if cur != nil {
		f.Cur, f.Defined = float64(v(cur)), true
	}
	if hasPrev {
		f.HasPrev, f.PrevMissing = true, notRecordedText
		if prev != nil {
			f.Prev, f.PrevDef = float64(v(prev)), true
		}
	}
	return f
}

// organizationText says where the organization's totals come from, or why
// the run has none.
func (w *workbook) organizationText() string {
	o := w.b.in.Organization
	if o == nil {
		why := cmp.Or(w.b.in.OrganizationMissing, "none were recorded")
		return "Totals unavailable for this run: " + why + ". Only the run's own accounts (its manifests) are counted."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Listed by ListAccounts at %s UTC; re-runs do not change these totals.", o.ListedAt.UTC().Format("2006-01-02 15:04:05"))
	if len(o.Inactive) > 0 {
		parts := make([]string, 0, len(o.Inactive))
		for _, st := range inactiveStates(o.Inactive) {
			parts = append(parts, fmt.Sprintf("%d %s", o.Inactive[st], stateText(st)))
		}
		b.WriteString(" Not active: " + strings.Join(parts, ", ") + ".")
	}
	if o.Untagged > 0 {
		b.WriteString(" Tags not read (ListAccounts' deadline came near): " + plural(o.Untagged, "account", "accounts") +
			", whose tag columns are blank.")
	}
	if len(o.IncludeOUs) > 0 {
		b.WriteString(" Only the accounts in INCLUDE_OUS (" + strings.Join(o.IncludeOUs, ", ") + ") are counted.")
	}
	if len(o.ExcludeOUs) > 0 {
		b.WriteString(" The accounts in EXCLUDE_OUS (" + strings.Join(o.ExcludeOUs, ", ") + ") are not counted.")
	}
	return b.String()
}

// stateOrder is the order inactive account states are shown in.
var stateOrder = []string{"SUSPENDED", "PENDING_CLOSURE", "CLOSED", "PENDING_ACTIVATION"}

// inactiveStates returns the states of m in stateOrder, then any other by name.
func inactiveStates(m map[string]int) []string {
	var out []string
	for _, st := range stateOrder {
		if _, ok := m[st]; ok {
			out = append(out, st)
		}
	}
	for _, st := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(stateOrder, st) {
			out = append(out, st)
		}
	}
	return out
}

// stateText is how the Summary names an account state.
func stateText(state string) string {
	if state == "PENDING_CLOSURE" {
		return "closing"
	}
	return strings.ToLower(strings.ReplaceAll(state, "_", " "))
}

// summary fills the Summary sheet in memory: the run, the headline figures
// and their changes, the top tens, and compliance by OU with a chart.
func (w *workbook) summary() error {
	const sh = SheetSummary
	f, s, sum := w.f, w.s, w.rep.Summary
	prev := w.b.in.Previous
	set := func(cell string, v any, style int) {
		_ = f.SetCellValue(sh, cell, v)
		if style != 0 {
			_ = f.SetCellStyle(sh, cell, cell, style)
		}
	}
	at := func(col string, row int) string { return col + strconv.Itoa(row) }
	for col, width := range map[string]float64{"A": 64, "B": 28, "C": 28, "D": 22, "E": 22, "F": 22} {
		if err := f.SetColWidth(sh, col, col, width); err != nil {
			return err
		}
	}
	if err := w.printLayout(sh, 0); err != nil {
		return err
	}
	set("A1", "AWS Config compliance report", s.title)
	started, _ := run.IDTime(sum.RunID)
	compared := "First run: there is no previous report to compare with, so no changes are shown."
	if prev != nil {
		compared = prev.RunID
	}
	orgText := w.organizationText()
	complianceText := ComplianceDefinition
	proactive := 0
	for i := range sum.Rules {
		if sum.Rules[i].ProactiveOnly {
			proactive++
		}
	}
	if proactive > 0 {
		complianceText += " " + plural(proactive, "rule is", "rules are") + " evaluated only proactively (marked \"proactive only\" on the Rules sheet): " +
			"no detective results, so in no figure."
	}
	info := []struct {
		label string
		value any
		lines int // > 0: a paragraph across B:F, this many lines high
	}{
		{"Run", sum.RunID, 0},
		{"Started (UTC)", started, 0},
		{"Environment", sum.Environment, 0},
		{"Regions", strings.Join(sum.Regions, ", "), 0},
		{"Organization", orgText, max(2, (utf8.RuneCountInString(orgText)+99)/100)},
		{"Compared with", compared, 0},
		{"Compliance", complianceText, max(3, (utf8.RuneCountInString(complianceText)+99)/100)},
	}
	row := 3
	for _, kv := range info {
		set(at("A", row), kv.label, s.label)
		style := s.text
		if _, ok := kv.value.(time.Time); ok {
			style = s.dateLeft
		}
		set(at("B", row), kv.value, style)
		if kv.lines > 0 {
			if err := f.MergeCell(sh, at("B", row), at("F", row)); err != nil {
				return err
			}
			_ = f.SetCellStyle(sh, at("B", row), at("F", row), s.wrap)
			_ = f.SetRowHeight(sh, row, 15*float64(kv.lines))
		}
		row++
	}

	row++
	header := func(titles ...string) {
		for i, t := range titles {
			c, _ := excelize.CoordinatesToCellName(i+1, row)
			set(c, t, s.header)
		}
		_ = f.SetRowHeight(sh, row, 30)
		row++
	}
	header("Figure", "This run", "Previous run", "Change")
	for _, fg := range figures(sum, prev) {
		set(at("A", row), fg.Label, s.text)
		valStyle := s.count
		if fg.Pct {
			valStyle = s.pct
		}
		switch {
		case fg.Defined:
			set(at("B", row), fg.Cur, valStyle)
		case fg.Missing != "":
			set(at("B", row), fg.Missing, s.note)
		}
		switch {
		case prev == nil:
			set(at("C", row), "—", s.text)
			set(at("D", row), firstRunText, s.text)
		default:
			switch {
			case fg.PrevDef:
				set(at("C", row), fg.Prev, valStyle)
			case fg.PrevMissing != "":
				set(at("C", row), fg.PrevMissing, s.note)
			}
			if d, ok := fg.Change(); ok {
				set(at("D", row), d, s.change(d, fg.Polarity, fg.Pct))
			}
		}
		row++
	}
	if c := sum.Comparison; c != nil {
		for _, kv := range []struct {
			label string
			n     int
		}{
			{"New findings", c.New},
			{"Findings not previously checked (account or region not read last run)", c.NotPreviouslyChecked},
			{"Findings still open since the previous run", c.Persisting},
			{"Findings resolved since the previous run", c.Resolved},
			{"Findings not re-checked (account or region not scanned now)", c.NotRechecked},
			{"Findings unknown (not in the previous run's CSV)", c.Unknown},
		} {
			set(at("A", row), kv.label, s.text)
			set(at("B", row), kv.n, s.count)
			row++
		}
		if w.rep.ResolvedNote != "" {
			set(at("A", row), w.rep.ResolvedNote, s.note)
			row++
		}
	} else {
		set(at("A", row), "New and resolved findings are shown from the second run on.", s.note)
		row++
	}

	// The ten rules failing in most accounts.
	row++
	set(at("A", row), "Top 10 rules failing in most accounts", s.subtitle)
	row++
	header("Rule", "Accounts non-compliant", "Non-compliant resources", "Change in accounts non-compliant")
	rules := slices.Clone(sum.Rules)
	slices.SortFunc(rules, func(a, b RuleSummary) int {
		return cmp.Or(cmp.Compare(b.AccountsNonCompliant, a.AccountsNonCompliant), cmp.Compare(b.Resources, a.Resources), strings.Compare(a.BaseName, b.BaseName))
	})
	n := 0
	for _, r := range rules {
		if r.AccountsNonCompliant == 0 || n == 10 {
			break
		}
		set(at("A", row), r.identity().String(), s.text)
		set(at("B", row), r.AccountsNonCompliant, s.count)
		set(at("C", row), r.Resources, s.count)
		p, ok := w.b.prevRule.lookup(&r)
		w.setChange(at("D", row), r.AccountsNonCompliant, p.accountsNonCompliant(), ok, "new rule")
		row++
		n++
	}
	if n == 0 {
		set(at("A", row), "No rule is non-compliant in any account.", s.note)
		row++
	}

	// The ten accounts with most non-compliant resources.
	row++
	set(at("A", row), "Top 10 accounts with most non-compliant resources", s.subtitle)
	row++
	header("Account ID", "Account name", "OU path", "Non-compliant resources", "Change")
	accounts := slices.Clone(sum.Accounts)
	slices.SortFunc(accounts, func(a, b AccountSummary) int {
		return cmp.Or(cmp.Compare(b.Resources, a.Resources), strings.Compare(a.ID, b.ID))
	})
	n = 0
	for _, a := range accounts {
		if a.Resources == 0 || n == 10 {
			break
		}
		set(at("A", row), a.ID, s.text)
		set(at("B", row), a.Name, s.text)
		set(at("C", row), a.OUPath, s.text)
		set(at("D", row), a.Resources, s.count)
		if note, ok := w.accountDelta(&a, w.b.prevAccount[a.ID]); ok && !w.b.prevCountsRows() {
			w.setChange(at("E", row), a.Resources, w.b.prevAccount[a.ID].Resources, true, "")
		} else if ok {
			set(at("E", row), countedByRowsText, s.text)
		} else {
			set(at("E", row), note, s.text)
		}
		row++
		n++
	}
	if n == 0 {
		set(at("A", row), "No account has non-compliant resources.", s.note)
		row++
	}

	// Compliance by OU, with a chart of the OUs with most accounts.
	row++
	set(at("A", row), "Compliance by OU", s.subtitle)
	row++
	header("OU path", "Accounts", "Scanned", "Compliance", "Non-compliant resources")
	ous := slices.Clone(sum.OUs)
	slices.SortFunc(ous, func(a, b OUSummary) int {
		return cmp.Or(cmp.Compare(b.Accounts, a.Accounts), strings.Compare(a.Path, b.Path))
	})
	first := row
	for _, o := range ous {
		set(at("A", row), cmp.Or(o.Path, "(no OU)"), s.text)
		set(at("B", row), o.Accounts, s.count)
		set(at("C", row), o.Scanned, s.count)
		if v, ok := o.Compliance(); ok {
			set(at("D", row), v, s.pct)
		}
		set(at("E", row), o.Resources, s.count)
		row++
	}
	if len(ous) > 0 {
		const maxBars = 25
		last := first + min(len(ous), maxBars) - 1
		title := "Compliance by OU"
		if len(ous) > maxBars {
			title = fmt.Sprintf("Compliance of the %d OUs with most accounts", maxBars)
		}
		minV, maxV := 0.0, 1.0
		chart := &excelize.Chart{
			Type: excelize.Bar,
			Series: []excelize.ChartSeries{{
				Name:       "'" + sh + "'!$D$" + strconv.Itoa(first-1),
				Categories: fmt.Sprintf("'%s'!$A$%d:$A$%d", sh, first, last),
				Values:     fmt.Sprintf("'%s'!$D$%d:$D$%d", sh, first, last),
				Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"4472C4"}},
			}},
			Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
			Legend:    excelize.ChartLegend{Position: "none"},
			XAxis:     excelize.ChartAxis{ReverseOrder: true, Font: excelize.Font{Color: "404040"}},
			YAxis:     excelize.ChartAxis{Minimum: &minV, Maximum: &maxV, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, MajorGridLines: true, Font: excelize.Font{Color: "404040"}},
			Dimension: excelize.ChartDimension{Width: 640, Height: uint(max(320, 22*(last-first+1)+90))},
			Format:    excelize.GraphicOptions{OffsetX: 10},
		}
		if err := f.AddChart(sh, at("G", first-1), chart); err != nil {
			return err
		}
	}
	return setUsedRange(f, sh)
}

// setUsedRange states the used range of a sheet written cell by cell:
// excelize leaves its <dimension> at "A1", which readers that trust it
// (openpyxl with read_only=True) take as the whole sheet.
func setUsedRange(f *excelize.File, sheet string) error {
	rows, err := f.GetRows(sheet)
	if err != nil {
		return err
	}
	width := 1
	for _, r := range rows {
		width = max(width, len(r))
	}
	used, _ := excelize.CoordinatesToCellName(width, max(1, len(rows)))
	return f.SetSheetDimension(sheet, "A1:"+used)
}

func (w *workbook) setChange(cell string, cur, prev int, hasPrev bool, missing string) {
	var v any
	switch {
	case w.b.firstRun():
		v = firstRunText
	case !hasPrev:
		v = missing
	default:
		_ = w.f.SetCellValue(SheetSummary, cell, cur-prev)
		_ = w.f.SetCellStyle(SheetSummary, cell, cell, w.s.change(float64(cur-prev), upBad, false))
		return
	}
	_ = w.f.SetCellValue(SheetSummary, cell, v)
	_ = w.f.SetCellStyle(SheetSummary, cell, cell, w.s.text)
}

func (r *RuleSummary) accountsNonCompliant() int {
	if r == nil {
		return 0
	}
	return r.AccountsNonCompliant
}

// plural returns "1 account" or "3 accounts", with the words given.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return groupThousands(int64(n)) + " " + many
}

// notScannedText says how many accounts were not scanned.
func notScannedText(n int) string { return plural(n, "account was", "accounts were") + " not scanned" }

// writeJSONFile writes v as indented JSON to path.
func writeJSONFile(path string, v any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(v); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
