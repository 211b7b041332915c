package report

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// openpyxlScript reads a workbook with openpyxl, a reader independent of
// excelize, and prints what the test compares as JSON.
const openpyxlScript = `
import json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames, "tables": {}}
for ws in wb.worksheets:
    if ws.title == "Summary":
        continue
    header_row = next(r for r in range(1, 30) if ws.cell(row=r, column=1).value in ("Account ID", "Rule"))
    out["tables"][ws.title] = {
        "header": [c.value for c in ws[header_row]],
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "rows": ws.max_row,
        "printArea": ",".join(ws.print_area or []),
        "printTitles": ws.print_title_rows or "",
    }
acc = wb["Accounts"]
head = [c.value for c in acc[1]]
comp = head.index("Compliance") + 1
out["compliance"] = {
    acc.cell(row=r, column=1).value: [round(acc.cell(row=r, column=comp).value, 4), acc.cell(row=r, column=comp).fill.fgColor.rgb[-6:], acc.cell(row=r, column=comp).number_format]
    for r in range(2, acc.max_row + 1)
    if acc.cell(row=r, column=comp).value is not None
}
res = wb["Non-compliant resources"]
rhead = [c.value for c in res[1]]
link = res.cell(row=2, column=rhead.index("Link") + 1)
recorded = res.cell(row=2, column=rhead.index("Recorded at (UTC)") + 1)
out["link"] = link.value
out["recorded"] = recorded.value.isoformat()
out["recordedFormat"] = recorded.number_format
summary = {}
for row in wb["Summary"].iter_rows(values_only=True):
    if row[0] and row[1] is not None:
        summary[row[0]] = row[1]
out["summary"] = {k: summary[k] for k in ("Run", "Environment", "Accounts in the organization", "Accounts in this run", "Non-compliant resources (distinct)")}
out["complianceTotal"] = round(summary["Overall compliance"], 4)
# read_only=True trusts each sheet's <dimension>: it must see the same cells.
def trimmed(ws):
    rows = []
    for r in ws.iter_rows(values_only=True):
        r = list(r)
        while r and r[-1] is None:
            r.pop()
        rows.append([v.isoformat() if hasattr(v, "isoformat") else v for v in r])
    return rows
ro = openpyxl.load_workbook(sys.argv[1], read_only=True)
out["createdModified"] = [wb.properties.created.isoformat(), wb.properties.modified.isoformat()]
out["readOnlyDiffers"] = [ws.title for ws in wb.worksheets if trimmed(ws) != trimmed(ro[ws.title])]
print(json.dumps(out))
`

// pythonWithOpenpyxl returns the first Python 3 that can import openpyxl: the
// one on PATH, else Debian's (where python3-openpyxl installs it), else "".
func pythonWithOpenpyxl() string {
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import openpyxl").Run() == nil {
			return p
		}
	}
	return ""
}

// requireOpenpyxl returns a Python 3 with openpyxl; without one the test
// skips, except under CI (CI set), where it fails.
func requireOpenpyxl(t *testing.T) string {
	t.Helper()
	python := pythonWithOpenpyxl()
	if python == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 with openpyxl is needed under CI (Debian: apt-get install python3-openpyxl)")
		}
		t.Skip("python3 with openpyxl not available (Debian: apt-get install python3-openpyxl)")
	}
	return python
}

// TestOpenpyxlReadsWorkbook reads the workbook a second time with Python's
// openpyxl, so that a file only excelize can read does not pass. Without
// python3 and openpyxl the test skips, except under CI (CI set), where it fails.
func TestOpenpyxlReadsWorkbook(t *testing.T) {
	python := requireOpenpyxl(t)
	c := runtest.NewS3(t)
	newMixedRun(run1).put(t, c, run1)
	if _, err := newHandler(t, c).Handle(context.Background(), In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	path := download(t, c, run.WorkbookKey(run1))
	out, err := exec.Command(python, "-c", openpyxlScript, path).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("openpyxl could not read the workbook: %v\n%s", err, stderr)
	}
	type table struct {
		Header      []any  `json:"header"`
		Freeze      string `json:"freeze"`
		Filter      string `json:"filter"`
		Rows        int    `json:"rows"`
		PrintArea   string `json:"printArea"`
		PrintTitles string `json:"printTitles"`
	}
	var got struct {
		Sheets          []string         `json:"sheets"`
		Tables          map[string]table `json:"tables"`
		Compliance      map[string][]any `json:"compliance"`
		Link            string           `json:"link"`
		Recorded        string           `json:"recorded"`
		RecordedFormat  string           `json:"recordedFormat"`
		Summary         map[string]any   `json:"summary"`
		ComplianceTotal float64          `json:"complianceTotal"`
		ReadOnlyDiffers []string         `json:"readOnlyDiffers"`
		CreatedModified []string         `json:"createdModified"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	if cm := got.CreatedModified; len(cm) != 2 || cm[0] != cm[1] {
		t.Errorf("document created and modified = %q, want the same time (the build's)", cm)
	}
	if len(got.ReadOnlyDiffers) > 0 {
		t.Errorf("openpyxl with read_only=True reads other cells than without in %q: a sheet's <dimension> is wrong", got.ReadOnlyDiffers)
	}
	if diff := cmp.Diff([]string{SheetSummary, SheetAccounts, SheetRules, SheetResources, SheetResolved, SheetCoverage}, got.Sheets); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	// The header and the first column are frozen; the header repeats on
	// printed pages; the Coverage sheet prints its 11 gaps, not the 3
	// scanned account-regions after them, nor the recorded detail and the
	// recorder.
	wantTables := map[string]struct {
		first, freeze, filter string
		rows                  int
		printArea, titles     string
	}{
		SheetAccounts:  {"Account ID", "B2", "A1:R8", 8, "", "$1:$1"},
		SheetRules:     {"Rule", "B2", "A1:V12", 12, "", "$1:$1"},
		SheetResources: {"Account ID", "B2", "A1:V7", 7, "", "$1:$1"},
		SheetResolved:  {"Account ID", "B2", "A1:Q2", 2, "", "$1:$1"},
		SheetCoverage:  {"Account ID", "B10", "A9:J23", 23, "$A$1:$H$20", "$9:$9"},
	}
	for name, w := range wantTables {
		g := got.Tables[name]
		// excelize writes the filter range with absolute references.
		filter := strings.ReplaceAll(g.Filter, "$", "")
		if len(g.Header) == 0 || g.Header[0] != w.first || g.Freeze != w.freeze || filter != w.filter || g.Rows != w.rows ||
			g.PrintArea != w.printArea || g.PrintTitles != w.titles {
			t.Errorf("%s: header %v, frozen at %s, filter %s, %d rows, print area %q, titles %q; want header from %q, frozen at %s, filter %s, %d rows, print area %q, titles %q",
				name, g.Header, g.Freeze, g.Filter, g.Rows, g.PrintArea, g.PrintTitles, w.first, w.freeze, w.filter, w.rows, w.printArea, w.titles)
		}
	}
	wantCompliance := map[string][]any{
		"111111111111": {0.9, FillGreen, fmtPct},
		"222222222222": {0.8333, FillAmber, fmtPct},
		"333333333333": {0.3333, FillRed, fmtPct},
	}
	if diff := cmp.Diff(wantCompliance, got.Compliance); diff != "" {
		t.Errorf("compliance cells (-want +got):\n%s", diff)
	}
	if want := `=HYPERLINK("https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/resources/details?resourceId=logs-111&resourceType=AWS%3A%3AS3%3A%3ABucket","Open in AWS Config")`; got.Link != want {
		t.Errorf("link = %s, want %s", got.Link, want)
	}
	if got.Recorded != "2026-11-30T08:05:00" || got.RecordedFormat != fmtDate {
		t.Errorf("recorded at = %s in %q, want 2026-11-30T08:05:00 in %q", got.Recorded, got.RecordedFormat, fmtDate)
	}
	wantSummary := map[string]any{"Run": run1, "Environment": "test", "Accounts in the organization": 10.0, "Accounts in this run": 7.0, "Non-compliant resources (distinct)": 6.0}
	if diff := cmp.Diff(wantSummary, got.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if got.ComplianceTotal != 0.7895 {
		t.Errorf("overall compliance = %v, want 0.7895 (15 of 19)", got.ComplianceTotal)
	}
}

// openpyxlLongScript reads a workbook whose resource sheet is longer than
// its print area, with account-aware links.
const openpyxlLongScript = `
import json, sys
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
res = wb["Non-compliant resources"]
header_row = next(r for r in range(1, 30) if res.cell(row=r, column=1).value == "Account ID")
head = [c.value for c in res[header_row]]
acc = wb["Accounts"]
ahead = [c.value for c in acc[1]]
ro = openpyxl.load_workbook(sys.argv[1], read_only=True)
print(json.dumps({
    "note": res["A1"].value,
    "headerRow": header_row,
    "freeze": res.freeze_panes,
    "printArea": ",".join(res.print_area or []),
    "printTitles": res.print_title_rows,
    "rows": res.max_row,
    "readOnlyRows": sum(1 for _ in ro["Non-compliant resources"].iter_rows()),
    "link": res.cell(row=header_row + 1, column=head.index("Link") + 1).value,
    "consoleHeader": ahead[-1],
    "console": acc.cell(row=2, column=len(ahead)).value,
}))
`

// TestOpenpyxlReadsPrintAreaAndLinks: a resource sheet longer than a page
// prints its header and first rows only, says so above its table, and its
// links, like the Accounts sheet's, sign in through the access portal, as
// openpyxl reads them.
func TestOpenpyxlReadsPrintAreaAndLinks(t *testing.T) {
	python := requireOpenpyxl(t)
	c := runtest.NewS3(t)
	a := account("111111111111", "alpha", "Root", nil)
	var res []run.Resource
	for i := range printedRows + 5 {
		res = append(res, resource("r", "AWS::S3::Bucket", fmt.Sprintf("b%03d", i)))
	}
	putListed(t, c, run1, []run.Account{a}, scanned(run1, a, region("eu-west-1", []run.Rule{rule("r", run.NonCompliant)}, res...)))
	h := newHandler(t, c)
	h.Config.ConsoleStartURL, h.Config.ConsoleRoleName = testStartURL, testRoleName
	if _, err := h.Handle(context.Background(), In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", openpyxlLongScript, download(t, c, run.WorkbookKey(run1))).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("openpyxl could not read the workbook: %v\n%s", err, stderr)
	}
	var got struct {
		Note          string `json:"note"`
		HeaderRow     int    `json:"headerRow"`
		Freeze        string `json:"freeze"`
		PrintArea     string `json:"printArea"`
		PrintTitles   string `json:"printTitles"`
		Rows          int    `json:"rows"`
		ReadOnlyRows  int    `json:"readOnlyRows"`
		Link          string `json:"link"`
		ConsoleHeader string `json:"consoleHeader"`
		Console       string `json:"console"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode %s: %v", out, err)
	}
	// A note, a blank row, the header, 45 rows; 40 of them printed.
	want := map[string]any{"headerRow": 3, "freeze": "B4", "printArea": "$A$1:$V$43", "printTitles": "$3:$3", "rows": 48, "readOnlyRows": 48,
		"consoleHeader": "AWS console"}
	gotMap := map[string]any{"headerRow": got.HeaderRow, "freeze": got.Freeze, "printArea": got.PrintArea, "printTitles": got.PrintTitles,
		"rows": got.Rows, "readOnlyRows": got.ReadOnlyRows, "consoleHeader": got.ConsoleHeader}
	if diff := cmp.Diff(want, gotMap); diff != "" {
		t.Errorf("resource sheet (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(got.Note, "Printing prints the first 40 rows.") || !strings.Contains(got.Note, "Print Selection") {
		t.Errorf("note above the table = %q, want how printing works and how to print a filtered selection", got.Note)
	}
	wantLink := "https://d-1234567890.awsapps.com/start/#/console?account_id=111111111111&role_name=ReadOnly&destination=" +
		"https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fconfig%2Fhome%3Fregion%3Deu-west-1%23%2Fresources%2Fdetails%3FresourceId%3Db000%26resourceType%3DAWS%253A%253AS3%253A%253ABucket"
	if address, label := formulaLink(t, got.Link); address != wantLink || label != "Open in AWS Config" {
		t.Errorf("link = %s %q, want %s", address, label, wantLink)
	}
	if want := `=HYPERLINK("https://d-1234567890.awsapps.com/start/#/console?account_id=111111111111&role_name=ReadOnly","Open console")`; got.Console != want {
		t.Errorf("Accounts console link = %s, want %s", got.Console, want)
	}
}
