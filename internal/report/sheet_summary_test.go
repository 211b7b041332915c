package report

import (
	"context"
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// summaryWorkbook builds two runs, the second compared with the first and
// configured with a classification and Letter paper, and returns the
// second's workbook.
func summaryWorkbook(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	c := runtest.NewS3(t)
	a := account("111111111111", "alpha", "Root/Workloads/Prod", nil)
	b := account("222222222222", "bravo", "Root/Workloads/Dev", nil)
	bucket := "AWS::S3::Bucket"
	s3r := func(x run.Compliance) run.Rule { return rule("s3-versioning", x) }
	ok := rule("root-mfa", run.Compliant)
	putListed(t, c, run1, []run.Account{a, b},
		scanned(run1, a, region("eu-west-1", []run.Rule{ok, s3r(run.NonCompliant)}, resource("s3-versioning", bucket, "x1"))),
		scanned(run1, b, region("eu-west-1", []run.Rule{ok, s3r(run.Compliant)})),
	)
	putListed(t, c, run2, []run.Account{a, b},
		scanned(run2, a, region("eu-west-1", []run.Rule{ok, s3r(run.NonCompliant)}, resource("s3-versioning", bucket, "x1"))),
		scanned(run2, b, region("eu-west-1", []run.Rule{ok, s3r(run.NonCompliant)}, resource("s3-versioning", bucket, "b1"))),
	)
	h := newHandler(t, c)
	h.Config.PaperSize, h.Config.Classification = "Letter", "Internal & confidential"
	for _, id := range []string{run1, run2} {
		if _, err := h.Handle(ctx, In{RunID: id, Bucket: runtest.Bucket}); err != nil {
			t.Fatalf("Handle(%s): %v", id, err)
		}
	}
	return download(t, c, run.WorkbookKey(run2))
}

// TestSummarySheet reads back, with excelize, the headline block, the
// thresholds stated, the trend and the OU table with child OUs rolled up.
func TestSummarySheet(t *testing.T) {
	f, err := excelize.OpenFile(summaryWorkbook(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(SheetSummary, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	byLabel := map[string][]string{}
	for _, r := range rows {
		if len(r) < 2 {
			continue
		}
		if _, seen := byLabel[r[0]]; !seen { // the headline's, not the details' namesakes
			byLabel[r[0]] = r[1:]
		}
	}
	// Compliance: 2 of 4 evaluations the first run (ok, ok, non-compliant,
	// compliant: 3 of 4), 2 of 4 now: -25 pp; one more finding.
	for label, want := range map[string][]string{
		"Compliance":    {"0.5", "-25"},
		"Open findings": {"2", "1"},
		"New findings":  {"1"},
		run1:            {"2026-11-23", "0.75", "1"},
		run2:            {"2026-11-30", "0.5", "2"},
	} {
		got := byLabel[label]
		if len(got) > len(want) {
			got = got[:len(want)]
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Summary row %q (-want +got):\n%s", label, diff)
		}
	}
	if rows[0][0] != "AWS Config compliance — test" || !strings.HasPrefix(rows[3][0], "Headline") {
		t.Errorf("Summary opens with %q, %q; want the title, then the headline block", rows[0], rows[3])
	}
	legend := ""
	for _, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0], "Compliance colours:") {
			legend = r[0]
		}
	}
	if !strings.Contains(legend, "green at or above 90%, amber at or above 70%") || !strings.Contains(legend, `"better"`) {
		t.Errorf("thresholds legend = %q, want the thresholds and the change marks stated", legend)
	}
	// Child OUs rolled up: Root/Workloads holds both accounts.
	if got := byLabel["Root/Workloads"]; len(got) < 2 || got[0] != "2" || got[1] != "0" {
		t.Errorf("OU row Root/Workloads = %q, want 2 accounts with the OUs below, 0 directly", got)
	}
}

// TestSummaryCharts checks the charts' caches, bar colours and alt text in
// the saved package, which previewers read without recalculating.
func TestSummaryCharts(t *testing.T) {
	path := summaryWorkbook(t)
	ou, trend := zipEntry(t, path, "xl/charts/chart1.xml"), zipEntry(t, path, "xl/charts/chart2.xml")
	for name, want := range map[string][]string{
		"OU chart": {`<strCache><ptCount val="`, `<v>Root/Workloads/Dev</v>`, `<formatCode>0.0%</formatCode>`,
			`<v>0.5</v>`, `<dPt><idx val="0"></idx>`, `<a:srgbClr val="` + ChartRed + `">`, `<showVal val="1">`},
		"trend chart": {`<v>2026-11-23</v>`, `<v>2026-11-30</v>`, `<v>0.75</v>`, `<v>Compliance</v>`, `<v>Coverage</v>`},
	} {
		chart := map[string]string{"OU chart": ou, "trend chart": trend}[name]
		for _, w := range want {
			if !strings.Contains(chart, w) {
				t.Errorf("%s lacks %s", name, w)
			}
		}
		if strings.Contains(chart, "<numCache><formatCode></formatCode></numCache>") {
			t.Errorf("%s has an empty value cache", name)
		}
	}
	drawing := zipEntry(t, path, "xl/drawings/drawing1.xml")
	descr := regexp.MustCompile(`descr="([^"]*)"`).FindAllStringSubmatch(drawing, -1)
	if len(descr) != 2 || !strings.Contains(descr[0][1], "worst first: Root 50.0%, Root/Workloads 50.0%, Root/Workloads/Dev 50.0%") || !strings.Contains(descr[1][1], "Compliance: 2026-11-23 75.0%") {
		t.Errorf("charts' alt text = %q, want each chart's title and values", descr)
	}
}

// summaryOpenpyxlScript reads the print setup and fonts with openpyxl.
const summaryOpenpyxlScript = `
import json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    out[ws.title] = {
        "paper": ws.page_setup.paperSize,
        "orientation": ws.page_setup.orientation,
        "header": [ws.oddHeader.left.text, ws.oddHeader.right.text],
        "footer": [ws.oddFooter.left.text, ws.oddFooter.right.text],
    }
s = wb["Summary"]
out["fonts"] = sorted({(c.font.name, c.font.sz) for row in s.iter_rows() for c in row if c.value is not None and c.font.sz})
out["titleFont"] = [s["A1"].font.name, s["A1"].font.sz, s["A1"].font.b]
print(json.dumps(out))
`

// TestPrintSetupAndFonts reads every sheet's print setup and the Summary's
// fonts with openpyxl, a reader independent of excelize.
func TestPrintSetupAndFonts(t *testing.T) {
	python := requireOpenpyxl(t)
	out, err := exec.Command(python, "-c", summaryOpenpyxlScript, summaryWorkbook(t)).Output()
	if err != nil {
		t.Fatalf("openpyxl: %v", err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	type setup struct {
		Paper       any      `json:"paper"`
		Orientation string   `json:"orientation"`
		Header      []string `json:"header"`
		Footer      []string `json:"footer"`
	}
	for _, sheet := range []string{SheetSummary, SheetAccounts, SheetRules, SheetResources, SheetCoverage} {
		var s setup
		if err := json.Unmarshal(got[sheet], &s); err != nil {
			t.Fatalf("%s: %v", sheet, err)
		}
		want := setup{Paper: "1", Orientation: "landscape", Header: []string{"&BInternal && confidential", "AWS Config compliance · test · run " + run2},
			Footer: []string{"&A", "Page &P of &N"}}
		if s.Paper == 1.0 { // openpyxl versions differ: a number or its text
			s.Paper = "1"
		}
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("%s print setup (-want +got):\n%s", sheet, diff)
		}
	}
	var fonts [][]any
	_ = json.Unmarshal(got["fonts"], &fonts)
	for _, f := range fonts {
		if f[0] != FontFamily {
			t.Errorf("Summary has a cell in font %v, want every cell in %s", f, FontFamily)
		}
	}
	var title []any
	_ = json.Unmarshal(got["titleFont"], &title)
	if diff := cmp.Diff([]any{FontFamily, 16.0, true}, title); diff != "" {
		t.Errorf("title font (-want +got):\n%s", diff)
	}
}
