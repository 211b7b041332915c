package report

import (
	"regexp"
	"strings"
)

// The workbook leads with what a person can act on and keeps the error as
// the scanner recorded it in a column of its own: AWS's messages are long
// (two ARNs per AssumeRole denial) and the same for every region.

// deniedAction finds the action a Config denial names: the scanner writes
// "<action> denied: <AWS's message>" (scan's region.go).
var deniedAction = regexp.MustCompile(`^(config:[A-Za-z]+) (denied|blocked by a service control policy)`)

// whatToDo returns a short reason for a status, saying what to fix and
// where, from the recorded error; "" when the status needs no action.
func whatToDo(status, raw string) string {
	switch status {
	case StatusUnreachable:
		switch {
		case strings.Contains(raw, "sts:AssumeRole") || strings.Contains(raw, "AccessDenied"):
			return "Read role missing, not trusting the scanner, or another ExternalId: " +
				"is the member-role StackSet deployed to this account's OU?"
		case strings.Contains(raw, "RegionDisabled") || strings.Contains(raw, "not enabled"):
			return "STS is not available to the scanner in this account's region: check the hub's STS endpoint settings."
		}
		return "The read role could not be assumed: see the error."
	case StatusNotScanned:
		switch {
		case strings.HasPrefix(raw, "no shard"):
			return "The scan did not finish: re-run the account with the re-run input above the Coverage table."
		case strings.HasPrefix(raw, "unknown schema version"):
			return "Its shard was written by a newer scanner: update the report function, then rebuild."
		case strings.HasPrefix(raw, "unreadable shard"):
			return "Its shard cannot be read: re-run the account with the re-run input."
		case strings.HasPrefix(raw, "the shard has no result"):
			return "The scan recorded nothing for this region: re-run the account."
		}
		return "Not scanned: re-run the account with the re-run input."
	case coverageAccessDenied:
		action := "a Config action"
		if m := deniedAction.FindStringSubmatch(raw); m != nil {
			action = m[1]
		}
		return "Read role lacks " + action + ": update the member-role StackSet (or an SCP/permissions boundary denies it)."
	case coverageBlockedBySCP:
		return "A service control policy denies Config here: drop the region from `regions`, or exempt the read role."
	case coverageConfigNotEnabled:
		return "No configuration recorder and no rules: enable AWS Config here, or drop the region from `regions`."
	case coverageRegionDisabled:
		return "Opt-in region not enabled for this account: enable it, or drop it from `regions`."
	case coverageRecorderOff:
		return "Configuration recorder stopped: results may be stale; start the recorder."
	case coverageNotFinished:
		return "The scan ran out of time here twice (the account is too large for one invocation): re-run the account; if it recurs, scan fewer regions."
	}
	return ""
}

// regionAdvice is what to do about account-regions of a coverage status,
// without restating the cause: the Accounts sheet joins it to the cause and
// the regions.
func regionAdvice(status string) string {
	switch status {
	case coverageAccessDenied:
		return "the read role lacks a Config action (the Coverage sheet names it); update the member-role StackSet"
	case coverageBlockedBySCP:
		return "an SCP denies Config there; drop the region from `regions`, or exempt the read role"
	case coverageConfigNotEnabled:
		return "enable AWS Config there, or drop the region from `regions`"
	case coverageRegionDisabled:
		return "enable the region for the account, or drop it from `regions`"
	case coverageNotFinished:
		return "the scan ran out of time there (the account is too large for one invocation); re-run the account"
	}
	return "re-run the account"
}

// accountWhatToDo is the Accounts sheet's short reason for an account that
// is not simply scanned: for no data and partially scanned, the reason
// accountStatus wrote (causes, regions and what to do); otherwise its
// status's advice, the recorded error going to its own column.
func accountWhatToDo(a *AccountSummary) string {
	switch a.Status {
	case StatusPartial, StatusNoData:
		return a.Reason
	case StatusScanned:
		return ""
	}
	return whatToDo(a.Status, a.Reason)
}
