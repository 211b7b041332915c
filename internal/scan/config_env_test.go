package scan

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/setting"
)

// TestEnvRoundTrip renders configurations as the CDK stack and the command
// do and reads them back as the function does (with AWS_REGION from the
// runtime): every field must survive, and defaults are not written.
func TestEnvRoundTrip(t *testing.T) {
	every := Config{
		Regions: []string{"eu-west-1", "us-gov-west-1"}, ReadRoleName: "audit/reader", ReadExternalID: "x-123",
		ReadSessionDuration: 15 * time.Minute, RegionConcurrency: 2, DetailConcurrency: 8, ResolveResourceDetails: false,
		ConfigRate: 0.25, HubRegion: "eu-west-1",
	}
	defaults := DefaultConfig()
	defaults.Regions, defaults.HubRegion = []string{"eu-west-1"}, "eu-west-1"
	for _, tt := range []struct {
		name    string
		cfg     Config
		wantEnv map[string]string
	}{
		{name: "every setting", cfg: every, wantEnv: map[string]string{
			"REGIONS": "eu-west-1,us-gov-west-1", "READ_ROLE_NAME": "audit/reader", "READ_EXTERNAL_ID": "x-123",
			"READ_SESSION_DURATION": "15m0s", "REGION_CONCURRENCY": "2", "DETAIL_CONCURRENCY": "8", "RESOLVE_RESOURCE_DETAILS": "false",
			"CONFIG_RATE": "0.25",
		}},
		{name: "defaults are not written, the read role's name is", cfg: defaults,
			wantEnv: map[string]string{"REGIONS": "eu-west-1", "READ_ROLE_NAME": access.ReadRoleName}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.cfg.Env()
			if diff := cmp.Diff(tt.wantEnv, env); diff != "" {
				t.Errorf("Env() (-want +got):\n%s", diff)
			}
			env[EnvHubRegion] = tt.cfg.HubRegion // the Lambda runtime's
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

// TestEnvNamesAreTheConfigs fails when a name the package's messages use is
// not a variable the configuration reads.
func TestEnvNamesAreTheConfigs(t *testing.T) {
	names := setting.Names[Config]()
	for _, n := range []string{EnvRegions, EnvReadRoleName, EnvReadExternalID, EnvReadSessionDuration, EnvRegionConcurrency,
		EnvDetailConcurrency, EnvResolveResourceDetails, EnvConfigRate, EnvHubRegion} {
		if !slices.Contains(names, n) {
			t.Errorf("%s is not among scan.Config's variables %v", n, names)
		}
	}
}
