package report

import (
	"archive/zip"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// TestIgnoredErrors: every table sheet tells Excel that the numbers it
// holds as text (account and resource IDs) are meant as text, over its
// whole used range, so Excel flags none with a "number stored as text"
// triangle.
func TestIgnoredErrors(t *testing.T) {
	c := runtest.NewS3(t)
	newMixedRun(run1).put(t, c, run1)
	if _, err := newHandler(t, c).Handle(context.Background(), In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	path := download(t, c, run.WorkbookKey(run1))
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	dimension := regexp.MustCompile(`<dimension ref="([^"]+)"`)
	ignored := regexp.MustCompile(`<ignoredErrors><ignoredError sqref="([^"]+)" numberStoredAsText="(?:1|true)"></ignoredError></ignoredErrors>`)
	tables := 0
	for _, zf := range z.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			continue
		}
		xml := zipEntry(t, path, zf.Name)
		if !strings.Contains(xml, "<autoFilter") {
			continue // the Summary, not a table
		}
		tables++
		dim := dimension.FindStringSubmatch(xml)
		got := ignored.FindStringSubmatch(xml)
		if dim == nil || got == nil || got[1] != dim[1] {
			t.Errorf("%s: ignored errors %q, want numberStoredAsText over the used range %q", zf.Name, got, dim)
		}
		// The element's place in the sheet: after the page setup, as
		// ECMA-376 orders a worksheet's children.
		if i, j := strings.Index(xml, "<pageSetup"), strings.Index(xml, "<ignoredErrors>"); i < 0 || j < i {
			t.Errorf("%s: <ignoredErrors> at %d, before <pageSetup> at %d", zf.Name, j, i)
		}
	}
	if tables != 5 {
		t.Errorf("%d table sheets, want 5", tables)
	}
	f := openWorkbook(t, path)
	if v := cell(t, f, SheetAccounts, "A2"); v != "111111111111" {
		t.Errorf("Accounts!A2 = %q, want the account ID as text", v)
	}
}

// TestColumnWidths: columns fit most of their values (the 95th
// percentile), within the column's limit, never narrower than their
// header's words; reasons wrap.
func TestColumnWidths(t *testing.T) {
	c := runtest.NewS3(t)
	newMixedRun(run1).put(t, c, run1)
	if _, err := newHandler(t, c).Handle(context.Background(), In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))
	for _, tc := range []struct {
		sheet, col string
		want       float64
	}{
		{SheetAccounts, "A", 14},  // 12 digits and a margin
		{SheetAccounts, "G", 90},  // Reason: long, at its limit, wrapped
		{SheetAccounts, "I", 10},  // Regions scanned: one digit, its header's longest word
		{SheetResources, "L", 20}, // Resource type: AWS::EC2::Instance and a margin
		{SheetCoverage, "D", 11},  // Region: eu-west-1 and us-east-1
	} {
		got, err := f.GetColWidth(tc.sheet, tc.col)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s column %s is %v wide, want %v", tc.sheet, tc.col, got, tc.want)
		}
	}
	for _, ref := range []struct{ sheet, cell string }{{SheetAccounts, "G3"}, {SheetCoverage, "F9"}} {
		if st := cellStyle(t, f, ref.sheet, ref.cell); st.Alignment == nil || !st.Alignment.WrapText {
			t.Errorf("%s!%s (reason) does not wrap", ref.sheet, ref.cell)
		}
	}
}

func TestLengthsP95(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []int
		want   int
	}{
		{"none", nil, 0},
		{"one", []int{7}, 7},
		{"a long tail is left out", append(repeat(10, 95), repeat(100, 5)...), 10},
		{"past the tail it counts", append(repeat(10, 94), repeat(100, 6)...), 100},
		{"longer than a column fits", []int{500}, maxFit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var l lengths
			for _, v := range tc.values {
				l.addLen(v)
			}
			if got := l.p95(); got != tc.want {
				t.Errorf("p95() = %d, want %d", got, tc.want)
			}
		})
	}
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestFitColumns(t *testing.T) {
	cols := []column{{"Account ID", 15}, {"Reason", 48}, {"Evaluations insufficient data", 13}}
	ls := make([]lengths, 3)
	ls[0].add("111111111111")
	ls[1].add(strings.Repeat("x", 90))
	ls[2].add("3")
	got := fitColumns(cols, ls)
	want := []float64{14, 48, 15} // values + 2, the limit, the header's words
	for i := range want {
		if got[i].width != want[i] {
			t.Errorf("%s: width %v, want %v", got[i].title, got[i].width, want[i])
		}
	}
	if cols[1].width != 48 || fmt.Sprint(cols[0]) != fmt.Sprint(column{"Account ID", 15}) {
		t.Error("fitColumns changed its argument")
	}
}

func TestWrapLines(t *testing.T) {
	for _, tc := range []struct {
		name  string
		s     string
		width int
		want  int
	}{
		{"empty", "", 10, 1},
		{"fits", "one two", 7, 1},
		{"breaks between words", "one two three", 7, 2},
		{"a word longer than a line", strings.Repeat("x", 25), 10, 3},
		{"lines of its own", "a\nb\nc", 10, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := wrapLines(tc.s, tc.width); got != tc.want {
				t.Errorf("wrapLines(%q, %d) = %d, want %d", tc.s, tc.width, got, tc.want)
			}
		})
	}
}

// TestPrintLayout: rows with wrapped reasons are as tall as their lines
// (LibreOffice does not fit them itself), other rows keep the default;
// the wide sheets print two pages wide, across then down, and Coverage,
// whose printed columns fit, one.
func TestPrintLayout(t *testing.T) {
	c := runtest.NewS3(t)
	newMixedRun(run1).put(t, c, run1)
	if _, err := newHandler(t, c).Handle(context.Background(), In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))
	tall := 0
	for _, sheet := range []string{SheetAccounts, SheetCoverage} {
		r := rows(t, f, sheet)
		h := slices.IndexFunc(r, func(row []string) bool { return len(row) > 0 && row[0] == "Account ID" })
		reason := col(t, r[h], "Reason")
		name, _ := excelize.ColumnNumberToName(reason + 1)
		width, err := f.GetColWidth(sheet, name)
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range r[h+1:] {
			row = append(row, make([]string, len(r[h]))...)
			got, err := f.GetRowHeight(sheet, h+2+i)
			if err != nil {
				t.Fatal(err)
			}
			// Only the reason wraps: the detail is cut at its column.
			lines := wrapLines(row[reason], int(width*charsPerWidth))
			want := float64(lines)*lineHeight + padHeight
			switch {
			case lines == 1 && got != defaultRowHeight:
				t.Errorf("%s row %d (a reason of one line) is %v high, want the default", sheet, h+2+i, got)
			case lines > 1 && got != want:
				t.Errorf("%s row %d (a reason of %d lines) is %v high, want %v", sheet, h+2+i, lines, got, want)
			case lines > 1:
				tall++
			}
		}
	}
	if tall == 0 {
		t.Error("no row with a reason of more than one line: the test checks nothing")
	}
	for _, tc := range []struct {
		sheet string
		wide  int
	}{{SheetAccounts, 2}, {SheetRules, 2}, {SheetResources, 2}, {SheetResolved, 2}, {SheetCoverage, 1}} {
		got, err := f.GetPageLayout(tc.sheet)
		if err != nil {
			t.Fatal(err)
		}
		wide, order := 1, "downThenOver" // the defaults, which a sheet need not write
		if got.FitToWidth != nil {
			wide = *got.FitToWidth
		}
		if got.PageOrder != nil {
			order = *got.PageOrder
		}
		if wide != tc.wide || tc.wide == 2 && order != "overThenDown" {
			t.Errorf("%s prints %d pages wide, %s; want %d, across then down", tc.sheet, wide, order, tc.wide)
		}
	}
}
