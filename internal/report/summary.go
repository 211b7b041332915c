package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/config-report/config-report/internal/ruleid"
)

// SummaryVersion is the version of the summary.json document this package
// writes.
//
// Version 2 groups Rules by rule identity (base name and manager, package
// ruleid) instead of by base name alone. Version 1 summaries, written by
// earlier builds, are still read as the previous run: their rules are
// matched by the identity their base name implies, then by base name.
//
// Version 3 counts an account as scanned only where some region returned
// rule results (Totals.Scanned; accounts whose every region returned none
// are Totals.NoData, status "no data"), marks partially scanned accounts,
// and adds Totals.Coverage. It counts distinct resources and findings
// (a resource under one rule identity) where earlier versions counted rows
// of the resource sheet, and its Resources set holds findings
// (FindingHash). Earlier summaries are still read: the Summary does not
// compare the figures whose meaning changed, and the comparison matches
// their rows (ResourceHash) with this run's.
const SummaryVersion = 3

// scannedMeaningVersion is the first summary version whose Totals.Scanned
// leaves out accounts without rule results, whose resources are distinct
// and whose accounts list the regions read.
const scannedMeaningVersion = 3

// beforeV3 reports whether the summary was written before version 3: it
// counted accounts without rule results as scanned, counted resources by
// rows, and does not list the regions each account was read in.
func (s *Summary) beforeV3() bool { return s.SchemaVersion < scannedMeaningVersion }

// minSummaryVersion is the oldest summary version this package reads.
const minSummaryVersion = 1

// ErrUnknownSummary is returned (wrapped) when a summary.json has a schema
// version this package does not read.
var ErrUnknownSummary = errors.New("unknown summary schema version")

// Summary is the machine-readable result of one run, written as summary.json
// next to the workbook. The next run reads it to show what changed.
type Summary struct {
	// SchemaVersion is SummaryVersion.
	SchemaVersion int `json:"schemaVersion"`
	// RunID is the run the summary describes.
	RunID string `json:"runId"`
	// Environment is the deployment environment that produced the run.
	Environment string `json:"environment"`
	// GeneratedAt is when the report was built.
	GeneratedAt time.Time `json:"generatedAt"`
	// Regions are the regions the run was configured to scan.
	Regions []string `json:"regions"`
	// Totals are the organization-wide figures.
	Totals Totals `json:"totals"`
	// Comparison is the change since the previous run; nil on a first run.
	Comparison *Comparison `json:"comparison,omitempty"`
	// Accounts holds one entry per account of the run's manifests, by ID.
	Accounts []AccountSummary `json:"accounts"`
	// Rules holds one entry per rule identity, by manager and base name.
	Rules []RuleSummary `json:"rules"`
	// OUs holds one entry per OU path, by path.
	OUs []OUSummary `json:"ous"`
	// Resources identifies every non-compliant resource of the run, compactly,
	// so the next run can tell new from persisting and resolved ones.
	Resources ResourceSet `json:"resources"`
	// Trend holds the headline figures of the environment's last TrendRuns
	// runs, oldest first, this one last; carried forward from the previous
	// summary. Absent from summaries written before it was kept, which the
	// next run reads as a trend of that run alone.
	Trend []TrendPoint `json:"trend,omitempty"`
	// Ages say how long the open findings have been open (the findings
	// ledger, ledger.bin beside this file). Absent from summaries written
	// before the ledger was kept.
	Ages *AgeTotals `json:"ages,omitempty"`
	// SLA counts the open findings past their severity's SLA.
	SLA *SLATotals `json:"sla,omitempty"`
}

// Evaluations counts rule evaluations (one per rule, account and region) by
// compliance state.
type Evaluations struct {
	// Compliant is the number of COMPLIANT evaluations.
	Compliant int `json:"compliant"`
	// NonCompliant is the number of NON_COMPLIANT evaluations.
	NonCompliant int `json:"nonCompliant"`
	// NotApplicable is the number of NOT_APPLICABLE evaluations.
	NotApplicable int `json:"notApplicable"`
	// InsufficientData is the number of INSUFFICIENT_DATA evaluations.
	InsufficientData int `json:"insufficientData"`
}

// Compliance returns compliant ÷ (compliant + non-compliant) evaluations, and
// false when there are none of either (the figure is undefined).
func (e Evaluations) Compliance() (float64, bool) {
	d := e.Compliant + e.NonCompliant
	if d == 0 {
		return 0, false
	}
	return float64(e.Compliant) / float64(d), true
}

func (e *Evaluations) add(o Evaluations) {
	e.Compliant += o.Compliant
	e.NonCompliant += o.NonCompliant
	e.NotApplicable += o.NotApplicable
	e.InsufficientData += o.InsufficientData
}

// Totals are a run's organization-wide figures.
type Totals struct {
	// Accounts is the number of accounts in the run's manifests: the
	// accounts of this run, scanned or not.
	Accounts int `json:"accounts"`
	// Scanned is the number of accounts with rule results in some region
	// (Partial of them not in every region that should have them). Before
	// version 3: every account whose read role was assumed.
	Scanned int `json:"scanned"`
	// Partial is the number of scanned accounts with rule results in some
	// regions only (status "partially scanned"). Since version 3.
	Partial int `json:"partial,omitempty"`
	// NoData is the number of accounts whose read role was assumed but no
	// region returned rule results (status "no data"). Since version 3.
	NoData int `json:"noData,omitempty"`
	// Unreachable is the number of accounts whose read role could not be assumed.
	Unreachable int `json:"unreachable"`
	// NotScanned is the number of accounts without a usable shard.
	NotScanned int `json:"notScanned"`
	// Evaluations counts rule evaluations by state.
	Evaluations
	// Rules is the number of rule identities evaluated.
	Rules int `json:"rules"`
	// Resources is the number of distinct non-compliant resources (a
	// resource failing three rules, or reported from four regions when it is
	// global, is one). Before version 3: rows of the resource sheet.
	Resources int `json:"resources"`
	// Findings is the number of distinct findings: a non-compliant resource
	// under one rule identity (FindingHash). Since version 3.
	Findings int `json:"findings,omitempty"`
	// Coverage counts the run's account-regions (accounts × configured
	// regions) by what the scan found there. Absent before version 3.
	Coverage *CoverageTotals `json:"coverage,omitempty"`
	// Organization counts the organization's accounts as ListAccounts
	// listed them for the run (runs/<runId>/organization.json); absent when
	// the run has no such record, and in summaries written before it existed.
	Organization *OrganizationTotals `json:"organization,omitempty"`
}

// OrganizationTotals count the accounts of the organization's selected OUs
// (INCLUDE_OUS, EXCLUDE_OUS) when the run was listed, in every state.
// Accounts = Inactive + Excluded + the active accounts the run's first
// manifest named.
type OrganizationTotals struct {
	// Accounts is every account ListAccounts found, in any state.
	Accounts int `json:"accounts"`
	// Inactive is the number of those that are not ACTIVE (suspended,
	// closing, closed) and so are not scanned.
	Inactive int `json:"inactive"`
	// InactiveByState breaks Inactive down by account state, e.g.
	// {"SUSPENDED": 2, "CLOSED": 1}.
	InactiveByState map[string]int `json:"inactiveByState,omitempty"`
	// Excluded is the number of active accounts EXCLUDE_ACCOUNTS removed.
	Excluded int `json:"excluded"`
	// Untagged is the number of the run's accounts whose tags ListAccounts
	// could not read before its deadline; absent when zero.
	Untagged int `json:"untagged,omitempty"`
}

// CoverageTotals count a run's account-regions by what the scan found.
// WithResults + ConfigNotEnabled + AccessDenied + BlockedBySCP +
// RegionDisabled + Unreachable + NotFinished + NotScanned = AccountRegions.
type CoverageTotals struct {
	// AccountRegions is the run's accounts × its configured regions.
	AccountRegions int `json:"accountRegions"`
	// WithResults is the account-regions whose rule results were read.
	WithResults int `json:"withResults"`
	// RecorderStopped is those of WithResults whose configuration recorder
	// is not recording: their results may be stale.
	RecorderStopped int `json:"recorderStopped"`
	// ConfigNotEnabled is the account-regions without a recorder or rules.
	ConfigNotEnabled int `json:"configNotEnabled"`
	// AccessDenied is the account-regions where the read role was denied a
	// Config call.
	AccessDenied int `json:"accessDenied"`
	// BlockedBySCP is the account-regions where a service control policy
	// denies Config calls.
	BlockedBySCP int `json:"blockedBySCP"`
	// RegionDisabled is the account-regions of opt-in regions the account
	// has not enabled.
	RegionDisabled int `json:"regionDisabled"`
	// Unreachable is the account-regions of accounts whose read role could
	// not be assumed.
	Unreachable int `json:"unreachable"`
	// NotFinished is the account-regions the scan ran out of time on: the
	// account was too large for the function's timeout.
	NotFinished int `json:"notFinished"`
	// NotScanned is the account-regions without a result: the account has
	// no usable shard, or its shard has nothing for the region.
	NotScanned int `json:"notScanned"`
}

// Share returns WithResults ÷ AccountRegions, and false when the run has
// no account-regions.
func (c *CoverageTotals) Share() (float64, bool) {
	if c == nil || c.AccountRegions == 0 {
		return 0, false
	}
	return float64(c.WithResults) / float64(c.AccountRegions), true
}

// Comparison is what changed since the previous run, in findings (a
// non-compliant resource under one rule identity). New +
// NotPreviouslyChecked + Persisting is this run's findings; Persisting +
// Resolved + NotRechecked + Unknown is the previous run's. Against a summary before version 3, which recorded rows,
// this run's findings are matched by their rows, and Unknown counts the
// previous run's rows that cannot be placed.
type Comparison struct {
	// PreviousRunID is the run compared against.
	PreviousRunID string `json:"previousRunId"`
	// New counts findings open now and not in the previous run, in an
	// account and region the previous run read rule results from.
	New int `json:"new"`
	// NotPreviouslyChecked counts findings open now and not in the previous
	// run, in an account and region that run did not read (not scanned,
	// unreachable, denied, no data): they may be old. Since version 3.
	NotPreviouslyChecked int `json:"notPreviouslyChecked"`
	// Persisting counts findings open in both runs.
	Persisting int `json:"persisting"`
	// Resolved counts findings of the previous run, not open now, every
	// account and region of which was scanned this time.
	Resolved int `json:"resolved"`
	// NotRechecked counts findings of the previous run, not open now, in an
	// account or region that was not scanned this time, so whether they are
	// fixed is unknown.
	NotRechecked int `json:"notRechecked"`
	// Unknown counts findings of the previous run, not open now,
	// whose account and region cannot be told because the previous run's CSV
	// is missing or does not list them: neither resolved nor known to be not
	// re-checked.
	Unknown int `json:"unknown"`
}

// AccountSummary is one account's figures.
type AccountSummary struct {
	// ID is the account ID.
	ID string `json:"id"`
	// Name is the account's name.
	Name string `json:"name"`
	// OUPath is the account's OU path.
	OUPath string `json:"ouPath"`
	// Tags are the account tags the lister read.
	Tags map[string]string `json:"tags,omitempty"`
	// Status is "scanned" (StatusScanned), "partially scanned"
	// (StatusPartial), "no data" (StatusNoData), "unreachable"
	// (StatusUnreachable) or "not scanned" (StatusNotScanned): the words
	// the workbook's Status column shows. Summaries before version 3 say
	// "scanned" for accounts of the two new statuses.
	Status string `json:"status"`
	// Reason explains an account that is not simply scanned.
	Reason string `json:"reason,omitempty"`
	// RegionsScanned is the number of regions with rule results.
	RegionsScanned int `json:"regionsScanned"`
	// Evaluations counts the account's rule evaluations by state.
	Evaluations
	// Resources is the number of the account's distinct non-compliant
	// resources (before version 3: its rows on the resource sheet).
	Resources int `json:"resources"`
	// Findings is the number of the account's findings (resource × rule
	// identity). Since version 3.
	Findings int `json:"findings,omitempty"`
	// RegionsRead are the regions whose rule results were read, sorted: the
	// next run's findings there can be new; elsewhere they were not
	// previously checked. Since version 3.
	RegionsRead []string `json:"regionsRead,omitempty"`
}

// RuleSummary is one rule identity's figures across accounts and regions:
// the same check under every deployed name (package ruleid).
type RuleSummary struct {
	// BaseName is the rule's name without what its deployer added (a
	// conformance pack's suffix, Security Hub's and organization rules'
	// prefixes and suffixes, Control Tower's prefix).
	BaseName string `json:"baseName"`
	// Manager says who deploys the rule: customer, conformance-pack,
	// organization, security-hub or control-tower. Summaries of version 1
	// have none; their rules were grouped by base name alone.
	Manager string `json:"manager,omitempty"`
	// ControlID is the Security Hub control ID of a Security Hub rule, where
	// known.
	ControlID string `json:"controlId,omitempty"`
	// DeployedNames is how many deployed names the identity had in the run
	// (one per account and region for Security Hub's rules).
	DeployedNames int `json:"deployedNames,omitempty"`
	// ProactiveOnly says the rule is evaluated only proactively: it has no
	// detective result and is left out of every compliance figure.
	ProactiveOnly bool `json:"proactiveOnly,omitempty"`
	// Source is the rule's owner (AWS, CUSTOM_LAMBDA, CUSTOM_POLICY).
	Source string `json:"source,omitempty"`
	// Identifier is the managed rule identifier or the custom rule's function.
	Identifier string `json:"identifier,omitempty"`
	// ConformancePacks are the packs that deploy the rule.
	ConformancePacks []string `json:"conformancePacks,omitempty"`
	// AccountsNonCompliant counts accounts where the rule is NON_COMPLIANT in some region.
	AccountsNonCompliant int `json:"accountsNonCompliant"`
	// AccountsCompliant counts accounts where the rule is COMPLIANT in some region and NON_COMPLIANT in none.
	AccountsCompliant int `json:"accountsCompliant"`
	// Evaluations counts the rule's evaluations by state.
	Evaluations
	// EvaluationErrors counts evaluations that reported an error.
	EvaluationErrors int `json:"evaluationErrors"`
	// Resources is the number of distinct resources the rule identity found
	// non-compliant: its findings (before version 3: its rows on the
	// resource sheet).
	Resources int `json:"resources"`
	// Severity is the rule's severity in the rule catalog (low, medium,
	// high, critical), "" when it has none.
	Severity string `json:"severity,omitempty"`
	// OldestDays is the age of the rule's oldest open finding.
	OldestDays int `json:"oldestDays,omitempty"`
}

// OUSummary is one OU path's figures (its own accounts, not its children's).
type OUSummary struct {
	// Path is the OU path, e.g. "Root/Workloads/Prod".
	Path string `json:"path"`
	// Accounts is the number of accounts in the OU.
	Accounts int `json:"accounts"`
	// Scanned is the number of those that were scanned.
	Scanned int `json:"scanned"`
	// Evaluations counts the OU's rule evaluations by state.
	Evaluations
	// Resources is the number of the OU's distinct non-compliant resources
	// (before version 3: rows).
	Resources int `json:"resources"`
	// Findings is the number of the OU's findings. Since version 3.
	Findings int `json:"findings,omitempty"`
}

// DecodeSummary decodes a summary.json document read from key. A schema
// version other than SummaryVersion wraps ErrUnknownSummary.
func DecodeSummary(key string, data []byte) (*Summary, error) {
	var head struct {
		SchemaVersion *int `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("decode summary %s: %w", key, err)
	}
	if head.SchemaVersion == nil {
		return nil, fmt.Errorf("decode summary %s: no schemaVersion", key)
	}
	if v := *head.SchemaVersion; v < minSummaryVersion || v > SummaryVersion {
		return nil, fmt.Errorf("decode summary %s: schemaVersion %d, this build reads %d to %d: %w",
			key, v, minSummaryVersion, SummaryVersion, ErrUnknownSummary)
	}
	var s Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decode summary %s: %w", key, err)
	}
	if err := s.Resources.validate(); err != nil {
		return nil, fmt.Errorf("decode summary %s: %w", key, err)
	}
	return &s, nil
}

// accountIndex maps account IDs to their entries.
func (s *Summary) accountIndex() map[string]*AccountSummary {
	m := make(map[string]*AccountSummary, len(s.Accounts))
	for i := range s.Accounts {
		m[s.Accounts[i].ID] = &s.Accounts[i]
	}
	return m
}

// Label is the rule as a reader names it: its base name and, unless it is
// the customer's own, who deploys it ("iam-root-access-key-check (Security
// Hub IAM.4)").
func (r *RuleSummary) Label() string { return r.identity().String() }

// identity returns the rule identity of an entry. Entries of version 1
// summaries carry only a base name, which for Security Hub and organization
// rules was the deployed name: their identity is what that name implies.
func (r *RuleSummary) identity() ruleid.Identity {
	if r.Manager == "" {
		return ruleid.Of(r.BaseName, "", "")
	}
	return ruleid.Identity{Base: r.BaseName, Manager: ruleid.Manager(r.Manager), ControlID: r.ControlID}
}

// ruleIndex finds a rule identity's entry in a previous run's summary.
type ruleIndex struct {
	byKey map[string]*RuleSummary
	// byBase is for version 1 summaries only, which grouped a pack's rule
	// with the customer's rule of the same base name: an identity not found
	// by key is looked up by base name there.
	byBase map[string]*RuleSummary
}

// ruleIndex indexes the summary's rules. Several version 1 entries that
// come to one identity (a Security Hub rule's per-account names) cannot be
// told apart or added up honestly: such an identity has no previous entry.
func (s *Summary) ruleIndex() ruleIndex {
	ix := ruleIndex{byKey: make(map[string]*RuleSummary, len(s.Rules))}
	legacy := s.SchemaVersion < 2
	ambiguous := map[string]bool{}
	if legacy {
		ix.byBase = make(map[string]*RuleSummary, len(s.Rules))
	}
	for i := range s.Rules {
		r := &s.Rules[i]
		id := r.identity()
		k := id.Key()
		if _, dup := ix.byKey[k]; dup || ambiguous[k] {
			ambiguous[k] = true
			delete(ix.byKey, k)
			continue
		}
		ix.byKey[k] = r
		if legacy {
			if _, dup := ix.byBase[id.Base]; dup {
				ambiguous["base/"+id.Base] = true
			}
			ix.byBase[id.Base] = r
		}
	}
	for k := range ambiguous {
		if b, ok := strings.CutPrefix(k, "base/"); ok {
			delete(ix.byBase, b)
		}
	}
	return ix
}

// lookup returns the previous entry of r's identity.
func (ix ruleIndex) lookup(r *RuleSummary) (*RuleSummary, bool) {
	id := r.identity()
	if p, ok := ix.byKey[id.Key()]; ok {
		return p, true
	}
	p, ok := ix.byBase[id.Base]
	return p, ok
}
