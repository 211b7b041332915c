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

// plural returns "1 account" or "3 accounts", with the words given.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return groupThousands(int64(n)) + " " + many
}

// notScannedText says how many accounts were not scanned.
func notScannedText(n int) string { return plural(n, "account was", "accounts were") + " not scanned" }
