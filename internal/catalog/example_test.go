package catalog_test

import (
	"fmt"
	"strings"

	"github.com/config-report/config-report/internal/catalog"
	"github.com/config-report/config-report/internal/ruleid"
)

// A Security Hub control carries the severity AWS publishes; the same
// managed rule deployed by a conformance pack gets it as a derived one.
func ExampleCatalog_Lookup() {
	c := catalog.Default()
	for _, name := range []string{
		"securityhub-restricted-ssh-0a1b2c3d",
		"restricted-ssh-conformance-pack-a1b2c3d4e",
		"required-tags",
	} {
		id := ruleid.Of(name, "", "")
		e, ok := c.Lookup(id)
		if !ok {
			fmt.Printf("%s: not in the catalog\n", id)
			continue
		}
		fmt.Printf("%s: %s (%s), %s\n", id, e.Severity.Label(), e.Origin, e.Link)
	}
	// Output:
	// restricted-ssh (Security Hub EC2.13): High (aws), https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html
	// restricted-ssh (Conformance pack): High (derived), https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html
	// required-tags: not in the catalog
}

// A user's file layers over the shipped catalog; a faulty one is refused
// with every problem named.
func ExampleLoad() {
	user, err := catalog.Load(strings.NewReader(`{
  "version": 1,
  "rules": [
    {"rule": "required-tags", "severity": "low", "description": "Resources carry the owner tag."}
  ]
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	e, _ := catalog.Default().Merge(user).Lookup(ruleid.Of("required-tags", "", ""))
	fmt.Printf("%s: %s (%s)\n", e.Rule, e.Severity.Label(), e.Origin)

	_, err = catalog.Load(strings.NewReader(`{
  "version": 1,
  "rules": [
    {"rule": "required-tags", "severity": "urgent"},
    {"rule": "restricted-ssh", "manager": "securityhub", "severity": "high"}
  ]
}`))
	fmt.Println(err)
	// Output:
	// required-tags: Low (user)
	// catalog file: entry 1 (line 4, rule "required-tags"): severity: "urgent" is not a severity (want low, medium, high or critical)
	// catalog file: entry 2 (line 5, rule "restricted-ssh"): manager: "securityhub" is not a manager (want one of customer, conformance-pack, organization, security-hub, control-tower)
}
