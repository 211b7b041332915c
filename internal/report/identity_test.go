package report

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/ruleid"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// TestRuleIdentity: the rules AWS's services deploy under their own names
// (Security Hub's per account and region, organization rules, Control
// Tower's controls) come to one row per check and manager on the Rules
// sheet, counting accounts across every deployed name; a proactive-only
// rule is listed but counts nowhere; a region an SCP blocks says so.
func TestRuleIdentity(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	sh := func(suffix string, comp run.Compliance) run.Rule {
		r := rule("securityhub-iam-root-access-key-check-"+suffix, comp)
		r.CreatedBy = ruleid.CreatedBySecurityHub
		return r
	}
	org := rule("OrgConfigRule-s3-bucket-versioning-enabled-dbgzf8ba", run.Compliant)
	org.CreatedBy = ruleid.CreatedByOrganization
	proactive := rule("s3-bucket-logging-enabled", run.NotApplicable)
	proactive.EvaluationModes = []string{"PROACTIVE"}
	accountType := "AWS::::Account"

	a := account("111111111111", "alpha", "Root/Workloads", nil)
	b := account("222222222222", "beta", "Root/Workloads", nil)
	cc := account("333333333333", "gamma", "Root/Sandbox", nil)
	blocked := region("us-east-1", nil)
	blocked.Status, blocked.Reason, blocked.Recorder = run.RegionBlockedBySCP, "config:DescribeConfigRules denied by an SCP", nil
	putListed(t, c, run1, []run.Account{a, b, cc},
		scanned(run1, a,
			region("eu-west-1", []run.Rule{sh("0a1b2c3d", run.NonCompliant), org, rule("iam-root-access-key-check", run.Compliant), rule("AWSControlTower_AWS-GR_ENCRYPTED_VOLUMES", run.Compliant)},
				resource("securityhub-iam-root-access-key-check-0a1b2c3d", accountType, "111111111111")),
			region("us-east-1", []run.Rule{sh("4e5f6a7b", run.NonCompliant)},
				resource("securityhub-iam-root-access-key-check-4e5f6a7b", accountType, "111111111111"))),
		scanned(run1, b, region("eu-west-1", []run.Rule{sh("8c9d0e1f", run.Compliant), proactive})),
		scanned(run1, cc, region("eu-west-1", []run.Rule{sh("2a3b4c5d", run.NonCompliant)},
			resource("securityhub-iam-root-access-key-check-2a3b4c5d", accountType, "333333333333")), blocked),
	)
	if _, err := newHandler(t, c).Handle(ctx, In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))

	r := rows(t, f, SheetRules)
	header := r[0]
	got := map[string][]string{}
	for _, row := range r[1:] {
		row = append(row, make([]string, len(header))...)
		got[row[0]+" / "+row[1]] = []string{row[2], row[3],
			row[col(t, header, "Accounts non-compliant")], row[col(t, header, "Accounts compliant")], row[col(t, header, "Evaluations non-compliant")]}
	}
	want := map[string][]string{
		// control, deployed names, accounts non-compliant, compliant, evaluations non-compliant
		"iam-root-access-key-check / Security Hub":              {"IAM.4", "4", "2", "1", "3"},
		"iam-root-access-key-check / Customer":                  {"", "1", "0", "1", "0"},
		"s3-bucket-versioning-enabled / Organization rule":      {"", "1", "0", "1", "0"},
		"AWS-GR_ENCRYPTED_VOLUMES / Control Tower":              {"", "1", "0", "1", "0"},
		"s3-bucket-logging-enabled / Customer · proactive only": {"", "1", "0", "0", "0"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Rules sheet (-want +got):\n%s", diff)
	}

	// The resource sheet names the rule as the Rules sheet does, whatever
	// its deployed name, so the worst rule can be filtered on it.
	res := rows(t, f, SheetResources)
	for _, row := range res[1:] {
		row = append(row, make([]string, len(res[0]))...)
		if strings.HasPrefix(row[col(t, res[0], "Deployed rule name")], "securityhub-") {
			if got := row[col(t, res[0], "Rule")] + "|" + row[col(t, res[0], "Managed by")] + "|" + row[col(t, res[0], "Security Hub control")]; got != "iam-root-access-key-check|Security Hub|IAM.4" {
				t.Errorf("resource row %q names its rule %q, want iam-root-access-key-check|Security Hub|IAM.4", row[:4], got)
			}
		}
	}

	var top []string
	sum := rows(t, f, SheetSummary)
	for i, row := range sum {
		if len(row) > 0 && row[0] == "Top 10 rules failing in most accounts" {
			for _, next := range sum[i+2:] {
				if len(next) == 0 || next[0] == "" {
					break
				}
				top = append(top, next[0])
			}
		}
	}
	var complianceText string
	for _, row := range sum {
		if len(row) > 1 && row[0] == "Compliance" {
			complianceText = row[1]
		}
	}
	if !strings.Contains(complianceText, "blank. 1 rule is evaluated only proactively") {
		t.Errorf("Summary's compliance definition = %q, want it to say one rule is proactive only and counts in no figure", complianceText)
	}
	if len(top) == 0 || top[0] != "iam-root-access-key-check (Security Hub IAM.4)" {
		t.Errorf("top 10 rules = %q, want Security Hub's IAM.4 first, under one name", top)
	}

	for _, row := range rows(t, f, SheetCoverage) {
		if len(row) > 4 && row[0] == cc.ID && row[3] == "us-east-1" {
			if row[4] != "blocked by SCP" {
				t.Errorf("Coverage %s us-east-1 status = %q, want blocked by SCP", cc.ID, row[4])
			}
			return
		}
	}
	t.Errorf("Coverage has no row for %s us-east-1", cc.ID)
}

// col is header's index of title.
func col(t *testing.T, header []string, title string) int {
	t.Helper()
	for i, h := range header {
		if strings.EqualFold(h, title) {
			return i
		}
	}
	t.Fatalf("no column %q in %q", title, header)
	return -1
}
