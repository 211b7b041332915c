package org_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/setting"
)

// TestEnvRoundTrip renders configurations as the CDK stack and the command
// do and reads them back as the function does: every field must survive,
// and defaults are not written.
func TestEnvRoundTrip(t *testing.T) {
	every := org.Config{
		Bucket: "reports-bucket", RoleARN: testRoleARN, ExternalID: "config-report-ext",
		IncludeOUs: []string{"ou-ab12-cdef3456", "r-ab12"}, ExcludeOUs: []string{"ou-ab12-99999999"},
		ExcludeAccounts: []string{"123456789012"}, TagKeys: []string{"cost-center"},
	}
	defaults := org.DefaultConfig()
	defaults.Bucket, defaults.RoleARN = "reports-bucket", testRoleARN
	noTags := defaults
	noTags.TagKeys = nil
	for _, tt := range []struct {
		name    string
		cfg     org.Config
		wantEnv map[string]string
	}{
		{name: "every setting", cfg: every, wantEnv: map[string]string{
			"REPORT_BUCKET": "reports-bucket", "ORG_ROLE_ARN": testRoleARN, "ORG_EXTERNAL_ID": "config-report-ext",
			"INCLUDE_OUS": "ou-ab12-cdef3456,r-ab12", "EXCLUDE_OUS": "ou-ab12-99999999", "EXCLUDE_ACCOUNTS": "123456789012",
			"TAG_KEYS": "cost-center",
		}},
		{name: "defaults are not written", cfg: defaults, wantEnv: map[string]string{"REPORT_BUCKET": "reports-bucket", "ORG_ROLE_ARN": testRoleARN}},
		{name: "no tags is TAG_KEYS set empty", cfg: noTags, wantEnv: map[string]string{"REPORT_BUCKET": "reports-bucket", "ORG_ROLE_ARN": testRoleARN, "TAG_KEYS": ""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.cfg.Env()
			if diff := cmp.Diff(tt.wantEnv, env); diff != "" {
				t.Errorf("Env() (-want +got):\n%s", diff)
			}
			got, err := org.LoadConfig(setting.Lookup(env))
			if err != nil {
				t.Fatalf("LoadConfig(Env()) error: %v", err)
			}
			if diff := cmp.Diff(tt.cfg, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("LoadConfig(Env()) (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEnvNamesAreTheConfigs fails when a name the package's messages use is
// not a variable the configuration reads.
func TestEnvNamesAreTheConfigs(t *testing.T) {
	names := setting.Names[org.Config]()
	for _, n := range []string{org.EnvBucket, org.EnvRoleARN, org.EnvExternalID, org.EnvIncludeOUs, org.EnvExcludeOUs, org.EnvExcludeAccounts, org.EnvTagKeys} {
		if !slices.Contains(names, n) {
			t.Errorf("%s is not among org.Config's variables %v", n, names)
		}
	}
}
