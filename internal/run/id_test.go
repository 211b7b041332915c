package run

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"testing"
	"time"
)

func sha8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// TestIDsOfSameMinuteExecutionsDiffer: names that share their first eight
// letters and digits, or differ only in case or punctuation, started in the
// same minute, get different run IDs.
func TestIDsOfSameMinuteExecutionsDiffer(t *testing.T) {
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	seen := map[string]string{}
	for _, name := range []string{"weekly-run-1", "weekly-run-2", "weeklyrun1", "WEEKLY-RUN-1", "weekly.run.1", "weeklyru", "weekly-ru"} {
		id, err := NewID(start.Add(time.Duration(len(seen))*time.Second), name)
		if err != nil {
			t.Fatal(err)
		}
		if other, ok := seen[id]; ok {
			t.Errorf("executions %q and %q share run ID %s", other, name, id)
		}
		seen[id] = name
	}
}

func TestNewID(t *testing.T) {
	start := time.Date(2026, 11, 30, 9, 0, 12, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name    string
		start   time.Time
		exec    string
		want    string
		wantErr bool
	}{
		// sha256("3F2A9C1B-77e0-4f7e-9c44-1d2f0b7a1c55")[:4], by `printf %s … | sha256sum`.
		{name: "uuid", start: start, exec: "3F2A9C1B-77e0-4f7e-9c44-1d2f0b7a1c55", want: "2026-11-30T0800Z-" + sha8("3F2A9C1B-77e0-4f7e-9c44-1d2f0b7a1c55")},
		{name: "plain name is its own suffix", start: start, exec: "week0001", want: "2026-11-30T0800Z-week0001"},
		{name: "other names are hashed", start: start, exec: "ab_1", want: "2026-11-30T0800Z-" + sha8("ab_1")},
		{name: "no letters", start: start, exec: "--__", want: "2026-11-30T0800Z-" + sha8("--__")},
		{name: "empty name", start: start, exec: "", wantErr: true},
		{name: "zero time", exec: "abc", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewID(tt.start, tt.exec)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewID(%v, %q) error = %v, wantErr %v", tt.start, tt.exec, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("NewID(%v, %q) = %q, want %q", tt.start, tt.exec, got, tt.want)
			}
			if err == nil {
				if err := ValidateID(got); err != nil {
					t.Errorf("ValidateID(%q) = %v, want nil", got, err)
				}
			}
		})
	}
}

func TestIDsSortByTime(t *testing.T) {
	base := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	var ids []string
	for i, d := range []time.Duration{0, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 300 * 24 * time.Hour} {
		id, err := NewID(base.Add(d), []string{"zzz", "aaa", "mmm", "000"}[i])
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("run IDs in time order are not sorted: %v", ids)
	}
}

func TestValidateID(t *testing.T) {
	for _, id := range []string{"", "2026-11-30T0900Z", "2026-11-30T0900Z-", "2026-13-30T0900Z-abc", "2026-11-30T0900Z-ABC", "2026-11-30T0900Z-abcdefghi", "../../etc-passwd"} {
		if err := ValidateID(id); err == nil {
			t.Errorf("ValidateID(%q) = nil, want an error", id)
		}
	}
}
