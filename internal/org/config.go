package org

import (
	"errors"
	"fmt"
	"strings"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/setting"
)

// Environment variables the ListAccounts function reads: the names of
// Config's `env` tags, for messages.
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

// Config is the ListAccounts function's configuration. The CDK stack and
// the command render it with Env; the function reads it back with
// LoadConfig.
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
	TagKeys []string `env:"TAG_KEYS" envDefault:"owner,team"`
}

// DefaultConfig returns the configuration with every default: no bucket or
// role yet, the whole organization, DefaultTagKeys.
func DefaultConfig() Config { return setting.Defaults[Config]() }

// Env returns the function's environment variables for c, as the
// CDK stack and the command set them: every setting that differs from its
// default (TAG_KEYS set empty when c reads no tags).
func (c Config) Env() map[string]string { return setting.Environment(c) }

// LoadConfig reads the configuration through lookup (os.LookupEnv in the
// function) and validates it. The error names every variable that is
// missing or wrong and what it expects.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	c, err := setting.Parse[Config](lookup)
	if err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	c.IncludeOUs = setting.Clean(c.IncludeOUs)
	c.ExcludeOUs = setting.Clean(c.ExcludeOUs)
	c.ExcludeAccounts = setting.Clean(c.ExcludeAccounts)
	c.TagKeys = setting.Clean(c.TagKeys)
	if v, set := lookup(EnvTagKeys); set && v == "" {
		// The env package gives an empty variable its default; set empty,
		// TAG_KEYS means no tags.
		c.TagKeys = nil
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
	case awsid.ValidateBucket(c.Bucket) != nil:
		bad("%s: %v", EnvBucket, awsid.ValidateBucket(c.Bucket))
	}
	switch {
	case c.RoleARN == "":
		bad("%s: required: the ARN of the organization-listing role in the management account (arn:aws:iam::123456789012:role/%s)", EnvRoleARN, access.OrgRoleName)
	case awsid.ValidateRoleARN(c.RoleARN) != nil:
		bad("%s: %v", EnvRoleARN, awsid.ValidateRoleARN(c.RoleARN))
	}
	if c.ExternalID != "" {
		if err := awsid.ValidateExternalID(c.ExternalID); err != nil {
			bad("%s: %v", EnvExternalID, err)
		}
	}
	for _, id := range c.IncludeOUs {
		if err := awsid.ValidateOUOrRoot(id); err != nil {
			bad("%s: %v", EnvIncludeOUs, err)
		}
	}
	include := setOf(c.IncludeOUs)
	for _, id := range c.ExcludeOUs {
		switch {
		case awsid.IsRoot(id):
			bad("%s: %q is a root; excluding it would exclude every account", EnvExcludeOUs, id)
		case awsid.ValidateOU(id) != nil:
			bad("%s: %v", EnvExcludeOUs, awsid.ValidateOU(id))
		case include[id]:
			bad("%s: %q is also in %s", EnvExcludeOUs, id, EnvIncludeOUs)
		}
	}
	for _, id := range c.ExcludeAccounts {
		if err := awsid.ValidateAccountID(id); err != nil {
			bad("%s: %v", EnvExcludeAccounts, err)
		}
	}
	for _, k := range c.TagKeys {
		if err := awsid.ValidateTagKey(k); err != nil {
			bad("%s: %v", EnvTagKeys, err)
		} else if strings.Contains(k, setting.ListSeparator) {
			bad("%s: tag key %q has a %q, which separates the keys in %s: it cannot be read", EnvTagKeys, k, setting.ListSeparator, EnvTagKeys)
		}
	}
	for _, l := range []struct {
		name  string
		items []string
	}{{EnvIncludeOUs, c.IncludeOUs}, {EnvExcludeOUs, c.ExcludeOUs}, {EnvExcludeAccounts, c.ExcludeAccounts}, {EnvTagKeys, c.TagKeys}} {
		if d, ok := setting.FirstDuplicate(l.items); ok {
			bad("%s: %q is listed twice", l.name, d)
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
