package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
)

// tmpl is a synthesized CloudFormation template, decoded.
type tmpl struct {
	Resources map[string]resource
}

type resource struct {
	Type       string
	Properties map[string]any
	Metadata   map[string]any
}

// templateOf synthesizes stack and decodes its template.
func templateOf(t *testing.T, stack awscdk.Stack) tmpl {
	t.Helper()
	return decodeTemplate(t, assertions.Template_FromStack(stack, nil).ToJSON())
}

func decodeTemplate(t *testing.T, v any) tmpl {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out tmpl
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// ofType returns the resources of one type by logical ID.
func (tp tmpl) ofType(typ string) map[string]resource {
	out := make(map[string]resource)
	for id, r := range tp.Resources {
		if r.Type == typ {
			out[id] = r
		}
	}
	return out
}

// one returns the only resource of typ, failing otherwise.
func (tp tmpl) one(t *testing.T, typ string) (string, resource) {
	t.Helper()
	rs := tp.ofType(typ)
	if len(rs) != 1 {
		t.Fatalf("template has %d %s resources, want 1", len(rs), typ)
	}
	for id, r := range rs {
		return id, r
	}
	panic("unreachable")
}

// byProp returns the resource of typ whose property prop equals value.
func (tp tmpl) byProp(t *testing.T, typ, prop string, value any) (string, resource) {
	t.Helper()
	for id, r := range tp.ofType(typ) {
		if fmt.Sprint(r.Properties[prop]) == fmt.Sprint(value) {
			return id, r
		}
	}
	t.Fatalf("no %s with %s = %v", typ, prop, value)
	panic("unreachable")
}

// flat renders a CloudFormation value with intrinsics as a string, the way
// cdk-nag names them: {"Fn::GetAtt": ["X", "Arn"]} → "<X.Arn>",
// {"Ref": "X"} → "<X>", and Fn::Join concatenated. Other values are
// rendered as JSON with their intrinsics flattened.
func flat(v any) string {
	if s, ok := flatten(v).(string); ok {
		return s
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(flatten(v))
	return strings.TrimSuffix(b.String(), "\n")
}

func flatten(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if ga, ok := v["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			return fmt.Sprintf("<%v.%v>", ga[0], ga[1])
		}
		if ref, ok := v["Ref"].(string); ok {
			return "<" + ref + ">"
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			parts, _ := join[1].([]any)
			s := make([]string, len(parts))
			for i, p := range parts {
				s[i] = flat(p)
			}
			return strings.Join(s, fmt.Sprint(join[0]))
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = flatten(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = flatten(e)
		}
		return out
	}
	return v
}

// flatList renders a string-or-list value as a sorted list of flat strings.
func flatList(v any) []string {
	var out []string
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		for _, e := range v {
			out = append(out, flat(e))
		}
	default:
		out = []string{flat(v)}
	}
	sort.Strings(out)
	return out
}

// statement is a policy statement with its values flattened.
type statement struct {
	Sid       string
	Effect    string
	Principal string
	Actions   []string
	Resources []string
	Condition string
}

func statements(doc any) []statement {
	m, _ := doc.(map[string]any)
	list, _ := m["Statement"].([]any)
	out := make([]statement, 0, len(list))
	for _, e := range list {
		s, _ := e.(map[string]any)
		st := statement{
			Sid:       fmt.Sprint(orEmpty(s["Sid"])),
			Effect:    fmt.Sprint(s["Effect"]),
			Actions:   flatList(s["Action"]),
			Resources: flatList(s["Resource"]),
		}
		if p, ok := s["Principal"]; ok {
			st.Principal = flat(p)
		}
		if c, ok := s["Condition"]; ok {
			st.Condition = flat(c)
		}
		out = append(out, st)
	}
	return out
}

func orEmpty(v any) any {
	if v == nil {
		return ""
	}
	return v
}

// rolePolicy returns every statement granted to the role with logical ID
// roleID: its inline policies and the AWS::IAM::Policy resources attached to it.
func (tp tmpl) rolePolicy(roleID string) []statement {
	var out []statement
	role := tp.Resources[roleID]
	if ps, ok := role.Properties["Policies"].([]any); ok {
		for _, p := range ps {
			out = append(out, statements(p.(map[string]any)["PolicyDocument"])...)
		}
	}
	for _, p := range tp.ofType("AWS::IAM::Policy") {
		for _, r := range flatList(p.Properties["Roles"]) {
			if r == "<"+roleID+">" {
				out = append(out, statements(p.Properties["PolicyDocument"])...)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Sid+strings.Join(out[i].Actions, ",") < out[j].Sid+strings.Join(out[j].Actions, ",")
	})
	return out
}

// allStatements returns every identity-policy statement of the template
// (inline role policies and AWS::IAM::Policy resources).
func (tp tmpl) allStatements() []statement {
	var out []statement
	for id := range tp.ofType("AWS::IAM::Role") {
		out = append(out, tp.rolePolicy(id)...)
	}
	return out
}

// roleByName returns the logical ID and resource of the role named name.
func (tp tmpl) roleByName(t *testing.T, name string) (string, resource) {
	t.Helper()
	return tp.byProp(t, "AWS::IAM::Role", "RoleName", name)
}

// trust returns a role's trust-policy statements.
func trust(r resource) []statement { return statements(r.Properties["AssumeRolePolicyDocument"]) }
