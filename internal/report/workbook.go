package report

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
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
	// Changes show an arrow, the delta and whether it is better or worse
	// (the cell stays a number): see deltaFormat.
)

// Fill colours of the compliance cells.
const (
	FillGreen = "C6EFCE"
	FillAmber = "FFEB9C"
	FillRed   = "FFC7CE"
)

type styles struct {
	title, subtitle, header, label, kpiLabel, kpiNote, text, wrap, note, noteWrap, count, pct, date, dateLeft, day, link int
	green, amber, red                                                                                                    int
	// Change styles by tone (toneNone, toneGood, toneBad).
	delta, deltaPP [3]int
	// clip wraps text within the row's height, which it does not set
	// (rowOpts): a long recorded error shows its start, not across the page.
	clip int
}

// Font colours of good and bad changes: blue and orange, which readers
// with red-green colour blindness tell apart (Okabe & Ito's palette), and
// the words "better" and "worse" in the number format say it without
// colour.
const (
	FontGood = "0072B2"
	FontBad  = "D55E00"
)

// The workbook's one typeface and size. Arial is on every Windows and Mac;
// LibreOffice substitutes the metric-compatible Liberation Sans, so columns
// keep their widths and headers do not fall back to a serif face.
const (
	FontFamily = "Arial"
	FontSize   = 10
)

// deadBandPP is the largest change in percentage points shown neutral,
// neither better nor worse: as the sheets show it (to 0.1 pp), such a change
// is noise, one evaluation in a thousand.
const deadBandPP = 0.1

// withinDeadBand reports whether a change of d percentage points, rounded
// as shown, is within the dead band.
func withinDeadBand(d float64) bool { return math.Abs(roundPP(d)) <= deadBandPP }

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
		if st.Font == nil {
			st.Font = &excelize.Font{}
		}
		st.Font.Family = FontFamily
		if st.Font.Size == 0 {
			st.Font.Size = FontSize
		}
		if st.Alignment == nil {
			// Top, as the labels and wrapped text beside them are.
			st.Alignment = &excelize.Alignment{Vertical: "top"}
		}
		*dst, err = f.NewStyle(st)
	}
	if err := f.SetDefaultFont(FontFamily); err != nil {
		return s, fmt.Errorf("workbook font: %w", err)
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
	add(&s.kpiLabel, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 11}, Alignment: &excelize.Alignment{Vertical: "top"}})
	add(&s.text, &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top"}})
	add(&s.wrap, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	add(&s.clip, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top", Horizontal: "left"}})
	add(&s.note, &excelize.Style{Font: &excelize.Font{Italic: true, Color: "595959"}})
	add(&s.kpiNote, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top", Indent: 1}})
	add(&s.noteWrap, &excelize.Style{Font: &excelize.Font{Italic: true, Color: "595959"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	add(&s.count, &excelize.Style{CustomNumFmt: custom(fmtCount)})
	add(&s.pct, &excelize.Style{CustomNumFmt: custom(fmtPct)})
	add(&s.date, &excelize.Style{CustomNumFmt: custom(fmtDate)})
	add(&s.day, &excelize.Style{CustomNumFmt: custom("yyyy-mm-dd")})
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
		word := [3]string{"", " better", " worse"}[tone]
		add(&s.delta[tone], &excelize.Style{CustomNumFmt: custom(deltaFormat(`#,##0`, "", word)), Font: &excelize.Font{Color: color}})
		add(&s.deltaPP[tone], &excelize.Style{CustomNumFmt: custom(deltaFormat(`0.0`, " pp", word)), Font: &excelize.Font{Color: color}})
	}
	if err != nil {
		return s, fmt.Errorf("workbook styles: %w", err)
	}
	return s, nil
}

// deltaFormat is the number format of a change: an arrow and the change in
// num's format with unit, then word ("better", "worse" or none), for rises,
// falls and no change; the cell stays a number.
func deltaFormat(num, unit, word string) string {
	q := func(s string) string { return `"` + s + `"` }
	return q("▲ ") + num + q(unit+word) + ";" + q("▼ ") + num + q(unit+word) + ";" + q("= ") + num + q(unit)
}

// change returns the style of a change of d: points says it is in
// percentage points, where changes within the dead band are neutral.
func (s styles) change(d float64, p polarity, points bool) int {
	if points {
		if withinDeadBand(d) {
			p = neutral
		}
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
	// charts holds what the charts show, written into their caches once
	// the workbook is saved.
	charts *chartCache
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
	w := &workbook{f: f, s: s, b: b, rep: rep, limit: b.opts.SheetRowLimit, charts: newChartCache()}
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
	return fillChartCaches(rep.WorkbookPath, w.charts)
}

// table starts a streamed table sheet: widths, the preamble rows above the
// header, the header (frozen with the first column, repeated on printed
// pages, with an autofilter over rows data rows), and returns the writer
// and the first data row.
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
	// Only the header row repeats on every printed page: a preamble above
	// it (the Coverage sheet's re-run input) is printed once.
	if err := w.printLayout(name, 0); err != nil {
		return nil, 0, err
	}
	if err := w.f.SetDefinedName(&excelize.DefinedName{
		Name: "_xlnm.Print_Titles", Scope: name, RefersTo: fmt.Sprintf("'%s'!$%d:$%d", name, headerRow, headerRow),
	}); err != nil {
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
	// Account and resource IDs are text that looks like numbers: tell
	// Excel so, or it flags each with a "number stored as text" triangle.
	// Every number the sheets hold is a number, so the whole used range
	// can say it (written with the sheet's other settings, at no cost per
	// row).
	if err := w.f.AddIgnoredErrors(name, "A1:"+used, excelize.IgnoredErrorsNumberStoredAsText); err != nil {
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
	// The header and the first column (what a row is about) stay in view.
	topLeft := "B" + strconv.Itoa(headerRow+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, XSplit: 1, YSplit: headerRow, TopLeftCell: topLeft, ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: topLeft, ActiveCell: topLeft, Pane: "bottomRight"}}}); err != nil {
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

// printLayout prints a sheet landscape on the configured paper, one page
// wide, with the run and the classification in the header and the sheet
// and "page x of y" in the footer, repeating rows 1…repeat (the header) on
// every page when repeat > 0.
func (w *workbook) printLayout(name string, repeat int) error {
	landscape, one, auto := "landscape", 1, 0
	paper := paperSizes[cmp.Or(w.b.opts.PaperSize, "A4")]
	if err := w.f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &paper, Orientation: &landscape, FitToWidth: &one, FitToHeight: &auto}); err != nil {
		return err
	}
	if err := w.f.SetHeaderFooter(name, w.headerFooter()); err != nil {
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

// roundPP rounds percentage points to 0.1, the precision the sheets show
// percentages in (0.0%), so float noise never shows as ▲ 0.0 and a change
// has the decimals of the values it is between.
func roundPP(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 1, 64), 64)
	return r
}

// resourceIDColumns open both resource sheets: where, which rule (named as
// the Rules sheet names it: base name, manager, control, pack; then as
// deployed) and which resource. resourceIDCells fills them.
var resourceIDColumns = []column{
	{"Account ID", 15}, {"Account name", 24}, {"Region", 14}, {"Rule", 36}, {"Managed by", 18},
	{"Security Hub control", 12}, {"Conformance pack", 24}, {"Deployed rule name", 40}, {"Resource type", 28},
	{"Resource ID", 40}, {"Resource name", 28},
}

var resourceColumns = append(slices.Clone(resourceIDColumns),
	column{"Annotation", 50}, column{"Recorded at (UTC)", 21}, column{"New since last run", 11},
	column{"First seen", 11}, column{"Age (days)", 9}, column{"Reopened", 9}, column{"Severity", 9}, column{"Link", 18})

var resolvedColumns = append(slices.Clone(resourceIDColumns),
	column{"Last annotation", 50}, column{"Last recorded at (UTC)", 22}, column{"Status", 30})

// Shown instead of the organization's totals of a run that has none.
const (
	unavailableText = "unavailable"
	notRecordedText = "not recorded"
)

// stateOrder is the order inactive account states are shown in.
var stateOrder = []string{"SUSPENDED", "PENDING_CLOSURE", "CLOSED", "PENDING_ACTIVATION"}

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

// headerFooter is every sheet's page header and footer (ECMA-376 Part 1,
// 18.3.1.46: &L &C &R sections, &A the sheet's name, &P the page, &N the
// pages): the classification on the left and the environment and run on the
// right of the header; the sheet on the left and "Page x of y" on the right
// of the footer. A literal & is written &&.
func (w *workbook) headerFooter() *excelize.HeaderFooterOptions {
	esc := func(s string) string { return strings.ReplaceAll(s, "&", "&&") }
	head := "&R" + esc("AWS Config compliance · "+w.b.opts.Environment+" · run "+w.b.in.RunID)
	if c := w.b.opts.Classification; c != "" {
		head = "&L&B" + esc(c) + head
	}
	return &excelize.HeaderFooterOptions{OddHeader: head, OddFooter: "&L&A&RPage &P of &N"}
}
