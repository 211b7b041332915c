// Package pipeline runs the config-report state machine's work in-process:
// ListAccounts, a bounded parallel ScanAccount per account of the manifest
// it wrote, then BuildReport, through the very handlers the Lambda functions
// run, with the events the state machine would pass them.
//
// It is the only orchestration code outside the state machine, and it adds
// nothing the state machine does not do: the manifest is read back from S3
// as the Distributed Map's ItemReader reads it, a failed scan is retried as
// the ScanAccount task's Retry field says (read from the deployed
// definition), and an account that still fails is counted and left without a
// shard, for the report to list as not scanned.
//
// The package also mirrors a bucket's run and report objects to a local
// folder (Download, Upload) and serves a local, in-process S3 bucket
// (LocalBucket) for runs that write no bucket in AWS.
package pipeline
