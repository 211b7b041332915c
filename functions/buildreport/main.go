// Command buildreport is the BuildReport Lambda: it merges a run's shards
// into the compliance workbook, summary.json and CSV, and e-mails the result.
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

	"github.com/config-report/config-report/internal/report"
)

func main() {
	cfg, err := report.LoadConfig(os.LookupEnv)
	if err != nil {
		// Every invocation fails with errorType ConfigError and what to fix.
		fmt.Fprintf(os.Stderr, "buildreport: %v\n", err)
		lambda.Start(awserr.ConfigFailure("BuildReport", err))
		return
	}
	slog.SetDefault(lambdacontext.NewLogger())
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "buildreport: load AWS configuration: %v\n", err)
		os.Exit(1)
	}
	h := report.New(cfg, awsCfg)
	h.Metrics = os.Stdout // CloudWatch Logs extracts the EMF line
	lambda.Start(h.Handle)
}
