package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/pipeline"
	"github.com/config-report/config-report/internal/setting"
	"github.com/config-report/config-report/statemachine"
)

const demoSynopsis = `Runs the whole pipeline on a simulated AWS Organization, in-process and with
no AWS account: the simulator serves Organizations, STS, AWS Config and S3
over HTTP, and the ListAccounts, ScanAccount and BuildReport handlers run
against it exactly as the Lambda functions run against AWS. The report
(workbook, summary.json, CSV, re-run input) and the run's shards are written
to --out, which mirrors the report bucket's layout.

Each demo into the same folder is the next week of the same organization:
some resources get fixed, some new ones break, and the report compares the
week with the one before.

Example:
  config-report demo --accounts 500 --out ./report`

// demoBucket is the simulated report bucket.
const demoBucket = "config-report-demo"

// demoRegion is the simulated hub account's region.
const demoRegion = "us-east-1"

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", demoSynopsis)
	accounts := fs.Int("accounts", 300, "accounts in the simulated organization (2 to 50000)")
	regions := fs.String("regions", demoRegions, "comma-separated regions to scan")
	disabled := fs.String("config-disabled-region", demoDisabledRegion, `a region of --regions where no account has AWS Config enabled ("" for none; the default only applies when it is one of --regions)`)
	seed := fs.Int64("seed", 1, "seed of the simulated organization; the same seed gives the same organization")
	latency := fs.Duration("latency", 0, "simulated latency added to every AWS call, e.g. 20ms")
	throttle := fs.Float64("throttle", 0, "share of AWS Config calls answered with ThrottlingException (0 to 0.9); the SDK retries them")
	configRate := fs.Float64("config-rate", 0, "calls a second each AWS Config API allows per account and region, as AWS throttles (0: no limit; AWS publishes none, 1 is the scanner's assumption); the scanner paces to it")
	concurrency := fs.Int("concurrency", pipeline.DefaultConcurrency, "accounts scanned at once, as the Distributed Map's MaxConcurrency")
	out := fs.String("out", "./report", "folder the report and the run's shards are written to")
	environment := fs.String("environment", "demo", "environment name shown in the report")
	tolerated := fs.Int("tolerated-failure-percentage", statemachine.DefaultToleratedFailurePercentage, toleratedFlagUsage)
	if err := fs.parse(args); err != nil {
		return err
	}
	if err := checkTolerated(*tolerated); err != nil {
		return err
	}
	if err := checkOut(*out); err != nil {
		return err
	}
	spec := demoOrgSpec{Seed: *seed, Accounts: *accounts, Regions: splitList(*regions), DisabledRegion: strings.TrimSpace(*disabled)}
	if !fs.isSet("config-disabled-region") && !slices.Contains(spec.Regions, spec.DisabledRegion) {
		spec.DisabledRegion = ""
	}
	switch {
	case spec.Accounts < 2 || spec.Accounts > 50000:
		return usagef("--accounts must be from 2 to 50000, not %d", spec.Accounts)
	case *latency < 0:
		return usagef("--latency must not be negative")
	case !(*throttle >= 0 && *throttle <= 0.9): // NaN too
		return usagef("--throttle must be from 0 to 0.9, not %v", *throttle)
	case !(*configRate >= 0 && *configRate <= 1000):
		return usagef("--config-rate must be from 0 to 1000, not %v", *configRate)
	case spec.DisabledRegion != "" && !slices.Contains(spec.Regions, spec.DisabledRegion):
		return usagef("--config-disabled-region %s is not one of --regions", spec.DisabledRegion)
	}
	if err := checkRegions(spec.Regions); err != nil {
		return err
	}
	if err := checkConcurrency(*concurrency); err != nil {
		return err
	}
	view := newProgressView(e.stderr)
	defer view.close()
	log := fs.logger(view)
	slog.SetDefault(log)

	previous, err := localRuns(*out)
	if err != nil {
		return err
	}
	week := len(previous) + 1
	o, err := demoOrg(spec, week)
	if err != nil {
		return err
	}
	srv := orgsim.Start(o)
	defer srv.Close()
	faults := orgsim.Faults{Latency: *latency, Seed: *seed}
	if *throttle > 0 {
		faults.Throttle = map[string]float64{"config:*": *throttle}
	}
	srv.SetFaults(faults)
	if *configRate > 0 {
		srv.SetRateLimits(map[string]orgsim.RateLimit{"config:*": {Rate: *configRate, Burst: orgsim.DefaultConfigRateLimit.Burst}})
	}
	// The scanner paces to the simulated rate, as a deployment's configRate
	// is set to AWS's; with no limit it never slows down.
	scanCfg := scanConfig(spec.Regions)
	scanCfg.ConfigRate = *configRate

	role, bucketClient, err := demoHub(ctx, srv, o, *concurrency, log)
	if err != nil {
		return err
	}
	pathStyle := func(o *s3.Options) { o.UsePathStyle = true }
	prevID, skipped, err := uploadPrevious(ctx, bucketClient, demoBucket, *out, "", *environment)
	if err != nil {
		return err
	}
	for _, why := range skipped {
		fmt.Fprintf(e.stderr, "%s\n", why)
	}

	p, err := pipeline.FromDeployment(pipeline.Deployment{
		List:         listConfig(demoBucket, o.RoleARN(o.ManagementAccountID, orgsim.DefaultOrgRoleName)),
		Scan:         scanCfg,
		Build:        buildConfig(*environment, spec.Regions),
		ListAccounts: role(orgsim.DefaultListerRoleName),
		ScanAccount:  role(orgsim.DefaultScannerRoleName),
		BuildReport:  role(orgsim.DefaultFormatterRole),
		S3Options:    pathStyle,
	})
	if err != nil {
		return err
	}
	p.Concurrency = *concurrency
	p.Progress = view.update
	p.Logger = log

	fmt.Fprintf(e.stderr, "simulated organization: seed %d, %d accounts, %d OUs, regions %s; week %d",
		spec.Seed, len(o.Accounts), len(o.OUs), strings.Join(spec.Regions, ","), week)
	if prevID != "" {
		fmt.Fprintf(e.stderr, ", compared with %s", prevID)
	}
	fmt.Fprintln(e.stderr)
	start := time.Now()
	res, err := p.Run(ctx, pipeline.Input{ExecutionName: fmt.Sprintf("week%04d", week), StartTime: weekStart(week)})
	if err != nil {
		return err
	}
	if err := saveRun(ctx, bucketClient, demoBucket, res.List.RunID, *out); err != nil {
		return err
	}
	sum, err := readSummary(*out, res.List.RunID)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "config-report demo: run %s (week %d) of a simulated organization, in %s\n\n",
		res.List.RunID, week, time.Since(start).Round(100*time.Millisecond))
	printHeadline(e.stdout, sum, reportFiles(*out, res.List.RunID))
	printFailures(e.stdout, res.Failures)
	fmt.Fprintf(e.stdout, "\nRun the demo again with the same --out for next week's report, compared with this one.\n")
	return toleranceError(res, *tolerated)
}

// checkRegions reports the first region name that is not one.
func checkRegions(regions []string) error {
	if len(regions) == 0 {
		return usagef("--regions names no region")
	}
	for _, r := range regions {
		if err := awsid.ValidateRegion(r); err != nil {
			return usagef("--regions: %v", err)
		}
	}
	if d, ok := setting.FirstDuplicate(regions); ok {
		return usagef("--regions names %s twice", d)
	}
	return nil
}

func checkConcurrency(n int) error {
	if n < 1 || n > 10000 {
		return usagef("--concurrency must be from 1 to 10000, not %d", n)
	}
	return nil
}

// demoHub returns the AWS configuration of each hub role of the simulated
// organization o served by srv, and a client of its report bucket, made as
// the hub stack makes it: versioned (S3 encrypts and blocks public access
// by default).
func demoHub(ctx context.Context, srv *orgsim.Server, o *orgsim.Org, concurrency int, log *slog.Logger) (func(string) aws.Config, *s3.Client, error) {
	httpClient := newHTTPClient(concurrency)
	role := func(name string) aws.Config {
		cfg := srv.AWSConfig(o.HubRoleARN(name), demoRegion)
		cfg.Logger = sdkLogger(log)
		cfg.HTTPClient = httpClient
		return cfg
	}
	bucket := s3.NewFromConfig(role(orgsim.DefaultFormatterRole), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := bucket.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(demoBucket)}); err != nil {
		return nil, nil, fmt.Errorf("create the simulated report bucket: %w", err)
	}
	if _, err := bucket.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(demoBucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		return nil, nil, fmt.Errorf("version the simulated report bucket: %w", err)
	}
	return role, bucket, nil
}
