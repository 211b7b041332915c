package main

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/deploy"
)

// An environment's settings are package deploy's: read from cdk.json's
// context.environments.<name> there, defaulted and validated once, for this
// app and for config-report check --env.
type (
	// Config is one environment's settings.
	Config = deploy.Config
	// ScheduleConfig is the EventBridge Scheduler schedule.
	ScheduleConfig = deploy.ScheduleConfig
	// MemberRoleConfig says how the member read role reaches the member accounts.
	MemberRoleConfig = deploy.MemberRoleConfig
)

// Context keys read from cdk.json (or -c on the command line).
const (
	// EnvContextKey selects the environment: cdk synth -c env=<name>.
	EnvContextKey = "env"
	// EnvironmentsContextKey holds the per-environment settings in cdk.json.
	EnvironmentsContextKey = deploy.EnvironmentsKey
)

// IAM role names: member accounts and the organization's baseline reference
// them, so they are fixed rather than generated.
const (
	ListerRoleName      = access.ListerRoleName
	ScannerRoleName     = access.ScannerRoleName
	FormatterRoleName   = access.FormatterRoleName
	OrgRoleName         = access.OrgRoleName
	DefaultReadRoleName = access.ReadRoleName
)

// The settings' values the stacks branch on (package deploy's).
const (
	MemberRoleStackSet = deploy.MemberRoleStackSet
	MemberRoleStack    = deploy.MemberRoleStack
	RemovalDestroy     = deploy.RemovalDestroy
)

// logRetention maps the retention periods CloudWatch Logs accepts, in days
// (deploy.LogRetentionDays, which the settings are validated against), to
// CDK's names for them.
var logRetention = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}

// logRetentionOf returns the log groups' retention of an environment.
func logRetentionOf(c Config) awslogs.RetentionDays { return logRetention[c.LogRetentionDays] }

// LoadConfig reads the environment named by the "env" context value from the
// "environments" context object, applies defaults and validates it. Errors
// name the setting and, for an unknown environment, list the valid ones.
func LoadConfig(node constructs.Node) (Config, error) {
	envs, err := deploy.DecodeEnvironments(node.TryGetContext(strPtr(EnvironmentsContextKey)))
	if err != nil {
		return Config{}, err
	}
	valid := strings.Join(envs.Names(), ", ")
	name, _ := node.TryGetContext(strPtr(EnvContextKey)).(string)
	if name == "" {
		return Config{}, fmt.Errorf("no environment selected: pass -c %s=<name>; valid environments: %s", EnvContextKey, valid)
	}
	raw, ok := envs[name]
	if !ok {
		return Config{}, fmt.Errorf("unknown environment %q (-c %s=%s); valid environments: %s", name, EnvContextKey, name, valid)
	}
	return deploy.Parse(name, raw)
}

func strPtr(s string) *string { return &s }
