package catalog

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/ruleid"
)

const (
	configGuide = "https://docs.aws.amazon.com/config/latest/developerguide/"
	hubGuide    = "https://docs.aws.amazon.com/securityhub/latest/userguide/"
)

// checkedValues are the places a shipped severity may have been read (see
// the package documentation).
var checkedValues = map[string]bool{"current-page": true, "2023-reference": true}

// readShipped decodes catalog.json as the tests check it: strictly, every
// entry in file order.
func readShipped(t *testing.T) shippedFile {
	t.Helper()
	var f shippedFile
	dec := json.NewDecoder(bytes.NewReader(shippedJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("decode catalog.json: %v", err)
	}
	if dec.More() {
		t.Fatal("catalog.json: data after the JSON object")
	}
	return f
}

// TestShippedRules: every managed rule has a name, an identifier, what it
// checks and its page in the AWS Config Developer Guide, once.
func TestShippedRules(t *testing.T) {
	f := readShipped(t)
	if f.About == "" {
		t.Error(`catalog.json: "about" is empty`)
	}
	if len(f.Rules) == 0 {
		t.Fatal("catalog.json has no rules")
	}
	name := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	ident := regexp.MustCompile(`^[A-Z0-9]+(_[A-Z0-9]+)*$`)
	names, idents := map[string]int{}, map[string]int{}
	for i, r := range f.Rules {
		if !name.MatchString(r.Name) {
			t.Errorf("rules[%d]: name %q is not a managed rule name", i, r.Name)
		}
		if !ident.MatchString(r.Identifier) {
			t.Errorf("rules[%d] %s: identifier %q is not an AWS Config identifier", i, r.Name, r.Identifier)
		}
		if !strings.HasPrefix(r.Description, "Checks ") || !strings.HasSuffix(r.Description, ".") || len(r.Description) > MaxTextLen {
			t.Errorf("rules[%d] %s: description %q should be one sentence that starts with \"Checks \"", i, r.Name, r.Description)
		}
		// The page is derived from the name or, where AWS files it so, from
		// the identifier.
		byName := configGuide + r.Name + ".html"
		byIdent := configGuide + strings.ToLower(strings.ReplaceAll(r.Identifier, "_", "-")) + ".html"
		if r.Source != byName && r.Source != byIdent {
			t.Errorf("rules[%d] %s: source = %q, want %q or %q", i, r.Name, r.Source, byName, byIdent)
		}
		checkAWSURL(t, r.Source)
		if j, dup := names[r.Name]; dup {
			t.Errorf("rules[%d]: name %s already at rules[%d]", i, r.Name, j)
		}
		names[r.Name] = i
		if j, dup := idents[r.Identifier]; dup {
			t.Errorf("rules[%d]: identifier %s already at rules[%d]", i, r.Identifier, j)
		}
		idents[r.Identifier] = i
	}
}

// TestShippedControls: every control names a shipped rule, a severity from
// the closed set (or none, with a note), where it was checked and its page
// in the Security Hub User Guide, once.
func TestShippedControls(t *testing.T) {
	f := readShipped(t)
	rules := map[string]bool{}
	for _, r := range f.Rules {
		rules[r.Name] = true
	}
	id := regexp.MustCompile(`^([A-Za-z0-9]+)\.([0-9]+)$`)
	seen := map[string]int{}
	for i, c := range f.Controls {
		m := id.FindStringSubmatch(c.ID)
		if m == nil {
			t.Errorf("controls[%d]: id %q is not a control ID", i, c.ID)
			continue
		}
		if !rules[c.Rule] {
			t.Errorf("controls[%d] %s: rule %q is not in rules", i, c.ID, c.Rule)
		}
		switch {
		case c.Severity == SeverityUnknown && c.Note == "":
			t.Errorf("controls[%d] %s: no severity and no note saying why", i, c.ID)
		case c.Severity != SeverityUnknown && c.Severity.Rank() == 0:
			t.Errorf("controls[%d] %s: severity %q is not one of %v", i, c.ID, c.Severity, Severities)
		}
		if !checkedValues[c.Checked] {
			t.Errorf("controls[%d] %s: checked = %q, want current-page or 2023-reference", i, c.ID, c.Checked)
		}
		svc := strings.ToLower(m[1])
		if want := hubGuide + svc + "-controls.html#" + svc + "-" + m[2]; c.Source != want {
			t.Errorf("controls[%d] %s: source = %q, want %q", i, c.ID, c.Source, want)
		}
		checkAWSURL(t, c.Source)
		if j, dup := seen[c.ID]; dup {
			t.Errorf("controls[%d]: %s already at controls[%d]", i, c.ID, j)
		}
		seen[c.ID] = i
	}
}

// TestShippedCoversRuleIDTable: every control internal/ruleid can put in an
// identity is in the catalog, running the same managed rule, so every
// Security Hub identity with a control ID has AWS's severity.
func TestShippedCoversRuleIDTable(t *testing.T) {
	c, err := parseShipped(shippedJSON)
	if err != nil {
		t.Fatalf("parseShipped(catalog.json) = %v", err)
	}
	table := ruleid.ControlTable()
	if len(table) == 0 {
		t.Fatal("ruleid.ControlTable() is empty")
	}
	for base, cid := range table {
		ctl, ok := c.controls[cid]
		if !ok {
			t.Errorf("control %s (rule %s) from ruleid's table is not in catalog.json", cid, base)
			continue
		}
		if ctl.Rule != base {
			t.Errorf("control %s runs %s in catalog.json, %s in ruleid's table", cid, ctl.Rule, base)
		}
		e, ok := c.Lookup(ruleid.Identity{Base: base, Manager: ruleid.SecurityHub, ControlID: cid})
		if !ok || e.Origin != OriginAWS || e.Severity.Rank() == 0 {
			t.Errorf("Lookup(%s, security-hub, %s) = %+v, %v, want AWS's severity", base, cid, e, ok)
		}
	}
}

func checkAWSURL(t *testing.T, s string) {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host != "docs.aws.amazon.com" {
		t.Errorf("source %q is not a page on https://docs.aws.amazon.com", s)
	}
}

func TestDefaultParses(t *testing.T) {
	if _, err := parseShipped(shippedJSON); err != nil {
		t.Fatalf("parseShipped(catalog.json) = %v", err)
	}
	if len(Default().rules) == 0 {
		t.Fatal("Default() has no rules")
	}
}

func TestParseShippedRefuses(t *testing.T) {
	tests := []struct{ name, data string }{
		{"unknown field", `{"rules":[],"controls":[],"extra":1}`},
		{"duplicate rule", `{"rules":[{"name":"a"},{"name":"a"}],"controls":[]}`},
		{"duplicate control", `{"rules":[],"controls":[{"id":"X.1","rule":"a"},{"id":"X.1","rule":"a"}]}`},
		{"bad severity", `{"rules":[],"controls":[{"id":"X.1","rule":"a","severity":"HIGH"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseShipped([]byte(tt.data)); err == nil {
				t.Errorf("parseShipped(%s) = nil error, want one", tt.data)
			}
		})
	}
}

func TestLookupShipped(t *testing.T) {
	const (
		versioningPage = configGuide + "s3-bucket-versioning-enabled.html"
		s314Page       = hubGuide + "s3-controls.html#s3-14"
	)
	versioning := Entry{
		Rule:        "s3-bucket-versioning-enabled",
		Identifier:  "S3_BUCKET_VERSIONING_ENABLED",
		Description: Default().rules["s3-bucket-versioning-enabled"].Description,
		Link:        versioningPage,
		Controls:    []string{"S3.14"},
	}
	with := func(e Entry, f func(*Entry)) Entry { f(&e); return e }
	tests := []struct {
		name   string
		id     ruleid.Identity
		want   Entry
		wantOK bool
	}{
		{"security hub control: AWS's severity",
			ruleid.Of("securityhub-s3-bucket-versioning-enabled-f986ecc9", ruleid.CreatedBySecurityHub, ""),
			with(versioning, func(e *Entry) {
				e.ControlID, e.ControlLink = "S3.14", s314Page
				e.Severity, e.Origin, e.SeveritySource = Low, OriginAWS, s314Page
			}), true},
		{"security hub identity without a control ID: the only control",
			ruleid.Identity{Base: "s3-bucket-versioning-enabled", Manager: ruleid.SecurityHub},
			with(versioning, func(e *Entry) {
				e.ControlID, e.ControlLink = "S3.14", s314Page
				e.Severity, e.Origin, e.SeveritySource = Low, OriginAWS, s314Page
			}), true},
		{"conformance pack rule: derived from the control",
			ruleid.Of("s3-bucket-versioning-enabled-conformance-pack-a1b2c3d4e", ruleid.CreatedByConformancePack, ""),
			with(versioning, func(e *Entry) {
				e.Severity, e.Origin, e.SeveritySource = Low, OriginDerived, s314Page
			}), true},
		{"customer rule: derived from the control",
			ruleid.Identity{Base: "s3-bucket-versioning-enabled", Manager: ruleid.Customer},
			with(versioning, func(e *Entry) {
				e.Severity, e.Origin, e.SeveritySource = Low, OriginDerived, s314Page
			}), true},
		{"rule filed under its identifier",
			ruleid.Identity{Base: "restricted-ssh", Manager: ruleid.Organization},
			Entry{
				Rule: "restricted-ssh", Identifier: "INCOMING_SSH_DISABLED",
				Description: Default().rules["restricted-ssh"].Description,
				Link:        configGuide + "restricted-ssh.html", Controls: []string{"EC2.13"},
				Severity: High, Origin: OriginDerived, SeveritySource: hubGuide + "ec2-controls.html#ec2-13",
			}, true},
		{"root access key: critical",
			ruleid.Of("securityhub-iam-root-access-key-check-0a1b2c3d", "", ""),
			Entry{
				Rule: "iam-root-access-key-check", Identifier: "IAM_ROOT_ACCESS_KEY_CHECK",
				Description: Default().rules["iam-root-access-key-check"].Description,
				Link:        configGuide + "iam-root-access-key-check.html", Controls: []string{"IAM.4"},
				ControlID: "IAM.4", ControlLink: hubGuide + "iam-controls.html#iam-4",
				Severity: Critical, Origin: OriginAWS, SeveritySource: hubGuide + "iam-controls.html#iam-4",
			}, true},
		{"custom rule the catalog does not know",
			ruleid.Identity{Base: "required-tags", Manager: ruleid.Organization},
			Entry{Rule: "required-tags"}, false},
		{"control tower control",
			ruleid.Of("AWSControlTower_AWS-GR_ENCRYPTED_VOLUMES", "", ""),
			Entry{Rule: "AWS-GR_ENCRYPTED_VOLUMES"}, false},
	}
	c := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := c.Lookup(tt.id)
			if ok != tt.wantOK {
				t.Errorf("Lookup(%v) found = %v, want %v", tt.id, ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%v) mismatch (-want +got):\n%s", tt.id, diff)
			}
		})
	}
}

// TestLookupDerivation: the derived severity of a managed rule that several
// controls run is the highest published one; a control without a published
// severity is not given one of its own.
func TestLookupDerivation(t *testing.T) {
	c, err := parseShipped([]byte(`{
	  "about": "test",
	  "rules": [{"name": "shared-rule", "identifier": "SHARED_RULE", "description": "Checks things.", "source": "https://docs.aws.amazon.com/config/latest/developerguide/shared-rule.html"},
	            {"name": "lonely-rule", "identifier": "LONELY_RULE", "description": "Checks more.", "source": "https://docs.aws.amazon.com/config/latest/developerguide/lonely-rule.html"}],
	  "controls": [
	    {"id": "X.1", "rule": "shared-rule", "severity": "low", "checked": "current-page", "source": "https://x/1"},
	    {"id": "X.2", "rule": "shared-rule", "severity": "high", "checked": "current-page", "source": "https://x/2"},
	    {"id": "X.3", "rule": "shared-rule", "severity": "", "checked": "current-page", "source": "https://x/3", "note": "not published"},
	    {"id": "Y.1", "rule": "lonely-rule", "severity": "", "checked": "current-page", "source": "https://y/1", "note": "not published"}
	  ]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                    string
		id                      ruleid.Identity
		wantSev                 Severity
		wantOrigin              Origin
		wantControl, wantSource string
		wantNote                string
	}{
		{"customer: highest of the controls", ruleid.Identity{Base: "shared-rule", Manager: ruleid.Customer}, High, OriginDerived, "", "https://x/2", ""},
		{"security hub, control given: its own", ruleid.Identity{Base: "shared-rule", Manager: ruleid.SecurityHub, ControlID: "X.1"}, Low, OriginAWS, "X.1", "https://x/1", ""},
		{"security hub, no control ID: ambiguous, derived", ruleid.Identity{Base: "shared-rule", Manager: ruleid.SecurityHub}, High, OriginDerived, "", "https://x/2", ""},
		{"security hub, control without severity: derived from its siblings", ruleid.Identity{Base: "shared-rule", Manager: ruleid.SecurityHub, ControlID: "X.3"}, High, OriginDerived, "X.3", "https://x/2", "not published"},
		{"no control publishes one: unknown", ruleid.Identity{Base: "lonely-rule", Manager: ruleid.SecurityHub}, SeverityUnknown, OriginNone, "Y.1", "", "not published"},
		{"customer, no control publishes one: unknown", ruleid.Identity{Base: "lonely-rule", Manager: ruleid.Customer}, SeverityUnknown, OriginNone, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, ok := c.Lookup(tt.id)
			if !ok {
				t.Fatalf("Lookup(%v) found nothing", tt.id)
			}
			if e.Severity != tt.wantSev || e.Origin != tt.wantOrigin || e.ControlID != tt.wantControl || e.SeveritySource != tt.wantSource || e.Note != tt.wantNote {
				t.Errorf("Lookup(%v) = severity %q origin %q control %q source %q note %q, want %q %q %q %q %q", tt.id,
					e.Severity, e.Origin, e.ControlID, e.SeveritySource, e.Note,
					tt.wantSev, tt.wantOrigin, tt.wantControl, tt.wantSource, tt.wantNote)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	user, err := Load(strings.NewReader(`{
	  "version": 1,
	  "rules": [
	    {"rule": "s3-bucket-versioning-enabled", "severity": "medium", "note": "our buckets hold records"},
	    {"rule": "s3-bucket-versioning-enabled", "manager": "security-hub", "severity": "high"},
	    {"rule": "required-tags", "manager": "customer", "severity": "low", "description": "Owner and cost-center tags.", "link": "https://wiki.example.com/tags"},
	    {"rule": "AWS-GR_ENCRYPTED_VOLUMES", "manager": "control-tower", "severity": "medium"}
	  ]}`))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	base := Default()
	c := base.Merge(user)
	shippedDesc := base.rules["s3-bucket-versioning-enabled"].Description

	tests := []struct {
		name string
		id   ruleid.Identity
		want Entry
	}{
		{"manager's entry wins over the rule's, shipped facts kept",
			ruleid.Identity{Base: "s3-bucket-versioning-enabled", Manager: ruleid.SecurityHub, ControlID: "S3.14"},
			Entry{Rule: "s3-bucket-versioning-enabled", Identifier: "S3_BUCKET_VERSIONING_ENABLED", Description: shippedDesc,
				Link: configGuide + "s3-bucket-versioning-enabled.html", ControlID: "S3.14", ControlLink: hubGuide + "s3-controls.html#s3-14",
				Controls: []string{"S3.14"}, Severity: High, Origin: OriginUser, Note: "our buckets hold records"}},
		{"rule's entry applies to every manager",
			ruleid.Identity{Base: "s3-bucket-versioning-enabled", Manager: ruleid.ConformancePack},
			Entry{Rule: "s3-bucket-versioning-enabled", Identifier: "S3_BUCKET_VERSIONING_ENABLED", Description: shippedDesc,
				Link: configGuide + "s3-bucket-versioning-enabled.html", Controls: []string{"S3.14"},
				Severity: Medium, Origin: OriginUser, Note: "our buckets hold records"}},
		{"user's own rule; an identity without manager is the customer's",
			ruleid.Identity{Base: "required-tags"},
			Entry{Rule: "required-tags", Description: "Owner and cost-center tags.", Link: "https://wiki.example.com/tags",
				Severity: Low, Origin: OriginUser}},
		{"control tower control",
			ruleid.Of("AWSControlTower_AWS-GR_ENCRYPTED_VOLUMES", "", ""),
			Entry{Rule: "AWS-GR_ENCRYPTED_VOLUMES", Severity: Medium, Origin: OriginUser}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := c.Lookup(tt.id)
			if !ok {
				t.Fatalf("Lookup(%v) found nothing", tt.id)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Lookup(%v) mismatch (-want +got):\n%s", tt.id, diff)
			}
		})
	}

	// An entry for another manager does not apply.
	if e, ok := c.Lookup(ruleid.Identity{Base: "required-tags", Manager: ruleid.Organization}); ok {
		t.Errorf("Lookup(required-tags, organization) = %+v, want nothing: the entry is the customer's", e)
	}
	// Merge changes neither side.
	if e, _ := base.Lookup(ruleid.Identity{Base: "s3-bucket-versioning-enabled", Manager: ruleid.Customer}); e.Origin != OriginDerived {
		t.Errorf("Default() after Merge: origin %q, want derived", e.Origin)
	}
	// The later catalog wins.
	later, err := Load(strings.NewReader(`{"version": 1, "rules": [{"rule": "s3-bucket-versioning-enabled", "severity": "critical"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Merge(later).Lookup(ruleid.Identity{Base: "s3-bucket-versioning-enabled", Manager: ruleid.Customer}); e.Severity != Critical || e.Note != "" {
		t.Errorf("Merge(later): severity %q note %q, want critical and the later entry's (no) note", e.Severity, e.Note)
	}
	// The zero catalog is empty and usable.
	if _, ok := (Catalog{}).Lookup(ruleid.Identity{Base: "restricted-ssh"}); ok {
		t.Error("Catalog{}.Lookup found an entry")
	}
	if _, ok := (Catalog{}).Merge(Catalog{}).Lookup(ruleid.Identity{Base: "restricted-ssh"}); ok {
		t.Error("Catalog{}.Merge(Catalog{}).Lookup found an entry")
	}
}

func TestSeverity(t *testing.T) {
	tests := []struct {
		in    string
		want  Severity
		rank  int
		label string
		ok    bool
	}{
		{"low", Low, 1, "Low", true},
		{"medium", Medium, 2, "Medium", true},
		{"high", High, 3, "High", true},
		{"critical", Critical, 4, "Critical", true},
		{"", SeverityUnknown, 0, "Unknown", false},
		{"HIGH", SeverityUnknown, 0, "Unknown", false},
		{"informational", SeverityUnknown, 0, "Unknown", false},
	}
	for _, tt := range tests {
		got, err := ParseSeverity(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseSeverity(%q) = %q, %v, want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if r := got.Rank(); r != tt.rank {
			t.Errorf("Severity(%q).Rank() = %d, want %d", got, r, tt.rank)
		}
		if l := got.Label(); l != tt.label {
			t.Errorf("Severity(%q).Label() = %q, want %q", got, l, tt.label)
		}
	}
}

// BenchmarkLookup looks up a run's worth of identities: every shipped rule
// under each manager.
func BenchmarkLookup(b *testing.B) {
	c := Default()
	var ids []ruleid.Identity
	for name := range c.rules {
		for _, m := range ruleid.Managers {
			ids = append(ids, ruleid.Identity{Base: name, Manager: m, ControlID: ruleid.ControlID(name)})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, id := range ids {
			c.Lookup(id)
		}
	}
}
