package report

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxCellChars is Excel's limit of characters (UTF-16 code units) in a cell.
const MaxCellChars = 32_767

// cellText returns s, or, when it is longer than a cell can hold, its start
// followed by a visible marker saying how much was cut. The CSV keeps the
// full value.
func cellText(s string) string {
	if len(s) <= MaxCellChars/2 { // fast path: cannot exceed the limit
		return s
	}
	n := utf16Len(s)
	if n <= MaxCellChars {
		return s
	}
	const marker = " … [truncated: %d of %d characters shown; full value in the CSV]"
	keep := MaxCellChars - utf16Len(fmt.Sprintf(marker, n, n)) // the longest the marker gets
	var b strings.Builder
	units := 0
	for _, r := range s {
		u := utf16.RuneLen(r)
		if u < 0 {
			u = 1
		}
		if units+u > keep {
			break
		}
		units += u
		b.WriteRune(r)
	}
	fmt.Fprintf(&b, marker, units, n)
	return b.String()
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 && r <= utf8.MaxRune {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// consoleURL returns the address of a resource's page in the AWS Config
// console of its region, in the partition the region belongs to.
func consoleURL(region, resourceType, resourceID string) string {
	host := region + ".console.aws.amazon.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		host = region + ".console.amazonaws.cn"
	case strings.HasPrefix(region, "us-gov-"):
		host = "console.amazonaws-us-gov.com"
	}
	q := url.Values{}
	q.Set("resourceId", resourceID)
	q.Set("resourceType", resourceType)
	return "https://" + host + "/config/home?region=" + url.QueryEscape(region) +
		"#/resources/details?" + q.Encode()
}

// maxFormulaString is the longest string literal Excel accepts in a formula.
const maxFormulaString = 255

// hyperlinkFormula returns a HYPERLINK formula (without the leading "=") that
// opens link and shows label. Literals longer than Excel's 255-character
// limit are split and joined with "&".
func hyperlinkFormula(link, label string) string {
	return "HYPERLINK(" + formulaString(link) + "," + formulaString(label) + ")"
}

func formulaString(s string) string {
	var parts []string
	for len(s) > 0 || len(parts) == 0 {
		n := 0
		cut := len(s)
		for i := range s { // cut at a rune boundary within the limit
			if n == maxFormulaString {
				cut = i
				break
			}
			n++
		}
		parts = append(parts, `"`+strings.ReplaceAll(s[:cut], `"`, `""`)+`"`)
		s = s[cut:]
	}
	return strings.Join(parts, "&")
}
