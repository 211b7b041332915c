package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/smithy-go"
	"golang.org/x/sync/errgroup"

	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/run"
)

// ConfigAPI is the part of the AWS Config client the scanner calls. One
// client serves every account and region: the scanner passes the account's
// credentials and the region with each call.
type ConfigAPI interface {
	DescribeConfigurationRecorderStatus(ctx context.Context, in *configservice.DescribeConfigurationRecorderStatusInput, optFns ...func(*configservice.Options)) (*configservice.DescribeConfigurationRecorderStatusOutput, error)
	BatchGetResourceConfig(ctx context.Context, in *configservice.BatchGetResourceConfigInput, optFns ...func(*configservice.Options)) (*configservice.BatchGetResourceConfigOutput, error)
	configservice.DescribeConfigRulesAPIClient
	configservice.DescribeComplianceByConfigRuleAPIClient
	configservice.DescribeConfigRuleEvaluationStatusAPIClient
	configservice.DescribeConformancePacksAPIClient
	configservice.GetComplianceDetailsByConfigRuleAPIClient
}

// Options are the scanner's settings.
type Options struct {
	// Regions are the regions to scan in every account.
	Regions []string
	// RoleName is the read role's name (it may carry a path, "path/name").
	RoleName string
	// ExternalID is passed to AssumeRole when set.
	ExternalID string
	// SessionDuration is the read role session's duration.
	SessionDuration time.Duration
	// Partition is the AWS partition of the organization, e.g. "aws" or
	// "aws-cn"; the read role's ARN is built in it. Empty means "aws".
	Partition string
	// RegionConcurrency bounds how many regions of an account are scanned at once.
	RegionConcurrency int
	// DetailConcurrency bounds the concurrent detail calls
	// (GetComplianceDetailsByConfigRule, BatchGetResourceConfig) per
	// account-region, where Config's rate limits apply.
	DetailConcurrency int
	// ResolveResourceDetails turns on BatchGetResourceConfig for the names
	// and tags of non-compliant resources.
	ResolveResourceDetails bool
	// ConfigRate is the calls a second to which each AWS Config API of an
	// account-region is paced once Config has throttled it there (see
	// pacer); zero or less never paces.
	ConfigRate float64
}

// Scanner scans accounts' AWS Config compliance.
type Scanner struct {
	// STS assumes the read role; it is the hub's own STS client.
	STS stscreds.AssumeRoleAPIClient
	// Config is the AWS Config client; account credentials and region are
	// set per call.
	Config ConfigAPI
	// Options are the scanner's settings.
	Options Options
	// Logger receives the scanner's logs; nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// RoleARN returns the ARN of the read role in account accountID.
func (s *Scanner) RoleARN(accountID string) string {
	partition := s.Options.Partition
	if partition == "" {
		partition = "aws"
	}
	return arn.ARN{
		Partition: partition,
		Service:   "iam",
		AccountID: accountID,
		Resource:  "role/" + strings.TrimPrefix(s.Options.RoleName, "/"),
	}.String()
}

// Scan scans one account in every configured region and returns its shard.
// Conditions that will not change on a retry (the read role cannot be
// assumed, Config is off or denied in a region, a region is disabled) are
// recorded in the shard and Scan succeeds; a *awserr.TransientError means the scan
// should be retried; any other error is a fault of the hub's setup.
func (s *Scanner) Scan(ctx context.Context, runID string, acct run.Account) (*run.Shard, error) {
	log := s.logger().With("account_id", acct.ID)
	start := s.now()
	roleARN := s.RoleARN(acct.ID)
	creds := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(s.STS, roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = awsid.SessionName(runID)
		if s.Options.SessionDuration > 0 {
			o.Duration = s.Options.SessionDuration
		}
		if s.Options.ExternalID != "" {
			o.ExternalID = aws.String(s.Options.ExternalID)
		}
	}))
	shard := &run.Shard{
		SchemaVersion: run.SchemaVersion,
		RunID:         runID,
		Account:       acct,
		Status:        run.AccountScanned,
		Regions:       []run.Region{},
	}

	// Assume the role once, up front: an account we cannot enter is
	// recorded as unreachable instead of failing in every region.
	if _, err := creds.Retrieve(ctx); err != nil {
		if ctx.Err() == nil && unreachable(err) {
			shard.Status = run.AccountUnreachable
			shard.Reason = fmt.Sprintf("cannot assume %s: %s", roleARN, apiMessage(err))
			shard.ScannedAt = s.now()
			log.Warn("account unreachable", "role_arn", roleARN, "reason", shard.Reason)
			return shard, nil
		}
		return nil, s.failure(ctx, acct.ID, "", "sts:AssumeRole", err)
	}

	regions := slices.Clone(s.Options.Regions)
	slices.Sort(regions)
	regions = slices.Compact(regions)
	results := make([]run.Region, len(regions))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, s.Options.RegionConcurrency))
	for i, region := range regions {
		g.Go(func() error {
			// AWS throttles each account-region apart: so is each paced.
			pace := newPacer(s.Options.ConfigRate)
			rs := &regionScan{
				s:      s,
				acct:   acct.ID,
				region: region,
				log:    log.With("region", region),
				optFn: func(o *configservice.Options) {
					o.Region = region
					o.Credentials = creds
					if pace != nil {
						o.APIOptions = append(o.APIOptions, pace.apply)
					}
				},
			}
			r, err := rs.scan(gctx)
			if err != nil {
				return err
			}
			results[i] = r
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		done := 0
		for i := range results {
			if results[i].Region != "" {
				done++
			}
		}
		// Out of time with some regions done: keep them. With none done
		// there is nothing to keep, and the deadline may be throttling's
		// doing: a TransientError, retried, and the account not scanned.
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && done > 0 {
			for i, region := range regions {
				if results[i].Region != "" {
					continue
				}
				results[i] = run.Region{Region: region, Status: run.RegionNotFinished,
					Reason: "the scan reached the function's deadline before this region was done", Rules: []run.Rule{}, NonCompliant: []run.Resource{}}
			}
			shard.Regions = results
			shard.ScannedAt = s.now()
			log.Warn("account not finished before the deadline", "regions_done", done, "regions", len(regions))
			return shard, &DeadlineError{AccountID: acct.ID, Done: done, Regions: len(regions), Err: err}
		}
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, transient(acct.ID, "", "", err)
	}
	shard.Regions = results
	shard.ScannedAt = s.now()
	c := shard.Counts()
	log.Info("account scanned", "regions", len(regions), "regions_with_data", c.Regions,
		"non_compliant_rules", c.NonCompliant, "resources", c.Resources, "duration", shard.ScannedAt.Sub(start))
	return shard, nil
}

// unreachable reports whether an AssumeRole error means the read role cannot
// be used in this account: it is missing, does not trust the scanner or
// wants another ExternalId (STS answers AccessDenied to each), or the
// account has turned STS off in the hub's region (RegionDisabledException).
// A ValidationError is the hub's mistake (e.g. a session too long for role
// chaining) and fails the scan instead.
func unreachable(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "AccessDenied", "RegionDisabledException":
		return true
	}
	return false
}

// failure turns an error that is not recorded in the shard into the scan's
// error: a *awserr.TransientError when a retry may succeed.
func (s *Scanner) failure(ctx context.Context, account, region, action string, err error) error {
	// The action is named here; drop the call's own action label so the
	// message does not say it twice.
	var ae *actionError
	if errors.As(err, &ae) && ae.action == action {
		err = ae.err
	}
	if ctx.Err() != nil || classify(err) == kindTransient {
		return transient(account, region, action, err)
	}
	where := account
	if region != "" {
		where += "/" + region
	}
	return fmt.Errorf("scan %s: %s: %w", where, action, err)
}

func (s *Scanner) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Scanner) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}
