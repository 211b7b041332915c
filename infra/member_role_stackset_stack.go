package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// MemberRoleStackSetStackProps configure the member-role StackSet stack.
type MemberRoleStackSetStackProps struct {
	awscdk.StackProps
	// StackSetName names the StackSet.
	StackSetName string
	// TemplateBody is the member read-role template (MemberRoleTemplate).
	TemplateBody string
	// TargetOUs are the OUs (or the root) whose accounts get the role, now and
	// when they join later.
	TargetOUs []string
	// Region is where the stack instances are created (IAM is global: one
	// region is enough).
	Region string
}

// NewMemberRoleStackSetStack creates, in the management account, a
// service-managed StackSet that deploys the member read role to every account
// of the target OUs, and to accounts that join them later.
func NewMemberRoleStackSetStack(scope constructs.Construct, id string, props *MemberRoleStackSetStackProps) awscdk.Stack {
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("config-report: StackSet deploying the scanner's read role to the member accounts.")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)

	awscloudformation.NewCfnStackSet(stack, jsii.String("ReadRoleStackSet"), &awscloudformation.CfnStackSetProps{
		StackSetName:    jsii.String(props.StackSetName),
		Description:     jsii.String("config-report: the read role the hub scanner assumes in each member account."),
		PermissionModel: jsii.String("SERVICE_MANAGED"),
		CallAs:          jsii.String("SELF"),
		Capabilities:    jsii.Strings("CAPABILITY_NAMED_IAM"),
		TemplateBody:    jsii.String(props.TemplateBody),
		AutoDeployment: &awscloudformation.CfnStackSet_AutoDeploymentProperty{
			Enabled:                      jsii.Bool(true),
			RetainStacksOnAccountRemoval: jsii.Bool(false),
		},
		// ManagedExecution is untyped JSON in the CloudFormation schema: spell
		// the key as CloudFormation does.
		ManagedExecution: map[string]any{"Active": true},
		OperationPreferences: &awscloudformation.CfnStackSet_OperationPreferencesProperty{
			// Soft tolerance: a few accounts failing (e.g. a role of that name
			// already exists there) does not stop the rollout to the others.
			ConcurrencyMode:            jsii.String("SOFT_FAILURE_TOLERANCE"),
			FailureTolerancePercentage: jsii.Number(10),
			MaxConcurrentPercentage:    jsii.Number(100),
			RegionConcurrencyType:      jsii.String("PARALLEL"),
		},
		StackInstancesGroup: &[]*awscloudformation.CfnStackSet_StackInstancesProperty{{
			DeploymentTargets: &awscloudformation.CfnStackSet_DeploymentTargetsProperty{
				OrganizationalUnitIds: jsii.Strings(props.TargetOUs...),
			},
			Regions: jsii.Strings(props.Region),
		}},
	})
	return stack
}
