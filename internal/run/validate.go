package run

import (
	"fmt"
	"regexp"
)

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
// ending with a letter or digit (Amazon S3 User Guide, "General purpose
// bucket naming rules").
var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ValidateBucket reports whether name is an S3 bucket name.
func ValidateBucket(name string) error {
	if !bucketPattern.MatchString(name) {
		return fmt.Errorf("%q is not an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)", name)
	}
	return nil
}

// FirstDuplicate returns the first value that appears twice in values.
func FirstDuplicate(values []string) (string, bool) {
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if seen[v] {
			return v, true
		}
		seen[v] = true
	}
	return "", false
}
