package run

import "path"

// ReportsPrefix is where every run's reports live; the previous run is the
// greatest run ID under it that is smaller than the current one.
const ReportsPrefix = "reports/"

// RunsPrefix is where every run's working data lives.
const RunsPrefix = "runs/"

// Prefix returns the prefix of everything a run writes while it runs.
func Prefix(runID string) string { return RunsPrefix + runID + "/" }

// ManifestKey returns the key of the run's original manifest, the JSON array
// of accounts the Distributed Map reads.
func ManifestKey(runID string) string { return Prefix(runID) + "accounts.json" }

// RerunPrefix returns the prefix under which re-runs of the run write their
// own manifests, so the original manifest is never overwritten.
func RerunPrefix(runID string) string { return Prefix(runID) + "reruns/" }

// RerunManifestKey returns the key of a re-run's manifest; stamp names the
// re-run (e.g. its start time and execution name) and must be unique.
func RerunManifestKey(runID, stamp string) string {
	return RerunPrefix(runID) + path.Base(stamp) + ".json"
}

// ShardPrefix returns the prefix of the run's shards.
func ShardPrefix(runID string) string { return Prefix(runID) + "shards/" }

// ShardKey returns the key of one account's shard in the run.
func ShardKey(runID, accountID string) string {
	return ShardPrefix(runID) + accountID + ".json"
}

// ResultPrefix returns the prefix the Distributed Map's ResultWriter writes to.
func ResultPrefix(runID string) string { return Prefix(runID) + "map-results/" }

// ReportPrefix returns the prefix of the run's report files.
func ReportPrefix(runID string) string { return ReportsPrefix + runID + "/" }

// WorkbookKey returns the key of the run's Excel workbook.
func WorkbookKey(runID string) string {
	return ReportPrefix(runID) + "config-compliance-" + runID + ".xlsx"
}

// SummaryKey returns the key of the run's machine-readable summary, which the
// next run compares itself against.
func SummaryKey(runID string) string { return ReportPrefix(runID) + "summary.json" }

// LedgerKey returns the key of the run's findings ledger: when each open
// (or recently resolved) finding was first seen, which the next run carries
// forward.
func LedgerKey(runID string) string { return ReportPrefix(runID) + "ledger.bin" }

// OwnerCSVKey returns the key of the CSV of the non-compliant resources of
// the accounts of one owner; name is the file's name (report's owner file
// names: the owner tag's value made safe for a key, then .csv).
func OwnerCSVKey(runID, name string) string { return ReportPrefix(runID) + "by-owner/" + name }

// CSVKey returns the key of the CSV of every non-compliant resource.
func CSVKey(runID string) string { return ReportPrefix(runID) + "noncompliant-resources.csv" }

// RerunInputKey returns the key of the execution input that re-runs exactly
// the accounts that were not scanned.
func RerunInputKey(runID string) string { return ReportPrefix(runID) + "rerun-input.json" }
