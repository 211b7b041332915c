package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
)

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

// plural returns "1 account" or "3 accounts", with the words given.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return groupThousands(int64(n)) + " " + many
}

// notScannedText says how many accounts were not scanned.
func notScannedText(n int) string { return plural(n, "account was", "accounts were") + " not scanned" }
