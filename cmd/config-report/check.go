package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/deploy"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/pipeline"
	"github.com/config-report/config-report/internal/preflight"
)

const checkSynopsis = `Checks, before the first run, that a deployment will work, with the code the
Lambda functions run: it assumes the organization role and lists the
accounts the filters select; in every selected account it assumes the read
role and, in every region, checks the configuration recorder, counts the
rules and makes each read the scanner needs once; it reads the hub's report
bucket, state machine, Lambda concurrency and, when e-mail is configured,
SES. Each check is passed (✓), failed (✗, with what to do) or not run (–,
with why); accounts that cannot be entered are rolled up by OU.

The settings come from cdk.json (--env NAME), from the flags run takes, or,
with --demo, from the simulated organization of 'config-report demo'. Your
credentials take the deployed roles' place, as with run: the organization
role and the read roles must trust you (README, "Before the first run").

Exit status: 0 when a run would succeed, 1 when a check failed, 2 on a
usage error.

Examples:
  config-report check --env prod --profile audit --hub-profile hub
  config-report check --profile audit --org-role-arn arn:aws:iam::111122223333:role/system-config-report-generator-list-org-role \
      --regions eu-west-1,us-east-1 --external-id config-report-prod --sample 50
  config-report check --demo`

// checkFlags are the check command's settings.
type checkFlags struct {
	runFlags
	env, cdkJSON        string
	demo                bool
	demoAccounts        int
	seed                int64
	sample              int
	accounts            string
	format              string
	hubProfile          string
	bucket              string
	stateMachineARN     string
	scannerFunction     string
	reservedConcurrency int
	sender, recipients  string
}

// orgFlags are the flags that say which organization is checked: with
// --env or --demo they come from elsewhere.
var orgFlags = []string{"org-role-arn", "external-id", "org-external-id", "read-role-name", "include-ous", "exclude-ous", "exclude-accounts", "tag-keys",
	"bucket", "state-machine-arn", "scanner-function", "reserved-concurrency", "report-sender", "report-recipients"}

func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "check", checkSynopsis)
	var f checkFlags
	var regions string
	f.register(fs, &regions, "check")
	fs.StringVar(&f.env, "env", "", "check this environment of cdk.json (context.environments.<NAME>) instead of the flags' settings")
	fs.StringVar(&f.cdkJSON, "cdk-json", "cdk.json", "the CDK app's cdk.json, for --env")
	fs.BoolVar(&f.demo, "demo", false, "check the simulated organization of 'config-report demo' (no AWS account needed)")
	fs.IntVar(&f.demoAccounts, "demo-accounts", 300, "accounts in the simulated organization, with --demo")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the simulated organization, with --demo")
	fs.IntVar(&f.sample, "sample", 0, "check only this many of the selected accounts, spread over their OUs (0: all)")
	fs.StringVar(&f.accounts, "account", "", "check only these account IDs (comma-separated)")
	fs.StringVar(&f.format, "format", "text", "output: text (a table) or json (for pipelines)")
	fs.StringVar(&f.hubProfile, "hub-profile", "", "AWS profile for the hub's checks, when the hub is another account (default: --profile)")
	fs.StringVar(&f.bucket, "bucket", "", "the report bucket to check")
	fs.StringVar(&f.stateMachineARN, "state-machine-arn", "", "the state machine to check")
	fs.StringVar(&f.scannerFunction, "scanner-function", "", "the ScanAccount function, whose reserved concurrency is checked")
	fs.IntVar(&f.reservedConcurrency, "reserved-concurrency", 0, "the reserved concurrency the scanner needs (scannerReservedConcurrency)")
	fs.StringVar(&f.sender, "report-sender", "", "the report's SES sender, checked when --report-recipients is set")
	fs.StringVar(&f.recipients, "report-recipients", "", "the report's recipients (comma-separated)")
	if err := fs.parse(args); err != nil {
		return err
	}
	f.regions = splitList(regions)
	f.tagKeysSet = fs.isSet("tag-keys")
	if err := f.validate(fs); err != nil {
		return err
	}

	view := newProgressView(e.stderr)
	view.checking = true
	defer view.close()
	log := fs.logger(view)
	slog.SetDefault(log)

	var (
		c     *preflight.Checker
		title string
		err   error
	)
	switch {
	case f.demo:
		var stop func()
		c, title, stop, err = f.demoChecker(ctx, log)
		if err != nil {
			return err
		}
		defer stop()
	case f.env != "":
		c, title, err = f.envChecker(ctx, log)
	default:
		c, title, err = f.flagsChecker(ctx, log)
	}
	if err != nil {
		return err
	}
	c.Concurrency, c.Sample, c.Logger = f.concurrency, f.sample, log
	if f.accounts != "" {
		c.Accounts, _ = accountList("account", f.accounts) // validated
	}
	c.Progress = func(p preflight.Progress) {
		view.update(pipeline.Progress{Stage: pipeline.StageScan, Accounts: p.Accounts, Scanned: p.Checked, Unreachable: p.Unreachable, Elapsed: p.Elapsed})
	}
	start := time.Now()
	res, err := c.Run(ctx)
	if err != nil {
		return err
	}
	view.close()
	if f.format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printCheck(e.stdout, res, title, time.Since(start))
	}
	if !res.OK() {
		failed := 0
		for _, ch := range res.Checks {
			if ch.Status == preflight.Failed {
				failed++
			}
		}
		return fmt.Errorf("%d of %d checks failed: a run would fail or its report would have gaps (see above)", failed, len(res.Checks))
	}
	return nil
}

func (f *checkFlags) validate(fs *flagSet) error {
	switch {
	case f.format != "text" && f.format != "json":
		return usagef("--format must be text or json, not %q", f.format)
	case f.sample < 0:
		return usagef("--sample must not be negative")
	case f.demo && f.env != "":
		return usagef("give --env or --demo, not both")
	case f.accounts != "" && f.sample > 0:
		return usagef("give --account or --sample, not both")
	}
	if f.accounts != "" {
		if _, err := accountList("account", f.accounts); err != nil {
			return err
		}
	}
	if f.demo || f.env != "" {
		for _, name := range orgFlags {
			if fs.isSet(name) {
				return usagef("--%s: with --env or --demo the settings come from %s", name, map[bool]string{true: "the simulated organization", false: "cdk.json"}[f.demo])
			}
		}
		if f.env != "" && fs.isSet("regions") {
			return usagef("--regions: with --env the regions come from cdk.json")
		}
		if f.demo && (f.demoAccounts < 2 || f.demoAccounts > 50000) {
			return usagef("--demo-accounts must be from 2 to 50000, not %d", f.demoAccounts)
		}
		if err := checkConcurrency(f.concurrency); err != nil {
			return err
		}
		if f.demo && len(f.regions) > 0 {
			return checkRegions(f.regions)
		}
		return nil
	}
	if err := f.validateOrganization(); err != nil {
		return err
	}
	if f.bucket != "" {
		if err := awsid.ValidateBucket(f.bucket); err != nil {
			return usagef("--bucket: %v", err)
		}
	}
	if f.reservedConcurrency < 0 {
		return usagef("--reserved-concurrency must not be negative")
	}
	if f.recipients != "" && f.sender == "" {
		return usagef("--report-recipients needs --report-sender")
	}
	return nil
}

// flagsChecker is the check of the organization the flags describe, with
// the caller's credentials.
func (f *checkFlags) flagsChecker(ctx context.Context, log *slog.Logger) (*preflight.Checker, string, error) {
	cfg, err := loadAWSConfig(ctx, log, f.profile, f.region)
	if err != nil {
		return nil, "", err
	}
	cfg.HTTPClient = newHTTPClient(f.concurrency)
	hub := cfg
	if f.hubProfile != "" {
		if hub, err = loadAWSConfig(ctx, log, f.hubProfile, f.region); err != nil {
			return nil, "", err
		}
		hub.HTTPClient = cfg.HTTPClient
	}
	dep := f.deployment()
	dep.List.Bucket = cmp.Or(f.bucket, localBucket) // ListAccounts requires one; only --bucket is checked
	c := &preflight.Checker{
		Settings: preflight.Settings{
			List: dep.List, Scan: dep.Scan, Names: flagNames,
			Hub: preflight.Hub{Bucket: f.bucket, StateMachineARN: f.stateMachineARN, ScannerFunction: f.scannerFunction,
				ReservedConcurrency: f.reservedConcurrency, Sender: f.sender, Recipients: splitList(f.recipients)},
		},
		ListAWS: cfg, ScanAWS: cfg, HubAWS: hub,
	}
	return c, accountOf(f.orgRoleARN), nil
}

// flagNames are advice's names of stacks and settings when the settings
// come from the flags.
var flagNames = preflight.Names{
	OrgRoleStack:        "the organization-role stack (config-report-<env>-org-role)",
	MemberRoleStack:     "the member-role StackSet (config-report-<env>-member-role-stackset)",
	HubStack:            "the hub stack (config-report-<env>-hub)",
	ExternalID:          "--external-id",
	OrgExternalID:       "--org-external-id or --external-id",
	Regions:             "--regions",
	ReadRoleName:        "--read-role-name",
	IncludeOUs:          "--include-ous",
	ExcludeOUs:          "--exclude-ous",
	ExcludeAccounts:     "--exclude-accounts",
	ReservedConcurrency: "--reserved-concurrency",
	MaxConcurrency:      "maxConcurrency",
	Bucket:              "--bucket",
	Sender:              "--report-sender",
	Recipients:          "--report-recipients",
	TargetOUs:           "memberRole.targetOus",
}

// envNames are advice's names of stacks and settings for environment env
// of cdk.json.
func envNames(env string) preflight.Names {
	stack := func(part string) string { return "config-report-" + env + "-" + part }
	return preflight.Names{
		OrgRoleStack: stack("org-role"), MemberRoleStack: stack("member-role-stackset"), HubStack: stack("hub"),
		ExternalID: "externalId", OrgExternalID: "externalId", Regions: "regions", ReadRoleName: "readRoleName",
		IncludeOUs: "includeOus", ExcludeOUs: "excludeOus", ExcludeAccounts: "excludeAccounts",
		ReservedConcurrency: "scannerReservedConcurrency", MaxConcurrency: "maxConcurrency",
		Bucket: "bucketName", Sender: "reportSender", Recipients: "reportRecipients",
		TargetOUs: "memberRole.targetOus",
	}
}

// demoChecker serves the simulated organization of 'config-report demo'
// (week 1) in-process with the report bucket the hub stack would make, and
// returns the check of it through the pipeline's roles, as the demo runs
// the pipeline. The simulator serves no Step Functions or Lambda: those
// checks are not run.
func (f *checkFlags) demoChecker(ctx context.Context, log *slog.Logger) (*preflight.Checker, string, func(), error) {
	spec := demoOrgSpec{Seed: f.seed, Accounts: f.demoAccounts, Regions: f.regions, DisabledRegion: demoDisabledRegion}
	if len(spec.Regions) == 0 {
		spec.Regions = splitList(demoRegions)
	}
	if !slices.Contains(spec.Regions, spec.DisabledRegion) {
		spec.DisabledRegion = ""
	}
	o, err := demoOrg(spec, 1)
	if err != nil {
		return nil, "", nil, err
	}
	srv := orgsim.Start(o)
	role, _, err := demoHub(ctx, srv, o, f.concurrency, log)
	if err != nil {
		srv.Close()
		return nil, "", nil, err
	}
	names := envNames("demo")
	names.Targets = []string{o.RootID} // a StackSet deployed to the whole organization
	names.Trusted = o.HubRoleARN(orgsim.DefaultScannerRoleName)
	sc := scanConfig(spec.Regions)
	c := &preflight.Checker{
		Settings: preflight.Settings{
			List:  listConfig(demoBucket, o.RoleARN(o.ManagementAccountID, orgsim.DefaultOrgRoleName)),
			Scan:  sc,
			Names: names,
			Hub: preflight.Hub{Bucket: demoBucket, Unavailable: map[string]string{
				preflight.CheckStateMachine: "the simulated organization has no Step Functions (its tests run this check on kumo)",
				preflight.CheckConcurrency:  "the simulated organization has no Lambda, and nothing local serves its API",
			}},
		},
		ListAWS:   role(orgsim.DefaultListerRoleName),
		ScanAWS:   role(orgsim.DefaultScannerRoleName),
		HubAWS:    role(orgsim.DefaultFormatterRole),
		S3Options: func(o *s3.Options) { o.UsePathStyle = true },
	}
	title := fmt.Sprintf("the simulated organization of 'config-report demo' (seed %d, %d accounts, %s)", spec.Seed, len(o.Accounts), strings.Join(spec.Regions, ","))
	return c, title, srv.Close, nil
}

// envChecker is the check of an environment of cdk.json, as the stacks
// deploy it: the functions' configurations, the hub's resources by the
// names the hub stack gives them, and advice in the environment's words.
func (f *checkFlags) envChecker(ctx context.Context, log *slog.Logger) (*preflight.Checker, string, error) {
	envs, err := deploy.ReadCDKJSON(f.cdkJSON)
	if err != nil {
		return nil, "", usagef("--cdk-json: %v", err)
	}
	raw, ok := envs[f.env]
	if !ok {
		return nil, "", usagef("--env %q is not an environment of %s; valid environments: %s", f.env, f.cdkJSON, strings.Join(envs.Names(), ", "))
	}
	env, err := deploy.Parse(f.env, raw)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w (cdk synth refuses it too)", f.cdkJSON, err)
	}
	list, sc, build := env.Functions()
	cfg, err := loadAWSConfig(ctx, log, f.profile, cmp.Or(f.region, env.HubRegion))
	if err != nil {
		return nil, "", err
	}
	cfg.HTTPClient = newHTTPClient(f.concurrency)
	// The hub's resources are in its region, whatever the profile's.
	hub := cfg.Copy()
	if f.hubProfile != "" {
		if hub, err = loadAWSConfig(ctx, log, f.hubProfile, env.HubRegion); err != nil {
			return nil, "", err
		}
		hub.HTTPClient = cfg.HTTPClient
	}
	hub.Region = env.HubRegion

	names := envNames(env.Name)
	if env.MemberRole.Deployment == deploy.MemberRoleStackSet {
		names.Targets = env.MemberRole.TargetOUs
	} else {
		names.MemberRoleStack = env.StackName("member-role") + " (deployed in each member account)"
		names.TargetOUs = ""
	}
	names.Trusted = env.HubRoleARN(access.ScannerRoleName)
	h := preflight.Hub{
		Bucket:              env.BucketName,
		StateMachineARN:     env.StateMachineARN(),
		ScannerFunction:     env.FunctionName(deploy.FunctionScanAccount),
		ReservedConcurrency: env.ScannerReservedConcurrency,
	}
	if env.EmailEnabled() {
		h.Sender, h.Recipients = build.Sender, build.Recipients
	}
	c := &preflight.Checker{
		Settings: preflight.Settings{List: list, Scan: sc, Hub: h, Names: names},
		ListAWS:  cfg, ScanAWS: cfg, HubAWS: hub,
	}
	title := fmt.Sprintf("environment %s of %s (organization %s, hub %s in %s)", env.Name, f.cdkJSON, env.OrganizationID, env.HubAccount, env.HubRegion)
	return c, title, nil
}
