package report

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// shardFunc adapts a function to ShardReader.
type shardFunc func(ctx context.Context, accountID string) (*run.Shard, error)

func (f shardFunc) ReadShard(ctx context.Context, id string) (*run.Shard, error) { return f(ctx, id) }

func TestReadInOrder(t *testing.T) {
	const n, concurrency = 200, 4
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%012d", i)
	}
	var (
		mu       sync.Mutex
		started  int
		consumed int
		inFlight int
		maxIn    int
		problems []string
	)
	r := shardFunc(func(_ context.Context, id string) (*run.Shard, error) {
		mu.Lock()
		started++
		inFlight++
		maxIn = max(maxIn, inFlight)
		// Never more than the window of shards read and not yet handed on.
		if held := started - consumed; held > 2*concurrency {
			problems = append(problems, fmt.Sprintf("%d shards held when reading %s", held, id))
		}
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		return &run.Shard{Account: run.Account{ID: id}}, nil
	})
	var got []string
	err := readInOrder(context.Background(), r, ids, concurrency, func(i int, sh *run.Shard, err error) error {
		if err != nil || sh.Account.ID != ids[i] {
			return fmt.Errorf("item %d: shard %v, error %v", i, sh, err)
		}
		got = append(got, sh.Account.ID)
		mu.Lock()
		consumed++
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if maxIn > concurrency {
		t.Errorf("%d reads at once, want at most %d", maxIn, concurrency)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestReadInOrderStops(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	boom := errors.New("boom")
	for _, tc := range []struct {
		name string
		fn   func(i int, err error) error
	}{
		{"handler error", func(i int, _ error) error {
			if i == 2 {
				return boom
			}
			return nil
		}},
		{"read error handed on", func(_ int, err error) error { return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen []int
			r := shardFunc(func(_ context.Context, id string) (*run.Shard, error) {
				if id == "c" {
					return nil, boom
				}
				return &run.Shard{}, nil
			})
			err := readInOrder(context.Background(), r, ids, 2, func(i int, _ *run.Shard, err error) error {
				seen = append(seen, i)
				return tc.fn(i, err)
			})
			if !errors.Is(err, boom) {
				t.Errorf("readInOrder() error = %v, want boom", err)
			}
			if diff := cmp.Diff([]int{0, 1, 2}, seen); diff != "" {
				t.Errorf("items handled (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadAccounts(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	a := account("111111111111", "alpha", "Root/A", nil)
	b := account("222222222222", "bravo", "Root/B", nil)
	b2 := account("222222222222", "bravo-renamed", "Root/B2", nil)
	d := account("444444444444", "delta", "Root/D", nil)
	if err := run.PutManifest(ctx, c, runtest.Bucket, run.ManifestKey(run1), []run.Account{b, a}); err != nil {
		t.Fatal(err)
	}
	if err := run.PutManifest(ctx, c, runtest.Bucket, run.RerunManifestKey(run1, "2026-11-23T1200Z-rerun1"), []run.Account{b2, d}); err != nil {
		t.Fatal(err)
	}
	got, err := LoadAccounts(ctx, c, runtest.Bucket, run1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]run.Account{a, b2, d}, got); diff != "" {
		t.Errorf("LoadAccounts() (-want +got):\n%s", diff)
	}
	if _, err := LoadAccounts(ctx, c, runtest.Bucket, run2); !errors.Is(err, run.ErrNotFound) {
		t.Errorf("LoadAccounts() of a run without a manifest: error %v, want ErrNotFound", err)
	}
}

func TestFindPrevious(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	const org = `,"totals":{"organization":{"accounts":3,"inactive":0,"excluded":0}}`
	summary := func(id string, version int, environment, totals string) string {
		return fmt.Sprintf(`{"schemaVersion":%d,"runId":%q,"environment":%q%s,"resources":{"hash":%q,"count":0,"data":""}}`,
			version, id, environment, totals, ResourceHash)
	}
	putObject(t, c, run.SummaryKey("2026-11-09T0900Z-old"), summary("2026-11-09T0900Z-old", 1, "prod", org))
	putObject(t, c, run.SummaryKey("2026-11-16T0900Z-future"), summary("2026-11-16T0900Z-future", 99, "prod", org))
	putObject(t, c, run.SummaryKey("2026-11-17T0900Z-staging"), summary("2026-11-17T0900Z-staging", 1, "staging", org))
	putObject(t, c, run.SummaryKey("2026-11-18T1000Z-oneacct"), summary("2026-11-18T1000Z-oneacct", 1, "prod", `,"totals":{"accounts":1}`))
	putObject(t, c, run.CSVKey("2026-11-20T0900Z-nosummary"), "account_id\n")
	putObject(t, c, run.SummaryKey(run2), summary(run2, 1, "prod", org))
	putObject(t, c, "reports/not-a-run/summary.json", summary("x", 1, "prod", org))

	for _, tc := range []struct {
		name, runID, environment, want string
		warnings                       []string
	}{
		{
			name: "skips what cannot be compared", runID: run1, environment: "prod", want: "2026-11-09T0900Z-old",
			warnings: []string{
				"previous summary skipped: it has no organization totals (a run of only some accounts, or one built before they were recorded) [key reports/2026-11-18T1000Z-oneacct/summary.json]",
				"previous summary skipped: another environment [key reports/2026-11-17T0900Z-staging/summary.json environment staging want_environment prod]",
				"previous summary skipped [key reports/2026-11-16T0900Z-future/summary.json error decode summary reports/2026-11-16T0900Z-future/summary.json: schemaVersion 99, this build reads 1 to 3: unknown summary schema version]",
			},
		},
		{name: "nothing before it", runID: "2026-11-09T0900Z-old", environment: "prod"},
		{name: "the latest", runID: "2027-01-04T0900Z-next", environment: "prod", want: run2},
		{
			name: "its own environment only", runID: "2027-01-04T0900Z-next", environment: "staging", want: "2026-11-17T0900Z-staging",
			warnings: []string{
				"previous summary skipped: another environment [key reports/" + run2 + "/summary.json environment prod want_environment staging]",
				"previous summary skipped: another environment [key reports/2026-11-18T1000Z-oneacct/summary.json environment prod want_environment staging]",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var warnings []string
			warn := func(msg string, args ...any) { warnings = append(warnings, fmt.Sprint(msg, " ", args)) }
			s, err := FindPrevious(ctx, c, runtest.Bucket, tc.runID, tc.environment, warn)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if s != nil {
				got = s.RunID
			}
			if got != tc.want {
				t.Errorf("FindPrevious(%s, %s) = %q, want %q", tc.runID, tc.environment, got, tc.want)
			}
			if diff := cmp.Diff(tc.warnings, warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}
