package report

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/setting"
)

// TestEnvRoundTrip renders configurations as the CDK stack and the command
// do and reads them back as the function does: every field must survive,
// and defaults are not written.
func TestEnvRoundTrip(t *testing.T) {
	every := Config{Environment: "prod", Regions: []string{"eu-west-1", "us-east-1"}, GreenPct: 95.5, AmberPct: 80,
		Sender: "reports@example.com", Recipients: []string{"a@example.com", "b@example.com"}, ReadConcurrency: 32,
		PaperSize: "Letter", Classification: "Internal", ConsoleStartURL: "https://d-1234567890.awsapps.com/start", ConsoleRoleName: "ReadOnlyAccess",
		OwnerTag: "team", SLA: "critical=3,high=14"}
	defaults := DefaultConfig()
	defaults.Environment, defaults.Regions = "prod", []string{"eu-west-1"}
	for _, tt := range []struct {
		name    string
		cfg     Config
		wantEnv map[string]string
	}{
		{name: "every setting", cfg: every, wantEnv: map[string]string{
			"ENVIRONMENT": "prod", "REGIONS": "eu-west-1,us-east-1", "COMPLIANCE_GREEN_PCT": "95.5", "COMPLIANCE_AMBER_PCT": "80",
			"REPORT_SENDER": "reports@example.com", "REPORT_RECIPIENTS": "a@example.com,b@example.com", "READ_CONCURRENCY": "32",
			"PAPER_SIZE": "Letter", "REPORT_CLASSIFICATION": "Internal", "CONSOLE_START_URL": "https://d-1234567890.awsapps.com/start",
			"CONSOLE_ROLE_NAME": "ReadOnlyAccess", "OWNER_TAG": "team", "SLA_DAYS": "critical=3,high=14",
		}},
		{name: "defaults are not written", cfg: defaults, wantEnv: map[string]string{"ENVIRONMENT": "prod", "REGIONS": "eu-west-1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.cfg.Env()
			if diff := cmp.Diff(tt.wantEnv, env); diff != "" {
				t.Errorf("Env() (-want +got):\n%s", diff)
			}
			got, err := LoadConfig(setting.Lookup(env))
			if err != nil {
				t.Fatalf("LoadConfig(Env()) error: %v", err)
			}
			if diff := cmp.Diff(tt.cfg, got); diff != "" {
				t.Errorf("LoadConfig(Env()) (-want +got):\n%s", diff)
			}
		})
	}
}
