// Command scanaccount is the ScanAccount Lambda: it scans one account's AWS
// Config compliance in every configured region and writes the account's shard.
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

	"github.com/config-report/config-report/internal/scan"
)

func main() {
	cfg, err := scan.LoadConfig(os.LookupEnv)
	if err != nil {
		// Every invocation fails with errorType ConfigError and what to fix.
		fmt.Fprintf(os.Stderr, "scanaccount: %v\n", err)
		lambda.Start(awserr.ConfigFailure("ScanAccount", err))
		return
	}
	slog.SetDefault(lambdacontext.NewLogger())
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "scanaccount: load AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h := scan.New(cfg, awsCfg, scan.MaxBackoff)
	lambda.Start(h.Handle)
}
