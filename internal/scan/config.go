package scan

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is the ScanAccount Lambda's configuration, read from its
// environment. The variable names are a contract with the CDK stack.
type Config struct {
	// Regions are the regions to scan in every account (REGIONS, required,
	// comma-separated).
	Regions []string `env:"REGIONS,required,notEmpty" envSeparator:","`
	// ReadRoleName is the member accounts' read role (READ_ROLE_NAME).
	ReadRoleName string `env:"READ_ROLE_NAME" envDefault:"system-config-report-generator-read-role"`
	// ReadExternalID is passed to AssumeRole when set (READ_EXTERNAL_ID).
	ReadExternalID string `env:"READ_EXTERNAL_ID"`
	// ReadSessionDuration is the read role session's duration
	// (READ_SESSION_DURATION, a Go duration between 15m and 1h: the Lambda
	// runs as a role session, so assuming the read role is role chaining,
	// which AWS caps at one hour).
	ReadSessionDuration time.Duration `env:"READ_SESSION_DURATION" envDefault:"1h"`
	// RegionConcurrency bounds the regions scanned at once (REGION_CONCURRENCY).
	RegionConcurrency int `env:"REGION_CONCURRENCY" envDefault:"4"`
	// DetailConcurrency bounds the detail calls per account-region at once
	// (DETAIL_CONCURRENCY).
	DetailConcurrency int `env:"DETAIL_CONCURRENCY" envDefault:"4"`
	// ResolveResourceDetails reads names and tags of non-compliant resources
	// (RESOLVE_RESOURCE_DETAILS).
	ResolveResourceDetails bool `env:"RESOLVE_RESOURCE_DETAILS" envDefault:"true"`
	// HubRegion is the Lambda's own region (AWS_REGION); the organization's
	// partition is derived from it.
	HubRegion string `env:"AWS_REGION"`
}

// what each variable expects, for error messages.
var expects = map[string]string{
	"REGIONS":                  "a comma-separated list of regions, e.g. us-east-1,eu-west-1",
	"READ_SESSION_DURATION":    "a Go duration between 15m and 1h (AWS caps role-chained sessions, such as a Lambda's, at 1h)",
	"REGION_CONCURRENCY":       "a whole number from 1 to 64",
	"DETAIL_CONCURRENCY":       "a whole number from 1 to 64",
	"RESOLVE_RESOURCE_DETAILS": "true or false",
}

var (
	regionPattern   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	roleNamePattern = regexp.MustCompile(`^(/?[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
)

// LoadConfig reads the configuration from environ, a list of "KEY=value"
// strings as os.Environ returns. Its errors name the variable and what it
// expects.
func LoadConfig(environ []string) (Config, error) {
	cfg, err := env.ParseAsWithOptions[Config](env.Options{Environment: env.ToMap(environ)})
	if err != nil {
		return Config{}, configError(err)
	}
	for i, r := range cfg.Regions {
		cfg.Regions[i] = strings.TrimSpace(r)
		if !regionPattern.MatchString(cfg.Regions[i]) {
			return Config{}, fmt.Errorf("REGIONS: %q is not a region name; want %s", r, expects["REGIONS"])
		}
	}
	if !roleNamePattern.MatchString(cfg.ReadRoleName) {
		return Config{}, fmt.Errorf("READ_ROLE_NAME: %q is not an IAM role name", cfg.ReadRoleName)
	}
	if d := cfg.ReadSessionDuration; d < 15*time.Minute || d > time.Hour {
		return Config{}, fmt.Errorf("READ_SESSION_DURATION: %s is out of range; want %s", d, expects["READ_SESSION_DURATION"])
	}
	for name, v := range map[string]int{"REGION_CONCURRENCY": cfg.RegionConcurrency, "DETAIL_CONCURRENCY": cfg.DetailConcurrency} {
		if v < 1 || v > 64 {
			return Config{}, fmt.Errorf("%s: %d is out of range; want %s", name, v, expects[name])
		}
	}
	return cfg, nil
}

// configError rewrites the env package's errors, which name Go fields, to
// name the environment variable and what it expects.
func configError(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("scanner configuration: %w", err)
	}
	var msgs []string
	for _, e := range agg.Errors {
		var (
			pe    env.ParseError
			unset env.VarIsNotSetError
			empty env.EmptyVarError
		)
		switch {
		case errors.As(e, &pe):
			name := envName(pe.Name)
			msgs = append(msgs, fmt.Sprintf("%s: want %s: %v", name, expects[name], pe.Err))
			continue
		case errors.As(e, &unset):
			msgs = append(msgs, fmt.Sprintf("%s is not set; want %s", unset.Key, expects[unset.Key]))
			continue
		case errors.As(e, &empty):
			msgs = append(msgs, fmt.Sprintf("%s is empty; want %s", empty.Key, expects[empty.Key]))
			continue
		}
		msgs = append(msgs, strings.TrimPrefix(e.Error(), "env: "))
	}
	return fmt.Errorf("scanner configuration: %s", strings.Join(msgs, "; "))
}

// envName returns the variable behind a Config field.
func envName(field string) string {
	f, ok := reflect.TypeFor[Config]().FieldByName(field)
	if !ok {
		return field
	}
	name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
	return name
}

// Partition returns the AWS partition of a region, as the SDK's partition
// table matches regions to partitions; "aws" for an empty or unknown region.
func Partition(region string) string {
	for _, p := range []struct{ prefix, partition string }{
		{"cn-", "aws-cn"},
		{"us-gov-", "aws-us-gov"},
		{"us-iso-", "aws-iso"},
		{"us-isob-", "aws-iso-b"},
		{"us-isof-", "aws-iso-f"},
		{"eu-isoe-", "aws-iso-e"},
		{"eusc-", "aws-eusc"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}

// Options returns the scanner options of the configuration.
func (c Config) Options() Options {
	return Options{
		Regions:                c.Regions,
		RoleName:               c.ReadRoleName,
		ExternalID:             c.ReadExternalID,
		SessionDuration:        c.ReadSessionDuration,
		Partition:              Partition(c.HubRegion),
		RegionConcurrency:      c.RegionConcurrency,
		DetailConcurrency:      c.DetailConcurrency,
		ResolveResourceDetails: c.ResolveResourceDetails,
	}
}
