package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/config-report/config-report/internal/pipeline"
)

// progressView shows a run's progress on stderr: a bar redrawn in place when
// stderr is a terminal, a plain line per tenth of the accounts otherwise. It
// is also the writer of the log, so a log line on a terminal is printed above
// the bar instead of through it.
type progressView struct {
	mu        sync.Mutex
	w         io.Writer
	tty       bool
	width     func() int
	bar       string // the bar as last drawn, "" when none is shown
	drawn     time.Time
	lastTenth int
	last      pipeline.Progress
	// checking words the lines for check, which checks accounts rather than
	// scanning them.
	checking bool
}

// redrawEvery limits how often the bar is redrawn.
const redrawEvery = 100 * time.Millisecond

// newProgressView returns the view for f (normally os.Stderr).
func newProgressView(f io.Writer) *progressView {
	v := &progressView{w: f, width: func() int { return 80 }}
	if file, ok := f.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
		v.tty = true
		fd := int(file.Fd())
		v.width = func() int {
			if w, _, err := term.GetSize(fd); err == nil && w > 20 {
				return w
			}
			return 80
		}
	}
	return v
}

// Write prints a log line, above the bar on a terminal.
func (v *progressView) Write(p []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.bar == "" {
		return v.w.Write(p)
	}
	fmt.Fprint(v.w, "\r\033[K")
	n, err := v.w.Write(p)
	fmt.Fprint(v.w, v.bar)
	return n, err
}

// update is the pipeline's Progress callback.
func (v *progressView) update(p pipeline.Progress) {
	v.mu.Lock()
	defer v.mu.Unlock()
	prev := v.last
	v.last = p
	if p.Stage != prev.Stage {
		v.endBar()
		switch p.Stage {
		case pipeline.StageList:
			fmt.Fprintln(v.w, "listing the organization's accounts…")
		case pipeline.StageScan:
			if v.checking {
				fmt.Fprintf(v.w, "checking %d accounts\n", p.Accounts)
				break
			}
			fmt.Fprintf(v.w, "run %s: scanning %d accounts\n", p.RunID, p.Accounts)
		case pipeline.StageBuild:
			if !v.tty || prev.Stage != pipeline.StageScan {
				v.plainLine(prev)
			}
			fmt.Fprintln(v.w, "building the report…")
			return
		}
	}
	if p.Stage != pipeline.StageScan {
		return
	}
	if !v.tty {
		tenth := 10
		if p.Accounts > 0 {
			tenth = p.Done() * 10 / p.Accounts
		}
		if tenth > v.lastTenth && p.Done() > 0 && p.Done() < p.Accounts {
			v.lastTenth = tenth
			v.plainLine(p)
		}
		return
	}
	if time.Since(v.drawn) < redrawEvery && p.Done() < p.Accounts {
		return
	}
	v.drawn = time.Now()
	v.bar = "\r\033[K" + renderBar(p, v.width())
	fmt.Fprint(v.w, v.bar)
}

// close ends the bar's line, if one is shown, so that what follows (an
// error, the result) starts on a line of its own.
func (v *progressView) close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.endBar()
}

// endBar leaves the bar as it is and moves to the next line.
func (v *progressView) endBar() {
	if v.bar != "" {
		v.bar = "\r\033[K" + renderBar(v.last, v.width())
		fmt.Fprintln(v.w, v.bar)
		v.bar = ""
	}
}

func (v *progressView) plainLine(p pipeline.Progress) {
	verb := "scanned"
	if v.checking {
		verb = "checked"
	}
	fmt.Fprintf(v.w, "%s %d/%d accounts (%d%%): %s, %s\n", verb,
		p.Done(), p.Accounts, percent(p.Done(), p.Accounts), counts(p), p.Elapsed.Round(time.Second))
}

// renderBar draws "[#####-----] 1234/5000  24% 3 unreachable, 1 failed 0:12 eta 0:36"
// in at most width columns; the bar's width does not change as the figures do.
func renderBar(p pipeline.Progress, width int) string {
	digits := len(fmt.Sprint(p.Accounts))
	tail := fmt.Sprintf(" %*d/%d %3d%% %s %s", digits, p.Done(), p.Accounts, percent(p.Done(), p.Accounts), counts(p), clock(p.Elapsed))
	if d := p.Done(); d > 0 && d < p.Accounts {
		eta := time.Duration(float64(p.Elapsed) / float64(d) * float64(p.Accounts-d))
		tail += " eta " + clock(eta)
	}
	barWidth := min(30, width-2*digits-60)
	if barWidth < 5 {
		return strings.TrimSpace(tail)
	}
	filled := barWidth
	if p.Accounts > 0 {
		filled = barWidth * p.Done() / p.Accounts
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat("-", barWidth-filled) + "]" + tail
}

func counts(p pipeline.Progress) string {
	s := fmt.Sprintf("%d unreachable, %d failed", p.Unreachable, p.Failed)
	if p.Retries > 0 {
		s += fmt.Sprintf(", %d retried", p.Retries)
	}
	return s
}

func percent(n, total int) int {
	if total == 0 {
		return 100
	}
	return n * 100 / total
}

// clock formats d as m:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
