package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/config-report/config-report/internal/deploy"
)

// The settings themselves are parsed and validated by package deploy (its
// tests); these check that the app selects the environment and refuses to
// build an invalid one.

func TestLoadConfigSelectsEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		env     any // nil: not set
		wantErr string
	}{
		{"no env", nil, "no environment selected: pass -c env=<name>; valid environments: prod, ptdev"},
		{"unknown env", "staging", `unknown environment "staging" (-c env=staging); valid environments: prod, ptdev`},
		{"prod", "prod", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := cdkContext(t)
			if tt.env != nil {
				ctx[EnvContextKey] = tt.env
			}
			app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
			c, err := LoadConfig(app.Node())
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("LoadConfig() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || c.Name != tt.env {
				t.Errorf("LoadConfig() = %q, %v, want %q", c.Name, err, tt.env)
			}
		})
	}
}

func TestBuildFailsOnInvalidSetting(t *testing.T) {
	_, err := synthApp(t, "prod", func(s map[string]any) { s["scannerReservedConcurrency"] = 10 })
	if err == nil || !strings.Contains(err.Error(), `environment "prod": scannerReservedConcurrency: 10 is below maxConcurrency 100`) {
		t.Errorf("build() error = %v, want the reserved-concurrency setting named", err)
	}
}

// TestLogRetentionCoversEveryValidPeriod: every retention the settings
// accept has its CDK name.
func TestLogRetentionCoversEveryValidPeriod(t *testing.T) {
	for _, days := range deploy.LogRetentionDays {
		if _, ok := logRetention[days]; !ok {
			t.Errorf("logRetention has no CDK retention for %d days", days)
		}
	}
	if len(logRetention) != len(deploy.LogRetentionDays) {
		t.Errorf("logRetention maps %d periods, deploy.LogRetentionDays lists %d", len(logRetention), len(deploy.LogRetentionDays))
	}
}
