package run_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

const testRunID = "2026-11-30T0900Z-3f2a9c1b"

func TestShardRoundTrip(t *testing.T) {
	unreachable := runtest.Shard(testRunID, "210987654321")
	unreachable.Status = run.AccountUnreachable
	unreachable.Reason = "AccessDenied: not authorized to perform sts:AssumeRole"
	unreachable.Regions = nil

	withError := runtest.Shard(testRunID, "111122223333")
	withError.Regions[0].Rules[1].EvaluationError = &run.EvaluationError{Code: "LambdaTimeout", Message: "timed out"}
	withError.Regions = append(withError.Regions, run.Region{Region: "us-east-1", Status: run.RegionAccessDenied, Reason: "config:DescribeConfigRules denied"})

	v2 := runtest.Shard(testRunID, "444455556666")
	v2.Regions[0].Rules[0].CreatedBy = "securityhub.amazonaws.com"
	v2.Regions[0].Rules[1].EvaluationModes = []string{"PROACTIVE"}
	v2.Regions = append(v2.Regions, run.Region{Region: "us-east-1", Status: run.RegionBlockedBySCP,
		Reason: "config:DescribeConfigRules blocked by a service control policy", Rules: []run.Rule{}, NonCompliant: []run.Resource{}})

	// A version 1 shard, as earlier scanners wrote it, still reads.
	v1 := runtest.Shard(testRunID, "777788889999")
	v1.SchemaVersion = 1

	for _, s := range []*run.Shard{runtest.Shard(testRunID, "123456789012"), unreachable, withError, v2, v1} {
		t.Run(s.Account.ID, func(t *testing.T) {
			b, err := run.EncodeShard(s)
			if err != nil {
				t.Fatalf("EncodeShard: %v", err)
			}
			got, err := run.DecodeShard("k", b)
			if err != nil {
				t.Fatalf("DecodeShard: %v", err)
			}
			if diff := cmp.Diff(s, got); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeShardRejects(t *testing.T) {
	valid, err := run.EncodeShard(runtest.Shard(testRunID, "123456789012"))
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
	region := func(m map[string]any) map[string]any {
		return m["regions"].([]any)[0].(map[string]any)
	}
	tests := []struct {
		name    string
		data    []byte
		wantMsg string
		unknown bool
	}{
		{name: "not json", data: []byte("<html>"), wantMsg: "not a JSON object"},
		{name: "array", data: []byte("[]"), wantMsg: "not a JSON object"},
		{name: "no version", data: edit(func(m map[string]any) { delete(m, "schemaVersion") }), wantMsg: "no schemaVersion"},
		{name: "future version", data: edit(func(m map[string]any) { m["schemaVersion"] = run.SchemaVersion + 1 }), wantMsg: fmt.Sprintf("schemaVersion %d", run.SchemaVersion+1), unknown: true},
		{name: "version 0", data: edit(func(m map[string]any) { m["schemaVersion"] = 0 }), wantMsg: "schemaVersion 0", unknown: true},
		{name: "blocked-by-scp in version 1", data: edit(func(m map[string]any) {
			m["schemaVersion"] = 1
			region(m)["status"] = "blocked-by-scp"
			region(m)["rules"], region(m)["nonCompliant"] = []any{}, []any{}
		}), wantMsg: `status "blocked-by-scp" is not in schema version 1`},
		{name: "bad account", data: edit(func(m map[string]any) { m["account"].(map[string]any)["id"] = "12" }), wantMsg: "is not a 12-digit account ID"},
		{name: "bad status", data: edit(func(m map[string]any) { m["status"] = "maybe" }), wantMsg: `status "maybe"`},
		{name: "unreachable without reason", data: edit(func(m map[string]any) { m["status"] = "unreachable" }), wantMsg: "without a reason"},
		{name: "bad compliance", data: edit(func(m map[string]any) {
			region(m)["rules"].([]any)[0].(map[string]any)["compliance"] = "GREEN"
		}), wantMsg: `unknown compliance "GREEN"`},
		{name: "bad region status", data: edit(func(m map[string]any) { region(m)["status"] = "on fire" }), wantMsg: `unknown status "on fire"`},
		{name: "data on disabled region", data: edit(func(m map[string]any) { region(m)["status"] = "region-disabled" }), wantMsg: "carries rule results"},
		{name: "wrong type", data: edit(func(m map[string]any) { m["regions"] = "eu-west-1" }), wantMsg: "cannot unmarshal"},
		{name: "trailing data", data: append(append([]byte{}, valid...), []byte(" {}")...), wantMsg: "after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := run.DecodeShard("runs/x/shards/123456789012.json", tt.data)
			if err == nil {
				t.Fatalf("DecodeShard(%s) = nil error, want one containing %q", tt.data, tt.wantMsg)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) || !strings.Contains(err.Error(), "runs/x/shards/123456789012.json") {
				t.Errorf("DecodeShard error = %q, want it to name the key and contain %q", err, tt.wantMsg)
			}
			if got := errors.Is(err, run.ErrUnknownSchema); got != tt.unknown {
				t.Errorf("errors.Is(err, ErrUnknownSchema) = %v, want %v", got, tt.unknown)
			}
		})
	}
}

func TestManifestRoundTrip(t *testing.T) {
	accounts := []run.Account{
		{ID: "123456789012", Name: "prod", Email: "p@example.com", OUPath: "Root/Workloads/Prod", Tags: map[string]string{"owner": "payments"}},
		{ID: "210987654321", Name: "dev", Email: "d@example.com", OUPath: "Root/Sandbox"},
	}
	b, err := run.EncodeManifest(accounts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := run.DecodeManifest("m", b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(accounts, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	empty, err := run.EncodeManifest(nil)
	if err != nil || string(empty) != "[]" {
		t.Errorf("EncodeManifest(nil) = %s, %v, want [] (an empty array the ItemReader accepts)", empty, err)
	}
}

func TestDecodeManifestRejects(t *testing.T) {
	for name, data := range map[string]string{
		"object":    `{"id":"123456789012"}`,
		"null":      `null`,
		"bad id":    `[{"id":"1234"}]`,
		"duplicate": `[{"id":"123456789012"},{"id":"123456789012"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := run.DecodeManifest("runs/x/accounts.json", []byte(data)); err == nil || !strings.Contains(err.Error(), "runs/x/accounts.json") {
				t.Errorf("DecodeManifest(%s) = %v, want an error naming the key", data, err)
			}
		})
	}
}

func FuzzDecodeShard(f *testing.F) {
	valid, err := run.EncodeShard(runtest.Shard(testRunID, "123456789012"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"schemaVersion":1}`))
	f.Add([]byte(`{"schemaVersion":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := run.DecodeShard("fuzz", data)
		if err != nil {
			return
		}
		// Whatever decodes must encode and decode to the same value.
		b, err := run.EncodeShard(s)
		if err != nil {
			t.Fatalf("decoded shard does not encode: %v", err)
		}
		again, err := run.DecodeShard("fuzz", b)
		if err != nil {
			t.Fatalf("re-encoded shard does not decode: %v", err)
		}
		// An empty map and none encode alike (omitempty): equal here.
		if diff := cmp.Diff(s, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("decode∘encode is not stable (-first +second):\n%s", diff)
		}
	})
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add([]byte(`[{"id":"123456789012","name":"a","email":"a@example.com","ouPath":"Root"}]`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		accounts, err := run.DecodeManifest("fuzz", data)
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error %q does not name the key", err)
			}
			return
		}
		for _, a := range accounts {
			if err := awsid.ValidateAccountID(a.ID); err != nil {
				t.Fatalf("decoded a manifest with a bad account ID: %v", err)
			}
		}
	})
}

func FuzzDecodeOrganization(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":1,"runId":"2026-11-30T0900Z-abcd1234","listedAt":"2026-11-30T09:00:04Z","accounts":3,"active":2,"inactive":{"SUSPENDED":1}}`))
	f.Add([]byte(`{"schemaVersion":99}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := run.DecodeOrganization("fuzz", data)
		if err != nil {
			return
		}
		if o == nil {
			t.Fatal("nil organization without an error")
		}
	})
}
