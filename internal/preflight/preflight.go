// Package preflight proves a config-report deployment will work before its
// first run, through the code the functions run: it assumes the
// organization role and lists the accounts as ListAccounts does (package
// org), assumes each selected account's read role as ScanAccount does and
// makes each read the scanner needs once, in the smallest form of the call,
// in every configured region, and reads the hub's report bucket, state
// machine, Lambda concurrency and SES. Every failure is judged as the
// scanner judges it (package scan's verdicts), and every finding says what
// to do: which stack, which OU, which setting.
//
// A Checker returns a Result: the checks, each passed (✓), failed (✗) or
// not run (–, with the reason), the account-regions that need attention,
// and a roll-up of unreachable accounts by OU. A region an SCP blocks or
// the account has not enabled is the organization's choice, not a gap (the
// report shows it as such): it is listed, and not run, not failed.
package preflight

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
	"github.com/config-report/config-report/internal/setting"
)

// Status is a check's outcome.
type Status string

// The outcomes of a check.
const (
	// Passed: what the check looked at will work.
	Passed Status = "passed"
	// Failed: a run would fail, or its report would have a gap; the check's
	// Advice says what to do.
	Failed Status = "failed"
	// NotRun: the check could not be made here, or found only what the
	// organization chose (an SCP-blocked or disabled region); Advice says
	// why.
	NotRun Status = "not-run"
)

// Symbol returns ✓, ✗ or – for the status.
func (s Status) Symbol() string {
	switch s {
	case Passed:
		return "✓"
	case Failed:
		return "✗"
	}
	return "–"
}

// Check is one line of the preflight's table.
type Check struct {
	// Name says what was checked, e.g. "read role" or "report bucket".
	Name string `json:"name"`
	// Status is the outcome.
	Status Status `json:"status"`
	// Detail is what was found.
	Detail string `json:"detail"`
	// Advice says what to do about a failed check, or why a check was not
	// run; empty for a passed one.
	Advice string `json:"advice,omitempty"`
}

// Diagnosis is what was found in an account or one of its regions: the
// account and region statuses the scanner records (package run), and
// CheckError for a check that could not be made.
type Diagnosis string

// The diagnoses of a finding.
const (
	Unreachable      = Diagnosis(run.AccountUnreachable)
	ConfigNotEnabled = Diagnosis(run.RegionConfigNotEnabled)
	RecorderStopped  = Diagnosis(run.RegionRecorderStopped)
	RegionDisabled   = Diagnosis(run.RegionDisabled)
	BlockedBySCP     = Diagnosis(run.RegionBlockedBySCP)
	AccessDenied     = Diagnosis(run.RegionAccessDenied)
	// NotSelected is an account asked for (Checker.Accounts) that the
	// filters do not select, or that is not ACTIVE.
	NotSelected Diagnosis = "not-selected"
	// CheckError is a call that failed otherwise: throttling past the SDK's
	// retries, a server error, an answer the scanner does not expect.
	CheckError Diagnosis = "check-error"
)

// Finding is an account, or one region of it, that needs attention.
type Finding struct {
	// AccountID, AccountName and OUPath name the account.
	AccountID   string `json:"accountId"`
	AccountName string `json:"accountName,omitempty"`
	OUPath      string `json:"ouPath,omitempty"`
	// Region is the region, "" for the account as a whole.
	Region string `json:"region,omitempty"`
	// Diagnosis is what was found.
	Diagnosis Diagnosis `json:"diagnosis"`
	// Action is the IAM action that was refused, for access-denied and
	// blocked-by-scp, or that failed, for check-error.
	Action string `json:"action,omitempty"`
	// Message is AWS's answer, or what the finding is about.
	Message string `json:"message"`
}

// OUCount is one OU's share of unreachable accounts.
type OUCount struct {
	// Path is the OU's path of names, e.g. "Root/Workloads/Prod".
	Path string `json:"path"`
	// ID is the OU's (or root's) ID.
	ID string `json:"id,omitempty"`
	// Checked and Unreachable count the OU's accounts (directly in it)
	// that were checked and that of them could not be entered.
	Checked     int `json:"checked"`
	Unreachable int `json:"unreachable"`
}

// Totals are the preflight's counts.
type Totals struct {
	// Selected is the number of ACTIVE accounts the filters select;
	// Inactive counts the others of the selected OUs by state; Excluded is
	// the number EXCLUDE_ACCOUNTS removed.
	Selected int            `json:"selected"`
	Inactive map[string]int `json:"inactive,omitempty"`
	Excluded int            `json:"excluded,omitempty"`
	// Checked is the number of accounts checked (all selected ones, or a
	// sample); Reachable those of them whose read role was assumed.
	Checked   int `json:"checked"`
	Reachable int `json:"reachable"`
	// AccountRegions is the number of account-regions probed.
	AccountRegions int `json:"accountRegions"`
}

// Result is what a preflight found.
type Result struct {
	// Caller is the principal the checks ran as (sts:GetCallerIdentity).
	Caller string `json:"caller"`
	// Checks are the table's lines, in order.
	Checks []Check `json:"checks"`
	// Totals are the counts.
	Totals Totals `json:"totals"`
	// Findings are the accounts and account-regions that need attention,
	// by account ID and region.
	Findings []Finding `json:"findings"`
	// UnreachableByOU counts, for each OU with an unreachable account, its
	// accounts checked and unreachable, the most unreachable first.
	UnreachableByOU []OUCount `json:"unreachableByOu"`
}

// OK reports whether no check failed: a run would succeed and its report
// would have no gap the preflight can see.
func (r *Result) OK() bool {
	for _, c := range r.Checks {
		if c.Status == Failed {
			return false
		}
	}
	return true
}

// Progress says how far the account checks have got.
type Progress struct {
	// Accounts is the number of accounts to check; Checked those done, and
	// Unreachable those of them whose read role could not be assumed.
	Accounts, Checked, Unreachable int
	// Elapsed is the time since the account checks started.
	Elapsed time.Duration
}

// Checker runs a preflight. Settings say what is checked; the AWS
// configurations whose credentials check it take the deployed roles'
// places, as in pipeline.Deployment: the organization role is assumed with
// ListAWS's, the read roles with ScanAWS's, and the hub is read with
// HubAWS's.
type Checker struct {
	// Settings are the deployment's settings.
	Settings Settings
	// ListAWS, ScanAWS and HubAWS are the AWS configurations.
	ListAWS, ScanAWS, HubAWS aws.Config
	// S3Options, when set, adjusts the S3 client (a local endpoint).
	S3Options func(*s3.Options)
	// Concurrency bounds the accounts checked at once (default 16).
	Concurrency int
	// Sample, when positive, checks only that many of the selected
	// accounts, spread over their OUs.
	Sample int
	// Accounts, when set, checks only these account IDs (each must be an
	// ACTIVE account the filters select).
	Accounts []string
	// Progress, when set, is called as accounts are checked.
	Progress func(Progress)
	// Logger receives the functions' logs; nil discards them.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxBackoff caps the SDK's retry delay of the account checks; zero
	// means the scanner's own (scan.MaxBackoff).
	MaxBackoff time.Duration
}

// Settings are what a deployment is configured to do.
type Settings struct {
	// List and Scan are the ListAccounts and ScanAccount functions'
	// configurations; they are read through the functions' own LoadConfig,
	// so a setting a function would refuse is refused here.
	List org.Config
	Scan scan.Config
	// Hub says where the hub's resources are.
	Hub Hub
	// Names are how advice names stacks and settings.
	Names Names
}

// DefaultConcurrency is how many accounts are checked at once by default.
const DefaultConcurrency = 16

// Run runs every check. Its error is only for what stops the preflight
// itself (the context ending); everything AWS answers is in the Result.
func (c *Checker) Run(ctx context.Context) (*Result, error) {
	listCfg, scanCfg, err := c.Settings.load(c.ScanAWS.Region)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	id, err := sts.NewFromConfig(c.ScanAWS).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		res.Checks = append(res.Checks, Check{Name: "credentials", Status: Failed, Detail: "sts:GetCallerIdentity failed: " + awsMessage(err),
			Advice: "your AWS credentials do not work: log in again, or pass the profile (--profile) that holds them"})
		return res, nil
	}
	res.Caller = aws.ToString(id.Arn)
	res.Checks = append(res.Checks, Check{Name: "credentials", Status: Passed, Detail: res.Caller})

	sessionRun := "check-" + c.now().UTC().Format("2006-01-02T150405Z")
	accounts, listing := c.checkOrganization(ctx, listCfg, sessionRun, res)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if listing != nil {
		probes := c.checkAccounts(ctx, scanCfg, sessionRun, accounts, res)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c.judgeAccounts(res, listing, probes, scanCfg)
	}
	c.checkHub(ctx, res)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return res, nil
}

// load reads the functions' configurations as the functions do.
func (s Settings) load(scanRegion string) (org.Config, scan.Config, error) {
	list, err := org.LoadConfig(setting.Lookup(s.List.Env()))
	if err != nil {
		return org.Config{}, scan.Config{}, fmt.Errorf("ListAccounts %w", err)
	}
	env := s.Scan.Env()
	env[scan.EnvHubRegion] = scanRegion
	sc, err := scan.LoadConfig(setting.Lookup(env))
	if err != nil {
		return org.Config{}, scan.Config{}, fmt.Errorf("ScanAccount %w", err)
	}
	return list, sc, nil
}

func (c *Checker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Checker) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}
