// Command listaccounts is the ListAccounts Lambda function: it lists the
// organization's accounts to scan and writes the run's manifest to S3.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/config-report/config-report/internal/awserr"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/config-report/config-report/internal/org"
)

func main() {
	slog.SetDefault(lambdacontext.NewLogger())
	cfg, err := org.LoadConfig(os.LookupEnv)
	if err != nil {
		// Every invocation fails with errorType ConfigError and what to fix.
		fmt.Fprintln(os.Stderr, err)
		lambda.Start(awserr.ConfigFailure("ListAccounts", err))
		return
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "load AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h, err := org.New(cfg, awsCfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		lambda.Start(awserr.ConfigFailure("ListAccounts", err))
		return
	}
	lambda.Start(h.Handle)
}
