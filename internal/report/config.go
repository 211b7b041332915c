package report

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/setting"
)

// Config is the BuildReport function's configuration. The CDK stack and
// the command render it with Env; the function reads it back with
// LoadConfig.
type Config struct {
	// Environment names the deployment (ENVIRONMENT, required), shown in the
	// workbook and the e-mail.
	Environment string `env:"ENVIRONMENT,required,notEmpty" want:"the environment's name, e.g. prod"`
	// Regions are the regions scanned (REGIONS, required, comma-separated);
	// every account gets a Coverage row for each.
	Regions []string `env:"REGIONS,required,notEmpty" want:"a comma-separated list of regions, e.g. eu-west-1,us-east-1"`
	// GreenPct is the compliance percentage at or above which an account's
	// compliance cell is green (COMPLIANCE_GREEN_PCT, default 90).
	GreenPct float64 `env:"COMPLIANCE_GREEN_PCT" envDefault:"90" want:"a percentage from 0 to 100"`
	// AmberPct is the percentage at or above which it is amber, below which
	// it is red (COMPLIANCE_AMBER_PCT, default 70).
	AmberPct float64 `env:"COMPLIANCE_AMBER_PCT" envDefault:"70" want:"a percentage from 0 to 100"`
	// Sender is the verified SES identity the e-mail is sent from
	// (REPORT_SENDER; required when there are recipients).
	Sender string `env:"REPORT_SENDER"`
	// Recipients receive the e-mail (REPORT_RECIPIENTS, comma-separated);
	// none means no e-mail.
	Recipients []string `env:"REPORT_RECIPIENTS"`
	// ReadConcurrency bounds concurrent shard reads (READ_CONCURRENCY, default 16).
	ReadConcurrency int `env:"READ_CONCURRENCY" envDefault:"16" want:"a whole number from 1 to 256"`
	// PaperSize is the paper the workbook's sheets are set up to print on
	// (PAPER_SIZE: A4, the default, or Letter).
	PaperSize string `env:"PAPER_SIZE" envDefault:"A4" want:"A4 or Letter"`
	// Classification is printed in every page's header, e.g. "Internal"
	// (REPORT_CLASSIFICATION; none by default).
	Classification string `env:"REPORT_CLASSIFICATION" want:"a line of at most 100 characters"`
	// ConsoleStartURL is the IAM Identity Center start URL (the AWS access
	// portal, https://d-1234567890.awsapps.com/start) through which the
	// workbook's console links open in the right account
	// (CONSOLE_START_URL); without it the links open the console in
	// whatever account the reader is signed in to.
	ConsoleStartURL string `env:"CONSOLE_START_URL" want:"an https URL of the AWS access portal"`
	// ConsoleRoleName is the permission set the account-aware links sign in
	// with (CONSOLE_ROLE_NAME; required with CONSOLE_START_URL).
	ConsoleRoleName string `env:"CONSOLE_ROLE_NAME" want:"a permission set name, e.g. ReadOnlyAccess"`
	// OwnerTag is the account tag that names an account's owner
	// (OWNER_TAG; none by default). With it, the report also writes one CSV
	// of non-compliant resources per owner, reports/<runId>/by-owner/. It
	// must be one of the tags ListAccounts reads (TAG_KEYS).
	OwnerTag string `env:"OWNER_TAG" want:"an account tag key that ListAccounts reads (TAG_KEYS), e.g. owner"`
	// SLA is the longest a finding of each severity should stay open, in
	// days (SLA_DAYS, severity=days pairs; DefaultSLA by default); the
	// Summary counts the findings past it.
	SLA string `env:"SLA_DAYS" envDefault:"critical=7,high=30,medium=90,low=180" want:"severity=days pairs, e.g. critical=7,high=30,medium=90,low=180"`
}

// Paper sizes the workbook can be set up for, as excelize numbers them
// (ECMA-376 Part 1, 18.3.1.63 pageSetup, paperSize: 1 Letter, 9 A4).
var paperSizes = map[string]int{"A4": 9, "Letter": 1}

// maxClassification bounds REPORT_CLASSIFICATION: the page header holds at
// most 255 characters with the run and the sheet's name beside it (ECMA-376
// Part 1, 18.3.1.46 headerFooter).
const maxClassification = 100

// DefaultConfig returns the configuration with every default; Environment
// and Regions are still to be set.
func DefaultConfig() Config { return setting.Defaults[Config]() }

// Env returns the function's environment variables for c, as the
// CDK stack and the command set them: every setting that differs from its
// default.
func (c Config) Env() map[string]string { return setting.Environment(c) }

// LoadConfig reads the configuration through lookup (os.LookupEnv in the
// Lambda). Its errors name the variable and what it expects.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	c, err := setting.Parse[Config](lookup)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	c.Regions = setting.Clean(c.Regions)
	c.Recipients = setting.Clean(c.Recipients)
	c.Sender = strings.TrimSpace(c.Sender)
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// Validate reports the first setting that is wrong, naming its variable.
func (c Config) Validate() error {
	if c.Environment == "" {
		return errors.New("config: ENVIRONMENT must name the environment, e.g. prod")
	}
	if len(c.Regions) == 0 {
		return errors.New("config: REGIONS must list at least one region, e.g. eu-west-1,us-east-1")
	}
	for _, r := range c.Regions {
		if err := awsid.ValidateRegion(r); err != nil {
			return fmt.Errorf("config: REGIONS: %w", err)
		}
	}
	if d, ok := setting.FirstDuplicate(c.Regions); ok {
		return fmt.Errorf("config: REGIONS lists %q twice", d)
	}
	if !(c.GreenPct >= 0 && c.GreenPct <= 100) { // NaN too
		return fmt.Errorf("config: COMPLIANCE_GREEN_PCT must be a percentage from 0 to 100, got %v", c.GreenPct)
	}
	if !(c.AmberPct >= 0 && c.AmberPct <= 100) { // NaN too
		return fmt.Errorf("config: COMPLIANCE_AMBER_PCT must be a percentage from 0 to 100, got %v", c.AmberPct)
	}
	if c.AmberPct > c.GreenPct {
		return fmt.Errorf("config: COMPLIANCE_AMBER_PCT (%v) must not be above COMPLIANCE_GREEN_PCT (%v)", c.AmberPct, c.GreenPct)
	}
	if c.ReadConcurrency < 1 || c.ReadConcurrency > 256 {
		return fmt.Errorf("config: READ_CONCURRENCY must be from 1 to 256, got %d", c.ReadConcurrency)
	}
	if _, ok := paperSizes[c.PaperSize]; !ok {
		return fmt.Errorf("config: PAPER_SIZE must be A4 or Letter, got %q", c.PaperSize)
	}
	if n := utf8.RuneCountInString(c.Classification); n > maxClassification || strings.ContainsAny(c.Classification, "&\n") {
		return fmt.Errorf("config: REPORT_CLASSIFICATION must be one line of at most %d characters without &, got %d characters", maxClassification, n)
	}
	if _, err := parseSLA(c.SLA); err != nil {
		return fmt.Errorf("config: SLA_DAYS: %w", err)
	}
	if c.OwnerTag != "" {
		if err := awsid.ValidateTagKey(c.OwnerTag); err != nil {
			return fmt.Errorf("config: OWNER_TAG: %w", err)
		}
	}
	if err := validateConsole(c.ConsoleStartURL, c.ConsoleRoleName); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	for _, r := range c.Recipients {
		if _, err := mail.ParseAddress(r); err != nil {
			return fmt.Errorf("config: REPORT_RECIPIENTS: %q is not an e-mail address: %w", r, err)
		}
	}
	if len(c.Recipients) > 0 {
		if c.Sender == "" {
			return errors.New("config: REPORT_SENDER must be set (a verified SES identity) when REPORT_RECIPIENTS is set")
		}
		if _, err := mail.ParseAddress(c.Sender); err != nil {
			return fmt.Errorf("config: REPORT_SENDER: %q is not an e-mail address: %w", c.Sender, err)
		}
	}
	return nil
}

// validateConsole checks the account-aware console links' settings: both or
// neither, an https start URL, and a permission set name as IAM Identity
// Center accepts it ([\w+=,.@-]+, 1 to 32 characters: IAM Identity Center
// API Reference, CreatePermissionSet, Name).
func validateConsole(startURL, roleName string) error {
	switch {
	case startURL == "" && roleName == "":
		return nil
	case startURL == "" || roleName == "":
		return errors.New("CONSOLE_START_URL and CONSOLE_ROLE_NAME go together: set both for account-aware console links, or neither")
	}
	u, err := url.Parse(startURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("CONSOLE_START_URL %q is not an https URL of the AWS access portal (https://d-1234567890.awsapps.com/start)", startURL)
	}
	if !permissionSetPattern.MatchString(roleName) {
		return fmt.Errorf("CONSOLE_ROLE_NAME %q is not a permission set name (1 to 32 letters, digits and _+=,.@-)", roleName)
	}
	return nil
}

var permissionSetPattern = regexp.MustCompile(`^[\w+=,.@-]{1,32}$`)
