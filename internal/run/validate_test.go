package run

import "testing"

func TestValidators(t *testing.T) {
	for _, id := range []string{"ab", "prod-7f3c9a", "a=b,c.d@e:f/g+h_i-j"} {
		if err := ValidateExternalID(id); err != nil {
			t.Errorf("ValidateExternalID(%q) = %v, want nil", id, err)
		}
	}
	for _, id := range []string{"", "a", "has space", "ünïcode", string(make([]byte, 1225))} {
		if ValidateExternalID(id) == nil {
			t.Errorf("ValidateExternalID(%.20q) = nil, want an error", id)
		}
	}
	for _, b := range []string{"abc", "my.bucket-1"} {
		if err := ValidateBucket(b); err != nil {
			t.Errorf("ValidateBucket(%q) = %v", b, err)
		}
	}
	for _, b := range []string{"", "ab", "Upper", "-start", "end-", "a_b"} {
		if ValidateBucket(b) == nil {
			t.Errorf("ValidateBucket(%q) = nil, want an error", b)
		}
	}
	if d, ok := FirstDuplicate([]string{"eu-west-1", "us-east-1", "eu-west-1"}); !ok || d != "eu-west-1" {
		t.Errorf("FirstDuplicate = %q, %v", d, ok)
	}
	if _, ok := FirstDuplicate([]string{"a", "b"}); ok {
		t.Error("FirstDuplicate found one in a, b")
	}
}
