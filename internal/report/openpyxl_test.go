package report

import (
	"context"
	"encoding/json"
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
    header_row = 1 if ws.title != "Coverage" else 5
    out["tables"][ws.title] = {
        "header": [c.value for c in ws[header_row]],
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "rows": ws.max_row,
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
out["link"] = res["O2"].value
out["recorded"] = res["M2"].value.isoformat()
out["recordedFormat"] = res["M2"].number_format
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

// TestOpenpyxlReadsWorkbook reads the workbook a second time with Python's
// openpyxl, so that a file only excelize can read does not pass. Without
// python3 and openpyxl the test skips, except under CI (CI set), where it fails.
func TestOpenpyxlReadsWorkbook(t *testing.T) {
	python := pythonWithOpenpyxl()
	if python == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 with openpyxl is needed under CI (Debian: apt-get install python3-openpyxl)")
		}
		t.Skip("python3 with openpyxl not available (Debian: apt-get install python3-openpyxl)")
	}
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
		Header []any  `json:"header"`
		Freeze string `json:"freeze"`
		Filter string `json:"filter"`
		Rows   int    `json:"rows"`
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
	wantTables := map[string]struct {
		first, freeze, filter string
		rows                  int
	}{
		SheetAccounts:  {"Account ID", "A2", "A1:R8", 8},
		SheetRules:     {"Rule", "A2", "A1:R12", 12},
		SheetResources: {"Account ID", "A2", "A1:O7", 7},
		SheetResolved:  {"Account ID", "A2", "A1:N2", 2},
		SheetCoverage:  {"Account ID", "A6", "A5:J19", 19},
	}
	for name, w := range wantTables {
		g := got.Tables[name]
		// excelize writes the filter range with absolute references.
		filter := strings.ReplaceAll(g.Filter, "$", "")
		if len(g.Header) == 0 || g.Header[0] != w.first || g.Freeze != w.freeze || filter != w.filter || g.Rows != w.rows {
			t.Errorf("%s: header %v, frozen at %s, filter %s, %d rows; want header from %q, frozen at %s, filter %s, %d rows",
				name, g.Header, g.Freeze, g.Filter, g.Rows, w.first, w.freeze, w.filter, w.rows)
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
