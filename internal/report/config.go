package report

import (
	"errors"
	"fmt"
	"github.com/config-report/config-report/internal/run"
	"net/mail"
	"reflect"
	"regexp"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Config is the BuildReport Lambda's configuration, from its environment.
type Config struct {
	// Environment names the deployment (ENVIRONMENT, required), shown in the
	// workbook and the e-mail.
	Environment string `env:"ENVIRONMENT,required,notEmpty"`
	// Regions are the regions scanned (REGIONS, required, comma-separated);
	// every account gets a Coverage row for each.
	Regions []string `env:"REGIONS,required,notEmpty"`
	// GreenPct is the compliance percentage at or above which an account's
	// compliance cell is green (COMPLIANCE_GREEN_PCT, default 90).
	GreenPct float64 `env:"COMPLIANCE_GREEN_PCT" envDefault:"90"`
	// AmberPct is the percentage at or above which it is amber, below which
	// it is red (COMPLIANCE_AMBER_PCT, default 70).
	AmberPct float64 `env:"COMPLIANCE_AMBER_PCT" envDefault:"70"`
	// Sender is the verified SES identity the e-mail is sent from
	// (REPORT_SENDER; required when there are recipients).
	Sender string `env:"REPORT_SENDER"`
	// Recipients receive the e-mail (REPORT_RECIPIENTS, comma-separated);
	// none means no e-mail.
	Recipients []string `env:"REPORT_RECIPIENTS"`
	// ReadConcurrency bounds concurrent shard reads (READ_CONCURRENCY, default 16).
	ReadConcurrency int `env:"READ_CONCURRENCY" envDefault:"16"`
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)

// LoadConfig reads the configuration through lookup (os.LookupEnv in the
// Lambda). Its errors name the variable and what it expects.
func LoadConfig(lookup func(string) (string, bool)) (Config, error) {
	params, err := env.GetFieldParams(&Config{})
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	environ := map[string]string{}
	for _, p := range params {
		if v, ok := lookup(p.Key); ok {
			environ[p.Key] = v
		}
	}
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: environ}); err != nil {
		return Config{}, configError(err)
	}
	c.Regions = splitList(c.Regions)
	c.Recipients = splitList(c.Recipients)
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
		if !regionPattern.MatchString(r) {
			return fmt.Errorf("config: REGIONS: %q is not a region name like eu-west-1", r)
		}
	}
	if d, ok := run.FirstDuplicate(c.Regions); ok {
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

// splitList trims the entries of a comma-separated list and drops empty ones.
func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// configError rewrites env's errors to name the variable, not the Go field.
func configError(err error) error {
	keys := map[string]string{}
	t := reflect.TypeFor[Config]()
	for i := range t.NumField() {
		f := t.Field(i)
		keys[f.Name], _, _ = strings.Cut(f.Tag.Get("env"), ",")
	}
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("config: %w", err)
	}
	msgs := make([]string, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			want := "a number"
			if pe.Type.Kind() == reflect.Int {
				want = "a whole number"
			}
			msgs = append(msgs, fmt.Sprintf("%s must be %s: %v", keys[pe.Name], want, pe.Err))
			continue
		}
		msgs = append(msgs, e.Error())
	}
	return fmt.Errorf("config: %s", strings.Join(msgs, "; "))
}
