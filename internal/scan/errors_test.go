package scan

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/config-report/config-report/internal/awserr"
)

// TestClassify checks the scanner's own answers (denied, region disabled)
// and that everything else is transient exactly when awserr says so, the
// classification every handler shares.
func TestClassify(t *testing.T) {
	throttled := &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
	tests := []struct {
		name string
		err  error
		want errorKind
	}{
		{"Config denied", callFailed("config:DescribeConfigRules", &smithy.GenericAPIError{Code: "AccessDeniedException"}), kindDenied},
		{"STS denied", &smithy.GenericAPIError{Code: "AccessDenied"}, kindDenied},
		{"region not enabled", &smithy.GenericAPIError{Code: "UnrecognizedClientException"}, kindRegionDisabled},
		{"throttled", fmt.Errorf("list rules: %w", throttled), kindTransient},
		{"deadline", callFailed("config:DescribeConfigRules", context.DeadlineExceeded), kindTransient},
		{"canceled", context.Canceled, kindTransient},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException"}, kindOther},
		{"plain", errors.New("bug"), kindOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			if got != tt.want {
				t.Errorf("classify(%v) = %d, want %d", tt.err, got, tt.want)
			}
			if got != kindDenied && got != kindRegionDisabled && (got == kindTransient) != awserr.IsTransient(tt.err) {
				t.Errorf("classify(%v) = %d, but awserr.IsTransient = %v", tt.err, got, awserr.IsTransient(tt.err))
			}
		})
	}
}

// TestDeadlineErrorName fails when DeadlineError is renamed without
// DeadlineErrorName, which the state machine's Retry matches.
func TestDeadlineErrorName(t *testing.T) {
	if got := reflect.TypeFor[DeadlineError]().Name(); got != DeadlineErrorName {
		t.Errorf("DeadlineError's type is named %q, DeadlineErrorName says %q", got, DeadlineErrorName)
	}
}
