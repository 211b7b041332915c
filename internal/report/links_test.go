package report

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

const (
	testStartURL = "https://d-1234567890.awsapps.com/start"
	testRoleName = "ReadOnly"
)

func TestConsoleAccessOpen(t *testing.T) {
	bucket := "https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/resources/details?resourceId=b&resourceType=AWS%3A%3AS3%3A%3ABucket"
	for _, tc := range []struct {
		name        string
		access      ConsoleAccess
		destination string
		want        string
	}{
		{"no portal: the console link itself", ConsoleAccess{}, bucket, bucket},
		{"through the portal", ConsoleAccess{StartURL: testStartURL, RoleName: testRoleName}, bucket,
			"https://d-1234567890.awsapps.com/start/#/console?account_id=111111111111&role_name=ReadOnly&destination=" +
				"https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fconfig%2Fhome%3Fregion%3Deu-west-1%23%2Fresources%2Fdetails%3FresourceId%3Db%26resourceType%3DAWS%253A%253AS3%253A%253ABucket"},
		{"a start URL ending in a slash", ConsoleAccess{StartURL: testStartURL + "/", RoleName: testRoleName}, "",
			"https://d-1234567890.awsapps.com/start/#/console?account_id=111111111111&role_name=ReadOnly"},
		{"a permission set name with + and @", ConsoleAccess{StartURL: testStartURL, RoleName: "Read+Only@x"}, "",
			"https://d-1234567890.awsapps.com/start/#/console?account_id=111111111111&role_name=Read%2BOnly%40x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.access.open("111111111111", tc.destination)
			if got != tc.want {
				t.Errorf("open() = %s, want %s", got, tc.want)
			}
			if !tc.access.enabled() {
				return
			}
			// The portal reads the fragment's query: each value decodes back.
			_, query, _ := strings.Cut(got, "#/console?")
			q, err := url.ParseQuery(query)
			if err != nil {
				t.Fatal(err)
			}
			if q.Get("account_id") != "111111111111" || q.Get("role_name") != tc.access.RoleName || q.Get("destination") != tc.destination {
				t.Errorf("open() decodes to %v", q)
			}
		})
	}
	if got := (ConsoleAccess{}).home("111111111111"); got != "" {
		t.Errorf("home() without a portal = %q, want no link", got)
	}
}

func TestResourceDestination(t *testing.T) {
	for _, tc := range []struct {
		name, region, rule, typ, id string
		want, label                 string
	}{
		{"a resource's page", "eu-west-1", "s3-bucket-versioning-enabled", "AWS::S3::Bucket", "logs",
			"https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/resources/details?resourceId=logs&resourceType=AWS%3A%3AS3%3A%3ABucket",
			"Open in AWS Config"},
		{"an account-level result: the rule's page", "us-east-1", "securityhub-iam-password-policy-1a2b", accountResourceType, "111111111111",
			"https://us-east-1.console.aws.amazon.com/config/home?region=us-east-1#/rules/details?configRuleName=securityhub-iam-password-policy-1a2b",
			"Open rule in AWS Config"},
		{"a rule name with characters to escape", "cn-north-1", "a b&c", accountResourceType, "1",
			"https://cn-north-1.console.amazonaws.cn/config/home?region=cn-north-1#/rules/details?configRuleName=a+b%26c",
			"Open rule in AWS Config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, label := resourceDestination(tc.region, tc.rule, tc.typ, tc.id)
			if got != tc.want || label != tc.label {
				t.Errorf("resourceDestination() = %s, %q; want %s, %q", got, label, tc.want, tc.label)
			}
		})
	}
}

func TestManagedRuleDocURL(t *testing.T) {
	const guide = "https://docs.aws.amazon.com/config/latest/developerguide/"
	for _, tc := range []struct {
		source, identifier, want string
	}{
		{"AWS", "S3_BUCKET_VERSIONING_ENABLED", guide + "s3-bucket-versioning-enabled.html"},
		{"AWS", "INCOMING_SSH_DISABLED", guide + "restricted-ssh.html"},
		{"AWS", "CLOUD_TRAIL_ENABLED", guide + "cloudtrail-enabled.html"},
		{"CUSTOM_LAMBDA", "arn:aws:lambda:eu-west-1:111111111111:function:check", ""},
		{"CUSTOM_POLICY", "", ""},
		{"AWS", "", ""},
	} {
		if got := managedRuleDocURL(tc.source, tc.identifier); got != tc.want {
			t.Errorf("managedRuleDocURL(%q, %q) = %q, want %q", tc.source, tc.identifier, got, tc.want)
		}
	}
}

// formulaLink returns the address and label of a HYPERLINK formula,
// joining the literals a long address is split into.
func formulaLink(t *testing.T, formula string) (address, label string) {
	t.Helper()
	m := regexp.MustCompile(`^=?HYPERLINK\((.*),"([^"]*)"\)$`).FindStringSubmatch(formula)
	if m == nil {
		t.Fatalf("%q is not a HYPERLINK formula", formula)
	}
	for _, lit := range strings.Split(m[1], `"&"`) {
		address += strings.ReplaceAll(strings.Trim(lit, `"`), `""`, `"`)
	}
	return address, m[2]
}

// TestWorkbookLinks: with an access portal configured, resource, account
// and rule links sign in to the right account; without, they are the plain
// console links and the Accounts sheet has no link column. The rule
// s3-bucket-versioning-enabled is deployed in alpha's and charlie's second
// region and bravo's first: its page is bravo's.
func TestWorkbookLinks(t *testing.T) {
	alpha := account("111111111111", "alpha", "Root/Prod", map[string]string{"owner": "ann"})
	bravo := account("222222222222", "bravo", "Root/Dev", nil)
	charlie := account("333333333333", "charlie", "Root/Dev", nil)
	versioning := run.Rule{Name: "s3-bucket-versioning-enabled", BaseName: "s3-bucket-versioning-enabled", Source: "AWS",
		Identifier: "S3_BUCKET_VERSIONING_ENABLED", Compliance: run.NonCompliant}
	password := run.Rule{Name: "iam-password-policy", BaseName: "iam-password-policy", Source: "AWS", Identifier: "IAM_PASSWORD_POLICY", Compliance: run.NonCompliant}
	custom := run.Rule{Name: "team-tags", BaseName: "team-tags", Source: "CUSTOM_LAMBDA",
		Identifier: "arn:aws:lambda:eu-west-1:111111111111:function:tags", Compliance: run.Compliant}
	shards := []*run.Shard{
		scanned(run1, alpha,
			region("eu-west-1", []run.Rule{password, custom}, resource("iam-password-policy", accountResourceType, alpha.ID)),
			region("us-east-1", []run.Rule{versioning}, resource("s3-bucket-versioning-enabled", "AWS::S3::Bucket", "logs"))),
		scanned(run1, bravo, region("eu-west-1", []run.Rule{versioning}), region("us-east-1", nil)),
		scanned(run1, charlie, region("eu-west-1", nil), region("us-east-1", []run.Rule{versioning})),
	}
	const (
		portal    = "https://d-1234567890.awsapps.com/start/#/console?role_name=ReadOnly&account_id="
		bucketURL = "https://us-east-1.console.aws.amazon.com/config/home?region=us-east-1#/resources/details?resourceId=logs&resourceType=AWS%3A%3AS3%3A%3ABucket"
		ruleAlpha = "https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/rules/details?configRuleName=iam-password-policy"
		ruleBravo = "https://eu-west-1.console.aws.amazon.com/config/home?region=eu-west-1#/rules/details?configRuleName=s3-bucket-versioning-enabled"
		docs      = "https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-versioning-enabled.html"
	)
	for _, tc := range []struct {
		name     string
		console  bool
		bucket   string // the bucket's link
		account  string // the account-level result's link
		rulePage string // s3-bucket-versioning-enabled's page
		accounts string // alpha's console link on the Accounts sheet
	}{
		{name: "through the access portal", console: true,
			bucket:   "111111111111&destination=" + bucketURL,
			account:  "111111111111&destination=" + ruleAlpha,
			rulePage: "222222222222&destination=" + ruleBravo, // eu-west-1, the first region, where bravo has it
			accounts: "111111111111"},
		{name: "plain console links", bucket: bucketURL, account: ruleAlpha, rulePage: ruleBravo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := runtest.NewS3(t)
			putListed(t, c, run1, []run.Account{alpha, bravo, charlie}, shards...)
			h := newHandler(t, c)
			if tc.console {
				h.Config.ConsoleStartURL, h.Config.ConsoleRoleName = testStartURL, testRoleName
			}
			if _, err := h.Handle(context.Background(), In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
				t.Fatal(err)
			}
			f := openWorkbook(t, download(t, c, run.WorkbookKey(run1)))
			// The portal's links are compared decoded: the order of the
			// parameters is the portal's business.
			decode := func(link string) string {
				base, query, ok := strings.Cut(link, "#/console?")
				if !ok {
					return link
				}
				q, err := url.ParseQuery(query)
				if err != nil {
					t.Fatal(err)
				}
				s := base + "#/console?role_name=" + q.Get("role_name") + "&account_id=" + q.Get("account_id")
				if d := q.Get("destination"); d != "" {
					s += "&destination=" + d
				}
				return s
			}
			want := func(s string) string {
				if tc.console {
					return portal + s
				}
				return s
			}
			link := func(sheet string, row int, title string) (string, string) {
				t.Helper()
				r := rows(t, f, sheet)
				ref, _ := excelize.CoordinatesToCellName(col(t, r[0], title)+1, row)
				formula, err := f.GetCellFormula(sheet, ref)
				if err != nil {
					t.Fatal(err)
				}
				address, label := formulaLink(t, formula)
				return decode(address), label
			}

			res := rows(t, f, SheetResources)
			got := map[string][2]string{}
			for i, row := range res[1:] {
				address, label := link(SheetResources, i+2, "Link")
				got[row[col(t, res[0], "Resource ID")]] = [2]string{address, label}
			}
			wantRes := map[string][2]string{
				"logs":         {want(tc.bucket), "Open in AWS Config"},
				"111111111111": {want(tc.account), "Open rule in AWS Config"},
			}
			if diff := cmp.Diff(wantRes, got); diff != "" {
				t.Errorf("resource links (-want +got):\n%s", diff)
			}

			acc := rows(t, f, SheetAccounts)
			if has := acc[0][len(acc[0])-1] == "AWS console"; has != tc.console {
				t.Errorf("Accounts header ends with %q; want an AWS console column: %v", acc[0][len(acc[0])-1], tc.console)
			}
			if tc.console {
				if address, label := link(SheetAccounts, 2, "AWS console"); address != want(tc.accounts) || label != "Open console" {
					t.Errorf("Accounts link of alpha = %s %q, want %s", address, label, want(tc.accounts))
				}
			}

			rules := rows(t, f, SheetRules)
			for i, row := range rules[1:] {
				n := i + 2
				switch row[0] {
				case "s3-bucket-versioning-enabled":
					if address, label := link(SheetRules, n, "Rule in AWS Config"); address != want(tc.rulePage) || label != "Open in eu-west-1" {
						t.Errorf("rule page link = %s %q, want %s", address, label, want(tc.rulePage))
					}
					if address, _ := link(SheetRules, n, "Documentation"); address != docs {
						t.Errorf("documentation link = %s, want %s", address, docs)
					}
				case "team-tags": // a custom rule has no AWS documentation
					if i := col(t, rules[0], "Documentation"); i < len(row) && row[i] != "" {
						t.Errorf("custom rule's documentation = %q, want none", row[i])
					}
				}
			}
		})
	}
}
