package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/catalog"
	"github.com/config-report/config-report/internal/run"
)

// The Summary's layout: the headline figures (KPI block), the legend and
// the trend in columns A–F, the charts beside them from column H, the
// details below. The first screen (about 30 rows) holds the headline, the
// trend and both charts.
const (
	summaryChartCol = "H"
	// ouChartBars is how many OUs the compliance-by-OU chart shows, worst
	// first.
	ouChartBars = 15
)

// summarySheet writes the Summary sheet, one block per method, top to bottom.
type summarySheet struct {
	w    *workbook
	sum  *Summary
	prev *Summary
	row  int
	// ouRows and trendRows are where the charts' data is (first and last
	// row); zero when there is none. ous are the OU table's rows.
	ouRows, trendRows [2]int
	ous               []ouRollup
}

// summary fills the Summary sheet in memory.
func (w *workbook) summary() error {
	s := &summarySheet{w: w, sum: w.rep.Summary, prev: w.b.in.Previous, row: 1}
	for col, width := range map[string]float64{"A": 46, "B": 15, "C": 17, "D": 14, "E": 20, "F": 14, "G": 2} {
		if err := w.f.SetColWidth(SheetSummary, col, col, width); err != nil {
			return err
		}
	}
	if err := w.printLayout(SheetSummary, 0); err != nil {
		return err
	}
	for _, block := range []func(){s.title, s.headline, s.legend, s.trend, s.runDetails, s.figureTable,
		s.comparison, s.fixFirst, s.slaByOU, s.slaByOwner, s.topRules, s.topAccounts, s.ouTable} {
		before := s.row
		block()
		if s.row > before { // a blank row after each block that wrote one
			s.row++
		}
	}
	if err := s.ouChart(); err != nil {
		return err
	}
	if err := s.trendChart(); err != nil {
		return err
	}
	return setUsedRange(w.f, SheetSummary)
}

// set writes v with style (0: none) at col and the current row.
func (s *summarySheet) set(col string, v any, style int) {
	cell := col + strconv.Itoa(s.row)
	_ = s.w.f.SetCellValue(SheetSummary, cell, v)
	if style != 0 {
		_ = s.w.f.SetCellStyle(SheetSummary, cell, cell, style)
	}
}

// cell writes a value built by the workbook's cell helpers (an
// excelize.Cell with its style, a plain value, or nil for nothing).
func (s *summarySheet) cell(col string, v any) {
	switch c := v.(type) {
	case nil:
	case excelize.Cell:
		s.set(col, c.Value, c.StyleID)
	default:
		s.set(col, c, 0)
	}
}

// paragraph writes text across B:F (or A:F when label is ""), wrapped, as
// high as it needs.
func (s *summarySheet) paragraph(label, text string, style int) {
	f, r := s.w.f, strconv.Itoa(s.row)
	from := "B"
	if label == "" {
		from = "A"
	} else {
		s.set("A", label, s.w.s.label)
	}
	s.set(from, text, style)
	_ = f.MergeCell(SheetSummary, from+r, "F"+r)
	_ = f.SetCellStyle(SheetSummary, from+r, "F"+r, style)
	perLine := 120
	if from == "B" {
		perLine = 90
	}
	_ = f.SetRowHeight(SheetSummary, s.row, 13*float64(max(1, (utf8.RuneCountInString(text)+perLine-1)/perLine)))
	s.row++
}

// header writes a table's header row.
func (s *summarySheet) header(titles ...string) {
	for i, t := range titles {
		col, _ := excelize.ColumnNumberToName(i + 1)
		s.set(col, t, s.w.s.header)
	}
	_ = s.w.f.SetRowHeight(SheetSummary, s.row, 28)
	s.row++
}

// subtitle writes a block's title.
func (s *summarySheet) subtitle(text string) {
	s.set("A", text, s.w.s.subtitle)
	s.row++
}

// title writes the sheet's title and what the run is compared with.
func (s *summarySheet) title() {
	s.set("A", "AWS Config compliance — "+s.sum.Environment, s.w.s.title)
	_ = s.w.f.SetRowHeight(SheetSummary, s.row, 24)
	s.row++
	started, _ := run.IDTime(s.sum.RunID)
	line := fmt.Sprintf("Run %s, started %s UTC. ", s.sum.RunID, started.UTC().Format("2006-01-02 15:04"))
	if s.prev != nil {
		line += "Changes are since run " + s.prev.RunID + "."
	} else {
		line += "First run: there is no previous report, so no changes are shown."
	}
	s.paragraph("", line, s.w.s.noteWrap)
}

// pp is the change of a share in percentage points, or why there is none.
func (s *summarySheet) pp(cur float64, curOK bool, prev float64, prevOK bool) any {
	switch {
	case s.prev == nil:
		return s.w.str(firstRunText)
	case !curOK || !prevOK:
		return s.w.str(notRecordedText)
	}
	d := roundPP((cur - prev) * 100)
	return excelize.Cell{StyleID: s.w.s.change(d, upGood, true), Value: d}
}

// shareStyle colours a share by the compliance thresholds.
func (s *summarySheet) shareStyle(v float64) int {
	switch o := s.w.b.opts; {
	case v*100 >= o.GreenPct:
		return s.w.s.green
	case v*100 >= o.AmberPct:
		return s.w.s.amber
	}
	return s.w.s.red
}

// headline writes the KPI block: compliance and coverage with their
// changes, findings new, resolved and open, accounts scanned, the worst OU
// and the worst rule.
func (s *summarySheet) headline() {
	t, st := s.sum.Totals, s.w.s
	s.header("Headline", "This run", "Change since last run", "", "", "")
	var pt Totals
	if s.prev != nil {
		pt = s.prev.Totals
	}
	c, cOK := t.Compliance()
	pc, pcOK := pt.Compliance()
	s.kpi("Compliance", s.w.compliance(t.Evaluations, true), s.pp(c, cOK, pc, pcOK),
		fmt.Sprintf("of %s rule evaluations: compliant ÷ (compliant + non-compliant)", groupThousands(int64(t.Compliant+t.NonCompliant))))
	cov, covOK := t.Coverage.Share()
	pcov, pcovOK := pt.Coverage.Share()
	var covCell any
	if covOK {
		covCell = excelize.Cell{StyleID: st.pct, Value: cov}
	}
	s.kpi("Coverage", covCell, s.pp(cov, covOK, pcov, pcovOK), s.coverageNote())
	s.kpi("Open findings", excelize.Cell{StyleID: st.count, Value: t.Findings}, s.findingsChange(),
		fmt.Sprintf("non-compliant resource × rule; %s distinct resources", groupThousands(int64(t.Resources))))
	s.findingFlow()
	s.findingAges()
	s.pastSLA()
	s.kpi("Accounts scanned", excelize.Cell{StyleID: st.count, Value: t.Scanned}, nil, s.accountsNote())
	s.worstOU()
	s.worstRule()
}

// kpi writes one headline row: label, value, change and a note across D:F,
// wrapped on two lines.
func (s *summarySheet) kpi(label string, value, change any, note string) {
	s.set("A", label, s.w.s.kpiLabel)
	s.cell("B", value)
	s.cell("C", change)
	r := strconv.Itoa(s.row)
	s.set("D", note, s.w.s.kpiNote)
	_ = s.w.f.MergeCell(SheetSummary, "D"+r, "F"+r)
	_ = s.w.f.SetCellStyle(SheetSummary, "D"+r, "F"+r, s.w.s.kpiNote)
	_ = s.w.f.SetRowHeight(SheetSummary, s.row, 27)
	s.row++
}

// findingsChange is the change in open findings, when both runs counted
// findings (summaries before version 3 counted rows).
func (s *summarySheet) findingsChange() any {
	switch {
	case s.prev == nil:
		return s.w.str(firstRunText)
	case s.prev.beforeV3():
		return s.w.str(countedByRowsText)
	}
	d := s.sum.Totals.Findings - s.prev.Totals.Findings
	return excelize.Cell{StyleID: s.w.s.change(float64(d), upBad, false), Value: d}
}

// findingFlow writes new, resolved and still open findings, or says they
// come from the second run on.
func (s *summarySheet) findingFlow() {
	c := s.sum.Comparison
	if c == nil {
		s.kpi("New / resolved findings", s.w.str("—"), nil, "shown from the second run on")
		return
	}
	s.kpi("New findings", excelize.Cell{StyleID: s.w.s.count, Value: c.New}, nil,
		plural(c.NotPreviouslyChecked, "more finding", "more findings")+" where the account or region was not read last run")
	s.kpi("Resolved findings", excelize.Cell{StyleID: s.w.s.count, Value: c.Resolved}, nil,
		plural(c.Persisting, "finding", "findings")+" still open; "+plural(c.NotRechecked, "not re-checked", "not re-checked")+" (account or region not read now)")
}

// findingAges writes how many open findings are older than 30 days, from
// the findings ledger.
func (s *summarySheet) findingAges() {
	a := s.sum.Ages
	if a == nil {
		return
	}
	note := fmt.Sprintf("%s open longer than 90 days; the oldest open for %s; %s reopened (resolved before, back again)",
		groupThousands(int64(a.Over90)), plural(a.OldestDays, "day", "days"), groupThousands(int64(a.Reopened)))
	if a.Note != "" {
		note = strings.ToUpper(a.Note[:1]) + a.Note[1:] + "."
	}
	s.kpi("Open longer than 30 days", excelize.Cell{StyleID: s.w.s.count, Value: a.Over30}, nil, note)
}

// coverageNote says how many account-regions have results and where the
// gaps are.
func (s *summarySheet) coverageNote() string {
	cv := s.sum.Totals.Coverage
	if cv == nil {
		return "not recorded"
	}
	return fmt.Sprintf("%s of %s account-regions have rule results; the gaps are listed first on the Coverage sheet",
		groupThousands(int64(cv.WithResults)), groupThousands(int64(cv.AccountRegions)))
}

// accountsNote says what became of the run's accounts not scanned.
func (s *summarySheet) accountsNote() string {
	t := s.sum.Totals
	return fmt.Sprintf("of %s in the run (%s partially); %s unreachable, %s with no data, %s not scanned",
		groupThousands(int64(t.Accounts)), groupThousands(int64(t.Partial)), groupThousands(int64(t.Unreachable)),
		groupThousands(int64(t.NoData)), groupThousands(int64(t.NotScanned)))
}

// worstOU writes the OU (with the OUs below it, not the whole
// organization) with the lowest compliance.
func (s *summarySheet) worstOU() {
	var worst *ouRollup
	var worstV float64
	for _, o := range rollUpOUs(s.sum.OUs) {
		v, ok := o.Compliance()
		if ok && o.Accounts < s.sum.Totals.Accounts && (worst == nil || v < worstV) {
			worst, worstV = &o, v
		}
	}
	if worst == nil {
		s.kpi("Worst OU", s.w.str("—"), nil, "no OU below the whole organization has rule results")
		return
	}
	var prev Evaluations
	found := false
	if s.prev != nil {
		i := slices.IndexFunc(rollUpOUs(s.prev.OUs), func(o ouRollup) bool { return o.Path == worst.Path })
		if found = i >= 0; found {
			prev = rollUpOUs(s.prev.OUs)[i].Evaluations
		}
	}
	s.kpi("Worst OU", excelize.Cell{StyleID: s.shareStyle(worstV), Value: worstV}, s.w.complianceChange(worst.Evaluations, prev, found, "new OU"),
		fmt.Sprintf("%s: compliance of its %s (OUs below it included)", worst.Path, plural(worst.Accounts, "account", "accounts")))
}

// worstRule writes the rule identity non-compliant in most accounts.
func (s *summarySheet) worstRule() {
	rules := worstRules(s.sum.Rules, 1)
	if len(rules) == 0 {
		s.kpi("Worst rule", s.w.str("—"), nil, "no rule is non-compliant in any account")
		return
	}
	r := rules[0]
	s.kpi("Worst rule", excelize.Cell{StyleID: s.w.s.count, Value: r.AccountsNonCompliant}, s.ruleChange(&r),
		fmt.Sprintf("%s: accounts non-compliant, with %s", r.identity(), plural(r.Resources, "non-compliant resource", "non-compliant resources")))
}

// ruleChange is the change in a rule's accounts non-compliant.
func (s *summarySheet) ruleChange(r *RuleSummary) any {
	p, ok := s.w.b.prevRule.lookup(r)
	switch {
	case s.prev == nil:
		return s.w.str(firstRunText)
	case !ok:
		return s.w.str("new rule")
	}
	d := r.AccountsNonCompliant - p.accountsNonCompliant()
	return excelize.Cell{StyleID: s.w.s.change(float64(d), upBad, false), Value: d}
}

// worstRules returns up to n rules non-compliant in most accounts.
func worstRules(all []RuleSummary, n int) []RuleSummary {
	rules := slices.Clone(all)
	slices.SortFunc(rules, func(a, b RuleSummary) int {
		return cmp.Or(cmp.Compare(b.AccountsNonCompliant, a.AccountsNonCompliant), cmp.Compare(b.Resources, a.Resources),
			strings.Compare(a.BaseName, b.BaseName))
	})
	i := slices.IndexFunc(rules, func(r RuleSummary) bool { return r.AccountsNonCompliant == 0 })
	if i < 0 {
		i = len(rules)
	}
	return rules[:min(i, n)]
}

// legend states what the colours and arrows mean.
func (s *summarySheet) legend() {
	o := s.w.b.opts
	s.paragraph("", fmt.Sprintf("Compliance colours: green at or above %s%%, amber at or above %s%%, red below. "+
		"Changes: ▲ rise, ▼ fall, followed by \"better\" (blue) or \"worse\" (orange); a change of compliance of %.1f percentage points or less is shown without either.",
		strconv.FormatFloat(o.GreenPct, 'f', -1, 64), strconv.FormatFloat(o.AmberPct, 'f', -1, 64), deadBandPP), s.w.s.noteWrap)
}

// trend writes the environment's last runs, oldest first, as the trend
// chart's data.
func (s *summarySheet) trend() {
	points := s.sum.Trend
	s.subtitle(fmt.Sprintf("Trend: the last %s of %s", plural(len(points), "run", "runs"), s.sum.Environment))
	s.header("Run", "Started", "Compliance", "Open findings", "Coverage")
	s.trendRows[0] = s.row
	for _, p := range points {
		s.set("A", p.RunID, s.w.s.text)
		s.set("B", p.Started.UTC().Format("2006-01-02"), s.w.s.text)
		if p.Compliance != nil {
			s.set("C", *p.Compliance, s.shareStyle(*p.Compliance))
		}
		s.set("D", p.Findings, s.w.s.count)
		if p.Coverage != nil {
			s.set("E", *p.Coverage, s.w.s.pct)
		}
		s.row++
	}
	s.trendRows[1] = s.row - 1
	if slices.ContainsFunc(points, func(p TrendPoint) bool { return p.FindingsAreRows }) {
		s.set("A", "Runs before summary version 3 counted the resource sheet's rows, not findings; "+
			"they did not record coverage.", s.w.s.note)
		s.row++
	}
}

// runDetails writes the run's settings, where the organization's totals
// come from and how compliance is defined.
func (s *summarySheet) runDetails() {
	s.subtitle("Details")
	s.paragraph("Run", s.sum.RunID, s.w.s.wrap)
	s.paragraph("Environment", s.sum.Environment, s.w.s.wrap)
	compared := "First run: there is no previous report to compare with, so no changes are shown."
	if s.prev != nil {
		compared = s.prev.RunID
	}
	s.paragraph("Compared with", compared, s.w.s.wrap)
	s.paragraph("Regions", strings.Join(s.sum.Regions, ", "), s.w.s.wrap)
	s.paragraph("Organization", s.w.organizationText(), s.w.s.wrap)
	text := ComplianceDefinition
	proactive := 0
	for i := range s.sum.Rules {
		if s.sum.Rules[i].ProactiveOnly {
			proactive++
		}
	}
	if proactive > 0 {
		text += " " + plural(proactive, "rule is", "rules are") + " evaluated only proactively (marked \"proactive only\" on the Rules sheet): " +
			"no detective results, so in no figure."
	}
	s.paragraph("Compliance", text, s.w.s.wrap)
}

// figureTable writes every headline figure with the previous run's and the
// change.
func (s *summarySheet) figureTable() {
	st := s.w.s
	s.header("Figure", "This run", "Previous run", "Change")
	for _, fg := range figures(s.sum, s.prev) {
		s.set("A", fg.Label, st.text)
		valStyle := st.count
		if fg.Pct {
			valStyle = st.pct
		}
		switch {
		case fg.Defined:
			s.set("B", fg.Cur, valStyle)
		case fg.Missing != "":
			s.set("B", fg.Missing, st.note)
		}
		switch {
		case s.prev == nil:
			s.set("C", "—", st.text)
			s.set("D", firstRunText, st.text)
		case fg.PrevDef:
			s.set("C", fg.Prev, valStyle)
		case fg.PrevMissing != "":
			s.set("C", fg.PrevMissing, st.note)
		}
		if d, ok := fg.Change(); ok && s.prev != nil {
			s.set("D", d, st.change(d, fg.Polarity, fg.Pct))
		}
		s.row++
	}
}

// comparison writes the findings' flow since the previous run.
func (s *summarySheet) comparison() {
	c := s.sum.Comparison
	if c == nil {
		s.set("A", "New and resolved findings are shown from the second run on.", s.w.s.note)
		s.row++
		return
	}
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
		s.set("A", kv.label, s.w.s.text)
		s.set("B", kv.n, s.w.s.count)
		s.row++
	}
	if s.w.rep.ResolvedNote != "" {
		s.set("A", s.w.rep.ResolvedNote, s.w.s.note)
		s.row++
	}
}

// topRules writes the ten rules failing in most accounts.
func (s *summarySheet) topRules() {
	s.subtitle("Top 10 rules failing in most accounts")
	s.header("Rule", "Accounts non-compliant", "Non-compliant resources", "Change in accounts non-compliant")
	rules := worstRules(s.sum.Rules, 10)
	for _, r := range rules {
		s.set("A", r.identity().String(), s.w.s.text)
		s.set("B", r.AccountsNonCompliant, s.w.s.count)
		s.set("C", r.Resources, s.w.s.count)
		s.cell("D", s.ruleChange(&r))
		s.row++
	}
	if len(rules) == 0 {
		s.set("A", "No rule is non-compliant in any account.", s.w.s.note)
		s.row++
	}
}

// topAccounts writes the ten accounts with most non-compliant resources.
func (s *summarySheet) topAccounts() {
	s.subtitle("Top 10 accounts with most non-compliant resources")
	s.header("Account ID", "Account name", "OU path", "Non-compliant resources", "Change")
	accounts := slices.Clone(s.sum.Accounts)
	slices.SortFunc(accounts, func(a, b AccountSummary) int {
		return cmp.Or(cmp.Compare(b.Resources, a.Resources), strings.Compare(a.ID, b.ID))
	})
	n := 0
	for _, a := range accounts {
		if a.Resources == 0 || n == 10 {
			break
		}
		s.set("A", a.ID, s.w.s.text)
		s.set("B", a.Name, s.w.s.text)
		s.set("C", a.OUPath, s.w.s.text)
		s.set("D", a.Resources, s.w.s.count)
		prev := s.w.b.prevAccount[a.ID]
		switch note, ok := s.w.accountDelta(&a, prev); {
		case ok && !s.w.b.prevCountsRows():
			d := a.Resources - prev.Resources
			s.set("E", d, s.w.s.change(float64(d), upBad, false))
		case ok:
			s.set("E", countedByRowsText, s.w.s.text)
		default:
			s.set("E", note, s.w.s.text)
		}
		s.row++
		n++
	}
	if n == 0 {
		s.set("A", "No account has non-compliant resources.", s.w.s.note)
		s.row++
	}
}

// ouRollup is an OU's figures with every OU below it included.
type ouRollup struct {
	OUSummary
	// Direct is the number of accounts directly in the OU.
	Direct int
}

// rollUpOUs returns every OU path of ous and each of its ancestors, with
// the figures of the OUs below it added in, by path.
func rollUpOUs(ous []OUSummary) []ouRollup {
	byPath := map[string]*ouRollup{}
	for _, o := range ous {
		path := cmp.Or(o.Path, "(no OU)")
		for p := path; ; {
			r := byPath[p]
			if r == nil {
				r = &ouRollup{OUSummary: OUSummary{Path: p}}
				byPath[p] = r
			}
			r.Accounts += o.Accounts
			r.Scanned += o.Scanned
			r.Evaluations.add(o.Evaluations)
			r.Resources += o.Resources
			r.Findings += o.Findings
			if p == path {
				r.Direct += o.Accounts
			}
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				break
			}
			p = p[:i]
		}
	}
	out := make([]ouRollup, 0, len(byPath))
	for _, r := range byPath {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ouRollup) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// ouTable writes compliance by OU, each OU with the OUs below it, worst
// first: the data of the OU chart.
func (s *summarySheet) ouTable() {
	s.subtitle("Compliance by OU, worst first (each OU with the OUs below it)")
	s.header("OU path", "Accounts (OUs below included)", "Accounts directly in the OU", "Compliance", "Change", "Non-compliant resources")
	ous := rollUpOUs(s.sum.OUs)
	slices.SortStableFunc(ous, func(a, b ouRollup) int {
		av, aok := a.Compliance()
		bv, bok := b.Compliance()
		switch {
		case aok != bok:
			return map[bool]int{true: -1, false: 1}[aok]
		case aok:
			return cmp.Compare(av, bv)
		}
		return 0
	})
	prev := map[string]ouRollup{}
	if s.prev != nil {
		for _, o := range rollUpOUs(s.prev.OUs) {
			prev[o.Path] = o
		}
	}
	s.ouRows[0], s.ous = s.row, ous
	for _, o := range ous {
		s.set("A", o.Path, s.w.s.text)
		s.set("B", o.Accounts, s.w.s.count)
		s.set("C", o.Direct, s.w.s.count)
		s.cell("D", s.w.compliance(o.Evaluations, true))
		p, ok := prev[o.Path]
		s.cell("E", s.w.complianceChange(o.Evaluations, p.Evaluations, ok, "new OU"))
		s.set("F", o.Resources, s.w.s.count)
		s.row++
	}
	s.ouRows[1] = s.row - 1
}

// ref is an absolute reference to col rows from–to of the Summary.
func ref(col string, from, to int) string {
	if from == to {
		return fmt.Sprintf("'%s'!$%s$%d", SheetSummary, col, from)
	}
	return fmt.Sprintf("'%s'!$%s$%d:$%s$%d", SheetSummary, col, from, col, to)
}

// ouChart charts the compliance of the worst OUs, worst first, each bar in
// its threshold's colour and labelled with its value, beside the headline.
func (s *summarySheet) ouChart() error {
	first, last := s.ouRows[0], min(s.ouRows[1], s.ouRows[0]+ouChartBars-1)
	if last < first {
		return nil
	}
	var names []string
	var values []float64
	var colors []string
	for _, o := range s.ous[:last-first+1] {
		v, ok := o.Compliance()
		if !ok {
			v = math.NaN()
		}
		names, values, colors = append(names, o.Path), append(values, v), append(colors, s.fillOf(v, ok))
	}
	cats, vals, title := ref("A", first, last), ref("D", first, last), ref("D", first-1, first-1)
	s.w.charts.strs[cats], s.w.charts.strs[title] = names, []string{"Compliance"}
	s.w.charts.nums[vals] = numCache{values: values, format: "0.0%"}
	s.w.charts.colors[vals] = colors
	minV, maxV := 0.0, 1.0
	chartTitle := fmt.Sprintf("Compliance of the %s, worst first", plural(last-first+1, "OU", "OUs"))
	return s.w.f.AddChart(SheetSummary, summaryChartCol+"3", &excelize.Chart{
		Type:      excelize.Bar,
		Series:    []excelize.ChartSeries{{Name: title, Categories: cats, Values: vals, Fill: solid("7F7F7F")}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: chartTitle, Font: &excelize.Font{Family: FontFamily, Size: 11, Bold: true}}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0.0%"}},
		XAxis:     excelize.ChartAxis{ReverseOrder: true, Font: excelize.Font{Family: FontFamily, Size: 9, Color: "404040"}},
		YAxis:     excelize.ChartAxis{Minimum: &minV, Maximum: &maxV, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, MajorGridLines: true, Font: excelize.Font{Family: FontFamily, Size: 9, Color: "404040"}},
		Dimension: excelize.ChartDimension{Width: 560, Height: uint(max(300, 20*(last-first+1)+90))},
		Format: excelize.GraphicOptions{OffsetX: 4, AltText: chartTitle + ": " + altList(names, values) +
			fmt.Sprintf(". Green at or above %v%%, amber at or above %v%%, red below.", s.w.b.opts.GreenPct, s.w.b.opts.AmberPct)},
	})
}

// fillOf is the bar colour of a compliance by the thresholds.
func (s *summarySheet) fillOf(v float64, ok bool) string {
	switch o := s.w.b.opts; {
	case !ok:
		return ""
	case v*100 >= o.GreenPct:
		return ChartGreen
	case v*100 >= o.AmberPct:
		return ChartAmber
	}
	return ChartRed
}

// Bar colours of the compliance thresholds: stronger than the cell fills,
// which would be too pale as bars.
const (
	ChartGreen = "63BE7B"
	ChartAmber = "FFC000"
	ChartRed   = "F8696B"
)

// trendChart charts compliance and coverage over the trend's runs.
func (s *summarySheet) trendChart() error {
	first, last := s.trendRows[0], s.trendRows[1]
	if last < first {
		return nil
	}
	var dates []string
	var comp, cov []float64
	for _, p := range s.sum.Trend {
		dates = append(dates, p.Started.UTC().Format("2006-01-02"))
		comp, cov = append(comp, share(p.Compliance)), append(cov, share(p.Coverage))
	}
	cats := ref("B", first, last)
	s.w.charts.strs[cats] = dates
	s.w.charts.strs[ref("C", first-1, first-1)], s.w.charts.strs[ref("E", first-1, first-1)] = []string{"Compliance"}, []string{"Coverage"}
	s.w.charts.nums[ref("C", first, last)] = numCache{values: comp, format: "0.0%"}
	s.w.charts.nums[ref("E", first, last)] = numCache{values: cov, format: "0.0%"}
	minV, maxV := 0.0, 1.0
	line := func(col, color string) excelize.ChartSeries {
		return excelize.ChartSeries{Name: ref(col, first-1, first-1), Categories: cats, Values: ref(col, first, last),
			Line: excelize.LineOptions{Width: 2.25}, Fill: solid(color),
			Marker: excelize.ChartMarker{Symbol: "circle", Size: 6, Fill: solid(color)}}
	}
	title := fmt.Sprintf("Compliance and coverage, last %s", plural(len(dates), "run", "runs"))
	return s.w.f.AddChart(SheetSummary, summaryChartCol+"24", &excelize.Chart{
		Type:      excelize.Line,
		Series:    []excelize.ChartSeries{line("C", "0072B2"), line("E", "009E73")},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title, Font: &excelize.Font{Family: FontFamily, Size: 11, Bold: true}}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		PlotArea:  excelize.ChartPlotArea{ShowVal: len(dates) <= 6, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0.0%"}},
		XAxis:     excelize.ChartAxis{Font: excelize.Font{Family: FontFamily, Size: 9, Color: "404040"}},
		YAxis:     excelize.ChartAxis{Minimum: &minV, Maximum: &maxV, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}, MajorGridLines: true, Font: excelize.Font{Family: FontFamily, Size: 9, Color: "404040"}},
		Dimension: excelize.ChartDimension{Width: 560, Height: 280},
		Format: excelize.GraphicOptions{OffsetX: 4, AltText: title + ". Compliance: " + altList(dates, comp) +
			". Coverage: " + altList(dates, cov) + "."},
	})
}

// share is a trend point's share, NaN when it has none.
func share(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// solid is a solid fill of color.
func solid(color string) excelize.Fill {
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
}

// altList writes a chart's points for its alternative text, "a 77.7%, b
// 80.1%", within Excel's limit on alt text.
func altList(names []string, values []float64) string {
	var b strings.Builder
	for i, n := range names {
		v := "no data"
		if !math.IsNaN(values[i]) {
			v = strconv.FormatFloat(values[i]*100, 'f', 1, 64) + "%"
		}
		part := n + " " + v
		if i > 0 {
			part = ", " + part
		}
		if utf8.RuneCountInString(b.String())+utf8.RuneCountInString(part) > excelize.MaxGraphicAltTextLength-200 {
			b.WriteString(", …")
			break
		}
		b.WriteString(part)
	}
	return b.String()
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

// pastSLA writes the findings open longer than their severity's SLA, with
// the change since the previous run.
func (s *summarySheet) pastSLA() {
	sla := s.sum.SLA
	if sla == nil || len(sla.Days) == 0 {
		return
	}
	var change any = s.w.str(firstRunText)
	switch {
	case s.prev == nil:
	case s.prev.SLA == nil:
		change = s.w.str(notRecordedText)
	default:
		d := sla.Past - s.prev.SLA.Past
		change = excelize.Cell{StyleID: s.w.s.change(float64(d), upBad, false), Value: d}
	}
	s.kpi("Past their SLA", excelize.Cell{StyleID: s.w.s.count, Value: sla.Past}, change,
		"open findings older than their severity allows: "+slaText(sla.Days)+"; by OU and owner below")
}

// fixFirst writes the ten rule identities to fix first: severity, accounts
// non-compliant and the age of the oldest open finding, multiplied.
func (s *summarySheet) fixFirst() {
	type ranked struct {
		r     RuleSummary
		score float64
	}
	var rules []ranked
	for _, r := range s.sum.Rules {
		if r.AccountsNonCompliant > 0 {
			sev := catalog.Severity(r.Severity)
			rules = append(rules, ranked{r, float64(max(1, sev.Rank())*r.AccountsNonCompliant) * (1 + float64(r.OldestDays)/30)})
		}
	}
	slices.SortStableFunc(rules, func(a, b ranked) int { return cmp.Compare(b.score, a.score) })
	s.subtitle("Fix first: severity × accounts non-compliant × (1 + oldest finding's age ÷ 30 days)")
	s.header("Rule", "Severity", "Accounts non-compliant", "Oldest open (days)", "Score")
	for _, x := range rules[:min(10, len(rules))] {
		s.set("A", x.r.identity().String(), s.w.s.text)
		s.set("B", catalog.Severity(x.r.Severity).Label(), s.w.s.text)
		s.set("C", x.r.AccountsNonCompliant, s.w.s.count)
		s.set("D", x.r.OldestDays, s.w.s.count)
		s.set("E", math.Round(x.score), s.w.s.count)
		s.row++
	}
	if len(rules) == 0 {
		s.set("A", "No rule is non-compliant in any account.", s.w.s.note)
		s.row++
	}
	s.set("A", "Severity: AWS's for Security Hub controls, else the highest of the controls that run the same managed rule; unknown counts as low.", s.w.s.note)
	s.row++
}

// slaByOU and slaByOwner write the findings past their SLA by the OU and
// the owner of their account, with the change since the previous run.
func (s *summarySheet) slaByOU() {
	if sla := s.sum.SLA; sla != nil && sla.Past > 0 {
		var prev map[string]int
		if s.prev != nil && s.prev.SLA != nil {
			prev = orEmpty(s.prev.SLA.ByOU) // none past is recorded as none
		}
		s.slaTable("Findings past their SLA by OU", "OU path", sla.ByOU, prev)
	}
}

func (s *summarySheet) slaByOwner() {
	if sla := s.sum.SLA; sla != nil && sla.Past > 0 && sla.OwnerTag != "" {
		var prev map[string]int
		if s.prev != nil && s.prev.SLA != nil && s.prev.SLA.OwnerTag == sla.OwnerTag {
			prev = orEmpty(s.prev.SLA.ByOwner)
		}
		s.slaTable("Findings past their SLA by owner (account tag "+sla.OwnerTag+")", "Owner", sla.ByOwner, prev)
	}
}

// slaTable writes the ten keys of m with most findings past their SLA.
func (s *summarySheet) slaTable(title, key string, m, prev map[string]int) {
	s.subtitle(title)
	s.header(key, "Past their SLA", "Change")
	for _, k := range topCounts(m, 10) {
		s.set("A", k, s.w.s.text)
		s.set("B", m[k], s.w.s.count)
		switch {
		case s.prev == nil:
			s.set("C", firstRunText, s.w.s.text)
		case prev == nil:
			s.set("C", notRecordedText, s.w.s.note)
		default:
			d := m[k] - prev[k]
			s.set("C", d, s.w.s.change(float64(d), upBad, false))
		}
		s.row++
	}
}

// orEmpty returns m, or an empty map for nil: a summary leaves out a count
// by key that has no key.
func orEmpty(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
