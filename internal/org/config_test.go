package org_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/org"
)

const testRoleARN = "arn:aws:iam::111111111111:role/system-config-report-generator-list-org-role"

func lookup(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want org.Config
	}{
		{
			name: "required only",
			env:  map[string]string{"REPORT_BUCKET": "reports-bucket", "ORG_ROLE_ARN": testRoleARN},
			want: org.Config{Bucket: "reports-bucket", RoleARN: testRoleARN, TagKeys: []string{"owner", "team"}},
		},
		{
			name: "everything, with spaces and empty items",
			env: map[string]string{
				"REPORT_BUCKET":    "reports-bucket",
				"ORG_ROLE_ARN":     "arn:aws-us-gov:iam::111111111111:role/path/to/lister",
				"ORG_EXTERNAL_ID":  "config-report-ext",
				"INCLUDE_OUS":      " ou-ab12-cdef3456 , r-ab12,",
				"EXCLUDE_OUS":      "ou-ab12-99999999",
				"EXCLUDE_ACCOUNTS": "123456789012, 210987654321",
				"TAG_KEYS":         "Owner, cost-center",
			},
			want: org.Config{
				Bucket:          "reports-bucket",
				RoleARN:         "arn:aws-us-gov:iam::111111111111:role/path/to/lister",
				ExternalID:      "config-report-ext",
				IncludeOUs:      []string{"ou-ab12-cdef3456", "r-ab12"},
				ExcludeOUs:      []string{"ou-ab12-99999999"},
				ExcludeAccounts: []string{"123456789012", "210987654321"},
				TagKeys:         []string{"Owner", "cost-center"},
			},
		},
		{
			name: "TAG_KEYS set empty reads no tags",
			env:  map[string]string{"REPORT_BUCKET": "reports-bucket", "ORG_ROLE_ARN": testRoleARN, "TAG_KEYS": ""},
			want: org.Config{Bucket: "reports-bucket", RoleARN: testRoleARN},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := org.LoadConfig(lookup(tt.env))
			if err != nil {
				t.Fatalf("LoadConfig() error = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("LoadConfig() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadConfigErrors(t *testing.T) {
	good := map[string]string{"REPORT_BUCKET": "reports-bucket", "ORG_ROLE_ARN": testRoleARN}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "<unset>" {
				delete(m, kv[i])
				continue
			}
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want []string // substrings of the error, in any order
	}{
		{"nothing set", map[string]string{}, []string{
			"REPORT_BUCKET: required: the name of the S3 bucket",
			"ORG_ROLE_ARN: required: the ARN of the organization-listing role",
		}},
		{"empty bucket", with("REPORT_BUCKET", " "), []string{"REPORT_BUCKET: required"}},
		{"bad bucket", with("REPORT_BUCKET", "Reports_Bucket"), []string{`REPORT_BUCKET: "Reports_Bucket" is not an S3 bucket name`}},
		{"role not an ARN", with("ORG_ROLE_ARN", "foo"), []string{`ORG_ROLE_ARN: "foo" is not an IAM role ARN (arn:aws:iam::123456789012:role/name)`}},
		{"user ARN", with("ORG_ROLE_ARN", "arn:aws:iam::111111111111:user/alice"), []string{`ORG_ROLE_ARN: "arn:aws:iam::111111111111:user/alice" is not an IAM role ARN`}},
		{"not IAM", with("ORG_ROLE_ARN", "arn:aws:s3:::bucket"), []string{`ORG_ROLE_ARN: "arn:aws:s3:::bucket" is not an IAM role ARN`}},
		{"short account", with("ORG_ROLE_ARN", "arn:aws:iam::1111:role/x"), []string{`ORG_ROLE_ARN: "arn:aws:iam::1111:role/x" is not an IAM role ARN`}},
		{"external id too short", with("ORG_EXTERNAL_ID", "x"), []string{"ORG_EXTERNAL_ID: not a valid STS external ID"}},
		{"include not an OU", with("INCLUDE_OUS", "Workloads"), []string{`INCLUDE_OUS: "Workloads" is not an OU ID (ou-ab12-cdef3456) or a root ID (r-ab12)`}},
		{"exclude the root", with("EXCLUDE_OUS", "r-ab12"), []string{`EXCLUDE_OUS: "r-ab12" is a root; excluding it would exclude every account`}},
		{"exclude not an OU", with("EXCLUDE_OUS", "ou-x"), []string{`EXCLUDE_OUS: "ou-x" is not an OU ID`}},
		{"include and exclude the same OU", with("INCLUDE_OUS", "ou-ab12-cdef3456", "EXCLUDE_OUS", "ou-ab12-cdef3456"), []string{`EXCLUDE_OUS: "ou-ab12-cdef3456" is also in INCLUDE_OUS`}},
		{"bad account", with("EXCLUDE_ACCOUNTS", "123456789012,12345"), []string{`EXCLUDE_ACCOUNTS: "12345" is not a 12-digit account ID`}},
		{"long tag key", with("TAG_KEYS", strings.Repeat("k", 129)), []string{"TAG_KEYS: tag key"}},
		{"several at once", with("REPORT_BUCKET", "<unset>", "EXCLUDE_ACCOUNTS", "abc"), []string{
			"REPORT_BUCKET: required", `EXCLUDE_ACCOUNTS: "abc" is not a 12-digit account ID`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := org.LoadConfig(lookup(tt.env))
			if err == nil {
				t.Fatalf("LoadConfig(%v) = nil error, want one mentioning %q", tt.env, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("LoadConfig(%v) error = %q, want it to contain %q", tt.env, err, w)
				}
			}
		})
	}
}
