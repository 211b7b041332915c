package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// summaryFigures reads the Summary sheet's rows by their label, raw values.
func summaryFigures(t *testing.T, f *excelize.File) map[string][]string {
	t.Helper()
	raw, err := f.GetRows(SheetSummary, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	figures := map[string][]string{}
	for _, row := range raw {
		if len(row) > 1 {
			figures[row[0]] = row[1:]
		}
	}
	return figures
}

// TestOrganizationTotalsUnavailable: a run without a usable organization.json
// is still reported; its Summary says the organization's totals are
// unavailable, and why, rather than showing the run's own count as theirs.
func TestOrganizationTotalsUnavailable(t *testing.T) {
	other := mixedOrganization(run2)
	otherDoc, err := run.EncodeOrganization(other)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(t *testing.T, c *s3.Client)
		reason string
	}{
		{
			name: "no record",
			change: func(t *testing.T, c *s3.Client) {
				if _, err := c.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(runtest.Bucket), Key: aws.String(run.OrganizationKey(run1))}); err != nil {
					t.Fatal(err)
				}
			},
			reason: "the run has no " + run.OrganizationKey(run1) + " (ListAccounts records the organization only when it lists a new run)",
		},
		{
			name: "counts that do not add up",
			change: func(t *testing.T, c *s3.Client) {
				putObject(t, c, run.OrganizationKey(run1), `{"schemaVersion":1,"runId":"`+run1+`","listedAt":"2026-11-23T09:00:04Z","accounts":9,"active":7}`)
			},
			reason: "unusable record: decode organization " + run.OrganizationKey(run1) + ": run " + run1 + ": 9 accounts, but 7 active + 0 excluded + 0 inactive = 7",
		},
		{
			name: "unknown schema",
			change: func(t *testing.T, c *s3.Client) {
				putObject(t, c, run.OrganizationKey(run1), `{"schemaVersion":2}`)
			},
			reason: "schemaVersion 2, this build reads 1",
		},
		{
			name:   "record of another run",
			change: func(t *testing.T, c *s3.Client) { putObject(t, c, run.OrganizationKey(run1), string(otherDoc)) },
			reason: "unusable record: " + run.OrganizationKey(run1) + " describes run " + run2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			c := runtest.NewS3(t)
			newMixedRun(run1).put(t, c, run1)
			tt.change(t, c)
			out, err := newHandler(t, c).Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket})
			if err != nil {
				t.Fatalf("Handle: %v", err)
			}
			if out.Accounts != 7 || out.Failed != 3 {
				t.Errorf("Handle() = %+v, want 7 accounts, 3 failed", out)
			}
			sum, err := DecodeSummary("", getObject(t, c, run.SummaryKey(run1)))
			if err != nil {
				t.Fatal(err)
			}
			if sum.Totals.Organization != nil || sum.Totals.Accounts != 7 {
				t.Errorf("totals: organization %+v, %d accounts; want none, 7", sum.Totals.Organization, sum.Totals.Accounts)
			}
			if raw := string(getObject(t, c, run.SummaryKey(run1))); strings.Contains(raw, `"organization"`) {
				t.Errorf("summary.json holds organization totals it does not have:\n%.300s", raw)
			}

			f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))
			figures := summaryFigures(t, f)
			for label, want := range map[string][]string{
				"Accounts in the organization":                     {unavailableText, "—", firstRunText},
				"Accounts not active (suspended, closing, closed)": {unavailableText, "—", firstRunText},
				"Accounts excluded by configuration":               {unavailableText, "—", firstRunText},
				"Accounts in this run":                             {"7", "—", firstRunText},
			} {
				if diff := cmp.Diff(want, figures[label]); diff != "" {
					t.Errorf("Summary %q (-want +got):\n%s", label, diff)
				}
			}
			if got := figures["Organization"]; len(got) == 0 || !strings.HasPrefix(got[0], "Totals unavailable for this run: ") || !strings.Contains(got[0], tt.reason) {
				t.Errorf("Summary says of the organization %q, want that its totals are unavailable because %q", got, tt.reason)
			}

			m, err := emailMessage(&Report{Summary: sum}, "reports@example.com", []string{"platform@example.com"}, emailLinks{Bucket: runtest.Bucket, Download: "https://example.com/link"})
			if err != nil {
				t.Fatal(err)
			}
			if want := `Accounts in the organization</td><td align="right">unavailable<`; !strings.Contains(m.HTML, want) {
				t.Errorf("e-mail lacks %s:\n%s", want, m.HTML)
			}
		})
	}
}

// TestOrganizationWeekOverWeek: the organization's totals are compared with
// the previous run's; a summary without them (one written before they were
// recorded, or a run of only some accounts) still decodes but is not
// compared with.
func TestOrganizationWeekOverWeek(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	run3 := "2026-12-07T0900Z-cccc3333"
	a := account("111111111111", "alpha", "Root/Prod", nil)
	b := account("222222222222", "bravo", "Root/Prod", nil)
	cc := account("333333333333", "charlie", "Root/Dev", nil)
	d := account("444444444444", "delta", "Root/Dev", nil)
	ok := []run.Rule{rule("root-mfa", run.Compliant)}
	put := func(runID string, accounts []run.Account, org *run.Organization) {
		t.Helper()
		var shards []*run.Shard
		for _, acct := range accounts {
			shards = append(shards, scanned(runID, acct, region("eu-west-1", ok)))
		}
		putRun(t, c, runID, accounts, shards...)
		if org == nil {
			return
		}
		if _, err := run.PutOrganization(ctx, c, runtest.Bucket, org); err != nil {
			t.Fatal(err)
		}
	}
	listed := func(runID string, active, excluded int, inactive map[string]int) *run.Organization {
		o := &run.Organization{SchemaVersion: run.OrganizationVersion, RunID: runID, ListedAt: time.Date(2026, 11, 30, 9, 0, 2, 0, time.UTC),
			Active: active, Excluded: excluded, Inactive: inactive}
		o.Accounts = o.Active + o.Excluded + o.InactiveTotal()
		return o
	}
	put(run1, []run.Account{a, b, cc}, nil)
	put(run2, []run.Account{a, b, cc}, listed(run2, 3, 1, map[string]int{"SUSPENDED": 1}))
	put(run3, []run.Account{a, b, cc, d}, listed(run3, 4, 1, map[string]int{"SUSPENDED": 1, "PENDING_CLOSURE": 1, "CLOSED": 1}))

	h := newHandler(t, c)
	for _, id := range []string{run1, run2, run3} {
		if _, err := h.Handle(ctx, In{RunID: id, Bucket: runtest.Bucket}); err != nil {
			t.Fatalf("Handle(%s): %v", id, err)
		}
	}

	// run1's summary has no organization totals, as summaries written before
	// they existed: it decodes, but run2 does not compare with it.
	if raw := string(getObject(t, c, run.SummaryKey(run1))); strings.Contains(raw, `"organization"`) {
		t.Fatalf("run1's summary.json has organization totals:\n%.300s", raw)
	}
	if _, err := DecodeSummary("", getObject(t, c, run.SummaryKey(run1))); err != nil {
		t.Fatalf("run1's summary does not decode: %v", err)
	}
	f2 := openWorkbook(t, download(t, c, run.WorkbookKey(run2)))
	for label, want := range map[string][]string{
		"Compared with":                                    {"First run: there is no previous report to compare with, so no changes are shown."},
		"Accounts in the organization":                     {"5", "—", firstRunText},
		"Accounts not active (suspended, closing, closed)": {"1", "—", firstRunText},
		"Accounts excluded by configuration":               {"1", "—", firstRunText},
		"Accounts in this run":                             {"3", "—", firstRunText},
	} {
		if diff := cmp.Diff(want, summaryFigures(t, f2)[label]); diff != "" {
			t.Errorf("run2 Summary %q (-want +got):\n%s", label, diff)
		}
	}

	f3 := openWorkbook(t, download(t, c, run.WorkbookKey(run3)))
	figures := summaryFigures(t, f3)
	for label, want := range map[string][]string{
		"Compared with":                                    {run2},
		"Accounts in the organization":                     {"8", "5", "3"},
		"Accounts not active (suspended, closing, closed)": {"3", "1", "2"},
		"Accounts excluded by configuration":               {"1", "1", "0"},
		"Accounts in this run":                             {"4", "3", "1"},
	} {
		if diff := cmp.Diff(want, figures[label]); diff != "" {
			t.Errorf("run3 Summary %q (-want +got):\n%s", label, diff)
		}
	}
	if got, want := figures["Organization"], "Not active: 1 suspended, 1 closing, 1 closed."; len(got) == 0 || !strings.Contains(got[0], want) {
		t.Errorf("run3 Summary says of the organization %q, want it to contain %q", got, want)
	}
	sum3, err := DecodeSummary("", getObject(t, c, run.SummaryKey(run3)))
	if err != nil {
		t.Fatal(err)
	}
	want := &OrganizationTotals{Accounts: 8, Inactive: 3, InactiveByState: map[string]int{"SUSPENDED": 1, "PENDING_CLOSURE": 1, "CLOSED": 1}, Excluded: 1}
	if diff := cmp.Diff(want, sum3.Totals.Organization); diff != "" {
		t.Errorf("run3 summary.json organization totals (-want +got):\n%s", diff)
	}
}

func TestOrganizationText(t *testing.T) {
	listedAt := time.Date(2026, 11, 30, 9, 0, 4, 0, time.UTC)
	tests := []struct {
		name    string
		org     *run.Organization
		missing string
		want    string
	}{
		{
			name: "whole organization, all active",
			org:  &run.Organization{ListedAt: listedAt},
			want: "Listed by ListAccounts at 2026-11-30 09:00:04 UTC; re-runs do not change these totals.",
		},
		{
			name: "states in order, OU filters",
			org: &run.Organization{ListedAt: listedAt, IncludeOUs: []string{"r-ab12"}, ExcludeOUs: []string{"ou-ab12-sandbox1", "ou-ab12-lab00001"},
				Inactive: map[string]int{"CLOSED": 3, "SUSPENDED": 2, "PENDING_CLOSURE": 1, "PENDING_ACTIVATION": 1, "UNKNOWN": 1}},
			want: "Listed by ListAccounts at 2026-11-30 09:00:04 UTC; re-runs do not change these totals. " +
				"Not active: 2 suspended, 1 closing, 3 closed, 1 pending activation, 1 unknown. " +
				"Only the accounts in INCLUDE_OUS (r-ab12) are counted. " +
				"The accounts in EXCLUDE_OUS (ou-ab12-sandbox1, ou-ab12-lab00001) are not counted.",
		},
		{
			name: "tags not read for some accounts",
			org:  &run.Organization{ListedAt: listedAt, Untagged: 3},
			want: "Listed by ListAccounts at 2026-11-30 09:00:04 UTC; re-runs do not change these totals. " +
				"Tags not read (ListAccounts' deadline came near): 3 accounts, whose tag columns are blank.",
		},
		{
			name:    "unavailable",
			missing: "the run has no runs/x/organization.json",
			want:    "Totals unavailable for this run: the run has no runs/x/organization.json. Only the run's own accounts (its manifests) are counted.",
		},
		{
			name: "unavailable, no reason given",
			want: "Totals unavailable for this run: none were recorded. Only the run's own accounts (its manifests) are counted.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &workbook{b: &builder{in: Input{Organization: tt.org, OrganizationMissing: tt.missing}}}
			if got := w.organizationText(); got != tt.want {
				t.Errorf("organizationText() = %q, want %q", got, tt.want)
			}
		})
	}
}
