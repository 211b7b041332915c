package report

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

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

// tagTitle is a tag column's header: the key with a capital.
func tagTitle(key string) string {
	r, n := utf8.DecodeRuneInString(key)
	return string(unicode.ToUpper(r)) + key[n:]
}

func (w *workbook) accounts() error {
	keys := w.tagKeys()
	cols := []column{{"Account ID", 15}, {"Account name", 28}, {"OU path", 32}}
	for _, k := range keys {
		cols = append(cols, column{tagTitle(k), 20})
	}
	cols = append(cols,
		column{"Status", 17}, column{"Reason", 90}, column{"Detail (as recorded)", 30}, column{"Regions scanned", 10},
		column{"Evaluations compliant", 12}, column{"Evaluations non-compliant", 13}, column{"Evaluations not applicable", 13},
		column{"Evaluations insufficient data", 13}, column{"Non-compliant resources", 13}, column{"Findings (resource × rule)", 13},
		column{"Compliance", 12}, column{"Compliance change", 16}, column{"Resources change", 16})
	console := w.b.opts.Console.enabled()
	if console {
		cols = append(cols, column{"AWS console", 16})
	}
	cells := make([][]any, len(w.b.accounts))
	ls := make([]lengths, len(cols))
	for i := range w.b.accounts {
		cells[i] = w.accountRow(&w.b.accounts[i], keys, console)
		for j, v := range cells[i] {
			ls[j].addLen(w.cellWidth(v))
		}
	}
	cols = fitColumns(cols, ls)
	sw, row, err := w.table(SheetAccounts, cols, nil, len(w.b.accounts))
	if err != nil {
		return err
	}
	if err := w.twoPagesWide(SheetAccounts); err != nil {
		return err
	}
	for _, c := range cells {
		if err := sw.SetRow("A"+strconv.Itoa(row), c, w.rowOpts(c, cols)...); err != nil {
			return err
		}
		row++
	}
	return sw.Flush()
}

// accountReason is the Accounts sheet's reason, accountWhatToDo's with each
// region cause's advice cut to what to do ("Config not enabled in
// ap-southeast-2: enable AWS Config in the region, or drop the region from
// `regions`"): the Coverage sheet says what is wrong in each region, and
// most reasons then fit on a line, which keeps the printed sheet short.
func accountReason(a *AccountSummary) string {
	r := accountWhatToDo(a)
	if a.Status != StatusPartial && a.Status != StatusNoData {
		return r
	}
	for _, st := range coverageOrder {
		advice := regionAdvice(st)
		if _, action, ok := strings.Cut(advice, "; "); ok {
			r = strings.ReplaceAll(r, ": "+advice, ": "+action)
		}
	}
	return r
}

// accountRow is an account's row of the Accounts sheet; console adds a
// link that signs in to the account through the access portal.
func (w *workbook) accountRow(a *AccountSummary, keys []string, console bool) []any {
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
		detail = recordedDetail(a.Reason) // partly read accounts: the Coverage sheet has each region's
	}
	cells = append(cells, w.str(a.Status), w.wrapped(accountReason(a)), w.clipped(detail))
	if hasResults(a.Status) {
		cells = append(cells, w.num(a.RegionsScanned),
			w.num(a.Compliant), w.num(a.NonCompliant), w.num(a.NotApplicable), w.num(a.InsufficientData),
			w.num(a.Resources), w.num(a.Findings), w.compliance(a.Evaluations, true), compChange, resChange)
	} else { // no figures: blank, not zeros
		cells = append(cells, nil, nil, nil, nil, nil, nil, nil, nil, compChange, resChange)
	}
	if console {
		cells = append(cells, w.link(w.b.opts.Console.home(a.ID), "Open console"))
	}
	return cells
}
