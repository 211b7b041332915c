package orgsim

// The drift check: every response the simulator sends is checked, member by
// member, against the shapes the SDK itself was generated from (the
// service modules' schemas packages), and every request the SDK can send
// (the request snapshots shipped in the service modules) is checked against
// what the simulator reads. The checker is first run on the SDK's own
// response snapshots, so it is known to accept AWS's real shapes.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgschemas "github.com/aws/aws-sdk-go-v2/service/configservice/schemas"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgschemas "github.com/aws/aws-sdk-go-v2/service/organizations/schemas"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sesschemas "github.com/aws/aws-sdk-go-v2/service/sesv2/schemas"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	stsschemas "github.com/aws/aws-sdk-go-v2/service/sts/schemas"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/traits"
)

// served lists every operation the simulator serves with the module whose
// snapshots describe it and the output shape the SDK decodes.
var served = []struct {
	service, op, module string
	output              *smithy.Schema
	// accepted are the request members the simulator reads, and those it
	// accepts and knowingly ignores (with why). Every member a request
	// snapshot sends must be here, and every name here must be a member of
	// the SDK's input shape.
	accepted map[string]string
}{
	{"organizations", "ListRoots", "organizations", orgschemas.ListRootsResponse, orgPaging},
	{"organizations", "ListChildren", "organizations", orgschemas.ListChildrenResponse, withPaging(orgPaging, "ParentId", "read", "ChildType", "read")},
	{"organizations", "ListOrganizationalUnitsForParent", "organizations", orgschemas.ListOrganizationalUnitsForParentResponse, withPaging(orgPaging, "ParentId", "read")},
	{"organizations", "ListAccounts", "organizations", orgschemas.ListAccountsResponse, orgPaging},
	{"organizations", "ListAccountsForParent", "organizations", orgschemas.ListAccountsForParentResponse, withPaging(orgPaging, "ParentId", "read")},
	{"organizations", "DescribeOrganizationalUnit", "organizations", orgschemas.DescribeOrganizationalUnitResponse, map[string]string{"OrganizationalUnitId": "read"}},
	{"organizations", "ListTagsForResource", "organizations", orgschemas.ListTagsForResourceResponse, map[string]string{"ResourceId": "read", "NextToken": "read"}},
	{"organizations", "DescribeOrganization", "organizations", orgschemas.DescribeOrganizationResponse, map[string]string{}},
	{"sts", "AssumeRole", "sts", stsschemas.AssumeRoleResponse, map[string]string{
		"Action": "read", "Version": "read", "RoleArn": "read", "RoleSessionName": "read", "ExternalId": "read", "DurationSeconds": "read",
		"Policy": "ignored: session policies are not modeled", "PolicyArns": "ignored: session policies are not modeled",
		"Tags": "ignored: session tags are not modeled", "TransitiveTagKeys": "ignored: session tags are not modeled",
		"SerialNumber": "ignored: MFA is not modeled", "TokenCode": "ignored: MFA is not modeled",
		"SourceIdentity": "ignored", "ProvidedContexts": "ignored", "MinimumSessionTokenSize": "ignored: tokens are always long enough",
	}},
	{"sts", "GetCallerIdentity", "sts", stsschemas.GetCallerIdentityResponse, map[string]string{"Action": "read", "Version": "read"}},
	{"config", "DescribeConfigurationRecorders", "configservice", cfgschemas.DescribeConfigurationRecordersResponse, recorderFields},
	{"config", "DescribeConfigurationRecorderStatus", "configservice", cfgschemas.DescribeConfigurationRecorderStatusResponse, recorderFields},
	{"config", "DescribeConfigRules", "configservice", cfgschemas.DescribeConfigRulesResponse, map[string]string{"ConfigRuleNames": "read", "NextToken": "read", "Filters": "EvaluationMode read (every rule is DETECTIVE); RuleEvaluationVisibility ignored"}},
	{"config", "DescribeComplianceByConfigRule", "configservice", cfgschemas.DescribeComplianceByConfigRuleResponse, map[string]string{"ConfigRuleNames": "read", "ComplianceTypes": "read", "NextToken": "read"}},
	{"config", "GetComplianceDetailsByConfigRule", "configservice", cfgschemas.GetComplianceDetailsByConfigRuleResponse, map[string]string{"ConfigRuleName": "read", "ComplianceTypes": "read", "Limit": "read", "NextToken": "read"}},
	{"config", "DescribeConfigRuleEvaluationStatus", "configservice", cfgschemas.DescribeConfigRuleEvaluationStatusResponse, map[string]string{"ConfigRuleNames": "read", "Limit": "read", "NextToken": "read"}},
	{"config", "DescribeConformancePacks", "configservice", cfgschemas.DescribeConformancePacksResponse, map[string]string{"ConformancePackNames": "read", "Limit": "read", "NextToken": "read"}},
	{"config", "BatchGetResourceConfig", "configservice", cfgschemas.BatchGetResourceConfigResponse, map[string]string{"resourceKeys": "read"}},
	{"ses", "SendEmail", "sesv2", sesschemas.SendEmailResponse, map[string]string{
		"FromEmailAddress": "read", "Destination": "read", "Content": "read (Simple, Raw; Template is refused)",
		"ReplyToAddresses": "ignored", "FromEmailAddressIdentityArn": "ignored", "FeedbackForwardingEmailAddress": "ignored",
		"FeedbackForwardingEmailAddressIdentityArn": "ignored", "ConfigurationSetName": "ignored", "EmailTags": "ignored",
		"ListManagementOptions": "ignored", "ConfigurationOverrides": "ignored", "EndpointId": "ignored", "TenantName": "ignored",
	}},
	{"ses", "GetAccount", "sesv2", sesschemas.GetAccountResponse, map[string]string{}},
	{"ses", "GetEmailIdentity", "sesv2", sesschemas.GetEmailIdentityResponse, map[string]string{"EmailIdentity": "read (the path)"}},
}

var (
	orgPaging      = map[string]string{"MaxResults": "read", "NextToken": "read"}
	recorderFields = map[string]string{"ConfigurationRecorderNames": "read", "Arn": "ignored: one recorder per region", "ServicePrincipal": "ignored: no service-linked recorders"}
)

func withPaging(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// enumValues are the values the SDK knows for each enum shape the simulator
// sends. An enum shape missing here fails the check, so a new one is noticed.
var enumValues = map[string][]string{
	"com.amazonaws.configservice#ComplianceType":                vals(cfgtypes.ComplianceType("").Values()),
	"com.amazonaws.configservice#ConfigRuleState":               vals(cfgtypes.ConfigRuleState("").Values()),
	"com.amazonaws.configservice#Owner":                         vals(cfgtypes.Owner("").Values()),
	"com.amazonaws.configservice#EvaluationMode":                vals(cfgtypes.EvaluationMode("").Values()),
	"com.amazonaws.configservice#EventSource":                   vals(cfgtypes.EventSource("").Values()),
	"com.amazonaws.configservice#MessageType":                   vals(cfgtypes.MessageType("").Values()),
	"com.amazonaws.configservice#RecorderStatus":                vals(cfgtypes.RecorderStatus("").Values()),
	"com.amazonaws.configservice#ConfigurationItemStatus":       vals(cfgtypes.ConfigurationItemStatus("").Values()),
	"com.amazonaws.configservice#RecordingFrequency":            vals(cfgtypes.RecordingFrequency("").Values()),
	"com.amazonaws.configservice#RecordingStrategyType":         vals(cfgtypes.RecordingStrategyType("").Values()),
	"com.amazonaws.configservice#RecordingScope":                vals(cfgtypes.RecordingScope("").Values()),
	"com.amazonaws.configservice#MaximumExecutionFrequency":     vals(cfgtypes.MaximumExecutionFrequency("").Values()),
	"com.amazonaws.configservice#ConformancePackComplianceType": vals(cfgtypes.ConformancePackComplianceType("").Values()),
	"com.amazonaws.configservice#RuleEvaluationVisibility":      vals(cfgtypes.RuleEvaluationVisibility("").Values()),
	// The SDK's ResourceType enum stopped growing while Config kept adding
	// types (AWS::Logs::LogGroup is recorded but not listed): any string.
	"com.amazonaws.configservice#ResourceType":                nil,
	"com.amazonaws.organizations#AccountState":                vals(orgtypes.AccountState("").Values()),
	"com.amazonaws.organizations#AccountStatus":               vals(orgtypes.AccountStatus("").Values()),
	"com.amazonaws.organizations#AccountJoinedMethod":         vals(orgtypes.AccountJoinedMethod("").Values()),
	"com.amazonaws.organizations#ChildType":                   vals(orgtypes.ChildType("").Values()),
	"com.amazonaws.organizations#PolicyType":                  vals(orgtypes.PolicyType("").Values()),
	"com.amazonaws.organizations#PolicyTypeStatus":            vals(orgtypes.PolicyTypeStatus("").Values()),
	"com.amazonaws.organizations#OrganizationFeatureSet":      vals(orgtypes.OrganizationFeatureSet("").Values()),
	"com.amazonaws.organizations#InvalidInputExceptionReason": vals(orgtypes.InvalidInputExceptionReason("").Values()),
	"com.amazonaws.organizations#TargetType":                  vals(orgtypes.TargetType("").Values()),
	"com.amazonaws.sesv2#ContentTransferEncoding":             vals(sestypes.AttachmentContentTransferEncoding("").Values()),
	"com.amazonaws.sesv2#IdentityType":                        vals(sestypes.IdentityType("").Values()),
	"com.amazonaws.sesv2#VerificationStatus":                  vals(sestypes.VerificationStatus("").Values()),
	// Members of GetAccount's and GetEmailIdentity's snapshots the simulator does not send.
	"com.amazonaws.sesv2#ContactLanguage":                       vals(sestypes.ContactLanguage("").Values()),
	"com.amazonaws.sesv2#MailType":                              vals(sestypes.MailType("").Values()),
	"com.amazonaws.sesv2#ReviewStatus":                          vals(sestypes.ReviewStatus("").Values()),
	"com.amazonaws.sesv2#SuppressionListReason":                 vals(sestypes.SuppressionListReason("").Values()),
	"com.amazonaws.sesv2#FeatureStatus":                         vals(sestypes.FeatureStatus("").Values()),
	"com.amazonaws.sesv2#SuppressionConfidenceVerdictThreshold": vals(sestypes.SuppressionConfidenceVerdictThreshold("").Values()),
	"com.amazonaws.sesv2#PricingPlan":                           vals(sestypes.PricingPlan("").Values()),
	"com.amazonaws.sesv2#DkimStatus":                            vals(sestypes.DkimStatus("").Values()),
	"com.amazonaws.sesv2#DkimSigningKeyLength":                  vals(sestypes.DkimSigningKeyLength("").Values()),
	"com.amazonaws.sesv2#DkimSigningAttributesOrigin":           vals(sestypes.DkimSigningAttributesOrigin("").Values()),
	"com.amazonaws.sesv2#BehaviorOnMxFailure":                   vals(sestypes.BehaviorOnMxFailure("").Values()),
	"com.amazonaws.sesv2#MailFromDomainStatus":                  vals(sestypes.MailFromDomainStatus("").Values()),
	"com.amazonaws.sesv2#VerificationError":                     vals(sestypes.VerificationError("").Values()),
}

func vals[T ~string](v []T) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

// checker walks a decoded response against a schema and collects problems.
type checker struct {
	restJSON bool // member names may be renamed by jsonName
	problems []string
}

func (c *checker) fail(path, format string, args ...any) {
	c.problems = append(c.problems, path+": "+fmt.Sprintf(format, args...))
}

func memberByWireName(s *smithy.Schema, name string, restJSON bool) *smithy.Schema {
	for n, m := range s.Members() {
		wire := n
		if jn, ok := smithy.SchemaTrait[*traits.JSONName](m); ok && restJSON {
			wire = jn.Name
		}
		if wire == name {
			return m
		}
	}
	return nil
}

func (c *checker) json(path string, v any, s *smithy.Schema) {
	switch s.Type() {
	case smithy.ShapeTypeStructure, smithy.ShapeTypeUnion:
		m, ok := v.(map[string]any)
		if !ok {
			c.fail(path, "got %T, want an object", v)
			return
		}
		for k, val := range m {
			mem := memberByWireName(s, k, c.restJSON)
			if mem == nil {
				c.fail(path+"."+k, "no such member in %s", s.ID().Name+s.TargetID().Name)
				continue
			}
			c.json(path+"."+k, val, mem)
		}
	case smithy.ShapeTypeList, smithy.ShapeTypeSet:
		l, ok := v.([]any)
		if !ok {
			c.fail(path, "got %T, want an array", v)
			return
		}
		for i, e := range l {
			c.json(fmt.Sprintf("%s[%d]", path, i), e, s.ListMember())
		}
	case smithy.ShapeTypeMap:
		m, ok := v.(map[string]any)
		if !ok {
			c.fail(path, "got %T, want an object", v)
			return
		}
		for k, e := range m {
			c.json(path+"."+k, e, s.MapValue())
		}
	case smithy.ShapeTypeString, smithy.ShapeTypeBlob:
		if _, ok := v.(string); !ok {
			c.fail(path, "got %T, want a string", v)
		}
	case smithy.ShapeTypeEnum:
		str, ok := v.(string)
		if !ok {
			c.fail(path, "got %T, want a string", v)
			return
		}
		c.enum(path, str, s)
	case smithy.ShapeTypeBoolean:
		if _, ok := v.(bool); !ok {
			c.fail(path, "got %T, want a boolean", v)
		}
	case smithy.ShapeTypeByte, smithy.ShapeTypeShort, smithy.ShapeTypeInteger, smithy.ShapeTypeLong, smithy.ShapeTypeIntEnum:
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			c.fail(path, "got %v, want an integer", v)
		}
	case smithy.ShapeTypeFloat, smithy.ShapeTypeDouble, smithy.ShapeTypeTimestamp:
		if _, ok := v.(json.Number); !ok {
			c.fail(path, "got %T, want a number (timestamps are epoch seconds in AWS JSON)", v)
		}
	case smithy.ShapeTypeDocument:
	default:
		c.fail(path, "unexpected shape type %v", s.Type())
	}
}

func (c *checker) enum(path, v string, s *smithy.Schema) {
	id := s.TargetID()
	if id.Name == "" {
		id = s.ID()
	}
	key := id.Namespace + "#" + id.Name
	values, known := enumValues[key]
	switch {
	case !known:
		c.fail(path, "enum %s is not in enumValues", key)
	case values != nil && !slices.Contains(values, v):
		c.fail(path, "%q is not a value of %s %v", v, key, values)
	}
}

// xmlNode is a parsed XML element.
type xmlNode struct {
	name     string
	text     string
	children []*xmlNode
}

func parseXML(data []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local}
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.children = append(top.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
}

func (c *checker) xml(path string, n *xmlNode, s *smithy.Schema) {
	switch s.Type() {
	case smithy.ShapeTypeStructure:
		for _, ch := range n.children {
			mem := s.Member(ch.name)
			if mem == nil {
				c.fail(path+"."+ch.name, "no such member")
				continue
			}
			c.xml(path+"."+ch.name, ch, mem)
		}
	case smithy.ShapeTypeList:
		for i, ch := range n.children {
			if ch.name != "member" {
				c.fail(path, "list element %q, want member", ch.name)
			}
			c.xml(fmt.Sprintf("%s[%d]", path, i), ch, s.ListMember())
		}
	case smithy.ShapeTypeTimestamp:
		if _, err := time.Parse(time.RFC3339, strings.TrimSpace(n.text)); err != nil {
			c.fail(path, "timestamp %q is not ISO 8601: %v", n.text, err)
		}
	case smithy.ShapeTypeInteger, smithy.ShapeTypeLong:
		if _, err := fmt.Sscan(n.text, new(int64)); err != nil {
			c.fail(path, "%q is not an integer", n.text)
		}
	case smithy.ShapeTypeString, smithy.ShapeTypeEnum:
		if len(n.children) > 0 {
			c.fail(path, "string has child elements")
		}
	default:
		c.fail(path, "unexpected shape type %v", s.Type())
	}
}

// checkResponse checks one response body against an operation's output shape.
func checkResponse(service, op string, body []byte, output *smithy.Schema) []string {
	c := &checker{restJSON: service == "ses"}
	if service == "sts" {
		root, err := parseXML(body)
		if err != nil {
			return []string{fmt.Sprintf("%s: %v", op, err)}
		}
		if root == nil || root.name != op+"Response" {
			return []string{fmt.Sprintf("%s: root element %v, want %sResponse", op, root, op)}
		}
		for _, ch := range root.children {
			switch ch.name {
			case op + "Result":
				c.xml(op+"Result", ch, output)
			case "ResponseMetadata":
			default:
				c.fail(op, "unexpected element %s", ch.name)
			}
		}
		return c.problems
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return []string{fmt.Sprintf("%s: %v", op, err)}
	}
	c.json(op, v, output)
	return c.problems
}

// snapshot is a request or response fixture from a service module.
type snapshot struct {
	first  string // request line or status
	header http.Header
	body   []byte
}

func moduleDir(t *testing.T, module string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2/service/"+module).Output()
	if err != nil {
		t.Fatalf("locate the %s module: %v", module, err)
	}
	return strings.TrimSpace(string(out))
}

var moduleDirs sync.Map

func readSnapshot(t *testing.T, module, kind, op string) snapshot {
	t.Helper()
	dir, ok := moduleDirs.Load(module)
	if !ok {
		dir = moduleDir(t, module)
		moduleDirs.Store(module, dir)
	}
	raw, err := os.ReadFile(filepath.Join(dir.(string), kind+"_snapshot", op+"."+kind+".snap"))
	if err != nil {
		t.Fatalf("read the %s %s snapshot of %s: %v", module, kind, op, err)
	}
	r := bufio.NewReader(bytes.NewReader(raw))
	first, _ := r.ReadString('\n')
	s := snapshot{first: strings.TrimSpace(first), header: http.Header{}}
	if kind == "request" { // "METHOD PATH", a blank line, headers, a blank line, body
		r.ReadString('\n')
	}
	for {
		line, err := r.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		k, v, _ := strings.Cut(line, ": ")
		s.header.Add(k, v)
		if err != nil {
			break
		}
	}
	s.body, _ = io.ReadAll(r)
	return s
}

// TestDriftCheckerAcceptsSnapshots runs the checker on the SDK's own response
// snapshots: if it rejected AWS's shapes, its verdicts on ours would be void.
func TestDriftCheckerAcceptsSnapshots(t *testing.T) {
	for _, op := range served {
		snap := readSnapshot(t, op.module, "response", op.op)
		for _, p := range checkResponse(op.service, op.op, snap.body, op.output) {
			t.Errorf("%s snapshot: %s", op.op, p)
		}
	}
	// And it does reject what does not fit.
	bad := []byte(`{"Accounts":[{"Id":"1","Colour":"blue","JoinedTimestamp":"yesterday"}]}`)
	if got := checkResponse("organizations", "ListAccounts", bad, orgschemas.ListAccountsResponse); len(got) != 2 {
		t.Errorf("checker found %q in a response with an unknown member and a string timestamp, want 2 problems", got)
	}
}

// exchange is one recorded request and response.
type exchange struct {
	service, op string
	status      int
	header      http.Header
	body        []byte
}

type recorder struct {
	mu  sync.Mutex
	got []exchange
}

func (rec *recorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc, _ := parseScope(r)
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		op := ""
		switch sc.service {
		case "sts":
			v, _ := url.ParseQuery(string(body))
			op = v.Get("Action")
		case "ses":
			op = "SendEmail"
			if o := sesAccountOperation(r); o != "" {
				op = o
			}
		default:
			_, op, _ = strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		}
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, r)
		rec.mu.Lock()
		rec.got = append(rec.got, exchange{sc.service, op, rw.Code, rw.Header(), rw.Body.Bytes()})
		rec.mu.Unlock()
		for k, v := range rw.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rw.Code)
		w.Write(rw.Body.Bytes())
	})
}

// tour calls every served operation through the real clients.
func tour(t *testing.T, org *Org, cfgFor func(principal, region string) aws.Config) {
	t.Helper()
	ctx := t.Context()
	a := healthyAccount(t, org)
	scanner := cfgFor(org.HubRoleARN(org.Spec.ScannerRoleName), "eu-west-1")
	read := assumed(scanner, org.RoleARN(a.ID, org.Spec.ReadRoleName))
	orgs := organizations.NewFromConfig(assumed(cfgFor(org.HubRoleARN(org.Spec.ListerRoleName), "us-east-1"), org.RoleARN(org.ManagementAccountID, org.Spec.OrgRoleName)))
	cfg := configservice.NewFromConfig(read)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sts.NewFromConfig(read).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	must(orgs.ListRoots(ctx, &organizations.ListRootsInput{}))
	must(orgs.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(3)}))
	must(orgs.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: &org.OUs[0].ID}))
	must(orgs.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: &org.RootID, ChildType: orgtypes.ChildTypeOrganizationalUnit}))
	must(orgs.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &org.RootID}))
	must(orgs.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: &org.OUs[0].ID}))
	must(orgs.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: &a.ID}))
	must(orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}))
	must(cfg.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{}))
	must(cfg.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{}))
	must(cfg.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{}))
	must(cfg.DescribeComplianceByConfigRule(ctx, &configservice.DescribeComplianceByConfigRuleInput{}))
	must(cfg.DescribeConfigRuleEvaluationStatus(ctx, &configservice.DescribeConfigRuleEvaluationStatusInput{}))
	must(cfg.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{}))
	var keys []cfgtypes.ResourceKey
	for _, r := range a.RegionConfig("eu-west-1").Rules {
		if r.Compliance == NonCompliant {
			must(cfg.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: &r.Name, Limit: 100}))
			for _, res := range r.NonCompliant {
				if len(keys) < 100 && validResourceType(res.Type) {
					keys = append(keys, cfgtypes.ResourceKey{ResourceType: cfgtypes.ResourceType(res.Type), ResourceId: aws.String(res.ID)})
				}
			}
		}
	}
	must(cfg.BatchGetResourceConfig(ctx, &configservice.BatchGetResourceConfigInput{ResourceKeys: keys}))
	ses := sesv2.NewFromConfig(cfgFor(org.HubRoleARN(org.Spec.FormatterRoleName), "eu-west-1"))
	must(ses.GetAccount(ctx, &sesv2.GetAccountInput{}))
	must(ses.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String("example.com")}))
	must(ses.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("r@example.com"),
		Destination: &sestypes.Destination{ToAddresses: []string{"a@example.com"}},
		Content:     &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("s")}, Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("b")}}}}}))
}

// TestResponsesMatchSDKShapes records every response of a tour over all
// operations (with enough non-compliance that every member gets filled) and
// checks each against the SDK's shapes, and its status and content type
// against the module's response snapshot.
func TestResponsesMatchSDKShapes(t *testing.T) {
	org := Generate(permissive(Spec{Seed: 61, Accounts: 10, NonCompliantShare: 0.6, EvaluationErrorShare: 0.2, ConformancePacks: 2}))
	srv := New(org)
	srv.SetSES(org.HubAccountID, "eu-west-1", SESAccount{Identities: map[string]string{"example.com": "SUCCESS"}})
	rec := &recorder{}
	ts := httptest.NewServer(rec.wrap(srv.Handler()))
	t.Cleanup(ts.Close)
	tour(t, org, func(principal, region string) aws.Config {
		cfg := aws.Config{Region: region, Credentials: srv.Credentials(principal), BaseEndpoint: aws.String(ts.URL), Retryer: retryer(1)}
		return cfg
	})

	seen := map[string]bool{}
	for _, ex := range rec.got {
		i := slices.IndexFunc(served, func(s struct {
			service, op, module string
			output              *smithy.Schema
			accepted            map[string]string
		}) bool {
			return s.service == ex.service && s.op == ex.op
		})
		if i < 0 {
			t.Errorf("recorded %s:%s, which is not in served", ex.service, ex.op)
			continue
		}
		op := served[i]
		seen[op.service+":"+op.op] = true
		if ex.status != http.StatusOK {
			t.Errorf("%s: HTTP %d: %s", op.op, ex.status, ex.body)
			continue
		}
		for _, p := range checkResponse(op.service, op.op, ex.body, op.output) {
			t.Errorf("%s", p)
		}
		snap := readSnapshot(t, op.module, "response", op.op)
		if got, want := mediaType(ex.header.Get("Content-Type")), mediaType(snap.header.Get("Content-Type")); got != want && !(strings.HasSuffix(got, "xml") && strings.HasSuffix(want, "xml")) {
			t.Errorf("%s: Content-Type %q, snapshot has %q", op.op, got, want)
		}
		if snap.first != "200" {
			t.Errorf("%s: snapshot status %q", op.op, snap.first)
		}
	}
	for _, op := range served {
		if !seen[op.service+":"+op.op] {
			t.Errorf("the tour did not call %s:%s", op.service, op.op)
		}
	}
}

func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.TrimSpace(mt)
}

// TestRequestSnapshotsAreUnderstood checks every member the SDK can send is
// one the simulator reads or knowingly ignores, that those names exist in the
// SDK's input shapes, and that the simulator parses the full snapshot request
// without a serialization error.
func TestRequestSnapshotsAreUnderstood(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 62, Accounts: 4})
	creds, err := srv.Credentials(org.RoleARN(org.ManagementAccountID, org.Spec.OrgRoleName)).Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	inputs := map[string]*smithy.Schema{}
	for _, s := range []map[string]*smithy.Schema{
		{"ListRoots": orgschemas.ListRootsRequest, "ListChildren": orgschemas.ListChildrenRequest, "ListOrganizationalUnitsForParent": orgschemas.ListOrganizationalUnitsForParentRequest,
			"ListAccounts": orgschemas.ListAccountsRequest, "ListAccountsForParent": orgschemas.ListAccountsForParentRequest, "DescribeOrganizationalUnit": orgschemas.DescribeOrganizationalUnitRequest,
			"ListTagsForResource": orgschemas.ListTagsForResourceRequest},
		{"AssumeRole": stsschemas.AssumeRoleRequest, "GetCallerIdentity": stsschemas.GetCallerIdentityRequest},
		{"DescribeConfigurationRecorders": cfgschemas.DescribeConfigurationRecordersRequest, "DescribeConfigurationRecorderStatus": cfgschemas.DescribeConfigurationRecorderStatusRequest,
			"DescribeConfigRules": cfgschemas.DescribeConfigRulesRequest, "DescribeComplianceByConfigRule": cfgschemas.DescribeComplianceByConfigRuleRequest,
			"GetComplianceDetailsByConfigRule": cfgschemas.GetComplianceDetailsByConfigRuleRequest, "DescribeConfigRuleEvaluationStatus": cfgschemas.DescribeConfigRuleEvaluationStatusRequest,
			"DescribeConformancePacks": cfgschemas.DescribeConformancePacksRequest, "BatchGetResourceConfig": cfgschemas.BatchGetResourceConfigRequest},
		{"SendEmail": sesschemas.SendEmailRequest, "GetAccount": sesschemas.GetAccountRequest, "GetEmailIdentity": sesschemas.GetEmailIdentityRequest},
	} {
		for k, v := range s {
			inputs[k] = v
		}
	}
	for _, op := range served {
		t.Run(op.op, func(t *testing.T) {
			snap := readSnapshot(t, op.module, "request", op.op)
			var sent []string
			if op.service == "sts" {
				v, err := url.ParseQuery(string(snap.body))
				if err != nil {
					t.Fatal(err)
				}
				for k := range v {
					top, _, _ := strings.Cut(k, ".")
					if !slices.Contains(sent, top) {
						sent = append(sent, top)
					}
				}
			} else {
				var m map[string]json.RawMessage
				if len(bytes.TrimSpace(snap.body)) > 0 {
					if err := json.Unmarshal(snap.body, &m); err != nil {
						t.Fatal(err)
					}
				}
				for k := range m {
					sent = append(sent, k)
				}
			}
			for _, k := range sent {
				if _, ok := op.accepted[k]; !ok {
					t.Errorf("the SDK sends %s, which the simulator neither reads nor knowingly ignores", k)
				}
			}
			if in := inputs[op.op]; in != nil {
				for k := range op.accepted {
					if k != "Action" && k != "Version" && in.Member(k) == nil {
						t.Errorf("accepted member %s is not in the SDK's %s input", k, op.op)
					}
				}
			}

			method, path, _ := strings.Cut(snap.first, " ")
			req, err := http.NewRequestWithContext(t.Context(), method, srv.URL()+path, bytes.NewReader(snap.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range snap.header {
				req.Header[k] = v
			}
			service := map[string]string{"organizations": "organizations", "sts": "sts", "configservice": "config", "sesv2": "ses"}[op.module]
			req.Header.Set("Authorization", fmt.Sprintf("AWS4-HMAC-SHA256 Credential=%s/20261130/us-east-1/%s/aws4_request, SignedHeaders=host, Signature=0", creds.AccessKeyID, service))
			req.Header.Set("X-Amz-Security-Token", creds.SessionToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 || bytes.Contains(body, []byte("SerializationException")) || bytes.Contains(body, []byte("UnknownOperation")) {
				t.Errorf("the snapshot request got HTTP %d: %s", resp.StatusCode, body)
			}
		})
	}
}

// TestErrorsMatchSDKShapes provokes the errors the simulator sends and checks
// each body: the code is in __type (JSON) or Error/Code (XML), and for a
// modeled error every other member is a member of the SDK's error shape (so
// Message/message and Reason land where the SDK reads them).
func TestErrorsMatchSDKShapes(t *testing.T) {
	org := Generate(permissive(Spec{Seed: 63, Accounts: 6, SCPDeniedRegion: "none"}))
	srv := New(org)
	rec := &recorder{}
	ts := httptest.NewServer(rec.wrap(srv.Handler()))
	t.Cleanup(ts.Close)
	ctx := t.Context()
	cfgFor := func(principal, region string) aws.Config {
		return aws.Config{Region: region, Credentials: srv.Credentials(principal), BaseEndpoint: aws.String(ts.URL), Retryer: retryer(1)}
	}
	a := healthyAccount(t, org)
	scanner := cfgFor(org.HubRoleARN(org.Spec.ScannerRoleName), "eu-west-1")
	cfg := configservice.NewFromConfig(assumed(scanner, org.RoleARN(a.ID, org.Spec.ReadRoleName)))
	orgs := organizations.NewFromConfig(assumed(cfgFor(org.HubRoleARN(org.Spec.ListerRoleName), "us-east-1"), org.RoleARN(org.ManagementAccountID, org.Spec.OrgRoleName)))
	member := organizations.NewFromConfig(scanner)
	stsc := sts.NewFromConfig(scanner)
	ses := sesv2.NewFromConfig(cfgFor(org.HubRoleARN(org.Spec.FormatterRoleName), "eu-west-1"))

	calls := []func() error{
		func() error {
			_, err := cfg.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: aws.String("none")})
			return err
		},
		func() error {
			_, err := cfg.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{Limit: 99})
			return err
		},
		func() error {
			_, err := cfg.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{NextToken: aws.String("x")})
			return err
		},
		func() error {
			_, err := cfg.DescribeConfigRuleEvaluationStatus(ctx, &configservice.DescribeConfigRuleEvaluationStatusInput{Limit: 99})
			return err
		},
		func() error {
			_, err := orgs.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(99)})
			return err
		},
		func() error {
			_, err := orgs.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String("ou-zzzz-zzzzzzzz")})
			return err
		},
		func() error {
			_, err := member.ListAccounts(ctx, &organizations.ListAccountsInput{})
			return err
		},
		func() error {
			_, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(org.RoleARN(a.ID, "missing")), RoleSessionName: aws.String("scan")})
			return err
		},
		func() error {
			_, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{Content: &sestypes.EmailContent{}})
			return err
		},
	}
	for _, c := range calls {
		if err := c(); err == nil {
			t.Fatal("a call meant to fail succeeded")
		}
	}
	srv.SetFaults(Faults{Throttle: map[string]float64{"*": 1}})
	for _, c := range calls[:1] {
		c()
	}
	orgs.ListRoots(ctx, &organizations.ListRootsInput{})
	stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	srv.SetFaults(Faults{ServerErrors: map[string]float64{"*": 1}})
	orgs.ListRoots(ctx, &organizations.ListRootsInput{})

	registries := map[string]*smithy.TypeRegistry{
		"config": configservice.TypeRegistry, "organizations": organizations.TypeRegistry, "ses": sesv2.TypeRegistry, "sts": sts.TypeRegistry,
	}
	namespaces := map[string]string{"config": "com.amazonaws.configservice", "organizations": "com.amazonaws.organizations", "ses": "com.amazonaws.sesv2", "sts": "com.amazonaws.sts"}
	modeled := 0
	codes := map[string]bool{}
	for _, ex := range rec.got {
		if ex.status < 400 {
			continue
		}
		var code string
		var members []string
		if ex.service == "sts" {
			root, err := parseXML(ex.body)
			if err != nil || root.name != "ErrorResponse" || len(root.children) != 2 || root.children[0].name != "Error" || root.children[1].name != "RequestId" {
				t.Errorf("STS error body %s is not <ErrorResponse><Error/><RequestId/></ErrorResponse>", ex.body)
				continue
			}
			for _, ch := range root.children[0].children {
				switch ch.name {
				case "Code":
					code = ch.text
				case "Type", "Message":
				default:
					t.Errorf("STS error element %s", ch.name)
				}
			}
		} else {
			var m map[string]any
			if err := json.Unmarshal(ex.body, &m); err != nil {
				t.Errorf("%s:%s error body %s: %v", ex.service, ex.op, ex.body, err)
				continue
			}
			code, _ = m["__type"].(string)
			if ex.service == "ses" {
				code = ex.header.Get("X-Amzn-Errortype")
			}
			for k := range m {
				if k != "__type" {
					members = append(members, k)
				}
			}
		}
		codes[code] = true
		entry, ok := registries[ex.service].Entries[namespaces[ex.service]+"#"+code]
		if !ok {
			continue // not modeled: the SDK reads code and message only
		}
		modeled++
		for _, k := range members {
			if entry.Schema.Member(k) == nil {
				t.Errorf("%s:%s %s: member %s is not in the SDK's error shape", ex.service, ex.op, code, k)
			}
		}
	}
	for _, want := range []string{"NoSuchConfigRuleException", "InvalidLimitException", "InvalidNextTokenException", "ValidationException",
		"InvalidInputException", "ParentNotFoundException", "AccessDeniedException", "AccessDenied", "BadRequestException",
		"ThrottlingException", "TooManyRequestsException", "Throttling"} {
		if !codes[want] {
			t.Errorf("no %s was provoked (got %v)", want, codes)
		}
	}
	if modeled < 6 {
		t.Errorf("only %d modeled errors were checked", modeled)
	}
}
