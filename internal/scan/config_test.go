package scan

import (
	"strings"
	"testing"
	"time"

	"github.com/config-report/config-report/internal/access"
	"github.com/google/go-cmp/cmp"
)

// lookupIn returns a lookup function, as os.LookupEnv, over KEY=value pairs.
func lookupIn(environ []string) func(string) (string, bool) {
	m := map[string]string{}
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		environ []string
		want    Config
		wantErr []string
		notWant []string
	}{
		{
			name:    "defaults",
			environ: []string{"REGIONS=us-east-1, eu-west-1", "AWS_REGION=eu-west-1"},
			want: Config{
				Regions: []string{"us-east-1", "eu-west-1"}, ReadRoleName: access.ReadRoleName,
				ReadSessionDuration: time.Hour, RegionConcurrency: 4, DetailConcurrency: 4,
				ResolveResourceDetails: true, ConfigRate: DefaultConfigRate, HubRegion: "eu-west-1",
			},
		},
		{
			name: "everything set",
			environ: []string{"REGIONS=cn-north-1", "READ_ROLE_NAME=audit/reader", "READ_EXTERNAL_ID=x-123",
				"READ_SESSION_DURATION=15m", "REGION_CONCURRENCY=2", "DETAIL_CONCURRENCY=8",
				"RESOLVE_RESOURCE_DETAILS=false", "CONFIG_RATE=0.5", "AWS_REGION=cn-north-1"},
			want: Config{
				Regions: []string{"cn-north-1"}, ReadRoleName: "audit/reader", ReadExternalID: "x-123",
				ReadSessionDuration: 15 * time.Minute, RegionConcurrency: 2, DetailConcurrency: 8,
				ConfigRate: 0.5, HubRegion: "cn-north-1",
			},
		},
		{name: "no regions", environ: nil, wantErr: []string{"REGIONS is not set; want a comma-separated list of regions"}},
		{name: "empty regions", environ: []string{"REGIONS="}, wantErr: []string{"REGIONS is empty; want a comma-separated list"}},
		{name: "bad region", environ: []string{"REGIONS=us-east-1,Europe"}, wantErr: []string{`REGIONS: "Europe" is not an AWS region name`}},
		{name: "empty items dropped, as every function reads lists", environ: []string{"REGIONS=us-east-1,, ", "AWS_REGION=eu-west-1"},
			want: Config{Regions: []string{"us-east-1"}, ReadRoleName: access.ReadRoleName, ReadSessionDuration: time.Hour,
				RegionConcurrency: 4, DetailConcurrency: 4, ResolveResourceDetails: true, ConfigRate: DefaultConfigRate, HubRegion: "eu-west-1"}},
		{name: "pacing off", environ: []string{"REGIONS=us-east-1", "CONFIG_RATE=0"},
			want: Config{Regions: []string{"us-east-1"}, ReadRoleName: access.ReadRoleName, ReadSessionDuration: time.Hour,
				RegionConcurrency: 4, DetailConcurrency: 4, ResolveResourceDetails: true}},
		{name: "bad rate", environ: []string{"REGIONS=us-east-1", "CONFIG_RATE=fast"}, wantErr: []string{"CONFIG_RATE: cannot read it; want calls a second per AWS Config API"}},
		{name: "negative rate", environ: []string{"REGIONS=us-east-1", "CONFIG_RATE=-1"}, wantErr: []string{"CONFIG_RATE: -1 is out of range"}},
		{name: "rate too high", environ: []string{"REGIONS=us-east-1", "CONFIG_RATE=1e9"}, wantErr: []string{"CONFIG_RATE: 1e+09 is out of range"}},
		{name: "rate not a number", environ: []string{"REGIONS=us-east-1", "CONFIG_RATE=NaN"}, wantErr: []string{"CONFIG_RATE: NaN is out of range"}},
		{name: "bad duration", environ: []string{"REGIONS=us-east-1", "READ_SESSION_DURATION=an hour"}, wantErr: []string{"READ_SESSION_DURATION: cannot read it; want a Go duration"}},
		{name: "short duration", environ: []string{"REGIONS=us-east-1", "READ_SESSION_DURATION=5m"}, wantErr: []string{"READ_SESSION_DURATION: 5m0s is out of range"}},
		{name: "longer than role chaining allows", environ: []string{"REGIONS=us-east-1", "READ_SESSION_DURATION=2h"}, wantErr: []string{"READ_SESSION_DURATION: 2h0m0s is out of range"}},
		{name: "bad concurrency", environ: []string{"REGIONS=us-east-1", "REGION_CONCURRENCY=four"}, wantErr: []string{"REGION_CONCURRENCY: cannot read it; want a whole number"}},
		{name: "zero concurrency", environ: []string{"REGIONS=us-east-1", "DETAIL_CONCURRENCY=0"}, wantErr: []string{"DETAIL_CONCURRENCY: 0 is out of range"}},
		{name: "bad bool", environ: []string{"REGIONS=us-east-1", "RESOLVE_RESOURCE_DETAILS=perhaps"}, wantErr: []string{"RESOLVE_RESOURCE_DETAILS: cannot read it; want true or false"}},
		{name: "bad role", environ: []string{"REGIONS=us-east-1", "READ_ROLE_NAME=a role"}, wantErr: []string{`READ_ROLE_NAME: "a role" is not an IAM role name`}},
		{name: "region twice", environ: []string{"REGIONS=us-east-1,eu-west-1,us-east-1"}, wantErr: []string{`REGIONS: "us-east-1" is listed twice`}},
		{name: "bad external ID", environ: []string{"REGIONS=us-east-1", "READ_EXTERNAL_ID=has space"}, wantErr: []string{"READ_EXTERNAL_ID: not a valid STS external ID"}},
		{name: "external ID too short", environ: []string{"REGIONS=us-east-1", "READ_EXTERNAL_ID=x"}, wantErr: []string{"READ_EXTERNAL_ID: not a valid STS external ID"}},
		{
			name: "every bad variable named at once",
			environ: []string{"REGIONS=us-east-1,Europe,moon", "READ_ROLE_NAME=a role", "READ_SESSION_DURATION=5m",
				"REGION_CONCURRENCY=four", "DETAIL_CONCURRENCY=0", "RESOLVE_RESOURCE_DETAILS=perhaps"},
			wantErr: []string{
				`REGIONS: "Europe" is not an AWS region name`,
				`REGIONS: "moon" is not an AWS region name`,
				`READ_ROLE_NAME: "a role" is not an IAM role name`,
				"READ_SESSION_DURATION: 5m0s is out of range",
				"REGION_CONCURRENCY: cannot read it; want a whole number",
				"DETAIL_CONCURRENCY: 0 is out of range",
				"RESOLVE_RESOURCE_DETAILS: cannot read it; want true or false",
			},
		},
		{
			name:    "a variable that does not parse is not also called out of range",
			environ: []string{"REGIONS=us-east-1", "REGION_CONCURRENCY=four", "READ_SESSION_DURATION=an hour"},
			wantErr: []string{"REGION_CONCURRENCY: cannot read it; want a whole number", "READ_SESSION_DURATION: cannot read it; want a Go duration"},
			notWant: []string{"out of range"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadConfig(lookupIn(tt.environ))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("LoadConfig(%q) = %+v, want an error", tt.environ, got)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("LoadConfig(%q) error = %q, want it to contain %q", tt.environ, err, w)
					}
				}
				for _, nw := range tt.notWant {
					if strings.Contains(err.Error(), nw) {
						t.Errorf("LoadConfig(%q) error = %q, want it not to contain %q", tt.environ, err, nw)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig(%q) error = %v", tt.environ, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LoadConfig(%q) (-want +got):\n%s", tt.environ, diff)
			}
		})
	}
}

// TestLoadConfigReadsOnlyItsVariables checks that LoadConfig asks lookup for
// the scanner's variables and nothing else.
func TestLoadConfigReadsOnlyItsVariables(t *testing.T) {
	var asked []string
	_, _ = LoadConfig(func(k string) (string, bool) {
		asked = append(asked, k)
		if k == EnvRegions {
			return "us-east-1", true
		}
		return "", false
	})
	want := []string{"REGIONS", "READ_ROLE_NAME", "READ_EXTERNAL_ID", "READ_SESSION_DURATION",
		"REGION_CONCURRENCY", "DETAIL_CONCURRENCY", "RESOLVE_RESOURCE_DETAILS", "CONFIG_RATE", "AWS_REGION"}
	if diff := cmp.Diff(want, asked); diff != "" {
		t.Errorf("variables looked up (-want +got):\n%s", diff)
	}
}

func TestRoleARN(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{name: "default partition", opts: Options{RoleName: access.ReadRoleName}, want: "arn:aws:iam::123456789012:role/system-config-report-generator-read-role"},
		{name: "china", opts: Options{RoleName: "reader", Partition: "aws-cn"}, want: "arn:aws-cn:iam::123456789012:role/reader"},
		{name: "path", opts: Options{RoleName: "/audit/reader", Partition: "aws-us-gov"}, want: "arn:aws-us-gov:iam::123456789012:role/audit/reader"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Scanner{Options: tt.opts}
			if got := s.RoleARN("123456789012"); got != tt.want {
				t.Errorf("RoleARN = %q, want %q", got, tt.want)
			}
		})
	}
}
