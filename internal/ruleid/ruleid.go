// Package ruleid tells which check a deployed AWS Config rule is: its rule
// identity.
//
// The same check appears under many deployed names in an organization:
// AWS Config appends a conformance pack's ID to the rules the pack deploys,
// Security Hub prefixes its service-linked rules with "securityhub-" and
// appends a unique identifier per account and region, organization rules
// are deployed to member accounts as "OrgConfigRule-<name>-<suffix>", and
// AWS Control Tower's detective controls as "AWSControlTower_<control>". A
// rule identity is the base name with those additions removed and who
// manages the rule; the report groups and compares by it and keeps the
// deployed name beside it.
//
// Identities are computed from the deployed name and, where the shard
// carries it, the rule's CreatedBy (the service principal that created a
// service-linked rule), so shards written before CreatedBy was recorded are
// grouped the same way.
package ruleid

import (
	"regexp"
	"strings"
)

// Manager says who deploys and manages a rule.
type Manager string

// The managers of a rule, from the most specific naming convention to the
// catch-all.
const (
	// Customer is a rule the account's own people or tooling deployed.
	Customer Manager = "customer"
	// ConformancePack is a rule a conformance pack deployed, the pack's or an
	// organization conformance pack's.
	ConformancePack Manager = "conformance-pack"
	// Organization is an organization Config rule deployed from the
	// management or delegated administrator account.
	Organization Manager = "organization"
	// SecurityHub is a Security Hub control's service-linked rule.
	SecurityHub Manager = "security-hub"
	// ControlTower is an AWS Control Tower detective control.
	ControlTower Manager = "control-tower"
)

// Label returns the manager's name for people: "Customer", "Conformance
// pack", "Organization rule", "Security Hub", "Control Tower".
func (m Manager) Label() string {
	switch m {
	case ConformancePack:
		return "Conformance pack"
	case Organization:
		return "Organization rule"
	case SecurityHub:
		return "Security Hub"
	case ControlTower:
		return "Control Tower"
	}
	return "Customer"
}

// Managers lists every manager, for parsing.
var Managers = []Manager{Customer, ConformancePack, Organization, SecurityHub, ControlTower}

// ManagerOfLabel returns the manager whose Label is label.
func ManagerOfLabel(label string) (Manager, bool) {
	for _, m := range Managers {
		if m.Label() == label {
			return m, true
		}
	}
	return "", false
}

// Service principals AWS Config reports in a rule's CreatedBy.
const (
	// CreatedByConformancePack is the CreatedBy of a conformance pack's rules
	// (their ARNs live under config-rule/aws-service-rule/
	// config-conforms.amazonaws.com/).
	CreatedByConformancePack = "config-conforms.amazonaws.com"
	// CreatedBySecurityHub is the CreatedBy of Security Hub's service-linked
	// rules ("AWS Config rules that Security Hub uses for controls are
	// referred to as service-linked rules", Security Hub user guide, "How
	// Security Hub uses AWS Config rules").
	CreatedBySecurityHub = "securityhub.amazonaws.com"
	// CreatedByOrganization is the CreatedBy of organization rules in member
	// accounts: the service principal organization rules are registered
	// under (AWS::Config::OrganizationConfigRule: "register-delegated-
	// administrator for config-multiaccountsetup.amazonaws.com").
	CreatedByOrganization = "config-multiaccountsetup.amazonaws.com"
)

// Naming conventions.
const (
	// PackSuffix starts the suffix AWS Config appends to a conformance pack
	// rule: "<rule>-conformance-pack-<9 characters>", where
	// "conformance-pack-<9 characters>" is the pack's ConformancePackId.
	PackSuffix = "-conformance-pack-"
	// SecurityHubPrefix starts a Security Hub service-linked rule: "The
	// service-linked rule adds securityhub before the original rule name,
	// and a unique identifier after the rule name" (Security Hub user guide,
	// "How Security Hub generates the service-linked rules").
	SecurityHubPrefix = "securityhub-"
	// OrganizationPrefix starts an organization rule as deployed in a member
	// account: "OrgConfigRule-<organization rule name>-<suffix>".
	OrganizationPrefix = "OrgConfigRule-"
	// ControlTowerPrefix starts an AWS Control Tower detective control's
	// rule: "AWSControlTower_<control identifier>", e.g.
	// AWSControlTower_AWS-GR_ENCRYPTED_VOLUMES for the control
	// AWS-GR_ENCRYPTED_VOLUMES (Control Tower controls reference; the
	// legacy controls' identifiers are "AWS-GR_…").
	ControlTowerPrefix = "AWSControlTower_"
	// OrgPackPrefix starts an organization conformance pack's name in a
	// member account: "OrgConformsPack-<pack name>-<suffix>".
	OrgPackPrefix = "OrgConformsPack-"
)

// Identity is the check a deployed rule performs, whatever its deployed name.
type Identity struct {
	// Base is the rule's name without what its deployer added: a managed
	// rule's name (s3-bucket-versioning-enabled), an organization rule's
	// name, a Control Tower control identifier (AWS-GR_ENCRYPTED_VOLUMES).
	Base string `json:"base"`
	// Manager says who deploys the rule.
	Manager Manager `json:"manager"`
	// ControlID is the Security Hub control ID (S3.14) for a Security Hub
	// rule whose base name the catalog knows, else "".
	ControlID string `json:"controlId,omitempty"`
}

// Key returns a string that is equal for equal identities, for maps and
// sorting: "<manager>/<base>".
func (id Identity) Key() string {
	return string(id.Manager) + "/" + id.Base
}

// String returns the base name and, unless the rule is the customer's, its
// manager: "s3-bucket-versioning-enabled (Security Hub S3.14)".
func (id Identity) String() string {
	switch {
	case id.Manager == Customer || id.Manager == "":
		return id.Base
	case id.ControlID != "":
		return id.Base + " (" + id.Manager.Label() + " " + id.ControlID + ")"
	}
	return id.Base + " (" + id.Manager.Label() + ")"
}

var (
	// hexSuffix is the unique identifier Security Hub appends; AWS shows
	// eight hexadecimal digits (securityhub-…-f986ecc9). Only rules whose
	// CreatedBy is unknown need it: then a customer rule that merely starts
	// with "securityhub-" (the managed rule securityhub-enabled) is not
	// taken for a service-linked one.
	hexSuffix = regexp.MustCompile(`-[0-9a-f]{8}$`)
	// anySuffix is the last dash-separated part of a name.
	anySuffix = regexp.MustCompile(`-[0-9A-Za-z]+$`)
)

// Of returns the identity of a rule deployed as name, created by createdBy
// (the rule's CreatedBy, "" when unknown or when the customer created it).
// pack, when known, is the conformance pack that deployed the rule.
func Of(name, createdBy, pack string) Identity {
	switch {
	case createdBy == CreatedBySecurityHub ||
		createdBy == "" && strings.HasPrefix(name, SecurityHubPrefix) && hexSuffix.MatchString(name):
		base := strings.TrimPrefix(name, SecurityHubPrefix)
		if loc := anySuffix.FindStringIndex(base); loc != nil && loc[0] > 0 {
			base = base[:loc[0]]
		}
		return Identity{Base: base, Manager: SecurityHub, ControlID: controlIDs[base]}
	case strings.HasPrefix(name, OrganizationPrefix) && (createdBy == "" || createdBy == CreatedByOrganization):
		base := strings.TrimPrefix(name, OrganizationPrefix)
		if loc := anySuffix.FindStringIndex(base); loc != nil && loc[0] > 0 {
			base = base[:loc[0]]
		}
		return Identity{Base: base, Manager: Organization}
	case createdBy == CreatedByOrganization:
		return Identity{Base: name, Manager: Organization}
	case strings.HasPrefix(name, ControlTowerPrefix) && len(name) > len(ControlTowerPrefix):
		return Identity{Base: strings.TrimPrefix(name, ControlTowerPrefix), Manager: ControlTower}
	}
	if i := strings.LastIndex(name, PackSuffix); i > 0 && (createdBy == "" || createdBy == CreatedByConformancePack || pack != "") {
		return Identity{Base: name[:i], Manager: ConformancePack}
	}
	if createdBy == CreatedByConformancePack || pack != "" {
		return Identity{Base: name, Manager: ConformancePack}
	}
	return Identity{Base: name, Manager: Customer}
}

// PackName returns a conformance pack's name without what an organization
// conformance pack adds in member accounts: "OrgConformsPack-<name>-<suffix>"
// becomes "<name>"; other names are returned as they are.
func PackName(name string) string {
	rest, ok := strings.CutPrefix(name, OrgPackPrefix)
	if !ok {
		return name
	}
	if loc := anySuffix.FindStringIndex(rest); loc != nil && loc[0] > 0 {
		return rest[:loc[0]]
	}
	return rest
}

// ControlID returns the Security Hub control ID whose service-linked rule
// has this base name, or "".
func ControlID(base string) string {
	return controlIDs[base]
}
