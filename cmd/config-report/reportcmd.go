package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/config-report/config-report/internal/pipeline"
	"github.com/config-report/config-report/internal/report"
	"github.com/config-report/config-report/internal/run"
)

const reportSynopsis = `Rebuilds a run's report from its manifests and shards, with the BuildReport
handler the Lambda function runs: the workbook, summary.json, CSV and re-run
input are written again, compared with the latest earlier run. Use it after
shards were added or replaced, or to rebuild with a newer version.

The run is read from a local folder laid out as the report bucket is (--dir,
as demo and run write it) or from the bucket itself (--bucket, with your AWS
credentials). The regions and environment default to those of the run's
existing summary.

Examples:
  config-report report --dir ./report --run-id 2026-11-30T0900Z-week0001
  config-report report --profile audit --bucket my-reports-bucket --run-id 2026-11-30T0900Z-3f2a9c1b`

func runReport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "report", reportSynopsis)
	runID := fs.String("run-id", "", "the run to rebuild the report of (required)")
	dir := fs.String("dir", "", "local folder holding the run (runs/<run-id>/…)")
	bucket := fs.String("bucket", "", "S3 bucket holding the run")
	regions := fs.String("regions", "", "comma-separated regions the run scanned (default: the existing summary's)")
	environment := fs.String("environment", "", "environment name shown in the report (default: the existing summary's, or local)")
	profile := fs.String("profile", "", "AWS profile, with --bucket (default: the AWS CLI's credential chain)")
	region := fs.String("region", "", "AWS region of the bucket, with --bucket (default: the profile's)")
	if err := fs.parse(args); err != nil {
		return err
	}
	switch {
	case *runID == "":
		return usagef("--run-id is required")
	case (*dir == "") == (*bucket == ""):
		return usagef("give exactly one of --dir and --bucket")
	case *dir != "" && (*profile != "" || *region != ""):
		return usagef("--profile and --region are only used with --bucket")
	}
	if err := run.ValidateID(*runID); err != nil {
		return usagef("--run-id: %v", err)
	}
	view := newProgressView(e.stderr)
	defer view.close()
	log := fs.logger(view)
	slog.SetDefault(log)

	var cfg aws.Config
	var store pipeline.ObjectStore
	var s3Options func(*s3.Options)
	name := *bucket
	envName := *environment
	if *dir != "" {
		// The environment: the flag's, else this run's summary's, else the
		// newest earlier run's in the folder, so that a rebuild keeps the
		// chain of weeks of one environment.
		if envName == "" {
			if s, err := readSummary(*dir, *runID); err == nil {
				envName = s.Environment
			}
		}
		if envName == "" {
			envName = localEnvironment(*dir, *runID)
		}
		if !fileExists(localFile(*dir, run.ManifestKey(*runID))) {
			return fmt.Errorf("%s holds no run %s (no %s): check --dir and --run-id", *dir, *runID, run.ManifestKey(*runID))
		}
		lb, err := pipeline.StartLocalBucket(ctx, localBucket)
		if err != nil {
			return err
		}
		defer lb.Close()
		cfg, name = lb.AWSConfig(), lb.Name
		s3Options = func(o *s3.Options) { o.UsePathStyle = true }
		store = s3.NewFromConfig(cfg, s3Options)
		for _, prefix := range []string{run.Prefix(*runID), run.SummaryKey(*runID)} {
			if _, err := pipeline.Upload(ctx, store, *dir, prefix, name); err != nil {
				return err
			}
		}
		_, skipped, err := uploadPrevious(ctx, store, name, *dir, *runID, cmp.Or(envName, "local"))
		if err != nil {
			return err
		}
		for _, why := range skipped {
			fmt.Fprintf(e.stderr, "%s\n", why)
		}
	} else {
		var err error
		if cfg, err = loadAWSConfig(ctx, log, *profile, *region); err != nil {
			return err
		}
		store = s3.NewFromConfig(cfg)
	}

	build, err := reportConfig(ctx, store, name, *runID, splitList(*regions), envName)
	if err != nil {
		return err
	}
	if err := checkRegions(build.Regions); err != nil {
		return err
	}
	builder, err := pipeline.NewBuilder(pipeline.Deployment{Build: build, BuildReport: cfg, S3Options: s3Options})
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	fmt.Fprintf(e.stderr, "rebuilding the report of run %s…\n", *runID)
	start := time.Now()
	out, err := builder.Handle(ctx, report.In{RunID: *runID, Bucket: name})
	if err != nil {
		return err
	}

	files := [][2]string{
		{"workbook", "s3://" + name + "/" + out.ReportKey},
		{"summary", "s3://" + name + "/" + out.SummaryKey},
		{"CSV", "s3://" + name + "/" + run.CSVKey(*runID)},
	}
	sumDir := *dir
	if *dir != "" {
		// The rebuilt report replaces the folder's whole, a stale re-run
		// input included, once it is complete (staged in the same folder,
		// so the moves are renames).
		staging, err := os.MkdirTemp(*dir, ".rebuild-")
		if err != nil {
			return fmt.Errorf("stage the rebuilt report: %w", err)
		}
		defer os.RemoveAll(staging)
		if _, err := pipeline.Download(ctx, store, name, run.ReportPrefix(*runID), staging); err != nil {
			return err
		}
		if err := replaceReport(*dir, staging, *runID); err != nil {
			return err
		}
		files = reportFiles(*dir, *runID)
	} else {
		if sumDir, err = os.MkdirTemp("", "config-report-"); err != nil {
			return err
		}
		defer os.RemoveAll(sumDir)
		if _, err := pipeline.Download(ctx, store, name, out.SummaryKey, sumDir); err != nil {
			return err
		}
	}
	sum, err := readSummary(sumDir, *runID)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "config-report report: rebuilt the report of run %s in %s\n\n", *runID, time.Since(start).Round(100*time.Millisecond))
	printHeadline(e.stdout, sum, files)
	return nil
}

// reportConfig returns BuildReport's configuration: the flags' values,
// else those of the run's existing summary, else the environment "local".
// The regions must come from one or the other.
func reportConfig(ctx context.Context, c run.ObjectGetter, bucket, runID string, regions []string, environment string) (report.Config, error) {
	if len(regions) == 0 || environment == "" {
		body, err := run.GetObject(ctx, c, bucket, run.SummaryKey(runID))
		switch {
		case err == nil:
			old, err := report.DecodeSummary(run.SummaryKey(runID), body)
			if err != nil {
				return report.Config{}, err
			}
			if len(regions) == 0 {
				regions = old.Regions
			}
			if environment == "" {
				environment = old.Environment
			}
		case !errors.Is(err, run.ErrNotFound):
			return report.Config{}, err
		}
	}
	if len(regions) == 0 {
		return report.Config{}, usagef("run %s has no summary to take its regions from: give --regions", runID)
	}
	if environment == "" {
		environment = "local"
	}
	return buildConfig(environment, regions), nil
}
