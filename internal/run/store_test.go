package run_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

func TestStoreOverS3(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	b := runtest.Bucket

	accounts := []run.Account{{ID: "123456789012", Name: "a"}, {ID: "210987654321", Name: "b"}}
	if err := run.PutManifest(ctx, c, b, run.ManifestKey(testRunID), accounts); err != nil {
		t.Fatalf("PutManifest: %v", err)
	}
	for _, stamp := range []string{"2026-12-01T1100Z-bbbb", "2026-12-01T1000Z-aaaa"} {
		if err := run.PutManifest(ctx, c, b, run.RerunManifestKey(testRunID, stamp), accounts[:1]); err != nil {
			t.Fatalf("PutManifest rerun: %v", err)
		}
	}
	got, err := run.GetManifest(ctx, c, b, run.ManifestKey(testRunID))
	if err != nil {
		t.Fatalf("GetManifest: %v", err)
	}
	if diff := cmp.Diff(accounts, got); diff != "" {
		t.Errorf("GetManifest (-want +got):\n%s", diff)
	}

	shard := runtest.Shard(testRunID, "123456789012")
	key, err := run.PutShard(ctx, c, b, shard)
	if err != nil {
		t.Fatalf("PutShard: %v", err)
	}
	if want := run.ShardKey(testRunID, "123456789012"); key != want {
		t.Errorf("PutShard key = %q, want %q", key, want)
	}
	// A re-scan replaces the shard whole.
	shard.Regions[0].NonCompliant = nil
	if _, err := run.PutShard(ctx, c, b, shard); err != nil {
		t.Fatalf("PutShard again: %v", err)
	}
	back, err := run.GetShard(ctx, c, b, key)
	if err != nil {
		t.Fatalf("GetShard: %v", err)
	}
	if diff := cmp.Diff(shard, back); diff != "" {
		t.Errorf("GetShard after re-scan (-want +got):\n%s", diff)
	}

	keys, err := run.ManifestKeys(ctx, c, b, testRunID)
	if err != nil {
		t.Fatalf("ManifestKeys: %v", err)
	}
	want := []string{
		run.ManifestKey(testRunID),
		run.RerunManifestKey(testRunID, "2026-12-01T1000Z-aaaa"),
		run.RerunManifestKey(testRunID, "2026-12-01T1100Z-bbbb"),
	}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("ManifestKeys (-want +got):\n%s", diff)
	}

	if _, err := run.GetShard(ctx, c, b, run.ShardKey(testRunID, "999999999999")); !errors.Is(err, run.ErrNotFound) {
		t.Errorf("GetShard(missing) error = %v, want ErrNotFound", err)
	}
	none, err := run.ManifestKeys(ctx, c, b, "2020-01-01T0000Z-none")
	if err != nil || len(none) != 0 {
		t.Errorf("ManifestKeys(unknown run) = %v, %v, want none", none, err)
	}
}

func TestPutShardRejectsInvalid(t *testing.T) {
	c := runtest.NewS3(t)
	s := runtest.Shard(testRunID, "123456789012")
	s.Status = "half"
	if _, err := run.PutShard(context.Background(), c, runtest.Bucket, s); err == nil {
		t.Fatal("PutShard(invalid) = nil error, want one")
	}
	if keys := runtest.Keys(t, c, runtest.Bucket, ""); len(keys) != 0 {
		t.Errorf("an invalid shard wrote %v", keys)
	}
}
