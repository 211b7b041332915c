package main

import (
	"time"

	"github.com/config-report/config-report/internal/orgsim"
)

// demoEpoch is the simulated time of the first demo week: a Monday, 06:00
// UTC, three hours before the weekly run.
var demoEpoch = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)

// runHour is how long after the week's reference time the weekly run starts.
const runHour = 3 * time.Hour

// The demo organization's regions and the one where no account has AWS
// Config enabled, by default (demo and check --demo).
const (
	demoRegions        = "us-east-1,eu-west-1,eu-central-1,ap-southeast-2"
	demoDisabledRegion = "ap-southeast-2"
)

// demoOrgSpec says which simulated organization the demo scans.
type demoOrgSpec struct {
	Seed           int64
	Accounts       int
	Regions        []string
	DisabledRegion string // a region where Config is not enabled in any account
}

// weekStart returns the simulated start time of week's run (week 1 is the
// first).
func weekStart(week int) time.Time {
	return demoEpoch.AddDate(0, 0, 7*(week-1)).Add(runHour)
}

// demoOrg generates the organization as it is in the given week: the same
// spec and week always give the same organization, and each week differs a
// little from the one before (orgsim.GenerateWeek).
func demoOrg(s demoOrgSpec, week int) (*orgsim.Org, error) {
	return orgsim.GenerateWeek(orgsim.Spec{
		Seed:                 s.Seed,
		Accounts:             s.Accounts,
		Regions:              s.Regions,
		ConfigDisabledRegion: s.DisabledRegion,
		Now:                  demoEpoch,
	}, week)
}
