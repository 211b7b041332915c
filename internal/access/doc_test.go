package access

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// actionsIn returns the actions a README table row or doc comment names:
// "service:Action" and, after it, bare "Action" names in backquotes that
// continue the same service's list.
func actionsIn(text, service string) []string {
	var out []string
	for _, m := range regexp.MustCompile("`(?:([a-z]+):)?([A-Z][A-Za-z]+)`").FindAllStringSubmatch(text, -1) {
		if m[1] == "" || m[1] == service {
			out = append(out, service+":"+m[2])
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// TestREADMEListsTheRolesActions: the README's IAM table says what each
// cross-account role may do; it must say what the stacks grant.
func TestREADMEListsTheRolesActions(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := func(prefix string) string {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, prefix) {
				cells := strings.Split(l, " | ")
				return cells[len(cells)-1]
			}
		}
		t.Fatalf("README has no row starting %q", prefix)
		return ""
	}
	if got, want := actionsIn(row("| every member | "), "config"), sorted(ReadRole(true)); !slices.Equal(got, want) {
		t.Errorf("README's read role actions = %q, want %q", got, want)
	}
	if got, want := actionsIn(row("| management | "), "organizations"), sorted(OrgRole()); !slices.Equal(got, want) {
		t.Errorf("README's organization role actions = %q, want %q", got, want)
	}
}

// TestScanDocListsTheReadRole: package scan's documentation lists the read
// role's actions for whoever creates the role by hand.
func TestScanDocListsTheReadRole(t *testing.T) {
	b, err := os.ReadFile("../scan/doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^//\t(config:[A-Za-z]+)`).FindAllStringSubmatch(string(b), -1) {
		got = append(got, m[1])
	}
	if want := sorted(ReadRole(true)); !slices.Equal(sorted(got), want) {
		t.Errorf("scan's doc lists %q, want %q", got, want)
	}
}
