package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/config-report/config-report/statemachine"
)

// Lambda sizing. ListAccounts pages through the organization and writes one
// manifest; ScanAccount is I/O bound on AWS Config calls; BuildReport holds the
// merged run and streams the workbook, spilling excelize's temporary files to
// /tmp. All may run up to Lambda's 15-minute limit.
const (
	ListAccountsMemoryMB     = 512
	ScanAccountMemoryMB      = 256
	BuildReportMemoryMB      = 2048
	BuildReportEphemeralMB   = 4096
	FunctionTimeoutMinutes   = 15
	abortIncompleteUploadDay = 7
)

// Names of the function packages under functions/.
const (
	ListAccountsPackage = "listaccounts"
	ScanAccountPackage  = "scanaccount"
	BuildReportPackage  = "buildreport"
)

// Observability. A Scheduler event that cannot start an execution is retried,
// then kept in the dead-letter queue for SQS's longest retention. The
// no-success alarm looks back over NoSuccessDays complete calendar days in the
// schedule's time zone: seven one-day periods is the longest range CloudWatch
// evaluates (period x evaluation periods <= 604,800 s), and counting complete
// days only means a weekly run is always in range, so the alarm fires the
// day after a missed weekly run and not before each run.
const (
	ScheduleRetryAttempts = 3
	ScheduleMaxEventAgeH  = 1
	DeadLetterRetention   = 14
	NoSuccessDays         = 7
	// ReportMetricsNamespace and the metric names are those BuildReport
	// writes in CloudWatch's Embedded Metric Format, with dimension
	// Environment=<env>.
	ReportMetricsNamespace     = "ConfigReport"
	MetricAccountsUnreachable  = "AccountsUnreachable"
	MetricAccountsInRun        = "AccountsInRun"
	ReportMetricsDimensionName = "Environment"
)

// The Distributed Map state's Label (see statemachine/definition.asl.json):
// child executions are named <state machine>/<label>:<id>.
const mapRunLabel = "ScanAccounts"

// HubStackProps configure the hub stack.
type HubStackProps struct {
	awscdk.StackProps
	// Config is the environment's settings.
	Config Config
	// ModuleRoot is the Go module's root; the functions are built from
	// ModuleRoot/functions/<name>.
	ModuleRoot string
}

// HubStack is the hub account's stack: the report bucket, the three Lambda
// functions, the state machine, its schedule and its alarms.
type HubStack struct {
	awscdk.Stack
	// Config is the environment the stack was built for.
	Config Config
	// Bucket is the report bucket.
	Bucket awss3.Bucket
	// ListAccounts, ScanAccount and BuildReport are the functions.
	ListAccounts, ScanAccount, BuildReport awslambda.Function
	// StateMachine is the workflow.
	StateMachine awsstepfunctions.StateMachine
	// ScheduleDeadLetterQueue keeps the schedule's events that could not
	// start an execution.
	ScheduleDeadLetterQueue awssqs.Queue
	// AlarmTopic receives every alarm.
	AlarmTopic awssns.Topic
}

// NewHubStack creates the hub stack. It fails only if the state machine
// definition cannot be rendered with the configuration.
func NewHubStack(scope constructs.Construct, id string, props *HubStackProps) (*HubStack, error) {
	cfg := props.Config
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String(fmt.Sprintf("config-report (%s): weekly AWS Config compliance report of the organization.", cfg.Name))
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	h := &HubStack{Stack: stack, Config: cfg}
	removal := awscdk.RemovalPolicy_RETAIN
	if cfg.RemovalPolicy == RemovalDestroy {
		removal = awscdk.RemovalPolicy_DESTROY
	}
	retention := cfg.LogRetention()

	// --- Storage -------------------------------------------------------------
	accessLogs := awss3.NewBucket(stack, jsii.String("AccessLogBucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED, // the only encryption S3 server access logging delivers to
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:         jsii.String("expire-access-logs"),
			Expiration: awscdk.Duration_Days(jsii.Number(float64(cfg.AccessLogRetentionDays))),
		}},
		RemovalPolicy: removal,
	})
	// The access-log bucket has no access logs of its own: cdk-nag accepts a log destination (AwsSolutions-S1).

	h.Bucket = awss3.NewBucket(stack, jsii.String("ReportBucket"), &awss3.BucketProps{
		BucketName:             jsii.String(cfg.BucketName),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		Versioned:              jsii.Bool(true),
		ServerAccessLogsBucket: accessLogs,
		ServerAccessLogsPrefix: jsii.String("report-bucket/"),
		LifecycleRules: &[]*awss3.LifecycleRule{
			{
				Id:                          jsii.String("expire-run-data"),
				Prefix:                      jsii.String("runs/"),
				Expiration:                  awscdk.Duration_Days(jsii.Number(float64(cfg.RunDataRetentionDays))),
				NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(float64(cfg.NoncurrentVersionDays))),
			},
			{
				Id:                          jsii.String("expire-reports"),
				Prefix:                      jsii.String("reports/"),
				Expiration:                  awscdk.Duration_Days(jsii.Number(float64(cfg.ReportRetentionDays))),
				NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(float64(cfg.NoncurrentVersionDays))),
			},
			{
				Id:                                  jsii.String("abort-incomplete-uploads"),
				AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(abortIncompleteUploadDay)),
			},
		},
		RemovalPolicy: removal,
	})
	bucket := h.Bucket

	// --- Functions -----------------------------------------------------------
	listEnv := map[string]string{
		"REPORT_BUCKET": cfg.BucketName,
		"ORG_ROLE_ARN":  *h.OrgRoleARN(cfg.ManagementAccount),
	}
	setIf(listEnv, "ORG_EXTERNAL_ID", cfg.ExternalID)
	setIf(listEnv, "INCLUDE_OUS", strings.Join(cfg.IncludeOUs, ","))
	setIf(listEnv, "EXCLUDE_OUS", strings.Join(cfg.ExcludeOUs, ","))
	setIf(listEnv, "EXCLUDE_ACCOUNTS", strings.Join(cfg.ExcludeAccounts, ","))
	if cfg.TagKeys != nil {
		// Set even when empty: an empty TAG_KEYS reads no tags, an unset one
		// the lister's default.
		listEnv["TAG_KEYS"] = strings.Join(*cfg.TagKeys, ",")
	}

	scanEnv := map[string]string{
		"REGIONS":        strings.Join(cfg.Regions, ","),
		"READ_ROLE_NAME": cfg.ReadRoleName,
	}
	setIf(scanEnv, "READ_EXTERNAL_ID", cfg.ExternalID)
	setIfPositive(scanEnv, "REGION_CONCURRENCY", cfg.RegionConcurrency)
	setIfPositive(scanEnv, "DETAIL_CONCURRENCY", cfg.DetailConcurrency)
	if cfg.ResolveResourceDetails != nil {
		scanEnv["RESOLVE_RESOURCE_DETAILS"] = strconv.FormatBool(*cfg.ResolveResourceDetails)
	}

	buildEnv := map[string]string{
		"ENVIRONMENT": cfg.Name,
		"REGIONS":     strings.Join(cfg.Regions, ","),
	}
	if cfg.ComplianceGreenPct != nil {
		buildEnv["COMPLIANCE_GREEN_PCT"] = strconv.Itoa(*cfg.ComplianceGreenPct)
	}
	if cfg.ComplianceAmberPct != nil {
		buildEnv["COMPLIANCE_AMBER_PCT"] = strconv.Itoa(*cfg.ComplianceAmberPct)
	}
	setIfPositive(buildEnv, "READ_CONCURRENCY", cfg.ReadConcurrency)
	if cfg.EmailEnabled() {
		buildEnv["REPORT_SENDER"] = cfg.ReportSender
		buildEnv["REPORT_RECIPIENTS"] = strings.Join(cfg.ReportRecipients, ",")
	}

	listStatements := []awsiam.PolicyStatement{
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
	scanStatements := []awsiam.PolicyStatement{
		// The read role has one name in every member account; the condition
		// keeps the scanner inside the organization.
		inOrganization(allow("AssumeMemberReadRole", []string{"sts:AssumeRole"}, *stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("iam"), Region: jsii.String(""), Account: jsii.String("*"),
			Resource: jsii.String("role"), ResourceName: jsii.String(cfg.ReadRoleName),
		})), cfg.OrganizationID),
		allow("WriteShards", []string{"s3:PutObject"}, *bucket.ArnForObjects(jsii.String("runs/*/shards/*"))),
		// HeadObject on the run's manifest: a shard only for a run that exists.
		allow("CheckRunExists", []string{"s3:GetObject"}, *bucket.ArnForObjects(jsii.String("runs/*/accounts.json"))),
	}
	buildStatements := []awsiam.PolicyStatement{
		allow("ReadRunsAndReports", []string{"s3:GetObject"},
			*bucket.ArnForObjects(jsii.String("runs/*")), *bucket.ArnForObjects(jsii.String("reports/*"))),
		listBucket(bucket),
		allow("WriteReports", []string{"s3:PutObject", "s3:AbortMultipartUpload"}, *bucket.ArnForObjects(jsii.String("reports/*"))),
		// A rebuild after a successful re-run removes the stale re-run input.
		allow("DeleteStaleRerunInput", []string{"s3:DeleteObject"}, *bucket.ArnForObjects(jsii.String("reports/*/rerun-input.json"))),
	}
	if cfg.EmailEnabled() {
		buildStatements = append(buildStatements, allow("SendReport", []string{"ses:SendEmail"}, h.senderIdentityARNs(cfg.ReportSender)...))
	}

	h.ListAccounts = h.newFunction(functionSpec{
		id: "ListAccounts", pkg: ListAccountsPackage, roleName: ListerRoleName,
		description: "Lists the organization's accounts to scan and writes the run's manifest and organization totals.",
		memoryMB:    ListAccountsMemoryMB, env: listEnv, statements: listStatements,
		wildcardReason: "ListAccounts writes each run's manifest and organization totals (runs/<runId>/accounts.json, " +
			"runs/<runId>/organization.json) or a re-run's manifest (runs/<runId>/reruns/<stamp>.json), and reads only " +
			"manifests (runs/<runId>/accounts.json, runs/<runId>/reruns/*) to check that a re-run names an existing run " +
			"and accounts that were in it; run IDs exist only at run time.",
		wildcards: bucketObjects("runs/*/accounts.json", "runs/*/organization.json", "runs/*/reruns/*"),
	}, props.ModuleRoot, cfg, retention, removal)
	h.ScanAccount = h.newFunction(functionSpec{
		id: "ScanAccount", pkg: ScanAccountPackage, roleName: ScannerRoleName,
		description: "Scans one account's AWS Config compliance in every region and writes its shard.",
		memoryMB:    ScanAccountMemoryMB, env: scanEnv, statements: scanStatements,
		wildcardReason: "The scanner assumes the read role, which has one fixed name in every member account; the " +
			"accounts are known only at run time, and aws:ResourceOrgID limits them to the organization's. It writes only " +
			"shards, runs/<runId>/shards/<accountId>.json, and reads only whether a run's manifest, runs/<runId>/accounts.json, " +
			"exists (HeadObject), so that it never writes a shard for a run that does not exist; run IDs exist only at run time.",
		wildcards:           append(bucketObjects("runs/*/shards/*", "runs/*/accounts.json"), `/^Resource::arn:aws[a-z-]*:iam::\*:role\/`+regexp.QuoteMeta(cfg.ReadRoleName)+`$/`),
		reservedConcurrency: cfg.ScannerReservedConcurrency,
	}, props.ModuleRoot, cfg, retention, removal)
	h.BuildReport = h.newFunction(functionSpec{
		id: "BuildReport", pkg: BuildReportPackage, roleName: FormatterRoleName,
		description: "Merges a run's shards into the workbook, summary and CSV, and optionally e-mails the workbook.",
		memoryMB:    BuildReportMemoryMB, ephemeralMB: BuildReportEphemeralMB, env: buildEnv, statements: buildStatements,
		wildcardReason: "BuildReport reads every manifest and shard of a run (runs/<runId>/...) and earlier runs' " +
			"summaries (reports/...), writes reports/<runId>/... and deletes a stale reports/<runId>/rerun-input.json; " +
			"run IDs exist only at run time.",
		wildcards: bucketObjects("runs/*", "reports/*", "reports/*/rerun-input.json"),
	}, props.ModuleRoot, cfg, retention, removal)

	// --- State machine -------------------------------------------------------
	smName := "config-report-" + cfg.Name
	cf, err := statemachine.ForCloudFormation(statemachine.Params{
		ListAccountsFunctionArn:    *h.ListAccounts.FunctionArn(),
		ScanAccountFunctionArn:     *h.ScanAccount.FunctionArn(),
		BuildReportFunctionArn:     *h.BuildReport.FunctionArn(),
		MaxConcurrency:             cfg.MaxConcurrency,
		ToleratedFailurePercentage: cfg.Tolerated(),
	})
	if err != nil {
		return nil, fmt.Errorf("hub stack: %w", err)
	}
	subs := make(map[string]*string, len(cf.Substitutions))
	for k, v := range cf.Substitutions {
		subs[k] = jsii.String(v)
	}

	smArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("states"), Resource: jsii.String("stateMachine"), ResourceName: jsii.String(smName),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	executionArn := func(name string) string {
		return *stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("states"), Resource: jsii.String("execution"), ResourceName: jsii.String(name),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
	}
	smRole := awsiam.NewRole(stack, jsii.String("StateMachineRole"), &awsiam.RoleProps{
		Description: jsii.String("Runs the config-report state machine: invokes its three functions and runs the Distributed Map."),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": *stack.Account()},
		}),
	})
	for _, s := range []awsiam.PolicyStatement{
		allow("InvokeFunctions", []string{"lambda:InvokeFunction"},
			*h.ListAccounts.FunctionArn(), *h.ScanAccount.FunctionArn(), *h.BuildReport.FunctionArn()),
		allow("StartMapChildren", []string{"states:StartExecution"}, *smArn),
		allow("ManageMapChildren", []string{"states:DescribeExecution", "states:StopExecution"}, executionArn(smName+"/*")),
		allow("RedriveMapRun", []string{"states:RedriveExecution"}, executionArn(smName+"/"+mapRunLabel+":*")),
		allow("ReadManifests", []string{"s3:GetObject"},
			*bucket.ArnForObjects(jsii.String("runs/*/accounts.json")), *bucket.ArnForObjects(jsii.String("runs/*/reruns/*"))),
		allow("WriteMapResults", []string{"s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"},
			*bucket.ArnForObjects(jsii.String("runs/*/map-results/*"))),
	} {
		smRole.AddToPolicy(s)
	}

	smLogs := awslogs.NewLogGroup(stack, jsii.String("StateMachineLogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/vendedlogs/states/" + smName),
		Retention:     retention,
		RemovalPolicy: removal,
	})
	h.StateMachine = awsstepfunctions.NewStateMachine(stack, jsii.String("StateMachine"), &awsstepfunctions.StateMachineProps{
		StateMachineName:        jsii.String(smName),
		StateMachineType:        awsstepfunctions.StateMachineType_STANDARD,
		Comment:                 jsii.String("config-report: ListAccounts -> ScanAccounts (Distributed Map) -> BuildReport"),
		DefinitionBody:          awsstepfunctions.DefinitionBody_FromString(jsii.String(cf.DefinitionString)),
		DefinitionSubstitutions: &subs,
		Role:                    smRole,
		Logs: &awsstepfunctions.LogOptions{
			Destination:          smLogs,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(false),
		},
		TracingEnabled: jsii.Bool(true),
	})
	suppress(smRole, suppression{
		id: "AwsSolutions-IAM5",
		reason: "A Distributed Map starts, describes, stops and redrives child executions of this same state machine " +
			"(execution:<name>/*, execution:<name>/<label>:*), reads each run's manifest (runs/<runId>/accounts.json, " +
			"runs/<runId>/reruns/*) and writes its results under runs/<runId>/map-results/; run IDs exist only at run time.",
		appliesTo: []string{
			`/^Resource::arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:execution:` + smName + `\/(\*|` + mapRunLabel + `:\*)$/`,
			`/^Resource::<ReportBucket[0-9A-F]+\.Arn>\/runs\/\*\/(accounts\.json|reruns\/\*|map-results\/\*)$/`,
		},
	}, suppression{
		id: "AwsSolutions-IAM5",
		reason: "CDK adds these for the state machine's CloudWatch Logs delivery (logs:*LogDelivery, DescribeLogGroups, " +
			"*ResourcePolicy) and X-Ray tracing (xray:Put*/GetSampling*); those actions support no resource-level permissions.",
		appliesTo: []string{"Resource::*"},
	})

	// --- Schedule ------------------------------------------------------------
	schedulerRole := awsiam.NewRole(stack, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		Description: jsii.String("Lets EventBridge Scheduler start the config-report state machine, and nothing else."),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": *stack.Account()},
		}),
	})
	h.ScheduleDeadLetterQueue = awssqs.NewQueue(stack, jsii.String("ScheduleDeadLetterQueue"), &awssqs.QueueProps{
		QueueName:       jsii.String(smName + "-schedule-dlq"),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(DeadLetterRetention)),
	})
	suppress(h.ScheduleDeadLetterQueue, suppression{
		id: "AwsSolutions-SQS3",
		reason: "This queue is itself the dead-letter queue of the EventBridge Scheduler schedule (its DeadLetterConfig); " +
			"cdk-nag recognizes only SQS redrive policies as dead-letter use.",
	})
	awsscheduler.NewSchedule(stack, jsii.String("Schedule"), &awsscheduler.ScheduleProps{
		ScheduleName: jsii.String(smName + "-weekly"),
		Description:  jsii.String("Starts a new config-report run (empty input: every active account)."),
		Schedule:     awsscheduler.ScheduleExpression_Expression(jsii.String(cfg.Schedule.Expression), awscdk.TimeZone_Of(jsii.String(cfg.Schedule.TimeZone))),
		Enabled:      jsii.Bool(cfg.ScheduleEnabled()),
		Target: awsschedulertargets.NewStepFunctionsStartExecution(h.StateMachine, &awsschedulertargets.ScheduleTargetBaseProps{
			Role:            schedulerRole,
			Input:           awsscheduler.ScheduleTargetInput_FromText(jsii.String("{}")),
			RetryAttempts:   jsii.Number(ScheduleRetryAttempts),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(ScheduleMaxEventAgeH)),
			DeadLetterQueue: h.ScheduleDeadLetterQueue,
		}),
	})

	// --- Alarms --------------------------------------------------------------
	key := awskms.NewKey(stack, jsii.String("AlarmTopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the config-report alarm topic " + smName + "."),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     removal,
	})
	h.AlarmTopic = awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		TopicName:  jsii.String(smName + "-alarms"),
		MasterKey:  key,
		EnforceSSL: jsii.Bool(true),
	})
	for _, email := range cfg.AlarmEmails {
		h.AlarmTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(email), nil))
	}
	var alarmNames []string
	addAlarm := func(id, suffix string, props *awscloudwatch.AlarmProps) awscloudwatch.Alarm {
		name := smName + "-" + suffix
		props.AlarmName = jsii.String(name)
		alarm := awscloudwatch.NewAlarm(stack, jsii.String(id), props)
		alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(h.AlarmTopic))
		alarmNames = append(alarmNames, name)
		return alarm
	}

	period := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}
	addAlarm("ExecutionsFailedAlarm", "executions-failed", &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("A config-report execution failed or timed out. Open it in the Step Functions console; redrive it, or start a new execution with the re-run input from the report."),
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("FILL(failed, 0) + FILL(timedOut, 0)"),
			Label:      jsii.String("Failed or timed-out executions"),
			Period:     awscdk.Duration_Minutes(jsii.Number(5)),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"failed":   h.StateMachine.MetricFailed(period),
				"timedOut": h.StateMachine.MetricTimedOut(period),
			},
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})

	addAlarm("ScheduleDeadLetterAlarm", "schedule-dlq", &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(fmt.Sprintf("EventBridge Scheduler could not start a config-report execution after %d retries; the event is in %s-schedule-dlq. "+
			"Check the message's error attributes and the scheduler role, start the run by hand, then purge the queue.", ScheduleRetryAttempts, smName)),
		Metric: h.ScheduleDeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum"),
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})

	if cfg.NoSuccessAlarmEnabled() {
		noSuccess := addAlarm("NoRecentSuccessAlarm", "no-recent-success", &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String(fmt.Sprintf("No config-report execution succeeded in the last %d complete days (%s): the schedule did not fire, "+
				"or every run since failed. Check the schedule, the schedule's dead-letter queue and the executions.", NoSuccessDays, cfg.Schedule.TimeZone)),
			Metric: h.StateMachine.MetricSucceeded(&awscloudwatch.MetricOptions{
				Period: awscdk.Duration_Days(jsii.Number(1)), Statistic: jsii.String("Sum"),
			}),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(NoSuccessDays),
			DatapointsToAlarm:  jsii.Number(NoSuccessDays),
			ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
			// No execution, no datapoint: a day without one counts against.
			TreatMissingData: awscloudwatch.TreatMissingData_BREACHING,
		})
		// Whole calendar days in the schedule's time zone, not a sliding
		// window: the L2 construct does not expose EvaluationWindow.
		noSuccess.Node().DefaultChild().(awscloudwatch.CfnAlarm).SetEvaluationWindow(&awscloudwatch.CfnAlarm_EvaluationWindowProperty{
			WallClockWindow: &awscloudwatch.CfnAlarm_WallClockWindowProperty{Timezone: jsii.String(cfg.Schedule.TimeZone)},
		})
	}

	reportMetric := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String(ReportMetricsNamespace),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{ReportMetricsDimensionName: jsii.String(cfg.Name)},
			Statistic:     jsii.String("Sum"),
			Period:        awscdk.Duration_Hours(jsii.Number(1)),
		})
	}
	addAlarm("AccountsUnreachableAlarm", "accounts-unreachable", &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String(fmt.Sprintf("More than %d%% of a config-report run's accounts were unreachable (the read role could not be assumed). "+
			"The report's Coverage sheet lists them; check the member-role StackSet and organizationId.", cfg.UnreachablePercent())),
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("IF(inRun > 0, 100 * FILL(unreachable, 0) / inRun, 0)"),
			Label:      jsii.String("Unreachable accounts (% of the run)"),
			Period:     awscdk.Duration_Hours(jsii.Number(1)),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"unreachable": reportMetric(MetricAccountsUnreachable),
				"inRun":       reportMetric(MetricAccountsInRun),
			},
		}),
		Threshold:          jsii.Number(float64(cfg.UnreachablePercent())),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})

	// CloudWatch publishes to the encrypted topic for these alarms only. The
	// ARNs are built from the alarms' names, not their attributes, so the key
	// and topic policies do not depend on the alarms (which depend on the topic).
	alarmARNs := make([]string, len(alarmNames))
	for i, name := range alarmNames {
		alarmARNs[i] = *stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String(name),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
	}
	fromTheseAlarms := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": *stack.Account()},
		"ArnEquals":    map[string]any{"aws:SourceArn": alarmARNs},
	}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsToPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey"),
		Resources:  jsii.Strings("*"),
		Conditions: fromTheseAlarms,
	}), nil)
	// The topic's policy (TLS only) replaces SNS's default one, which is what
	// lets a same-account alarm publish: allow these alarms explicitly.
	h.AlarmTopic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsToPublish"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*h.AlarmTopic.TopicArn()),
		Conditions: fromTheseAlarms,
	}))

	for name, v := range map[string]*string{
		"ReportBucketName":           bucket.BucketName(),
		"StateMachineArn":            h.StateMachine.StateMachineArn(),
		"AlarmTopicArn":              h.AlarmTopic.TopicArn(),
		"ScheduleDeadLetterQueueUrl": h.ScheduleDeadLetterQueue.QueueUrl(),
	} {
		awscdk.NewCfnOutput(stack, jsii.String(name), &awscdk.CfnOutputProps{Value: v})
	}
	return h, nil
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
func (h *HubStack) newFunction(spec functionSpec, moduleRoot string, cfg Config, retention awslogs.RetentionDays, removal awscdk.RemovalPolicy) awslambda.Function {
	stack := h.Stack
	name := "config-report-" + cfg.Name + "-" + strings.ToLower(spec.id)
	logs := awslogs.NewLogGroup(stack, jsii.String(spec.id+"LogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + name),
		Retention:     retention,
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

// OrgRoleARN returns the ARN of the organization role in the management account.
func (h *HubStack) OrgRoleARN(managementAccount string) *string {
	return h.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("iam"), Region: jsii.String(""), Account: jsii.String(managementAccount),
		Resource: jsii.String("role"), ResourceName: jsii.String(OrgRoleName),
	})
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

// allow returns an Allow statement.
func allow(sid string, actions []string, resources ...string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String(sid),
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(resources...),
	})
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

func setIf(env map[string]string, key, value string) {
	if value != "" {
		env[key] = value
	}
}

func setIfPositive(env map[string]string, key string, value int) {
	if value > 0 {
		env[key] = strconv.Itoa(value)
	}
}
