package scan

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/run"
)

// What a preflight (config-report check) needs to judge an account as the
// scanner would without scanning it: the scanner's own way into an account,
// its recorder and rules reads, and its verdicts on what AWS answers.

// Credentials returns the read role's credentials in accountID, assumed
// as Scan assumes them (the role's ARN in the configured partition, the
// ExternalId, the session's duration), the session named after runID. They
// are cached: one AssumeRole serves every region.
func (s *Scanner) Credentials(runID, accountID string) aws.CredentialsProvider {
	return aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(s.STS, s.RoleARN(accountID), func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = awsid.SessionName(runID)
		if s.Options.SessionDuration > 0 {
			o.Duration = s.Options.SessionDuration
		}
		if s.Options.ExternalID != "" {
			o.ExternalID = aws.String(s.Options.ExternalID)
		}
	}))
}

// Unreachable reports whether err, from assuming the read role, makes the
// scanner record the account as unreachable (run.AccountUnreachable): STS
// answers AccessDenied alike to a role that is missing, does not trust the
// caller or wants another ExternalId, and RegionDisabledException when the
// account has turned STS off in the hub's region. Any other error fails the
// scan instead.
func Unreachable(err error) bool { return unreachable(err) }

// RegionStatusOf returns the status the scanner records for a region where
// a Config call failed with err: access-denied (the read role's
// permissions), blocked-by-scp (a service control policy) or
// region-disabled (the account has not enabled the region). ok is false for
// an error the scanner does not record: a transient one, which it retries,
// or any other, which fails the scan.
func RegionStatusOf(err error) (status run.RegionStatus, ok bool) {
	switch classify(err) {
	case kindDenied:
		return run.RegionAccessDenied, true
	case kindBlockedBySCP:
		return run.RegionBlockedBySCP, true
	case kindRegionDisabled:
		return run.RegionDisabled, true
	}
	return "", false
}

// FailedAction returns the IAM action of the scanner's call that failed
// with err ("config:DescribeConfigRules"), or "" when err is not one.
func FailedAction(err error) string {
	var ae *actionError
	if errors.As(err, &ae) {
		return ae.action
	}
	return ""
}

// RecorderAndRules reads a region of an account with creds (Credentials)
// as the scanner starts every region: the status of its customer managed
// configuration recorder (nil when it has none) and every rule, page by
// page. A failed call's error carries its action (FailedAction).
func (s *Scanner) RecorderAndRules(ctx context.Context, creds aws.CredentialsProvider, accountID, region string) (*run.Recorder, []types.ConfigRule, error) {
	rs := &regionScan{
		s:      s,
		acct:   accountID,
		region: region,
		log:    s.logger().With("account_id", accountID, "region", region),
		optFn: func(o *configservice.Options) {
			o.Region = region
			o.Credentials = creds
		},
	}
	recorder, err := rs.recorder(ctx)
	if err != nil {
		return nil, nil, err
	}
	rules, err := rs.rules(ctx)
	if err != nil {
		return nil, nil, err
	}
	return recorder, rules, nil
}

// ConfigStatus is the status the scanner gives a region from its customer
// managed recorder (nil: none) and its number of rules, as Scan decides it:
// no recorder and no rules is config-not-enabled (Scan stops there); a
// recorder that is not recording is recorder-stopped (its rules are still
// read); anything else, a service-linked recorder's rules included, is
// scanned.
func ConfigStatus(recorder *run.Recorder, rules int) run.RegionStatus {
	switch {
	case recorder == nil && rules == 0:
		return run.RegionConfigNotEnabled
	case recorder != nil && !recorder.Recording:
		return run.RegionRecorderStopped
	}
	return run.RegionScanned
}

// Queryable reports whether BatchGetResourceConfig accepts resourceType, as
// the scanner decides which keys to send.
func Queryable(resourceType string) bool { return queryableTypes[resourceType] }
