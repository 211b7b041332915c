// Command buildreport is the BuildReport Lambda: it merges a run's shards
// into the compliance workbook, summary.json and CSV, and e-mails the result.
package main

import (
	"context"
	"fmt"
	"github.com/config-report/config-report/internal/awserr"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

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
	s3c := s3.NewFromConfig(awsCfg)
	h := &report.Handler{Config: cfg, S3: s3c, Presign: s3.NewPresignClient(s3c), Mail: sesv2.NewFromConfig(awsCfg),
		Metrics: os.Stdout}
	lambda.Start(h.Handle)
}
