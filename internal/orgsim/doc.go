// Package orgsim simulates an AWS Organization for tests and the local demo:
// a model of accounts, OUs, roles and per-account, per-region AWS Config
// data, served over HTTP in AWS's own wire protocols so that the real
// aws-sdk-go-v2 clients work against it unchanged.
//
//	org := orgsim.Generate(orgsim.Spec{Seed: 1, Accounts: 50})
//	srv := orgsim.Start(org)
//	t.Cleanup(srv.Close)
//	cfg := srv.AWSConfig(org.HubRoleARN(org.Spec.ScannerRoleName), "eu-west-1")
//	// then, as in production: stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg),
//	// org.RoleARN(accountID, org.Spec.ReadRoleName)) and configservice.NewFromConfig.
//
// Generate is deterministic from Spec.Seed; accounts, OUs and roles are built
// at once and each account-region's Config data on first use, so a
// 20,000-account organization is one cheap call. GenerateWeek builds a later
// week of the same organization, a little changed each week (some findings
// fixed, some new), as the demo's weekly runs see it. Org.UpdateAccount and
// Org.UpdateRegionConfig change the organization while it is served (to
// change compliance between two scans, remove a role, deny an action); the
// model (Account.RegionConfig, Account.Role, …) is the ground truth tests
// compare against.
//
// Start serves on a local port (httptest), StartOn on a given listener (a
// long-running demo endpoint), and New returns a Server whose Handler you
// serve yourself. Server.Credentials gives the credentials of any principal
// ARN; the usual ones are the hub roles (Org.HubRoleARN), whose sessions then
// assume the org and read roles through STS as the Lambda functions do.
// Server.AWSConfig wraps both into an aws.Config; the standard
// AWS_ENDPOINT_URL_<SERVICE> variables pointed at Server.URL work too.
// Server.SetFaults injects transient failures, Server.Calls counts calls by
// operation, account and region, Server.Emails returns what SES received.
//
// # Services
//
// One handler serves every service, dispatching on the service of the SigV4
// credential scope (Credential=AKID/date/region/service/aws4_request); the
// region also comes from the scope, the caller from the access key ID.
// Signatures are not verified, but a request must be signed with a key the
// server minted (Server.Credentials or AssumeRole), carry the session token
// that goes with a temporary key, and not be past the key's expiry.
//
//   - organizations (JSON 1.1, AWSOrganizationsV20161128): ListRoots,
//     ListChildren, ListOrganizationalUnitsForParent, ListAccounts,
//     ListAccountsForParent, DescribeOrganizationalUnit, ListTagsForResource,
//     DescribeOrganization. MaxResults 1–20 (20 when unset); outside that,
//     InvalidInputException with Reason MIN_VALUE_EXCEEDED or
//     MAX_VALUE_EXCEEDED; a bad NextToken, InvalidInputException
//     INVALID_NEXT_TOKEN. Only principals of the management account may call
//     them (DescribeOrganization: any member); other members get
//     AccessDeniedException, accounts outside the organization
//     AWSOrganizationsNotInUseException. Accounts carry State and the retired
//     Status (CLOSED reports Status SUSPENDED), and Paths in the entity-path
//     form o-…/r-…/ou-…/<account>/ (AWS documents the field, not its format).
//   - sts (Query protocol, XML): AssumeRole, GetCallerIdentity. AssumeRole
//     refuses with AccessDenied (403, "User: <caller> is not authorized to
//     perform: sts:AssumeRole on resource: <role>") when the account is
//     unknown or not ACTIVE, the role does not exist, its trust policy does not
//     name the caller's role (or user, or account root), or its ExternalId is
//     missing or wrong; with ValidationError when DurationSeconds is outside
//     900–43200, above the role's MaxSessionDuration (default one hour, as in
//     IAM), or above one hour when the caller is itself a role session (role
//     chaining, as from a Lambda function).
//   - config (JSON 1.1, StarlingDoveService), per caller account and region:
//     DescribeConfigurationRecorders, DescribeConfigurationRecorderStatus,
//     DescribeConfigRules (25 a page), DescribeComplianceByConfigRule (25 a
//     page: AWS does not document its size), GetComplianceDetailsByConfigRule (Limit 0–100, 0 meaning AWS's
//     default of 10; ComplianceTypes COMPLIANT, NON_COMPLIANT,
//     NOT_APPLICABLE), DescribeConfigRuleEvaluationStatus (Limit 0–50),
//     DescribeConformancePacks (Limit 0–20), BatchGetResourceConfig (1–100
//     keys).
//   - ses (REST-JSON): SendEmail (POST /v2/email/outbound-emails) with Simple
//     or Raw content; messages are kept for Server.Emails. GetAccount and
//     GetEmailIdentity report each account-region's SESAccount (sandbox,
//     verified identities; Server.SetSES), which SendEmail then enforces.
//   - s3: gofakes3 (in memory, path-style), except a bucket's default
//     encryption and public access block (Get/Put/Delete), which gofakes3
//     does not serve: answered with S3's defaults for a new bucket (SSE-S3,
//     all public access blocked; see s3bucket.go).
//
// # Config conventions
//
// Conformance packs have IDs conformance-pack-<9 lowercase alphanumerics>
// and deploy rules named <rule>-conformance-pack-<the same 9 characters>,
// with CreatedBy config-conforms.amazonaws.com and ARNs under
// config-rule/aws-service-rule/config-conforms.amazonaws.com/. This is the
// naming seen on deployed packs (rules such as
// efs-encrypted-check-conformance-pack-hbmlt5imw, packs with IDs
// conformance-pack-<id>); so a rule's pack is the pack whose ID suffix ends
// the rule's name, and the rule's base name is what precedes
// "-conformance-pack-".
//
// A rule's compliance (DescribeComplianceByConfigRule) is COMPLIANT,
// NON_COMPLIANT or INSUFFICIENT_DATA: AWS documents that NOT_APPLICABLE is not
// a rule-level value. ComplianceContributorCount counts non-compliant
// resources up to 100 (CapExceeded above).
//
// Security Hub CSPM's rules are named securityhub-<rule>-<8 hex digits>,
// a suffix per account and region, CreatedBy securityhub.amazonaws.com
// (Security Hub user guide, on the service-linked rules it creates).
// Organization rules are OrgConfigRule-<rule>-<suffix>, CreatedBy
// config-multiaccountsetup.amazonaws.com (configservice's doc comments);
// organization conformance packs are OrgConformsPack-<pack>-<suffix>. AWS
// documents the prefixes, not how the suffixes are drawn: these draw them
// per account and region. Control Tower's detective controls are
// AWSControlTower_<control>. Some rules are proactive only (EvaluationModes
// PROACTIVE): DescribeConfigRules lists them, the compliance calls return
// nothing for them. Generate plans all of these; Spec says how many.
//
// Recorders: DescribeConfigurationRecorders and ...Status without arguments
// return the customer managed recorder only; a service-linked recorder
// (Security Hub's, ServicePrincipal set) is returned only when asked for by
// ServicePrincipal or ARN (configservice's doc comments on both inputs). A
// region may have rules and only a service-linked recorder.
//
// Roles and SCPs: the read and organization roles allow only their Actions
// (default: package access's lists), and an account under Spec.SCPTarget
// gets AccessDeniedException "... with an explicit deny in a service
// control policy" for every regional call in SCPDeniedRegions, except in
// the management account, which SCPs never restrict (Organizations user
// guide, "Service control policies").
//
// BatchGetResourceConfig returns an item for each requested resource that
// has a configuration item (Resource.InConfig) and omits the others, with
// unprocessedResourceKeys empty; it refuses a resource type outside the
// SDK's ResourceType enum with ValidationException. Its items carry no
// tags: BaseConfigurationItem has no tags member (a resource's tags are
// only in the full item's configuration, which this API does not promise).
// resourceName is set when Config knows a name.
//
// Recorder lastStatus uses the values of Config's API model (Pending,
// Success, Failure).
//
// # Failures, as AWS shows them
//
// Model-level (Org and Account fields): a read role that is missing, does not
// trust the scanner role, or requires another ExternalId (AccessDenied from
// AssumeRole); a region where Config is not enabled (no recorder, no rules:
// the Describe calls return empty lists, GetComplianceDetailsByConfigRule
// NoSuchConfigRuleException, BatchGetResourceConfig
// NoAvailableConfigurationRecorderException); a stopped recorder; an opt-in
// region the account has not enabled (Config and SES calls there fail with
// UnrecognizedClientException, "The security token included in the request
// is invalid.", which is what AWS answers for a region not enabled for the
// account); an action denied in an account (Config AccessDeniedException
// "User: … is not authorized to perform: config:… because no identity-based
// policy allows …", Organizations AccessDeniedException, STS AccessDenied).
//
// Transient (Faults): latency; throttling (Config ThrottlingException,
// Organizations TooManyRequestsException, STS Throttling, all HTTP 400; SES
// TooManyRequestsException 429; S3 SlowDown 503); server errors (HTTP 500 —
// InternalFailure, Organizations' modeled ServiceException, SES
// InternalServiceErrorException, S3 InternalError — or 503
// ServiceUnavailable). The SDK's standard retryer retries all of them.
//
// Throttling by rate (SetRateLimits): a token bucket per caller account,
// region and operation, refilled at a set rate, as AWS throttles; a call
// that finds its bucket empty gets the same throttling error. AWS Config
// publishes no rate for its read APIs: DefaultConfigRateLimit is an
// assumption and says why. Throttled counts every throttled answer.
//
// Credentials: an unknown key gets UnrecognizedClientException (JSON
// services, SES) or InvalidClientTokenId (STS) or InvalidAccessKeyId (S3); an
// expired one ExpiredTokenException / ExpiredToken; an unsigned request
// MissingAuthenticationToken(Exception) or, for S3, AccessDenied.
package orgsim
