package report

import (
	"context"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// TestSheetSplit checks that tables longer than a sheet continue on numbered
// sheets, each with its header, in order and without losing a row.
func TestSheetSplit(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	a := account("111111111111", "alpha", "Root", nil)
	b := account("222222222222", "bravo", "Root", nil)
	res := func(ids ...string) []run.Resource {
		var out []run.Resource
		for _, id := range ids {
			out = append(out, resource("r", "AWS::S3::Bucket", id))
		}
		return out
	}
	rules := []run.Rule{rule("r", run.NonCompliant)}
	putListed(t, c, run1, []run.Account{a, b},
		scanned(run1, a, region("eu-west-1", rules, res("a1", "a2", "a3", "a4", "a5")...)),
		scanned(run1, b, region("eu-west-1", rules, res("b1", "b2")...)))
	putListed(t, c, run2, []run.Account{a, b},
		scanned(run2, a, region("eu-west-1", rules, res("a6")...)),
		scanned(run2, b, region("eu-west-1", rules, res("b1", "b2", "b3", "b4", "b5", "b6", "b7")...)))

	h := newHandler(t, c)
	h.SheetRowLimit = 4 // a header and three rows per sheet
	for _, id := range []string{run1, run2} {
		if _, err := h.Handle(ctx, In{RunID: id, Bucket: runtest.Bucket}); err != nil {
			t.Fatal(err)
		}
	}
	f := openWorkbook(t, download(t, c, run.WorkbookKey(run2)))
	wantSheets := []string{SheetSummary, SheetAccounts, SheetRules,
		SheetResources, SheetResources + " 2", SheetResources + " 3",
		SheetResolved, SheetResolved + " 2", SheetCoverage}
	if diff := cmp.Diff(wantSheets, f.GetSheetList()); diff != "" {
		t.Fatalf("sheets (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		name   string
		sheets []string
		want   []string
	}{
		{"resources", wantSheets[3:6], []string{"a6", "b1", "b2", "b3", "b4", "b5", "b6", "b7"}},
		{"resolved", wantSheets[6:8], []string{"a1", "a2", "a3", "a4", "a5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, sh := range tc.sheets {
				r := rows(t, f, sh)
				if r[0][0] != "Account ID" {
					t.Errorf("%s has no header row: %q", sh, r[0])
				}
				if len(r) > 4 {
					t.Errorf("%s has %d rows, more than the limit of 4", sh, len(r))
				}
				id := col(t, r[0], "Resource ID")
				for _, row := range r[1:] {
					got = append(got, row[id])
				}
				if panes, err := f.GetPanes(sh); err != nil || !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 1 {
					t.Errorf("%s panes = %+v, %v; want the header and the first column frozen", sh, panes, err)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("rows across sheets (-want +got):\n%s", diff)
			}
		})
	}
	for _, name := range wantSheets {
		if n := len([]rune(name)); n > 31 {
			t.Errorf("sheet name %q has %d characters, Excel allows 31", name, n)
		}
	}
}

func TestLongCells(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	a := account("111111111111", "alpha", "Root", nil)
	long := strings.Repeat("é", 20_000) + strings.Repeat("😀", 10_000) // 40,000 UTF-16 units
	r := resource("r", "AWS::S3::Bucket", "b1")
	r.Annotation = long
	putRun(t, c, run1, []run.Account{a}, scanned(run1, a, region("eu-west-1", []run.Rule{rule("r", run.NonCompliant)}, r)))
	if _, err := newHandler(t, c).Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))
	res := rows(t, f, SheetResources)
	got := res[1][col(t, res[0], "Annotation")]
	if n := len(utf16.Encode([]rune(got))); n > MaxCellChars {
		t.Errorf("annotation cell has %d UTF-16 units, more than %d", n, MaxCellChars)
	}
	if !strings.HasPrefix(got, strings.Repeat("é", 20_000)) || !strings.Contains(got, "[truncated:") || !strings.Contains(got, "of 40000 characters shown") {
		t.Errorf("annotation cell does not keep its start and say it was truncated: ...%s", got[len(got)-120:])
	}
	if csv := string(getObject(t, c, run.CSVKey(run1))); !strings.Contains(csv, long) {
		t.Error("the CSV does not hold the full annotation")
	}
}

func TestCellText(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        string
		truncated bool
	}{
		{"short", "hello", false},
		{"exactly the limit", strings.Repeat("a", MaxCellChars), false},
		{"one over", strings.Repeat("a", MaxCellChars+1), true},
		{"astral runes count twice", strings.Repeat("😀", MaxCellChars/2+1), true},
		{"astral runes at the limit", strings.Repeat("😀", MaxCellChars/2) + "a", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cellText(tc.in)
			if n := len(utf16.Encode([]rune(got))); n > MaxCellChars {
				t.Errorf("cellText() has %d UTF-16 units", n)
			}
			if (got != tc.in) != tc.truncated || strings.Contains(got, "[truncated:") != tc.truncated {
				t.Errorf("cellText() truncated = %v, want %v", got != tc.in, tc.truncated)
			}
		})
	}
}

func TestHyperlinkFormula(t *testing.T) {
	for _, tc := range []struct {
		name, region, typ, id, want string
	}{
		{"commercial", "eu-west-1", "AWS::EC2::SecurityGroup", "sg-1",
			`HYPERLINK("https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/resources/details?resourceId=sg-1&resourceType=AWS%3A%3AEC2%3A%3ASecurityGroup","Open")`},
		{"china", "cn-north-1", "AWS::S3::Bucket", "b",
			`HYPERLINK("https://cn-north-1.console.amazonaws.cn/config/home?region=cn-north-1#/resources/details?resourceId=b&resourceType=AWS%3A%3AS3%3A%3ABucket","Open")`},
		{"govcloud", "us-gov-west-1", "AWS::S3::Bucket", "b",
			`HYPERLINK("https://console.amazonaws-us-gov.com/config/home?region=us-gov-west-1#/resources/details?resourceId=b&resourceType=AWS%3A%3AS3%3A%3ABucket","Open")`},
		{"quotes and ampersands are escaped", "eu-west-1", "Custom::T", `a"b&c`,
			`HYPERLINK("https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/resources/details?resourceId=a%22b%26c&resourceType=Custom%3A%3AT","Open")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hyperlinkFormula(consoleURL(tc.region, tc.typ, tc.id), "Open"); got != tc.want {
				t.Errorf("hyperlinkFormula() = %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("long links are split into 255-character literals", func(t *testing.T) {
		id := strings.Repeat("x", 600)
		got := hyperlinkFormula(consoleURL("eu-west-1", "AWS::S3::Bucket", id), "Open")
		body := strings.TrimSuffix(strings.TrimPrefix(got, `HYPERLINK("`), `","Open")`)
		literals := strings.Split(body, `"&"`)
		joined := ""
		for _, l := range literals {
			if len(l) > 255 {
				t.Errorf("literal of %d characters", len(l))
			}
			joined += l
		}
		if want := consoleURL("eu-west-1", "AWS::S3::Bucket", id); joined != want {
			t.Errorf("joined literals = %s, want %s", joined, want)
		}
		if len(literals) < 3 {
			t.Errorf("%d literals, want the link split", len(literals))
		}
	})
}
