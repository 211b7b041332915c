package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/config-report/config-report/internal/catalog"
	"github.com/config-report/config-report/internal/ruleid"
	"github.com/config-report/config-report/internal/setting"
)

// DefaultSLA is the longest a finding of each severity should stay open,
// in days (SLA_DAYS).
const DefaultSLA = "critical=7,high=30,medium=90,low=180"

// parseSLA reads SLA_DAYS: severity=days pairs, comma-separated, each
// severity at most once; a severity left out has no SLA.
func parseSLA(s string) (map[catalog.Severity]int, error) {
	out := map[catalog.Severity]int{}
	for _, pair := range setting.SplitList(s) {
		name, days, ok := strings.Cut(pair, "=")
		sev, err := catalog.ParseSeverity(strings.ToLower(strings.TrimSpace(name)))
		if !ok || err != nil {
			return nil, fmt.Errorf("%q is not severity=days with a severity of low, medium, high or critical", pair)
		}
		n, err := strconv.Atoi(strings.TrimSpace(days))
		if err != nil || n < 1 || n > 3650 {
			return nil, fmt.Errorf("%q: the days must be a whole number from 1 to 3650", pair)
		}
		if _, dup := out[sev]; dup {
			return nil, fmt.Errorf("%s is given twice", sev)
		}
		out[sev] = n
	}
	return out, nil
}

// SLATotals count the open findings older than their severity's SLA
// (SLA_DAYS). Absent from summaries written before it was counted.
type SLATotals struct {
	// Days is the SLA in days by severity ("critical": 7, …).
	Days map[string]int `json:"days"`
	// Past counts the findings past their SLA.
	Past int `json:"past"`
	// ByOU counts them by the OU path of their account.
	ByOU map[string]int `json:"byOu,omitempty"`
	// OwnerTag is the account tag ByOwner is by (OWNER_TAG), "" without.
	OwnerTag string         `json:"ownerTag,omitempty"`
	ByOwner  map[string]int `json:"byOwner,omitempty"`
}

// severity returns the catalog's entry for a rule identity, looked up once
// per identity.
func (b *builder) severity(id ruleid.Identity) catalog.Severity {
	k := id.Key()
	if sev, ok := b.severities[k]; ok {
		return sev
	}
	e, _ := b.catalog.Lookup(id)
	b.severities[k] = e.Severity
	return e.Severity
}

// noteSLA records a finding of account, of severity sev and age days,
// when it is past its SLA.
func (b *builder) noteSLA(finding uint64, account string, sev catalog.Severity, age int) {
	if d, ok := b.opts.SLA[sev]; ok && age > d {
		b.pastSLA[finding] = account
	}
}

// slaTotals counts the findings past their SLA by OU and owner.
func (b *builder) slaTotals() *SLATotals {
	t := &SLATotals{Days: map[string]int{}, ByOU: map[string]int{}, OwnerTag: b.opts.OwnerTag}
	for sev, d := range b.opts.SLA {
		t.Days[string(sev)] = d
	}
	accounts := make(map[string]int, len(b.in.Accounts))
	for i, a := range b.in.Accounts {
		accounts[a.ID] = i
	}
	if t.OwnerTag != "" {
		t.ByOwner = map[string]int{}
	}
	for _, account := range b.pastSLA {
		t.Past++
		a := b.in.Accounts[accounts[account]]
		t.ByOU[cmp.Or(a.OUPath, "(no OU)")]++
		if t.ByOwner != nil {
			t.ByOwner[cmp.Or(a.Tags[t.OwnerTag], "(no owner)")]++
		}
	}
	return t
}

// slaText writes an SLA for people: "critical 7 days, high 30, …", most
// urgent first.
func slaText(days map[string]int) string {
	var parts []string
	for _, sev := range slices.Backward(catalog.Severities) {
		if d, ok := days[string(sev)]; ok {
			parts = append(parts, fmt.Sprintf("%s %d", strings.ToLower(sev.Label()), d))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ") + " days"
}

// topCounts returns up to n keys of m with the largest counts, largest
// first, then by name.
func topCounts(m map[string]int, n int) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b)) })
	return keys[:min(n, len(keys))]
}
