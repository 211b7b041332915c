package preflight

import "testing"

func TestPrincipalOf(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:sts::111122223333:assumed-role/system-config-report-scanner-role/orgsim":  "arn:aws:iam::111122223333:role/system-config-report-scanner-role",
		"arn:aws-cn:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123/jane@example": "arn:aws-cn:iam::111122223333:role/AWSReservedSSO_Admin_0123",
		"arn:aws:iam::111122223333:user/platform-engineer":                                 "arn:aws:iam::111122223333:user/platform-engineer",
		"not an ARN": "not an ARN",
	} {
		if got := principalOf(in); got != want {
			t.Errorf("principalOf(%q) = %q, want %q", in, got, want)
		}
	}
}
