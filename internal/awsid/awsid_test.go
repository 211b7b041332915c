package awsid

import (
	"strings"
	"testing"
)

// check runs validate over values that must pass and values that must not.
func check(t *testing.T, name string, validate func(string) error, good, bad []string) {
	t.Helper()
	for _, v := range good {
		if err := validate(v); err != nil {
			t.Errorf("%s(%.40q) = %v, want nil", name, v, err)
		}
	}
	for _, v := range bad {
		if validate(v) == nil {
			t.Errorf("%s(%.40q) = nil, want an error", name, v)
		}
	}
}

func TestValidators(t *testing.T) {
	check(t, "ValidateAccountID", ValidateAccountID, []string{"123456789012"}, []string{"", "12345678901", "1234567890123", "12345678901a"})
	check(t, "ValidateRegion", ValidateRegion,
		[]string{"us-east-1", "eu-west-1", "ap-southeast-5", "mx-central-1", "il-central-1", "us-gov-west-1", "cn-north-1",
			"cn-northwest-1", "eusc-de-east-1", "us-iso-east-1", "us-isob-east-1", "us-isof-south-1", "eu-isoe-west-1"},
		[]string{"", "Europe", "us-east", "US-EAST-1", "xx-east-1", "us-east-1a", "eu_west_1", " us-east-1"})
	check(t, "ValidateRoleName", ValidateRoleName, []string{"reader", "a+b=c,d.e@f_g-h", strings.Repeat("r", 64)},
		[]string{"", "audit/reader", "has space", strings.Repeat("r", 65)})
	check(t, "ValidateRolePathName", ValidateRolePathName, []string{"reader", "audit/reader", "/audit/reader", "a/b/reader"},
		[]string{"", "audit/", "audit/has space", "audit/" + strings.Repeat("r", 65)})
	check(t, "ValidateRoleARN", ValidateRoleARN,
		[]string{"arn:aws:iam::123456789012:role/reader", "arn:aws-cn:iam::123456789012:role/audit/reader"},
		[]string{"", "reader", "arn:aws:iam::123456789012:user/reader", "arn:aws:iam:eu-west-1:123456789012:role/reader",
			"arn:aws:iam::1234:role/reader", "arn:aws:s3:::bucket", "arn:aws:iam::123456789012:role/", "arn:aws:iam::123456789012:role/has space"})
	check(t, "ValidateOU", ValidateOU, []string{"ou-ab12-cdef3456"}, []string{"", "r-ab12", "ou-ab12", "OU-ab12-cdef3456"})
	check(t, "ValidateOUOrRoot", ValidateOUOrRoot, []string{"ou-ab12-cdef3456", "r-ab12"}, []string{"", "r-", "root"})
	check(t, "ValidateTagKey", ValidateTagKey, []string{"owner", "cost center", "ünïcode", strings.Repeat("k", 128)},
		[]string{"", strings.Repeat("k", 129)})
	check(t, "ValidateExternalID", ValidateExternalID, []string{"ab", "prod-7f3c9a", "a=b,c.d@e:f/g+h_i-j"},
		[]string{"", "a", "has space", "ünïcode", strings.Repeat("x", 1225)})
	check(t, "ValidateBucket", ValidateBucket, []string{"abc", "my.bucket-1"}, []string{"", "ab", "Upper", "-start", "end-", "a_b", "a..b"})
}

func TestPartition(t *testing.T) {
	for region, want := range map[string]string{
		"": "aws", "us-east-1": "aws", "eu-west-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov",
		"us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b", "us-isof-south-1": "aws-iso-f",
		"eu-isoe-west-1": "aws-iso-e", "eusc-de-east-1": "aws-eusc", "unknown": "aws",
	} {
		if got := Partition(region); got != want {
			t.Errorf("Partition(%q) = %q, want %q", region, got, want)
		}
	}
}

func TestSplitRolePath(t *testing.T) {
	for in, want := range map[string][2]string{
		"reader": {"/", "reader"}, "audit/reader": {"/audit/", "reader"}, "/audit/reader": {"/audit/", "reader"},
		"a/b/reader": {"/a/b/", "reader"},
	} {
		if path, name := SplitRolePath(in); path != want[0] || name != want[1] {
			t.Errorf("SplitRolePath(%q) = %q, %q, want %q, %q", in, path, name, want[0], want[1])
		}
	}
}

func TestSessionName(t *testing.T) {
	for _, tt := range []struct{ runID, want string }{
		{"2026-11-30T0900Z-3f2a9c1b", "config-report-2026-11-30T0900Z-3f2a9c1b"},
		{"run with spaces/and:colons", "config-report-run-with-spaces-and-colons"},
		{strings.Repeat("x", 80), "config-report-" + strings.Repeat("x", 50)},
	} {
		if got := SessionName(tt.runID); got != tt.want {
			t.Errorf("SessionName(%q) = %q, want %q", tt.runID, got, tt.want)
		}
	}
}
