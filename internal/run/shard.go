package run

import (
	"time"
)

// SchemaVersion is the version of the shard document this package writes.
//
// Version 2 records each rule's CreatedBy and evaluation modes and the
// blocked-by-SCP region status. Version 1 shards (earlier scanners) stay
// readable: their rules' identities are computed from the deployed names
// alone, and they never carry the new status.
//
// Version 3 adds the not-finished region status: the scan ran out of time
// before the region was done, and the shard keeps the regions that were.
const SchemaVersion = 3

// MinSchemaVersion is the oldest shard version this package reads.
const MinSchemaVersion = 1

// AccountStatus says whether an account could be scanned at all.
type AccountStatus string

// Account statuses.
const (
	// AccountScanned means the read role was assumed; each region has its own status.
	AccountScanned AccountStatus = "scanned"
	// AccountUnreachable means the read role could not be assumed (missing,
	// not trusting the scanner, wrong ExternalId); Reason says why.
	AccountUnreachable AccountStatus = "unreachable"
)

// RegionStatus says what the scanner found in one region of an account.
type RegionStatus string

// Region statuses.
const (
	// RegionScanned means the region's rules and compliance were read.
	RegionScanned RegionStatus = "scanned"
	// RegionRecorderStopped means rules were read but the configuration
	// recorder is not recording, so results may be stale.
	RegionRecorderStopped RegionStatus = "recorder-stopped"
	// RegionConfigNotEnabled means the region has no configuration recorder.
	RegionConfigNotEnabled RegionStatus = "config-not-enabled"
	// RegionDisabled means the region is not enabled for the account.
	RegionDisabled RegionStatus = "region-disabled"
	// RegionAccessDenied means a Config call was denied by the read role's
	// permissions; Reason names the action.
	RegionAccessDenied RegionStatus = "access-denied"
	// RegionBlockedBySCP means a service control policy denies Config calls
	// in the region (usually a region-deny SCP); Reason carries AWS's
	// wording, with the policy's ARN where AWS names it. Not a fault of the
	// read role. Since schema version 2.
	RegionBlockedBySCP RegionStatus = "blocked-by-scp"
	// RegionNotFinished means the scan reached the function's deadline
	// before the region was done: the account is too large to scan in one
	// invocation. The shard holds the regions that were done. Since schema
	// version 3.
	RegionNotFinished RegionStatus = "not-finished"
)

// HasData reports whether a region with this status carries rule results.
func (s RegionStatus) HasData() bool {
	return s == RegionScanned || s == RegionRecorderStopped
}

// Compliance is an AWS Config compliance type.
type Compliance string

// The four compliance states of a rule.
const (
	Compliant        Compliance = "COMPLIANT"
	NonCompliant     Compliance = "NON_COMPLIANT"
	NotApplicable    Compliance = "NOT_APPLICABLE"
	InsufficientData Compliance = "INSUFFICIENT_DATA"
)

// Shard is everything the scanner found in one account: the only thing it
// hands on. It is written whole to ShardKey and replaced whole on a re-scan.
type Shard struct {
	// SchemaVersion is SchemaVersion; readers reject any other.
	SchemaVersion int `json:"schemaVersion"`
	// RunID is the run the shard belongs to.
	RunID string `json:"runId"`
	// Account is the manifest entry that was scanned.
	Account Account `json:"account"`
	// ScannedAt is when the scan finished.
	ScannedAt time.Time `json:"scannedAt"`
	// Status says whether the account could be scanned.
	Status AccountStatus `json:"status"`
	// Reason explains an unreachable account.
	Reason string `json:"reason,omitempty"`
	// Regions holds one entry per configured region, sorted by name; empty
	// when the account is unreachable.
	Regions []Region `json:"regions"`
}

// Region is what the scanner found in one region of an account.
type Region struct {
	// Region is the region's name, e.g. "eu-west-1".
	Region string `json:"region"`
	// Status says what was found.
	Status RegionStatus `json:"status"`
	// Reason explains any status but scanned, e.g. the denied action.
	Reason string `json:"reason,omitempty"`
	// Recorder is the customer managed configuration recorder's state; nil
	// when there is none (then the rules, if any, evaluate what a
	// service-linked recorder records, and Reason says so).
	Recorder *Recorder `json:"recorder,omitempty"`
	// Rules holds every Config rule of the region, sorted by name.
	Rules []Rule `json:"rules"`
	// NonCompliant holds every non-compliant resource of every rule.
	NonCompliant []Resource `json:"nonCompliant"`
}

// Recorder is the state of a region's configuration recorder.
type Recorder struct {
	// Name is the recorder's name.
	Name string `json:"name"`
	// Recording reports whether the recorder is recording.
	Recording bool `json:"recording"`
	// LastStatus is the status of its last recording attempt (SUCCESS, FAILURE, PENDING).
	LastStatus string `json:"lastStatus,omitempty"`
}

// Rule is one AWS Config rule and its compliance.
type Rule struct {
	// Name is the rule's name as deployed.
	Name string `json:"name"`
	// BaseName is Name without what its deployer added (a conformance
	// pack's suffix in version 1; in version 2 also Security Hub's,
	// organization rules' and Control Tower's prefixes and suffixes). The
	// report recomputes the rule identity from Name and CreatedBy (package
	// ruleid) rather than trusting it.
	BaseName string `json:"baseName"`
	// CreatedBy is the service principal that created a service-linked
	// rule (Security Hub, organization rules, conformance packs); "" for the
	// customer's own rules. Since schema version 2.
	CreatedBy string `json:"createdBy,omitempty"`
	// EvaluationModes are the rule's evaluation modes (DETECTIVE,
	// PROACTIVE); empty means DETECTIVE only. Since schema version 2.
	EvaluationModes []string `json:"evaluationModes,omitempty"`
	// ConformancePack is the name of the pack that deployed the rule, if any.
	ConformancePack string `json:"conformancePack,omitempty"`
	// Source is the rule's owner: AWS, CUSTOM_LAMBDA or CUSTOM_POLICY.
	Source string `json:"source"`
	// Identifier is the managed rule's identifier or the custom rule's function ARN.
	Identifier string `json:"identifier,omitempty"`
	// Compliance is the rule's compliance state.
	Compliance Compliance `json:"compliance"`
	// EvaluationError is the rule's last evaluation error, if it has one.
	EvaluationError *EvaluationError `json:"evaluationError,omitempty"`
}

// ProactiveOnly reports whether the rule is evaluated only proactively
// (before resources are provisioned), so it never has a detective result and
// its INSUFFICIENT_DATA says nothing about the account's resources.
func (r *Rule) ProactiveOnly() bool {
	if len(r.EvaluationModes) == 0 {
		return false
	}
	for _, m := range r.EvaluationModes {
		if m == "DETECTIVE" {
			return false
		}
	}
	return true
}

// EvaluationError is the last error a rule's evaluation reported.
type EvaluationError struct {
	// Code is the error code Config reports.
	Code string `json:"code"`
	// Message is the error message Config reports.
	Message string `json:"message"`
	// At is when the failed evaluation happened.
	At time.Time `json:"at,omitempty"`
}

// Resource is one resource a rule found non-compliant.
type Resource struct {
	// Rule is the name of the rule (as deployed) that found it non-compliant.
	Rule string `json:"rule"`
	// Type is the resource type, e.g. "AWS::S3::Bucket".
	Type string `json:"type"`
	// ID is the resource ID.
	ID string `json:"id"`
	// Name is the resource's name where Config has one.
	Name string `json:"name,omitempty"`
	// Tags holds the resource's tags where Config has them.
	Tags map[string]string `json:"tags,omitempty"`
	// Annotation is the rule's explanation of the result.
	Annotation string `json:"annotation,omitempty"`
	// RecordedAt is when Config recorded the evaluation result.
	RecordedAt time.Time `json:"recordedAt"`
}

// Counts are a shard's headline figures, small enough for a Lambda result.
type Counts struct {
	// Regions is the number of regions scanned with data.
	Regions int `json:"regions"`
	// Compliant is the number of COMPLIANT rule evaluations across regions.
	Compliant int `json:"compliant"`
	// NonCompliant is the number of NON_COMPLIANT rule evaluations.
	NonCompliant int `json:"nonCompliant"`
	// NotApplicable is the number of NOT_APPLICABLE rule evaluations.
	NotApplicable int `json:"notApplicable"`
	// InsufficientData is the number of INSUFFICIENT_DATA rule evaluations.
	InsufficientData int `json:"insufficientData"`
	// Resources is the number of non-compliant resources.
	Resources int `json:"resources"`
}

// Counts adds up the shard's figures.
func (s *Shard) Counts() Counts {
	var c Counts
	for _, r := range s.Regions {
		if r.Status.HasData() {
			c.Regions++
		}
		for _, rule := range r.Rules {
			switch rule.Compliance {
			case Compliant:
				c.Compliant++
			case NonCompliant:
				c.NonCompliant++
			case NotApplicable:
				c.NotApplicable++
			case InsufficientData:
				c.InsufficientData++
			}
		}
		c.Resources += len(r.NonCompliant)
	}
	return c
}
