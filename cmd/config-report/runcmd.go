package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/pipeline"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
	"github.com/config-report/config-report/statemachine"
)

const runSynopsis = `Runs the pipeline from your workstation against the real AWS Organization,
with your AWS credentials, through the same handlers the Lambda functions
run: list the organization's active accounts through the organization role
(--org-role-arn), scan each account's AWS Config compliance in every region
through its read role, and build the report.

Your principal takes the place of the deployed Lambda roles: the
organization role and the member accounts' read roles must trust it (for
instance by trusting the hub account, or your SSO role).

The report and the run's shards go to --out (default ./report), laid out as
the report bucket is; a later run into the same folder is compared with the
latest earlier one. With --bucket they go to that S3 bucket instead.

Examples:
  config-report run --profile audit --org-role-arn arn:aws:iam::111122223333:role/system-config-report-generator-list-org-role \
      --regions eu-west-1,us-east-1
  config-report run --profile audit --org-role-arn ... --regions eu-west-1 --account 123456789012`

// localBucket is the name of the in-process bucket of a local run.
const localBucket = "config-report-local"

// runFlags are the run command's settings.
type runFlags struct {
	profile, region           string
	orgRoleARN                string
	externalID, orgExternalID string
	readRoleName              string
	regions                   []string
	account                   string
	concurrency               int
	bucket, out               string
	environment               string
	includeOUs, excludeOUs    string
	excludeAccounts, tagKeys  string
	tagKeysSet                bool
	outSet                    bool
	tolerated                 int
}

func runRun(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "run", runSynopsis)
	var f runFlags
	var regions string
	f.register(fs, &regions, "scan")
	fs.StringVar(&f.account, "account", "", "scan only this account ID (its name, OU path and tags still come from Organizations)")
	fs.StringVar(&f.bucket, "bucket", "", "write the run and its report to this S3 bucket instead of --out")
	fs.StringVar(&f.out, "out", "./report", "local folder for the run and its report (also a copy of the report with --bucket)")
	fs.StringVar(&f.environment, "environment", "local", "environment name shown in the report")
	fs.IntVar(&f.tolerated, "tolerated-failure-percentage", statemachine.DefaultToleratedFailurePercentage, toleratedFlagUsage)
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := checkTolerated(f.tolerated); err != nil {
		return err
	}
	if f.bucket == "" || fs.isSet("out") {
		if err := checkOut(f.out); err != nil {
			return err
		}
	}
	f.tagKeysSet, f.outSet = fs.isSet("tag-keys"), fs.isSet("out")
	f.regions = splitList(regions)
	if err := f.validate(); err != nil {
		return err
	}
	view := newProgressView(e.stderr)
	defer view.close()
	log := fs.logger(view)
	slog.SetDefault(log)

	cfg, err := loadAWSConfig(ctx, log, f.profile, f.region)
	if err != nil {
		return err
	}
	cfg.HTTPClient = newHTTPClient(f.concurrency)
	caller, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("your AWS credentials do not work (sts:GetCallerIdentity): %w", err)
	}
	callerARN := aws.ToString(caller.Arn)
	fmt.Fprintf(e.stderr, "running as %s\n", callerARN)

	dep := f.deployment()
	dep.ListAccounts, dep.ScanAccount, dep.BuildReport = cfg, cfg, cfg
	var store pipeline.ObjectStore
	bucket := f.bucket
	if bucket == "" {
		lb, err := pipeline.StartLocalBucket(ctx, localBucket)
		if err != nil {
			return err
		}
		defer lb.Close()
		bucket = lb.Name
		dep.S3Options = func(o *s3.Options) {
			o.BaseEndpoint = aws.String(lb.URL)
			o.UsePathStyle = true
		}
		store = s3.NewFromConfig(cfg, dep.S3Options)
		_, skipped, err := uploadPrevious(ctx, store, bucket, f.out, "", f.environment)
		if err != nil {
			return err
		}
		for _, why := range skipped {
			fmt.Fprintf(e.stderr, "%s\n", why)
		}
	} else {
		store = s3.NewFromConfig(cfg)
	}
	dep.List.Bucket = bucket

	p, err := pipeline.FromDeployment(dep)
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	p.Concurrency = f.concurrency
	p.Progress = view.update
	p.Logger = log

	now := time.Now()
	in := pipeline.Input{ExecutionName: localExecutionName(now), StartTime: now}
	if f.account != "" {
		// One account: a run whose manifest names only the account's ID,
		// then a re-run of the account into it, as a re-run from the console
		// would; ListAccounts checks the account is in the run and writes its
		// name, OU path and tags from Organizations in the re-run manifest,
		// which the report reads over the first.
		in.RunID, err = run.NewID(in.StartTime, in.ExecutionName)
		if err != nil {
			return err
		}
		if err := run.PutManifest(ctx, store, bucket, run.ManifestKey(in.RunID), []run.Account{{ID: f.account}}); err != nil {
			return err
		}
		in.AccountIDs = []string{f.account}
	}
	start := time.Now()
	res, err := p.Run(ctx, in)
	if err != nil {
		return explainRunError(err, f, callerARN)
	}
	runID := res.List.RunID
	files := [][2]string{
		{"workbook", "s3://" + bucket + "/" + run.WorkbookKey(runID)},
		{"summary", "s3://" + bucket + "/" + run.SummaryKey(runID)},
		{"CSV", "s3://" + bucket + "/" + run.CSVKey(runID)},
	}
	if f.bucket == "" || f.outSet {
		if err := saveRun(ctx, store, bucket, runID, f.out); err != nil {
			return err
		}
		files = reportFiles(f.out, runID)
	}
	sumDir := f.out
	if f.bucket != "" && !f.outSet {
		if sumDir, err = os.MkdirTemp("", "config-report-"); err != nil {
			return err
		}
		defer os.RemoveAll(sumDir)
		if _, err := pipeline.Download(ctx, store, bucket, run.SummaryKey(runID), sumDir); err != nil {
			return fmt.Errorf("read the summary: %w", err)
		}
	}
	sum, err := readSummary(sumDir, runID)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "config-report run: run %s of %s, in %s\n\n", runID, accountOf(f.orgRoleARN), time.Since(start).Round(time.Second))
	printHeadline(e.stdout, sum, files)
	printFailures(e.stdout, res.Failures)
	return toleranceError(res, f.tolerated)
}

func (f *runFlags) validate() error {
	if err := f.validateOrganization(); err != nil {
		return err
	}
	switch {
	case f.account != "" && awsid.ValidateAccountID(f.account) != nil:
		return usagef("--account %q is not a 12-digit account ID", f.account)
	case f.bucket == "" && f.out == "":
		return usagef("give --out or --bucket")
	}
	return nil
}

// register adds the flags that say which organization, roles and regions
// a command reads (run scans them, check checks them); verb says what it
// does to the accounts.
func (f *runFlags) register(fs *flagSet, regions *string, verb string) {
	fs.StringVar(&f.profile, "profile", "", "AWS profile to use (default: the AWS CLI's credential chain)")
	fs.StringVar(&f.region, "region", "", "region of the AWS calls that are not per scanned region (default: the profile's)")
	fs.StringVar(&f.orgRoleARN, "org-role-arn", "", "ARN of the organization-listing role in the management account (required)")
	fs.StringVar(&f.externalID, "external-id", "", "ExternalId the read roles (and the organization role) require")
	fs.StringVar(&f.orgExternalID, "org-external-id", "", "ExternalId the organization role requires, when it differs from --external-id")
	fs.StringVar(&f.readRoleName, "read-role-name", access.ReadRoleName, "name of the read role in every member account, optionally with its path")
	fs.StringVar(regions, "regions", "", "comma-separated regions to "+verb+" (required)")
	fs.IntVar(&f.concurrency, "concurrency", pipeline.DefaultConcurrency, "accounts "+map[string]string{"scan": "scanned", "check": "checked"}[verb]+" at once")
	fs.StringVar(&f.includeOUs, "include-ous", "", "comma-separated OU or root IDs to "+verb+" (default: the whole organization)")
	fs.StringVar(&f.excludeOUs, "exclude-ous", "", "comma-separated OU IDs not to "+verb)
	fs.StringVar(&f.excludeAccounts, "exclude-accounts", "", "comma-separated account IDs not to "+verb)
	fs.StringVar(&f.tagKeys, "tag-keys", strings.Join(org.DefaultTagKeys, ","), "comma-separated account tags copied into the report")
}

// validateOrganization checks the flags register adds.
func (f *runFlags) validateOrganization() error {
	switch {
	case f.orgRoleARN == "":
		return usagef("--org-role-arn is required: the organization-listing role in the management account")
	case awsid.ValidateRoleARN(f.orgRoleARN) != nil:
		return usagef("--org-role-arn: %v", awsid.ValidateRoleARN(f.orgRoleARN))
	case len(f.regions) == 0:
		return usagef("--regions is required: the regions to scan, e.g. eu-west-1,us-east-1")
	}
	if err := checkRegions(f.regions); err != nil {
		return err
	}
	return checkConcurrency(f.concurrency)
}

// deployment returns the functions' configurations for the flags; the
// bucket is set once it is known. The handlers read them through the
// environment the stack would give the functions, so a setting the
// functions refuse is refused here too.
func (f *runFlags) deployment() pipeline.Deployment {
	orgExternalID := cmp.Or(f.orgExternalID, f.externalID)
	list := listConfig("", f.orgRoleARN)
	list.ExternalID = orgExternalID
	list.IncludeOUs = splitList(f.includeOUs)
	list.ExcludeOUs = splitList(f.excludeOUs)
	list.ExcludeAccounts = splitList(f.excludeAccounts)
	if f.tagKeysSet {
		list.TagKeys = splitList(f.tagKeys)
	}
	scan := scanConfig(f.regions)
	scan.ReadRoleName = f.readRoleName
	scan.ReadExternalID = f.externalID
	return pipeline.Deployment{List: list, Scan: scan, Build: buildConfig(f.environment, f.regions)}
}

// listConfig, scanConfig and buildConfig return the functions'
// configurations with their defaults and the settings every local run has.
func listConfig(bucket, orgRoleARN string) org.Config {
	c := org.DefaultConfig()
	c.Bucket, c.RoleARN = bucket, orgRoleARN
	return c
}

func scanConfig(regions []string) scan.Config {
	c := scan.DefaultConfig()
	c.Regions = regions
	return c
}

func buildConfig(environment string, regions []string) report.Config {
	c := report.DefaultConfig()
	c.Environment, c.Regions = environment, regions
	return c
}

// explainRunError turns the errors a workstation run meets most, an
// organization role that cannot be assumed and an account that cannot be
// scanned, into a line that says what to do.
func explainRunError(err error, f runFlags, caller string) error {
	if op := findOperation(err, "STS", "AssumeRole"); op != nil {
		var api smithy.APIError
		code := "error"
		if errors.As(op, &api) {
			code = api.ErrorCode()
		}
		hint := "check that it exists in the management account and that its trust policy allows " + caller
		if f.orgExternalID == "" && f.externalID == "" {
			hint += " (and pass --org-external-id if it requires an ExternalId)"
		}
		return fmt.Errorf("cannot assume the organization role %s (%s): %s", f.orgRoleARN, code, hint)
	}
	var input *org.InputError
	if errors.As(err, &input) {
		return fmt.Errorf("%s", input.Msg)
	}
	return err
}

// findOperation returns the first SDK operation error of service and
// operation in err's chain, or nil.
func findOperation(err error, service, operation string) *smithy.OperationError {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if op, ok := e.(*smithy.OperationError); ok && op.Service() == service && op.Operation() == operation {
			return op
		}
	}
	return nil
}

// printFailures lists the accounts that could not be scanned.
func printFailures(w io.Writer, failures []pipeline.Failure) {
	if len(failures) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%d account(s) could not be scanned; re-run them with the re-run input above:\n", len(failures))
	for i, fl := range failures {
		if i == 10 {
			fmt.Fprintf(w, "  … and %d more\n", len(failures)-i)
			break
		}
		fmt.Fprintf(w, "  %s %s: %s (after %d attempts)\n", fl.Account.ID, fl.Account.Name, oneLine(fl.Err.Error()), fl.Attempts)
	}
}

// accountOf returns "organization <management account>" for an org role ARN.
func accountOf(roleARN string) string {
	a, err := arn.Parse(roleARN)
	if err != nil {
		return "the organization"
	}
	return "the organization of " + a.AccountID
}

// localExecutionName names a workstation run started at now, with eight
// letters and digits, so that the run ID ends with the name itself
// (run.NewID): the seconds and milliseconds of now, so runs started within
// the same minute still sort by time, then three random hexadecimal digits.
func localExecutionName(now time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%02d%03d%s", now.Second(), now.Nanosecond()/1e6, hex.EncodeToString(b[:])[:3])
}
