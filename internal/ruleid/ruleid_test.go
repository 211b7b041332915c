package ruleid

import "testing"

// TestOf: every naming convention AWS documents for the rules it deploys
// resolves to the rule's base name and its manager, whatever the suffix.
func TestOf(t *testing.T) {
	tests := []struct {
		name, createdBy, pack string
		want                  Identity
	}{
		// Security Hub CSPM's service-linked rules, from its user guide.
		{"securityhub-autoscaling-group-elb-healthcheck-required-f986ecc9", CreatedBySecurityHub, "",
			Identity{Base: "autoscaling-group-elb-healthcheck-required", Manager: SecurityHub, ControlID: "AutoScaling.1"}},
		{"securityhub-iam-root-access-key-check-0a1b2c3d", "", "",
			Identity{Base: "iam-root-access-key-check", Manager: SecurityHub, ControlID: "IAM.4"}},
		// A customer rule that only starts with the prefix is not Security
		// Hub's when nothing says so: no CreatedBy and no hex suffix.
		{"securityhub-like-name", "", "", Identity{Base: "securityhub-like-name", Manager: Customer}},
		// Organization rules, from the configservice SDK's doc comments.
		{"OrgConfigRule-s3-bucket-versioning-enabled-dbgzf8ba", CreatedByOrganization, "",
			Identity{Base: "s3-bucket-versioning-enabled", Manager: Organization}},
		{"OrgConfigRule-s3-bucket-versioning-enabled-dbgzf8ba", "", "",
			Identity{Base: "s3-bucket-versioning-enabled", Manager: Organization}},
		{"required-tags", CreatedByOrganization, "", Identity{Base: "required-tags", Manager: Organization}},
		// Conformance packs, including an organization pack's.
		{"ec2-imdsv2-check-conformance-pack-a1b2c3d4e", CreatedByConformancePack, "OrgConformsPack-ops-x7y8z9ab",
			Identity{Base: "ec2-imdsv2-check", Manager: ConformancePack}},
		{"ec2-imdsv2-check-conformance-pack-a1b2c3d4e", "", "", Identity{Base: "ec2-imdsv2-check", Manager: ConformancePack}},
		{"ec2-imdsv2-check", "", "ops", Identity{Base: "ec2-imdsv2-check", Manager: ConformancePack}},
		// Control Tower's controls.
		{"AWSControlTower_AWS-GR_ENCRYPTED_VOLUMES", "", "",
			Identity{Base: "AWS-GR_ENCRYPTED_VOLUMES", Manager: ControlTower}},
		{"AWSControlTower_", "", "", Identity{Base: "AWSControlTower_", Manager: Customer}},
		// A customer's own rule.
		{"ec2-imdsv2-check", "", "", Identity{Base: "ec2-imdsv2-check", Manager: Customer}},
	}
	for _, tt := range tests {
		if got := Of(tt.name, tt.createdBy, tt.pack); got != tt.want {
			t.Errorf("Of(%q, %q, %q) = %+v, want %+v", tt.name, tt.createdBy, tt.pack, got, tt.want)
		}
	}
}

// TestKeyAndString: the same rule deployed by two managers is two rows; the
// label a reader sees names the manager and, for Security Hub, the control.
func TestKeyAndString(t *testing.T) {
	sh := Of("securityhub-iam-root-access-key-check-0a1b2c3d", CreatedBySecurityHub, "")
	own := Of("iam-root-access-key-check", "", "")
	if sh.Key() == own.Key() {
		t.Errorf("Security Hub's and the customer's rule share the key %q", sh.Key())
	}
	for id, want := range map[Identity]string{
		sh:  "iam-root-access-key-check (Security Hub IAM.4)",
		own: "iam-root-access-key-check",
		Of("OrgConfigRule-s3-bucket-versioning-enabled-dbgzf8ba", "", ""): "s3-bucket-versioning-enabled (Organization rule)",
	} {
		if got := id.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", id, got, want)
		}
	}
}

func TestPackName(t *testing.T) {
	for in, want := range map[string]string{
		"OrgConformsPack-ops-x7y8z9ab": "ops",
		"Operational-Best-Practices":   "Operational-Best-Practices",
		"OrgConformsPack-":             "",
	} {
		if got := PackName(in); got != want {
			t.Errorf("PackName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestManagerOfLabel: every manager's label parses back to it; no other does.
func TestManagerOfLabel(t *testing.T) {
	labels := map[string]bool{}
	for _, m := range Managers {
		got, ok := ManagerOfLabel(m.Label())
		if !ok || got != m {
			t.Errorf("ManagerOfLabel(%q) = %q, %v; want %q", m.Label(), got, ok, m)
		}
		labels[m.Label()] = true
	}
	if len(labels) != len(Managers) {
		t.Errorf("%d labels for %d managers: two share one", len(labels), len(Managers))
	}
	if _, ok := ManagerOfLabel("customer"); ok {
		t.Error(`ManagerOfLabel("customer") parsed a code, not a label`)
	}
}
