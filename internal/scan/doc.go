// Package scan is ScanAccount: it reads one account's AWS Config compliance
// in every configured region and writes the account's shard.
//
// The scanner assumes the member account's read role once (credentials are
// cached and reused for every region), scans the regions in parallel, and
// in each region makes only the calls it needs:
//
//	DescribeConfigurationRecorderStatus     1: the customer managed recorder
//	DescribeConfigRules                     one per page (Config's page size), always;
//	                                        no recorder and no rules: config-not-enabled
//	DescribeComplianceByConfigRule          one per page, when there are rules
//	DescribeConfigRuleEvaluationStatus      one per 50 rules, when there are rules
//	DescribeConformancePacks                one per 20 packs, when a rule carries a pack's suffix
//	GetComplianceDetailsByConfigRule        one per 100 resources of each NON_COMPLIANT rule
//	BatchGetResourceConfig                  one per 100 distinct non-compliant resources
//
// Detail calls run DetailConcurrency at a time per account-region, where
// Config's rate limits apply. Throttling and server errors are retried by
// the SDK's standard retryer (NewRetryer), never by this package. Once
// Config throttles an API in an account-region, the scanner paces that
// API's calls and retries there to Options.ConfigRate (see pacer), so that
// under a rate limit it waits for its turns instead of backing off.
//
// Outcomes: a read role that cannot be assumed makes the account
// unreachable; a region without a recorder or rules, a disabled region, a
// Config call denied by the read role and one denied by a service control
// policy (blocked-by-scp) are recorded in the region; in all these cases the
// scan succeeds. A region with rules but only service-linked recorders
// (Security Hub's) is scanned. The actions are package access's ReadRole,
// which the CDK stacks also grant. Changes to Config while the region is
// read are not failures either: a rule deleted after the rules were listed
// (NoSuchConfigRuleException from its details, e.g. a conformance pack
// update) is logged and left out of the region with its resources, as the
// account now is. Throttling or server errors that outlast the retries make
// it return a *awserr.TransientError, and the Lambda writes nothing. A deadline
// reached before the scan ends makes it return a *DeadlineError with the
// shard of the regions done (the others not-finished), which the Lambda
// writes, so the regions done are not lost.
//
// # Member-account prerequisites
//
// Every member account needs the read role (system-config-report-generator-read-role
// by default) trusting the hub's scanner role
// (arn:<partition>:iam::<hub>:role/system-config-report-scanner-role), with
// sts:ExternalId required when READ_EXTERNAL_ID is set, and these actions
// on "*" (all read-only):
//
//	config:DescribeConfigurationRecorderStatus
//	config:DescribeConfigRules
//	config:DescribeComplianceByConfigRule
//	config:DescribeConfigRuleEvaluationStatus
//	config:DescribeConformancePacks
//	config:GetComplianceDetailsByConfigRule
//	config:BatchGetResourceConfig (only with RESOLVE_RESOURCE_DETAILS=true)
//
// The hub's scanner role needs sts:AssumeRole on the read role in every
// account and s3:PutObject on runs/*/shards/* of the report bucket (with
// kms:GenerateDataKey when the bucket uses a KMS key). The read role's
// session is role-chained (the Lambda's role assuming another), so it lasts
// at most one hour; STS is called at the hub region's regional endpoint,
// whose session tokens are valid in opt-in regions too.
//
// # Performance
//
// BenchmarkScanAccount scans one account with 150 rules in each of 4
// regions, 40 of them NON_COMPLIANT, against the simulated organization with
// 20 ms of latency on every call and the default settings:
//
//	go test ./internal/scan -run '^$' -bench ScanAccount -benchtime 20x -count 3
//
// measured 556–575 ms per account on 2 cores (six samples: two runs of
// that command), with 60 Config calls per account-region, the minimum
// (recorders 1, recorder status 1, rules 6, compliance 6, evaluation status
// 3, conformance packs 1, details 40, BatchGetResourceConfig 2), and one
// AssumeRole per account. The 40 detail
// calls, DETAIL_CONCURRENCY at a time, are most of the time.
package scan
