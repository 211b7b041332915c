package run_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

func testOrganization() *run.Organization {
	return &run.Organization{
		SchemaVersion: run.OrganizationVersion,
		RunID:         testRunID,
		ListedAt:      time.Date(2026, 11, 30, 9, 0, 4, 0, time.UTC),
		IncludeOUs:    []string{"r-ab12"},
		ExcludeOUs:    []string{"ou-ab12-sandbox1"},
		Accounts:      57,
		Active:        50,
		Inactive:      map[string]int{"SUSPENDED": 2, "PENDING_CLOSURE": 1, "CLOSED": 3},
		Excluded:      1,
		Untagged:      4,
	}
}

func TestOrganizationKey(t *testing.T) {
	if got, want := run.OrganizationKey(testRunID), "runs/"+testRunID+"/organization.json"; got != want {
		t.Errorf("OrganizationKey(%q) = %q, want %q", testRunID, got, want)
	}
}

func TestOrganizationRoundTrip(t *testing.T) {
	plain := testOrganization()
	plain.IncludeOUs, plain.ExcludeOUs, plain.Untagged = nil, nil, 0
	allActive := testOrganization()
	allActive.Inactive, allActive.Accounts = nil, 51
	empty := &run.Organization{SchemaVersion: run.OrganizationVersion, RunID: testRunID, ListedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	tests := []struct {
		name string
		o    *run.Organization
	}{
		{"filters and every count", testOrganization()},
		{"whole organization", plain},
		{"no inactive account", allActive},
		{"nothing selected", empty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := run.EncodeOrganization(tt.o)
			if err != nil {
				t.Fatalf("EncodeOrganization: %v", err)
			}
			got, err := run.DecodeOrganization("k", b)
			if err != nil {
				t.Fatalf("DecodeOrganization(%s): %v", b, err)
			}
			if diff := cmp.Diff(tt.o, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrganizationInactiveTotal(t *testing.T) {
	if got := testOrganization().InactiveTotal(); got != 6 {
		t.Errorf("InactiveTotal() = %d, want 6", got)
	}
	if got := (&run.Organization{}).InactiveTotal(); got != 0 {
		t.Errorf("InactiveTotal() of no map = %d, want 0", got)
	}
}

func TestDecodeOrganizationRejects(t *testing.T) {
	valid, err := run.EncodeOrganization(testOrganization())
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(valid, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name    string
		data    []byte
		wantMsg string
	}{
		{name: "not json", data: []byte("<html>"), wantMsg: "not a JSON object"},
		{name: "array", data: []byte("[]"), wantMsg: "not a JSON object"},
		{name: "no version", data: edit(func(m map[string]any) { delete(m, "schemaVersion") }), wantMsg: "no schemaVersion"},
		{name: "future version", data: edit(func(m map[string]any) { m["schemaVersion"] = 2 }), wantMsg: "schemaVersion 2, this build reads 1"},
		{name: "bad run id", data: edit(func(m map[string]any) { m["runId"] = "last-week" }), wantMsg: `run id "last-week"`},
		{name: "no listedAt", data: edit(func(m map[string]any) { delete(m, "listedAt") }), wantMsg: "listedAt is missing"},
		{name: "negative count", data: edit(func(m map[string]any) { m["excluded"] = -1; m["accounts"] = 55 }), wantMsg: "excluded is negative"},
		{name: "ACTIVE as inactive", data: edit(func(m map[string]any) { m["inactive"].(map[string]any)["ACTIVE"] = 1 }), wantMsg: `state "ACTIVE"`},
		{name: "negative state", data: edit(func(m map[string]any) { m["inactive"].(map[string]any)["CLOSED"] = -3 }), wantMsg: "inactive CLOSED is negative"},
		{name: "counts do not add up", data: edit(func(m map[string]any) { m["accounts"] = 58 }), wantMsg: "58 accounts, but 50 active + 1 excluded + 6 inactive = 57"},
		{name: "more untagged than active", data: edit(func(m map[string]any) { m["untagged"] = 51 }), wantMsg: "51 untagged of 50 active"},
		{name: "wrong type", data: edit(func(m map[string]any) { m["inactive"] = 6 }), wantMsg: "cannot unmarshal"},
		{name: "trailing data", data: append(append([]byte{}, valid...), []byte(" {}")...), wantMsg: "after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := run.OrganizationKey(testRunID)
			_, err := run.DecodeOrganization(key, tt.data)
			if err == nil {
				t.Fatalf("DecodeOrganization(%s) = nil error, want one containing %q", tt.data, tt.wantMsg)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), key) {
				t.Errorf("DecodeOrganization error = %q, want it to name the key and contain %q", err, tt.wantMsg)
			}
		})
	}
}

func TestDecodeOrganizationIgnoresNewFields(t *testing.T) {
	valid, err := run.EncodeOrganization(testOrganization())
	if err != nil {
		t.Fatal(err)
	}
	later := strings.Replace(string(valid), `"schemaVersion":1,`, `"schemaVersion":1,"policyTypes":["SERVICE_CONTROL_POLICY"],`, 1)
	got, err := run.DecodeOrganization("k", []byte(later))
	if err != nil {
		t.Fatalf("DecodeOrganization(%s): %v", later, err)
	}
	if diff := cmp.Diff(testOrganization(), got); diff != "" {
		t.Errorf("DecodeOrganization with an added field (-want +got):\n%s", diff)
	}
}

func TestOrganizationOverS3(t *testing.T) {
	ctx := context.Background()
	c := runtest.NewS3(t)
	b := runtest.Bucket
	o := testOrganization()
	key, err := run.PutOrganization(ctx, c, b, o)
	if err != nil {
		t.Fatalf("PutOrganization: %v", err)
	}
	if want := run.OrganizationKey(testRunID); key != want {
		t.Errorf("PutOrganization key = %q, want %q", key, want)
	}
	got, err := run.GetOrganization(ctx, c, b, key)
	if err != nil {
		t.Fatalf("GetOrganization: %v", err)
	}
	if diff := cmp.Diff(o, got); diff != "" {
		t.Errorf("GetOrganization (-want +got):\n%s", diff)
	}
	// It is not a manifest: ManifestKeys does not list it.
	if keys, err := run.ManifestKeys(ctx, c, b, testRunID); err != nil || len(keys) != 0 {
		t.Errorf("ManifestKeys = %v, %v; want none", keys, err)
	}
	if _, err := run.GetOrganization(ctx, c, b, run.OrganizationKey("2020-01-01T0000Z-none")); !errors.Is(err, run.ErrNotFound) {
		t.Errorf("GetOrganization(missing) error = %v, want ErrNotFound", err)
	}

	bad := testOrganization()
	bad.RunID = "2026-11-30T0900Z-badcount"
	bad.Accounts++
	if _, err := run.PutOrganization(ctx, c, b, bad); err == nil {
		t.Fatal("PutOrganization(invalid) = nil error, want one")
	}
	if keys := runtest.Keys(t, c, b, run.Prefix(bad.RunID)); len(keys) != 0 {
		t.Errorf("an invalid organization wrote %v", keys)
	}
}
