package report

import (
	"net/url"
	"strings"
)

// ConsoleAccess is how the workbook's console links reach an account: with
// an IAM Identity Center access portal (StartURL) and a permission set
// (RoleName), a link signs the reader in to the resource's own account;
// without them it opens the console in whatever account the reader is
// signed in to.
type ConsoleAccess struct {
	StartURL, RoleName string
}

// enabled reports whether links go through the access portal.
func (c ConsoleAccess) enabled() bool { return c.StartURL != "" && c.RoleName != "" }

// open returns the address that opens destination, a console page, in
// account accountID: through the access portal when configured, otherwise
// destination itself.
//
// The portal's shortcut links have the form
//
//	<start URL>/#/console?account_id=<account>&role_name=<permission set>&destination=<URL-encoded console URL>
//
// and sign the reader in to the account with the permission set, then go
// to the destination, or to the console's home without one ("Create
// shortcut links to AWS Management Console destinations", IAM Identity
// Center User Guide,
// https://docs.aws.amazon.com/singlesignon/latest/userguide/createshortcutlink.html;
// the form is the one the portal's "Create shortcut" button writes).
func (c ConsoleAccess) open(accountID, destination string) string {
	if !c.enabled() {
		return destination
	}
	link := c.home(accountID)
	if destination != "" {
		link += "&destination=" + url.QueryEscape(destination)
	}
	return link
}

// home returns the portal's shortcut link to an account's console home, ""
// without the portal: a plain console link cannot choose the account.
func (c ConsoleAccess) home(accountID string) string {
	if !c.enabled() {
		return ""
	}
	return strings.TrimRight(c.StartURL, "/") + "/#/console?account_id=" + url.QueryEscape(accountID) +
		"&role_name=" + url.QueryEscape(c.RoleName)
}

// consoleHost is the AWS console's host for a region, in the partition the
// region belongs to.
func consoleHost(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return region + ".console.amazonaws.cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "console.amazonaws-us-gov.com"
	}
	return region + ".console.aws.amazon.com"
}

// configConsole is the AWS Config console of a region, with fragment, the
// page within it.
func configConsole(region, fragment string) string {
	return "https://" + consoleHost(region) + "/config/home?region=" + url.QueryEscape(region) + "#/" + fragment
}

// consoleURL returns the address of a resource's page in the AWS Config
// console of its region.
func consoleURL(region, resourceType, resourceID string) string {
	q := url.Values{}
	q.Set("resourceId", resourceID)
	q.Set("resourceType", resourceType)
	return configConsole(region, "resources/details?"+q.Encode())
}

// ruleURL returns the address of a deployed rule's page in the AWS Config
// console of a region: its details and the compliance of the resources it
// evaluates. AWS documents the way there (AWS Config Developer Guide,
// "Viewing rules": Rules, then the rule's name,
// https://docs.aws.amazon.com/config/latest/developerguide/evaluate-config_view-rules.html),
// not the address; this is the one the console shows for it.
func ruleURL(region, ruleName string) string {
	return configConsole(region, "rules/details?configRuleName="+url.QueryEscape(ruleName))
}

// accountResourceType is the resource type account-level rules report
// (e.g. iam-password-policy): the account itself, which has no page of its
// own in the Config console.
const accountResourceType = "AWS::::Account"

// resourceDestination is the console page a resource row links to, and its
// label: the resource's page, or for an account-level rule's result, the
// rule's page, where its compliance is.
func resourceDestination(region, rule, resourceType, resourceID string) (link, label string) {
	if resourceType == accountResourceType {
		return ruleURL(region, rule), "Open rule in AWS Config"
	}
	return consoleURL(region, resourceType, resourceID), "Open in AWS Config"
}

// managedRuleDocURL returns the documentation page of an AWS managed rule,
// or "" for a rule that is not AWS managed. A page is named for the rule,
// which is its identifier in lower case with dashes
// (S3_BUCKET_VERSIONING_ENABLED:
// https://docs.aws.amazon.com/config/latest/developerguide/s3-bucket-versioning-enabled.html),
// except for the few rules in renamedManagedRules.
func managedRuleDocURL(source, identifier string) string {
	if source != "AWS" || identifier == "" || strings.ContainsAny(identifier, "/:?#") {
		return ""
	}
	page, ok := renamedManagedRules[identifier]
	if !ok {
		page = strings.ToLower(strings.ReplaceAll(identifier, "_", "-"))
	}
	return "https://docs.aws.amazon.com/config/latest/developerguide/" + page + ".html"
}

// renamedManagedRules are the AWS managed rules whose name, and so their
// documentation page, differs from their identifier ("For this rule, the
// rule identifier (INCOMING_SSH_DISABLED) and rule name (restricted-ssh)
// are different", https://docs.aws.amazon.com/config/latest/developerguide/restricted-ssh.html);
// the list is the one AWS CDK's ManagedRuleIdentifiers links (aws-cdk-lib
// 2.276.0, aws-config/lib/rule.d.ts): its other 280 identifiers follow the
// rule.
var renamedManagedRules = map[string]string{
	"CLOUD_TRAIL_ENABLED":              "cloudtrail-enabled",
	"EC2_INSTANCE_MANAGED_BY_SSM":      "ec2-instance-managed-by-systems-manager",
	"INCOMING_SSH_DISABLED":            "restricted-ssh",
	"INSTANCES_IN_VPC":                 "ec2-instances-in-vpc",
	"MULTI_REGION_CLOUD_TRAIL_ENABLED": "multi-region-cloudtrail-enabled",
	"RESTRICTED_INCOMING_TRAFFIC":      "restricted-common-ports",
}
