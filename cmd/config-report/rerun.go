package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/run"
)

const rerunSynopsis = `Starts an execution of the deployed state machine that scans the named
accounts of an existing run again, into that run, and rebuilds its report
from all its shards. Name the accounts with --accounts, or use --failed to
read the run's re-run input (reports/<run-id>/rerun-input.json, written by
BuildReport) from --bucket. Prints the execution's ARN.

Examples:
  config-report rerun --state-machine-arn arn:aws:states:eu-west-1:111122223333:stateMachine:config-report \
      --run-id 2026-11-30T0900Z-3f2a9c1b --failed --bucket my-reports-bucket
  config-report rerun --state-machine-arn ... --run-id 2026-11-30T0900Z-3f2a9c1b --accounts 123456789012,210987654321`

// executionStarter is the part of the Step Functions client rerun uses.
type executionStarter interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

func runRerun(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "rerun", rerunSynopsis)
	smARN := fs.String("state-machine-arn", "", "ARN of the deployed config-report state machine (required)")
	runID := fs.String("run-id", "", "the run to re-run accounts of, e.g. 2026-11-30T0900Z-3f2a9c1b (required)")
	failed := fs.Bool("failed", false, "re-run the accounts the run's report lists as not scanned (needs --bucket)")
	bucket := fs.String("bucket", "", "the environment's report bucket, for --failed")
	accounts := fs.String("accounts", "", "comma-separated account IDs to re-run")
	name := fs.String("name", "", "execution name (default <random>-rerun-of-<run-id>)")
	profile := fs.String("profile", "", "AWS profile to use (default: the AWS CLI's credential chain)")
	region := fs.String("region", "", "AWS region (default: the state machine's)")
	if err := fs.parse(args); err != nil {
		return err
	}
	parsed, err := arn.Parse(*smARN)
	switch {
	case *smARN == "":
		return usagef("--state-machine-arn is required")
	case err != nil || parsed.Service != "states":
		return usagef("--state-machine-arn %q is not a Step Functions state machine ARN", *smARN)
	case *runID == "":
		return usagef("--run-id is required")
	case *failed == (*accounts != ""):
		return usagef("give exactly one of --failed and --accounts")
	case *failed && *bucket == "":
		return usagef("--failed reads the run's re-run input from S3: give --bucket")
	case !*failed && *bucket != "":
		return usagef("--bucket is only used with --failed")
	}
	if err := run.ValidateID(*runID); err != nil {
		return usagef("--run-id: %v", err)
	}
	in := run.ExecutionInput{RunID: *runID}
	if !*failed {
		if in.AccountIDs, err = accountList("accounts", *accounts); err != nil {
			return err
		}
	}
	log := fs.logger(e.stderr)
	if *region == "" {
		*region = parsed.Region
	}
	cfg, err := loadAWSConfig(ctx, log, *profile, *region)
	if err != nil {
		return err
	}
	if *failed {
		got, err := readRerunInput(ctx, s3.NewFromConfig(cfg), *bucket, *runID)
		if err != nil {
			return err
		}
		if len(got.AccountIDs) == 0 {
			fmt.Fprintf(e.stdout, "nothing to re-run: every account of run %s has a shard\n", *runID)
			return nil
		}
		in = got
	}
	if *name == "" {
		*name = executionName(in.RunID)
	}
	execARN, err := startRerun(ctx, sfn.NewFromConfig(cfg), *smARN, *name, in)
	if err != nil {
		return err
	}
	log.Info("started re-run", "execution_arn", execARN, "run_id", in.RunID, "accounts", len(in.AccountIDs))
	fmt.Fprintf(e.stdout, "started %s: re-running %d account(s) of run %s\n", execARN, len(in.AccountIDs), in.RunID)
	return nil
}

// readRerunInput reads and checks the re-run input BuildReport wrote for
// runID. BuildReport writes none when every account has a shard: then the
// input names no account.
func readRerunInput(ctx context.Context, c run.ObjectGetter, bucket, runID string) (run.ExecutionInput, error) {
	key := run.RerunInputKey(runID)
	body, err := run.GetObject(ctx, c, bucket, key)
	if errors.Is(err, run.ErrNotFound) {
		if _, err := run.GetObject(ctx, c, bucket, run.SummaryKey(runID)); err == nil {
			return run.ExecutionInput{RunID: runID}, nil
		}
		return run.ExecutionInput{}, fmt.Errorf("run %s has no report in s3://%s/%s: check --run-id and --bucket, or that its report was built", runID, bucket, run.ReportPrefix(runID))
	}
	if err != nil {
		return run.ExecutionInput{}, fmt.Errorf("read the run's re-run input: %w", err)
	}
	var in run.ExecutionInput
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return run.ExecutionInput{}, fmt.Errorf("decode s3://%s/%s: %w", bucket, key, err)
	}
	if in.RunID != runID {
		return run.ExecutionInput{}, fmt.Errorf("s3://%s/%s names run %q, not %q", bucket, key, in.RunID, runID)
	}
	for _, id := range in.AccountIDs {
		if err := awsid.ValidateAccountID(id); err != nil {
			return run.ExecutionInput{}, fmt.Errorf("s3://%s/%s: %w", bucket, key, err)
		}
	}
	return in, nil
}

// startRerun starts the execution and returns its ARN.
func startRerun(ctx context.Context, c executionStarter, stateMachineARN, name string, in run.ExecutionInput) (string, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return "", fmt.Errorf("encode execution input: %w", err)
	}
	out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(stateMachineARN),
		Name:            aws.String(name),
		Input:           aws.String(string(body)),
	})
	if err != nil {
		return "", fmt.Errorf("start execution of %s: %w", stateMachineARN, err)
	}
	return aws.ToString(out.ExecutionArn), nil
}

// executionName returns a unique execution name for a re-run of runID, such
// as 9f3c2a1b-rerun-of-2026-11-30T0900Z-3f2a9c1b. It starts with random
// letters and digits because ListAccounts names a re-run after the first
// eight of them (see run.NewID).
func executionName(runID string) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:]) + "-rerun-of-" + runID
}
