package report

import (
	"strings"
	"testing"
)

// TestWhatToDo: each cause the scanner records leads with what to fix and
// where, naming the denied action where the error does.
func TestWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		status, raw string
		want        string
	}{
		{StatusUnreachable, "cannot assume arn:aws:iam::111111111111:role/r: AccessDenied: User: arn:aws:sts::222222222222:assumed-role/s/x is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/r",
			"member-role StackSet deployed to this account's OU"},
		{StatusNotScanned, "no shard: the scan did not finish", "re-run the account with the re-run input"},
		{StatusNotScanned, "unknown schema version: decode shard: schemaVersion 99", "newer scanner"},
		{coverageAccessDenied, "config:DescribeConformancePacks denied: User: arn:aws:sts::1:assumed-role/r/x is not authorized to perform: config:DescribeConformancePacks", "lacks config:DescribeConformancePacks"},
		{coverageBlockedBySCP, "config:DescribeConfigRules blocked by a service control policy: ... with an explicit deny in a service control policy", "drop the region from `regions`"},
		{coverageConfigNotEnabled, "no configuration recorder", "enable AWS Config in the region"},
		{coverageRecorderOff, `configuration recorder "default" is not recording; results may be stale`, "start the recorder"},
	} {
		got := whatToDo(tc.status, tc.raw)
		if !strings.Contains(got, tc.want) {
			t.Errorf("whatToDo(%q, %.40q…) = %q, want it to contain %q", tc.status, tc.raw, got, tc.want)
		}
		if len(got) > 160 {
			t.Errorf("whatToDo(%q) is %d characters: a reason is read at a glance", tc.status, len(got))
		}
	}
	if got := whatToDo(coverageScanned, "no customer managed configuration recorder"); got != "" {
		t.Errorf("whatToDo(scanned) = %q, want nothing to do", got)
	}
}
