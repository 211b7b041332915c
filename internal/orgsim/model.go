package orgsim

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/config-report/config-report/internal/ruleid"
)

// AccountState is an account's lifecycle state, as Organizations reports it in
// the Account's State field.
type AccountState string

// The account states Organizations reports (PENDING_ACTIVATION is not
// generated).
const (
	StateActive         AccountState = "ACTIVE"
	StateSuspended      AccountState = "SUSPENDED"
	StatePendingClosure AccountState = "PENDING_CLOSURE"
	StateClosed         AccountState = "CLOSED"
)

// Status returns the value of the retired Status field that Organizations
// still sends next to State: ACTIVE, SUSPENDED or PENDING_CLOSURE. A CLOSED
// account (in its post-closure period) reports SUSPENDED.
func (s AccountState) Status() string {
	switch s {
	case StateActive:
		return "ACTIVE"
	case StatePendingClosure:
		return "PENDING_CLOSURE"
	default:
		return "SUSPENDED"
	}
}

// ComplianceType is a Config compliance value.
type ComplianceType string

// The compliance values Config uses. A rule's own compliance (what
// DescribeComplianceByConfigRule reports) is only ever COMPLIANT,
// NON_COMPLIANT or INSUFFICIENT_DATA: Config documents that it does not
// support NOT_APPLICABLE for a rule's Compliance; NOT_APPLICABLE exists only
// on evaluation results.
const (
	Compliant        ComplianceType = "COMPLIANT"
	NonCompliant     ComplianceType = "NON_COMPLIANT"
	NotApplicable    ComplianceType = "NOT_APPLICABLE"
	InsufficientData ComplianceType = "INSUFFICIENT_DATA"
)

// Rule owners (Config's Source.Owner).
const (
	OwnerAWS          = "AWS"
	OwnerCustomLambda = "CUSTOM_LAMBDA"
	OwnerCustomPolicy = "CUSTOM_POLICY"
)

// ConformsCreatedBy is the CreatedBy value Config puts on rules that a
// conformance pack deployed.
const ConformsCreatedBy = ruleid.CreatedByConformancePack

// Org is a simulated AWS Organization: its tree of OUs, its accounts and, per
// account and region, the AWS Config ground truth the simulator serves.
//
// Fields are set by Generate and must not be modified afterwards; change
// accounts with UpdateAccount and Config data with UpdateRegionConfig, which
// are safe while a Server is serving the organization. Reading an account's
// fields directly races only with a concurrent UpdateAccount.
type Org struct {
	// Partition is the ARN partition, always "aws".
	Partition string
	// OrgID is the organization's ID, o-xxxxxxxxxx.
	OrgID string
	// ManagementAccountID is the management (payer) account. The
	// organization-listing role lives there.
	ManagementAccountID string
	// HubAccountID is the member account the pipeline is deployed in; its roles
	// are the principals that assume the org and read roles.
	HubAccountID string
	// RootID is the ID of the organization's root, r-xxxx.
	RootID string
	// OUs lists every organizational unit, parents before children.
	OUs []*OU
	// Accounts lists every account (management and hub included), sorted by ID.
	Accounts []*Account
	// Regions are the regions the generator filled with Config data.
	Regions []string
	// Spec is the spec the organization was generated from, defaults applied.
	Spec Spec
	// SCPs are the organization's region-deny service control policies.
	SCPs []SCP

	seed uint64
	plan rulePlan

	updateMu  sync.Mutex // serializes UpdateRegionConfig's read-modify-write
	mu        sync.RWMutex
	byID      map[string]*Account
	ouByID    map[string]*OU
	ouKids    map[string][]*OU      // parent ID → child OUs, sorted by ID
	acctKids  map[string][]*Account // parent ID → accounts, sorted by ID
	overrides map[regionKey]*RegionConfig
	cache     regionCache
}

// OU is an organizational unit.
type OU struct {
	// ID is ou-<root suffix>-<8 characters>.
	ID string
	// Name is the OU's name, unique among its siblings.
	Name string
	// ParentID is the root's or another OU's ID.
	ParentID string
}

// Account is one AWS account of the organization.
type Account struct {
	// ID is the 12-digit account ID.
	ID string
	// Name is the account's friendly name.
	Name string
	// Email is the account's root e-mail address.
	Email string
	// State is the lifecycle state (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED).
	State AccountState
	// ParentID is the root's or an OU's ID.
	ParentID string
	// Tags are the account's Organizations tags.
	Tags map[string]string
	// JoinedAt is when the account joined the organization.
	JoinedAt time.Time
	// JoinedMethod is CREATED or INVITED.
	JoinedMethod string
	// Roles are the IAM roles other principals may assume into this account.
	Roles []Role
	// DisabledRegions are opt-in regions not enabled for this account. Calls to
	// a regional service there fail as AWS fails them (see the package doc).
	DisabledRegions []string
	// DeniedActions are IAM actions ("config:GetComplianceDetailsByConfigRule",
	// "organizations:ListAccounts", …) denied to every principal of this
	// account: the call fails with the service's AccessDenied error.
	DeniedActions []string
	// SCPDeniedRegions are the regions where a service control policy
	// attached to the account or one of its OUs denies every regional call
	// (a region-deny SCP). It is computed by Generate from Org.SCPs; a test
	// may set it directly. The management account is never affected.
	SCPDeniedRegions []string

	org *Org
	gen accountGen
}

// accountGen holds the generator's per-account choices that shape the lazily
// generated Config data.
type accountGen struct {
	configOffRegion     string // Config not enabled in this region
	stoppedRegion       string // recorder stopped in this region
	serviceLinkedRegion string // only a service-linked recorder in this region
	inOU                bool   // the account is in an OU (Control Tower enrolls it)
}

// SCP is a region-deny service control policy: it denies every regional
// action outside its approved regions to the principals of the accounts
// under its targets. The pattern is the one AWS documents ("Deny access to
// AWS based on the requested AWS Region", Organizations user guide, example
// SCPs, with aws:RequestedRegion); global services such as IAM,
// Organizations and STS's global endpoint are exempt.
type SCP struct {
	// ID is the policy ID, p-<8 lowercase alphanumerics>.
	ID string
	// Name is the policy's name.
	Name string
	// Approved are the regions the policy allows.
	Approved []string
	// Targets are the OU (or root, or account) IDs the policy is attached to.
	Targets []string
}

// ARN returns the policy's ARN, as an AccessDenied message names it:
// arn:aws:organizations::<management>:policy/<org>/service_control_policy/<id>.
func (p SCP) ARN(o *Org) string {
	return fmt.Sprintf("arn:%s:organizations::%s:policy/%s/service_control_policy/%s", o.Partition, o.ManagementAccountID, o.OrgID, p.ID)
}

// Role is an IAM role that can be assumed with sts:AssumeRole.
type Role struct {
	// Name is the role name (no path).
	Name string
	// Trusted lists the principal ARNs the trust policy allows: role ARNs
	// (arn:aws:iam::111122223333:role/name, which admit that role's sessions),
	// user ARNs, or an account root (arn:aws:iam::111122223333:root, which
	// admits every principal of that account).
	Trusted []string
	// ExternalID, when set, must be passed as sts:ExternalId.
	ExternalID string
	// MaxSessionDuration bounds DurationSeconds; zero means AWS's default of
	// one hour.
	MaxSessionDuration time.Duration
	// Actions are the only actions the role's permissions policy allows; a
	// session of the role calling any other gets AWS's AccessDenied ("… because
	// no identity-based policy allows the … action"). Nil means the simulator
	// does not model the role's permissions (the hub's own roles, whose
	// policies the CDK tests check).
	Actions []string
}

// RegionConfig is the AWS Config state of one account in one region.
type RegionConfig struct {
	// Recorder is the customer managed configuration recorder; nil means the
	// account has none in the region. With neither it nor a service-linked
	// recorder, Config is not enabled in the region (then there are no
	// rules and no conformance packs).
	Recorder *Recorder
	// ServiceLinkedRecorders are recorders another AWS service created and
	// manages (PutServiceLinkedConfigurationRecorder). Describing recorders
	// with no argument does not return them: "If a configuration recorder is
	// not specified, this operation returns details for the customer managed
	// configuration recorder" (DescribeConfigurationRecorders).
	ServiceLinkedRecorders []Recorder
	// Rules are the region's Config rules, conformance-pack rules included.
	Rules []Rule
	// ConformancePacks are the region's conformance packs.
	ConformancePacks []ConformancePack
}

// Recorder is a configuration recorder and its status.
type Recorder struct {
	// Name is the recorder name, "default" when generated.
	Name string
	// ServicePrincipal is the linked service of a service-linked recorder,
	// "" for the customer managed one.
	ServicePrincipal string
	// RoleARN is the role the recorder uses.
	RoleARN string
	// Recording says whether the recorder is running.
	Recording bool
	// LastStatus is Pending, Success or Failure (the values Config's API
	// model lists).
	LastStatus string
	// LastStartTime and LastStopTime are the recorder's last start and stop;
	// zero means never.
	LastStartTime, LastStopTime time.Time
	// LastErrorCode and LastErrorMessage describe the last failure, if any.
	LastErrorCode, LastErrorMessage string
}

// ConformancePack is a deployed conformance pack.
type ConformancePack struct {
	// Name is the pack's name.
	Name string
	// ID is conformance-pack-<9 lowercase alphanumerics>; the pack's rules are
	// named <base>-conformance-pack-<the same 9 characters>.
	ID string
	// ARN is arn:aws:config:<region>:<account>:conformance-pack/<name>/<id>.
	ARN string
	// CreatedAt is when the pack was deployed.
	CreatedAt time.Time
}

// Rule is a Config rule with its compliance ground truth.
type Rule struct {
	// Name is the rule name as deployed: a conformance pack's rules carry the
	// pack's suffix (<BaseName>-conformance-pack-<suffix>), Security Hub's
	// and organization rules their prefix and suffix, Control Tower's its
	// prefix (see internal/ruleid).
	Name string
	// BaseName is Name without what its deployer added.
	BaseName string
	// Manager is who deployed the rule (the ground truth of its identity).
	Manager ruleid.Manager
	// CreatedBy is the service principal that created a service-linked
	// rule, "" for rules the customer created (ConfigRule.CreatedBy).
	CreatedBy string
	// EvaluationModes are the rule's evaluation modes (DETECTIVE,
	// PROACTIVE); nil means DETECTIVE only, Config's default.
	EvaluationModes []string
	// ID is config-rule-<6 lowercase alphanumerics>.
	ID string
	// ARN is the rule's ARN (pack rules live under
	// config-rule/aws-service-rule/config-conforms.amazonaws.com/).
	ARN string
	// Owner is AWS, CUSTOM_LAMBDA or CUSTOM_POLICY.
	Owner string
	// SourceIdentifier is the managed rule identifier (AWS) or the Lambda
	// function ARN (CUSTOM_LAMBDA); empty for CUSTOM_POLICY.
	SourceIdentifier string
	// ResourceTypes is the rule's scope.
	ResourceTypes []string
	// Description is the rule's description.
	Description string
	// ConformancePack is the name of the pack that deployed the rule, or "".
	ConformancePack string
	// Compliance is what DescribeComplianceByConfigRule reports: COMPLIANT,
	// NON_COMPLIANT (NonCompliant is not empty) or INSUFFICIENT_DATA.
	Compliance ComplianceType
	// EvaluationError, when set, is reported by
	// DescribeConfigRuleEvaluationStatus as the last failed evaluation.
	EvaluationError *EvaluationError
	// LastEvaluatedAt is the last successful evaluation; zero means never.
	LastEvaluatedAt time.Time
	// NonCompliant are the resources evaluated NON_COMPLIANT.
	NonCompliant []Resource
	// CompliantResources are the resources evaluated COMPLIANT.
	CompliantResources []Resource
}

// ProactiveOnly reports whether the rule is evaluated only proactively.
func (r *Rule) ProactiveOnly() bool {
	return len(r.EvaluationModes) > 0 && !slices.Contains(r.EvaluationModes, "DETECTIVE")
}

// EvaluationError is a rule's last failed evaluation.
type EvaluationError struct {
	// Code and Message are LastErrorCode and LastErrorMessage.
	Code, Message string
	// At is LastFailedEvaluationTime.
	At time.Time
}

// Resource is an AWS resource a rule evaluated.
type Resource struct {
	// Type is the Config resource type, e.g. AWS::S3::Bucket.
	Type string
	// ID is the Config resource ID (bucket name, i-…, sg-…, …).
	ID string
	// Name is the resource name Config knows, or "".
	Name string
	// Tags are the resource's tags.
	Tags map[string]string
	// Annotation is the evaluation's annotation, or "".
	Annotation string
	// RecordedAt is when the evaluation result was recorded.
	RecordedAt time.Time
	// InConfig says whether Config has a configuration item for the resource,
	// i.e. whether BatchGetResourceConfig returns it.
	InConfig bool
}

// Account returns the account with the given ID, or nil.
func (o *Org) Account(id string) *Account {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.byID[id]
}

// OU returns the organizational unit with the given ID, or nil.
func (o *Org) OU(id string) *OU {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.ouByID[id]
}

// HubRoleARN returns the ARN of the named role in the hub account, e.g.
// HubRoleARN("system-config-report-scanner-role").
func (o *Org) HubRoleARN(name string) string {
	return roleARN(o.Partition, o.HubAccountID, name)
}

// RoleARN returns the ARN of the named role in the given account.
func (o *Org) RoleARN(accountID, name string) string {
	return roleARN(o.Partition, accountID, name)
}

// ActiveAccounts returns the IDs of the accounts whose State is ACTIVE, sorted.
func (o *Org) ActiveAccounts() []string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var ids []string
	for _, a := range o.Accounts {
		if a.State == StateActive {
			ids = append(ids, a.ID)
		}
	}
	return ids
}

// UpdateAccount changes an account under the organization's lock, so it is
// safe while a Server serves the organization. fn may change any exported
// field except ID; it must not call methods of the Org or its accounts.
func (o *Org) UpdateAccount(id string, fn func(*Account)) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.byID[id]
	if !ok {
		return fmt.Errorf("orgsim: no account %s", id)
	}
	parent := a.ParentID
	fn(a)
	a.ID = id
	if a.ParentID != parent {
		if _, ok := o.ouByID[a.ParentID]; !ok && a.ParentID != o.RootID {
			bad := a.ParentID
			a.ParentID = parent
			return fmt.Errorf("orgsim: account %s: no parent %s", id, bad)
		}
		o.indexAccounts()
	}
	return nil
}

// RegionConfig returns the account's Config ground truth in a region: the
// test's override if one was set, otherwise the generated data. The result is
// a copy; change it with Org.UpdateRegionConfig.
func (a *Account) RegionConfig(region string) RegionConfig {
	return a.org.regionConfig(a, region).clone()
}

// Role returns the named role of the account.
func (a *Account) Role(name string) (Role, bool) {
	a.org.mu.RLock()
	defer a.org.mu.RUnlock()
	for _, r := range a.Roles {
		if r.Name == name {
			return r, true
		}
	}
	return Role{}, false
}

// ARN returns the account's Organizations ARN.
func (a *Account) ARN() string {
	o := a.org
	return fmt.Sprintf("arn:%s:organizations::%s:account/%s/%s", o.Partition, o.ManagementAccountID, o.OrgID, a.ID)
}

// UpdateRegionConfig changes the Config data of an account in a region: fn
// receives a copy of the current data (override or generated) and the result
// becomes the override, which wins over generation from then on. Safe while a
// Server serves the organization, and concurrent updates do not lose each
// other's changes.
func (o *Org) UpdateRegionConfig(accountID, region string, fn func(*RegionConfig)) error {
	a := o.Account(accountID)
	if a == nil {
		return fmt.Errorf("orgsim: no account %s", accountID)
	}
	o.updateMu.Lock()
	defer o.updateMu.Unlock()
	rc := o.regionConfig(a, region).clone()
	fn(&rc)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.overrides[regionKey{accountID, region}] = &rc
	return nil
}

type regionKey struct{ account, region string }

// regionConfig returns the shared (not copied) region data: callers must not
// modify it.
func (o *Org) regionConfig(a *Account, region string) *RegionConfig {
	k := regionKey{a.ID, region}
	o.mu.RLock()
	rc, ok := o.overrides[k]
	gen := a.gen
	o.mu.RUnlock()
	if ok {
		return rc
	}
	if rc := o.cache.get(k); rc != nil {
		return rc
	}
	rc = o.generateRegion(a.ID, gen, region)
	o.cache.put(k, rc)
	return rc
}

// indexAccounts rebuilds the parent → accounts index. Callers hold o.mu.
func (o *Org) indexAccounts() {
	o.acctKids = make(map[string][]*Account)
	for _, a := range o.Accounts {
		o.acctKids[a.ParentID] = append(o.acctKids[a.ParentID], a)
	}
}

// ouPath returns the entity path of a parent (root or OU):
// o-…/r-…/ou-…/ou-….
func (o *Org) ouPath(parentID string) string {
	var chain []string
	for id := parentID; id != o.RootID && id != ""; {
		chain = append(chain, id)
		ou := o.ouByID[id]
		if ou == nil {
			break
		}
		id = ou.ParentID
	}
	slices.Reverse(chain)
	p := o.OrgID + "/" + o.RootID
	for _, id := range chain {
		p += "/" + id
	}
	return p
}

func (rc *RegionConfig) clone() RegionConfig {
	out := RegionConfig{}
	if rc.Recorder != nil {
		r := *rc.Recorder
		out.Recorder = &r
	}
	out.ConformancePacks = slices.Clone(rc.ConformancePacks)
	out.ServiceLinkedRecorders = slices.Clone(rc.ServiceLinkedRecorders)
	if rc.Rules != nil {
		out.Rules = make([]Rule, len(rc.Rules))
		for i, r := range rc.Rules {
			r.ResourceTypes = slices.Clone(r.ResourceTypes)
			r.EvaluationModes = slices.Clone(r.EvaluationModes)
			if r.EvaluationError != nil {
				e := *r.EvaluationError
				r.EvaluationError = &e
			}
			r.NonCompliant = cloneResources(r.NonCompliant)
			r.CompliantResources = cloneResources(r.CompliantResources)
			out.Rules[i] = r
		}
	}
	return out
}

func cloneResources(rs []Resource) []Resource {
	if rs == nil {
		return nil
	}
	out := make([]Resource, len(rs))
	for i, r := range rs {
		if r.Tags != nil {
			t := make(map[string]string, len(r.Tags))
			for k, v := range r.Tags {
				t[k] = v
			}
			r.Tags = t
		}
		out[i] = r
	}
	return out
}

// regionCache keeps recently generated region data so that a scan's several
// calls for one account-region do not regenerate it each time. It is bounded:
// a 20,000-account organization never holds all of it.
type regionCache struct {
	mu sync.Mutex
	m  map[regionKey]*RegionConfig
}

const regionCacheSize = 2048

func (c *regionCache) get(k regionKey) *RegionConfig {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k]
}

func (c *regionCache) put(k regionKey, rc *RegionConfig) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[regionKey]*RegionConfig)
	}
	if len(c.m) >= regionCacheSize {
		n := 0
		for old := range c.m { // map order is arbitrary: evict a quarter
			delete(c.m, old)
			if n++; n >= regionCacheSize/4 {
				break
			}
		}
	}
	c.m[k] = rc
}

func roleARN(partition, account, name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, name)
}
