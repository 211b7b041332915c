// Package catalog tells what a rule identity checks and how severe a failure
// of it is: the rule catalog shipped with config-report, with its sources
// cited, which users override or extend with a file of their own.
//
// # What the shipped catalog holds
//
// The catalog is catalog.json, embedded in the binary. It has two lists:
//
//   - rules: AWS managed Config rules, each with its name (the base name a
//     rule identity carries), its identifier (the SourceIdentifier AWS Config
//     knows it by; for most rules the name in capitals with underscores, but
//     not for all: restricted-ssh is INCOMING_SSH_DISABLED), a one-sentence
//     summary of what it checks and the URL of its page in the AWS Config
//     Developer Guide, which is where the identifier and the summary come
//     from. The pages live at
//     https://docs.aws.amazon.com/config/latest/developerguide/<name>.html;
//     where AWS files the page under the identifier instead
//     (ec2-instance-managed-by-ssm.html for
//     ec2-instance-managed-by-systems-manager), the catalog keeps AWS's URL.
//   - controls: Security Hub controls, each with its control ID, the managed
//     rule its service-linked rule runs, the severity AWS publishes for it
//     ("Severity: Low/Medium/High/Critical" on the control's page) and the URL
//     of that page in the Security Hub User Guide (<service>-controls.html
//     with the control's anchor). "checked" records where the severity was
//     read: "current-page" on the control's page as AWS publishes it now
//     (Security Hub CSPM), "2023-reference" in the user guide's controls
//     reference table of 2023 and the control's page of that edition, not
//     re-read since. A control whose severity could not be found keeps an
//     empty severity and a note that says so; none is guessed.
//
// Every control ID internal/ruleid maps (its control table) is in the
// catalog, with the same managed rule; the package's tests check it.
//
// # Where a severity comes from
//
// Entry.Origin says which severities are AWS's and which are not:
//
//   - OriginAWS: the identity is a Security Hub control's service-linked rule
//     and the severity is the one AWS publishes for that control.
//   - OriginDerived: AWS publishes no severity for a managed rule as such
//     (rules deployed by customers, conformance packs or organization rules).
//     The catalog derives one: the highest AWS-published severity among the
//     Security Hub controls that run the same managed rule (Entry.Controls),
//     so a rule is never ranked below the control that checks the same thing.
//     It is a starting point, not AWS's judgement: a rule deployed with other
//     parameters may be stricter or looser than the control. A managed rule
//     no control runs gets no severity.
//   - OriginUser: the user's catalog file set it.
//   - OriginNone: nobody published one and none could be derived
//     (SeverityUnknown).
//
// # The user's file
//
// Load reads a catalog file that overrides or extends the shipped catalog:
// a JSON object with "version": 1 and "rules", a list of entries that each
// name a rule identity's base name ("rule"), optionally one manager
// ("manager", as internal/ruleid spells it: customer, conformance-pack,
// organization, security-hub, control-tower) and what to set: "severity"
// (low, medium, high or critical), "description", "link" (an http or https
// URL) and a "note". Unknown fields are refused and every problem is
// reported with the entry's position, its line and the field (FileError).
// Merge layers it over Default: for an identity, an entry for its manager
// wins over an entry for its base name alone, which wins over the shipped
// catalog, field by field.
//
// # Use
//
// A Catalog is a few maps; Lookup costs a handful of map reads and one small
// allocation, so a report can look up every identity of a run. A Catalog is
// immutable once built and safe for concurrent use.
package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/config-report/config-report/internal/ruleid"
)

// Severity is how urgent a failing rule is, on the scale Security Hub uses
// for its controls.
type Severity string

// The severities, from none to the most urgent.
const (
	// SeverityUnknown is no severity: nobody published one and none could be
	// derived.
	SeverityUnknown Severity = ""
	// Low is Security Hub's "Low".
	Low Severity = "low"
	// Medium is Security Hub's "Medium".
	Medium Severity = "medium"
	// High is Security Hub's "High".
	High Severity = "high"
	// Critical is Security Hub's "Critical".
	Critical Severity = "critical"
)

// Severities lists the severities a catalog accepts, from the least urgent.
var Severities = []Severity{Low, Medium, High, Critical}

// ParseSeverity returns the severity spelled s: one of low, medium, high,
// critical, in lower case as the catalog files write them.
func ParseSeverity(s string) (Severity, error) {
	if sev := Severity(s); slices.Contains(Severities, sev) {
		return sev, nil
	}
	return SeverityUnknown, fmt.Errorf("%q is not a severity (want low, medium, high or critical)", s)
}

// Rank orders severities for sorting and weighting: 0 for SeverityUnknown,
// then 1 (Low) to 4 (Critical).
func (s Severity) Rank() int {
	return slices.Index(Severities, s) + 1
}

// Label returns the severity's name for people: "Low", "Medium", "High",
// "Critical", or "Unknown".
func (s Severity) Label() string {
	switch s {
	case Low:
		return "Low"
	case Medium:
		return "Medium"
	case High:
		return "High"
	case Critical:
		return "Critical"
	}
	return "Unknown"
}

// Origin says where an entry's severity comes from.
type Origin string

// The origins of a severity.
const (
	// OriginNone is no severity at all.
	OriginNone Origin = ""
	// OriginAWS is the severity AWS publishes for the Security Hub control the
	// identity is.
	OriginAWS Origin = "aws"
	// OriginDerived is derived from the AWS-published severities of the
	// Security Hub controls that run the same managed rule: the highest of
	// them.
	OriginDerived Origin = "derived"
	// OriginUser is set by the user's catalog file.
	OriginUser Origin = "user"
)

// Entry is what the catalog knows of one rule identity.
type Entry struct {
	// Rule is the identity's base name.
	Rule string
	// Identifier is the AWS Config identifier of the managed rule named Rule
	// (S3_BUCKET_VERSIONING_ENABLED), or "" when Rule is not a managed rule
	// the catalog ships.
	Identifier string
	// Description says what the rule checks: a summary of AWS's description
	// of the managed rule, or the user's text.
	Description string
	// Link is the managed rule's page in the AWS Config Developer Guide, or
	// the user's link.
	Link string
	// ControlID is the Security Hub control the identity is (S3.14), for a
	// Security Hub rule, else "".
	ControlID string
	// ControlLink is ControlID's page in the Security Hub User Guide, or "".
	ControlLink string
	// Controls lists the Security Hub controls that run the managed rule
	// named Rule, whoever deployed the identity; a derived severity comes
	// from them.
	Controls []string
	// Severity is how urgent a failure is; Origin says whose it is.
	Severity Severity
	// Origin says where Severity comes from.
	Origin Origin
	// SeveritySource is the page Severity was read from (the control's page
	// for OriginAWS and OriginDerived), or "".
	SeveritySource string
	// Note is the catalog's or the user's remark, e.g. why a severity is
	// unknown.
	Note string
}

// Catalog is a set of rules, controls and user entries that Lookup answers
// from. The zero Catalog is empty and usable.
type Catalog struct {
	rules    map[string]rule
	controls map[string]control
	// byRule lists the IDs of the controls that run each managed rule, in
	// control ID order.
	byRule    map[string][]string
	overrides map[overrideKey]override
}

// rule is a managed rule of the shipped catalog.
type rule struct {
	Name        string `json:"name"`
	Identifier  string `json:"identifier"`
	Description string `json:"description"`
	Source      string `json:"source"`
}

// control is a Security Hub control of the shipped catalog.
type control struct {
	ID       string   `json:"id"`
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Checked  string   `json:"checked"`
	Source   string   `json:"source"`
	Note     string   `json:"note,omitempty"`
}

// shippedFile is catalog.json.
type shippedFile struct {
	About    string    `json:"about"`
	Rules    []rule    `json:"rules"`
	Controls []control `json:"controls"`
}

// overrideKey names the identities a user entry applies to: every manager's
// when manager is "".
type overrideKey struct {
	rule    string
	manager ruleid.Manager
}

// override is a user entry: the fields it sets, "" where it sets none.
type override struct {
	severity    Severity
	description string
	link        string
	note        string
}

//go:embed catalog.json
var shippedJSON []byte

var shipped = sync.OnceValues(func() (Catalog, error) { return parseShipped(shippedJSON) })

// Default returns the catalog shipped in the repository (catalog.json). Its
// data is checked by the package's tests; Default panics if the embedded
// file does not parse, which only a broken build can cause.
func Default() Catalog {
	c, err := shipped()
	if err != nil {
		panic(fmt.Sprintf("catalog: embedded catalog.json: %v", err))
	}
	return c
}

// parseShipped decodes a shipped catalog file strictly and indexes it.
func parseShipped(data []byte) (Catalog, error) {
	var f shippedFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Catalog{}, err
	}
	c := Catalog{
		rules:    make(map[string]rule, len(f.Rules)),
		controls: make(map[string]control, len(f.Controls)),
		byRule:   make(map[string][]string, len(f.Controls)),
	}
	for _, r := range f.Rules {
		if _, dup := c.rules[r.Name]; dup {
			return Catalog{}, fmt.Errorf("rule %s appears twice", r.Name)
		}
		c.rules[r.Name] = r
	}
	for _, ctl := range f.Controls {
		if _, dup := c.controls[ctl.ID]; dup {
			return Catalog{}, fmt.Errorf("control %s appears twice", ctl.ID)
		}
		if ctl.Severity != SeverityUnknown && ctl.Severity.Rank() == 0 {
			return Catalog{}, fmt.Errorf("control %s: severity %q is not one of low, medium, high, critical", ctl.ID, ctl.Severity)
		}
		c.controls[ctl.ID] = ctl
		c.byRule[ctl.Rule] = append(c.byRule[ctl.Rule], ctl.ID)
	}
	for _, ids := range c.byRule {
		slices.Sort(ids)
	}
	return c, nil
}

// Merge returns a catalog with c's rules, controls and user entries, and
// over's on top: where both have the same rule, control or user entry,
// over's wins. Neither c nor over changes. Use it to layer a user's file
// (Load) over Default.
func (c Catalog) Merge(over Catalog) Catalog {
	m := Catalog{
		rules:     mergeMaps(c.rules, over.rules),
		controls:  mergeMaps(c.controls, over.controls),
		overrides: mergeMaps(c.overrides, over.overrides),
	}
	if len(m.controls) > 0 {
		m.byRule = make(map[string][]string, len(m.controls))
		for _, ctl := range m.controls {
			m.byRule[ctl.Rule] = append(m.byRule[ctl.Rule], ctl.ID)
		}
		for _, ids := range m.byRule {
			slices.Sort(ids)
		}
	}
	return m
}

func mergeMaps[K comparable, V any](a, b map[K]V) map[K]V {
	if len(a)+len(b) == 0 {
		return nil
	}
	m := make(map[K]V, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// Lookup returns what the catalog knows of the rule identity id, and false
// when it knows nothing: neither a managed rule nor a user entry has its
// base name.
//
// A Security Hub identity is its control: id.ControlID, or, when the
// identity carries none, the only control that runs the managed rule; its
// severity is the one AWS publishes for that control. Any other identity
// whose base name is a managed rule gets the rule's description and link
// and a severity derived from the controls that run the rule (see the
// package documentation). User entries then apply, the one for id's
// manager last. The catalog matches by base name, so a custom rule that
// reuses a managed rule's name is taken for that rule; a user entry for its
// manager corrects it.
func (c Catalog) Lookup(id ruleid.Identity) (Entry, bool) {
	e := Entry{Rule: id.Base}
	found := false
	if r, ok := c.rules[id.Base]; ok {
		e.Identifier, e.Description, e.Link = r.Identifier, r.Description, r.Source
		found = true
	}
	ids := c.byRule[id.Base]
	if len(ids) > 0 {
		e.Controls = slices.Clone(ids)
		found = true
	}
	if id.Manager == ruleid.SecurityHub {
		cid := id.ControlID
		if cid == "" && len(ids) == 1 {
			cid = ids[0]
		}
		if ctl, ok := c.controls[cid]; ok {
			e.ControlID, e.ControlLink, e.Note = ctl.ID, ctl.Source, ctl.Note
			if ctl.Severity != SeverityUnknown {
				e.Severity, e.Origin, e.SeveritySource = ctl.Severity, OriginAWS, ctl.Source
			}
			found = true
		}
	}
	if e.Origin == OriginNone {
		c.derive(&e, ids)
	}
	manager := id.Manager
	if manager == "" {
		manager = ruleid.Customer
	}
	for _, key := range [2]overrideKey{{rule: id.Base}, {rule: id.Base, manager: manager}} {
		if o, ok := c.overrides[key]; ok {
			o.apply(&e)
			found = true
		}
	}
	return e, found
}

// derive sets e's severity to the highest AWS-published severity among the
// controls ids, if any has one.
func (c Catalog) derive(e *Entry, ids []string) {
	for _, cid := range ids {
		ctl := c.controls[cid]
		if ctl.Severity.Rank() > e.Severity.Rank() {
			e.Severity, e.Origin, e.SeveritySource = ctl.Severity, OriginDerived, ctl.Source
		}
	}
}

func (o override) apply(e *Entry) {
	if o.severity != SeverityUnknown {
		e.Severity, e.Origin, e.SeveritySource = o.severity, OriginUser, ""
	}
	if o.description != "" {
		e.Description = o.description
	}
	if o.link != "" {
		e.Link = o.link
	}
	if o.note != "" {
		e.Note = o.note
	}
}
