// Package run holds the contracts every part of config-report relies on: run
// IDs that sort by time, the S3 key layout of a run, the manifest entry
// (Account), the per-account scan result (Shard) with its versioned JSON
// encoding, and a Store that reads and writes manifests and shards in S3.
//
// A run is one execution of the state machine. ListAccounts writes the run's
// manifest, ScanAccount writes one shard per account, and BuildReport reads
// them all back; nothing else passes between them.
package run
