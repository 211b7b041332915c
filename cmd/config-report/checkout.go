package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/config-report/config-report/internal/preflight"
)

// maxFindings is how many findings the text output lists; --format json
// lists them all.
const maxFindings = 15

// adviceWidth is where advice lines wrap.
const adviceWidth = 100

// printCheck prints a preflight's result as a table: one line per check
// with its symbol, what was found and, under it, what to do; then the
// unreachable accounts by OU and the first findings.
func printCheck(w io.Writer, res *preflight.Result, title string, took time.Duration) {
	fmt.Fprintf(w, "config-report check: %s, as %s, in %s\n\n", title, res.Caller, took.Round(100*time.Millisecond))
	width := 0
	for _, c := range res.Checks {
		width = max(width, len(c.Name))
	}
	indent := strings.Repeat(" ", 2+2+width+2)
	for _, c := range res.Checks {
		fmt.Fprintf(w, "  %s %-*s  %s\n", c.Status.Symbol(), width, c.Name, c.Detail)
		if c.Advice != "" {
			prefix := "→ "
			if c.Status == preflight.NotRun {
				prefix = "· "
			}
			for _, line := range wrap(prefix+c.Advice, adviceWidth-len(indent)) {
				fmt.Fprintf(w, "%s%s\n", indent, line)
			}
		}
	}
	if len(res.UnreachableByOU) > 0 {
		fmt.Fprintf(w, "\nUnreachable accounts by OU (read role not assumable):\n")
		pathWidth := len("OU")
		for _, ou := range res.UnreachableByOU {
			pathWidth = max(pathWidth, len(ou.Path))
		}
		fmt.Fprintf(w, "  %-*s  %-18s  %s\n", pathWidth, "OU", "ID", "unreachable")
		for _, ou := range res.UnreachableByOU {
			fmt.Fprintf(w, "  %-*s  %-18s  %d of %d checked\n", pathWidth, ou.Path, ou.ID, ou.Unreachable, ou.Checked)
		}
	}
	if n := len(res.Findings); n > 0 {
		// What needs fixing first, then the organization's choices.
		findings := slices.Clone(res.Findings)
		slices.SortStableFunc(findings, func(a, b preflight.Finding) int {
			return cmp.Compare(slices.Index(findingOrder, a.Diagnosis), slices.Index(findingOrder, b.Diagnosis))
		})
		shown := min(n, maxFindings)
		fmt.Fprintf(w, "\nFindings (%d", n)
		if shown < n {
			fmt.Fprintf(w, "; the first %d, --format json lists all", shown)
		}
		fmt.Fprintf(w, "):\n")
		rows := make([][4]string, shown)
		var widths [3]int
		for i, f := range findings[:shown] {
			where := f.AccountID
			if f.Region != "" {
				where += " " + f.Region
			}
			what := string(f.Diagnosis)
			if f.Action != "" && f.Diagnosis != preflight.Unreachable {
				what += " " + f.Action
			}
			rows[i] = [4]string{where, truncate(f.AccountName, 22), what, truncate(f.Message, 110)}
			for j := range widths {
				widths[j] = max(widths[j], len([]rune(rows[i][j])))
			}
		}
		for _, r := range rows {
			fmt.Fprintf(w, "  %s  %s  %s  %s\n", pad(r[0], widths[0]), pad(r[1], widths[1]), pad(r[2], widths[2]), r[3])
		}
	}
	fmt.Fprintln(w)
	var failed, notRun []string
	for _, c := range res.Checks {
		switch c.Status {
		case preflight.Failed:
			failed = append(failed, c.Name)
		case preflight.NotRun:
			notRun = append(notRun, c.Name)
		}
	}
	switch {
	case len(failed) > 0:
		fmt.Fprintf(w, "✗ %d of %d checks failed (%s): a run would fail or its report would have gaps\n", len(failed), len(res.Checks), strings.Join(failed, ", "))
	default:
		fmt.Fprintf(w, "✓ a run would succeed")
		if len(notRun) > 0 {
			fmt.Fprintf(w, " (not run: %s)", strings.Join(notRun, ", "))
		}
		fmt.Fprintln(w)
	}
}

// findingOrder is the order findings are listed in.
var findingOrder = []preflight.Diagnosis{preflight.Unreachable, preflight.NotSelected, preflight.CheckError, preflight.AccessDenied,
	preflight.RecorderStopped, preflight.ConfigNotEnabled, preflight.BlockedBySCP, preflight.RegionDisabled}

// wrap splits s into lines of at most width runes, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case len([]rune(line))+1+len([]rune(word)) > width:
			lines = append(lines, line)
			line = "  " + word
		default:
			line += " " + word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// pad pads s with spaces to n runes.
func pad(s string, n int) string {
	return s + strings.Repeat(" ", max(0, n-len([]rune(s))))
}

// truncate cuts s to n runes, marking the cut with "…".
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
