package main

import (
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/config-report/config-report/internal/deploy"
)

// Lambda sizing. ListAccounts pages through the organization and writes one
// manifest; ScanAccount is I/O bound on AWS Config calls; BuildReport holds the
// merged run and streams the workbook, spilling excelize's temporary files to
// /tmp. All may run up to Lambda's 15-minute limit.
const (
	ListAccountsMemoryMB   = 512
	ScanAccountMemoryMB    = 256
	BuildReportMemoryMB    = 2048
	BuildReportEphemeralMB = 4096
	FunctionTimeoutMinutes = 15
)

// Names of the function packages under functions/.
const (
	ListAccountsPackage = "listaccounts"
	ScanAccountPackage  = "scanaccount"
	BuildReportPackage  = "buildreport"
)

// newFunctions creates the three functions, each with its environment, its
// own role holding exactly its statements, and its log group. h.Bucket must
// exist.
func newFunctions(h *HubStack, moduleRoot string, removal awscdk.RemovalPolicy) (list, scan, build awslambda.Function) {
	cfg := h.Config
	listEnv, scanEnv, buildEnv := functionEnvironments(h, cfg)
	listStatements, scanStatements, buildStatements := functionStatements(h, cfg)

	list = h.newFunction(functionSpec{
		id: deploy.FunctionListAccounts, pkg: ListAccountsPackage, roleName: ListerRoleName,
		description: "Lists the organization's accounts to scan and writes the run's manifest and organization totals.",
		memoryMB:    ListAccountsMemoryMB, env: listEnv, statements: listStatements,
		wildcardReason: "ListAccounts writes each run's manifest and organization totals (runs/<runId>/accounts.json, " +
			"runs/<runId>/organization.json) or a re-run's manifest (runs/<runId>/reruns/<stamp>.json), and reads only " +
			"manifests (runs/<runId>/accounts.json, runs/<runId>/reruns/*) to check that a re-run names an existing run " +
			"and accounts that were in it; run IDs exist only at run time.",
		wildcards: bucketObjects("runs/*/accounts.json", "runs/*/organization.json", "runs/*/reruns/*"),
	}, moduleRoot, removal)
	scan = h.newFunction(functionSpec{
		id: deploy.FunctionScanAccount, pkg: ScanAccountPackage, roleName: ScannerRoleName,
		description: "Scans one account's AWS Config compliance in every region and writes its shard.",
		memoryMB:    ScanAccountMemoryMB, env: scanEnv, statements: scanStatements,
		wildcardReason: "The scanner assumes the read role, which has one fixed name in every member account; the " +
			"accounts are known only at run time, and aws:ResourceOrgID limits them to the organization's. It writes only " +
			"shards, runs/<runId>/shards/<accountId>.json, and reads only whether a run's manifest, runs/<runId>/accounts.json, " +
			"exists (HeadObject), so that it never writes a shard for a run that does not exist; run IDs exist only at run time.",
		wildcards:           append(bucketObjects("runs/*/shards/*", "runs/*/accounts.json"), `/^Resource::arn:aws[a-z-]*:iam::\*:role\/`+strings.ReplaceAll(regexp.QuoteMeta(strings.TrimPrefix(cfg.ReadRoleName, "/")), "/", `\/`)+`$/`),
		reservedConcurrency: cfg.ScannerReservedConcurrency,
	}, moduleRoot, removal)
	build = h.newFunction(functionSpec{
		id: deploy.FunctionBuildReport, pkg: BuildReportPackage, roleName: FormatterRoleName,
		description: "Merges a run's shards into the workbook, summary and CSV, and optionally e-mails the workbook.",
		memoryMB:    BuildReportMemoryMB, ephemeralMB: BuildReportEphemeralMB, env: buildEnv, statements: buildStatements,
		wildcardReason: "BuildReport reads every manifest and shard of a run (runs/<runId>/...) and earlier runs' " +
			"summaries (reports/...), writes reports/<runId>/... and deletes a stale reports/<runId>/rerun-input.json; " +
			"run IDs exist only at run time.",
		wildcards: bucketObjects("runs/*", "reports/*", "reports/*/rerun-input.json"),
	}, moduleRoot, removal)
	return list, scan, build
}

// functionEnvironments returns the environment variables of ListAccounts,
// ScanAccount and BuildReport: each function's configuration (see
// Config.Functions, which Validate checks the functions would accept)
// rendered by its own package. The organization role's ARN takes the
// stack's partition.
func functionEnvironments(h *HubStack, cfg Config) (list, scan, build map[string]string) {
	listCfg, scanCfg, buildCfg := cfg.Functions()
	listCfg.RoleARN = *h.OrgRoleARN(cfg.ManagementAccount)
	return listCfg.Env(), scanCfg.Env(), buildCfg.Env()
}

// functionStatements returns what ListAccounts, ScanAccount and BuildReport
// may do besides writing their logs. h.Bucket must exist.
func functionStatements(h *HubStack, cfg Config) (list, scan, build []awsiam.PolicyStatement) {
	bucket := h.Bucket
	list = []awsiam.PolicyStatement{
		inOrganization(allow("AssumeOrganizationRole", []string{"sts:AssumeRole"}, *h.OrgRoleARN(cfg.ManagementAccount)), cfg.OrganizationID),
		// A new run's manifest and organization totals; a re-run's manifest.
		allow("WriteManifests", []string{"s3:PutObject"},
			*bucket.ArnForObjects(jsii.String("runs/*/accounts.json")), *bucket.ArnForObjects(jsii.String("runs/*/organization.json")),
			*bucket.ArnForObjects(jsii.String("runs/*/reruns/*"))),
		// A re-run checks that the run exists and that its accounts were in it.
		allow("ReadManifests", []string{"s3:GetObject"},
			*bucket.ArnForObjects(jsii.String("runs/*/accounts.json")), *bucket.ArnForObjects(jsii.String("runs/*/reruns/*"))),
		listBucket(bucket),
	}
	scan = []awsiam.PolicyStatement{
		// The read role has one name in every member account; the condition
		// keeps the scanner inside the organization.
		inOrganization(allow("AssumeMemberReadRole", []string{"sts:AssumeRole"}, *h.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("iam"), Region: jsii.String(""), Account: jsii.String("*"),
			Resource: jsii.String("role"), ResourceName: jsii.String(cfg.ReadRoleName),
		})), cfg.OrganizationID),
		allow("WriteShards", []string{"s3:PutObject"}, *bucket.ArnForObjects(jsii.String("runs/*/shards/*"))),
		// HeadObject on the run's manifest: a shard only for a run that exists.
		allow("CheckRunExists", []string{"s3:GetObject"}, *bucket.ArnForObjects(jsii.String("runs/*/accounts.json"))),
	}
	build = []awsiam.PolicyStatement{
		allow("ReadRunsAndReports", []string{"s3:GetObject"},
			*bucket.ArnForObjects(jsii.String("runs/*")), *bucket.ArnForObjects(jsii.String("reports/*"))),
		listBucket(bucket),
		allow("WriteReports", []string{"s3:PutObject"}, *bucket.ArnForObjects(jsii.String("reports/*"))),
		// A rebuild after a successful re-run removes the stale re-run input.
		allow("DeleteStaleRerunInput", []string{"s3:DeleteObject"}, *bucket.ArnForObjects(jsii.String("reports/*/rerun-input.json"))),
	}
	if cfg.EmailEnabled() {
		build = append(build, allow("SendReport", []string{"ses:SendEmail"}, h.senderIdentityARNs(cfg.ReportSender)...))
	}
	return list, scan, build
}

// functionSpec describes one of the hub's Lambda functions.
type functionSpec struct {
	id, pkg, roleName, description string
	// wildcardReason and wildcards justify the role's wildcard resources
	// (cdk-nag AwsSolutions-IAM5): the exact findings and why.
	wildcardReason        string
	wildcards             []string
	memoryMB, ephemeralMB int
	reservedConcurrency   int
	env                   map[string]string
	statements            []awsiam.PolicyStatement
}

// newFunction creates a Go function on provided.al2023/arm64 with its own log
// group (JSON logs) and a named role holding exactly spec's statements plus
// writing to that log group.
func (h *HubStack) newFunction(spec functionSpec, moduleRoot string, removal awscdk.RemovalPolicy) awslambda.Function {
	stack := h.Stack
	name := h.Config.FunctionName(spec.id)
	logs := awslogs.NewLogGroup(stack, jsii.String(spec.id+"LogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + name),
		Retention:     logRetentionOf(h.Config),
		RemovalPolicy: removal,
	})
	statements := append([]awsiam.PolicyStatement{
		allow("WriteLogs", []string{"logs:CreateLogStream", "logs:PutLogEvents"}, *logs.LogGroupArn()),
	}, spec.statements...)
	role := awsiam.NewRole(stack, jsii.String(spec.id+"Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(spec.roleName),
		Description: jsii.String("config-report " + spec.id + " function."),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"least-privilege": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
		},
	})
	env := make(map[string]*string, len(spec.env))
	for k, v := range spec.env {
		env[k] = jsii.String(v)
	}
	props := &awslambda.FunctionProps{
		FunctionName:          jsii.String(name),
		Description:           jsii.String(spec.description),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:          awslambda.Architecture_ARM_64(),
		Handler:               jsii.String("bootstrap"),
		Code:                  goFunctionCode(moduleRoot, spec.pkg),
		MemorySize:            jsii.Number(float64(spec.memoryMB)),
		Timeout:               awscdk.Duration_Minutes(jsii.Number(FunctionTimeoutMinutes)),
		Environment:           &env,
		Role:                  role,
		LogGroup:              logs,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
	}
	if spec.ephemeralMB > 0 {
		props.EphemeralStorageSize = awscdk.Size_Mebibytes(jsii.Number(float64(spec.ephemeralMB)))
	}
	if spec.reservedConcurrency > 0 {
		props.ReservedConcurrentExecutions = jsii.Number(float64(spec.reservedConcurrency))
	}
	fn := awslambda.NewFunction(stack, jsii.String(spec.id), props)
	if len(spec.wildcards) > 0 {
		suppress(role, suppression{id: "AwsSolutions-IAM5", reason: spec.wildcardReason, appliesTo: spec.wildcards})
	}
	return fn
}

// senderIdentityARNs returns the SES identities a message from sender is
// authorized against: the address itself and its domain (whichever is the
// verified identity).
func (h *HubStack) senderIdentityARNs(sender string) []string {
	domain := sender[strings.LastIndex(sender, "@")+1:]
	arns := make([]string, 0, 2)
	for _, identity := range []string{sender, domain} {
		arns = append(arns, *h.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("ses"), Resource: jsii.String("identity"), ResourceName: jsii.String(identity),
		}))
	}
	return arns
}

// bucketObjects returns the cdk-nag finding patterns of the report bucket's
// object ARNs for the given key patterns.
func bucketObjects(keys ...string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = `/^Resource::<ReportBucket[0-9A-F]+\.Arn>\/` + strings.ReplaceAll(regexp.QuoteMeta(k), "/", `\/`) + `$/`
	}
	return out
}

// inOrganization limits s to resources in accounts of the organization
// orgID (aws:ResourceOrgID) and returns it.
func inOrganization(s awsiam.PolicyStatement, orgID string) awsiam.PolicyStatement {
	s.AddCondition(jsii.String("StringEquals"), map[string]any{"aws:ResourceOrgID": orgID})
	return s
}

// listBucket allows s3:ListBucket on bucket. Besides listing, it is what
// makes S3 answer a read of a missing key with NoSuchKey (404) rather than
// AccessDenied (403); the handlers rely on that (a re-run naming an unknown
// run, an account without a shard, a first run without a previous summary).
// A condition on s3:prefix would not apply to those reads, so there is none:
// the bucket holds only this pipeline's runs/ and reports/.
func listBucket(bucket awss3.IBucket) awsiam.PolicyStatement {
	return allow("ListReportBucket", []string{"s3:ListBucket"}, *bucket.BucketArn())
}
