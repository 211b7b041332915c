// Package report is BuildReport, the last step of a run: it merges the run's
// shards into the weekly AWS Config compliance workbook, a machine-readable
// summary.json and a CSV of every non-compliant resource, compares the run
// with the previous one, and optionally e-mails the result through SES.
//
// # Reading a run
//
// The accounts are the union of every manifest of the run (the original and
// any re-runs; run.ManifestKeys). Shards are read concurrently (at most
// READ_CONCURRENCY at once) but folded into the aggregates in account-ID
// order, with a read-ahead window of twice the concurrency, so at most a few
// dozen shards are ever held in memory however many accounts there are, and
// the resource rows come out sorted by account, region, rule, resource type
// and ID. Each non-compliant resource is written to the CSV as its shard is
// folded in; once every shard is read and the totals are known, the workbook
// is written, streaming the resource rows back from the CSV. The memory a
// build needs grows with accounts and rules and by only 8 bytes per
// resource.
//
// The organization's totals come from runs/<runId>/organization.json, which
// ListAccounts writes when it lists a new run: every account of the selected
// OUs in any state, the ones not active by state, and the active ones
// EXCLUDE_ACCOUNTS removed. Re-runs do not change it. A run without it (one
// made another way, or listed before it was recorded) or with one that
// cannot be used is still reported: the organization's figures are shown as
// unavailable, with the reason, and never made up from the manifests.
//
// A shard that is missing, not valid JSON, or of an unknown schema version
// does not stop the report: its account is reported as "not scanned" with
// the reason, on the Accounts and Coverage sheets, and the execution input
// that re-runs exactly those accounts is written to
// reports/<runId>/rerun-input.json (and shown on the Coverage sheet). Errors
// that say nothing about a shard fail the build. Handle returns the transient
// ones (throttling or a 5xx past the SDK's retries, a network error, the
// Lambda's deadline) as an *awserr.TransientError, unwrapped, whose type name
// is the error type the state machine's Retry on BuildReport matches; the
// others (a run without a manifest, access denied) fail the execution at
// once.
//
// # The previous run
//
// The previous run is the greatest run ID under reports/ that is smaller than
// this one and has a summary.json (summary.json is uploaded last, so its
// presence means the rest of that report is there) that this build reads, of
// the same ENVIRONMENT, and with the organization's totals. A run without
// them scanned only some accounts (config-report run --account) or was built
// before they were recorded; comparing with it would count every other
// account's resources as changes. Each summary passed over is logged with the
// reason.
//
// The previous summary gives the per-account and per-rule figures to compare
// with, the regions it read in each account, and the set of its findings (a
// non-compliant resource under one rule identity) as 64-bit hashes (see
// ResourceSet), which tells new from persisting findings. A finding not in
// that run is "new" only where that run read its account and region, and
// "not previously checked" otherwise (a failed week does not make the next
// one a wall of new). A finding of that run that is not in this one is
// placed by its rows in that run's CSV: it is "resolved" only when its
// account and regions were scanned this time, and "not re-checked" when they
// were not. Without its rows (the CSV is gone, damaged, or does not list it)
// a hash cannot be placed, so it is counted as "unknown", never as resolved,
// and the Summary and the e-mail say why. New + not previously checked +
// persisting is this run's findings; persisting + resolved + not re-checked
// + unknown is that run's.
//
// # The workbook
//
// Compliance is compliant ÷ (compliant + non-compliant) rule evaluations,
// where one evaluation is one rule in one account and region; not-applicable
// and insufficient-data evaluations are left out, and with no evaluations the
// figure is blank. Changes since the previous run are numbers shown with ▲ or
// ▼ and the delta (percentage points for compliance), in green when the
// change is good news and red when it is not. On a first run every change
// cell says "first run" instead of showing zeros.
//
//   - Summary: the run, its start, the environment and regions, where the
//     organization's totals come from (when ListAccounts listed them, the
//     inactive accounts by state, the OU filters, how many accounts' tags it
//     could not read) or why they are unavailable, the run it is compared
//     with, and the compliance definition; accounts in the organization
//     (every account listed, in any state), not active (suspended, closing,
//     closed), excluded by configuration (EXCLUDE_ACCOUNTS), in this run (its
//     manifests), scanned, unreachable and not scanned; overall compliance;
//     rule evaluations by state; non-compliant resources; each with its
//     previous value and change; new, persisting, resolved, not re-checked
//     and unknown resources; the ten rules failing in most accounts; the ten accounts with
//     most non-compliant resources; compliance by OU, with a bar chart of the
//     25 OUs with most accounts.
//   - Accounts: one row per account: ID, name, OU path, owner and team tags
//     (and any other tag the lister read), status (scanned, unreachable, not
//     scanned) and reason, regions scanned, rule evaluations compliant,
//     non-compliant, not applicable and with insufficient data, non-compliant
//     resources, compliance (green at or above COMPLIANCE_GREEN_PCT, amber at
//     or above COMPLIANCE_AMBER_PCT, red below), and its change and the
//     change in resources since the previous run.
//   - Rules: one row per rule base name (the name without a conformance
//     pack's suffix) across accounts and regions: source, identifier,
//     conformance packs, accounts non-compliant and compliant, evaluations by
//     state, evaluation errors, non-compliant resources, compliance, and the
//     changes in accounts non-compliant and in resources.
//   - Non-compliant resources: one row per account, region, rule and
//     resource: account ID and name, region, rule, resource type, ID and
//     name, annotation, when Config recorded the result (UTC), whether it is
//     new since the previous run, and a HYPERLINK formula that opens the
//     resource in the AWS Config console of its region. Past Excel's
//     1,048,576 rows the table continues on "Non-compliant resources 2", and
//     so on. Cells longer than Excel's 32,767 characters are cut with a
//     visible "[truncated: …]" marker; the CSV keeps the full values.
//   - Resolved since last run: the previous run's non-compliant resources
//     that are not non-compliant now, with their last annotation and a
//     status: resolved, or not re-checked when the account or region was not
//     scanned this time. Split like the resources sheet.
//   - Coverage: every account × region with its status (scanned, recorder
//     off, Config not enabled, region disabled, access denied with the
//     action, unreachable with the reason, not scanned with the reason), the
//     recorder's state, rules and non-compliant resources; above the table,
//     the re-run input when accounts were not scanned.
//
// Every table sheet has a frozen header row, an autofilter, set column widths
// and number formats, and prints landscape, one page wide, with its header
// repeated.
//
// # The e-mail
//
// With REPORT_RECIPIENTS set, the report is e-mailed through SES after it is
// published, in messages of at most 50 recipients. After each message SES
// accepts, reports/<runId>/email-sent.json (EmailRecord) records the
// report's identity (a digest of its summary without generatedAt, and of the
// run's manifest keys), when it was built, and the message's ID and
// recipients. Before sending, the record is read: when it is of the same
// report, only the recipients it does not list are sent to. So a retry of a
// build that failed part-way (SES throttling on the second message, S3 after
// the e-mail) does not e-mail anyone twice, and a rebuild after a re-run,
// which adds a manifest, e-mails everyone again. Should the record's write
// fail after SES accepted a message, a retry sends that message again: at
// least once, never lost.
//
// The workbook is attached when it is under 10 MiB; a bigger one is linked
// with a pre-signed URL. Such a link works only while the credentials that
// signed it do, and a Lambda's are temporary: when their expiry is known the
// link asks for no longer and the e-mail says until when it works (at most 7
// days); when it is not (a Lambda's credentials from its environment do not
// say), the e-mail says the link may stop working within hours. Every e-mail
// also gives the workbook's s3:// location and its S3 console page.
//
// # Metrics
//
// After publishing, the Lambda writes the run's headline counts to standard
// output as one line of CloudWatch's embedded metric format, so CloudWatch
// Logs turns them into metrics with no API call: namespace ConfigReport,
// dimension Environment (ENVIRONMENT), metrics AccountsInRun,
// AccountsScanned, AccountsUnreachable, AccountsNotScanned, AccountsNoData
// and NonCompliantResources (Count), CompliancePercent (Percent, 0–100, left
// out when there are no evaluations) and CoveragePercent (the share of
// account-regions with rule results), with the run ID as the property RunId.
// An alarm on AccountsUnreachable catches what no single account shows: a
// fault on the hub's side (the scanner role unable to assume any read role)
// makes every account unreachable. A build that is retried writes the line
// once per attempt that publishes, so alarms use the Maximum statistic.
//
// # Files
//
// Under reports/<runId>/:
//
//   - config-compliance-<runId>.xlsx, the workbook;
//   - noncompliant-resources.csv: a header row, then columns account_id,
//     account_name, region, rule, rule_base_name, resource_type,
//     resource_id, resource_name, annotation, recorded_at (RFC 3339),
//     new_since_previous_run (true, false, or empty on a first run) and
//     resource_tags (JSON). A value a spreadsheet could take for a formula is
//     written with an apostrophe in front, as OWASP advises against CSV
//     injection: in every column a value starting with =, +, @, a tab or a
//     carriage return; and a value starting with - in the free-text columns
//     (account_name, resource_name, annotation, resource_tags) or in an
//     identifier holding anything but letters, digits and . _ : / -, so
//     plain identifiers such as -fn_1 are kept as they are. A value that
//     already starts with apostrophes before such a character gets one more,
//     so the report reads every value back unchanged;
//   - summary.json (Summary, schemaVersion 1): totals.accounts counts the
//     run's accounts; totals.organization (accounts, inactive,
//     inactiveByState, excluded, and untagged when ListAccounts could not
//     read some accounts' tags) is there only when the run has its
//     organization totals, and a summary without it still decodes but is
//     not compared with; comparison (new, persisting, resolved,
//     notRechecked, unknown) is there from the second run on;
//   - rerun-input.json when accounts were not scanned (deleted when a
//     rebuild finds every account scanned);
//   - email-sent.json (EmailRecord) once the report has been e-mailed.
//
// # Scale
//
// Measured with
//
//	go test -run '^$' -bench BenchmarkBuild -benchtime 1x ./internal/report/
//
// on 2 cores (Intel Xeon, Go 1.26), for 20,000 accounts × 4 regions × 100
// rules with 1,000,000 non-compliant resources (1.48 GB of shard JSON, read
// from files: gofakes3 would hold them all in the measured process's heap):
// 27 s wall and 38 s of CPU for the whole build (shards read and aggregated
// in 10 s, workbook in 17 s); 35 s with GOMAXPROCS=1 (-cpu 1), about what a
// 2 GB Lambda's 1.2 vCPU gives. Peak memory held by the Go runtime 367 MB
// (live heap 180 MB; 321 MB and 116 MB with one core), peak /tmp 1.45 GB.
// Output: a 63 MB workbook, a 279 MB CSV and a 15.5 MB summary.json. A bare
// excelize stream write of the same 1,000,000 rows takes 13.8 s and 15.3 s
// of CPU: the build costs 1.95× its wall time and 2.5× its CPU, the
// difference being mostly decoding the shards. With 1,100,000 resources
// (past Excel's row limit: two resource sheets) the build took 29 s, 42 s of
// CPU, 438 MB peak, 1.59 GB of /tmp. Memory grows with accounts and rules, and by 8 bytes per
// resource plus excelize's in-memory copy of the compressed workbook; /tmp
// grows by about 1.45 GB per million resources (excelize's uncompressed
// sheet XML, the CSV, the workbook), so the Lambda needs ephemeral storage
// sized for it (4 GB covers about 2.5 million).
package report
