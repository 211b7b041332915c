package scan_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
)

// TestScannerCallsAreInTheReadRole scans a whole organization, problem
// accounts included, with the read role the CDK stacks deploy (the
// simulator enforces its action list) and checks that every Config
// operation the scanner called is in that list: a new call without its
// action in access.ReadRole fails here, not after deployment.
func TestScannerCallsAreInTheReadRole(t *testing.T) {
	e := newEnv(t, orgsim.Spec{Seed: 21, Accounts: 25, Regions: []string{"us-east-1", "eu-west-1", "af-south-1"},
		ConformancePacks: 2, NonCompliantShare: 0.5, ServiceLinkedRecorderAccounts: 2, RecorderStoppedAccounts: 2})
	for _, id := range e.scannableAccounts() {
		scanAndCheck(t, e, id, false)
	}
	// scanAndCheck resets the counters per account: scan once more, all at once.
	e.srv.Calls().Reset()
	for _, id := range e.scannableAccounts() {
		if _, err := e.handler.Handle(t.Context(), e.input(id)); err != nil {
			t.Fatalf("Handle(%s): %v", id, err)
		}
	}
	allowed := access.ReadRole(true)
	var config []string
	for _, op := range e.srv.Calls().Operations() {
		if strings.HasPrefix(op, "config:") {
			config = append(config, op)
			if !slices.Contains(allowed, op) {
				t.Errorf("the scanner called %s, which the read role does not allow (access.ReadRole)", op)
			}
		}
	}
	if len(config) < 6 {
		t.Errorf("the scan made only %v: too few operations for the check to mean anything", config)
	}
}

// TestReadRoleWithoutAnAction removes one action from the read role's
// policy, as a stale StackSet would, and watches the scanner report each
// affected region as denied with that action named, or, for the optional
// BatchGetResourceConfig, lose only the names.
func TestReadRoleWithoutAnAction(t *testing.T) {
	tests := []struct {
		action     string
		wantDenied bool
	}{
		{action: access.ConfigDescribeConformancePacks, wantDenied: true},
		{action: access.ConfigGetComplianceDetailsByConfigRule, wantDenied: true},
		{action: access.ConfigBatchGetResourceConfig, wantDenied: false},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			spec := faultSpec(23)
			spec.NonCompliantShare = 0.6
			spec.ReadRoleActions = slices.DeleteFunc(access.ReadRole(true), func(a string) bool { return a == tt.action })
			e := newEnv(t, spec)
			id := e.member(t)
			s := scanAndCheck(t, e, id, false)
			var denied, scanned, names int
			for _, r := range s.Regions {
				switch r.Status {
				case run.RegionAccessDenied:
					denied++
					if !strings.Contains(r.Reason, tt.action+" denied") || !strings.Contains(r.Reason, "no identity-based policy allows") {
						t.Errorf("%s: reason %q, want %s denied in AWS's words", r.Region, r.Reason, tt.action)
					}
				case run.RegionScanned, run.RegionRecorderStopped:
					scanned++
					for _, res := range r.NonCompliant {
						if res.Name != "" {
							names++
						}
					}
				}
			}
			if tt.wantDenied && (denied == 0 || scanned != 0) {
				t.Errorf("%d regions denied, %d scanned; want every region with data denied", denied, scanned)
			}
			if !tt.wantDenied && (denied != 0 || scanned == 0 || names != 0) {
				t.Errorf("%d regions denied, %d scanned, %d names; want regions scanned without names", denied, scanned, names)
			}
		})
	}
}

// TestBatchGetSendsOnlyQueryableTypes checks every key the scanner sends
// BatchGetResourceConfig against the API's ResourceType enum (account-level
// rules report AWS::::Account, which it refuses), and that a
// ValidationException from the call, however it comes, costs the names and
// never the account.
func TestBatchGetSendsOnlyQueryableTypes(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		name := map[bool]string{false: "keys checked", true: "call refused"}[refuse]
		t.Run(name, func(t *testing.T) {
			var sent, refused int
			bad := map[string]bool{}
			spec := faultSpec(25)
			spec.NonCompliantShare = 0.7
			e := newEnvThrough(t, spec, configProxy(t, func(w http.ResponseWriter, c configCall) bool {
				if c.op != "BatchGetResourceConfig" {
					return false
				}
				keys, _ := c.in["resourceKeys"].([]any)
				for _, k := range keys {
					typ, _ := k.(map[string]any)["resourceType"].(string)
					sent++
					if !slices.Contains(types.ResourceType("").Values(), types.ResourceType(typ)) {
						bad[typ] = true
					}
				}
				if refuse {
					refused++
					b, _ := json.Marshal("AWS::::Account")
					writeConfigError(w, "ValidationException", "1 validation error detected: Value "+string(b)+" at 'resourceKeys.1.member.resourceType' failed to satisfy constraint: Member must satisfy enum value set")
					return true
				}
				return false
			}))
			id := e.member(t)
			var accountLevel int
			for _, r := range e.org.Account(id).RegionConfig("us-east-1").Rules {
				for _, res := range r.NonCompliant {
					if res.Type == "AWS::::Account" {
						accountLevel++
					}
				}
			}
			var s *run.Shard
			if refuse {
				if _, err := e.handler.Handle(t.Context(), e.input(id)); err != nil {
					t.Fatalf("Handle(%s) = %v, want the names lost, not the account", id, err)
				}
				var err error
				if s, err = run.GetShard(t.Context(), e.s3, testBucket, run.ShardKey(testRunID, id)); err != nil {
					t.Fatalf("read shard: %v", err)
				}
			} else {
				s = scanAndCheck(t, e, id, true)
			}
			if len(bad) > 0 {
				t.Errorf("BatchGetResourceConfig was sent types outside the API's enum: %v", bad)
			}
			if sent == 0 || accountLevel == 0 {
				t.Fatalf("%d keys sent, %d account-level resources: the case was not exercised", sent, accountLevel)
			}
			if s.Status != run.AccountScanned {
				t.Fatalf("account status %s, want scanned", s.Status)
			}
			for _, r := range s.Regions {
				if r.Status == run.RegionAccessDenied {
					t.Errorf("%s: %s (%s), want the names lost, not the region", r.Region, r.Status, r.Reason)
				}
				for _, res := range r.NonCompliant {
					if refuse && res.Name != "" {
						t.Errorf("%s/%s has a name though every BatchGetResourceConfig was refused", res.Type, res.ID)
					}
				}
			}
			if refuse && refused == 0 {
				t.Error("no call was refused")
			}
		})
	}
}
