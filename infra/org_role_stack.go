package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/config-report/config-report/internal/access"
)

// OrgRoleActions are the only actions the organization role allows: exactly
// the AWS Organizations reads ListAccounts makes (internal/org) to walk the
// OU tree, list each OU's accounts and read account tags (access.OrgRole,
// the list the lister and the simulator use too).
var OrgRoleActions = access.OrgRole()

// OrgRoleStackProps configure the organization-role stack.
type OrgRoleStackProps struct {
	awscdk.StackProps
	// HubAccount is the account the lister role lives in.
	HubAccount string
	// ExternalID, when set, must be passed by the lister.
	ExternalID string
	// ManagementReadRole, when set, also creates the member read role in the
	// management account (a service-managed StackSet never deploys there).
	ManagementReadRole *ReadRoleProps
}

// NewOrgRoleStack creates the stack for the organization's management
// account: the role ListAccounts assumes to read the organization, trusting
// only the hub lister role.
func NewOrgRoleStack(scope constructs.Construct, id string, props *OrgRoleStackProps) awscdk.Stack {
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("config-report: the role the hub's ListAccounts function assumes to read the organization.")
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)

	role := newHubTrustedRole(stack, "OrgRole", hubTrustedRole{
		name:        OrgRoleName,
		description: "Read-only AWS Organizations access for the config-report lister in the hub account.",
		hubAccount:  props.HubAccount,
		hubRole:     ListerRoleName,
		externalID:  props.ExternalID,
		policy:      "organizations-read",
		sid:         "ReadOrganization",
		actions:     OrgRoleActions,
		nagReason: "ListRoots supports no resource-level permissions, and the lister reads every OU, account and account tag " +
			"of the organization (ARNs unknown before it runs); the actions are an explicit four-item read-only list.",
	})
	awscdk.NewCfnOutput(stack, jsii.String("OrgRoleArn"), &awscdk.CfnOutputProps{Value: role.RoleArn()})

	if props.ManagementReadRole != nil {
		read := newReadRole(stack, "ManagementReadRole", *props.ManagementReadRole)
		awscdk.NewCfnOutput(stack, jsii.String("ManagementReadRoleArn"), &awscdk.CfnOutputProps{Value: read.RoleArn()})
	}
	return stack
}
