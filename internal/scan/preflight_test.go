package scan_test

import (
	"strings"
	"testing"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
)

// TestPreflightHelpersAgreeWithScan judges every account and region of an
// organization with every kind of problem twice: by scanning it, and with
// the helpers a preflight uses (Credentials, Unreachable,
// RecorderAndRules, RegionStatusOf, ConfigStatus). Where the scan's verdict
// comes from the assume or the first two reads, the helpers must reach the
// same one.
func TestPreflightHelpersAgreeWithScan(t *testing.T) {
	e := newEnv(t, orgsim.Spec{Seed: 31, Accounts: 60, Regions: []string{"us-east-1", "eu-west-1", "af-south-1"},
		AccessDeniedAction: "config:DescribeConfigRules", ServiceLinkedRecorderAccounts: 3})
	s := e.handler.Scanner
	seen := map[run.RegionStatus]int{}
	unreachable := 0
	for _, id := range e.scannableAccounts() {
		if _, err := e.handler.Handle(t.Context(), e.input(id)); err != nil {
			t.Fatalf("Handle(%s): %v", id, err)
		}
		shard, err := run.GetShard(t.Context(), e.s3, testBucket, run.ShardKey(testRunID, id))
		if err != nil {
			t.Fatal(err)
		}
		creds := s.Credentials(testRunID, id)
		_, err = creds.Retrieve(t.Context())
		if got, want := err != nil && scan.Unreachable(err), shard.Status == run.AccountUnreachable; got != want {
			t.Errorf("%s: Unreachable(%v) = %v, the scan says %s", id, err, got, shard.Status)
		}
		if err != nil {
			unreachable++
			continue
		}
		for _, r := range shard.Regions {
			rec, rules, err := s.RecorderAndRules(t.Context(), creds, id, r.Region)
			var got run.RegionStatus
			if err != nil {
				status, ok := scan.RegionStatusOf(err)
				if !ok {
					t.Errorf("%s/%s: RegionStatusOf(%v) = not recorded, the scan recorded %s", id, r.Region, err, r.Status)
					continue
				}
				got = status
				if action := scan.FailedAction(err); !strings.HasPrefix(action, "config:") || (status == run.RegionAccessDenied && !strings.Contains(r.Reason, action)) {
					t.Errorf("%s/%s: FailedAction = %q, the scan's reason is %q", id, r.Region, action, r.Reason)
				}
			} else {
				got = scan.ConfigStatus(rec, len(rules))
			}
			seen[got]++
			if got != r.Status && !(r.Status == run.RegionAccessDenied && got.HasData()) { // a later read was denied
				t.Errorf("%s/%s: the helpers say %s, the scan %s (%s)", id, r.Region, got, r.Status, r.Reason)
			}
		}
	}
	for _, want := range []run.RegionStatus{run.RegionScanned, run.RegionConfigNotEnabled, run.RegionRecorderStopped,
		run.RegionDisabled, run.RegionBlockedBySCP, run.RegionAccessDenied} {
		if seen[want] == 0 {
			t.Errorf("no region judged %s: the organization did not exercise it (%v)", want, seen)
		}
	}
	if unreachable == 0 {
		t.Error("no unreachable account was judged")
	}
}

// TestQueryableIsTheScannersList: the key a preflight sends
// BatchGetResourceConfig must be one the scanner would send.
func TestQueryableIsTheScannersList(t *testing.T) {
	for typ, want := range map[string]bool{"AWS::S3::Bucket": true, "AWS::IAM::Role": true, "AWS::::Account": false, "": false} {
		if got := scan.Queryable(typ); got != want || got != queryable(typ) {
			t.Errorf("Queryable(%q) = %v, want %v", typ, got, want)
		}
	}
}
