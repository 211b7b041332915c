package scan_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/config-report/config-report/internal/awserr"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
)

// faultSpec is a small organization without generated problems: each fault
// test makes its own.
func faultSpec(seed int64) orgsim.Spec {
	return orgsim.Spec{
		Seed: seed, Accounts: 6, Regions: []string{"us-east-1", "eu-west-1", "af-south-1"},
		InactiveAccounts: -1, UnreachableAccounts: -1, ConfigDisabledAccounts: -1,
		RecorderStoppedAccounts: -1, AccessDeniedAccounts: -1, DisabledRegionAccounts: -1,
		NonCompliantShare: 0.3,
	}
}

// member returns a member account that is neither the management nor the hub account.
func (e *env) member(t *testing.T) string {
	t.Helper()
	for _, id := range e.scannableAccounts() {
		if id != e.org.ManagementAccountID && id != e.org.HubAccountID {
			return id
		}
	}
	t.Fatal("no member account")
	return ""
}

// wantTransient checks that err is an *awserr.TransientError itself, not wrapped, so
// that aws-lambda-go reports the errorType awserr.TransientErrorName, and that no
// shard was written.
func wantTransient(t *testing.T, e *env, err error) *awserr.TransientError {
	t.Helper()
	te, ok := err.(*awserr.TransientError)
	if !ok {
		t.Fatalf("Handle error = %T %v, want an *awserr.TransientError", err, err)
	}
	if name := reflect.TypeOf(err).Elem().Name(); name != awserr.TransientErrorName {
		t.Errorf("error type name = %q, want TransientError (the state machine retries on it)", name)
	}
	if keys := e.shardKeys(t); len(keys) != 0 {
		t.Errorf("a failed scan wrote %v", keys)
	}
	return te
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name    string
		spec    func(*orgsim.Spec)
		environ []string
		// setup changes the organization or the faults for account id.
		setup func(t *testing.T, e *env, id string)
		// check inspects the shard written for id.
		check func(t *testing.T, e *env, id string, s *run.Shard)
	}{
		{
			name: "read role does not trust the scanner",
			setup: func(t *testing.T, e *env, id string) {
				update(t, e.org.UpdateAccount(id, func(a *orgsim.Account) {
					a.Roles = []orgsim.Role{{Name: orgsim.DefaultReadRoleName, Trusted: []string{"arn:aws:iam::999999999999:role/someone-else"}}}
				}))
			},
			check: wantUnreachable,
		},
		{
			name: "read role missing",
			setup: func(t *testing.T, e *env, id string) {
				update(t, e.org.UpdateAccount(id, func(a *orgsim.Account) { a.Roles = nil }))
			},
			check: wantUnreachable,
		},
		{
			name:    "wrong ExternalId",
			spec:    func(s *orgsim.Spec) { s.ExternalID = "expected-external-id" },
			environ: []string{"READ_EXTERNAL_ID=some-other-id"},
			check:   wantUnreachable,
		},
		{
			name:    "right ExternalId",
			spec:    func(s *orgsim.Spec) { s.ExternalID = "expected-external-id" },
			environ: []string{"READ_EXTERNAL_ID=expected-external-id"},
			check:   wantRegions(map[string]run.RegionStatus{"us-east-1": run.RegionScanned, "eu-west-1": run.RegionScanned, "af-south-1": run.RegionScanned}),
		},
		{
			name: "Config not enabled in one region",
			setup: func(t *testing.T, e *env, id string) {
				update(t, e.org.UpdateRegionConfig(id, "eu-west-1", func(rc *orgsim.RegionConfig) { *rc = orgsim.RegionConfig{} }))
			},
			check: wantRegions(map[string]run.RegionStatus{"us-east-1": run.RegionScanned, "eu-west-1": run.RegionConfigNotEnabled, "af-south-1": run.RegionScanned}),
		},
		{
			name: "recorder stopped",
			setup: func(t *testing.T, e *env, id string) {
				update(t, e.org.UpdateRegionConfig(id, "us-east-1", func(rc *orgsim.RegionConfig) {
					rc.Recorder.Recording = false
					rc.Recorder.LastStopTime = time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
				}))
			},
			check: func(t *testing.T, e *env, id string, s *run.Shard) {
				wantRegions(map[string]run.RegionStatus{"us-east-1": run.RegionRecorderStopped, "eu-west-1": run.RegionScanned, "af-south-1": run.RegionScanned})(t, e, id, s)
				if r := s.Regions[slices.IndexFunc(s.Regions, func(r run.Region) bool { return r.Region == "us-east-1" })]; len(r.Rules) == 0 {
					t.Error("recorder-stopped region has no rules; they should still be read")
				}
			},
		},
		{
			name: "region disabled",
			setup: func(t *testing.T, e *env, id string) {
				update(t, e.org.UpdateAccount(id, func(a *orgsim.Account) { a.DisabledRegions = []string{"af-south-1"} }))
			},
			check: wantRegions(map[string]run.RegionStatus{"us-east-1": run.RegionScanned, "eu-west-1": run.RegionScanned, "af-south-1": run.RegionDisabled}),
		},
		{
			name: "AccessDenied on one Config action",
			setup: func(t *testing.T, e *env, id string) {
				update(t, e.org.UpdateAccount(id, func(a *orgsim.Account) {
					a.DeniedActions = []string{"config:DescribeConfigRuleEvaluationStatus"}
				}))
			},
			check: func(t *testing.T, e *env, id string, s *run.Shard) {
				wantRegions(map[string]run.RegionStatus{"us-east-1": run.RegionAccessDenied, "eu-west-1": run.RegionAccessDenied, "af-south-1": run.RegionAccessDenied})(t, e, id, s)
				for _, r := range s.Regions {
					if !strings.Contains(r.Reason, "config:DescribeConfigRuleEvaluationStatus denied") {
						t.Errorf("%s: reason %q does not name the denied action", r.Region, r.Reason)
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := faultSpec(21)
			if tt.spec != nil {
				tt.spec(&spec)
			}
			e := newEnv(t, spec, tt.environ...)
			id := e.member(t)
			if tt.setup != nil {
				tt.setup(t, e, id)
			}
			s := scanAndCheck(t, e, id, false)
			tt.check(t, e, id, s)
		})
	}
}

func update(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantUnreachable(t *testing.T, e *env, id string, s *run.Shard) {
	t.Helper()
	if s.Status != run.AccountUnreachable || len(s.Regions) != 0 {
		t.Errorf("shard status %s with %d regions, want unreachable with none", s.Status, len(s.Regions))
	}
}

func wantRegions(want map[string]run.RegionStatus) func(*testing.T, *env, string, *run.Shard) {
	return func(t *testing.T, e *env, id string, s *run.Shard) {
		t.Helper()
		got := map[string]run.RegionStatus{}
		for _, r := range s.Regions {
			got[r.Region] = r.Status
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("region statuses = %v, want %v", got, want)
		}
	}
}

func TestTransientFailures(t *testing.T) {
	tests := []struct {
		name       string
		faults     orgsim.Faults
		deadline   time.Duration // 0: none
		margin     time.Duration
		wantAction string
		wantErr    error
	}{
		{
			name:       "persistent 5xx",
			faults:     orgsim.Faults{ServerErrors: map[string]float64{"config:*": 1}},
			wantAction: "config:DescribeConfigurationRecorderStatus",
		},
		{
			name:       "throttling past the retries",
			faults:     orgsim.Faults{Throttle: map[string]float64{"config:DescribeConfigRules": 1}},
			wantAction: "config:DescribeConfigRules",
		},
		{
			name:       "STS throttling past the retries",
			faults:     orgsim.Faults{Throttle: map[string]float64{"sts:AssumeRole": 1}},
			wantAction: "sts:AssumeRole",
		},
		{
			name:       "S3 failing the write",
			faults:     orgsim.Faults{ServerErrors: map[string]float64{"s3:PutObject": 1}},
			wantAction: "s3:PutObject",
		},
		{
			name:     "deadline already inside the write margin",
			deadline: 50 * time.Millisecond,
			margin:   time.Second,
			wantErr:  context.DeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, faultSpec(31))
			id := e.member(t)
			e.srv.SetFaults(tt.faults)
			if tt.margin > 0 {
				e.handler.WriteMargin = tt.margin
			}
			ctx := context.Background()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			_, err := e.handler.Handle(ctx, e.input(id))
			te := wantTransient(t, e, err)
			if !strings.HasPrefix(te.Op, "scan "+id) {
				t.Errorf("TransientError.Op = %q, want it to name account %s", te.Op, id)
			}
			if tt.wantAction != "" && te.Action != tt.wantAction {
				t.Errorf("TransientError.Action = %q, want %q (error %v)", te.Action, tt.wantAction, te)
			}
			if tt.wantAction != "" && strings.Count(te.Error(), tt.wantAction) != 1 {
				t.Errorf("TransientError message %q names %s %d times, want once", te, tt.wantAction, strings.Count(te.Error(), tt.wantAction))
			}
			if tt.wantErr != nil && !errors.Is(te, tt.wantErr) {
				t.Errorf("TransientError = %v, want it to wrap %v", te, tt.wantErr)
			}
			if tt.deadline > 0 && ctx.Err() != nil {
				t.Errorf("the handler returned after the invocation's deadline: %v", ctx.Err())
			}
		})
	}
}

// TestDeadlineKeepsTheRegionsDone: a scan that reaches the invocation's
// deadline with some regions done (a proxy holds every AWS Config call of
// one region until the deadline) writes the shard of those, the held region
// not-finished, and returns a *DeadlineError, unwrapped, whose type name the
// state machine retries once; the handler returns before the deadline. With
// no region done, it is a TransientError and nothing is written.
func TestDeadlineKeepsTheRegionsDone(t *testing.T) {
	const held = "eu-west-1"
	e := newEnvThrough(t, faultSpec(31), configProxy(t, func(w http.ResponseWriter, c configCall) bool {
		if c.region == held {
			time.Sleep(1500 * time.Millisecond)
		}
		return false
	}))
	id := e.member(t)
	e.handler.WriteMargin = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	_, err := e.handler.Handle(ctx, e.input(id))
	de, ok := err.(*scan.DeadlineError)
	if !ok {
		t.Fatalf("Handle error = %T %v, want a *scan.DeadlineError", err, err)
	}
	if name := reflect.TypeOf(err).Elem().Name(); name != scan.DeadlineErrorName {
		t.Errorf("error type name = %q, want DeadlineError", name)
	}
	if ctx.Err() != nil {
		t.Errorf("the handler returned after the invocation's deadline: %v", ctx.Err())
	}
	s, err := run.GetShard(context.Background(), e.s3, testBucket, run.ShardKey(testRunID, id))
	if err != nil {
		t.Fatalf("no shard of the regions done: %v", err)
	}
	done := 0
	for _, r := range s.Regions {
		switch {
		case r.Region == held && r.Status != run.RegionNotFinished:
			t.Errorf("held region %s: status %s, want not-finished", r.Region, r.Status)
		case r.Region != held && r.Status == run.RegionNotFinished:
			t.Errorf("region %s not finished, want it done", r.Region)
		case r.Region != held:
			done++
		}
	}
	if done == 0 || done != de.Done || len(s.Regions) != de.Regions || !strings.Contains(de.Error(), "before the invocation's deadline") {
		t.Errorf("shard has %d regions done of %d; error %v", done, len(s.Regions), de)
	}

	// Every region held: nothing done, a TransientError, nothing written.
	e2 := newEnvThrough(t, faultSpec(31), configProxy(t, func(http.ResponseWriter, configCall) bool {
		time.Sleep(1500 * time.Millisecond)
		return false
	}))
	e2.handler.WriteMargin = 300 * time.Millisecond
	ctx2, cancel2 := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel2()
	_, err = e2.handler.Handle(ctx2, e2.input(e2.member(t)))
	wantTransient(t, e2, err)
}

// TestUnknownRunWritesNothing: an event naming a run that does not exist
// (no manifest), or another bucket, is an InputError before any AWS Config
// call, and no shard is written: no orphans.
func TestUnknownRunWritesNothing(t *testing.T) {
	e := newEnv(t, faultSpec(31))
	id := e.member(t)
	for _, in := range []scan.In{
		func() scan.In { in := e.input(id); in.RunID = "2026-11-30T0900Z-nosuch"; return in }(),
		func() scan.In { in := e.input(id); in.Bucket = "another-bucket"; return in }(),
	} {
		_, err := e.handler.Handle(context.Background(), in)
		var ie *awserr.InputError
		if !errors.As(err, &ie) || reflect.TypeOf(err).Elem().Name() != awserr.InputErrorName || !strings.Contains(err.Error(), "does not exist: no manifest at s3://"+in.Bucket) {
			t.Errorf("Handle(run %s, bucket %s) = %T %v, want an InputError naming the manifest", in.RunID, in.Bucket, err, err)
		}
	}
	if n := e.srv.Calls().Count("config:*", "", ""); n != 0 {
		t.Errorf("%d AWS Config calls for a run that does not exist, want none", n)
	}
	if keys := e.shardKeys(t); len(keys) != 0 {
		t.Errorf("shards written: %v", keys)
	}
}
