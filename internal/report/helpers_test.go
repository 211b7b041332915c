package report

import (
	"archive/zip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

var scannedAt = time.Date(2026, 11, 30, 9, 5, 0, 0, time.UTC)

func account(id, name, ou string, tags map[string]string) run.Account {
	return run.Account{ID: id, Name: name, Email: id + "@example.com", OUPath: ou, Tags: tags}
}

func rule(name string, c run.Compliance) run.Rule {
	return run.Rule{Name: name, BaseName: name, Source: "AWS", Identifier: "ID_" + name, Compliance: c}
}

// packRule is base deployed by conformance pack pack, named as AWS names a
// pack's rules: the base name, "-conformance-pack-" and nine random
// characters (Config's "Conformance pack sample templates" guide).
func packRule(base, pack string, c run.Compliance) run.Rule {
	return run.Rule{Name: base + "-conformance-pack-a1b2c3d4e", BaseName: base, ConformancePack: pack, Source: "AWS", Identifier: "ID_" + base, Compliance: c}
}

func resource(rule, typ, id string) run.Resource {
	return run.Resource{Rule: rule, Type: typ, ID: id, Name: "name-" + id, Annotation: "why " + id, RecordedAt: scannedAt.Add(-time.Hour)}
}

func region(name string, rules []run.Rule, res ...run.Resource) run.Region {
	return run.Region{Region: name, Status: run.RegionScanned, Recorder: &run.Recorder{Name: "default", Recording: true, LastStatus: "SUCCESS"}, Rules: rules, NonCompliant: res}
}

func scanned(runID string, a run.Account, regions ...run.Region) *run.Shard {
	return &run.Shard{SchemaVersion: run.SchemaVersion, RunID: runID, Account: a, ScannedAt: scannedAt, Status: run.AccountScanned, Regions: regions}
}

func unreachable(runID string, a run.Account, reason string) *run.Shard {
	return &run.Shard{SchemaVersion: run.SchemaVersion, RunID: runID, Account: a, ScannedAt: scannedAt, Status: run.AccountUnreachable, Reason: reason}
}

// putRun writes a run's manifest and shards to S3.
func putRun(t *testing.T, c *s3.Client, runID string, accounts []run.Account, shards ...*run.Shard) {
	t.Helper()
	ctx := context.Background()
	if err := run.PutManifest(ctx, c, runtest.Bucket, run.ManifestKey(runID), accounts); err != nil {
		t.Fatal(err)
	}
	for _, s := range shards {
		if _, err := run.PutShard(ctx, c, runtest.Bucket, s); err != nil {
			t.Fatal(err)
		}
	}
}

// putListed writes a run as ListAccounts lists a new one: its manifest, its
// organization totals (every account active, none excluded), and its shards.
func putListed(t *testing.T, c *s3.Client, runID string, accounts []run.Account, shards ...*run.Shard) {
	t.Helper()
	o := &run.Organization{SchemaVersion: run.OrganizationVersion, RunID: runID, ListedAt: scannedAt,
		Accounts: len(accounts), Active: len(accounts)}
	if _, err := run.PutOrganization(context.Background(), c, runtest.Bucket, o); err != nil {
		t.Fatal(err)
	}
	putRun(t, c, runID, accounts, shards...)
}

// putObject writes raw bytes to the test bucket, for shards the contract
// would refuse to encode.
func putObject(t *testing.T, c *s3.Client, key, body string) {
	t.Helper()
	runtest.PutObject(t, c, runtest.Bucket, key, body)
}

func getObject(t *testing.T, c *s3.Client, key string) []byte {
	t.Helper()
	b, err := run.GetObject(context.Background(), c, runtest.Bucket, key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// download saves an object to a temporary file and returns its path.
func download(t *testing.T, c *s3.Client, key string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), filepath.Base(key))
	if err := os.WriteFile(p, getObject(t, c, key), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func openWorkbook(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func rows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	r, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("rows of %s: %v", sheet, err)
	}
	return r
}

// cell returns a cell's formatted value.
func cell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref)
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	return v
}

// rawCell returns a cell's unformatted value.
func rawCell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	return v
}

// cellStyle returns a cell's style.
func cellStyle(t *testing.T, f *excelize.File, sheet, ref string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, ref, err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatalf("%s!%s: style %d: %v", sheet, ref, id, err)
	}
	return st
}

// fill returns a cell's fill colour.
func fill(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	st := cellStyle(t, f, sheet, ref)
	if len(st.Fill.Color) == 0 {
		return ""
	}
	return st.Fill.Color[0]
}

// fontColor returns a cell's font colour.
func fontColor(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	st := cellStyle(t, f, sheet, ref)
	if st.Font == nil {
		return ""
	}
	return st.Font.Color
}

// numFmt returns a cell's custom number format.
func numFmt(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	st := cellStyle(t, f, sheet, ref)
	if st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

// zipEntry returns one file of a workbook's zip package.
func zipEntry(t *testing.T, path, name string) string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	r, err := z.Open(name)
	if err != nil {
		t.Fatalf("%s in %s: %v", name, path, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
