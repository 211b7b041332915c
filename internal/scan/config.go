package scan

import (
	"errors"
	"fmt"
	"time"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/setting"
)

// Environment variables the ScanAccount function reads: the names of
// Config's `env` tags, for messages. The Lambda runtime sets AWS_REGION.
const (
	EnvRegions                = "REGIONS"
	EnvReadRoleName           = "READ_ROLE_NAME"
	EnvReadExternalID         = "READ_EXTERNAL_ID"
	EnvReadSessionDuration    = "READ_SESSION_DURATION"
	EnvRegionConcurrency      = "REGION_CONCURRENCY"
	EnvDetailConcurrency      = "DETAIL_CONCURRENCY"
	EnvResolveResourceDetails = "RESOLVE_RESOURCE_DETAILS"
	EnvConfigRate             = "CONFIG_RATE"
	EnvHubRegion              = "AWS_REGION"
)

// Config is the ScanAccount function's configuration. The CDK stack and the
// command render it with Env; the function reads it back with
// LoadConfig.
type Config struct {
	// Regions are the regions to scan in every account (REGIONS, required,
	// comma-separated).
	Regions []string `env:"REGIONS,required,notEmpty" want:"a comma-separated list of regions, e.g. us-east-1,eu-west-1"`
	// ReadRoleName is the member accounts' read role, optionally with its
	// path (READ_ROLE_NAME; access.ReadRoleName when not set).
	ReadRoleName string `env:"READ_ROLE_NAME" want:"an IAM role name, optionally with a path (audit/reader)"`
	// ReadExternalID is passed to AssumeRole when set (READ_EXTERNAL_ID).
	ReadExternalID string `env:"READ_EXTERNAL_ID"`
	// ReadSessionDuration is the read role session's duration
	// (READ_SESSION_DURATION, a Go duration between 15m and 1h: the Lambda
	// runs as a role session, so assuming the read role is role chaining,
	// which AWS caps at one hour).
	ReadSessionDuration time.Duration `env:"READ_SESSION_DURATION" envDefault:"1h" want:"a Go duration between 15m and 1h (AWS caps role-chained sessions, such as a Lambda's, at 1h)"`
	// RegionConcurrency bounds the regions scanned at once (REGION_CONCURRENCY).
	RegionConcurrency int `env:"REGION_CONCURRENCY" envDefault:"4" want:"a whole number from 1 to 64"`
	// DetailConcurrency bounds the detail calls per account-region at once
	// (DETAIL_CONCURRENCY).
	DetailConcurrency int `env:"DETAIL_CONCURRENCY" envDefault:"4" want:"a whole number from 1 to 64"`
	// ResolveResourceDetails reads names and tags of non-compliant resources
	// (RESOLVE_RESOURCE_DETAILS).
	ResolveResourceDetails bool `env:"RESOLVE_RESOURCE_DETAILS" envDefault:"true" want:"true or false"`
	// ConfigRate is the calls a second per AWS Config API and
	// account-region the scanner slows to once Config has throttled that
	// API there (CONFIG_RATE; 0 never slows down). AWS publishes no such
	// rate: the default, DefaultConfigRate, is an assumption.
	ConfigRate float64 `env:"CONFIG_RATE" envDefault:"1" want:"calls a second per AWS Config API and account-region from 0 (never slow down) to 1000, e.g. 1 or 0.5"`
	// HubRegion is the Lambda's own region (AWS_REGION, set by the Lambda
	// runtime); the organization's partition is derived from it.
	HubRegion string `env:"AWS_REGION"`
}

// DefaultConfig returns the configuration a function has when only the
// required variables are set: the defaults of every other.
func DefaultConfig() Config {
	c := setting.Defaults[Config]()
	c.ReadRoleName = access.ReadRoleName
	return c
}

// Env returns the function's environment variables for c, as the
// CDK stack and the command set them: every setting that differs from its
// default, none that the Lambda runtime sets.
func (c Config) Env() map[string]string {
	return setting.Environment(c)
}

// LoadConfig reads the configuration through lookup (os.LookupEnv in the
// function) and validates it. The error names every variable that is
// missing or wrong and what it expects.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	c, parseErr := setting.Parse[Config](lookup)
	c.Regions = setting.Clean(c.Regions)
	if c.ReadRoleName == "" {
		c.ReadRoleName = access.ReadRoleName
	}
	if err := setting.Check(parseErr, c.problems()); err != nil {
		return Config{}, fmt.Errorf("scanner configuration: %w", err)
	}
	return c, nil
}

// Validate reports every setting that is wrong, each naming its variable.
func (c Config) Validate() error {
	if err := c.problems(); err != nil {
		return fmt.Errorf("scanner configuration: %w", err)
	}
	return nil
}

// problems joins an error per wrong setting, each starting with its
// variable's name.
func (c Config) problems() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(c.Regions) == 0 {
		bad("%s: empty; want a comma-separated list of regions, e.g. us-east-1,eu-west-1", EnvRegions)
	}
	for _, r := range c.Regions {
		if err := awsid.ValidateRegion(r); err != nil {
			bad("%s: %v", EnvRegions, err)
		}
	}
	if d, ok := setting.FirstDuplicate(c.Regions); ok {
		bad("%s: %q is listed twice", EnvRegions, d)
	}
	if c.ReadExternalID != "" {
		if err := awsid.ValidateExternalID(c.ReadExternalID); err != nil {
			bad("%s: %v", EnvReadExternalID, err)
		}
	}
	if err := awsid.ValidateRolePathName(c.ReadRoleName); err != nil {
		bad("%s: %v", EnvReadRoleName, err)
	}
	if d := c.ReadSessionDuration; d < 15*time.Minute || d > time.Hour {
		bad("%s: %s is out of range; want a Go duration between 15m and 1h (AWS caps role-chained sessions, such as a Lambda's, at 1h)", EnvReadSessionDuration, d)
	}
	for _, v := range []struct {
		name string
		n    int
	}{{EnvRegionConcurrency, c.RegionConcurrency}, {EnvDetailConcurrency, c.DetailConcurrency}} {
		if v.n < 1 || v.n > 64 {
			bad("%s: %d is out of range; want a whole number from 1 to 64", v.name, v.n)
		}
	}
	if r := c.ConfigRate; !(r >= 0 && r <= maxConfigRate) { // NaN too
		bad("%s: %v is out of range; want calls a second per AWS Config API and account-region from 0 (never slow down) to %d, e.g. 1 or 0.5", EnvConfigRate, r, maxConfigRate)
	}
	return errors.Join(errs...)
}

// maxConfigRate bounds CONFIG_RATE: far above any rate a scan could use,
// low enough that a typo (1e9) is caught.
const maxConfigRate = 1000

// Options returns the scanner options of the configuration.
func (c Config) Options() Options {
	return Options{
		Regions:                c.Regions,
		RoleName:               c.ReadRoleName,
		ExternalID:             c.ReadExternalID,
		SessionDuration:        c.ReadSessionDuration,
		Partition:              awsid.Partition(c.HubRegion),
		RegionConcurrency:      c.RegionConcurrency,
		DetailConcurrency:      c.DetailConcurrency,
		ResolveResourceDetails: c.ResolveResourceDetails,
		ConfigRate:             c.ConfigRate,
	}
}
