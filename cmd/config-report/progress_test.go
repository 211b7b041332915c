package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/config-report/config-report/internal/pipeline"
)

func TestRenderBar(t *testing.T) {
	tests := []struct {
		name  string
		p     pipeline.Progress
		width int
		want  string
	}{
		{
			name:  "start",
			p:     pipeline.Progress{Stage: pipeline.StageScan, Accounts: 200},
			width: 100,
			want:  "[" + strings.Repeat("-", 30) + "]   0/200   0% 0 unreachable, 0 failed 0:00",
		},
		{
			name:  "half way, with an estimate",
			p:     pipeline.Progress{Stage: pipeline.StageScan, Accounts: 200, Scanned: 90, Failed: 10, Unreachable: 4, Retries: 3, Elapsed: 30 * time.Second},
			width: 100,
			want:  "[" + strings.Repeat("#", 15) + strings.Repeat("-", 15) + "] 100/200  50% 4 unreachable, 10 failed, 3 retried 0:30 eta 0:30",
		},
		{
			name:  "done",
			p:     pipeline.Progress{Stage: pipeline.StageScan, Accounts: 200, Scanned: 200, Elapsed: 61 * time.Second},
			width: 100,
			want:  "[" + strings.Repeat("#", 30) + "] 200/200 100% 0 unreachable, 0 failed 1:01",
		},
		{
			name:  "narrow terminal: figures only",
			p:     pipeline.Progress{Stage: pipeline.StageScan, Accounts: 200, Scanned: 20, Elapsed: 2 * time.Second},
			width: 60,
			want:  "20/200  10% 0 unreachable, 0 failed 0:02 eta 0:18",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renderBar(tt.p, tt.width); got != tt.want {
				t.Errorf("renderBar(%+v, %d) =\n%q, want\n%q", tt.p, tt.width, got, tt.want)
			}
			if got := renderBar(tt.p, tt.width); len(got) > tt.width {
				t.Errorf("renderBar is %d wide, more than the terminal's %d", len(got), tt.width)
			}
		})
	}
}

// feed sends a run of n accounts, one at a time, to v.
func feed(v *progressView, n int) {
	v.update(pipeline.Progress{Stage: pipeline.StageList})
	v.update(pipeline.Progress{Stage: pipeline.StageScan, RunID: "2026-11-30T0900Z-week0001", Accounts: n})
	for i := 1; i <= n; i++ {
		v.update(pipeline.Progress{Stage: pipeline.StageScan, RunID: "2026-11-30T0900Z-week0001", Accounts: n, Scanned: i})
	}
	v.update(pipeline.Progress{Stage: pipeline.StageBuild, Accounts: n, Scanned: n})
	v.update(pipeline.Progress{Stage: pipeline.StageDone, Accounts: n, Scanned: n})
}

func TestProgressPlainLines(t *testing.T) {
	var buf bytes.Buffer
	v := newProgressView(&buf)
	if v.tty {
		t.Fatal("a buffer is not a terminal")
	}
	feed(v, 50)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	var scanned []string
	for _, l := range lines {
		if strings.HasPrefix(l, "scanned ") {
			scanned = append(scanned, l[:strings.Index(l, ":")])
		}
	}
	want := []string{"scanned 5/50 accounts (10%)", "scanned 10/50 accounts (20%)", "scanned 15/50 accounts (30%)", "scanned 20/50 accounts (40%)",
		"scanned 25/50 accounts (50%)", "scanned 30/50 accounts (60%)", "scanned 35/50 accounts (70%)", "scanned 40/50 accounts (80%)",
		"scanned 45/50 accounts (90%)", "scanned 50/50 accounts (100%)"}
	if strings.Join(scanned, "\n") != strings.Join(want, "\n") {
		t.Errorf("progress lines:\n%s\nwant one per tenth:\n%s", strings.Join(scanned, "\n"), strings.Join(want, "\n"))
	}
	if strings.ContainsAny(buf.String(), "\r\033") {
		t.Errorf("plain progress has terminal control characters: %q", buf.String())
	}
	if lines[len(lines)-1] != "building the report…" {
		t.Errorf("last line = %q, want the build stage", lines[len(lines)-1])
	}
}

func TestProgressBarKeepsLogLinesAbove(t *testing.T) {
	var buf bytes.Buffer
	v := &progressView{w: &buf, tty: true, width: func() int { return 100 }}
	v.update(pipeline.Progress{Stage: pipeline.StageScan, RunID: "r", Accounts: 4, Scanned: 1, Elapsed: time.Second})
	if _, err := v.Write([]byte("level=WARN msg=\"account not scanned\"\n")); err != nil {
		t.Fatal(err)
	}
	v.close()
	got := buf.String()
	// The log line clears the bar's line, is written, and the bar is drawn again below it.
	bar := "\r\033[K[" + strings.Repeat("#", 7) + strings.Repeat("-", 23) + "] 1/4  25% 0 unreachable, 0 failed 0:01 eta 0:03"
	want := bar + "\r\033[Klevel=WARN msg=\"account not scanned\"\n" + bar
	if !strings.HasPrefix(got, "run r: scanning 4 accounts\n"+want) {
		t.Errorf("terminal output =\n%q\nwant it to start with\n%q", got, "run r: scanning 4 accounts\n"+want)
	}
	if !strings.HasSuffix(got, "\n") {
		t.Errorf("close left the cursor on the bar's line: %q", got)
	}
}
