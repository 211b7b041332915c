// Package access is the one list of the AWS actions config-report's
// cross-account roles allow: the organization role the lister assumes in the
// management account and the read role the scanner assumes in every member
// account.
//
// Every side uses these lists and constants: the CDK stacks write them into
// the roles' policies, the lister and the scanner name the action of every
// call they make with them, and the simulator (internal/orgsim) refuses any
// call a role's list does not allow, with AWS's AccessDeniedException. A
// call added to the scanner without its action here therefore fails in the
// tests, not after deployment.
package access

import "slices"

// The names of config-report's IAM roles. The two cross-account roles are
// created by the member-role and organization-role stacks and assumed by
// name; the three hub roles are the functions' execution roles, which the
// cross-account roles trust by ARN.
const (
	// ReadRoleName is the default read role in every member account
	// (configurable: readRoleName in cdk.json, READ_ROLE_NAME).
	ReadRoleName = "system-config-report-generator-read-role"
	// OrgRoleName is the organization role in the management account.
	OrgRoleName = "system-config-report-generator-list-org-role"
	// ListerRoleName, ScannerRoleName and FormatterRoleName are the
	// execution roles of ListAccounts, ScanAccount and BuildReport.
	ListerRoleName    = "system-config-report-lister-role"
	ScannerRoleName   = "system-config-report-scanner-role"
	FormatterRoleName = "system-config-report-formatter-role"
)

// AWS Config actions the scanner calls in member accounts. Each is the IAM
// action of the API operation of the same name (Service Authorization
// Reference, "Actions defined by AWS Config").
const (
	ConfigDescribeConfigurationRecorderStatus = "config:DescribeConfigurationRecorderStatus"
	ConfigDescribeConfigRules                 = "config:DescribeConfigRules"
	ConfigDescribeComplianceByConfigRule      = "config:DescribeComplianceByConfigRule"
	ConfigGetComplianceDetailsByConfigRule    = "config:GetComplianceDetailsByConfigRule"
	ConfigDescribeConfigRuleEvaluationStatus  = "config:DescribeConfigRuleEvaluationStatus"
	ConfigDescribeConformancePacks            = "config:DescribeConformancePacks"
	// ConfigBatchGetResourceConfig reads resource names; only with resource
	// details on.
	ConfigBatchGetResourceConfig = "config:BatchGetResourceConfig"
)

// AWS Organizations actions the lister calls in the management account.
const (
	OrganizationsListRoots                        = "organizations:ListRoots"
	OrganizationsListOrganizationalUnitsForParent = "organizations:ListOrganizationalUnitsForParent"
	OrganizationsListAccountsForParent            = "organizations:ListAccountsForParent"
	OrganizationsListTagsForResource              = "organizations:ListTagsForResource"
)

// complianceReads are the reads every scan of a region may make.
var complianceReads = []string{
	ConfigDescribeConfigurationRecorderStatus,
	ConfigDescribeConfigRules,
	ConfigDescribeComplianceByConfigRule,
	ConfigGetComplianceDetailsByConfigRule,
	ConfigDescribeConfigRuleEvaluationStatus,
	ConfigDescribeConformancePacks,
}

// ReadRole returns the actions the member read role allows, sorted: the AWS
// Config reads the scanner makes, and BatchGetResourceConfig only when it
// resolves resource details.
func ReadRole(resolveResourceDetails bool) []string {
	actions := slices.Clone(complianceReads)
	if resolveResourceDetails {
		actions = append(actions, ConfigBatchGetResourceConfig)
	}
	slices.Sort(actions)
	return actions
}

// OrgRole returns the actions the organization role allows, sorted: the
// AWS Organizations reads the lister makes to walk the OU tree, list each
// OU's accounts and read account tags.
func OrgRole() []string {
	return []string{
		OrganizationsListAccountsForParent,
		OrganizationsListOrganizationalUnitsForParent,
		OrganizationsListRoots,
		OrganizationsListTagsForResource,
	}
}

// Actions config-report check calls with the caller's own credentials, to
// prove the hub is ready (each is the IAM action of the API operation it
// names, except where said). Together with sts:AssumeRole on the
// organization role and the read roles, whose sessions then call only the
// lists above, they are everything the preflight needs.
const (
	// STSAssumeRole assumes the organization role and the read roles.
	STSAssumeRole = "sts:AssumeRole"
	// S3ListBucket is HeadBucket's action: the report bucket exists and is
	// the caller's to read.
	S3ListBucket = "s3:ListBucket"
	// S3GetEncryptionConfiguration is GetBucketEncryption's action.
	S3GetEncryptionConfiguration = "s3:GetEncryptionConfiguration"
	// S3GetBucketVersioning is GetBucketVersioning's action.
	S3GetBucketVersioning = "s3:GetBucketVersioning"
	// S3GetBucketPublicAccessBlock is GetPublicAccessBlock's action.
	S3GetBucketPublicAccessBlock = "s3:GetBucketPublicAccessBlock"
	// StatesDescribeStateMachine and StatesListExecutions read the state
	// machine and its last executions.
	StatesDescribeStateMachine = "states:DescribeStateMachine"
	StatesListExecutions       = "states:ListExecutions"
	// LambdaGetAccountSettings reads the account's concurrency quota and
	// what is unreserved; LambdaGetFunctionConcurrency the scanner's
	// reservation.
	LambdaGetAccountSettings     = "lambda:GetAccountSettings"
	LambdaGetFunctionConcurrency = "lambda:GetFunctionConcurrency"
	// SESGetAccount reads the sandbox status; SESGetEmailIdentity a sender's
	// or recipient's verification (SES v2's actions keep the ses prefix).
	SESGetAccount       = "ses:GetAccount"
	SESGetEmailIdentity = "ses:GetEmailIdentity"
)

// Preflight returns the actions config-report check calls with the caller's
// own credentials, sorted; the organization role's and the read role's
// sessions call only OrgRole and ReadRole.
func Preflight() []string {
	actions := []string{
		STSAssumeRole,
		S3ListBucket, S3GetEncryptionConfiguration, S3GetBucketVersioning, S3GetBucketPublicAccessBlock,
		StatesDescribeStateMachine, StatesListExecutions,
		LambdaGetAccountSettings, LambdaGetFunctionConcurrency,
		SESGetAccount, SESGetEmailIdentity,
	}
	slices.Sort(actions)
	return actions
}
