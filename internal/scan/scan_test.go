package scan_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/ruleid"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
)

// shardOpts compares shards without the scan time and the reasons, which
// carry AWS's messages and are checked on their own.
var shardOpts = cmp.Options{
	cmpopts.IgnoreFields(run.Shard{}, "ScannedAt", "Reason"),
	cmpopts.IgnoreFields(run.Region{}, "Reason"),
	cmpopts.EquateEmpty(),
}

// scanAndCheck runs the handler on one account and checks the written shard
// against the ground truth, the reasons, the handler's output, one
// AssumeRole and, when exactCalls is set, that every account-region made
// exactly the minimum of Config calls (otherwise at least it). It returns
// the shard.
func scanAndCheck(t *testing.T, e *env, id string, exactCalls bool) *run.Shard {
	t.Helper()
	ctx := context.Background()
	e.srv.Calls().Reset()
	out, err := e.handler.Handle(ctx, e.input(id))
	if err != nil {
		t.Fatalf("Handle(%s) error = %v", id, err)
	}
	got, err := run.GetShard(ctx, e.s3, testBucket, run.ShardKey(testRunID, id))
	if err != nil {
		t.Fatalf("read shard of %s: %v", id, err)
	}
	want := e.wantShard(id)
	if diff := cmp.Diff(want, got, shardOpts); diff != "" {
		t.Errorf("shard of %s (-want +got):\n%s", id, diff)
	}
	if wantOut := (scan.Out{AccountID: id, Status: got.Status, ShardKey: run.ShardKey(testRunID, id), Counts: want.Counts()}); out != wantOut {
		t.Errorf("Handle(%s) = %+v, want %+v", id, out, wantOut)
	}
	if got.ScannedAt.IsZero() {
		t.Errorf("shard of %s has no scannedAt", id)
	}

	a := e.org.Account(id)
	if n := e.srv.Calls().Count("sts:AssumeRole", "", ""); n != 1 {
		t.Errorf("account %s: %d AssumeRole calls, want 1", id, n)
	}
	if got.Status == run.AccountUnreachable {
		roleARN := e.handler.Scanner.RoleARN(id)
		if !strings.Contains(got.Reason, "AccessDenied") || !strings.Contains(got.Reason, roleARN) {
			t.Errorf("unreachable reason of %s = %q, want AccessDenied naming %s", id, got.Reason, roleARN)
		}
		if n := e.srv.Calls().Count("config:*", "", ""); n != 0 {
			t.Errorf("unreachable account %s: %d Config calls, want 0", id, n)
		}
		return got
	}
	for _, r := range got.Regions {
		switch r.Status {
		case run.RegionScanned:
			noRecorder := r.Recorder == nil
			if noRecorder != (r.Reason != "") || noRecorder && !strings.Contains(r.Reason, "service-linked recorder") {
				t.Errorf("%s/%s: scanned, recorder %+v, with reason %q; a reason only, and always, without a customer managed recorder", id, r.Region, r.Recorder, r.Reason)
			}
		case run.RegionBlockedBySCP:
			if !strings.Contains(r.Reason, "blocked by a service control policy") || !strings.Contains(r.Reason, "explicit deny in a service control policy") {
				t.Errorf("%s/%s: reason %q, want it to say an SCP blocks the region, in AWS's words", id, r.Region, r.Reason)
			}
		case run.RegionAccessDenied:
			action := e.deniedAction(a, a.RegionConfig(r.Region))
			if !strings.Contains(r.Reason, action+" denied") {
				t.Errorf("%s/%s: reason %q, want it to name %s", id, r.Region, r.Reason, action)
			}
			continue // calls made concurrently before the denial may differ
		default:
			if r.Reason == "" {
				t.Errorf("%s/%s: status %s without a reason", id, r.Region, r.Status)
			}
		}
		minimum, made := e.minimumCalls(a, r.Region), e.calls(id, r.Region)
		if exactCalls {
			if diff := cmp.Diff(minimum, made); diff != "" {
				t.Errorf("Config calls in %s/%s (-minimum +made):\n%s", id, r.Region, diff)
			}
			continue
		}
		for op, n := range minimum {
			if made[op] < n {
				t.Errorf("%s/%s: %d %s calls, fewer than the %d pages there are", id, r.Region, made[op], op, n)
			}
		}
	}
	return got
}

func TestScanMatchesGroundTruth(t *testing.T) {
	problems := orgsim.Spec{
		Accounts: 40, InactiveAccounts: 2, UnreachableAccounts: 3, ConfigDisabledAccounts: 3,
		RecorderStoppedAccounts: 3, AccessDeniedAccounts: 2, DisabledRegionAccounts: 3, ServiceLinkedRecorderAccounts: 3,
		Regions: []string{"us-east-1", "eu-west-1", "af-south-1"},
	}
	tests := []struct {
		name    string
		edit    func(*orgsim.Spec)
		environ []string
	}{
		{name: "defaults", edit: func(s *orgsim.Spec) { s.Seed = 1 }},
		{name: "many packs and rules", edit: func(s *orgsim.Spec) {
			s.Seed, s.RulesPerRegion, s.ConformancePacks, s.RulesPerPack = 2, 80, 25, 2
			s.NonCompliantShare, s.ResourcesPerRule, s.EvaluationErrorShare = 0.4, 12, 0.1
		}},
		{name: "resources past a page, no packs", edit: func(s *orgsim.Spec) {
			s.Seed, s.Accounts, s.RulesPerRegion, s.ConformancePacks, s.ResourcesPerRule, s.NonCompliantShare = 3, 20, 55, -1, 220, 0.1
			s.AccessDeniedAction = "config:DescribeConfigRules"
		}},
		{name: "names and tags off", edit: func(s *orgsim.Spec) {
			s.Seed = 4
			s.AccessDeniedAction = "config:BatchGetResourceConfig"
		}, environ: []string{"RESOLVE_RESOURCE_DETAILS=false"}},
		{name: "names and tags denied", edit: func(s *orgsim.Spec) {
			s.Seed = 5
			s.AccessDeniedAction = "config:BatchGetResourceConfig"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := problems
			tt.edit(&spec)
			e := newEnv(t, spec, tt.environ...)
			seen := map[string]int{}
			for _, id := range e.scannableAccounts() {
				s := scanAndCheck(t, e, id, true)
				seen[string(s.Status)]++
				for _, r := range s.Regions {
					seen["region "+string(r.Status)]++
					if r.Status == run.RegionScanned && r.Recorder == nil {
						seen["rules without a customer managed recorder"]++
					}
					for _, rule := range r.Rules {
						seen[string(rule.Compliance)]++
						if rule.EvaluationError != nil {
							seen["evaluation error"]++
						}
						if rule.ConformancePack != "" {
							seen["pack rule"]++
						}
						seen["managed by "+string(ruleid.Of(rule.Name, rule.CreatedBy, rule.ConformancePack).Manager)]++
						if rule.ProactiveOnly() {
							seen["proactive-only rule"]++
						}
					}
					for _, res := range r.NonCompliant {
						if res.Name != "" {
							seen["resource name"]++
						}
					}
				}
			}
			// The organization must exercise every outcome, or the test proves little.
			want := []string{"scanned", "unreachable", "region scanned", "region recorder-stopped",
				"region config-not-enabled", "region region-disabled", "region blocked-by-scp", "COMPLIANT", "NON_COMPLIANT", "INSUFFICIENT_DATA",
				"managed by customer", "managed by security-hub", "managed by organization", "managed by control-tower", "proactive-only rule",
				"rules without a customer managed recorder"}
			if spec.AccessDeniedAction != "config:BatchGetResourceConfig" {
				want = append(want, "region access-denied")
			}
			if spec.ConformancePacks >= 0 {
				want = append(want, "pack rule", "managed by conformance-pack")
			}
			if len(tt.environ) == 0 {
				want = append(want, "resource name")
			}
			for _, w := range want {
				if seen[w] == 0 {
					t.Errorf("no %s in the organization; outcomes seen: %v", w, seen)
				}
			}
			t.Logf("outcomes: %s", fmt.Sprint(seen))
		})
	}
}
