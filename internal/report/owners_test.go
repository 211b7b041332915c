package report

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

func TestOwnerFileName(t *testing.T) {
	for in, want := range map[string]string{
		"payments": "payments.csv", "Payments": "payments.csv", "team a/b": "team_a_b.csv", "": unownedName,
		"..hidden": "hidden.csv", "ünï": "_n_.csv",
	} {
		if got := ownerFileName(in); got != want {
			t.Errorf("ownerFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOwnerCSVs builds a run with OWNER_TAG set and reads the per-owner
// CSVs back from the bucket: each owner's rows, the header, and the
// accounts without the tag in their own file.
func TestOwnerCSVs(t *testing.T) {
	c := runtest.NewS3(t)
	a := account("111111111111", "alpha", "Root/Prod", map[string]string{"owner": "Payments"})
	b := account("222222222222", "bravo", "Root/Prod", map[string]string{"owner": "search"})
	d := account("333333333333", "delta", "Root/Dev", nil)
	bucket := "AWS::S3::Bucket"
	r := rule("s3-logging", run.NonCompliant)
	putListed(t, c, run1, []run.Account{a, b, d},
		scanned(run1, a, region("eu-west-1", []run.Rule{r}, resource("s3-logging", bucket, "a1"), resource("s3-logging", bucket, "a2"))),
		scanned(run1, b, region("eu-west-1", []run.Rule{r}, resource("s3-logging", bucket, "b1"))),
		scanned(run1, d, region("eu-west-1", []run.Rule{r}, resource("s3-logging", bucket, "d1"))),
	)
	h := newHandler(t, c)
	h.Config.OwnerTag = "owner"
	if _, err := h.Handle(context.Background(), In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, name := range []string{"payments.csv", "search.csv", unownedName} {
		rows, err := csv.NewReader(strings.NewReader(string(getObject(t, c, run.OwnerCSVKey(run1, name))))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !cmp.Equal(rows[0], csvHeader) {
			t.Errorf("%s header = %q, want the CSV's", name, rows[0])
		}
		for _, r := range rows[1:] {
			got[name] = append(got[name], r[colID])
		}
	}
	want := map[string][]string{"payments.csv": {"a1", "a2"}, "search.csv": {"b1"}, unownedName: {"d1"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rows by owner (-want +got):\n%s", diff)
	}
}

// TestSplitByOwnerManyOwners splits past the open-file bound: every
// owner's file has its header once and all its rows.
func TestSplitByOwnerManyOwners(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "all.csv")
	var accounts []run.Account
	var sb strings.Builder
	sb.WriteString(strings.Join(csvHeader, ",") + "\n")
	owners := maxOpenOwnerFiles + 50
	for round := range 2 {
		for i := range owners {
			id := fmt.Sprintf("%012d", i)
			if round == 0 {
				accounts = append(accounts, run.Account{ID: id, Tags: map[string]string{"team": fmt.Sprintf("t%d", i)}})
			}
			rec := make([]string, csvColumns)
			rec[colAccountID], rec[colID] = id, fmt.Sprintf("r%d", round)
			sb.WriteString(strings.Join(rec, ",") + "\n")
		}
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := splitByOwner(path, filepath.Join(dir, "by-owner"), "team", accounts)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != owners {
		t.Fatalf("%d owner files, want %d", len(files), owners)
	}
	data, err := os.ReadFile(files["t7.csv"])
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if len(rows) != 3 || rows[1][colID] != "r0" || rows[2][colID] != "r1" {
		t.Errorf("t7.csv = %q, want the header and rows r0, r1", rows)
	}
}
