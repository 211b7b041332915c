package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/awsid"
)

// ReadRoleActions returns the only actions the member read role allows: the
// AWS Config reads the scanner makes, BatchGetResourceConfig only when it
// resolves resource details. The list is access.ReadRole, the one the
// scanner names its calls from and the simulator enforces; it is sorted, so
// the StackSet's template (synthesized in an app of its own) lists the
// actions as the stacks do.
func ReadRoleActions(resolveResourceDetails bool) []string {
	return access.ReadRole(resolveResourceDetails)
}

// ReadRoleProps configure a member read role.
type ReadRoleProps struct {
	// RoleName is the role's name (the scanner assumes it by name),
	// optionally with its path (audit/reader).
	RoleName string
	// HubAccount is the account the scanner role lives in.
	HubAccount string
	// ExternalID, when set, must be passed by the scanner.
	ExternalID string
	// ResolveResourceDetails allows BatchGetResourceConfig, which the
	// scanner calls only when it resolves resource details.
	ResolveResourceDetails bool
}

// newReadRole creates the role the hub scanner assumes in a member account:
// it trusts only the scanner role (by ARN, through the hub account principal
// so the role can be created before the hub) and may only read AWS Config.
func newReadRole(scope constructs.Construct, id string, props ReadRoleProps) awsiam.Role {
	path, name := awsid.SplitRolePath(props.RoleName)
	return newHubTrustedRole(scope, id, hubTrustedRole{
		name:        name,
		path:        path,
		description: "Read-only AWS Config access for the config-report scanner in the hub account.",
		hubAccount:  props.HubAccount,
		hubRole:     ScannerRoleName,
		externalID:  props.ExternalID,
		policy:      "config-read",
		sid:         "ReadConfigCompliance",
		actions:     ReadRoleActions(props.ResolveResourceDetails),
		nagReason: "The AWS Config reads the scanner makes (Describe*, GetComplianceDetailsByConfigRule and, with resource " +
			"details on, BatchGetResourceConfig) do not support resource-level permissions; the actions are an explicit read-only list.",
	})
}

// hubTrustedRole describes a read-only role outside the hub that one hub role
// assumes: the organization role and the member read role.
type hubTrustedRole struct {
	name, description string
	// path is the role's IAM path; "" or "/" for none.
	path                string
	hubAccount, hubRole string
	externalID          string
	policy, sid         string
	actions             []string
	// nagReason says why the actions need Resource "*" (AwsSolutions-IAM5).
	nagReason string
}

// newHubTrustedRole creates r: trusting only the named hub role (see
// trustHubRole), with a one-hour maximum session and one inline statement of
// read actions on "*".
func newHubTrustedRole(scope constructs.Construct, id string, r hubTrustedRole) awsiam.Role {
	var path *string
	if r.path != "" && r.path != "/" {
		path = jsii.String(r.path)
	}
	role := awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		RoleName:           jsii.String(r.name),
		Path:               path,
		Description:        jsii.String(r.description),
		AssumedBy:          trustHubRole(r.hubAccount, r.hubRole, r.externalID),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			r.policy: awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
				Statements: &[]awsiam.PolicyStatement{
					awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
						Sid:       jsii.String(r.sid),
						Actions:   jsii.Strings(r.actions...),
						Resources: jsii.Strings("*"),
					}),
				},
			}),
		},
	})
	suppress(role, suppression{id: "AwsSolutions-IAM5", reason: r.nagReason, appliesTo: []string{"Resource::*"}})
	return role
}

// trustHubRole returns a principal for exactly one role of the hub account:
// the hub account root, restricted by aws:PrincipalArn to the role's ARN (so
// the trust can be created before the role exists and survives the role being
// recreated), and by sts:ExternalId when one is set.
func trustHubRole(hubAccount, roleName, externalID string) awsiam.IPrincipal {
	conditions := map[string]any{
		"ArnEquals": map[string]any{
			"aws:PrincipalArn": fmt.Sprintf("arn:%s:iam::%s:role/%s", *awscdk.Aws_PARTITION(), hubAccount, roleName),
		},
	}
	if externalID != "" {
		conditions["StringEquals"] = map[string]any{"sts:ExternalId": externalID}
	}
	// Built from the AWS::Partition pseudo parameter, so the template reads
	// the same however it is synthesized (plain stack or StackSet body).
	root := fmt.Sprintf("arn:%s:iam::%s:root", *awscdk.Aws_PARTITION(), hubAccount)
	return awsiam.NewArnPrincipal(jsii.String(root)).WithConditions(&conditions)
}

// MemberRoleStackProps configure the member read-role stack.
type MemberRoleStackProps struct {
	awscdk.StackProps
	// ReadRole configures the role.
	ReadRole ReadRoleProps
}

// NewMemberRoleStack creates a stack holding only the member read role. It is
// deployed into each member account, either directly or as the template of
// the member-role StackSet. It uses the legacy synthesizer: member accounts
// need no CDK bootstrap, and a StackSet template must not reference one.
func NewMemberRoleStack(scope constructs.Construct, id string, props *MemberRoleStackProps) awscdk.Stack {
	sp := props.StackProps
	if sp.Synthesizer == nil {
		sp.Synthesizer = awscdk.NewLegacyStackSynthesizer()
	}
	if sp.Description == nil {
		sp.Description = jsii.String("config-report: the read role the hub scanner assumes in this member account.")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	role := newReadRole(stack, "ReadRole", props.ReadRole)
	awscdk.NewCfnOutput(stack, jsii.String("ReadRoleArn"), &awscdk.CfnOutputProps{Value: role.RoleArn()})
	return stack
}

// MemberRoleTemplate synthesizes the member read-role stack on its own and
// returns its CloudFormation template as JSON: the StackSet's template body.
func MemberRoleTemplate(props ReadRoleProps) (string, error) {
	dir, err := os.MkdirTemp("", "member-role-*.out")
	if err != nil {
		return "", fmt.Errorf("synthesize member role template: %w", err)
	}
	defer os.RemoveAll(dir)

	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
	stack := NewMemberRoleStack(app, "MemberRole", &MemberRoleStackProps{
		StackProps: awscdk.StackProps{AnalyticsReporting: jsii.Bool(false)},
		ReadRole:   props,
	})
	artifact := app.Synth(nil).GetStackArtifact(stack.ArtifactId())
	body, err := json.Marshal(artifact.Template())
	if err != nil {
		return "", fmt.Errorf("synthesize member role template: %w", err)
	}
	return string(body), nil
}
