package report

import (
	"strconv"
	"strings"
)

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

func (r *RuleSummary) accountsNonCompliant() int {
	if r == nil {
		return 0
	}
	return r.AccountsNonCompliant
}
