// Package e2e runs config-report end to end on local stand-ins for AWS.
//
// The tests live in the package's _test.go files:
//
//   - The rendered state machine definition runs on kumo
//     (github.com/sivchari/kumo, in process) with the three Lambda functions
//     built from ./functions and running as real Lambda processes that reach
//     kumo through the Lambda Runtime API. S3 is kumo's; Organizations, STS
//     and AWS Config are the simulated organization of internal/orgsim. A
//     first execution scans a whole organization, a second one re-runs two of
//     its accounts into the same run, and a third shows that failures past
//     the tolerated percentage fail the execution at the Map.
//   - The Distributed Map's item processor, taken from the same rendered
//     definition, runs on the npm package aws-local-stepfunctions against the
//     real ScanAccount handler, to show the Retry policy on the scanner's
//     TransientError (kumo does not see Lambda function errors).
//
// kumo's Step Functions engine calls its own S3 and Lambda at
// localhost:4566, so the kumo tests listen on that port and cannot run next
// to another kumo or LocalStack: run the package with go test -p 1 (its own
// tests never run in parallel). The aws-local-stepfunctions test needs node
// on the PATH and the npm packages of package.json installed (npm ci); it
// fails with a message saying so when they are missing.
package e2e
