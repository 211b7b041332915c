package orgsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	cfgtypes "github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/google/go-cmp/cmp"
)

// ruleView is what the Config API says about a rule, in the model's terms.
type ruleView struct {
	Name, ARN, ID, Owner, Source, CreatedBy string
	Compliance                              string
	Contributors                            int32
	ErrorCode                               string
}

func wantRules(rc RegionConfig) []ruleView {
	var out []ruleView
	for _, r := range rc.Rules {
		v := ruleView{Name: r.Name, ARN: r.ARN, ID: r.ID, Owner: r.Owner, Source: r.SourceIdentifier, Compliance: string(r.Compliance)}
		v.CreatedBy = r.CreatedBy
		if r.Compliance == NonCompliant {
			v.Contributors = int32(min(len(r.NonCompliant), 100))
		}
		if r.EvaluationError != nil {
			v.ErrorCode = r.EvaluationError.Code
		}
		out = append(out, v)
	}
	return out
}

// scanRules reads every rule of the client's account and region with the
// SDK's paginators, the way the scanner does, and counts the pages.
func scanRules(t *testing.T, client *configservice.Client) ([]ruleView, map[string]int) {
	t.Helper()
	ctx := t.Context()
	pages := map[string]int{}
	byName := map[string]*ruleView{}
	var order []string
	p := configservice.NewDescribeConfigRulesPaginator(client, &configservice.DescribeConfigRulesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("DescribeConfigRules: %v", err)
		}
		pages["DescribeConfigRules"]++
		for _, r := range out.ConfigRules {
			v := &ruleView{Name: *r.ConfigRuleName, ARN: aws.ToString(r.ConfigRuleArn), ID: aws.ToString(r.ConfigRuleId),
				Owner: string(r.Source.Owner), Source: aws.ToString(r.Source.SourceIdentifier), CreatedBy: aws.ToString(r.CreatedBy)}
			byName[v.Name] = v
			order = append(order, v.Name)
		}
	}
	cp := configservice.NewDescribeComplianceByConfigRulePaginator(client, &configservice.DescribeComplianceByConfigRuleInput{})
	for cp.HasMorePages() {
		out, err := cp.NextPage(ctx)
		if err != nil {
			t.Fatalf("DescribeComplianceByConfigRule: %v", err)
		}
		pages["DescribeComplianceByConfigRule"]++
		for _, c := range out.ComplianceByConfigRules {
			v := byName[*c.ConfigRuleName]
			v.Compliance = string(c.Compliance.ComplianceType)
			if cc := c.Compliance.ComplianceContributorCount; cc != nil {
				v.Contributors = cc.CappedCount
			}
		}
	}
	ep := configservice.NewDescribeConfigRuleEvaluationStatusPaginator(client, &configservice.DescribeConfigRuleEvaluationStatusInput{Limit: 10})
	for ep.HasMorePages() {
		out, err := ep.NextPage(ctx)
		if err != nil {
			t.Fatalf("DescribeConfigRuleEvaluationStatus: %v", err)
		}
		pages["DescribeConfigRuleEvaluationStatus"]++
		for _, s := range out.ConfigRulesEvaluationStatus {
			v := byName[*s.ConfigRuleName]
			v.ErrorCode = aws.ToString(s.LastErrorCode)
			if v.ErrorCode != "" && (s.LastFailedEvaluationTime == nil || aws.ToString(s.LastErrorMessage) == "") {
				t.Errorf("rule %s: error %s without LastFailedEvaluationTime or message", v.Name, v.ErrorCode)
			}
		}
	}
	out := make([]ruleView, 0, len(order))
	for _, n := range order {
		out = append(out, *byName[n])
	}
	return out, pages
}

type resourceView struct {
	Type, ID, Annotation string
}

// nonCompliant reads a rule's non-compliant resources with the paginator.
func nonCompliant(t *testing.T, client *configservice.Client, rule string, limit int32) ([]resourceView, int) {
	t.Helper()
	var out []resourceView
	pages := 0
	p := configservice.NewGetComplianceDetailsByConfigRulePaginator(client, &configservice.GetComplianceDetailsByConfigRuleInput{
		ConfigRuleName:  &rule,
		ComplianceTypes: []cfgtypes.ComplianceType{cfgtypes.ComplianceTypeNonCompliant},
		Limit:           limit,
	})
	for p.HasMorePages() {
		res, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("GetComplianceDetailsByConfigRule(%s): %v", rule, err)
		}
		pages++
		for _, e := range res.EvaluationResults {
			q := e.EvaluationResultIdentifier.EvaluationResultQualifier
			if e.ComplianceType != cfgtypes.ComplianceTypeNonCompliant || aws.ToString(q.ConfigRuleName) != rule || e.ResultRecordedTime == nil {
				t.Errorf("evaluation %+v of %s", e, rule)
			}
			out = append(out, resourceView{aws.ToString(q.ResourceType), aws.ToString(q.ResourceId), aws.ToString(e.Annotation)})
		}
	}
	return out, pages
}

func TestConfigRulesAndCompliance(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 31, Accounts: 6, RulesPerRegion: 60, ConformancePacks: 2, EvaluationErrorShare: 0.1})
	a := healthyAccount(t, org)
	for _, region := range org.Regions {
		t.Run(region, func(t *testing.T) {
			client := configservice.NewFromConfig(readConfig(org, srv, a.ID, region))
			rc := a.RegionConfig(region)
			got, pages := scanRules(t, client)
			if diff := cmp.Diff(wantRules(rc), got); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			n := len(rc.Rules)
			wantPages := map[string]int{"DescribeConfigRules": (n + 24) / 25, "DescribeComplianceByConfigRule": (n + 24) / 25, "DescribeConfigRuleEvaluationStatus": (n + 9) / 10}
			if diff := cmp.Diff(wantPages, pages); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
			for _, r := range rc.Rules {
				if r.Compliance != NonCompliant {
					continue
				}
				var want []resourceView
				for _, res := range r.NonCompliant {
					want = append(want, resourceView{res.Type, res.ID, res.Annotation})
				}
				got, _ := nonCompliant(t, client, r.Name, 0)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("non-compliant resources of %s (-want +got):\n%s", r.Name, diff)
				}
			}
		})
	}
}

func TestConfigComplianceDetailsPagination(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 32, Accounts: 4})
	a := healthyAccount(t, org)
	const region, n = "eu-west-1", 250
	var rule string
	err := org.UpdateRegionConfig(a.ID, region, func(rc *RegionConfig) {
		r := &rc.Rules[0]
		rule = r.Name
		r.Compliance, r.NonCompliant = NonCompliant, nil
		for i := range n {
			r.NonCompliant = append(r.NonCompliant, Resource{Type: "AWS::S3::Bucket", ID: fmt.Sprintf("bucket-%03d", i), InConfig: true})
		}
		r.CompliantResources = []Resource{{Type: "AWS::S3::Bucket", ID: "fine", InConfig: true}}
	})
	if err != nil {
		t.Fatal(err)
	}
	client := configservice.NewFromConfig(readConfig(org, srv, a.ID, region))
	tests := []struct {
		name      string
		limit     int32
		wantPages int
	}{
		{"Limit 0 means 10", 0, 25},
		{"Limit 100", 100, 3},
		{"Limit 7", 7, 36},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pages := nonCompliant(t, client, rule, tt.limit)
			if len(got) != n || got[0].ID != "bucket-000" || got[n-1].ID != "bucket-249" {
				t.Errorf("got %d resources (%v … %v), want %d in order", len(got), got[0], got[len(got)-1], n)
			}
			if pages != tt.wantPages {
				t.Errorf("pages = %d, want %d", pages, tt.wantPages)
			}
		})
	}
	// No filter: compliant results come too.
	all, err := client.GetComplianceDetailsByConfigRule(t.Context(), &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: &rule, Limit: 100, NextToken: nil})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.EvaluationResults) != 100 {
		t.Errorf("unfiltered first page has %d results, want 100", len(all.EvaluationResults))
	}
	comp, err := client.GetComplianceDetailsByConfigRule(t.Context(), &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: &rule, ComplianceTypes: []cfgtypes.ComplianceType{cfgtypes.ComplianceTypeCompliant}})
	if err != nil || len(comp.EvaluationResults) != 1 || *comp.EvaluationResults[0].EvaluationResultIdentifier.EvaluationResultQualifier.ResourceId != "fine" {
		t.Errorf("COMPLIANT results = %+v, %v; want the one compliant bucket", comp, err)
	}
	// The contributor count is capped at 100.
	c, err := client.DescribeComplianceByConfigRule(t.Context(), &configservice.DescribeComplianceByConfigRuleInput{ConfigRuleNames: []string{rule}})
	if err != nil {
		t.Fatal(err)
	}
	if cc := c.ComplianceByConfigRules[0].Compliance.ComplianceContributorCount; cc == nil || cc.CappedCount != 100 || !cc.CapExceeded {
		t.Errorf("ComplianceContributorCount = %+v, want 100, capped", cc)
	}
}

func TestConfigRecorderAndPacks(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 33, Accounts: 4, ConformancePacks: 3, RecorderStoppedAccounts: -1})
	a := healthyAccount(t, org)
	ctx := t.Context()
	client := configservice.NewFromConfig(readConfig(org, srv, a.ID, "eu-central-1"))
	rc := a.RegionConfig("eu-central-1")

	recs, err := client.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.ConfigurationRecorders) != 1 || aws.ToString(recs.ConfigurationRecorders[0].Name) != rc.Recorder.Name || aws.ToString(recs.ConfigurationRecorders[0].RoleARN) != rc.Recorder.RoleARN {
		t.Errorf("DescribeConfigurationRecorders = %+v", recs.ConfigurationRecorders)
	}
	st, err := client.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.ConfigurationRecordersStatus) != 1 || !st.ConfigurationRecordersStatus[0].Recording || st.ConfigurationRecordersStatus[0].LastStatus != cfgtypes.RecorderStatusSuccess {
		t.Errorf("DescribeConfigurationRecorderStatus = %+v", st.ConfigurationRecordersStatus)
	}

	var got []ConformancePack
	p := configservice.NewDescribeConformancePacksPaginator(client, &configservice.DescribeConformancePacksInput{Limit: 2})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range out.ConformancePackDetails {
			got = append(got, ConformancePack{Name: *d.ConformancePackName, ID: *d.ConformancePackId, ARN: *d.ConformancePackArn, CreatedAt: *d.LastUpdateRequestedTime})
		}
	}
	if diff := cmp.Diff(rc.ConformancePacks, got); diff != "" {
		t.Errorf("conformance packs (-want +got):\n%s", diff)
	}

	// Stop the recorder between two reads, as an account owner would.
	if err := org.UpdateRegionConfig(a.ID, "eu-central-1", func(rc *RegionConfig) { rc.Recorder.Recording = false }); err != nil {
		t.Fatal(err)
	}
	st, err = client.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
	if err != nil || st.ConfigurationRecordersStatus[0].Recording {
		t.Errorf("after stopping: %+v, %v; want recording false", st, err)
	}
}

func TestBatchGetResourceConfig(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 34, Accounts: 4, NonCompliantShare: 0.6})
	a := healthyAccount(t, org)
	const region = "us-east-1"
	client := configservice.NewFromConfig(readConfig(org, srv, a.ID, region))
	rc := a.RegionConfig(region)

	seen := map[string]Resource{} // type/id → resource
	var keys []cfgtypes.ResourceKey
	for _, r := range rc.Rules {
		for _, res := range r.NonCompliant {
			if !validResourceType(res.Type) {
				continue // asked for below: the API refuses it
			}
			if _, dup := seen[res.Type+"/"+res.ID]; !dup {
				seen[res.Type+"/"+res.ID] = res
				keys = append(keys, cfgtypes.ResourceKey{ResourceType: cfgtypes.ResourceType(res.Type), ResourceId: aws.String(res.ID)})
			}
		}
	}
	keys = append(keys, cfgtypes.ResourceKey{ResourceType: cfgtypes.ResourceTypeBucket, ResourceId: aws.String("no-such-bucket")})
	keys = keys[:min(len(keys), 100)]
	out, err := client.BatchGetResourceConfig(t.Context(), &configservice.BatchGetResourceConfigInput{ResourceKeys: keys})
	if err != nil {
		t.Fatalf("BatchGetResourceConfig: %v", err)
	}
	if len(out.UnprocessedResourceKeys) != 0 {
		t.Errorf("UnprocessedResourceKeys = %v, want none", out.UnprocessedResourceKeys)
	}
	want := 0
	for _, k := range keys {
		if res, ok := seen[string(k.ResourceType)+"/"+*k.ResourceId]; ok && res.InConfig {
			want++
		}
	}
	if len(out.BaseConfigurationItems) != want || want == 0 {
		t.Fatalf("got %d items, want %d (resources with a configuration item)", len(out.BaseConfigurationItems), want)
	}
	for _, it := range out.BaseConfigurationItems {
		res, ok := seen[string(it.ResourceType)+"/"+aws.ToString(it.ResourceId)]
		if !ok || !res.InConfig {
			t.Errorf("item %s/%s was not asked for or has no configuration item", it.ResourceType, aws.ToString(it.ResourceId))
		}
		if aws.ToString(it.AccountId) != a.ID || aws.ToString(it.AwsRegion) != region || aws.ToString(it.ResourceName) != res.Name {
			t.Errorf("item %s: account %s region %s name %q, want %s %s %q", res.ID, aws.ToString(it.AccountId), aws.ToString(it.AwsRegion), aws.ToString(it.ResourceName), a.ID, region, res.Name)
		}
		// "The API does not return any tags for the requested resources."
		if got := itemTags(t, it); len(got) != 0 {
			t.Errorf("item %s: tags %v, want none", res.ID, got)
		}
	}

	// A type outside the API's ResourceType enum fails the whole call, as
	// AWS validates input against its model: AWS::::Account, which
	// account-level rules report, is such a type.
	bad := append([]cfgtypes.ResourceKey{{ResourceType: "AWS::::Account", ResourceId: aws.String(a.ID)}}, keys[:1]...)
	_, err = client.BatchGetResourceConfig(t.Context(), &configservice.BatchGetResourceConfigInput{ResourceKeys: bad})
	if ve := (*cfgtypes.ValidationException)(nil); !errors.As(err, &ve) || !strings.Contains(ve.ErrorMessage(), "'AWS::::Account' at 'resourceKeys.1.member.resourceType'") {
		t.Errorf("BatchGetResourceConfig with AWS::::Account: %v, want a ValidationException naming the key", err)
	}

	var tooMany []cfgtypes.ResourceKey
	for i := range 101 {
		tooMany = append(tooMany, cfgtypes.ResourceKey{ResourceType: cfgtypes.ResourceTypeBucket, ResourceId: aws.String(fmt.Sprint("b", i))})
	}
	_, err = client.BatchGetResourceConfig(t.Context(), &configservice.BatchGetResourceConfigInput{ResourceKeys: tooMany})
	var ve *cfgtypes.ValidationException
	if !errors.As(err, &ve) {
		t.Errorf("101 keys: %v, want *ValidationException", err)
	}
}

// itemTags reads a configuration item's tags where Config puts them.
func itemTags(t *testing.T, it cfgtypes.BaseConfigurationItem) map[string]string {
	t.Helper()
	out := map[string]string{}
	if s, ok := it.SupplementaryConfiguration["BucketTaggingConfiguration"]; ok {
		var v struct {
			TagSets []struct{ Tags map[string]string } `json:"tagSets"`
		}
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("BucketTaggingConfiguration %q: %v", s, err)
		}
		for _, ts := range v.TagSets {
			maps.Copy(out, ts.Tags)
		}
		return out
	}
	var conf struct {
		Tags []struct{ Key, Value string } `json:"tags"`
	}
	if err := json.Unmarshal([]byte(aws.ToString(it.Configuration)), &conf); err != nil {
		t.Fatalf("configuration %q: %v", aws.ToString(it.Configuration), err)
	}
	for _, tag := range conf.Tags {
		out[tag.Key] = tag.Value
	}
	return out
}

func TestConfigErrors(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 35, Accounts: 6, Regions: []string{"us-east-1", "eu-south-1"}, ConfigDisabledRegion: "us-east-1"})
	a := healthyAccount(t, org)
	ctx := t.Context()
	off := configservice.NewFromConfig(readConfig(org, srv, a.ID, "us-east-1"))
	on := configservice.NewFromConfig(readConfig(org, srv, a.ID, "eu-south-1"))
	rule := a.RegionConfig("eu-south-1").Rules[0].Name

	proactive, err := on.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{Filters: &cfgtypes.DescribeConfigRulesFilters{EvaluationMode: cfgtypes.EvaluationModeProactive}})
	var wantProactive []string
	for _, r := range a.RegionConfig("eu-south-1").Rules {
		if r.ProactiveOnly() {
			wantProactive = append(wantProactive, r.Name)
		}
	}
	var gotProactive []string
	if err == nil {
		for _, r := range proactive.ConfigRules {
			gotProactive = append(gotProactive, aws.ToString(r.ConfigRuleName))
		}
	}
	if err != nil || len(wantProactive) == 0 || !slices.Equal(gotProactive, wantProactive) {
		t.Errorf("PROACTIVE rules = %v, %v; want %v (the proactive-only rules)", gotProactive, err, wantProactive)
	}

	// Config not enabled: empty lists.
	recs, err := off.DescribeConfigurationRecorders(ctx, &configservice.DescribeConfigurationRecordersInput{})
	if err != nil || len(recs.ConfigurationRecorders) != 0 {
		t.Errorf("DescribeConfigurationRecorders where Config is off = %+v, %v; want none", recs, err)
	}
	rules, err := off.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})
	if err != nil || len(rules.ConfigRules) != 0 || rules.NextToken != nil {
		t.Errorf("DescribeConfigRules where Config is off = %+v, %v; want none", rules, err)
	}

	tests := []struct {
		name     string
		call     func() error
		wantCode string
		modeled  any
	}{
		{"rule unknown where Config is off", func() error {
			_, err := off.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: &rule})
			return err
		}, "NoSuchConfigRuleException", new(*cfgtypes.NoSuchConfigRuleException)},
		{"BatchGetResourceConfig without a recorder", func() error {
			_, err := off.BatchGetResourceConfig(ctx, &configservice.BatchGetResourceConfigInput{ResourceKeys: []cfgtypes.ResourceKey{{ResourceType: cfgtypes.ResourceTypeBucket, ResourceId: aws.String("b")}}})
			return err
		}, "NoAvailableConfigurationRecorderException", new(*cfgtypes.NoAvailableConfigurationRecorderException)},
		{"unknown rule name", func() error {
			_, err := on.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{ConfigRuleNames: []string{"no-such-rule"}})
			return err
		}, "NoSuchConfigRuleException", new(*cfgtypes.NoSuchConfigRuleException)},
		{"unknown conformance pack", func() error {
			_, err := on.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{ConformancePackNames: []string{"no-such-pack"}})
			return err
		}, "NoSuchConformancePackException", new(*cfgtypes.NoSuchConformancePackException)},
		{"unknown recorder", func() error {
			_, err := on.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{ConfigurationRecorderNames: []string{"other"}})
			return err
		}, "NoSuchConfigurationRecorderException", new(*cfgtypes.NoSuchConfigurationRecorderException)},
		{"Limit above 100", func() error {
			_, err := on.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: &rule, Limit: 101})
			return err
		}, "ValidationException", new(*cfgtypes.ValidationException)},
		{"Limit above 50", func() error {
			_, err := on.DescribeConfigRuleEvaluationStatus(ctx, &configservice.DescribeConfigRuleEvaluationStatusInput{Limit: 51})
			return err
		}, "ValidationException", new(*cfgtypes.ValidationException)},
		{"Limit above 20", func() error {
			_, err := on.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{Limit: 21})
			return err
		}, "InvalidLimitException", new(*cfgtypes.InvalidLimitException)},
		{"INSUFFICIENT_DATA as a filter", func() error {
			_, err := on.GetComplianceDetailsByConfigRule(ctx, &configservice.GetComplianceDetailsByConfigRuleInput{ConfigRuleName: &rule, ComplianceTypes: []cfgtypes.ComplianceType{cfgtypes.ComplianceTypeInsufficientData}})
			return err
		}, "InvalidParameterValueException", new(*cfgtypes.InvalidParameterValueException)},
		{"forged NextToken", func() error {
			_, err := on.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{NextToken: aws.String("Zm9yZ2Vk")})
			return err
		}, "InvalidNextTokenException", new(*cfgtypes.InvalidNextTokenException)},
		{"more than 25 rule names", func() error {
			_, err := on.DescribeComplianceByConfigRule(ctx, &configservice.DescribeComplianceByConfigRuleInput{ConfigRuleNames: slices.Repeat([]string{rule}, 26)})
			return err
		}, "ValidationException", new(*cfgtypes.ValidationException)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := errorCode(err); got != tt.wantCode {
				t.Fatalf("error = %v, want code %s", err, tt.wantCode)
			}
			if !errors.As(err, tt.modeled) {
				t.Errorf("error %T does not match %T", err, tt.modeled)
			}
		})
	}
}

// TestConfigModelFailures covers what the model injects: a disabled opt-in
// region, a denied action, a stopped recorder.
func TestConfigModelFailures(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 36, Accounts: 6, Regions: []string{"eu-west-1", "eu-south-1"}})
	a := healthyAccount(t, org)
	ctx := t.Context()
	mustUpdate(t, org, a.ID, func(a *Account) {
		a.DisabledRegions = []string{"eu-south-1"}
		a.DeniedActions = []string{"config:DescribeConfigRuleEvaluationStatus"}
	})
	if err := org.UpdateRegionConfig(a.ID, "eu-west-1", func(rc *RegionConfig) { rc.Recorder.Recording = false }); err != nil {
		t.Fatal(err)
	}
	west := configservice.NewFromConfig(readConfig(org, srv, a.ID, "eu-west-1"))
	south := configservice.NewFromConfig(readConfig(org, srv, a.ID, "eu-south-1"))

	_, err := south.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{})
	if got := errorCode(err); got != "UnrecognizedClientException" || !strings.Contains(err.Error(), "security token included in the request is invalid") {
		t.Errorf("Config in a disabled region: %v, want UnrecognizedClientException", err)
	}
	_, err = west.DescribeConfigRuleEvaluationStatus(ctx, &configservice.DescribeConfigRuleEvaluationStatusInput{})
	want := "is not authorized to perform: config:DescribeConfigRuleEvaluationStatus"
	if got := errorCode(err); got != "AccessDeniedException" || !strings.Contains(err.Error(), want) {
		t.Errorf("denied action: %v, want AccessDeniedException saying %q", err, want)
	}
	if _, err := west.DescribeConfigRules(ctx, &configservice.DescribeConfigRulesInput{}); err != nil {
		t.Errorf("an action that is not denied: %v", err)
	}
	st, err := west.DescribeConfigurationRecorderStatus(ctx, &configservice.DescribeConfigurationRecorderStatusInput{})
	if err != nil || len(st.ConfigurationRecordersStatus) != 1 || st.ConfigurationRecordersStatus[0].Recording {
		t.Errorf("stopped recorder: %+v, %v", st, err)
	}
}

// TestConfigAccountIsolation reads every Config operation with account A's
// credentials and checks nothing of account B comes back.
func TestConfigAccountIsolation(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 37, Accounts: 8, NonCompliantShare: 0.5, InactiveAccounts: -1, UnreachableAccounts: -1, ConfigDisabledAccounts: -1, AccessDeniedAccounts: -1})
	ctx := t.Context()
	const region = "eu-west-1"
	var ids []string
	for _, acct := range org.Accounts {
		ids = append(ids, acct.ID)
	}
	for _, id := range ids {
		client := configservice.NewFromConfig(readConfig(org, srv, id, region))
		got, _ := scanRules(t, client)
		rc := org.Account(id).RegionConfig(region)
		if diff := cmp.Diff(wantRules(rc), got); diff != "" {
			t.Errorf("account %s rules (-want +got):\n%s", id, diff)
		}
		var wire strings.Builder
		for _, r := range got {
			fmt.Fprintln(&wire, r.ARN, r.Source)
			if r.Compliance == string(NonCompliant) {
				res, _ := nonCompliant(t, client, r.Name, 100)
				fmt.Fprintln(&wire, res)
			}
		}
		packs, err := client.DescribeConformancePacks(ctx, &configservice.DescribeConformancePacksInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range packs.ConformancePackDetails {
			fmt.Fprintln(&wire, *p.ConformancePackArn, *p.ConformancePackId)
		}
		for _, other := range ids {
			if other != id && strings.Contains(wire.String(), other) {
				t.Errorf("account %s's Config data mentions account %s", id, other)
			}
			if other != id {
				for _, p := range org.Account(other).RegionConfig(region).ConformancePacks {
					if strings.Contains(wire.String(), p.ID) {
						t.Errorf("account %s sees pack %s of account %s", id, p.ID, other)
					}
				}
			}
		}
		if !strings.Contains(wire.String(), id) {
			t.Errorf("account %s's Config data does not mention the account", id)
		}
	}
}
