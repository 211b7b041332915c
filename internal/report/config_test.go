package report

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadConfig(t *testing.T) {
	base := map[string]string{"ENVIRONMENT": "prod", "REGIONS": "eu-west-1, us-east-1"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<unset>" {
				delete(m, kv[i])
				continue
			}
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr string
	}{
		{
			name: "defaults",
			env:  base,
			want: Config{Environment: "prod", Regions: []string{"eu-west-1", "us-east-1"}, GreenPct: 90, AmberPct: 70, ReadConcurrency: 16, PaperSize: "A4", SLA: DefaultSLA},
		},
		{
			name: "everything set",
			env: with("COMPLIANCE_GREEN_PCT", "95.5", "COMPLIANCE_AMBER_PCT", "80", "READ_CONCURRENCY", "32",
				"REPORT_SENDER", "reports@example.com", "REPORT_RECIPIENTS", "a@example.com, b@example.com,",
				"PAPER_SIZE", "Letter", "REPORT_CLASSIFICATION", "Internal", "CONSOLE_START_URL", "https://d-1234567890.awsapps.com/start",
				"CONSOLE_ROLE_NAME", "ReadOnlyAccess", "SLA_DAYS", "high=30"),
			want: Config{Environment: "prod", Regions: []string{"eu-west-1", "us-east-1"}, GreenPct: 95.5, AmberPct: 80, ReadConcurrency: 32,
				Sender: "reports@example.com", Recipients: []string{"a@example.com", "b@example.com"}, PaperSize: "Letter",
				Classification: "Internal", ConsoleStartURL: "https://d-1234567890.awsapps.com/start", ConsoleRoleName: "ReadOnlyAccess", SLA: "high=30"},
		},
		{name: "bad SLA", env: with("SLA_DAYS", "urgent=3"), wantErr: "SLA_DAYS: \"urgent=3\" is not severity=days"},
		{name: "SLA twice", env: with("SLA_DAYS", "high=3,high=4"), wantErr: "SLA_DAYS: high is given twice"},
		{name: "bad paper", env: with("PAPER_SIZE", "A3"), wantErr: "PAPER_SIZE must be A4 or Letter"},
		{name: "classification with &", env: with("REPORT_CLASSIFICATION", "R&D"), wantErr: "REPORT_CLASSIFICATION must be one line"},
		{name: "start URL without role", env: with("CONSOLE_START_URL", "https://d-1234567890.awsapps.com/start"), wantErr: "go together"},
		{name: "start URL not https", env: with("CONSOLE_START_URL", "http://d-1234567890.awsapps.com/start", "CONSOLE_ROLE_NAME", "ReadOnly"), wantErr: "is not an https URL"},
		{name: "bad permission set", env: with("CONSOLE_START_URL", "https://d-1234567890.awsapps.com/start", "CONSOLE_ROLE_NAME", "Read Only"), wantErr: "is not a permission set name"},
		{name: "no environment", env: with("ENVIRONMENT", "<unset>"), wantErr: "ENVIRONMENT is not set"},
		{name: "no regions", env: with("REGIONS", "<unset>"), wantErr: "REGIONS is not set"},
		{name: "empty regions", env: with("REGIONS", " , "), wantErr: "REGIONS must list"},
		{name: "bad region", env: with("REGIONS", "eu-west-1,Ireland"), wantErr: `REGIONS: "Ireland"`},
		{name: "green not a number", env: with("COMPLIANCE_GREEN_PCT", "high"), wantErr: "COMPLIANCE_GREEN_PCT: cannot read it; want a percentage"},
		{name: "green above 100", env: with("COMPLIANCE_GREEN_PCT", "101"), wantErr: "COMPLIANCE_GREEN_PCT must be a percentage"},
		{name: "green NaN", env: with("COMPLIANCE_GREEN_PCT", "NaN"), wantErr: "COMPLIANCE_GREEN_PCT must be a percentage"},
		{name: "amber NaN", env: with("COMPLIANCE_AMBER_PCT", "NaN"), wantErr: "COMPLIANCE_AMBER_PCT must be a percentage"},
		{name: "region twice", env: with("REGIONS", "eu-west-1,us-east-1,eu-west-1"), wantErr: `REGIONS lists "eu-west-1" twice`},
		{name: "amber above green", env: with("COMPLIANCE_AMBER_PCT", "95"), wantErr: "COMPLIANCE_AMBER_PCT (95) must not be above"},
		{name: "concurrency not a number", env: with("READ_CONCURRENCY", "many"), wantErr: "READ_CONCURRENCY: cannot read it; want a whole number"},
		{name: "concurrency zero", env: with("READ_CONCURRENCY", "0"), wantErr: "READ_CONCURRENCY must be from 1"},
		{name: "recipients without sender", env: with("REPORT_RECIPIENTS", "a@example.com"), wantErr: "REPORT_SENDER must be set"},
		{name: "bad recipient", env: with("REPORT_SENDER", "r@example.com", "REPORT_RECIPIENTS", "not-an-address"), wantErr: `REPORT_RECIPIENTS: "not-an-address"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadConfig(func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("LoadConfig() error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("LoadConfig() (-want +got):\n%s", diff)
			}
		})
	}
}
