// Command scanaccount is the ScanAccount Lambda: it scans one account's AWS
// Config compliance in every configured region and writes the account's shard.
package main

import (
	"context"
	"fmt"
	"github.com/config-report/config-report/internal/awserr"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

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
	awsCfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRetryer(func() aws.Retryer { return scan.NewRetryer(scan.MaxBackoff) }))
	if err != nil {
		fmt.Fprintf(os.Stderr, "scanaccount: load AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h := scan.NewHandler(cfg, sts.NewFromConfig(awsCfg), configservice.NewFromConfig(awsCfg), s3.NewFromConfig(awsCfg))
	lambda.Start(h.Handle)
}
