// Package awsid checks the names and IDs AWS gives accounts, regions, IAM
// roles, S3 buckets, Organizations OUs and roots, tag keys and STS sessions,
// each by the rule AWS documents for it, and builds the few that
// config-report derives (a region's partition, a role session's name).
//
// It is the one validator per kind of value: `cdk synth` (infra), the
// functions at cold start and the command-line tool all call it, so that a
// value one side accepts the others accept too.
package awsid

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

var accountPattern = regexp.MustCompile(`^[0-9]{12}$`)

// ValidateAccountID reports whether id is a 12-digit AWS account ID
// (Organizations API Reference, Account: "Pattern: ^\d{12}$").
func ValidateAccountID(id string) error {
	if !accountPattern.MatchString(id) {
		return fmt.Errorf("%q is not a 12-digit account ID", id)
	}
	return nil
}

// partitions are AWS's partitions with the pattern of their region names,
// in the order the SDK matches them (aws-sdk-go-v2,
// internal/endpoints/awsrulesfn/partitions.json, "regionRegex"). The SDK's
// patterns use \w for the middle of the name; region names are lower-case
// letters, so [a-z]+ is used here.
var partitions = []struct {
	name   string
	region *regexp.Regexp
}{
	{"aws", regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]+$`)},
	{"aws-cn", regexp.MustCompile(`^cn-[a-z]+-[0-9]+$`)},
	{"aws-eusc", regexp.MustCompile(`^eusc-de-[a-z]+-[0-9]+$`)},
	{"aws-iso", regexp.MustCompile(`^us-iso-[a-z]+-[0-9]+$`)},
	{"aws-iso-b", regexp.MustCompile(`^us-isob-[a-z]+-[0-9]+$`)},
	{"aws-iso-e", regexp.MustCompile(`^eu-isoe-[a-z]+-[0-9]+$`)},
	{"aws-iso-f", regexp.MustCompile(`^us-isof-[a-z]+-[0-9]+$`)},
	{"aws-us-gov", regexp.MustCompile(`^us-gov-[a-z]+-[0-9]+$`)},
}

// partitionOf returns the partition whose region names match region.
func partitionOf(region string) (string, bool) {
	for _, p := range partitions {
		if p.region.MatchString(region) {
			return p.name, true
		}
	}
	return "", false
}

// ValidateRegion reports whether name is an AWS region name of a known
// partition, e.g. eu-west-1, us-gov-west-1, cn-north-1.
func ValidateRegion(name string) error {
	if _, ok := partitionOf(name); !ok {
		return fmt.Errorf("%q is not an AWS region name (e.g. eu-west-1, us-gov-west-1)", name)
	}
	return nil
}

// Partition returns the partition of region ("aws", "aws-cn",
// "aws-us-gov", …); "aws" for an empty or unknown region.
func Partition(region string) string {
	if p, ok := partitionOf(region); ok {
		return p
	}
	return "aws"
}

// roleNamePattern is IAM's pattern for a role name, [\w+=,.@-]+ of 1 to 64
// characters (IAM API Reference, CreateRole, RoleName).
var roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// ValidateRoleName reports whether name is an IAM role name, without a
// path: the name config-report's stacks create the role under.
func ValidateRoleName(name string) error {
	if !roleNamePattern.MatchString(name) {
		return fmt.Errorf("%q is not an IAM role name (1 to 64 letters, digits and _+=,.@-, no path)", name)
	}
	return nil
}

// SplitRolePath splits a role name written with its path, audit/reader or
// /audit/reader, into IAM's Path ("/audit/") and RoleName ("reader"); a
// name without a path has the path "/".
func SplitRolePath(pathName string) (path, name string) {
	trimmed := strings.TrimPrefix(pathName, "/")
	i := strings.LastIndexByte(trimmed, '/')
	if i < 0 {
		return "/", trimmed
	}
	return "/" + trimmed[:i+1], trimmed[i+1:]
}

// ValidateRolePathName reports whether s is a role name optionally
// preceded by its path (audit/reader): how the read role is named in the
// settings, since the scanner builds its ARN from it.
func ValidateRolePathName(s string) error {
	path, name := SplitRolePath(s)
	if len(path) > 512 || !rolePathPattern.MatchString(path) || ValidateRoleName(name) != nil {
		return fmt.Errorf("%q is not an IAM role name, optionally with a path (reader, audit/reader)", s)
	}
	return nil
}

// rolePathPattern is IAM's pattern for a path, "/" or "/" + printable ASCII
// + "/", at most 512 characters (IAM API Reference, CreateRole, Path).
var rolePathPattern = regexp.MustCompile(`^/([\x21-\x7e]*/)?$`)

// ValidateRoleARN reports whether s is the ARN of an IAM role:
// arn:<partition>:iam::<account>:role/<path><name> (IAM User Guide, "IAM
// ARNs").
func ValidateRoleARN(s string) error {
	a, err := arn.Parse(s)
	if err != nil || a.Service != "iam" || a.Region != "" || ValidateAccountID(a.AccountID) != nil ||
		!strings.HasPrefix(a.Resource, "role/") {
		return fmt.Errorf("%q is not an IAM role ARN (arn:aws:iam::123456789012:role/name)", s)
	}
	pathName := strings.TrimPrefix(a.Resource, "role")
	i := strings.LastIndexByte(pathName, '/')
	if path, name := pathName[:i+1], pathName[i+1:]; len(path) > 512 || !rolePathPattern.MatchString(path) ||
		ValidateRoleName(name) != nil {
		return fmt.Errorf("%q is not an IAM role ARN: the role's path or name is not one IAM accepts", s)
	}
	return nil
}

var (
	// Organizations' ID patterns (Organizations API Reference,
	// OrganizationalUnit.Id and Root.Id).
	ouPattern   = regexp.MustCompile(`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`)
	rootPattern = regexp.MustCompile(`^r-[0-9a-z]{4,32}$`)
)

// ValidateOU reports whether id is an OU ID, ou-ab12-cdef3456.
func ValidateOU(id string) error {
	if !ouPattern.MatchString(id) {
		return fmt.Errorf("%q is not an OU ID (ou-ab12-cdef3456)", id)
	}
	return nil
}

// ValidateOUOrRoot reports whether id is an OU ID or a root ID, r-ab12.
func ValidateOUOrRoot(id string) error {
	if !ouPattern.MatchString(id) && !rootPattern.MatchString(id) {
		return fmt.Errorf("%q is not an OU ID (ou-ab12-cdef3456) or a root ID (r-ab12)", id)
	}
	return nil
}

// IsRoot reports whether id is a root ID.
func IsRoot(id string) bool { return rootPattern.MatchString(id) }

// ValidateTagKey reports whether k is a key Organizations can hold on an
// account: 1 to 128 characters (Organizations API Reference, Tag.Key).
func ValidateTagKey(k string) error {
	if n := utf8.RuneCountInString(k); n < 1 || n > 128 {
		return fmt.Errorf("tag key %q is not 1 to 128 characters long", k)
	}
	return nil
}

// externalIDPattern is STS's pattern for AssumeRole's ExternalId,
// [\w+=,.@:\/-]* (AWS STS API Reference, AssumeRole), \w being ASCII
// letters, digits and _.
var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

// ValidateExternalID reports whether id is an ExternalId AssumeRole
// accepts: 2 to 1224 characters of letters, digits and _+=,.@:/- (AWS STS
// API Reference, AssumeRole: "Length Constraints: Minimum length of 2.
// Maximum length of 1224.").
func ValidateExternalID(id string) error {
	if len(id) < 2 || len(id) > 1224 || !externalIDPattern.MatchString(id) {
		return fmt.Errorf("not a valid STS external ID (2-1224 characters of letters, digits and _+=,.@:/-)")
	}
	return nil
}

// bucketPattern is S3's general purpose bucket naming rule: 3 to 63
// characters of lower-case letters, digits, dots and hyphens, beginning and
// ending with a letter or digit, and no two adjacent dots (Amazon S3 User
// Guide, "General purpose bucket naming rules").
var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ValidateBucket reports whether name is an S3 bucket name.
func ValidateBucket(name string) error {
	if !bucketPattern.MatchString(name) || strings.Contains(name, "..") {
		return fmt.Errorf("%q is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)", name)
	}
	return nil
}

// maxSessionName is STS's longest role session name (AWS STS API
// Reference, AssumeRole, RoleSessionName: "Maximum length of 64").
const maxSessionName = 64

// sessionNameInvalid matches what STS does not accept in a role session
// name, [\w+=,.@-]* (AssumeRole, RoleSessionName pattern).
var sessionNameInvalid = regexp.MustCompile(`[^\w+=,.@-]`)

// SessionName returns the role session name of a run, "config-report-"
// and the run ID, each character STS does not accept replaced by '-' and
// cut to 64 characters, so that CloudTrail in the account read shows which
// run read it.
func SessionName(runID string) string {
	name := sessionNameInvalid.ReplaceAllString("config-report-"+runID, "-")
	if len(name) > maxSessionName {
		name = name[:maxSessionName]
	}
	return name
}
