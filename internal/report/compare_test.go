package report

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// TestWeekOverWeek builds two runs by hand: resources that are new,
// persisting, resolved, and not re-checked (their account is not scanned the
// second time), and checks the comparison on every sheet.
func TestWeekOverWeek(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	a := account("111111111111", "alpha", "Root/Prod", nil)
	b := account("222222222222", "bravo", "Root/Prod", nil)
	cc := account("333333333333", "charlie", "Root/Dev", nil)
	d := account("444444444444", "delta", "Root/Dev", nil)
	bucket := "AWS::S3::Bucket"
	s3r := func(x run.Compliance) run.Rule { return rule("s3-versioning", x) }
	ec2r := func(x run.Compliance) run.Rule { return rule("ec2-imdsv2", x) }
	ok := rule("root-mfa", run.Compliant)

	putListed(t, c, run1, []run.Account{a, b, cc},
		scanned(run1, a, region("eu-west-1", []run.Rule{ok, s3r(run.NonCompliant), ec2r(run.NonCompliant)},
			resource("s3-versioning", bucket, "x1"), resource("s3-versioning", bucket, "x2"), resource("ec2-imdsv2", "AWS::EC2::Instance", "i-1"))),
		scanned(run1, b, region("eu-west-1", []run.Rule{s3r(run.NonCompliant)}, resource("s3-versioning", bucket, "b1"))),
		scanned(run1, cc, region("eu-west-1", []run.Rule{s3r(run.NonCompliant)}, resource("s3-versioning", bucket, "c1"))),
	)
	putListed(t, c, run2, []run.Account{a, b, cc, d},
		scanned(run2, a, region("eu-west-1", []run.Rule{ok, s3r(run.NonCompliant), ec2r(run.Compliant)},
			resource("s3-versioning", bucket, "x1"), resource("s3-versioning", bucket, "x3"))),
		// b has no shard this time.
		scanned(run2, cc,
			region("eu-west-1", []run.Rule{s3r(run.NonCompliant)}, resource("s3-versioning", bucket, "c1")),
			region("us-east-1", []run.Rule{s3r(run.NonCompliant)}, resource("s3-versioning", bucket, "c2"))),
		scanned(run2, d, region("eu-west-1", []run.Rule{s3r(run.NonCompliant)}, resource("s3-versioning", bucket, "d1"))),
	)
	// Neither a later run nor a report prefix without a summary is "previous".
	later := "2026-12-07T0900Z-dddd4444"
	putListed(t, c, later, []run.Account{a}, scanned(later, a, region("eu-west-1", []run.Rule{ok})))
	putObject(t, c, run.CSVKey("2026-11-28T0900Z-cccc3333"), "account_id\n")

	h := newHandler(t, c)
	for _, id := range []string{run1, later, run2} {
		if _, err := h.Handle(ctx, In{RunID: id, Bucket: runtest.Bucket}); err != nil {
			t.Fatalf("Handle(%s): %v", id, err)
		}
	}

	sum, err := DecodeSummary("", getObject(t, c, run.SummaryKey(run2)))
	if err != nil {
		t.Fatal(err)
	}
	// c2 (a region run1 did not read) and d1 (an account run1 did not have)
	// may be old: not previously checked, not new.
	want := &Comparison{PreviousRunID: run1, New: 1, NotPreviouslyChecked: 2, Persisting: 2, Resolved: 2, NotRechecked: 1}
	if diff := cmp.Diff(want, sum.Comparison); diff != "" {
		t.Errorf("comparison (-want +got):\n%s", diff)
	}

	f := openWorkbook(t, download(t, c, run.WorkbookKey(run2)))

	t.Run("new since last run", func(t *testing.T) {
		got := map[string]string{}
		res := rows(t, f, SheetResources)
		id, isNew := col(t, res[0], "Resource ID"), col(t, res[0], "New since last run")
		for _, r := range res[1:] {
			got[r[id]] = r[isNew]
		}
		want := map[string]string{"x1": "no", "x3": "yes", "c1": "no", "c2": "not checked last run", "d1": "not checked last run"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("New since last run (-want +got):\n%s", diff)
		}
	})

	t.Run("resolved", func(t *testing.T) {
		r := rows(t, f, SheetResolved)
		rule, id, status := col(t, r[0], "Rule"), col(t, r[0], "Resource ID"), col(t, r[0], "Status")
		var got [][]string
		for _, row := range r[1:] {
			got = append(got, []string{row[0], row[rule], row[id], row[status]})
		}
		want := [][]string{
			{"111111111111", "ec2-imdsv2", "i-1", "resolved"},
			{"111111111111", "s3-versioning", "x2", "resolved"},
			{"222222222222", "s3-versioning", "b1", "not re-checked: account or region not scanned in this run"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Resolved rows (-want +got):\n%s", diff)
		}
	})

	t.Run("accounts", func(t *testing.T) {
		got := map[string][2]string{}
		for i, r := range rows(t, f, SheetAccounts)[1:] {
			n := strconv.Itoa(i + 2)
			got[r[0]] = [2]string{rawCell(t, f, SheetAccounts, "Q"+n), rawCell(t, f, SheetAccounts, "R"+n)}
		}
		want := map[string][2]string{
			"111111111111": {"33.3", "-1"}, // 1/3 → 2/3 compliant; 3 → 2 resources
			"222222222222": {"", ""},       // not scanned now: nothing to compare
			"333333333333": {"0", "1"},     // 0/1 → 0/2; 1 → 2 resources
			"444444444444": {"new account", "new account"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("account changes (-want +got):\n%s", diff)
		}
		if got, want := numFmt(t, f, SheetAccounts, "R2"), deltaFormat("#,##0", "", " better"); got != want {
			t.Errorf("resources change format = %q, want %q", got, want)
		}
		if got := fontColor(t, f, SheetAccounts, "R2"); got != FontGood {
			t.Errorf("fewer resources shown in %q, want %q", got, FontGood)
		}
		if got := fontColor(t, f, SheetAccounts, "R4"); got != FontBad {
			t.Errorf("more resources shown in %q, want %q", got, FontBad)
		}
		if got, want := numFmt(t, f, SheetAccounts, "Q2"), deltaFormat("0.0", " pp", " better"); got != want {
			t.Errorf("compliance change format = %q, want %q", got, want)
		}
	})

	t.Run("rules", func(t *testing.T) {
		got := map[string][2]string{}
		for i, r := range rows(t, f, SheetRules)[1:] {
			n := strconv.Itoa(i + 2)
			got[r[0]] = [2]string{rawCell(t, f, SheetRules, "Q"+n), rawCell(t, f, SheetRules, "R"+n)}
		}
		want := map[string][2]string{
			"s3-versioning": {"0", "1"},   // a, b, c → a, c, d; 4 → 5 resources
			"ec2-imdsv2":    {"-1", "-1"}, // fixed in a
			"root-mfa":      {"0", "0"},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("rule changes (-want +got):\n%s", diff)
		}
	})

	t.Run("summary", func(t *testing.T) {
		figures := map[string][]string{}
		raw, err := f.GetRows(SheetSummary, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range raw {
			if len(row) > 1 {
				figures[row[0]] = row[1:]
			}
		}
		for label, want := range map[string][]string{
			"Compared with":                      {run1},
			"Accounts in this run":               {"4", "3", "1"},
			"Accounts in the organization":       {"4", "3", "1"},
			"Accounts not scanned":               {"1", "0", "1"},
			"Non-compliant resources (distinct)": {"5", "5", "0"},
			"New findings":                       {"1"},
			"Findings not previously checked (account or region not read last run)": {"2"},
			"Findings resolved since the previous run":                              {"2"},
			"Findings still open since the previous run":                            {"2"},
			"Findings not re-checked (account or region not scanned now)":           {"1"},
		} {
			if diff := cmp.Diff(want, figures[label]); diff != "" {
				t.Errorf("Summary %q (-want +got):\n%s", label, diff)
			}
		}
	})
}

// TestUnplacedResources: a resource of the previous run that is not in this
// one is resolved only when the previous run's CSV places it in an account
// and region scanned this time. Without its row (the CSV is gone, or does not
// list it) it is counted as unknown, never as resolved, and the workbook and
// the e-mail say why.
func TestUnplacedResources(t *testing.T) {
	a := account("111111111111", "alpha", "Root", nil)
	b := account("222222222222", "bravo", "Root", nil)
	rules := []run.Rule{rule("r", run.NonCompliant)}
	bucket := "AWS::S3::Bucket"
	tests := []struct {
		name string
		// previousCSV changes run1's CSV after its report is built.
		previousCSV func(t *testing.T, c *s3.Client)
		want        Comparison
		note        string
		// noteHas, when set, are parts of the note, which holds a parser's error.
		noteHas []string
	}{
		{
			name:        "CSV intact",
			previousCSV: func(*testing.T, *s3.Client) {},
			// gone-1 and gone-2 are in an account scanned again; b-1's account is not.
			want: Comparison{PreviousRunID: run1, Persisting: 1, Resolved: 2, NotRechecked: 1},
		},
		{
			name: "CSV deleted",
			previousCSV: func(t *testing.T, c *s3.Client) {
				if _, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(runtest.Bucket), Key: aws.String(run.CSVKey(run1))}); err != nil {
					t.Fatal(err)
				}
			},
			want: Comparison{PreviousRunID: run1, Persisting: 1, Unknown: 3},
			note: "3 findings of run " + run1 + " are not open in this run, but that run's CSV is missing (get s3://" + runtest.Bucket + "/" + run.CSVKey(run1) +
				": not found), so their account and region are unknown and whether they were re-checked cannot be said: counted as unknown, not resolved.",
		},
		{
			name: "CSV without a row",
			previousCSV: func(t *testing.T, c *s3.Client) {
				var kept []string
				for _, line := range strings.SplitAfter(string(getObject(t, c, run.CSVKey(run1))), "\n") {
					if !strings.Contains(line, "gone-2") {
						kept = append(kept, line)
					}
				}
				putObject(t, c, run.CSVKey(run1), strings.Join(kept, ""))
			},
			want: Comparison{PreviousRunID: run1, Persisting: 1, Resolved: 1, NotRechecked: 1, Unknown: 1},
			note: "1 finding of run " + run1 + " is not open in this run, but that run's CSV does not list it, so its account and region are unknown and whether it was re-checked cannot be said: counted as unknown, not resolved.",
		},
		{
			// A malformed row half-way: the report is still built, the
			// comparison of new and still-open findings is whole, and the
			// Summary names the file and what to do.
			name: "CSV damaged",
			previousCSV: func(t *testing.T, c *s3.Client) {
				lines := strings.SplitAfter(string(getObject(t, c, run.CSVKey(run1))), "\n")
				lines[2] = `111111111111,"alpha,eu-west-1` + "\n"
				putObject(t, c, run.CSVKey(run1), strings.Join(lines, ""))
			},
			want:    Comparison{PreviousRunID: run1, Persisting: 1, Unknown: 3},
			noteHas: []string{"3 findings of run " + run1, run.CSVKey(run1) + " cannot be read", "rebuild that run's report", "counted as unknown, not resolved."},
		},
		{
			name:        "CSV not a CSV of ours",
			previousCSV: func(t *testing.T, c *s3.Client) { putObject(t, c, run.CSVKey(run1), "\x00\x01 not,a,report\n") },
			want:        Comparison{PreviousRunID: run1, Persisting: 1, Unknown: 3},
			noteHas:     []string{run.CSVKey(run1) + " cannot be read", `no column "account_id"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			c := runtest.NewS3(t)
			putListed(t, c, run1, []run.Account{a, b},
				scanned(run1, a, region("eu-west-1", rules, resource("r", bucket, "gone-1"), resource("r", bucket, "gone-2"), resource("r", bucket, "stays"))),
				scanned(run1, b, region("eu-west-1", rules, resource("r", bucket, "b-1"))))
			// b has no shard this time.
			putListed(t, c, run2, []run.Account{a, b}, scanned(run2, a, region("eu-west-1", rules, resource("r", bucket, "stays"))))
			h := newHandler(t, c)
			if _, err := h.Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
				t.Fatal(err)
			}
			tt.previousCSV(t, c)
			if _, err := h.Handle(ctx, In{RunID: run2, Bucket: runtest.Bucket}); err != nil {
				t.Fatal(err)
			}
			sum, err := DecodeSummary("", getObject(t, c, run.SummaryKey(run2)))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&tt.want, sum.Comparison); diff != "" {
				t.Errorf("comparison (-want +got):\n%s", diff)
			}
			c1 := sum.Comparison
			if c1.Persisting+c1.Resolved+c1.NotRechecked+c1.Unknown != 4 || c1.New+c1.NotPreviouslyChecked+c1.Persisting != sum.Totals.Findings {
				t.Errorf("comparison %+v does not add up to the 4 previous and %d current findings", c1, sum.Totals.Findings)
			}

			f := openWorkbook(t, download(t, c, run.WorkbookKey(run2)))
			figures := summaryFigures(t, f)
			if got := figures["Findings unknown (not in the previous run's CSV)"]; len(got) == 0 || got[0] != strconv.Itoa(tt.want.Unknown) {
				t.Errorf("Summary shows unknown %q, want %d", got, tt.want.Unknown)
			}
			if got := figures["Findings resolved since the previous run"]; len(got) == 0 || got[0] != strconv.Itoa(tt.want.Resolved) {
				t.Errorf("Summary shows resolved %q, want %d", got, tt.want.Resolved)
			}
			if len(tt.noteHas) > 0 {
				for _, r := range rows(t, f, SheetSummary) {
					if len(r) > 0 && strings.Contains(r[0], "findings of run") {
						tt.note = r[0]
					}
				}
				for _, part := range tt.noteHas {
					if !strings.Contains(tt.note, part) {
						t.Errorf("Summary note %q lacks %q", tt.note, part)
					}
				}
			}
			if tt.note != "" {
				found := false
				for _, r := range rows(t, f, SheetSummary) {
					found = found || (len(r) > 0 && r[0] == tt.note)
				}
				if !found {
					t.Errorf("Summary lacks the note %q", tt.note)
				}
			}
			var statuses []string
			for _, r := range rows(t, f, SheetResolved)[1:] {
				statuses = append(statuses, r[len(r)-1])
			}
			if n := len(statuses); n != tt.want.Resolved+tt.want.NotRechecked && !(n == 1 && tt.want.Resolved+tt.want.NotRechecked == 0) {
				t.Errorf("Resolved sheet rows %q, want %d", statuses, tt.want.Resolved+tt.want.NotRechecked)
			}
			if tt.want.Resolved+tt.want.NotRechecked == 0 && (len(statuses) != 1 || statuses[0] != tt.note) {
				t.Errorf("Resolved sheet says %q, want the note %q", statuses, tt.note)
			}

			m, err := emailMessage(&Report{Summary: sum, Previous: &Summary{RunID: run1}}, "r@example.com", []string{"p@example.com"}, emailLinks{Bucket: runtest.Bucket})
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("<b>%d</b> resolved", tt.want.Resolved); !strings.Contains(m.HTML, want) {
				t.Errorf("e-mail lacks %q:\n%s", want, m.HTML)
			}
			unknown := fmt.Sprintf("%d unknown (not in the previous run's CSV)", tt.want.Unknown)
			if got := strings.Contains(m.HTML, unknown); got != (tt.want.Unknown > 0) {
				t.Errorf("e-mail says %q: %v, want %v:\n%s", unknown, got, tt.want.Unknown > 0, m.HTML)
			}
		})
	}
}

// TestFailedWeekDoesNotPoisonTheNext runs three weeks: all accounts scanned,
// then three of four without a shard (throttled past retries), then all
// again. The third week's findings in the accounts the second week did not
// read are "not previously checked", not new; only a finding where the
// second week did look is new.
func TestFailedWeekDoesNotPoisonTheNext(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	bucket := "AWS::S3::Bucket"
	rules := []run.Rule{rule("s3-versioning", run.NonCompliant)}
	accounts := []run.Account{
		account("111111111111", "alpha", "Root", nil), account("222222222222", "bravo", "Root", nil),
		account("333333333333", "charlie", "Root", nil), account("444444444444", "delta", "Root", nil),
	}
	week := func(runID string, scannedIdx []int, extra bool) {
		var shards []*run.Shard
		for _, i := range scannedIdx {
			a := accounts[i]
			res := []run.Resource{resource("s3-versioning", bucket, a.ID+"-b1"), resource("s3-versioning", bucket, a.ID+"-b2")}
			if extra && i == 0 {
				res = append(res, resource("s3-versioning", bucket, "new-one"))
			}
			shards = append(shards, scanned(runID, a, region("eu-west-1", rules, res...), region("us-east-1", rules)))
		}
		putListed(t, c, runID, accounts, shards...)
	}
	run3 := "2026-12-07T0900Z-cccc3333"
	week(run1, []int{0, 1, 2, 3}, false)
	week(run2, []int{0}, false)
	week(run3, []int{0, 1, 2, 3}, true)
	h := newHandler(t, c)
	for _, id := range []string{run1, run2, run3} {
		if _, err := h.Handle(ctx, In{RunID: id, Bucket: runtest.Bucket}); err != nil {
			t.Fatalf("Handle(%s): %v", id, err)
		}
	}
	get := func(id string) *Comparison {
		s, err := DecodeSummary("", getObject(t, c, run.SummaryKey(id)))
		if err != nil {
			t.Fatal(err)
		}
		return s.Comparison
	}
	// Week 2: alpha's two persist; the other six were not re-checked.
	if diff := cmp.Diff(&Comparison{PreviousRunID: run1, Persisting: 2, NotRechecked: 6}, get(run2)); diff != "" {
		t.Errorf("week 2 (-want +got):\n%s", diff)
	}
	// Week 3: alpha's two persist and new-one is new; the other six were
	// not checked by week 2.
	if diff := cmp.Diff(&Comparison{PreviousRunID: run2, New: 1, NotPreviouslyChecked: 6, Persisting: 2}, get(run3)); diff != "" {
		t.Errorf("week 3 (-want +got):\n%s", diff)
	}
	f := openWorkbook(t, download(t, c, run.WorkbookKey(run3)))
	res := rows(t, f, SheetResources)
	id, isNew := col(t, res[0], "Resource ID"), col(t, res[0], "New since last run")
	got := map[string]string{}
	for _, r := range res[1:] {
		got[r[id]] = r[isNew]
	}
	if got["new-one"] != "yes" || got["111111111111-b1"] != "no" || got["222222222222-b1"] != "not checked last run" {
		t.Errorf("New since last run = %v", got)
	}
}
