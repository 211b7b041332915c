// Package deploy is a deployment environment's settings as cdk.json holds
// them (context.environments.<name>): decoded strictly, defaulted and
// validated once, for the CDK app that deploys the environment (infra) and
// for the command that checks it before its first run (config-report check
// --env). Each function's own configuration comes from them (Functions),
// and every value is checked by the one validator of its kind (awsid, the
// functions' Validate).
package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // schedule time zones are checked without relying on the host's zoneinfo

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/scan"
	"github.com/config-report/config-report/internal/setting"
	"github.com/config-report/config-report/statemachine"
)

// EnvironmentsKey is the context key of the per-environment settings in
// cdk.json: context.environments.<name>.
const EnvironmentsKey = "environments"

// Defaults applied to settings left out of an environment.
const (
	DefaultScheduleExpression         = "cron(0 9 ? * MON *)"
	DefaultMaxConcurrency             = 40
	DefaultToleratedFailurePercentage = statemachine.DefaultToleratedFailurePercentage
	DefaultRunDataRetentionDays       = 90
	DefaultReportRetentionDays        = 731
	DefaultNoncurrentVersionDays      = 30
	DefaultAccessLogRetentionDays     = 365
	DefaultLogRetentionDays           = 90
	// DefaultUnreachableAlarmPercent is the share of a run's accounts that
	// may be unreachable (read role not assumable) before the alarm fires.
	DefaultUnreachableAlarmPercent = 20
	// MinRunDataRetentionDays keeps a run's manifest and shards for as long as
	// Step Functions can redrive the execution (14 days) plus a day.
	MinRunDataRetentionDays = 15
)

// Member-role deployment modes.
const (
	// MemberRoleStackSet deploys the read role to the target OUs with a
	// service-managed StackSet from the management account.
	MemberRoleStackSet = "stackset"
	// MemberRoleStack synthesizes the read role as a plain stack that is
	// deployed into each member account separately.
	MemberRoleStack = "stack"
)

// Removal policies for the data the hub keeps (buckets, log groups, key).
const (
	RemovalRetain  = "retain"
	RemovalDestroy = "destroy"
)

// LogRetentionDays are the retention periods CloudWatch Logs accepts, in
// days (the RetentionInDays values of PutRetentionPolicy).
var LogRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var (
	envNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	orgIDPattern   = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)
	// cronPattern accepts EventBridge Scheduler's cron(minutes hours
	// day-of-month month day-of-week year) and rate(value unit).
	cronPattern = regexp.MustCompile(`^(cron\(\S+ \S+ \S+ \S+ \S+ \S+\)|rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\))$`)
)

// Config is one environment's settings, read from cdk.json's
// context.environments.<name>.
type Config struct {
	// Name is the environment's name (the key in cdk.json).
	Name string `json:"-"`

	// HubAccount and HubRegion locate the hub stack (the security-control
	// account that runs the pipeline and keeps the reports).
	HubAccount string `json:"hubAccount"`
	HubRegion  string `json:"hubRegion"`
	// ManagementAccount is the organization's management account, where the
	// organization role (and the member-role StackSet) live.
	ManagementAccount string `json:"managementAccount"`
	// OrganizationID is the organization's ID (o-...). The hub roles may
	// assume roles only in accounts of this organization (aws:ResourceOrgID).
	OrganizationID string `json:"organizationId"`

	// Regions are scanned in every account.
	Regions []string `json:"regions"`
	// IncludeOUs limits the scan to accounts under these OUs or roots (empty: all).
	IncludeOUs []string `json:"includeOus"`
	// ExcludeOUs skips accounts under these OUs.
	ExcludeOUs []string `json:"excludeOus"`
	// ExcludeAccounts skips these account IDs.
	ExcludeAccounts []string `json:"excludeAccounts"`
	// TagKeys are the account tags copied into the report. Nil (not set)
	// leaves the lister's default (owner, team); an empty list reads no tags.
	TagKeys *[]string `json:"tagKeys"`

	// ReadRoleName is the role assumed in each member account.
	ReadRoleName string `json:"readRoleName"`
	// ExternalID, when set, is required by the organization role and the
	// member read roles (sts:ExternalId condition) and sent by the hub.
	ExternalID string `json:"externalId"`

	// Schedule is when the pipeline runs by itself.
	Schedule ScheduleConfig `json:"schedule"`

	// MaxConcurrency bounds the accounts scanned at once.
	MaxConcurrency int `json:"maxConcurrency"`
	// ToleratedFailurePercentage is the share of accounts whose scan may fail
	// (after retries) without failing the execution.
	ToleratedFailurePercentage *int `json:"toleratedFailurePercentage"`
	// ScannerReservedConcurrency is the scanner's reserved concurrency; it must
	// be at least MaxConcurrency (default: MaxConcurrency).
	ScannerReservedConcurrency int `json:"scannerReservedConcurrency"`
	// RegionConcurrency, DetailConcurrency and ResolveResourceDetails tune the
	// scanner; unset leaves the scanner's defaults.
	RegionConcurrency      int   `json:"regionConcurrency"`
	DetailConcurrency      int   `json:"detailConcurrency"`
	ResolveResourceDetails *bool `json:"resolveResourceDetails"`
	// ConfigRate is the calls a second per AWS Config API and
	// account-region the scanner slows to once Config throttles that API
	// there (CONFIG_RATE; 0 never slows down; unset: scan.DefaultConfigRate).
	ConfigRate *float64 `json:"configRate"`
	// ReadConcurrency is the report builder's parallel shard reads (unset: its default).
	ReadConcurrency int `json:"readConcurrency"`
	// ComplianceGreenPct and ComplianceAmberPct set the report's traffic-light
	// thresholds (unset: the report builder's defaults).
	ComplianceGreenPct *int `json:"complianceGreenPct"`
	ComplianceAmberPct *int `json:"complianceAmberPct"`

	// PaperSize ("A4" or "Letter") and ReportClassification (a line in every
	// printed page's header) set up the workbook for printing.
	PaperSize            string `json:"paperSize"`
	ReportClassification string `json:"reportClassification"`
	// ConsoleStartURL and ConsoleRoleName (an IAM Identity Center access
	// portal and permission set) make the workbook's console links open in
	// the right account.
	ConsoleStartURL string `json:"consoleStartUrl"`
	ConsoleRoleName string `json:"consoleRoleName"`
	// OwnerTag is the account tag naming each account's owner; with it the
	// report also writes one CSV per owner. It must be one of TagKeys.
	OwnerTag string `json:"ownerTag"`
	// SLADays is the longest a finding of each severity should stay open,
	// in days ({"critical": 7, …}); unset keeps the report builder's default.
	SLADays map[string]int `json:"slaDays"`

	// ReportSender and ReportRecipients turn on e-mailing the workbook (SES).
	ReportSender     string   `json:"reportSender"`
	ReportRecipients []string `json:"reportRecipients"`
	// AlarmEmails are subscribed to the alarms' topic.
	AlarmEmails []string `json:"alarmEmails"`
	// UnreachableAlarmPercent is the share of a run's accounts, in percent,
	// that may be unreachable before the alarm fires (default 20).
	UnreachableAlarmPercent *int `json:"unreachableAlarmPercent"`
	// NoSuccessAlarm turns on the alarm that fires when no execution succeeded
	// in the last seven complete days (default true; never with the schedule
	// disabled).
	NoSuccessAlarm *bool `json:"noSuccessAlarm"`

	// BucketName is the report bucket (default sys-compliance-reports-<env>).
	BucketName string `json:"bucketName"`
	// RunDataRetentionDays expires runs/ (manifests, shards, map results).
	RunDataRetentionDays int `json:"runDataRetentionDays"`
	// ReportRetentionDays expires reports/.
	ReportRetentionDays int `json:"reportRetentionDays"`
	// NoncurrentVersionDays expires overwritten object versions.
	NoncurrentVersionDays int `json:"noncurrentVersionDays"`
	// AccessLogRetentionDays expires the server access logs.
	AccessLogRetentionDays int `json:"accessLogRetentionDays"`
	// LogRetentionDays is the CloudWatch Logs retention of every log group.
	LogRetentionDays int `json:"logRetentionDays"`
	// RemovalPolicy is "retain" (default) or "destroy" for the buckets, log
	// groups and key when the hub stack is deleted.
	RemovalPolicy string `json:"removalPolicy"`

	// MemberRole says how the member read role is deployed.
	MemberRole MemberRoleConfig `json:"memberRole"`
}

// ScheduleConfig is the EventBridge Scheduler schedule.
type ScheduleConfig struct {
	// Expression is a Scheduler cron() or rate() expression
	// (default cron(0 9 ? * MON *), Mondays 09:00).
	Expression string `json:"expression"`
	// TimeZone is the IANA time zone the expression is evaluated in (required).
	TimeZone string `json:"timeZone"`
	// Enabled turns the schedule off when false (default true).
	Enabled *bool `json:"enabled"`
}

// MemberRoleConfig says how the member read role reaches the member accounts.
type MemberRoleConfig struct {
	// Deployment is "stackset" (default) or "stack".
	Deployment string `json:"deployment"`
	// TargetOUs are the OUs (or the root, r-xxxx) the StackSet deploys to.
	TargetOUs []string `json:"targetOus"`
	// IncludeManagementAccount also creates the read role in the management
	// account, which a service-managed StackSet never deploys to (default true
	// with "stackset").
	IncludeManagementAccount *bool `json:"includeManagementAccount"`
}

// ScheduleEnabled reports whether the schedule is on.
func (c Config) ScheduleEnabled() bool { return c.Schedule.Enabled == nil || *c.Schedule.Enabled }

// Tolerated returns the tolerated failure percentage.
func (c Config) Tolerated() int {
	if c.ToleratedFailurePercentage == nil {
		return DefaultToleratedFailurePercentage
	}
	return *c.ToleratedFailurePercentage
}

// UnreachablePercent returns the unreachable-accounts alarm's threshold.
func (c Config) UnreachablePercent() int {
	if c.UnreachableAlarmPercent == nil {
		return DefaultUnreachableAlarmPercent
	}
	return *c.UnreachableAlarmPercent
}

// NoSuccessAlarmEnabled reports whether the hub alarms when no execution
// succeeded for a week: only with the schedule on, since nothing runs
// otherwise.
func (c Config) NoSuccessAlarmEnabled() bool {
	return c.ScheduleEnabled() && (c.NoSuccessAlarm == nil || *c.NoSuccessAlarm)
}

// ResolveDetails reports whether the scanner resolves resource details
// (BatchGetResourceConfig); the scanner's default is true.
func (c Config) ResolveDetails() bool {
	return c.ResolveResourceDetails == nil || *c.ResolveResourceDetails
}

// EmailEnabled reports whether the report is e-mailed.
func (c Config) EmailEnabled() bool { return len(c.ReportRecipients) > 0 }

// ManagementReadRole reports whether the organization-role stack also creates
// the read role in the management account.
func (c Config) ManagementReadRole() bool {
	if c.MemberRole.Deployment != MemberRoleStackSet {
		return false
	}
	return c.MemberRole.IncludeManagementAccount == nil || *c.MemberRole.IncludeManagementAccount
}

// StackName returns the name of one of the environment's stacks.
func (c Config) StackName(part string) string { return c.ResourceName() + "-" + part }

// ResourceName returns config-report-<environment>: the state machine's
// name and the prefix of the hub's other resources' names.
func (c Config) ResourceName() string { return "config-report-" + c.Name }

// FunctionName returns the name of the hub's function with the given ID
// (FunctionListAccounts, FunctionScanAccount, FunctionBuildReport).
func (c Config) FunctionName(id string) string { return c.ResourceName() + "-" + strings.ToLower(id) }

// StateMachineARN returns the ARN of the environment's state machine.
func (c Config) StateMachineARN() string {
	return arn.ARN{Partition: awsid.Partition(c.HubRegion), Service: "states", Region: c.HubRegion, AccountID: c.HubAccount,
		Resource: "stateMachine:" + c.ResourceName()}.String()
}

// HubRoleARN returns the ARN of one of the hub's roles (access.ScannerRoleName, …).
func (c Config) HubRoleARN(name string) string {
	return arn.ARN{Partition: awsid.Partition(c.HubRegion), Service: "iam", AccountID: c.HubAccount, Resource: "role/" + name}.String()
}

// The IDs of the hub's functions, from which their names are made.
const (
	FunctionListAccounts = "ListAccounts"
	FunctionScanAccount  = "ScanAccount"
	FunctionBuildReport  = "BuildReport"
)

// Environments are cdk.json's environments by name, each still raw.
type Environments map[string]json.RawMessage

// DecodeEnvironments decodes the "environments" context value v, as the
// CDK app reads it from its context (any JSON value decoded).
func DecodeEnvironments(v any) (Environments, error) {
	if v == nil {
		return nil, fmt.Errorf("cdk.json has no context.%s object", EnvironmentsKey)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("read context.%s: %w", EnvironmentsKey, err)
	}
	var envs Environments
	if err := json.Unmarshal(b, &envs); err != nil || len(envs) == 0 {
		return nil, fmt.Errorf("context.%s must be an object of environment names to settings", EnvironmentsKey)
	}
	return envs, nil
}

// ReadCDKJSON reads the environments of the cdk.json file at path.
func ReadCDKJSON(path string) (Environments, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the CDK app's settings: %w", err)
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return DecodeEnvironments(doc.Context[EnvironmentsKey])
}

// Names returns the environments' names, sorted.
func (e Environments) Names() []string {
	names := make([]string, 0, len(e))
	for n := range e {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Parse decodes one environment's settings (unknown settings are
// errors), applies defaults and validates the result.
func Parse(name string, raw []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("environment %q: %w", name, explainDecodeError(err))
	}
	c.Name = name
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("environment %q: %w", name, err)
	}
	return c, nil
}

// explainDecodeError turns encoding/json's messages into ones that name the
// setting.
func explainDecodeError(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Errorf("setting %s: got a JSON %s, want %s", typeErr.Field, typeErr.Value, typeErr.Type)
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown setting %s (see the settings reference in the README)", field)
	}
	return err
}

func (c *Config) applyDefaults() {
	if c.ReadRoleName == "" {
		c.ReadRoleName = access.ReadRoleName
	}
	if c.Schedule.Expression == "" {
		c.Schedule.Expression = DefaultScheduleExpression
	}
	if c.MaxConcurrency == 0 {
		c.MaxConcurrency = DefaultMaxConcurrency
	}
	if c.ScannerReservedConcurrency == 0 {
		c.ScannerReservedConcurrency = c.MaxConcurrency
	}
	if c.BucketName == "" {
		c.BucketName = "sys-compliance-reports-" + c.Name
	}
	if c.RunDataRetentionDays == 0 {
		c.RunDataRetentionDays = DefaultRunDataRetentionDays
	}
	if c.ReportRetentionDays == 0 {
		c.ReportRetentionDays = DefaultReportRetentionDays
	}
	if c.NoncurrentVersionDays == 0 {
		c.NoncurrentVersionDays = DefaultNoncurrentVersionDays
	}
	if c.AccessLogRetentionDays == 0 {
		c.AccessLogRetentionDays = DefaultAccessLogRetentionDays
	}
	if c.LogRetentionDays == 0 {
		c.LogRetentionDays = DefaultLogRetentionDays
	}
	if c.RemovalPolicy == "" {
		c.RemovalPolicy = RemovalRetain
	}
	if c.MemberRole.Deployment == "" {
		c.MemberRole.Deployment = MemberRoleStackSet
	}
}

// Validate reports every invalid setting, each by its cdk.json name, then,
// when the settings themselves are valid, what a function would refuse of
// its configuration.
func (c Config) Validate() error {
	var p problems
	c.checkOrganization(&p)
	c.checkSchedule(&p)
	c.checkConcurrency(&p)
	c.checkNotifications(&p)
	c.checkStorage(&p)
	c.checkMemberRole(&p)
	if len(p) == 0 {
		// What the settings above let through, the functions must accept at
		// cold start: the same validators, through the same environment.
		p = append(p, c.functionErrors()...)
	}
	return errors.Join(p...)
}

// problems collects what is wrong with the settings.
type problems []error

// bad adds a problem of the named setting.
func (p *problems) bad(setting, format string, args ...any) {
	*p = append(*p, fmt.Errorf("%s: %s", setting, fmt.Sprintf(format, args...)))
}

// checkOrganization checks the accounts, organization, regions and scope of the scan.
func (c Config) checkOrganization(p *problems) {
	if !envNamePattern.MatchString(c.Name) {
		p.bad("environment name", "%q must be lowercase letters, digits and hyphens, starting with a letter, at most 20 characters", c.Name)
	}
	for _, a := range []struct{ setting, v string }{{"hubAccount", c.HubAccount}, {"managementAccount", c.ManagementAccount}} {
		if awsid.ValidateAccountID(a.v) != nil {
			p.bad(a.setting, "%q is not a 12-digit AWS account ID", a.v)
		}
	}
	switch {
	case c.OrganizationID == "":
		p.bad("organizationId", "required: the organization's ID, o- and 10 to 32 lowercase letters or digits (aws organizations describe-organization --query Organization.Id)")
	case !orgIDPattern.MatchString(c.OrganizationID):
		p.bad("organizationId", "%q is not an organization ID (o- and 10 to 32 lowercase letters or digits)", c.OrganizationID)
	}
	if awsid.ValidateRegion(c.HubRegion) != nil {
		p.bad("hubRegion", "%q is not an AWS region name", c.HubRegion)
	}
	if len(c.Regions) == 0 {
		p.bad("regions", "list at least one region to scan")
	}
	checkList(p, "regions", c.Regions, awsid.ValidateRegion)
	checkList(p, "includeOus", c.IncludeOUs, awsid.ValidateOUOrRoot)
	for _, ou := range c.ExcludeOUs {
		if awsid.IsRoot(ou) {
			p.bad("excludeOus", "%q is a root: excluding it would exclude every account", ou)
		}
	}
	checkList(p, "excludeOus", c.ExcludeOUs, func(ou string) error {
		if awsid.IsRoot(ou) {
			return nil // said above
		}
		return awsid.ValidateOU(ou)
	})
	checkList(p, "excludeAccounts", c.ExcludeAccounts, awsid.ValidateAccountID)
	if c.TagKeys != nil {
		checkList(p, "tagKeys", *c.TagKeys, awsid.ValidateTagKey)
	}
	for _, ou := range c.IncludeOUs {
		if slices.Contains(c.ExcludeOUs, ou) {
			p.bad("excludeOus", "%s is also in includeOus", ou)
		}
	}
	if err := awsid.ValidateRolePathName(c.ReadRoleName); err != nil {
		p.bad("readRoleName", "%v", err)
	}
	if c.ExternalID != "" && awsid.ValidateExternalID(c.ExternalID) != nil {
		p.bad("externalId", "must be 2 to 1224 characters of letters, digits and _+=,.@:/-")
	}
}

// checkSchedule checks the schedule and its time zone, and the no-success alarm that depends on it.
func (c Config) checkSchedule(p *problems) {
	if !cronPattern.MatchString(c.Schedule.Expression) {
		p.bad("schedule.expression", "%q is not an EventBridge Scheduler cron(min hour day-of-month month day-of-week year) or rate() expression", c.Schedule.Expression)
	} else if strings.HasPrefix(c.Schedule.Expression, "cron(") {
		f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(c.Schedule.Expression, "cron("), ")"))
		if (f[2] == "?") == (f[4] == "?") {
			p.bad("schedule.expression", "%q: exactly one of day-of-month and day-of-week must be ?", c.Schedule.Expression)
		}
	}
	if c.Schedule.TimeZone == "" {
		p.bad("schedule.timeZone", "required: an IANA time zone such as Europe/Amsterdam or UTC")
	} else if _, err := time.LoadLocation(c.Schedule.TimeZone); err != nil || c.Schedule.TimeZone == "Local" {
		p.bad("schedule.timeZone", "%q is not an IANA time zone (e.g. Europe/Amsterdam, UTC)", c.Schedule.TimeZone)
	}

	if c.NoSuccessAlarmEnabled() && cronPattern.MatchString(c.Schedule.Expression) {
		if why := lessThanWeekly(c.Schedule.Expression); why != "" {
			p.bad("noSuccessAlarm", "schedule.expression %q %s, so the alarm for no successful execution in seven days would fire between runs: set noSuccessAlarm to false", c.Schedule.Expression, why)
		}
	}
}

// checkConcurrency checks the state machine's and the functions' concurrency and the report's thresholds.
func (c Config) checkConcurrency(p *problems) {
	if c.MaxConcurrency < 1 || c.MaxConcurrency > statemachine.MaxConcurrencyLimit {
		p.bad("maxConcurrency", "%d, want 1 to %d", c.MaxConcurrency, statemachine.MaxConcurrencyLimit)
	}
	if t := c.Tolerated(); t < 0 || t > 100 {
		p.bad("toleratedFailurePercentage", "%d, want 0 to 100", t)
	}
	if c.ScannerReservedConcurrency < c.MaxConcurrency {
		p.bad("scannerReservedConcurrency", "%d is below maxConcurrency %d: children would be throttled by Lambda", c.ScannerReservedConcurrency, c.MaxConcurrency)
	}
	if r := c.ConfigRate; r != nil && !(*r >= 0 && *r <= 1000) {
		p.bad("configRate", "%v, want calls a second per AWS Config API and account-region from 0 (never slow down) to 1000 (or leave it out for %v)", *r, scan.DefaultConfigRate)
	}
	for _, n := range []struct {
		setting string
		v, max  int
	}{{"regionConcurrency", c.RegionConcurrency, 64}, {"detailConcurrency", c.DetailConcurrency, 64}, {"readConcurrency", c.ReadConcurrency, 256}} {
		if n.v < 0 || n.v > n.max {
			p.bad(n.setting, "%d, want 1 to %d (or leave it out for the default)", n.v, n.max)
		}
	}
	// The report builder's own defaults, to check the pair when one is set.
	defaultGreen, defaultAmber := int(report.DefaultConfig().GreenPct), int(report.DefaultConfig().AmberPct)
	green, amber := defaultGreen, defaultAmber
	for _, pct := range []struct {
		setting string
		v       *int
		eff     *int
	}{{"complianceGreenPct", c.ComplianceGreenPct, &green}, {"complianceAmberPct", c.ComplianceAmberPct, &amber}} {
		if pct.v == nil {
			continue
		}
		*pct.eff = *pct.v
		if *pct.v < 0 || *pct.v > 100 {
			p.bad(pct.setting, "%d, want 0 to 100", *pct.v)
		}
	}
	if amber > green {
		p.bad("complianceAmberPct", "%d is above complianceGreenPct %d (unset settings default to %d and %d)", amber, green, defaultGreen, defaultAmber)
	}
}

// checkNotifications checks the unreachable-accounts alarm and the e-mail settings.
func (c Config) checkNotifications(p *problems) {
	if c.OwnerTag != "" {
		// ListAccounts reads only the tags TAG_KEYS names: an owner tag
		// outside them would put every account under "no owner".
		keys := org.DefaultTagKeys
		if c.TagKeys != nil {
			keys = *c.TagKeys
		}
		if !slices.Contains(keys, c.OwnerTag) {
			p.bad("ownerTag", "%q is not among the tags read (tagKeys: %s): add it to tagKeys", c.OwnerTag, strings.Join(keys, ", "))
		}
	}
	if pct := c.UnreachablePercent(); pct < 0 || pct > 99 {
		p.bad("unreachableAlarmPercent", "%d, want 0 to 99 (the alarm fires above it)", pct)
	}

	if c.ReportSender != "" && !plainAddress(c.ReportSender) {
		p.bad("reportSender", "%q is not a plain e-mail address (name@example.com)", c.ReportSender)
	}
	if len(c.ReportRecipients) > 0 && c.ReportSender == "" {
		p.bad("reportSender", "required when reportRecipients is set (an SES-verified identity)")
	}
	for _, setting := range []struct {
		name  string
		addrs []string
	}{{"reportRecipients", c.ReportRecipients}, {"alarmEmails", c.AlarmEmails}} {
		for _, a := range setting.addrs {
			if !plainAddress(a) {
				p.bad(setting.name, "%q is not a plain e-mail address", a)
			}
		}
	}
}

// checkStorage checks the report bucket, retention and removal policy.
func (c Config) checkStorage(p *problems) {
	if err := awsid.ValidateBucket(c.BucketName); err != nil {
		p.bad("bucketName", "%v", err)
	}
	if c.RunDataRetentionDays < MinRunDataRetentionDays {
		p.bad("runDataRetentionDays", "%d, want at least %d (a failed execution can be redriven for 14 days)", c.RunDataRetentionDays, MinRunDataRetentionDays)
	}
	if c.ReportRetentionDays < c.RunDataRetentionDays {
		p.bad("reportRetentionDays", "%d is shorter than runDataRetentionDays %d", c.ReportRetentionDays, c.RunDataRetentionDays)
	}
	if c.NoncurrentVersionDays < 1 {
		p.bad("noncurrentVersionDays", "%d, want at least 1", c.NoncurrentVersionDays)
	}
	if c.AccessLogRetentionDays < 1 {
		p.bad("accessLogRetentionDays", "%d, want at least 1", c.AccessLogRetentionDays)
	}
	if !slices.Contains(LogRetentionDays, c.LogRetentionDays) {
		p.bad("logRetentionDays", "%d is not a CloudWatch Logs retention; valid: %s", c.LogRetentionDays, joinInts(LogRetentionDays))
	}
	if c.RemovalPolicy != RemovalRetain && c.RemovalPolicy != RemovalDestroy {
		p.bad("removalPolicy", "%q, want %q or %q", c.RemovalPolicy, RemovalRetain, RemovalDestroy)
	}
}

// checkMemberRole checks how the member read role is deployed.
func (c Config) checkMemberRole(p *problems) {
	switch c.MemberRole.Deployment {
	case MemberRoleStackSet:
		if len(c.MemberRole.TargetOUs) == 0 {
			p.bad("memberRole.targetOus", "list the OUs (or the root r-xxxx) the StackSet deploys the read role to")
		}
		checkList(p, "memberRole.targetOus", c.MemberRole.TargetOUs, awsid.ValidateOUOrRoot)
	case MemberRoleStack:
		if len(c.MemberRole.TargetOUs) > 0 {
			p.bad("memberRole.targetOus", "only used with deployment %q", MemberRoleStackSet)
		}
	default:
		p.bad("memberRole.deployment", "%q, want %q or %q", c.MemberRole.Deployment, MemberRoleStackSet, MemberRoleStack)
	}
}

// Functions returns the three functions' configurations for the
// environment, from which the stack renders their environment variables.
// The organization role's ARN is built with the partition of the hub region.
func (c Config) Functions() (org.Config, scan.Config, report.Config) {
	list := org.DefaultConfig()
	list.Bucket = c.BucketName
	list.RoleARN = arn.ARN{Partition: awsid.Partition(c.HubRegion), Service: "iam", AccountID: c.ManagementAccount,
		Resource: "role/" + access.OrgRoleName}.String()
	list.ExternalID = c.ExternalID
	list.IncludeOUs, list.ExcludeOUs, list.ExcludeAccounts = c.IncludeOUs, c.ExcludeOUs, c.ExcludeAccounts
	if c.TagKeys != nil {
		list.TagKeys = *c.TagKeys
	}

	sc := scan.DefaultConfig()
	sc.Regions, sc.ReadRoleName, sc.ReadExternalID = c.Regions, c.ReadRoleName, c.ExternalID
	if c.RegionConcurrency > 0 {
		sc.RegionConcurrency = c.RegionConcurrency
	}
	if c.DetailConcurrency > 0 {
		sc.DetailConcurrency = c.DetailConcurrency
	}
	sc.ResolveResourceDetails = c.ResolveDetails()
	if c.ConfigRate != nil {
		sc.ConfigRate = *c.ConfigRate
	}

	build := report.DefaultConfig()
	build.Environment, build.Regions = c.Name, c.Regions
	if c.ComplianceGreenPct != nil {
		build.GreenPct = float64(*c.ComplianceGreenPct)
	}
	if c.ComplianceAmberPct != nil {
		build.AmberPct = float64(*c.ComplianceAmberPct)
	}
	if c.ReadConcurrency > 0 {
		build.ReadConcurrency = c.ReadConcurrency
	}
	if c.EmailEnabled() {
		build.Sender, build.Recipients = c.ReportSender, c.ReportRecipients
	}
	if c.PaperSize != "" {
		build.PaperSize = c.PaperSize
	}
	build.Classification = c.ReportClassification
	build.ConsoleStartURL, build.ConsoleRoleName = c.ConsoleStartURL, c.ConsoleRoleName
	build.OwnerTag = c.OwnerTag
	if c.SLADays != nil {
		build.SLA = slaSetting(c.SLADays)
	}
	return list, sc, build
}

// functionErrors returns what each function would refuse, at cold start, of
// the environment the stack renders for it.
func (c Config) functionErrors() []error {
	list, sc, build := c.Functions()
	var errs []error
	// What the stack means, then what each function reads of it.
	for _, v := range []struct {
		function string
		err      error
	}{{"ListAccounts", list.Validate()}, {"ScanAccount", sc.Validate()}, {"BuildReport", build.Validate()}} {
		if v.err != nil {
			errs = append(errs, fmt.Errorf("%s would refuse its configuration: %w", v.function, v.err))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if _, err := org.LoadConfig(setting.Lookup(list.Env())); err != nil {
		errs = append(errs, fmt.Errorf("ListAccounts would refuse its environment: %w", err))
	}
	if _, err := scan.LoadConfig(setting.Lookup(sc.Env())); err != nil {
		errs = append(errs, fmt.Errorf("ScanAccount would refuse its environment: %w", err))
	}
	if _, err := report.LoadConfig(setting.Lookup(build.Env())); err != nil {
		errs = append(errs, fmt.Errorf("BuildReport would refuse its environment: %w", err))
	}
	return errs
}

// lessThanWeekly says why a valid schedule expression may run less often
// than once every seven days, or returns "" when it runs at least weekly. It
// is conservative: cron expressions that restrict the day of the month, the
// month or the year, or name the nth or last weekday of a month, count as
// less than weekly.
func lessThanWeekly(expr string) string {
	if inner, ok := strings.CutPrefix(expr, "rate("); ok {
		f := strings.Fields(strings.TrimSuffix(inner, ")"))
		n, _ := strconv.Atoi(f[0])
		if strings.HasPrefix(f[1], "day") && n > 7 {
			return "runs every " + f[0] + " days"
		}
		return ""
	}
	f := strings.Fields(strings.TrimSuffix(strings.TrimPrefix(expr, "cron("), ")"))
	dom, month, dow, year := f[2], f[3], f[4], f[5]
	switch {
	case month != "*" || year != "*":
		return "restricts the month or year"
	case dom != "*" && dom != "?":
		return "restricts the day of the month"
	case strings.ContainsAny(dow, "#L"):
		return "names a weekday of the month"
	}
	return ""
}

// checkList reports each element of a list setting that validate refuses,
// and the first duplicate.
func checkList(p *problems, name string, list []string, validate func(string) error) {
	for _, v := range list {
		if err := validate(v); err != nil {
			*p = append(*p, fmt.Errorf("%s: %w", name, err))
		}
	}
	if d, ok := setting.FirstDuplicate(list); ok {
		*p = append(*p, fmt.Errorf("%s: %q is listed twice", name, d))
	}
}

// plainAddress reports whether s is a bare e-mail address, no display name.
func plainAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

// slaSetting writes slaDays as SLA_DAYS does, severity=days pairs in the
// order of the severities (the report builder refuses a severity it does
// not know, which Validate then reports).
func slaSetting(days map[string]int) string {
	var parts []string
	for _, sev := range slices.Sorted(maps.Keys(days)) {
		parts = append(parts, fmt.Sprintf("%s=%d", sev, days[sev]))
	}
	return strings.Join(parts, ",")
}
