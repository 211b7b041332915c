package run

import "testing"

func TestKeys(t *testing.T) {
	const id = "2026-11-30T0900Z-3f2a9c1b"
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"manifest", ManifestKey(id), "runs/2026-11-30T0900Z-3f2a9c1b/accounts.json"},
		{"rerun manifest", RerunManifestKey(id, "2026-12-01T1000Z-77aa"), "runs/2026-11-30T0900Z-3f2a9c1b/reruns/2026-12-01T1000Z-77aa.json"},
		{"rerun stamp cannot escape", RerunManifestKey(id, "../../x"), "runs/2026-11-30T0900Z-3f2a9c1b/reruns/x.json"},
		{"shard", ShardKey(id, "123456789012"), "runs/2026-11-30T0900Z-3f2a9c1b/shards/123456789012.json"},
		{"map results", ResultPrefix(id), "runs/2026-11-30T0900Z-3f2a9c1b/map-results/"},
		{"workbook", WorkbookKey(id), "reports/2026-11-30T0900Z-3f2a9c1b/config-compliance-2026-11-30T0900Z-3f2a9c1b.xlsx"},
		{"summary", SummaryKey(id), "reports/2026-11-30T0900Z-3f2a9c1b/summary.json"},
		{"csv", CSVKey(id), "reports/2026-11-30T0900Z-3f2a9c1b/noncompliant-resources.csv"},
		{"rerun input", RerunInputKey(id), "reports/2026-11-30T0900Z-3f2a9c1b/rerun-input.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}
