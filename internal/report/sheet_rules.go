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
		{"Rule in AWS Config", 24}, {"Documentation", 20}, {"Severity", 10}, {"Oldest open finding (days)", 12},
	}
	cells := make([][]any, len(rules))
	ls := make([]lengths, len(cols))
	for i := range rules {
		r := &rules[i]
		prev, hasPrev := w.b.prevRule.lookup(r)
		var pa, pr int
		if hasPrev {
			pa, pr = prev.AccountsNonCompliant, prev.Resources
		}
		cells[i] = []any{
			w.str(r.BaseName), w.str(managedBy(r)), w.str(r.ControlID), w.num(r.DeployedNames),
			w.str(r.Source), w.str(r.Identifier), w.str(strings.Join(r.ConformancePacks, ", ")),
			w.num(r.AccountsNonCompliant), w.num(r.AccountsCompliant),
			w.num(r.Compliant), w.num(r.NonCompliant), w.num(r.NotApplicable), w.num(r.InsufficientData),
			w.num(r.EvaluationErrors), w.num(r.Resources), w.compliance(r.Evaluations, false),
			w.change(r.AccountsNonCompliant, pa, hasPrev, upBad, "new rule"),
			w.resourceChange(r.Resources, pr, hasPrev, "new rule"),
			w.rulePageLink(r), w.link(managedRuleDocURL(r.Source, r.Identifier), "AWS documentation"),
			w.severityCell(r.Severity), w.oldest(r),
		}
		for j, v := range cells[i] {
			ls[j].addLen(w.cellWidth(v))
		}
	}
	sw, row, err := w.table(SheetRules, fitColumns(cols, ls), nil, len(rules))
	if err != nil {
		return err
	}
	if err := w.twoPagesWide(SheetRules); err != nil {
		return err
	}
	for _, c := range cells {
		if err := sw.SetRow("A"+strconv.Itoa(row), c); err != nil {
			return err
		}
		row++
	}
	return sw.Flush()
}

// ruleDeployment is where a rule identity is deployed: an account, a
// region, and the rule's deployed name there.
type ruleDeployment struct {
	rank                  int // the region's place in the configured regions
	account, region, name string
}

// note records a deployment in the region of rank (its place in the
// configured regions, -1 for none) when no deployment in an earlier
// region is recorded: accounts come in ID order, so the first account
// with the rule in the first region where it is deployed.
func (d *ruleDeployment) note(rank int, account, region, name string) {
	if rank < 0 || d.name != "" && rank >= d.rank {
		return
	}
	*d = ruleDeployment{rank: rank, account: account, region: region, name: name}
}

// rulePageLink links a rule to its page in the AWS Config console, in the
// first configured region where it is deployed (and through the access
// portal, the first account there); nothing when no deployment is known.
func (w *workbook) rulePageLink(r *RuleSummary) any {
	agg := w.b.rules[r.identity().Key()]
	if agg == nil || agg.where.name == "" {
		return nil
	}
	d := agg.where
	return w.link(w.b.opts.Console.open(d.account, ruleURL(d.region, d.name)), "Open in "+d.region)
}

func (r *RuleSummary) accountsNonCompliant() int {
	if r == nil {
		return 0
	}
	return r.AccountsNonCompliant
}

// oldest is the age of a rule's oldest open finding, blank without one.
func (w *workbook) oldest(r *RuleSummary) any {
	if r.Resources == 0 {
		return nil
	}
	return w.num(r.OldestDays)
}
