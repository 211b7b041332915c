// Command infra is the config-report CDK app. It synthesizes one
// environment's stacks, chosen with -c env=<name> from cdk.json's
// context.environments:
//
//   - config-report-<env>-org-role (management account): the role ListAccounts
//     assumes to read the organization, and the read role of the management
//     account itself;
//   - config-report-<env>-member-role-stackset (management account): a
//     service-managed StackSet deploying the read role to the target OUs, or,
//     with memberRole.deployment "stack", config-report-<env>-member-role, a
//     plain stack to deploy into each member account;
//   - config-report-<env>-hub (hub account): the report bucket, the three Lambda
//     functions, the state machine, its schedule (with a dead-letter queue) and
//     its alarms.
//
// cdk-nag's AwsSolutions checks run on every stack; synth fails on a finding
// that is not suppressed with a reason.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	app := awscdk.NewApp(nil)
	if _, err := build(app, "."); err != nil {
		fmt.Fprintf(os.Stderr, "config-report infra: %v\n", err)
		jsii.Close()
		os.Exit(1)
	}
	app.Synth(nil)
	jsii.Close()
}

// build reads the selected environment from app's context and adds its
// stacks, with cdk-nag's checks, to app. dir is a directory inside the Go
// module whose functions/ are bundled.
func build(app awscdk.App, dir string) (*Stacks, error) {
	cfg, err := LoadConfig(app.Node())
	if err != nil {
		return nil, err
	}
	root, err := findModuleRoot(dir)
	if err != nil {
		return nil, err
	}
	stacks, err := NewStacks(app, cfg, root)
	if err != nil {
		return nil, err
	}
	addNagChecks(app)
	return stacks, nil
}

// Stacks are one environment's stacks.
type Stacks struct {
	// OrgRole is the management account's organization-role stack.
	OrgRole awscdk.Stack
	// MemberRoleStackSet deploys the read role to the member accounts
	// (memberRole.deployment "stackset"), else nil.
	MemberRoleStackSet awscdk.Stack
	// MemberRole is the plain read-role stack (memberRole.deployment
	// "stack"), else nil.
	MemberRole awscdk.Stack
	// Hub is the hub account's stack.
	Hub *HubStack
}

// All returns the stacks that exist, in deployment order.
func (s *Stacks) All() []awscdk.Stack {
	all := []awscdk.Stack{s.OrgRole}
	for _, st := range []awscdk.Stack{s.MemberRoleStackSet, s.MemberRole} {
		if st != nil {
			all = append(all, st)
		}
	}
	return append(all, s.Hub.Stack)
}

// NewStacks adds cfg's stacks to app. moduleRoot is the Go module whose
// functions/ are bundled into the hub's Lambda functions.
func NewStacks(app awscdk.App, cfg Config, moduleRoot string) (*Stacks, error) {
	awscdk.Tags_Of(app).Add(jsii.String("project"), jsii.String("config-report"), nil)
	awscdk.Tags_Of(app).Add(jsii.String("environment"), jsii.String(cfg.Name), nil)

	management := &awscdk.Environment{Account: jsii.String(cfg.ManagementAccount), Region: jsii.String(cfg.HubRegion)}
	readRole := ReadRoleProps{
		RoleName: cfg.ReadRoleName, HubAccount: cfg.HubAccount, ExternalID: cfg.ExternalID,
		ResolveResourceDetails: cfg.ResolveDetails(),
	}

	s := &Stacks{}
	orgProps := &OrgRoleStackProps{
		StackProps: awscdk.StackProps{Env: management, StackName: jsii.String(cfg.StackName("org-role"))},
		HubAccount: cfg.HubAccount,
		ExternalID: cfg.ExternalID,
	}
	if cfg.ManagementReadRole() {
		orgProps.ManagementReadRole = &readRole
	}
	s.OrgRole = NewOrgRoleStack(app, cfg.StackName("org-role"), orgProps)

	switch cfg.MemberRole.Deployment {
	case MemberRoleStackSet:
		body, err := MemberRoleTemplate(readRole)
		if err != nil {
			return nil, err
		}
		s.MemberRoleStackSet = NewMemberRoleStackSetStack(app, cfg.StackName("member-role-stackset"), &MemberRoleStackSetStackProps{
			StackProps:   awscdk.StackProps{Env: management, StackName: jsii.String(cfg.StackName("member-role-stackset"))},
			StackSetName: cfg.StackName("read-role"),
			TemplateBody: body,
			TargetOUs:    cfg.MemberRole.TargetOUs,
			Region:       cfg.HubRegion,
		})
	case MemberRoleStack:
		s.MemberRole = NewMemberRoleStack(app, cfg.StackName("member-role"), &MemberRoleStackProps{
			// No account: deployed with each member account's credentials.
			StackProps: awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(cfg.HubRegion)}, StackName: jsii.String(cfg.StackName("member-role"))},
			ReadRole:   readRole,
		})
	}

	hub, err := NewHubStack(app, cfg.StackName("hub"), &HubStackProps{
		StackProps: awscdk.StackProps{
			Env:       &awscdk.Environment{Account: jsii.String(cfg.HubAccount), Region: jsii.String(cfg.HubRegion)},
			StackName: jsii.String(cfg.StackName("hub")),
		},
		Config:     cfg,
		ModuleRoot: moduleRoot,
	})
	if err != nil {
		return nil, err
	}
	s.Hub = hub
	// Deployment order only (no references cross accounts): the roles the hub
	// assumes come first.
	hub.AddStackDependency(s.OrgRole, jsii.String("the lister assumes the organization role"))
	if s.MemberRoleStackSet != nil {
		hub.AddStackDependency(s.MemberRoleStackSet, jsii.String("the scanner assumes the member read roles"))
	}
	return s, nil
}
