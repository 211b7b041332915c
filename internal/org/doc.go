// Package org lists the AWS Organization's accounts that a config-report run
// scans, and holds the ListAccounts function's handler, which writes them to
// the run's manifest in S3. For a new run it also writes the organization's
// totals next to the manifest (runs/<runId>/organization.json: every account
// of the selected OUs by state, and the active ones EXCLUDE_ACCOUNTS removed),
// so that the report can count the organization and not only the accounts it
// scans. A re-run writes neither again, and names only accounts of its run:
// each must be in the run's manifest or an earlier re-run's, and still be an
// active account the configuration selects.
//
// The lister assumes the organization-listing role in the management account
// (system-config-report-generator-list-org-role) and reads the organization
// with ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent and,
// for configured tag keys, ListTagsForResource. It walks the OU tree from the
// root and lists accounts parent by parent rather than calling ListAccounts:
// the parent being listed gives each account its OU path ("Root/Workloads/Prod")
// with no extra call per account, and OUs that the filter leaves out are
// never listed. Only ACTIVE accounts are scanned; the others are counted by
// state.
//
// Organizations throttles its read APIs; the client's standard retryer
// (NewRetryer) absorbs that with more attempts, capped backoff and no
// client-side retry quota, and the lister bounds the calls in flight. What
// outlasts those retries (throttling, server errors, S3's too) and a
// deadline that passes make the handler return an *awserr.TransientError,
// which the state machine retries; a bad input or configuration does not.
package org
