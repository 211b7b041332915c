package org

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/caarlos0/env/v11"

	"github.com/config-report/config-report/internal/run"
)

// Environment variables the ListAccounts function reads; the CDK stack sets
// them.
const (
	EnvBucket          = "REPORT_BUCKET"
	EnvRoleARN         = "ORG_ROLE_ARN"
	EnvExternalID      = "ORG_EXTERNAL_ID"
	EnvIncludeOUs      = "INCLUDE_OUS"
	EnvExcludeOUs      = "EXCLUDE_OUS"
	EnvExcludeAccounts = "EXCLUDE_ACCOUNTS"
	EnvTagKeys         = "TAG_KEYS"
)

// DefaultTagKeys are the account tags read when TAG_KEYS is not set.
var DefaultTagKeys = []string{"owner", "team"}

// Config is the ListAccounts function's configuration.
type Config struct {
	// Bucket is the report bucket the manifest is written to (REPORT_BUCKET).
	Bucket string `env:"REPORT_BUCKET"`
	// RoleARN is the organization-listing role in the management account
	// (ORG_ROLE_ARN).
	RoleARN string `env:"ORG_ROLE_ARN"`
	// ExternalID is passed to AssumeRole when set (ORG_EXTERNAL_ID).
	ExternalID string `env:"ORG_EXTERNAL_ID"`
	// IncludeOUs limits the listing to these OUs or roots and everything
	// below them (INCLUDE_OUS, comma-separated); empty means the whole
	// organization.
	IncludeOUs []string `env:"INCLUDE_OUS"`
	// ExcludeOUs removes these OUs and everything below them (EXCLUDE_OUS).
	ExcludeOUs []string `env:"EXCLUDE_OUS"`
	// ExcludeAccounts removes these account IDs (EXCLUDE_ACCOUNTS).
	ExcludeAccounts []string `env:"EXCLUDE_ACCOUNTS"`
	// TagKeys are the account tags copied into the manifest (TAG_KEYS);
	// DefaultTagKeys when the variable is not set, none when it is set empty.
	TagKeys []string `env:"TAG_KEYS"`
}

var (
	// Organizations' ID patterns for OUs and roots.
	ouPattern   = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	rootPattern = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
	// IAM's pattern for a role name, path included.
	rolePattern = regexp.MustCompile(`^role/([\x21-\x7e]*/)?[\w+=,.@-]{1,64}$`)
)

// LoadConfig reads the configuration through lookup (os.LookupEnv in the
// function) and validates it. The error names every variable that is
// missing or wrong and what it expects.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	environ := map[string]string{}
	for _, k := range []string{EnvBucket, EnvRoleARN, EnvExternalID, EnvIncludeOUs, EnvExcludeOUs, EnvExcludeAccounts, EnvTagKeys} {
		if v, ok := lookup(k); ok {
			environ[k] = v
		}
	}
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: environ}); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	c.IncludeOUs = clean(c.IncludeOUs)
	c.ExcludeOUs = clean(c.ExcludeOUs)
	c.ExcludeAccounts = clean(c.ExcludeAccounts)
	c.TagKeys = clean(c.TagKeys)
	if _, set := environ[EnvTagKeys]; !set {
		c.TagKeys = append([]string(nil), DefaultTagKeys...)
	}
	c.Bucket = strings.TrimSpace(c.Bucket)
	c.RoleARN = strings.TrimSpace(c.RoleARN)
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate reports every problem of the configuration, each naming its
// variable and what it expects.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch {
	case c.Bucket == "":
		bad("%s: required: the name of the S3 bucket the run's manifest is written to", EnvBucket)
	case run.ValidateBucket(c.Bucket) != nil:
		bad("%s: %v", EnvBucket, run.ValidateBucket(c.Bucket))
	}
	switch {
	case c.RoleARN == "":
		bad("%s: required: the ARN of the organization-listing role in the management account (arn:aws:iam::123456789012:role/system-config-report-generator-list-org-role)", EnvRoleARN)
	case !isRoleARN(c.RoleARN):
		bad("%s: %q is not an IAM role ARN (arn:aws:iam::123456789012:role/name)", EnvRoleARN, c.RoleARN)
	}
	if c.ExternalID != "" {
		if err := run.ValidateExternalID(c.ExternalID); err != nil {
			bad("%s: %v", EnvExternalID, err)
		}
	}
	for _, id := range c.IncludeOUs {
		if !ouPattern.MatchString(id) && !rootPattern.MatchString(id) {
			bad("%s: %q is not an OU ID (ou-ab12-cdef3456) or a root ID (r-ab12)", EnvIncludeOUs, id)
		}
	}
	include := setOf(c.IncludeOUs)
	for _, id := range c.ExcludeOUs {
		switch {
		case rootPattern.MatchString(id):
			bad("%s: %q is a root; excluding it would exclude every account", EnvExcludeOUs, id)
		case !ouPattern.MatchString(id):
			bad("%s: %q is not an OU ID (ou-ab12-cdef3456)", EnvExcludeOUs, id)
		case include[id]:
			bad("%s: %q is also in %s", EnvExcludeOUs, id, EnvIncludeOUs)
		}
	}
	for _, id := range c.ExcludeAccounts {
		if run.ValidateAccountID(id) != nil {
			bad("%s: %q is not a 12-digit account ID", EnvExcludeAccounts, id)
		}
	}
	for _, k := range c.TagKeys {
		if len(k) > 128 {
			bad("%s: tag key %q is longer than 128 characters", EnvTagKeys, k)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return nil
}

// Filter returns the lister's filter of the configuration.
func (c Config) Filter() Filter {
	return Filter{IncludeOUs: c.IncludeOUs, ExcludeOUs: c.ExcludeOUs, ExcludeAccounts: c.ExcludeAccounts}
}

// isRoleARN reports whether s is the ARN of an IAM role.
func isRoleARN(s string) bool {
	a, err := arn.Parse(s)
	if err != nil {
		return false
	}
	return a.Service == "iam" && a.Region == "" && run.ValidateAccountID(a.AccountID) == nil &&
		rolePattern.MatchString(a.Resource)
}

// clean trims the items of a comma-separated list and drops empty ones.
func clean(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
