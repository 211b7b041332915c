// Package run holds the contracts every part of config-report relies on: run
// IDs that sort by time, the S3 key layout of a run, the manifest entry
// (Account), the per-account scan result (Shard) with its versioned JSON
// encoding, the organization's totals at listing time (Organization), and a
// Store that reads and writes them in S3.
//
// A run is one execution of the state machine. ListAccounts writes the run's
// manifest and, for a new run, the organization's totals next to it;
// ScanAccount writes one shard per account; BuildReport reads them all back.
// Nothing else passes between them.
package run
