package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/google/go-cmp/cmp"
)

// hubTrust is the trust statement for one hub role: the hub account,
// restricted to the role's ARN and, when set, the external ID.
func hubTrust(hubAccount, roleName, externalID string) []statement {
	cond := `{"ArnEquals":{"aws:PrincipalArn":"arn:<AWS::Partition>:iam::` + hubAccount + `:role/` + roleName + `"}`
	if externalID != "" {
		cond += `,"StringEquals":{"sts:ExternalId":"` + externalID + `"}`
	}
	return []statement{{
		Effect:    "Allow",
		Principal: `{"AWS":"arn:<AWS::Partition>:iam::` + hubAccount + `:root"}`,
		Actions:   []string{"sts:AssumeRole"},
		Condition: cond + "}",
	}}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func TestOrgRoleStack(t *testing.T) {
	s := mustSynthApp(t, "prod", nil)
	tp := templateOf(t, s.OrgRole)
	if got := *s.OrgRole.Account(); got != "444444444444" {
		t.Errorf("org-role stack account = %s, want the management account 444444444444", got)
	}

	id, role := tp.roleByName(t, "system-config-report-generator-list-org-role")
	if diff := cmp.Diff(hubTrust("333333333333", ListerRoleName, "config-report-prod"), trust(role)); diff != "" {
		t.Errorf("org role trust mismatch (-want +got):\n%s", diff)
	}
	want := []statement{{Sid: "ReadOrganization", Effect: "Allow", Resources: []string{"*"}, Actions: []string{
		"organizations:ListAccountsForParent", "organizations:ListOrganizationalUnitsForParent",
		"organizations:ListRoots", "organizations:ListTagsForResource",
	}}}
	if diff := cmp.Diff(want, tp.rolePolicy(id)); diff != "" {
		t.Errorf("org role policy mismatch (-want +got):\n%s", diff)
	}

	// With a StackSet, the management account's own read role is here.
	readID, read := tp.roleByName(t, "system-config-report-generator-read-role")
	if diff := cmp.Diff(hubTrust("333333333333", ScannerRoleName, "config-report-prod"), trust(read)); diff != "" {
		t.Errorf("management read role trust mismatch (-want +got):\n%s", diff)
	}
	wantRead := []statement{{Sid: "ReadConfigCompliance", Effect: "Allow", Resources: []string{"*"}, Actions: sorted(ReadRoleActions(true))}}
	if diff := cmp.Diff(wantRead, tp.rolePolicy(readID)); diff != "" {
		t.Errorf("management read role policy mismatch (-want +got):\n%s", diff)
	}
	if n := len(tp.ofType("AWS::IAM::Role")); n != 2 {
		t.Errorf("org-role stack has %d roles, want 2", n)
	}
}

func TestOrgRoleStackWithoutManagementReadRole(t *testing.T) {
	s := mustSynthApp(t, "prod", func(m map[string]any) {
		m["memberRole"] = map[string]any{"targetOus": []any{"r-ab12"}, "includeManagementAccount": false}
	})
	tp := templateOf(t, s.OrgRole)
	if n := len(tp.ofType("AWS::IAM::Role")); n != 1 {
		t.Errorf("org-role stack has %d roles, want only the organization role", n)
	}
}

func TestMemberRoleStack(t *testing.T) {
	tests := []struct {
		name       string
		externalID any // nil: not set
		roleName   string
	}{
		{"with external ID", "config-report-prod", DefaultReadRoleName},
		{"without external ID, custom name", nil, "custom-config-read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSynthApp(t, "prod", func(m map[string]any) {
				m["memberRole"] = map[string]any{"deployment": "stack"}
				m["readRoleName"] = tt.roleName
				if tt.externalID == nil {
					delete(m, "externalId")
				}
			})
			if s.MemberRoleStackSet != nil || s.MemberRole == nil {
				t.Fatalf("deployment stack: StackSet stack %v, plain stack %v; want only the plain stack", s.MemberRoleStackSet, s.MemberRole)
			}
			if !strings.HasPrefix(*s.MemberRole.Account(), "${Token[") {
				t.Errorf("member-role stack account = %s, want none (deployed with each account's credentials)", *s.MemberRole.Account())
			}
			tp := templateOf(t, s.MemberRole)
			ext, _ := tt.externalID.(string)
			id, role := tp.roleByName(t, tt.roleName)
			if diff := cmp.Diff(hubTrust("333333333333", ScannerRoleName, ext), trust(role)); diff != "" {
				t.Errorf("read role trust mismatch (-want +got):\n%s", diff)
			}
			want := []statement{{Sid: "ReadConfigCompliance", Effect: "Allow", Resources: []string{"*"}, Actions: []string{
				"config:BatchGetResourceConfig", "config:DescribeComplianceByConfigRule", "config:DescribeConfigRuleEvaluationStatus",
				"config:DescribeConfigRules", "config:DescribeConfigurationRecorderStatus",
				"config:DescribeConformancePacks", "config:GetComplianceDetailsByConfigRule",
			}}}
			if diff := cmp.Diff(want, tp.rolePolicy(id)); diff != "" {
				t.Errorf("read role policy mismatch (-want +got):\n%s", diff)
			}
			if n := len(tp.Resources); n != 1 {
				t.Errorf("member-role stack has %d resources, want only the role", n)
			}
			// The hub's scanner assumes this name, and the management account
			// gets no duplicate of it.
			hub := templateOf(t, s.Hub.Stack)
			scanID, _ := hub.roleByName(t, ScannerRoleName)
			if got := hub.rolePolicy(scanID); !strings.HasSuffix(got[0].Resources[0], ":role/"+tt.roleName) && !strings.HasSuffix(got[1].Resources[0], ":role/"+tt.roleName) {
				t.Errorf("scanner policy %+v does not assume role %s", got, tt.roleName)
			}
			if n := len(templateOf(t, s.OrgRole).ofType("AWS::IAM::Role")); n != 1 {
				t.Errorf("org-role stack has %d roles in stack mode, want only the organization role", n)
			}
		})
	}
}

// TestReadRoleResourceDetails: BatchGetResourceConfig is granted only when
// the scanner resolves resource details, in every copy of the read role.
func TestReadRoleResourceDetails(t *testing.T) {
	compliance := []string{
		"config:DescribeComplianceByConfigRule", "config:DescribeConfigRuleEvaluationStatus",
		"config:DescribeConfigRules", "config:DescribeConfigurationRecorderStatus",
		"config:DescribeConformancePacks", "config:GetComplianceDetailsByConfigRule",
	}
	tests := []struct {
		name    string
		resolve any // nil: not set
		want    []string
	}{
		{"default (on)", nil, sorted(append([]string{"config:BatchGetResourceConfig"}, compliance...))},
		{"on", true, sorted(append([]string{"config:BatchGetResourceConfig"}, compliance...))},
		{"off", false, compliance},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := func(m map[string]any) {
				if tt.resolve != nil {
					m["resolveResourceDetails"] = tt.resolve
				}
			}
			want := []statement{{Sid: "ReadConfigCompliance", Effect: "Allow", Resources: []string{"*"}, Actions: tt.want}}
			roles := map[string]tmpl{}

			s := mustSynthApp(t, "prod", set)
			roles["management account"] = templateOf(t, s.OrgRole)
			_, ss := templateOf(t, s.MemberRoleStackSet).one(t, "AWS::CloudFormation::StackSet")
			var body any
			if err := json.Unmarshal([]byte(ss.Properties["TemplateBody"].(string)), &body); err != nil {
				t.Fatal(err)
			}
			roles["StackSet template"] = decodeTemplate(t, body)
			plain := mustSynthApp(t, "prod", func(m map[string]any) {
				set(m)
				m["memberRole"] = map[string]any{"deployment": "stack"}
			})
			roles["plain stack"] = templateOf(t, plain.MemberRole)

			for where, tp := range roles {
				id, _ := tp.roleByName(t, DefaultReadRoleName)
				if diff := cmp.Diff(want, tp.rolePolicy(id)); diff != "" {
					t.Errorf("%s: read role policy mismatch (-want +got):\n%s", where, diff)
				}
			}
			// The scanner is told the same.
			env := templateOf(t, s.Hub.Stack).ofType("AWS::Lambda::Function")
			for _, fn := range env {
				if fn.Properties["FunctionName"] != "config-report-prod-scanaccount" {
					continue
				}
				vars := fn.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
				// Set only when it differs from the scanner's default, true.
				got, set := vars["RESOLVE_RESOURCE_DETAILS"]
				if off := tt.resolve == false; off != set || off && got != "false" {
					t.Errorf("scanner RESOLVE_RESOURCE_DETAILS = %v (set %v), want it set to false only when resolveResourceDetails is false (%v)", got, set, tt.resolve)
				}
			}
		})
	}
}

func TestMemberRoleStackNeedsNoBootstrap(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := NewMemberRoleStack(app, "Member", &MemberRoleStackProps{ReadRole: ReadRoleProps{RoleName: DefaultReadRoleName, HubAccount: "333333333333"}})
	raw := assertions.Template_FromStack(stack, nil).ToJSON()
	if _, ok := (*raw)["Parameters"]; ok {
		t.Errorf("member-role template has Parameters %v, want none (no CDK bootstrap in member accounts)", (*raw)["Parameters"])
	}
	if _, ok := (*raw)["Rules"]; ok {
		t.Errorf("member-role template has Rules %v, want none", (*raw)["Rules"])
	}
}

func TestMemberRoleStackSet(t *testing.T) {
	s := mustSynthApp(t, "prod", nil)
	if s.MemberRoleStackSet == nil || s.MemberRole != nil {
		t.Fatal("deployment stackset: want only the StackSet stack")
	}
	if got := *s.MemberRoleStackSet.Account(); got != "444444444444" {
		t.Errorf("StackSet stack account = %s, want the management account", got)
	}
	tp := templateOf(t, s.MemberRoleStackSet)
	_, ss := tp.one(t, "AWS::CloudFormation::StackSet")
	p := ss.Properties
	body, _ := p["TemplateBody"].(string)
	delete(p, "TemplateBody")
	delete(p, "Tags")
	delete(p, "Description")
	want := map[string]any{
		"StackSetName":     "config-report-prod-read-role",
		"PermissionModel":  "SERVICE_MANAGED",
		"CallAs":           "SELF",
		"Capabilities":     []any{"CAPABILITY_NAMED_IAM"},
		"AutoDeployment":   map[string]any{"Enabled": true, "RetainStacksOnAccountRemoval": false},
		"ManagedExecution": map[string]any{"Active": true},
		"OperationPreferences": map[string]any{
			"ConcurrencyMode": "SOFT_FAILURE_TOLERANCE", "FailureTolerancePercentage": 10.0,
			"MaxConcurrentPercentage": 100.0, "RegionConcurrencyType": "PARALLEL",
		},
		"StackInstancesGroup": []any{map[string]any{
			"DeploymentTargets": map[string]any{"OrganizationalUnitIds": []any{"r-ab12"}},
			"Regions":           []any{"eu-west-1"},
		}},
	}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("StackSet mismatch (-want +got):\n%s", diff)
	}

	// The template body is the member-role stack's template.
	var doc map[string]any
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("TemplateBody is not JSON: %v", err)
	}
	if _, ok := doc["Parameters"]; ok {
		t.Errorf("TemplateBody has Parameters %v, want none (member accounts are not bootstrapped)", doc["Parameters"])
	}
	got := decodeTemplate(t, doc)
	_, role := got.roleByName(t, DefaultReadRoleName)
	plain := mustSynthApp(t, "prod", func(m map[string]any) { m["memberRole"] = map[string]any{"deployment": "stack"} })
	_, plainRole := templateOf(t, plain.MemberRole).roleByName(t, DefaultReadRoleName)
	for _, prop := range []string{"RoleName", "AssumeRolePolicyDocument", "Policies", "MaxSessionDuration"} {
		if diff := cmp.Diff(plainRole.Properties[prop], role.Properties[prop]); diff != "" {
			t.Errorf("StackSet role %s differs from the plain stack's (-plain +stackset):\n%s", prop, diff)
		}
	}
	if n := len(got.Resources); n != 1 {
		t.Errorf("StackSet template has %d resources, want only the role", n)
	}
}

// variants are the app configurations every stack-wide check runs on.
func variants(t *testing.T) map[string]*Stacks {
	t.Helper()
	out := map[string]*Stacks{}
	for _, env := range environmentNames(t) {
		out[env] = mustSynthApp(t, env, nil)
	}
	out["prod (member role as a stack)"] = mustSynthApp(t, "prod", func(m map[string]any) {
		m["memberRole"] = map[string]any{"deployment": "stack"}
	})
	return out
}

func TestNoWildcardActions(t *testing.T) {
	for name, s := range variants(t) {
		t.Run(name, func(t *testing.T) {
			templates := map[string]tmpl{}
			for _, st := range s.All() {
				templates[*st.StackName()] = templateOf(t, st)
			}
			if s.MemberRoleStackSet != nil {
				_, ss := templates[*s.MemberRoleStackSet.StackName()].one(t, "AWS::CloudFormation::StackSet")
				var doc any
				if err := json.Unmarshal([]byte(ss.Properties["TemplateBody"].(string)), &doc); err != nil {
					t.Fatal(err)
				}
				templates["StackSet template body"] = decodeTemplate(t, doc)
			}
			for stack, tp := range templates {
				n := 0
				for _, st := range tp.allStatements() {
					for _, a := range st.Actions {
						n++
						if strings.Contains(a, "*") {
							t.Errorf("%s: statement %q allows %q: no wildcard actions", stack, st.Sid, a)
						}
					}
				}
				if n == 0 && len(tp.ofType("AWS::IAM::Role")) > 0 {
					t.Errorf("%s: roles without any action: the check saw nothing", stack)
				}
			}
		})
	}
}

func TestNagClean(t *testing.T) {
	for name, s := range variants(t) {
		t.Run(name, func(t *testing.T) {
			for _, st := range s.All() {
				a := assertions.Annotations_FromStack(st)
				nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
				for _, m := range *a.FindError(jsii.String("*"), nag) {
					//lint:ignore SA1019 the Go binding's SynthesisMessage has no other way to its Id and Entry
					t.Errorf("%s: unsuppressed cdk-nag error at %s: %v", *st.StackName(), *m.Id, m.Entry.Data)
				}
				for _, m := range *a.FindWarning(jsii.String("*"), nag) {
					//lint:ignore SA1019 the Go binding's SynthesisMessage has no other way to its Id and Entry
					t.Errorf("%s: cdk-nag warning at %s: %v", *st.StackName(), *m.Id, m.Entry.Data)
				}
				// Every suppression carries its own written reason.
				for id, r := range templateOf(t, st).Resources {
					nagMeta, _ := r.Metadata["cdk_nag"].(map[string]any)
					rules, _ := nagMeta["rules_to_suppress"].([]any)
					for _, rule := range rules {
						rule := rule.(map[string]any)
						reason, _ := rule["reason"].(string)
						if len(reason) < 60 {
							t.Errorf("%s/%s: suppression of %v has reason %q: say specifically why", *st.StackName(), id, rule["id"], reason)
						}
						if applies, _ := rule["applies_to"].([]any); rule["id"] == "AwsSolutions-IAM5" && len(applies) == 0 {
							t.Errorf("%s/%s: IAM5 suppression without applies_to hides every wildcard", *st.StackName(), id)
						}
					}
				}
			}
		})
	}
}
