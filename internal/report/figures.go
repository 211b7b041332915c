package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
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

// figures are the headline figures of cur compared with prev (nil on a
// first run): the accounts, the coverage, then the evaluations and findings.
func figures(cur, prev *Summary) []figure {
	fb := figureBuilder{cur: cur, prev: prev}
	return slices.Concat(fb.accounts(), fb.coverage(), fb.evaluations())
}

// figureBuilder builds figures of cur compared with prev.
type figureBuilder struct{ cur, prev *Summary }

// count is a figure every summary version recorded the same way.
func (fb figureBuilder) count(label string, c int, p func(*Summary) int, pol polarity) figure {
	f := figure{Label: label, Cur: float64(c), Defined: true, PrevDef: true, Polarity: pol}
	if fb.prev != nil {
		f.HasPrev, f.Prev = true, float64(p(fb.prev))
	}
	return f
}

// since3 is a figure since summary version 3: runs before it did not record
// it, counted accounts without rule results as scanned, and counted
// resources by rows (one per region and deployed rule).
func (fb figureBuilder) since3(label string, c int, p func(*Summary) int, pol polarity) figure {
	f := fb.count(label, c, p, pol)
	if fb.prev != nil && fb.prev.beforeV3() {
		f.PrevDef, f.PrevMissing = false, notRecordedText
	}
	return f
}

// share is a percentage figure whose value may be undefined.
func (fb figureBuilder) share(label string, v func(*Summary) (float64, bool)) figure {
	f := figure{Label: label, Pct: true, Polarity: upGood}
	f.Cur, f.Defined = v(fb.cur)
	if fb.prev != nil {
		f.HasPrev, f.PrevMissing = true, notRecordedText
		f.Prev, f.PrevDef = v(fb.prev)
	}
	return f
}

// accounts are the organization's and the run's account figures.
func (fb figureBuilder) accounts() []figure {
	// The organization's totals are in runs that recorded them only.
	var prevOrg *OrganizationTotals
	if fb.prev != nil {
		prevOrg = fb.prev.Totals.Organization
	}
	org := func(label string, v func(*OrganizationTotals) int) figure {
		return recordedFigure(label, neutral, fb.cur.Totals.Organization, prevOrg, fb.prev != nil, v)
	}
	t := fb.cur.Totals
	return []figure{
		org("Accounts in the organization", func(o *OrganizationTotals) int { return o.Accounts }),
		org("Accounts not active (suspended, closing, closed)", func(o *OrganizationTotals) int { return o.Inactive }),
		org("Accounts excluded by configuration", func(o *OrganizationTotals) int { return o.Excluded }),
		fb.count("Accounts in this run", t.Accounts, func(s *Summary) int { return s.Totals.Accounts }, neutral),
		fb.since3("Accounts scanned (rule results read)", t.Scanned, func(s *Summary) int { return s.Totals.Scanned }, upGood),
		fb.since3("  of which partially scanned", t.Partial, func(s *Summary) int { return s.Totals.Partial }, upBad),
		fb.since3("Accounts with no data (role assumed, no rule results)", t.NoData, func(s *Summary) int { return s.Totals.NoData }, upBad),
		fb.count("Accounts unreachable", t.Unreachable, func(s *Summary) int { return s.Totals.Unreachable }, upBad),
		fb.count("Accounts not scanned", t.NotScanned, func(s *Summary) int { return s.Totals.NotScanned }, upBad),
		fb.count("Regions", len(fb.cur.Regions), func(s *Summary) int { return len(s.Regions) }, neutral),
	}
}

// coverage are the compliance, the coverage and the account-regions by
// what the scan found.
func (fb figureBuilder) coverage() []figure {
	// The coverage is in runs that recorded it only.
	var prevCov *CoverageTotals
	if fb.prev != nil {
		prevCov = fb.prev.Totals.Coverage
	}
	cov := func(label string, v func(*CoverageTotals) int, pol polarity) figure {
		return recordedFigure(label, pol, fb.cur.Totals.Coverage, prevCov, fb.prev != nil, v)
	}
	comp := fb.share("Overall compliance", func(s *Summary) (float64, bool) { return s.Totals.Compliance() })
	comp.PrevMissing = ""
	return []figure{
		comp,
		fb.share("Coverage: account-regions with rule results", func(s *Summary) (float64, bool) { return s.Totals.Coverage.Share() }),
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
	}
}

// evaluations are the rule evaluations by state, the rules and the findings.
func (fb figureBuilder) evaluations() []figure {
	t := fb.cur.Totals
	return []figure{
		fb.count("Rule evaluations compliant", t.Compliant, func(s *Summary) int { return s.Totals.Compliant }, upGood),
		fb.count("Rule evaluations non-compliant", t.NonCompliant, func(s *Summary) int { return s.Totals.NonCompliant }, upBad),
		fb.count("Rule evaluations not applicable", t.NotApplicable, func(s *Summary) int { return s.Totals.NotApplicable }, neutral),
		fb.count("Rule evaluations with insufficient data", t.InsufficientData, func(s *Summary) int { return s.Totals.InsufficientData }, upBad),
		fb.count("Rules", t.Rules, func(s *Summary) int { return s.Totals.Rules }, neutral),
		fb.since3("Non-compliant resources (distinct)", t.Resources, func(s *Summary) int { return s.Totals.Resources }, upBad),
		fb.since3("Findings (non-compliant resource × rule)", t.Findings, func(s *Summary) int { return s.Totals.Findings }, upBad),
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

// plural returns "1 account" or "3 accounts", with the words given.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return groupThousands(int64(n)) + " " + many
}

// notScannedText says how many accounts were not scanned.
func notScannedText(n int) string { return plural(n, "account was", "accounts were") + " not scanned" }
