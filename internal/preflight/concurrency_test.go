package preflight

import (
	"strings"
	"testing"
)

// TestJudgeConcurrency: nothing local serves the Lambda API (kumo has no
// GetAccountSettings or GetFunctionConcurrency), so the arithmetic is
// tested on its own; the calls themselves are made with the real SDK client
// and are not run against anything here.
func TestJudgeConcurrency(t *testing.T) {
	n := Names{ReservedConcurrency: "scannerReservedConcurrency", MaxConcurrency: "maxConcurrency", HubStack: "config-report-prod-hub"}
	tests := []struct {
		name                             string
		limit, unreserved, current, want int
		deployed                         bool
		status                           Status
		says                             []string
	}{
		{name: "default quota, not deployed yet", limit: 1000, unreserved: 1000, want: 100, status: Passed, says: []string{"quota 1000", "needs 100"}},
		{name: "a new account's quota", limit: 10, unreserved: 10, want: 40, status: Failed,
			says: []string{"at most 0 can be reserved", "to at least 140", "lower scannerReservedConcurrency and maxConcurrency"}},
		{name: "others reserve most of it", limit: 1000, unreserved: 150, want: 100, status: Failed, says: []string{"at most 50 can be reserved", "to at least 1050"}},
		{name: "exactly enough", limit: 1000, unreserved: 200, want: 100, status: Passed},
		{name: "deployed, its reservation counts", limit: 1000, unreserved: 100, current: 100, deployed: true, want: 100, status: Passed, says: []string{"the scanner reserves 100"}},
		{name: "deployed with another reservation", limit: 1000, unreserved: 800, current: 50, deployed: true, want: 100, status: Failed, says: []string{"reserves 50, not the 100 configured: deploy config-report-prod-hub"}},
		{name: "no reservation asked for", limit: 1000, unreserved: 1000, status: Passed, says: []string{"no reservation to compare"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := judgeConcurrency(n, "eu-west-1", tt.limit, tt.unreserved, tt.current, tt.deployed, tt.want)
			if c.Status != tt.status {
				t.Errorf("judgeConcurrency(%d, %d, %d, %d) = %s (%s; %s), want %s", tt.limit, tt.unreserved, tt.current, tt.want, c.Status, c.Detail, c.Advice, tt.status)
			}
			for _, s := range tt.says {
				if !strings.Contains(c.Detail+" | "+c.Advice, s) {
					t.Errorf("judgeConcurrency says %q | %q, want %q", c.Detail, c.Advice, s)
				}
			}
		})
	}
}
