package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
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

// maxFit is the longest value, in characters, a column is sized for; longer
// values wrap or are cut at the column's edge.
const maxFit = 120

// lengths counts a column's values by length in characters, so the column
// can be sized to fit most of them (the 95th percentile) without a pass
// over the rows: counting costs one increment per value.
type lengths struct {
	n     [maxFit + 1]uint32
	total uint32
}

// add counts a value of s's length (its longest line).
func (l *lengths) add(s string) { l.addLen(textWidth(s)) }

func (l *lengths) addLen(n int) {
	l.n[min(max(n, 0), maxFit)]++
	l.total++
}

// merge adds o's counts to l's.
func (l *lengths) merge(o *lengths) {
	for i, c := range o.n {
		l.n[i] += c
	}
	l.total += o.total
}

// p95 is the length 95 % of the values are at most; 0 without values.
func (l *lengths) p95() int {
	if l.total == 0 {
		return 0
	}
	need := (uint64(l.total)*95 + 99) / 100
	var seen uint64
	for n, c := range l.n {
		seen += uint64(c)
		if seen >= need {
			return n
		}
	}
	return maxFit
}

// textWidth is the length in characters of s's longest line.
func textWidth(s string) int {
	longest, n := 0, 0
	for _, r := range s {
		if r == '\n' {
			longest, n = max(longest, n), 0
			continue
		}
		n++
	}
	return max(longest, n)
}

// cellWidth is the length in characters a cell value shows as: its text,
// a count with thousands separators, a percentage, a date, or a change
// with its arrow and word ("▲ 12.5 pp better").
func (w *workbook) cellWidth(v any) int {
	c, ok := v.(excelize.Cell)
	if ok {
		v = c.Value
	}
	n := 0
	switch v := v.(type) {
	case nil:
		return 0
	case string:
		return textWidth(v)
	case int:
		n = len(strconv.Itoa(max(v, -v)))
		n += (n - 1) / 3 // thousands separators
	case float64:
		if !ok || !slices.Contains(w.s.deltaPP[:], c.StyleID) {
			v *= 100 // a fraction shown as a percentage
		}
		n = len(strconv.FormatFloat(v, 'f', 1, 64)) + 1
	case time.Time:
		return len(fmtDate)
	default:
		return textWidth(fmt.Sprint(v))
	}
	if ok && (slices.Contains(w.s.delta[:], c.StyleID) || slices.Contains(w.s.deltaPP[:], c.StyleID)) {
		n += len("▲  pp better") // at most this much around the number
	}
	return n
}

// fitColumns sizes each column to the 95th percentile of its values' lengths
// (counted in ls, one per column), at least as wide as its header's longest
// word and at most the column's own width, which wrapped text fills.
func fitColumns(cols []column, ls []lengths) []column {
	out := slices.Clone(cols)
	for i := range out {
		c := &out[i]
		head := headerWidth(c.title)
		w := head
		if i < len(ls) {
			w = max(w, float64(ls[i].p95())+2)
		}
		c.width = min(w, max(c.width, head))
	}
	return out
}

// headerWidth is the narrowest a column can be for its header, wrapped
// over the header row's three lines, to show whole words beside the
// filter button.
func headerWidth(title string) float64 {
	longest := 0
	for _, w := range strings.Fields(title) {
		longest = max(longest, textWidth(w))
	}
	return float64(max(longest, (textWidth(title)+2)/3)) + 3
}

// wrapped is a text cell whose text wraps within its column.
func (w *workbook) wrapped(v string) excelize.Cell {
	return excelize.Cell{StyleID: w.s.wrap, Value: cellText(v)}
}

// clipped is a text cell whose text wraps within the row's height, which
// it does not set: the start of a long recorded error shows in its column
// instead of running across the empty cells beside it. Without text it is
// no cell at all: most rows have no recorded error.
func (w *workbook) clipped(v string) any {
	if v == "" {
		return nil
	}
	return excelize.Cell{StyleID: w.s.clip, Value: cellText(v)}
}

// link is a cell that opens address and shows label (a HYPERLINK formula:
// the stream writer has no hyperlinks), or nil without an address.
func (w *workbook) link(address, label string) any {
	if address == "" {
		return nil
	}
	return excelize.Cell{StyleID: w.s.link, Formula: hyperlinkFormula(address, label), Value: label}
}

// lineHeight is the height in points of a line of the workbook's text
// (Arial 10), with the row's padding in padHeight.
const (
	lineHeight = 12.75
	padHeight  = 2
)

// charsPerWidth is how many characters of text a unit of column width
// holds: the unit is a digit's width, and Arial's letters and spaces
// average less (Liberation Sans, its metric twin, puts 63 characters of a
// reason on a line 48 wide; this leaves a margin for wider text).
const charsPerWidth = 1.2

// rowOpts sets the height of a row whose wrapped cells (w.wrapped) need
// more than one line in their columns: LibreOffice does not fit rows to
// wrapped text on opening an .xlsx, and Excel keeps what it is told, so
// the height is worked out here. A row with a clipped cell (w.clipped) gets
// its height too, so that no reader fits the row to that cell.
func (w *workbook) rowOpts(cells []any, cols []column) []excelize.RowOpts {
	lines, clipped := 1, false
	for i, v := range cells {
		c, ok := v.(excelize.Cell)
		if !ok || i >= len(cols) {
			continue
		}
		s, _ := c.Value.(string)
		switch {
		case c.StyleID == w.s.wrap:
			lines = max(lines, wrapLines(s, int(cols[i].width*charsPerWidth)))
		case c.StyleID == w.s.clip && s != "":
			clipped = true
		}
	}
	if lines == 1 && !clipped {
		return nil
	}
	return []excelize.RowOpts{{Height: rowHeight(lines)}}
}

// rowHeight is the height of a row of lines lines of text, at least the
// sheets' default.
func rowHeight(lines int) float64 {
	return max(defaultRowHeight, float64(lines)*lineHeight+padHeight)
}

// defaultRowHeight is the height excelize gives rows (sheetFormatPr).
const defaultRowHeight = 15

// wrapLines is how many lines s takes wrapped at width characters, breaking
// between words (and within a word longer than a line).
func wrapLines(s string, width int) int {
	width = max(width, 1)
	lines := 0
	for _, para := range strings.Split(s, "\n") {
		lines++
		n := 0 // characters on the current line
		for _, word := range strings.Fields(para) {
			l := textWidth(word)
			switch {
			case n == 0:
			case n+1+l <= width:
				n++ // the space before the word
			default:
				lines++
				n = 0
			}
			for l > width { // a word longer than a line
				l -= width
				lines++
			}
			n += l
		}
	}
	return max(lines, 1)
}
