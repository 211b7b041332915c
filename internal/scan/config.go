package scan

import (
	"errors"
	"fmt"
	"github.com/config-report/config-report/internal/run"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Environment variables the ScanAccount function reads; the CDK stack sets
// them, the Lambda runtime sets AWS_REGION.
const (
	EnvRegions                = "REGIONS"
	EnvReadRoleName           = "READ_ROLE_NAME"
	EnvReadExternalID         = "READ_EXTERNAL_ID"
	EnvReadSessionDuration    = "READ_SESSION_DURATION"
	EnvRegionConcurrency      = "REGION_CONCURRENCY"
	EnvDetailConcurrency      = "DETAIL_CONCURRENCY"
	EnvResolveResourceDetails = "RESOLVE_RESOURCE_DETAILS"
	EnvHubRegion              = "AWS_REGION"
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

// envVars are the variables LoadConfig reads.
var envVars = []string{
	EnvRegions, EnvReadRoleName, EnvReadExternalID, EnvReadSessionDuration,
	EnvRegionConcurrency, EnvDetailConcurrency, EnvResolveResourceDetails, EnvHubRegion,
}

// what each variable expects, for error messages.
var expects = map[string]string{
	EnvRegions:                "a comma-separated list of regions, e.g. us-east-1,eu-west-1",
	EnvReadRoleName:           "an IAM role name, optionally with a path (audit/reader)",
	EnvReadSessionDuration:    "a Go duration between 15m and 1h (AWS caps role-chained sessions, such as a Lambda's, at 1h)",
	EnvRegionConcurrency:      "a whole number from 1 to 64",
	EnvDetailConcurrency:      "a whole number from 1 to 64",
	EnvResolveResourceDetails: "true or false",
}

var (
	regionPattern   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
	roleNamePattern = regexp.MustCompile(`^(/?[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
)

// LoadConfig reads the configuration through lookup (os.LookupEnv in the
// function) and validates it. The error names every variable that is
// missing or wrong and what it expects.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	environ := map[string]string{}
	for _, k := range envVars {
		if v, ok := lookup(k); ok {
			environ[k] = v
		}
	}
	var cfg Config
	var errs []error
	// The env package parses every field it can and reports every one it
	// cannot; the fields it could not parse are not validated again.
	unparsed := map[string]bool{}
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: environ}); err != nil {
		errs = configErrors(err, unparsed)
	}
	for i, r := range cfg.Regions {
		cfg.Regions[i] = strings.TrimSpace(r)
	}
	if !unparsed[EnvRegions] {
		for _, r := range cfg.Regions {
			if !regionPattern.MatchString(r) {
				errs = append(errs, fmt.Errorf("%s: %q is not a region name; want %s", EnvRegions, r, expects[EnvRegions]))
			}
		}
	}
	if d, ok := run.FirstDuplicate(cfg.Regions); ok && !unparsed[EnvRegions] {
		errs = append(errs, fmt.Errorf("%s: %q is listed twice; want %s", EnvRegions, d, expects[EnvRegions]))
	}
	if cfg.ReadExternalID != "" {
		if err := run.ValidateExternalID(cfg.ReadExternalID); err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", EnvReadExternalID, err))
		}
	}
	if !roleNamePattern.MatchString(cfg.ReadRoleName) {
		errs = append(errs, fmt.Errorf("%s: %q is not an IAM role name; want %s", EnvReadRoleName, cfg.ReadRoleName, expects[EnvReadRoleName]))
	}
	if d := cfg.ReadSessionDuration; !unparsed[EnvReadSessionDuration] && (d < 15*time.Minute || d > time.Hour) {
		errs = append(errs, fmt.Errorf("%s: %s is out of range; want %s", EnvReadSessionDuration, d, expects[EnvReadSessionDuration]))
	}
	for _, c := range []struct {
		name string
		v    int
	}{{EnvRegionConcurrency, cfg.RegionConcurrency}, {EnvDetailConcurrency, cfg.DetailConcurrency}} {
		if !unparsed[c.name] && (c.v < 1 || c.v > 64) {
			errs = append(errs, fmt.Errorf("%s: %d is out of range; want %s", c.name, c.v, expects[c.name]))
		}
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("scanner configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// configErrors rewrites the env package's errors, which name Go fields, to
// name the environment variable and what it expects, and marks the
// variables it names in unparsed.
func configErrors(err error, unparsed map[string]bool) []error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return []error{err}
	}
	var errs []error
	for _, e := range agg.Errors {
		var (
			pe    env.ParseError
			unset env.VarIsNotSetError
			empty env.EmptyVarError
		)
		switch {
		case errors.As(e, &pe):
			name := envName(pe.Name)
			unparsed[name] = true
			errs = append(errs, fmt.Errorf("%s: want %s: %w", name, expects[name], pe.Err))
		case errors.As(e, &unset):
			unparsed[unset.Key] = true
			errs = append(errs, fmt.Errorf("%s is not set; want %s", unset.Key, expects[unset.Key]))
		case errors.As(e, &empty):
			unparsed[empty.Key] = true
			errs = append(errs, fmt.Errorf("%s is empty; want %s", empty.Key, expects[empty.Key]))
		default:
			errs = append(errs, errors.New(strings.TrimPrefix(e.Error(), "env: ")))
		}
	}
	return errs
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
