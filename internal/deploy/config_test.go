package deploy

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// validSettings returns a minimal valid environment.
func validSettings() map[string]any {
	return map[string]any{
		"hubAccount":        "111111111111",
		"hubRegion":         "eu-west-1",
		"managementAccount": "222222222222",
		"organizationId":    "o-ab12cd34ef",
		"regions":           []any{"eu-west-1"},
		"schedule":          map[string]any{"timeZone": "Europe/Amsterdam"},
		"memberRole":        map[string]any{"targetOus": []any{"r-ab12"}},
	}
}

func parse(t *testing.T, name string, settings map[string]any) (Config, error) {
	t.Helper()
	b, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(name, b)
}

func TestCdkJSONEnvironmentsAreValid(t *testing.T) {
	envs, err := ReadCDKJSON("../../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ptdev", "prod"} {
		if _, ok := envs[want]; !ok {
			t.Errorf("cdk.json has no %q environment", want)
		}
	}
	for name, raw := range envs {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(name, raw); err != nil {
				t.Errorf("Parse(%s) error = %v", name, err)
			}
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	c, err := parse(t, "dev", validSettings())
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	want := Config{
		Name: "dev", HubAccount: "111111111111", HubRegion: "eu-west-1", ManagementAccount: "222222222222",
		OrganizationID: "o-ab12cd34ef",
		Regions:        []string{"eu-west-1"},
		ReadRoleName:   "system-config-report-generator-read-role",
		Schedule:       ScheduleConfig{Expression: "cron(0 9 ? * MON *)", TimeZone: "Europe/Amsterdam"},
		MaxConcurrency: DefaultMaxConcurrency, ScannerReservedConcurrency: DefaultMaxConcurrency,
		BucketName:           "sys-compliance-reports-dev",
		RunDataRetentionDays: DefaultRunDataRetentionDays, ReportRetentionDays: DefaultReportRetentionDays,
		NoncurrentVersionDays: DefaultNoncurrentVersionDays, AccessLogRetentionDays: DefaultAccessLogRetentionDays,
		LogRetentionDays: DefaultLogRetentionDays, RemovalPolicy: RemovalRetain,
		MemberRole: MemberRoleConfig{Deployment: MemberRoleStackSet, TargetOUs: []string{"r-ab12"}},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Parse() mismatch (-want +got):\n%s", diff)
	}
	if !c.ScheduleEnabled() || c.Tolerated() != DefaultToleratedFailurePercentage || c.EmailEnabled() || !c.ManagementReadRole() {
		t.Errorf("ScheduleEnabled, Tolerated, EmailEnabled, ManagementReadRole = %v, %d, %v, %v, want true, %d, false, true",
			c.ScheduleEnabled(), c.Tolerated(), c.EmailEnabled(), c.ManagementReadRole(), DefaultToleratedFailurePercentage)
	}
	if c.UnreachablePercent() != 20 || !c.NoSuccessAlarmEnabled() || !c.ResolveDetails() || c.TagKeys != nil {
		t.Errorf("UnreachablePercent, NoSuccessAlarmEnabled, ResolveDetails, TagKeys = %d, %v, %v, %v, want 20, true, true, nil (unset)",
			c.UnreachablePercent(), c.NoSuccessAlarmEnabled(), c.ResolveDetails(), c.TagKeys)
	}
}

// TestParseConfigAccepts holds the validation to what the functions and AWS
// accept.
func TestParseConfigAccepts(t *testing.T) {
	tests := []struct {
		name   string
		modify func(s map[string]any)
		check  func(c Config) string // "" when c is as expected
	}{
		{"external ID with STS's full character set", func(s map[string]any) { s["externalId"] = "Team_A+report=1,x.y@z:w/v-u" }, nil},
		{"external ID of 1224 characters", func(s map[string]any) { s["externalId"] = strings.Repeat("a", 1224) }, nil},
		{"root ID in includeOus", func(s map[string]any) { s["includeOus"] = []any{"r-ab12"} }, nil},
		{"root and OU in includeOus", func(s map[string]any) { s["includeOus"] = []any{"r-ab12", "ou-ab12-11111111"} }, nil},
		{"longest organization ID", func(s map[string]any) { s["organizationId"] = "o-" + strings.Repeat("a1", 16) }, nil},
		{"tagKeys empty reads no tags", func(s map[string]any) { s["tagKeys"] = []any{} }, func(c Config) string {
			if c.TagKeys == nil || len(*c.TagKeys) != 0 {
				return fmt.Sprintf("TagKeys = %v, want a set, empty list", c.TagKeys)
			}
			return ""
		}},
		{"tagKeys listed", func(s map[string]any) { s["tagKeys"] = []any{"owner", "cost center"} }, func(c Config) string {
			if c.TagKeys == nil || !cmp.Equal(*c.TagKeys, []string{"owner", "cost center"}) {
				return fmt.Sprintf("TagKeys = %v, want [owner cost center]", c.TagKeys)
			}
			return ""
		}},
		{"unreachable alarm at any unreachable account", func(s map[string]any) { s["unreachableAlarmPercent"] = 0 }, func(c Config) string {
			if c.UnreachablePercent() != 0 {
				return fmt.Sprintf("UnreachablePercent() = %d, want 0", c.UnreachablePercent())
			}
			return ""
		}},
		{"resource details off", func(s map[string]any) { s["resolveResourceDetails"] = false }, func(c Config) string {
			if c.ResolveDetails() {
				return "ResolveDetails() = true, want false"
			}
			return ""
		}},
		{"daily schedule with the no-success alarm", func(s map[string]any) {
			s["schedule"] = map[string]any{"timeZone": "UTC", "expression": "cron(0 6 * * ? *)"}
		}, nil},
		{"weekday schedule with the no-success alarm", func(s map[string]any) {
			s["schedule"] = map[string]any{"timeZone": "UTC", "expression": "cron(0 6 ? * MON-FRI *)"}
		}, nil},
		{"rate of seven days with the no-success alarm", func(s map[string]any) {
			s["schedule"] = map[string]any{"timeZone": "UTC", "expression": "rate(7 days)"}
		}, nil},
		{"monthly schedule without the no-success alarm", func(s map[string]any) {
			s["schedule"] = map[string]any{"timeZone": "UTC", "expression": "cron(0 6 1 * ? *)"}
			s["noSuccessAlarm"] = false
		}, func(c Config) string {
			if c.NoSuccessAlarmEnabled() {
				return "NoSuccessAlarmEnabled() = true, want false"
			}
			return ""
		}},
		{"monthly schedule switched off", func(s map[string]any) {
			s["schedule"] = map[string]any{"timeZone": "UTC", "expression": "cron(0 6 1 * ? *)", "enabled": false}
		}, func(c Config) string {
			if c.NoSuccessAlarmEnabled() {
				return "NoSuccessAlarmEnabled() = true with the schedule off, want false"
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSettings()
			tt.modify(s)
			c, err := parse(t, "dev", s)
			if err != nil {
				t.Fatalf("Parse() error = %v, want none", err)
			}
			if tt.check != nil {
				if msg := tt.check(c); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func TestLessThanWeekly(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{"cron(0 9 ? * MON *)", ""},
		{"cron(0 9 ? * MON,THU *)", ""},
		{"cron(0/30 * * * ? *)", ""},
		{"rate(1 day)", ""},
		{"rate(7 days)", ""},
		{"rate(12 hours)", ""},
		{"rate(30 minutes)", ""},
		{"rate(8 days)", "runs every 8 days"},
		{"cron(0 9 1 * ? *)", "restricts the day of the month"},
		{"cron(0 9 L * ? *)", "restricts the day of the month"},
		{"cron(0 9 ? * MON#1 *)", "names a weekday of the month"},
		{"cron(0 9 ? * 6L *)", "names a weekday of the month"},
		{"cron(0 9 ? 1,4,7,10 MON *)", "restricts the month or year"},
		{"cron(0 9 ? * MON 2027)", "restricts the month or year"},
	}
	for _, tt := range tests {
		if got := lessThanWeekly(tt.expr); got != tt.want {
			t.Errorf("lessThanWeekly(%q) = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// parseConfigErrors are settings Parse refuses and what its error says.
var parseConfigErrors = []struct {
	name   string
	modify func(s map[string]any)
	want   []string
}{
	{"unknown setting", func(s map[string]any) { s["maxConcurency"] = 5 }, []string{`unknown setting "maxConcurency"`}},
	{"wrong type", func(s map[string]any) { s["maxConcurrency"] = "40" }, []string{"setting maxConcurrency", "got a JSON string"}},
	{"bad hub account", func(s map[string]any) { s["hubAccount"] = "1234" }, []string{`hubAccount: "1234" is not a 12-digit`}},
	{"missing management account", func(s map[string]any) { delete(s, "managementAccount") }, []string{"managementAccount"}},
	{"bad region", func(s map[string]any) { s["hubRegion"] = "Ireland" }, []string{`hubRegion: "Ireland"`}},
	{"no regions", func(s map[string]any) { s["regions"] = []any{} }, []string{"regions: list at least one region"}},
	{"duplicate region", func(s map[string]any) { s["regions"] = []any{"eu-west-1", "eu-west-1"} }, []string{`"eu-west-1" is listed twice`}},
	{"bad OU", func(s map[string]any) { s["includeOus"] = []any{"Sandbox"} }, []string{`includeOus: "Sandbox" is not an OU ID`}},
	{"OU included and excluded", func(s map[string]any) {
		s["includeOus"] = []any{"ou-ab12-11111111"}
		s["excludeOus"] = []any{"ou-ab12-11111111"}
	}, []string{"excludeOus: ou-ab12-11111111 is also in includeOus"}},
	{"bad excluded account", func(s map[string]any) { s["excludeAccounts"] = []any{"12"} }, []string{"excludeAccounts"}},
	{"bad read role name", func(s map[string]any) { s["readRoleName"] = "has space" }, []string{"readRoleName"}},
	{"short external ID", func(s map[string]any) { s["externalId"] = "x" }, []string{"externalId: must be 2 to 1224 characters of letters, digits and _+=,.@:/-"}},
	{"long external ID", func(s map[string]any) { s["externalId"] = strings.Repeat("a", 1225) }, []string{"externalId"}},
	{"external ID with a space", func(s map[string]any) { s["externalId"] = "team a" }, []string{"externalId"}},
	{"missing organization ID", func(s map[string]any) { delete(s, "organizationId") }, []string{"organizationId: required: the organization's ID"}},
	{"bad organization ID", func(s map[string]any) { s["organizationId"] = "o-ABC" }, []string{`organizationId: "o-ABC" is not an organization ID`}},
	{"short organization ID", func(s map[string]any) { s["organizationId"] = "o-abc123" }, []string{`organizationId: "o-abc123"`}},
	{"root in excludeOus", func(s map[string]any) { s["excludeOus"] = []any{"r-ab12"} }, []string{`excludeOus: "r-ab12" is a root: excluding it would exclude every account`}},
	{"bad tag key", func(s map[string]any) { s["tagKeys"] = []any{"owner", "a,b"} }, []string{`ListAccounts would refuse its configuration`, `TAG_KEYS: tag key "a,b" has a ","`}},
	{"SLA of an unknown severity", func(s map[string]any) { s["slaDays"] = map[string]any{"urgent": 3.0} }, []string{`BuildReport would refuse its configuration`, `SLA_DAYS: "urgent=3" is not severity=days`}},
	{"owner tag not read", func(s map[string]any) { s["ownerTag"] = "cost-center" }, []string{`ownerTag: "cost-center" is not among the tags read (tagKeys: owner, team)`}},
	{"empty tag key", func(s map[string]any) { s["tagKeys"] = []any{""} }, []string{`tagKeys: tag key "" is not 1 to 128 characters long`}},
	{"unreachable percent too high", func(s map[string]any) { s["unreachableAlarmPercent"] = 100 }, []string{"unreachableAlarmPercent: 100, want 0 to 99"}},
	{"negative unreachable percent", func(s map[string]any) { s["unreachableAlarmPercent"] = -1 }, []string{"unreachableAlarmPercent: -1"}},
	{"monthly schedule with the no-success alarm", func(s map[string]any) {
		s["schedule"] = map[string]any{"timeZone": "UTC", "expression": "cron(0 9 1 * ? *)"}
	}, []string{`noSuccessAlarm: schedule.expression "cron(0 9 1 * ? *)" restricts the day of the month`, "set noSuccessAlarm to false"}},
	{"fortnightly rate with the no-success alarm", func(s map[string]any) {
		s["schedule"] = map[string]any{"timeZone": "UTC", "expression": "rate(14 days)"}
	}, []string{"noSuccessAlarm", "runs every 14 days"}},
	{"missing time zone", func(s map[string]any) { s["schedule"] = map[string]any{} }, []string{"schedule.timeZone: required"}},
	{"unknown time zone", func(s map[string]any) { s["schedule"] = map[string]any{"timeZone": "Europe/Atlantis"} }, []string{`schedule.timeZone: "Europe/Atlantis" is not an IANA time zone`}},
	{"bad cron", func(s map[string]any) {
		s["schedule"] = map[string]any{"timeZone": "UTC", "expression": "0 9 * * 1"}
	}, []string{"schedule.expression"}},
	{"cron with both days", func(s map[string]any) {
		s["schedule"] = map[string]any{"timeZone": "UTC", "expression": "cron(0 9 * * MON *)"}
	}, []string{"exactly one of day-of-month and day-of-week must be ?"}},
	{"concurrency too high", func(s map[string]any) { s["maxConcurrency"] = 20000 }, []string{"maxConcurrency: 20000, want 1 to 10000"}},
	{"tolerance over 100", func(s map[string]any) { s["toleratedFailurePercentage"] = 150 }, []string{"toleratedFailurePercentage: 150"}},
	{"reserved below max concurrency", func(s map[string]any) {
		s["maxConcurrency"] = 50
		s["scannerReservedConcurrency"] = 40
	}, []string{"scannerReservedConcurrency: 40 is below maxConcurrency 50"}},
	{"recipients without sender", func(s map[string]any) { s["reportRecipients"] = []any{"a@example.com"} }, []string{"reportSender: required when reportRecipients is set"}},
	{"sender with display name", func(s map[string]any) {
		s["reportSender"] = "Reports <r@example.com>"
	}, []string{"reportSender", "plain e-mail address"}},
	{"bad alarm e-mail", func(s map[string]any) { s["alarmEmails"] = []any{"oncall"} }, []string{`alarmEmails: "oncall"`}},
	{"amber above green", func(s map[string]any) {
		s["complianceGreenPct"] = 60
		s["complianceAmberPct"] = 70
	}, []string{"complianceAmberPct: 70 is above complianceGreenPct 60"}},
	{"amber above the default green", func(s map[string]any) { s["complianceAmberPct"] = 95 }, []string{"complianceAmberPct: 95 is above complianceGreenPct 90"}},
	{"read concurrency too high", func(s map[string]any) { s["readConcurrency"] = 300 }, []string{"readConcurrency: 300, want 1 to 256"}},
	{"region concurrency too high", func(s map[string]any) { s["regionConcurrency"] = 65 }, []string{"regionConcurrency: 65, want 1 to 64"}},
	{"negative config rate", func(s map[string]any) { s["configRate"] = -1 }, []string{"configRate: -1, want calls a second per AWS Config API and account-region from 0"}},
	{"bad bucket name", func(s map[string]any) { s["bucketName"] = "Reports_Bucket" }, []string{"bucketName"}},
	{"run data shorter than redrive window", func(s map[string]any) { s["runDataRetentionDays"] = 7 }, []string{"runDataRetentionDays: 7, want at least 15"}},
	{"reports shorter than run data", func(s map[string]any) {
		s["runDataRetentionDays"] = 60
		s["reportRetentionDays"] = 30
	}, []string{"reportRetentionDays: 30 is shorter than runDataRetentionDays 60"}},
	{"log retention CloudWatch does not offer", func(s map[string]any) { s["logRetentionDays"] = 10 }, []string{"logRetentionDays: 10", "valid: 1, 3, 5, 7, 14"}},
	{"bad removal policy", func(s map[string]any) { s["removalPolicy"] = "snapshot" }, []string{"removalPolicy"}},
	{"bad deployment", func(s map[string]any) { s["memberRole"] = map[string]any{"deployment": "manual"} }, []string{`memberRole.deployment: "manual"`}},
	{"stackset without OUs", func(s map[string]any) { s["memberRole"] = map[string]any{} }, []string{"memberRole.targetOus: list the OUs"}},
	{"bad target OU", func(s map[string]any) { s["memberRole"] = map[string]any{"targetOus": []any{"root"}} }, []string{`memberRole.targetOus: "root"`}},
	{"several at once", func(s map[string]any) {
		s["hubAccount"] = "x"
		s["maxConcurrency"] = -1
	}, []string{"hubAccount", "maxConcurrency: -1"}},
}

func TestParseConfigErrors(t *testing.T) {
	for _, tt := range parseConfigErrors {
		t.Run(tt.name, func(t *testing.T) {
			s := validSettings()
			tt.modify(s)
			c, err := parse(t, "dev", s)
			if err == nil {
				t.Fatalf("Parse() = %+v, want an error", c)
			}
			if !strings.HasPrefix(err.Error(), `environment "dev": `) {
				t.Errorf("Parse() error = %q, want it to name the environment", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestParseConfigEnvironmentName(t *testing.T) {
	for _, name := range []string{"Prod", "prod_1", "", "a-very-long-environment-name"} {
		if _, err := parse(t, name, validSettings()); err == nil || !strings.Contains(err.Error(), "environment name") {
			t.Errorf("Parse(%q) error = %v, want one about the environment name", name, err)
		}
	}
}
