package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// loadAWSConfig loads the user's AWS configuration the way the AWS CLI does
// (environment, shared config and credentials files, SSO), for profile when
// it is set, and checks that it yields credentials and a region, so a
// missing profile or an expired session is one line that says what to do
// before any work starts. region, when set, overrides the profile's.
//
// The SDK's own log lines go to log, at debug level unless the SDK
// classifies them as warnings.
func loadAWSConfig(ctx context.Context, log *slog.Logger, profile, region string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{config.WithLogger(sdkLogger(log))}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		var missing config.SharedConfigProfileNotExistError
		if errors.As(err, &missing) {
			return aws.Config{}, fmt.Errorf("AWS profile %q not found in the shared config or credentials file: "+
				"create it with 'aws configure --profile %[1]s' or 'aws configure sso --profile %[1]s', or pass an existing --profile", missing.Profile)
		}
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS region: pass --region, or set AWS_REGION or the profile's region")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		who := "the default credential chain"
		if profile != "" {
			who = fmt.Sprintf("profile %q", profile)
		}
		return aws.Config{}, fmt.Errorf("no usable AWS credentials from %s (log in with 'aws sso login', or set --profile or AWS_PROFILE): %w", who, err)
	}
	return cfg, nil
}

// sdkLogger routes the SDK's log lines to log.
func sdkLogger(log *slog.Logger) logging.Logger {
	return logging.LoggerFunc(func(c logging.Classification, format string, v ...any) {
		lvl := slog.LevelDebug
		if c == logging.Warn {
			lvl = slog.LevelWarn
		}
		log.Log(context.Background(), lvl, fmt.Sprintf(format, v...), "source", "aws-sdk")
	})
}

// newHTTPClient returns the SDK's HTTP client with room for as many idle
// connections per endpoint as a run keeps busy: about four regions of four
// detail calls per account scanned at once. With the SDK's default of ten,
// the connections over ten are closed after each call and a large run opens
// thousands a second.
func newHTTPClient(concurrency int) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = max(t.MaxIdleConns, 16*concurrency)
		t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, 16*concurrency)
	})
}
