package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/jsii-runtime-go"

	"github.com/config-report/config-report/statemachine"
)

// The Distributed Map state's Label (see statemachine/definition.asl.json):
// child executions are named <state machine>/<label>:<id>.
const mapRunLabel = "ScanAccounts"

// newStateMachine creates the workflow ListAccounts -> ScanAccounts
// (Distributed Map) -> BuildReport from the statemachine package's
// definition, with its role and log group. The functions and h.Bucket must
// exist. It fails only if the definition cannot be rendered.
func newStateMachine(h *HubStack, removal awscdk.RemovalPolicy) (awsstepfunctions.StateMachine, error) {
	cfg := h.Config
	cf, err := statemachine.ForCloudFormation(statemachine.Params{
		ListAccountsFunctionArn:    *h.ListAccounts.FunctionArn(),
		ScanAccountFunctionArn:     *h.ScanAccount.FunctionArn(),
		BuildReportFunctionArn:     *h.BuildReport.FunctionArn(),
		MaxConcurrency:             cfg.MaxConcurrency,
		ToleratedFailurePercentage: cfg.Tolerated(),
	})
	if err != nil {
		return nil, err
	}
	subs := make(map[string]*string, len(cf.Substitutions))
	for k, v := range cf.Substitutions {
		subs[k] = jsii.String(v)
	}

	name := h.resourceName()
	role := newStateMachineRole(h)
	logs := awslogs.NewLogGroup(h.Stack, jsii.String("StateMachineLogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/vendedlogs/states/" + name),
		Retention:     logRetentionOf(cfg),
		RemovalPolicy: removal,
	})
	sm := awsstepfunctions.NewStateMachine(h.Stack, jsii.String("StateMachine"), &awsstepfunctions.StateMachineProps{
		StateMachineName:        jsii.String(name),
		StateMachineType:        awsstepfunctions.StateMachineType_STANDARD,
		Comment:                 jsii.String("config-report: ListAccounts -> ScanAccounts (Distributed Map) -> BuildReport"),
		DefinitionBody:          awsstepfunctions.DefinitionBody_FromString(jsii.String(cf.DefinitionString)),
		DefinitionSubstitutions: &subs,
		Role:                    role,
		Logs: &awsstepfunctions.LogOptions{
			Destination:          logs,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(false),
		},
		TracingEnabled: jsii.Bool(true),
	})
	suppress(role, suppression{
		id: "AwsSolutions-IAM5",
		reason: "A Distributed Map starts, describes, stops and redrives child executions of this same state machine " +
			"(execution:<name>/*, execution:<name>/<label>:*), reads each run's manifest (runs/<runId>/accounts.json, " +
			"runs/<runId>/reruns/*) and writes its results under runs/<runId>/map-results/; run IDs exist only at run time.",
		appliesTo: []string{
			`/^Resource::arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:execution:` + name + `\/(\*|` + mapRunLabel + `:\*)$/`,
			`/^Resource::<ReportBucket[0-9A-F]+\.Arn>\/runs\/\*\/(accounts\.json|reruns\/\*|map-results\/\*)$/`,
		},
	}, suppression{
		id: "AwsSolutions-IAM5",
		reason: "CDK adds these for the state machine's CloudWatch Logs delivery (logs:*LogDelivery, DescribeLogGroups, " +
			"*ResourcePolicy) and X-Ray tracing (xray:Put*/GetSampling*); those actions support no resource-level permissions.",
		appliesTo: []string{"Resource::*"},
	})
	return sm, nil
}

// newStateMachineRole creates the state machine's role: it invokes the three
// functions, manages the Distributed Map's child executions of this same
// state machine, reads the run's manifest and writes the Map's results.
func newStateMachineRole(h *HubStack) awsiam.Role {
	name := h.resourceName()
	arn := func(resource, resourceName string) string {
		return *h.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("states"), Resource: jsii.String(resource), ResourceName: jsii.String(resourceName),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
	}
	bucket := h.Bucket
	role := awsiam.NewRole(h.Stack, jsii.String("StateMachineRole"), &awsiam.RoleProps{
		Description: jsii.String("Runs the config-report state machine: invokes its three functions and runs the Distributed Map."),
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), nil).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": *h.Account()},
		}),
	})
	for _, s := range []awsiam.PolicyStatement{
		allow("InvokeFunctions", []string{"lambda:InvokeFunction"},
			*h.ListAccounts.FunctionArn(), *h.ScanAccount.FunctionArn(), *h.BuildReport.FunctionArn()),
		allow("StartMapChildren", []string{"states:StartExecution"}, arn("stateMachine", name)),
		allow("ManageMapChildren", []string{"states:DescribeExecution", "states:StopExecution"}, arn("execution", name+"/*")),
		allow("RedriveMapRun", []string{"states:RedriveExecution"}, arn("execution", name+"/"+mapRunLabel+":*")),
		allow("ReadManifests", []string{"s3:GetObject"},
			*bucket.ArnForObjects(jsii.String("runs/*/accounts.json")), *bucket.ArnForObjects(jsii.String("runs/*/reruns/*"))),
		allow("WriteMapResults", []string{"s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"},
			*bucket.ArnForObjects(jsii.String("runs/*/map-results/*"))),
	} {
		role.AddToPolicy(s)
	}
	return role
}
