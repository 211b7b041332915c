package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/pipeline"
	"github.com/config-report/config-report/internal/run/runtest"
)

// files returns every file below dir, by slash path, with its content.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(name string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(name)
		rel, _ := filepath.Rel(dir, name)
		got[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestDownloadUploadRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := runtest.NewS3(t)
	objects := map[string]string{
		"runs/2026-11-30T0900Z-a/accounts.json":             `[]`,
		"runs/2026-11-30T0900Z-a/shards/123456789012.json":  `{"a":1}`,
		"reports/2026-11-30T0900Z-a/summary.json":           `{"s":1}`,
		"reports/2026-11-23T0900Z-b/summary.json":           `{"s":0}`,
		"reports/2026-11-30T0900Z-a/config-compliance.xlsx": "PK\x03\x04 not really",
	}
	for k, v := range objects {
		runtest.PutObject(t, src, runtest.Bucket, k, v)
	}
	// 1,100 shards: more than one page of ListObjectsV2.
	for i := range 1100 {
		runtest.PutObject(t, src, runtest.Bucket, fmt.Sprintf("runs/2026-11-30T0900Z-a/shards/many/%04d.json", i), strconv.Itoa(i))
	}

	dir := t.TempDir()
	n, err := pipeline.Download(ctx, src, runtest.Bucket, "reports/2026-11-30T0900Z-a/", dir)
	if err != nil || n != 2 {
		t.Fatalf("Download(reports of a) = %d, %v; want 2 files", n, err)
	}
	want := map[string]string{
		"reports/2026-11-30T0900Z-a/summary.json":           `{"s":1}`,
		"reports/2026-11-30T0900Z-a/config-compliance.xlsx": "PK\x03\x04 not really",
	}
	if diff := cmp.Diff(want, files(t, dir)); diff != "" {
		t.Errorf("downloaded files (-want +got):\n%s", diff)
	}
	if n, err := pipeline.Download(ctx, src, runtest.Bucket, "runs/", dir); err != nil || n != 1102 {
		t.Fatalf("Download(runs/) = %d, %v; want 1102 files", n, err)
	}

	dst := runtest.NewS3(t)
	n, err = pipeline.Upload(ctx, dst, dir, "reports/", runtest.Bucket)
	if err != nil || n != 2 {
		t.Fatalf("Upload(reports/) = %d, %v; want 2", n, err)
	}
	keys := runtest.Keys(t, dst, runtest.Bucket, "")
	sort.Strings(keys)
	if diff := cmp.Diff([]string{"reports/2026-11-30T0900Z-a/config-compliance.xlsx", "reports/2026-11-30T0900Z-a/summary.json"}, keys); diff != "" {
		t.Errorf("uploaded keys (-want +got):\n%s", diff)
	}
	if n, err := pipeline.Upload(ctx, dst, dir, "reports/2026-11-30T0900Z-a/summary.json", runtest.Bucket); err != nil || n != 1 {
		t.Errorf("Upload(one file) = %d, %v; want 1", n, err)
	}
	if n, err := pipeline.Upload(ctx, dst, dir, "reports/2020-01-01T0000Z-none/", runtest.Bucket); err != nil || n != 0 {
		t.Errorf("Upload(missing folder) = %d, %v; want 0 and no error", n, err)
	}
}

func TestDownloadRefusesKeysOutsideTheFolder(t *testing.T) {
	src := runtest.NewS3(t)
	runtest.PutObject(t, src, runtest.Bucket, "reports/../../escape.json", `{}`)
	dir := t.TempDir()
	_, err := pipeline.Download(context.Background(), src, runtest.Bucket, "reports/", dir)
	if err == nil || !strings.Contains(err.Error(), "cannot be stored as a local file") {
		t.Fatalf("Download of a key with .. = %v, want a refusal", err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape.json")); !os.IsNotExist(err) {
		t.Errorf("the key escaped the folder: %v", err)
	}
}

func TestLocalBucket(t *testing.T) {
	ctx := context.Background()
	b, err := pipeline.StartLocalBucket(ctx, "config-report-local")
	if err != nil {
		t.Fatalf("StartLocalBucket: %v", err)
	}
	t.Cleanup(b.Close)
	runtest.PutObject(t, b.Client(), b.Name, "runs/x/accounts.json", `[]`)
	dir := t.TempDir()
	if n, err := pipeline.Download(ctx, b.Client(), b.Name, "", dir); err != nil || n != 1 {
		t.Fatalf("Download = %d, %v; want 1", n, err)
	}
	if got := files(t, dir); got["runs/x/accounts.json"] != `[]` {
		t.Errorf("files = %v", got)
	}
	if !strings.HasPrefix(b.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q, want a loopback address", b.URL)
	}
}
