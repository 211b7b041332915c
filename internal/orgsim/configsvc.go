package orgsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
)

// Page sizes and limits of the Config operations the simulator serves.
const (
	// configRulesPageSize is how many rules DescribeConfigRules returns per
	// page; it takes no Limit. AWS does not document it; users of the API
	// report pages of 25 (aws/aws-sdk-go#3293).
	configRulesPageSize = 25
	// complianceByRulePageSize is DescribeComplianceByConfigRule's page size
	// (no Limit parameter; AWS does not document it): the same 25 as the
	// rules listing, which is also its cap on ConfigRuleNames.
	complianceByRulePageSize = 25
	// maxRuleNames is the most ConfigRuleNames a request may name.
	maxRuleNames = 25
	// complianceDetailsDefaultLimit and complianceDetailsMaxLimit bound
	// GetComplianceDetailsByConfigRule's Limit: "The default is 10. You cannot
	// specify a number greater than 100. If you specify 0, Config uses the
	// default."
	complianceDetailsDefaultLimit = 10
	complianceDetailsMaxLimit     = 100
	// evaluationStatusMaxLimit is DescribeConfigRuleEvaluationStatus's Limit
	// range maximum (0–50); 0 means 50.
	evaluationStatusMaxLimit = 50
	// conformancePacksMaxLimit is DescribeConformancePacks's Limit range
	// maximum (0–20); 0 means 20.
	conformancePacksMaxLimit = 20
	// batchGetMaxKeys is BatchGetResourceConfig's cap on resourceKeys.
	batchGetMaxKeys = 100
	// contributorCap is where ComplianceContributorCount stops counting.
	contributorCap = 100
)

type cfgInput struct {
	ConfigRuleNames            []string
	ConfigRuleName             string
	ComplianceTypes            []string
	ConformancePackNames       []string
	ConfigurationRecorderNames []string
	Arn                        string
	ServicePrincipal           string
	Filters                    struct{ EvaluationMode, RuleEvaluationVisibility string }
	Limit                      *int
	NextToken                  string
	ResourceKeys               []cfgResourceKey `json:"resourceKeys"`
}

type cfgResourceKey struct {
	ResourceType string `json:"resourceType"`
	ResourceID   string `json:"resourceId"`
}

func cfgError(code, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: msg}
}

func limitError(value, maximum int) *apiError {
	if value < 0 {
		return cfgError("ValidationException", fmt.Sprintf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 0", value))
	}
	return cfgError("ValidationException", fmt.Sprintf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", value, maximum))
}

func (s *Server) serveConfig(c *call) {
	var in cfgInput
	if e := decodeJSON(c.body, &in); e != nil {
		c.fail(e)
		return
	}
	rc := &RegionConfig{}
	if a := s.org.Account(c.p.account); a != nil {
		rc = s.org.regionConfig(a, c.region)
	}
	var e *apiError
	switch c.op {
	case "DescribeConfigurationRecorders":
		e = s.describeRecorders(c, &in, rc, false)
	case "DescribeConfigurationRecorderStatus":
		e = s.describeRecorders(c, &in, rc, true)
	case "DescribeConfigRules":
		e = s.describeConfigRules(c, &in, rc)
	case "DescribeComplianceByConfigRule":
		e = s.describeComplianceByConfigRule(c, &in, rc)
	case "GetComplianceDetailsByConfigRule":
		e = s.getComplianceDetails(c, &in, rc)
	case "DescribeConfigRuleEvaluationStatus":
		e = s.describeEvaluationStatus(c, &in, rc)
	case "DescribeConformancePacks":
		e = s.describeConformancePacks(c, &in, rc)
	case "BatchGetResourceConfig":
		e = s.batchGetResourceConfig(c, &in, rc)
	default:
		e = cfgError("UnknownOperationException", "orgsim does not implement config:"+c.op)
	}
	if e != nil {
		c.fail(e)
	}
}

type cfgRecorder struct {
	Arn              string         `json:"arn"`
	Name             string         `json:"name"`
	RoleARN          string         `json:"roleARN"`
	RecordingGroup   map[string]any `json:"recordingGroup"`
	RecordingMode    map[string]any `json:"recordingMode"`
	RecordingScope   string         `json:"recordingScope"`
	ServicePrincipal string         `json:"servicePrincipal,omitempty"`
}

type cfgRecorderStatus struct {
	Arn                  string `json:"arn"`
	Name                 string `json:"name"`
	LastStartTime        *epoch `json:"lastStartTime,omitempty"`
	LastStopTime         *epoch `json:"lastStopTime,omitempty"`
	Recording            bool   `json:"recording"`
	LastStatus           string `json:"lastStatus,omitempty"`
	LastErrorCode        string `json:"lastErrorCode,omitempty"`
	LastErrorMessage     string `json:"lastErrorMessage,omitempty"`
	LastStatusChangeTime *epoch `json:"lastStatusChangeTime,omitempty"`
	ServicePrincipal     string `json:"servicePrincipal,omitempty"`
}

// recorderARN returns a recorder's ARN:
// arn:aws:config:<region>:<account>:configuration-recorder/<name>/<id>.
func (s *Server) recorderARN(c *call, rec *Recorder) string {
	return fmt.Sprintf("arn:%s:config:%s:%s:configuration-recorder/%s/%s", s.org.Partition, c.region, c.p.account, rec.Name,
		fmt.Sprintf("%016x", hashOf(s.secret, "recorder", c.p.account, c.region, rec.Name))[:16])
}

// selectRecorders picks the recorders a Describe call names. With no
// argument it is the customer managed recorder only: "If a configuration
// recorder is not specified, this operation returns details for the
// customer managed configuration recorder configured for the account, if
// applicable." A service-linked one is named by ServicePrincipal or Arn;
// "you can only specify one configuration recorder".
func (s *Server) selectRecorders(c *call, in *cfgInput, rc *RegionConfig) ([]*Recorder, *apiError) {
	named := len(in.ConfigurationRecorderNames)
	if in.Arn != "" {
		named++
	}
	if in.ServicePrincipal != "" {
		named++
	}
	if named > 1 {
		return nil, cfgError("ValidationException", "You can only specify one configuration recorder. Specify one of ConfigurationRecorderNames, Arn or ServicePrincipal with a single value.")
	}
	all := make([]*Recorder, 0, 1+len(rc.ServiceLinkedRecorders))
	if rc.Recorder != nil {
		all = append(all, rc.Recorder)
	}
	for i := range rc.ServiceLinkedRecorders {
		all = append(all, &rc.ServiceLinkedRecorders[i])
	}
	find := func(match func(*Recorder) bool, what string) ([]*Recorder, *apiError) {
		for _, r := range all {
			if match(r) {
				return []*Recorder{r}, nil
			}
		}
		return nil, cfgError("NoSuchConfigurationRecorderException", fmt.Sprintf("Cannot find configuration recorder with the specified %s.", what))
	}
	switch {
	case len(in.ConfigurationRecorderNames) == 1:
		n := in.ConfigurationRecorderNames[0]
		return find(func(r *Recorder) bool { return r.Name == n }, fmt.Sprintf("name '%s'", n))
	case in.ServicePrincipal != "":
		return find(func(r *Recorder) bool { return r.ServicePrincipal == in.ServicePrincipal }, fmt.Sprintf("service principal '%s'", in.ServicePrincipal))
	case in.Arn != "":
		return find(func(r *Recorder) bool { return s.recorderARN(c, r) == in.Arn }, fmt.Sprintf("ARN '%s'", in.Arn))
	}
	if rc.Recorder == nil {
		return nil, nil
	}
	return []*Recorder{rc.Recorder}, nil
}

func (s *Server) describeRecorders(c *call, in *cfgInput, rc *RegionConfig, status bool) *apiError {
	recs, e := s.selectRecorders(c, in, rc)
	if e != nil {
		return e
	}
	if !status {
		out := []cfgRecorder{}
		for _, rec := range recs {
			w := cfgRecorder{
				Arn:     s.recorderARN(c, rec),
				Name:    rec.Name,
				RoleARN: rec.RoleARN,
				RecordingGroup: map[string]any{
					"allSupported":               true,
					"includeGlobalResourceTypes": c.region == "us-east-1",
					"resourceTypes":              []string{},
					"exclusionByResourceTypes":   map[string]any{"resourceTypes": []string{}},
					"recordingStrategy":          map[string]string{"useOnly": "ALL_SUPPORTED_RESOURCE_TYPES"},
				},
				RecordingMode:    map[string]any{"recordingFrequency": "CONTINUOUS", "recordingModeOverrides": []any{}},
				RecordingScope:   "PAID",
				ServicePrincipal: rec.ServicePrincipal,
			}
			if rec.ServicePrincipal != "" {
				// The linked service sets a service-linked recorder's scope
				// (PutServiceLinkedConfigurationRecorder).
				w.RecordingScope = "INTERNAL"
			}
			out = append(out, w)
		}
		writeJSON(c, map[string]any{"ConfigurationRecorders": out})
		return nil
	}
	out := []cfgRecorderStatus{}
	for _, rec := range recs {
		changed := rec.LastStartTime
		if rec.LastStopTime.After(changed) {
			changed = rec.LastStopTime
		}
		out = append(out, cfgRecorderStatus{
			Arn:                  s.recorderARN(c, rec),
			Name:                 rec.Name,
			LastStartTime:        ts(rec.LastStartTime),
			LastStopTime:         ts(rec.LastStopTime),
			Recording:            rec.Recording,
			LastStatus:           rec.LastStatus,
			LastErrorCode:        rec.LastErrorCode,
			LastErrorMessage:     rec.LastErrorMessage,
			LastStatusChangeTime: ts(changed),
			ServicePrincipal:     rec.ServicePrincipal,
		})
	}
	writeJSON(c, map[string]any{"ConfigurationRecordersStatus": out})
	return nil
}

// selectRules applies a ConfigRuleNames filter: every name must exist.
func selectRules(rc *RegionConfig, names []string) ([]*Rule, *apiError) {
	if len(names) > maxRuleNames {
		return nil, cfgError("ValidationException", fmt.Sprintf("1 validation error detected: Value at 'configRuleNames' failed to satisfy constraint: Member must have length less than or equal to %d", maxRuleNames))
	}
	var out []*Rule
	if len(names) == 0 {
		for i := range rc.Rules {
			out = append(out, &rc.Rules[i])
		}
		return out, nil
	}
	for _, n := range names {
		r := findRule(rc, n)
		if r == nil {
			return nil, cfgError("NoSuchConfigRuleException", fmt.Sprintf("The ConfigRule '%s' provided in the request is invalid. Please check the configRule name", n))
		}
		out = append(out, r)
	}
	return out, nil
}

func findRule(rc *RegionConfig, name string) *Rule {
	for i := range rc.Rules {
		if rc.Rules[i].Name == name {
			return &rc.Rules[i]
		}
	}
	return nil
}

func (s *Server) tokenOffset(c *call, token string, scopeParts ...string) (string, int, *apiError) {
	sc := tokenScope(c, scopeParts...)
	off, ok := s.decodeToken(sc, token)
	if !ok {
		return "", 0, cfgError("InvalidNextTokenException", "The nextToken provided is invalid")
	}
	return sc, off, nil
}

type cfgRuleWire struct {
	ConfigRuleArn   string
	ConfigRuleID    string `json:"ConfigRuleId"`
	ConfigRuleName  string
	ConfigRuleState string
	CreatedBy       string `json:",omitempty"`
	Description     string `json:",omitempty"`
	EvaluationModes []map[string]string
	InputParameters string
	Scope           map[string][]string
	Source          cfgSource
}

type cfgSource struct {
	Owner               string
	SourceIdentifier    string              `json:",omitempty"`
	SourceDetails       []map[string]string `json:",omitempty"`
	CustomPolicyDetails map[string]any      `json:",omitempty"`
}

func (s *Server) describeConfigRules(c *call, in *cfgInput, rc *RegionConfig) *apiError {
	rules, e := selectRules(rc, in.ConfigRuleNames)
	if e != nil {
		return e
	}
	switch m := in.Filters.EvaluationMode; m {
	case "":
	case "DETECTIVE", "PROACTIVE":
		rules = slices.DeleteFunc(slices.Clone(rules), func(r *Rule) bool { return !slices.Contains(r.modes(), m) })
	default:
		return cfgError("ValidationException", fmt.Sprintf("1 validation error detected: Value '%s' at 'filters.evaluationMode' failed to satisfy constraint: Member must satisfy enum value set: [DETECTIVE, PROACTIVE]", m))
	}
	sc, off, e := s.tokenOffset(c, in.NextToken, strings.Join(in.ConfigRuleNames, ","), in.Filters.EvaluationMode)
	if e != nil {
		return e
	}
	pg, next := page(s, sc, rules, off, configRulesPageSize)
	out := make([]cfgRuleWire, 0, len(pg))
	for _, r := range pg {
		w := cfgRuleWire{
			ConfigRuleArn:   r.ARN,
			ConfigRuleID:    r.ID,
			ConfigRuleName:  r.Name,
			ConfigRuleState: "ACTIVE",
			Description:     r.Description,
			EvaluationModes: evaluationModes(r),
			CreatedBy:       r.CreatedBy,
			InputParameters: "{}",
			Scope:           map[string][]string{"ComplianceResourceTypes": r.ResourceTypes},
			Source:          cfgSource{Owner: r.Owner, SourceIdentifier: r.SourceIdentifier},
		}
		if r.Owner != OwnerAWS {
			w.Source.SourceDetails = []map[string]string{{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}}
		}
		if r.Owner == OwnerCustomPolicy {
			w.Source.CustomPolicyDetails = map[string]any{
				"PolicyRuntime":          "guard-2.x.x",
				"PolicyText":             "rule check when resourceType == \"" + r.ResourceTypes[0] + "\" { configuration exists }",
				"EnableDebugLogDelivery": false,
			}
		}
		out = append(out, w)
	}
	writeJSON(c, struct {
		ConfigRules []cfgRuleWire
		NextToken   string `json:",omitempty"`
	}{out, next})
	return nil
}

// modes returns the rule's evaluation modes, DETECTIVE when none are set
// ("By default, the value is Detective evaluation mode only", ConfigRule).
func (r *Rule) modes() []string {
	if len(r.EvaluationModes) == 0 {
		return []string{"DETECTIVE"}
	}
	return r.EvaluationModes
}

func evaluationModes(r *Rule) []map[string]string {
	out := make([]map[string]string, 0, 1)
	for _, m := range r.modes() {
		out = append(out, map[string]string{"Mode": m})
	}
	return out
}

type cfgCompliance struct {
	ComplianceType             string
	ComplianceContributorCount *cfgContributors `json:",omitempty"`
}

type cfgContributors struct {
	CapExceeded bool
	CappedCount int
}

func ruleCompliance(r *Rule) cfgCompliance {
	out := cfgCompliance{ComplianceType: string(r.Compliance)}
	if r.Compliance == NonCompliant {
		n := len(r.NonCompliant)
		out.ComplianceContributorCount = &cfgContributors{CapExceeded: n > contributorCap, CappedCount: min(n, contributorCap)}
	}
	return out
}

func (s *Server) describeComplianceByConfigRule(c *call, in *cfgInput, rc *RegionConfig) *apiError {
	rules, e := selectRules(rc, in.ConfigRuleNames)
	if e != nil {
		return e
	}
	for _, t := range in.ComplianceTypes {
		if t != string(Compliant) && t != string(NonCompliant) && t != string(InsufficientData) {
			return cfgError("InvalidParameterValueException", fmt.Sprintf("The compliance type '%s' is not valid. Specify COMPLIANT, NON_COMPLIANT or INSUFFICIENT_DATA.", t))
		}
	}
	if len(in.ComplianceTypes) > 0 {
		rules = slices.DeleteFunc(rules, func(r *Rule) bool { return !slices.Contains(in.ComplianceTypes, string(r.Compliance)) })
	}
	sc, off, e := s.tokenOffset(c, in.NextToken, strings.Join(in.ConfigRuleNames, ","), strings.Join(in.ComplianceTypes, ","))
	if e != nil {
		return e
	}
	pg, next := page(s, sc, rules, off, complianceByRulePageSize)
	type item struct {
		ConfigRuleName string
		Compliance     cfgCompliance
	}
	out := make([]item, 0, len(pg))
	for _, r := range pg {
		out = append(out, item{ConfigRuleName: r.Name, Compliance: ruleCompliance(r)})
	}
	writeJSON(c, struct {
		ComplianceByConfigRules []item
		NextToken               string `json:",omitempty"`
	}{out, next})
	return nil
}

type cfgEvaluationResult struct {
	Annotation                 string `json:",omitempty"`
	ComplianceType             string
	ConfigRuleInvokedTime      *epoch
	EvaluationResultIdentifier struct {
		EvaluationResultQualifier struct {
			ConfigRuleName string
			EvaluationMode string
			ResourceID     string `json:"ResourceId"`
			ResourceType   string
		}
		OrderingTimestamp *epoch
	}
	ResultRecordedTime *epoch
}

type evaluated struct {
	res  *Resource
	kind ComplianceType
}

func (s *Server) getComplianceDetails(c *call, in *cfgInput, rc *RegionConfig) *apiError {
	if in.ConfigRuleName == "" {
		return cfgError("ValidationException", "1 validation error detected: Value null at 'configRuleName' failed to satisfy constraint: Member must not be null")
	}
	limit := complianceDetailsDefaultLimit
	if in.Limit != nil {
		switch n := *in.Limit; {
		case n < 0 || n > complianceDetailsMaxLimit:
			return limitError(n, complianceDetailsMaxLimit)
		case n > 0:
			limit = n
		}
	}
	kinds := []ComplianceType{NonCompliant, Compliant}
	if len(in.ComplianceTypes) > 0 {
		kinds = nil
		for _, t := range in.ComplianceTypes {
			switch ComplianceType(t) {
			case Compliant, NonCompliant, NotApplicable:
				kinds = append(kinds, ComplianceType(t))
			default:
				return cfgError("InvalidParameterValueException", fmt.Sprintf("The compliance type '%s' is not valid for filtering results. Specify COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE.", t))
			}
		}
	}
	r := findRule(rc, in.ConfigRuleName)
	if r == nil {
		return cfgError("NoSuchConfigRuleException", fmt.Sprintf("The ConfigRule '%s' provided in the request is invalid. Please check the configRule name", in.ConfigRuleName))
	}
	var all []evaluated
	if slices.Contains(kinds, NonCompliant) {
		for i := range r.NonCompliant {
			all = append(all, evaluated{&r.NonCompliant[i], NonCompliant})
		}
	}
	if slices.Contains(kinds, Compliant) {
		for i := range r.CompliantResources {
			all = append(all, evaluated{&r.CompliantResources[i], Compliant})
		}
	}
	sc, off, e := s.tokenOffset(c, in.NextToken, in.ConfigRuleName, strings.Join(in.ComplianceTypes, ","))
	if e != nil {
		return e
	}
	pg, next := page(s, sc, all, off, limit)
	out := make([]cfgEvaluationResult, 0, len(pg))
	for _, ev := range pg {
		// A resource a test added without a time was recorded at the rule's
		// last evaluation, or at the organization's reference time.
		at := ev.res.RecordedAt
		if at.IsZero() {
			at = r.LastEvaluatedAt
		}
		if at.IsZero() {
			at = s.org.Spec.Now
		}
		var w cfgEvaluationResult
		w.Annotation = ev.res.Annotation
		w.ComplianceType = string(ev.kind)
		w.ConfigRuleInvokedTime = ts(at)
		w.ResultRecordedTime = ts(at)
		q := &w.EvaluationResultIdentifier.EvaluationResultQualifier
		q.ConfigRuleName, q.EvaluationMode, q.ResourceID, q.ResourceType = r.Name, "DETECTIVE", ev.res.ID, ev.res.Type
		w.EvaluationResultIdentifier.OrderingTimestamp = ts(at)
		out = append(out, w)
	}
	writeJSON(c, struct {
		EvaluationResults []cfgEvaluationResult
		NextToken         string `json:",omitempty"`
	}{out, next})
	return nil
}

type cfgEvaluationStatus struct {
	ConfigRuleArn                string
	ConfigRuleID                 string `json:"ConfigRuleId"`
	ConfigRuleName               string
	FirstActivatedTime           *epoch `json:",omitempty"`
	FirstEvaluationStarted       bool
	LastErrorCode                string `json:",omitempty"`
	LastErrorMessage             string `json:",omitempty"`
	LastFailedEvaluationTime     *epoch `json:",omitempty"`
	LastFailedInvocationTime     *epoch `json:",omitempty"`
	LastSuccessfulEvaluationTime *epoch `json:",omitempty"`
	LastSuccessfulInvocationTime *epoch `json:",omitempty"`
}

func (s *Server) describeEvaluationStatus(c *call, in *cfgInput, rc *RegionConfig) *apiError {
	limit := evaluationStatusMaxLimit
	if in.Limit != nil {
		switch n := *in.Limit; {
		case n < 0 || n > evaluationStatusMaxLimit:
			return limitError(n, evaluationStatusMaxLimit)
		case n > 0:
			limit = n
		}
	}
	rules, e := selectRules(rc, in.ConfigRuleNames)
	if e != nil {
		return e
	}
	sc, off, e := s.tokenOffset(c, in.NextToken, strings.Join(in.ConfigRuleNames, ","))
	if e != nil {
		return e
	}
	pg, next := page(s, sc, rules, off, limit)
	var activated epoch
	if rc.Recorder != nil {
		activated = epoch(rc.Recorder.LastStartTime)
	}
	out := make([]cfgEvaluationStatus, 0, len(pg))
	for _, r := range pg {
		w := cfgEvaluationStatus{
			ConfigRuleArn:                r.ARN,
			ConfigRuleID:                 r.ID,
			ConfigRuleName:               r.Name,
			FirstActivatedTime:           &activated,
			FirstEvaluationStarted:       true,
			LastSuccessfulEvaluationTime: ts(r.LastEvaluatedAt),
			LastSuccessfulInvocationTime: ts(r.LastEvaluatedAt),
		}
		if ee := r.EvaluationError; ee != nil {
			w.LastErrorCode, w.LastErrorMessage = ee.Code, ee.Message
			w.LastFailedEvaluationTime, w.LastFailedInvocationTime = ts(ee.At), ts(ee.At)
		}
		out = append(out, w)
	}
	writeJSON(c, struct {
		ConfigRulesEvaluationStatus []cfgEvaluationStatus
		NextToken                   string `json:",omitempty"`
	}{out, next})
	return nil
}

type cfgPackDetail struct {
	ConformancePackArn             string
	ConformancePackID              string `json:"ConformancePackId"`
	ConformancePackInputParameters []map[string]string
	ConformancePackName            string
	LastUpdateRequestedTime        *epoch `json:",omitempty"`
}

func (s *Server) describeConformancePacks(c *call, in *cfgInput, rc *RegionConfig) *apiError {
	limit := conformancePacksMaxLimit
	if in.Limit != nil {
		switch n := *in.Limit; {
		case n < 0 || n > conformancePacksMaxLimit:
			return cfgError("InvalidLimitException", fmt.Sprintf("The limit %d is outside the allowable range of 0 to %d.", n, conformancePacksMaxLimit))
		case n > 0:
			limit = n
		}
	}
	packs := rc.ConformancePacks
	if len(in.ConformancePackNames) > 0 {
		packs = nil
		for _, n := range in.ConformancePackNames {
			i := slices.IndexFunc(rc.ConformancePacks, func(p ConformancePack) bool { return p.Name == n })
			if i < 0 {
				return cfgError("NoSuchConformancePackException", fmt.Sprintf("One or more conformance packs with specified names are not present. Ensure your names are correct and try your request again. Missing: %s", n))
			}
			packs = append(packs, rc.ConformancePacks[i])
		}
	}
	sc, off, e := s.tokenOffset(c, in.NextToken, strings.Join(in.ConformancePackNames, ","))
	if e != nil {
		return e
	}
	pg, next := page(s, sc, packs, off, limit)
	out := make([]cfgPackDetail, 0, len(pg))
	for _, p := range pg {
		out = append(out, cfgPackDetail{
			ConformancePackArn:             p.ARN,
			ConformancePackID:              p.ID,
			ConformancePackInputParameters: []map[string]string{},
			ConformancePackName:            p.Name,
			LastUpdateRequestedTime:        ts(p.CreatedAt),
		})
	}
	writeJSON(c, struct {
		ConformancePackDetails []cfgPackDetail
		NextToken              string `json:",omitempty"`
	}{out, next})
	return nil
}

type cfgBaseItem struct {
	Version                      string            `json:"version"`
	AccountID                    string            `json:"accountId"`
	ConfigurationItemCaptureTime *epoch            `json:"configurationItemCaptureTime,omitempty"`
	ConfigurationItemStatus      string            `json:"configurationItemStatus"`
	ConfigurationStateID         string            `json:"configurationStateId"`
	Arn                          string            `json:"arn,omitempty"`
	ResourceType                 string            `json:"resourceType"`
	ResourceID                   string            `json:"resourceId"`
	ResourceName                 string            `json:"resourceName,omitempty"`
	AwsRegion                    string            `json:"awsRegion"`
	AvailabilityZone             string            `json:"availabilityZone"`
	Configuration                string            `json:"configuration"`
	SupplementaryConfiguration   map[string]string `json:"supplementaryConfiguration"`
	RecordingFrequency           string            `json:"recordingFrequency"`
}

func (s *Server) batchGetResourceConfig(c *call, in *cfgInput, rc *RegionConfig) *apiError {
	switch n := len(in.ResourceKeys); {
	case n == 0:
		return cfgError("ValidationException", "1 validation error detected: Value '[]' at 'resourceKeys' failed to satisfy constraint: Member must have length greater than or equal to 1")
	case n > batchGetMaxKeys:
		return cfgError("ValidationException", fmt.Sprintf("1 validation error detected: Value at 'resourceKeys' failed to satisfy constraint: Member must have length less than or equal to %d", batchGetMaxKeys))
	}
	// The API validates every key's resourceType against its enum before
	// anything else, as AWS's JSON protocol does (configservice's
	// types.ResourceType is that list; AWS::::Account, which account-level
	// rules report, is not in it).
	for i, k := range in.ResourceKeys {
		if !validResourceType(k.ResourceType) {
			return cfgError("ValidationException", fmt.Sprintf("1 validation error detected: Value '%s' at 'resourceKeys.%d.member.resourceType' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
				k.ResourceType, i+1, strings.Join(resourceTypeEnum(), ", ")))
		}
	}
	if rc.Recorder == nil && len(rc.ServiceLinkedRecorders) == 0 {
		return cfgError("NoAvailableConfigurationRecorderException", "There are no configuration recorders available to provide the role needed to describe your resources. Create a configuration recorder.")
	}
	known := make(map[cfgResourceKey]*Resource)
	for i := range rc.Rules {
		r := &rc.Rules[i]
		for _, list := range [][]Resource{r.NonCompliant, r.CompliantResources} {
			for j := range list {
				if list[j].InConfig {
					known[cfgResourceKey{list[j].Type, list[j].ID}] = &list[j]
				}
			}
		}
	}
	items := []cfgBaseItem{}
	for _, k := range in.ResourceKeys {
		res := known[k]
		if res == nil {
			continue
		}
		items = append(items, s.baseItem(c, res))
	}
	writeJSON(c, map[string]any{"baseConfigurationItems": items, "unprocessedResourceKeys": []cfgResourceKey{}})
	return nil
}

// baseItem renders a resource's configuration item. It carries no tags:
// "The API does not return any tags for the requested resources. This
// information is filtered out of the supplementaryConfiguration section of
// the API response" (BatchGetResourceConfig).
func (s *Server) baseItem(c *call, res *Resource) cfgBaseItem {
	supp := map[string]string{}
	conf := map[string]any{}
	if res.Type == "AWS::S3::Bucket" {
		conf["name"] = res.ID
	}
	confJSON, _ := json.Marshal(conf)
	captured := res.RecordedAt
	if captured.IsZero() {
		captured = s.org.Spec.Now
	}
	captured = captured.Add(-s.captureAge(res))
	az := "Not Applicable"
	if strings.HasPrefix(res.Type, "AWS::EC2::Instance") || strings.HasPrefix(res.Type, "AWS::EC2::Volume") {
		az = c.region + "a"
	}
	return cfgBaseItem{
		Version:                      "1.3",
		AccountID:                    c.p.account,
		ConfigurationItemCaptureTime: ts(captured),
		ConfigurationItemStatus:      "OK",
		ConfigurationStateID:         fmt.Sprint(captured.UnixMilli()),
		Arn:                          resourceARN(s.org.Partition, res.Type, res.ID, c.p.account, c.region),
		ResourceType:                 res.Type,
		ResourceID:                   res.ID,
		ResourceName:                 res.Name,
		AwsRegion:                    c.region,
		AvailabilityZone:             az,
		Configuration:                string(confJSON),
		SupplementaryConfiguration:   supp,
		RecordingFrequency:           "CONTINUOUS",
	}
}

// captureAge is how long before its evaluation a resource's configuration
// item was captured: stable per resource, under three days.
func (s *Server) captureAge(res *Resource) time.Duration {
	return time.Duration(hashOf(s.secret, "capture", res.ID) % uint64(72*time.Hour))
}

// resourceARN returns the ARN Config reports for a resource, or "" when the
// type's ARN format is not modeled.
func resourceARN(partition, typ, id, account, region string) string {
	if strings.HasPrefix(id, "arn:") {
		return id
	}
	switch typ {
	case "AWS::S3::Bucket":
		return fmt.Sprintf("arn:%s:s3:::%s", partition, id)
	case "AWS::EC2::Instance":
		return fmt.Sprintf("arn:%s:ec2:%s:%s:instance/%s", partition, region, account, id)
	case "AWS::EC2::Volume":
		return fmt.Sprintf("arn:%s:ec2:%s:%s:volume/%s", partition, region, account, id)
	case "AWS::EC2::SecurityGroup":
		return fmt.Sprintf("arn:%s:ec2:%s:%s:security-group/%s", partition, region, account, id)
	case "AWS::EC2::VPC":
		return fmt.Sprintf("arn:%s:ec2:%s:%s:vpc/%s", partition, region, account, id)
	case "AWS::Lambda::Function":
		return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partition, region, account, id)
	case "AWS::DynamoDB::Table":
		return fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", partition, region, account, id)
	case "AWS::KMS::Key":
		return fmt.Sprintf("arn:%s:kms:%s:%s:key/%s", partition, region, account, id)
	}
	return ""
}

// validResourceType reports whether t is in the ResourceType enum the API
// accepts.
func validResourceType(t string) bool {
	return slices.Contains(resourceTypeEnum(), t)
}

// resourceTypeEnum is the API's ResourceType enum, as the SDK's model lists it.
func resourceTypeEnum() []string {
	vals := types.ResourceType("").Values()
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = string(v)
	}
	return out
}
