package orgsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/ruleid"
)

// Spec describes the organization Generate builds. Every zero field gets the
// default named in its comment. For the counts of problem accounts, zero means
// the default share and a negative value means none.
type Spec struct {
	// Seed makes generation deterministic: the same Spec gives the same Org.
	Seed int64
	// Accounts is the number of accounts, management and hub included
	// (default 50, minimum 2).
	Accounts int
	// OUDepth is the depth of the OU tree under the root (default 2).
	OUDepth int
	// OUFanout is the number of child OUs per OU (default 3), e.g.
	// Root/Workloads/Prod.
	OUFanout int
	// Regions are the regions that hold Config data (default us-east-1,
	// eu-west-1, eu-central-1).
	Regions []string
	// RulesPerRegion is the number of Config rules per account and region,
	// conformance-pack rules included (default 30).
	RulesPerRegion int
	// ConformancePacks is the number of conformance packs per account and
	// region (default 1; negative: none).
	ConformancePacks int
	// RulesPerPack is the number of rules each pack deploys (default
	// RulesPerRegion/(3×ConformancePacks), at least 1).
	RulesPerPack int
	// NonCompliantShare is the share of rules that are NON_COMPLIANT (default
	// 0.2; negative: none), on average: each account scales it by its own
	// factor from 0.2 to 1.8.
	NonCompliantShare float64
	// ResourcesPerRule is the largest number of non-compliant resources of a
	// non-compliant rule (default 10); each gets 1..ResourcesPerRule.
	ResourcesPerRule int
	// EvaluationErrorShare is the share of rules whose last evaluation failed
	// (default 0.02; negative: none).
	EvaluationErrorShare float64
	// InactiveAccounts is the number of SUSPENDED, PENDING_CLOSURE and CLOSED
	// accounts, in turn (default Accounts/25).
	InactiveAccounts int
	// UnreachableAccounts is the number of accounts whose read role cannot be
	// assumed: in turn the role is missing, does not trust the scanner role,
	// or requires a different ExternalId (default Accounts/25).
	UnreachableAccounts int
	// ConfigDisabledRegion is a region where Config is not enabled in any
	// account (default: none).
	ConfigDisabledRegion string
	// ConfigDisabledAccounts is the number of accounts with Config not enabled
	// in one of the regions (default Accounts/50).
	ConfigDisabledAccounts int
	// RecorderStoppedAccounts is the number of accounts whose recorder is
	// stopped in one of the regions (default Accounts/50).
	RecorderStoppedAccounts int
	// AccessDeniedAccounts is the number of accounts where AccessDeniedAction
	// is denied (default Accounts/50).
	AccessDeniedAccounts int
	// AccessDeniedAction is the action denied in those accounts (default
	// config:GetComplianceDetailsByConfigRule).
	AccessDeniedAction string
	// DisabledRegionAccounts is the number of accounts that have not enabled
	// an opt-in region listed in Regions (default Accounts/50). AWS lets only
	// opt-in regions (af-south-1, eu-south-1, …) be disabled, so with no
	// opt-in region in Regions no account gets one.
	DisabledRegionAccounts int
	// SecurityHubControls is the number of Security Hub controls whose
	// service-linked rules every account-region carries (default 8;
	// negative: none): "securityhub-<rule>-<8 hex digits>", CreatedBy
	// securityhub.amazonaws.com, a suffix of their own per account and
	// region (Security Hub user guide, "How Security Hub uses AWS Config
	// rules").
	SecurityHubControls int
	// OrganizationRules is the number of organization Config rules deployed
	// to every member account and region (default 3; negative: none):
	// "OrgConfigRule-<rule>-<8 characters>", CreatedBy
	// config-multiaccountsetup.amazonaws.com.
	OrganizationRules int
	// OrgConformancePacks is how many of the ConformancePacks are
	// organization conformance packs, deployed to member accounts as
	// "OrgConformsPack-<name>-<8 characters>" (default: all; negative: none).
	OrgConformancePacks int
	// ControlTowerControls is the number of AWS Control Tower detective
	// controls enabled on the OUs (default 3; negative: none): rules named
	// "AWSControlTower_AWS-GR_<control>" in every account that is in an OU
	// (Control Tower enrolls accounts of registered OUs, never the
	// management account).
	ControlTowerControls int
	// ProactiveRules is the number of proactive-only rules per account and
	// region (default 1; negative: none): rules whose only evaluation mode
	// is PROACTIVE, which never get a detective result and so always report
	// INSUFFICIENT_DATA.
	ProactiveRules int
	// ServiceLinkedRecorderAccounts is the number of accounts that, in one
	// region, have no customer managed recorder but a service-linked one,
	// and rules (default Accounts/50).
	ServiceLinkedRecorderAccounts int
	// SCPDeniedRegion is the region a region-deny service control policy
	// denies (default: the last of Regions when there are two or more;
	// "none": no policy). It is attached to SCPTarget.
	SCPDeniedRegion string
	// SCPTarget is the name of the top-level OU the region-deny policy is
	// attached to (default: the second top-level OU, or the root when there
	// are fewer).
	SCPTarget string
	// ReadRoleActions are the actions the member read roles allow (default:
	// access.ReadRole(true), what the CDK stacks grant with resource details
	// on). A call outside them is denied.
	ReadRoleActions []string
	// OrgRoleActions are the actions the organization role allows (default
	// access.OrgRole()).
	OrgRoleActions []string
	// ReadRoleName is the role the scanner assumes in every account (default
	// system-config-report-generator-read-role).
	ReadRoleName string
	// OrgRoleName is the role the lister assumes in the management account
	// (default system-config-report-generator-list-org-role).
	OrgRoleName string
	// ListerRoleName, ScannerRoleName and FormatterRoleName are the hub
	// account's pipeline roles (defaults system-config-report-lister-role,
	// system-config-report-scanner-role, system-config-report-formatter-role).
	// The org role trusts the lister role; the read roles trust the scanner
	// role.
	ListerRoleName, ScannerRoleName, FormatterRoleName string
	// ExternalID, when set, is required by the org role and every read role
	// (default: none).
	ExternalID string
	// TagKeys are the account tag keys the generator fills (default owner,
	// team); about one account in ten lacks each.
	TagKeys []string
	// Now is the reference time every generated timestamp precedes (default
	// 2026-11-30T06:00:00Z).
	Now time.Time
}

// Defaults of Spec.
const (
	DefaultAccounts        = 50
	DefaultRulesPerRegion  = 30
	DefaultReadRoleName    = access.ReadRoleName
	DefaultOrgRoleName     = access.OrgRoleName
	DefaultListerRoleName  = access.ListerRoleName
	DefaultScannerRoleName = access.ScannerRoleName
	DefaultFormatterRole   = access.FormatterRoleName
	DefaultDeniedAction    = "config:GetComplianceDetailsByConfigRule"
)

// DefaultRegions are the regions used when Spec.Regions is empty.
var DefaultRegions = []string{"us-east-1", "eu-west-1", "eu-central-1"}

// OptInRegions are the commercial regions AWS lets an account leave disabled.
var OptInRegions = []string{
	"af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1",
	"eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
}

func (s Spec) withDefaults() Spec {
	if s.Accounts == 0 {
		s.Accounts = DefaultAccounts
	}
	s.Accounts = max(s.Accounts, 2)
	if s.OUDepth == 0 {
		s.OUDepth = 2
	}
	if s.OUFanout == 0 {
		s.OUFanout = 3
	}
	s.OUDepth, s.OUFanout = max(s.OUDepth, 0), max(s.OUFanout, 0)
	if len(s.Regions) == 0 {
		s.Regions = slices.Clone(DefaultRegions)
	}
	if s.RulesPerRegion == 0 {
		s.RulesPerRegion = DefaultRulesPerRegion
	}
	s.RulesPerRegion = max(s.RulesPerRegion, 0)
	if s.ConformancePacks == 0 {
		s.ConformancePacks = 1
	}
	s.ConformancePacks = max(s.ConformancePacks, 0)
	if s.RulesPerPack == 0 && s.ConformancePacks > 0 {
		s.RulesPerPack = max(1, s.RulesPerRegion/(3*s.ConformancePacks))
	}
	if s.NonCompliantShare == 0 {
		s.NonCompliantShare = 0.2
	}
	s.NonCompliantShare = min(max(s.NonCompliantShare, 0), 1)
	if s.ResourcesPerRule == 0 {
		s.ResourcesPerRule = 10
	}
	s.ResourcesPerRule = max(s.ResourcesPerRule, 1)
	if s.EvaluationErrorShare == 0 {
		s.EvaluationErrorShare = 0.02
	}
	s.EvaluationErrorShare = min(max(s.EvaluationErrorShare, 0), 1)
	count := func(v, div int) int {
		switch {
		case v < 0:
			return 0
		case v == 0:
			return s.Accounts / div
		}
		return v
	}
	s.InactiveAccounts = count(s.InactiveAccounts, 25)
	s.UnreachableAccounts = count(s.UnreachableAccounts, 25)
	s.ConfigDisabledAccounts = count(s.ConfigDisabledAccounts, 50)
	s.RecorderStoppedAccounts = count(s.RecorderStoppedAccounts, 50)
	s.AccessDeniedAccounts = count(s.AccessDeniedAccounts, 50)
	s.DisabledRegionAccounts = count(s.DisabledRegionAccounts, 50)
	s.ServiceLinkedRecorderAccounts = count(s.ServiceLinkedRecorderAccounts, 50)
	orDefault := func(v, def int) int {
		switch {
		case v < 0:
			return 0
		case v == 0:
			return def
		}
		return v
	}
	s.SecurityHubControls = orDefault(s.SecurityHubControls, 8)
	s.OrganizationRules = orDefault(s.OrganizationRules, 3)
	s.OrgConformancePacks = min(orDefault(s.OrgConformancePacks, s.ConformancePacks), s.ConformancePacks)
	s.ControlTowerControls = orDefault(s.ControlTowerControls, 3)
	s.ProactiveRules = orDefault(s.ProactiveRules, 1)
	switch {
	case s.SCPDeniedRegion == "none":
		s.SCPDeniedRegion = ""
	case s.SCPDeniedRegion == "" && len(s.Regions) >= 2:
		s.SCPDeniedRegion = s.Regions[len(s.Regions)-1]
	}
	if s.ReadRoleActions == nil {
		s.ReadRoleActions = access.ReadRole(true)
	}
	if s.OrgRoleActions == nil {
		s.OrgRoleActions = access.OrgRole()
	}
	if s.AccessDeniedAction == "" {
		s.AccessDeniedAction = DefaultDeniedAction
	}
	if s.ReadRoleName == "" {
		s.ReadRoleName = DefaultReadRoleName
	}
	if s.OrgRoleName == "" {
		s.OrgRoleName = DefaultOrgRoleName
	}
	if s.ListerRoleName == "" {
		s.ListerRoleName = DefaultListerRoleName
	}
	if s.ScannerRoleName == "" {
		s.ScannerRoleName = DefaultScannerRoleName
	}
	if s.FormatterRoleName == "" {
		s.FormatterRoleName = DefaultFormatterRole
	}
	if len(s.TagKeys) == 0 {
		s.TagKeys = []string{"owner", "team"}
	}
	if s.Now.IsZero() {
		s.Now = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	}
	return s
}

var ouNames = [][]string{
	{"Workloads", "Infrastructure", "Security", "Sandbox", "Policy Staging", "Suspended", "Deployments", "Exceptions", "Transitional", "Business Continuity"},
	{"Prod", "NonProd", "SDLC", "Shared", "Test", "Dev", "Staging", "QA", "Research", "Data"},
}

// Generate builds an organization from the spec, deterministically from its
// seed. Accounts, OUs and roles are built at once; the Config data of an
// account in a region is generated on first use from the seed, the account ID
// and the region, so a 20,000-account organization is one cheap call.
func Generate(spec Spec) *Org {
	spec = spec.withDefaults()
	seed := uint64(spec.Seed)
	r := rngFor(seed, "org")
	o := &Org{
		Partition: "aws",
		OrgID:     "o-" + randString(r, lowerAlnum, 10),
		RootID:    "r-" + randString(r, lowerAlnum, 4),
		Regions:   slices.Clone(spec.Regions),
		Spec:      spec,
		seed:      seed,
		byID:      make(map[string]*Account, spec.Accounts),
		ouByID:    make(map[string]*OU),
		ouKids:    make(map[string][]*OU),
		overrides: make(map[regionKey]*RegionConfig),
	}
	o.plan = newRulePlan(seed, spec)
	o.generateOUs(r)

	// Accounts: the first is the management account, the second the hub.
	for i := 0; i < spec.Accounts; i++ {
		a := &Account{org: o, State: StateActive, JoinedMethod: "CREATED"}
		for {
			a.ID = fmt.Sprintf("%012d", r.Int64N(1e12))
			if _, dup := o.byID[a.ID]; !dup {
				break
			}
		}
		o.byID[a.ID] = a
		o.Accounts = append(o.Accounts, a)
		team, env := teams[r.IntN(len(teams))], envs[r.IntN(len(envs))]
		switch i {
		case 0:
			a.Name, a.ParentID, a.JoinedMethod = "management", o.RootID, "INVITED"
			o.ManagementAccountID = a.ID
		case 1:
			a.Name, a.ParentID = "security-tooling", o.securityOU()
			o.HubAccountID = a.ID
		default:
			a.Name = fmt.Sprintf("%s-%s-%04d", team, env, i)
			a.ParentID = o.RootID
			if len(o.OUs) > 0 && r.Float64() >= 0.03 {
				a.ParentID = o.OUs[r.IntN(len(o.OUs))].ID
			}
		}
		a.Email = "aws+" + a.Name + "@example.com"
		a.JoinedAt = spec.Now.Add(-time.Duration(r.Int64N(int64(9 * 365 * 24 * time.Hour)))).Truncate(time.Second)
		a.Tags = make(map[string]string, len(spec.TagKeys))
		for _, k := range spec.TagKeys {
			if r.Float64() < 0.1 && i > 1 {
				continue
			}
			switch k {
			case "owner":
				a.Tags[k] = people[r.IntN(len(people))] + "@example.com"
			case "team":
				a.Tags[k] = team
			default:
				a.Tags[k] = k + "-" + itoa(r.IntN(10))
			}
		}
	}
	scanner := o.HubRoleARN(spec.ScannerRoleName)
	for _, a := range o.Accounts {
		a.Roles = []Role{{Name: spec.ReadRoleName, Trusted: []string{scanner}, ExternalID: spec.ExternalID, Actions: slices.Clone(spec.ReadRoleActions)}}
	}
	mgmt, hub := o.byID[o.ManagementAccountID], o.byID[o.HubAccountID]
	mgmt.Roles = append(mgmt.Roles, Role{Name: spec.OrgRoleName, Trusted: []string{o.HubRoleARN(spec.ListerRoleName)}, ExternalID: spec.ExternalID, Actions: slices.Clone(spec.OrgRoleActions)})
	for _, n := range []string{spec.ListerRoleName, spec.ScannerRoleName, spec.FormatterRoleName} {
		hub.Roles = append(hub.Roles, Role{Name: n})
	}
	o.assignProblems(r)
	slices.SortFunc(o.Accounts, func(a, b *Account) int { return strings.Compare(a.ID, b.ID) })
	o.indexAccounts()
	o.attachSCPs(r)
	return o
}

// attachSCPs creates the spec's region-deny policy, attaches it to its
// target and sets SCPDeniedRegions of every account under the target.
// Service control policies do not apply to the management account ("SCPs
// don't affect users or roles in the management account", Organizations
// user guide, "Service control policies").
func (o *Org) attachSCPs(r *rand.Rand) {
	s := o.Spec
	if s.SCPDeniedRegion == "" {
		return
	}
	target := o.RootID
	var top []*OU
	for _, ou := range o.OUs {
		if ou.ParentID == o.RootID {
			top = append(top, ou)
		}
	}
	for i, ou := range top {
		if ou.Name == s.SCPTarget || s.SCPTarget == "" && i == 1 {
			target = ou.ID
		}
	}
	var approved []string
	for _, reg := range s.Regions {
		if reg != s.SCPDeniedRegion {
			approved = append(approved, reg)
		}
	}
	p := SCP{ID: "p-" + randString(r, lowerAlnum, 8), Name: "deny-unapproved-regions", Approved: approved, Targets: []string{target}}
	o.SCPs = append(o.SCPs, p)
	for _, a := range o.Accounts {
		if a.ID == o.ManagementAccountID || !o.under(a.ParentID, target) {
			continue
		}
		a.SCPDeniedRegions = append(a.SCPDeniedRegions, s.SCPDeniedRegion)
	}
}

// under reports whether parent is target or one of its descendants.
func (o *Org) under(parent, target string) bool {
	for id := parent; id != ""; {
		if id == target {
			return true
		}
		ou := o.ouByID[id]
		if ou == nil {
			return false
		}
		id = ou.ParentID
	}
	return false
}

func (o *Org) generateOUs(r *rand.Rand) {
	parents := []string{o.RootID}
	suffix := o.RootID[2:]
	for depth := 0; depth < o.Spec.OUDepth; depth++ {
		var next []string
		for _, p := range parents {
			for i := 0; i < o.Spec.OUFanout; i++ {
				ou := &OU{ID: "ou-" + suffix + "-" + randString(r, lowerAlnum, 8), ParentID: p, Name: ouName(depth, i)}
				o.OUs = append(o.OUs, ou)
				o.ouByID[ou.ID] = ou
				o.ouKids[p] = append(o.ouKids[p], ou)
				next = append(next, ou.ID)
			}
		}
		parents = next
	}
	for _, kids := range o.ouKids {
		slices.SortFunc(kids, func(a, b *OU) int { return strings.Compare(a.ID, b.ID) })
	}
}

func ouName(depth, i int) string {
	if depth < len(ouNames) {
		names := ouNames[depth]
		if i < len(names) {
			return names[i]
		}
		return fmt.Sprintf("%s-%d", names[i%len(names)], i/len(names)+1)
	}
	return fmt.Sprintf("Team-%02d", i+1)
}

func (o *Org) securityOU() string {
	for _, ou := range o.OUs {
		if ou.Name == "Security" && ou.ParentID == o.RootID {
			return ou.ID
		}
	}
	return o.RootID
}

// assignProblems gives disjoint sets of member accounts (never the management
// or hub account) their problems, in a seeded order.
func (o *Org) assignProblems(r *rand.Rand) {
	s := o.Spec
	var members []*Account
	for _, a := range o.Accounts {
		if a.ID != o.ManagementAccountID && a.ID != o.HubAccountID {
			members = append(members, a)
		}
	}
	r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	take := func(n int) []*Account {
		n = min(n, len(members))
		out := members[:n]
		members = members[n:]
		return out
	}
	for i, a := range take(s.InactiveAccounts) {
		a.State = []AccountState{StateSuspended, StatePendingClosure, StateClosed}[i%3]
	}
	for i, a := range take(s.UnreachableAccounts) {
		switch i % 3 {
		case 0:
			a.Roles = nil
		case 1:
			a.Roles[0].Trusted = []string{roleARN(o.Partition, o.ManagementAccountID, "OrganizationAccountAccessRole")}
		case 2:
			a.Roles[0].ExternalID = "other-" + randString(r, lowerAlnum, 8)
		}
	}
	for _, a := range take(s.ConfigDisabledAccounts) {
		a.gen.configOffRegion = s.Regions[r.IntN(len(s.Regions))]
	}
	for _, a := range take(s.RecorderStoppedAccounts) {
		a.gen.stoppedRegion = s.Regions[r.IntN(len(s.Regions))]
	}
	for _, a := range take(s.AccessDeniedAccounts) {
		a.DeniedActions = []string{s.AccessDeniedAction}
	}
	for _, a := range o.Accounts {
		a.gen.inOU = a.ParentID != o.RootID
	}
	for _, a := range take(s.ServiceLinkedRecorderAccounts) {
		a.gen.serviceLinkedRegion = s.Regions[r.IntN(len(s.Regions))]
	}
	var optIn []string
	for _, reg := range s.Regions {
		if slices.Contains(OptInRegions, reg) {
			optIn = append(optIn, reg)
		}
	}
	if len(optIn) > 0 {
		for _, a := range take(s.DisabledRegionAccounts) {
			a.DisabledRegions = []string{optIn[r.IntN(len(optIn))]}
		}
	}
}

// rulePlan is the organization-wide choice of rules: every account-region
// gets the same rules (deployed names differ by their per-account
// suffixes), as when rules and packs are deployed by StackSets,
// organization rules and packs, Security Hub and Control Tower.
type rulePlan struct {
	standalone   []ruleTemplate
	packs        []packPlan
	securityHub  []ruleTemplate
	organization []ruleTemplate
	controlTower []ruleTemplate
	proactive    []ruleTemplate
}

type packPlan struct {
	name  string
	org   bool // an organization conformance pack
	rules []ruleTemplate
}

func newRulePlan(seed uint64, s Spec) rulePlan {
	r := rngFor(seed, "rules")
	templates := slices.Clone(catalog)
	// Beyond the catalogue, synthesize custom Lambda rules.
	for i := 0; len(templates) < s.RulesPerRegion+s.RulesPerPack; i++ {
		base := catalog[i%len(catalog)]
		templates = append(templates, ruleTemplate{
			name:         fmt.Sprintf("custom-check-%03d", i+1),
			owner:        OwnerCustomLambda,
			identifier:   fmt.Sprintf("config-rule-custom-check-%03d", i+1),
			resourceType: base.resourceType,
			description:  "Organization custom check " + itoa(i+1) + ".",
			annotation:   "Resource does not meet custom check " + itoa(i+1) + ".",
		})
	}
	var p rulePlan
	packRules := s.ConformancePacks * s.RulesPerPack
	nStandalone := max(s.RulesPerRegion-packRules, 0)
	perm := r.Perm(len(templates))
	for _, i := range perm[:min(nStandalone, len(perm))] {
		p.standalone = append(p.standalone, templates[i])
	}
	for k := 0; k < s.ConformancePacks; k++ {
		pp := packPlan{name: packNames[k%len(packNames)], org: k < s.OrgConformancePacks}
		if k >= len(packNames) {
			pp.name += "-" + itoa(k/len(packNames)+1)
		}
		perm := r.Perm(len(templates))
		for _, i := range perm[:min(s.RulesPerPack, len(perm))] {
			pp.rules = append(pp.rules, templates[i])
		}
		p.packs = append(p.packs, pp)
	}
	// Security Hub, organization rules and Control Tower deploy AWS managed
	// rules; proactive rules are managed rules that support proactive
	// evaluation, deployed by the customer in that mode only.
	var managed, guarded []ruleTemplate
	for _, t := range catalog {
		if t.owner != OwnerAWS {
			continue
		}
		managed = append(managed, t)
		if _, ok := controlTowerControls[t.identifier]; ok {
			guarded = append(guarded, t)
		}
	}
	pick := func(from []ruleTemplate, n int, stream string) []ruleTemplate {
		var out []ruleTemplate
		pr := rngFor(seed, stream)
		for _, i := range pr.Perm(len(from))[:min(n, len(from))] {
			out = append(out, from[i])
		}
		return out
	}
	p.securityHub = pick(managed, s.SecurityHubControls, "plan-securityhub")
	p.organization = pick(managed, s.OrganizationRules, "plan-organization")
	p.controlTower = pick(guarded, s.ControlTowerControls, "plan-controltower")
	p.proactive = pick(managed, s.ProactiveRules, "plan-proactive")
	return p
}

// deployment is how one rule template is deployed in an account-region.
type deployment struct {
	name, base string
	manager    ruleid.Manager
	createdBy  string
	pack       string
	modes      []string
}

// Service principals the simulator's service-linked rules and recorders
// name.
const (
	// ServiceLinkedRecorderPrincipal is the service principal of the
	// simulator's service-linked recorders. AWS lists the services that may
	// create one in the Config developer guide ("Working with the
	// configuration recorder"); the simulator's choice is an assumption
	// that matters only as a value the scanner must not rely on.
	ServiceLinkedRecorderPrincipal = "config-recorder.example-service.amazonaws.com"
)

// generateRegion builds the Config data of one account in one region from
// the seed, the account ID and the region alone.
func (o *Org) generateRegion(accountID string, gen accountGen, region string) *RegionConfig {
	s := o.Spec
	if region == s.ConfigDisabledRegion || region == gen.configOffRegion {
		return &RegionConfig{}
	}
	r := rngFor(o.seed, "region", accountID, region)
	now := s.Now
	rec := &Recorder{
		Name:          "default",
		RoleARN:       fmt.Sprintf("arn:%s:iam::%s:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig", o.Partition, accountID),
		Recording:     true,
		LastStatus:    "Success",
		LastStartTime: now.Add(-time.Duration(30+r.IntN(700)) * 24 * time.Hour),
	}
	rc := &RegionConfig{Recorder: rec}
	if region == gen.stoppedRegion {
		rc.Recorder.Recording = false
		rc.Recorder.LastStopTime = now.Add(-time.Duration(1+r.IntN(200)) * time.Hour)
	}
	if region == gen.serviceLinkedRegion {
		sl := *rec
		sl.Name = "AWSConfigurationRecorderForServiceLinked"
		sl.ServicePrincipal = ServiceLinkedRecorderPrincipal
		rc.Recorder, rc.ServiceLinkedRecorders = nil, []Recorder{sl}
	}
	g := regionGen{o: o, account: accountID, region: region, pools: map[string][]*Resource{},
		nonCompliant: nonCompliantShare(o, accountID)}
	for _, t := range o.plan.standalone {
		rc.Rules = append(rc.Rules, g.rule(t, deployment{name: t.name, base: t.name, manager: ruleid.Customer}))
	}
	for _, pp := range o.plan.packs {
		pr := rngFor(o.seed, "pack", accountID, region, pp.name)
		suffix := randString(pr, lowerAlnum, 9)
		pack := ConformancePack{
			Name:      pp.name,
			ID:        "conformance-pack-" + suffix,
			CreatedAt: now.Add(-time.Duration(10+pr.IntN(500)) * 24 * time.Hour),
		}
		if pp.org {
			pack.Name = ruleid.OrgPackPrefix + pp.name + "-" + randString(pr, lowerAlnum, 8)
		}
		pack.ARN = fmt.Sprintf("arn:%s:config:%s:%s:conformance-pack/%s/%s", o.Partition, region, accountID, pack.Name, pack.ID)
		rc.ConformancePacks = append(rc.ConformancePacks, pack)
		for _, t := range pp.rules {
			rc.Rules = append(rc.Rules, g.rule(t, deployment{name: t.name + ruleid.PackSuffix + suffix, base: t.name,
				manager: ruleid.ConformancePack, createdBy: ruleid.CreatedByConformancePack, pack: pack.Name}))
		}
	}
	for _, t := range o.plan.securityHub {
		sr := rngFor(o.seed, "securityhub", accountID, region, t.name)
		rc.Rules = append(rc.Rules, g.rule(t, deployment{name: ruleid.SecurityHubPrefix + t.name + "-" + randString(sr, hexDigits, 8),
			base: t.name, manager: ruleid.SecurityHub, createdBy: ruleid.CreatedBySecurityHub}))
	}
	for _, t := range o.plan.organization {
		// AWS does not document whether an organization rule's suffix is the
		// same in every member account; a suffix per account and region is
		// the harder case for grouping, so the simulator uses it.
		or := rngFor(o.seed, "orgrule", accountID, region, t.name)
		rc.Rules = append(rc.Rules, g.rule(t, deployment{name: ruleid.OrganizationPrefix + t.name + "-" + randString(or, lowerAlnum, 8),
			base: t.name, manager: ruleid.Organization, createdBy: ruleid.CreatedByOrganization}))
	}
	if gen.inOU {
		for _, t := range o.plan.controlTower {
			control := controlTowerControls[t.identifier]
			rc.Rules = append(rc.Rules, g.rule(t, deployment{name: ruleid.ControlTowerPrefix + control, base: control, manager: ruleid.ControlTower}))
		}
	}
	for _, t := range o.plan.proactive {
		rc.Rules = append(rc.Rules, g.rule(t, deployment{name: t.name + "-proactive", base: t.name + "-proactive",
			manager: ruleid.Customer, modes: []string{"PROACTIVE"}}))
	}
	slices.SortFunc(rc.Rules, func(a, b Rule) int { return strings.Compare(a.Name, b.Name) })
	return rc
}

type regionGen struct {
	o               *Org
	account, region string
	pools           map[string][]*Resource
	// nonCompliant is the account's share of non-compliant rules.
	nonCompliant float64
}

// poolSize is the number of resources of a type an account has in a region.
func (g *regionGen) poolSize(typ string) int {
	if typ == "AWS::::Account" {
		return 1
	}
	return max(4, 2*g.o.Spec.ResourcesPerRule)
}

// resource returns the i-th resource of a type, generated on first use from
// the seed, account, region, type and index alone, so that rules naming the
// same index share the resource and unused ones cost nothing.
func (g *regionGen) resource(typ string, i int) Resource {
	p, ok := g.pools[typ]
	if !ok {
		p = make([]*Resource, g.poolSize(typ))
		g.pools[typ] = p
	}
	if p[i] == nil {
		r := rngFor(g.o.seed, "resource", g.account, g.region, typ, itoa(i))
		res := newResource(r, typ, g.account, g.region, i)
		p[i] = &res
	}
	return *p[i]
}

// nonCompliantShare is the account's own share of non-compliant rules: the
// Spec's share scaled by a factor from 0.2 to 1.8 drawn per account (1 on
// average), so accounts differ the way real ones do and the report's
// green/amber/red bands all occur, while the organization's share stays
// NonCompliantShare on average.
func nonCompliantShare(o *Org, accountID string) float64 {
	f := 0.2 + 1.6*rngFor(o.seed, "hygiene", accountID).Float64()
	return min(o.Spec.NonCompliantShare*f, 0.9)
}

func (g *regionGen) rule(t ruleTemplate, d deployment) Rule {
	s, o := g.o.Spec, g.o
	name := d.name
	r := rngFor(o.seed, "rule", g.account, g.region, name)
	ru := Rule{
		Name:             name,
		BaseName:         d.base,
		Manager:          d.manager,
		CreatedBy:        d.createdBy,
		EvaluationModes:  d.modes,
		ID:               "config-rule-" + randString(r, lowerAlnum, 6),
		Owner:            t.owner,
		SourceIdentifier: t.identifier,
		ResourceTypes:    []string{t.resourceType},
		Description:      t.description,
		ConformancePack:  d.pack,
	}
	if t.owner == OwnerCustomLambda {
		ru.SourceIdentifier = fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", o.Partition, g.region, g.account, t.identifier)
	}
	if d.createdBy != "" {
		// Service-linked rules live under the creating service's path.
		ru.ARN = fmt.Sprintf("arn:%s:config:%s:%s:config-rule/aws-service-rule/%s/%s", o.Partition, g.region, g.account, d.createdBy, ru.ID)
	} else {
		ru.ARN = fmt.Sprintf("arn:%s:config:%s:%s:config-rule/%s", o.Partition, g.region, g.account, ru.ID)
	}
	if ru.ProactiveOnly() {
		// A rule evaluated only proactively never gets a detective result:
		// Config reports it INSUFFICIENT_DATA, with no evaluation results.
		ru.Compliance = InsufficientData
		return ru
	}
	evaluated := s.Now.Add(-time.Duration(1+r.IntN(48*60)) * time.Minute).Truncate(time.Second)
	u := r.Float64()
	nonCompliant := g.nonCompliant
	switch {
	case u < s.EvaluationErrorShare:
		e := evaluationErrors[r.IntN(len(evaluationErrors))]
		ru.Compliance = InsufficientData
		ru.EvaluationError = &EvaluationError{Code: e.code, Message: e.message, At: evaluated}
		return ru
	case u < s.EvaluationErrorShare+nonCompliant:
		ru.Compliance = NonCompliant
	case u < s.EvaluationErrorShare+nonCompliant+0.05:
		ru.Compliance = InsufficientData
		return ru
	default:
		ru.Compliance = Compliant
	}
	ru.LastEvaluatedAt = evaluated
	size := g.poolSize(t.resourceType)
	order := r.Perm(size)
	nNC := 0
	if ru.Compliance == NonCompliant {
		nNC = min(1+r.IntN(s.ResourcesPerRule), size)
	}
	nC := min(r.IntN(4), size-nNC)
	if ru.Compliance == Compliant {
		nC = max(nC, 1)
	}
	for k, idx := range order[:nNC+nC] {
		res := g.resource(t.resourceType, idx)
		res.RecordedAt = evaluated.Add(-time.Duration(r.IntN(600)) * time.Second)
		if k < nNC {
			if t.annotation != "" && r.Float64() < 0.7 {
				res.Annotation = t.annotation
			}
			ru.NonCompliant = append(ru.NonCompliant, res)
		} else {
			ru.CompliantResources = append(ru.CompliantResources, res)
		}
	}
	return ru
}
