package report

import (
	"time"

	"github.com/config-report/config-report/internal/run"
)

// TrendRuns is how many runs the Summary's trend shows: about a quarter of
// weekly runs.
const TrendRuns = 12

// TrendPoint is one run's headline figures in the trend, as that run's
// report computed them.
type TrendPoint struct {
	// RunID is the run; Started is when it started (from its ID).
	RunID   string    `json:"runId"`
	Started time.Time `json:"started"`
	// Compliance is the run's overall compliance (0–1); nil when undefined.
	Compliance *float64 `json:"compliance,omitempty"`
	// Coverage is the share of account-regions with rule results (0–1); nil
	// when the run did not record it or had no account-regions.
	Coverage *float64 `json:"coverage,omitempty"`
	// Findings is the run's open findings; before summary version 3 the
	// rows of its resource sheet, which FindingsAreRows says.
	Findings        int  `json:"findings"`
	FindingsAreRows bool `json:"findingsAreRows,omitempty"`
}

// pointOf returns s's own trend point.
func pointOf(s *Summary) TrendPoint {
	p := TrendPoint{RunID: s.RunID, Findings: s.Totals.Findings}
	p.Started, _ = run.IDTime(s.RunID)
	if c, ok := s.Totals.Compliance(); ok {
		p.Compliance = &c
	}
	if c, ok := s.Totals.Coverage.Share(); ok {
		p.Coverage = &c
	}
	if s.beforeV3() {
		// Version 1 and 2 summaries counted the resource sheet's rows.
		p.Findings, p.FindingsAreRows = s.Totals.Resources, true
	}
	return p
}

// trendOf returns the last TrendRuns runs of the environment, oldest first,
// ending with cur: the previous run's trend (or, from a summary written
// before the trend was kept, the previous run alone) and cur. No earlier
// summary or shard is read: each summary carries the trend forward. A
// re-run into the same run replaces its point.
func trendOf(cur, prev *Summary) []TrendPoint {
	var points []TrendPoint
	if prev != nil {
		points = append(points, prev.Trend...)
		if len(prev.Trend) == 0 {
			points = append(points, pointOf(prev))
		}
	}
	kept := points[:0]
	for _, p := range points {
		if p.RunID != cur.RunID {
			kept = append(kept, p)
		}
	}
	points = append(kept, pointOf(cur))
	if len(points) > TrendRuns {
		points = points[len(points)-TrendRuns:]
	}
	return points
}
