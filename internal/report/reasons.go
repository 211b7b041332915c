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
		case strings.Contains(raw, "RegionDisabled"):
			return "STS is not active in this account for the hub's region: activate it in the account's IAM account settings."
		}
		return "The read role could not be assumed: see the error."
	case StatusNotScanned:
		switch {
		case strings.HasPrefix(raw, "no shard"):
			return "The scan did not finish: re-run the account with the re-run input above the Coverage table."
		case strings.HasPrefix(raw, "unknown schema version"):
			return "Its scan result was written by a newer scanner: update the report function, then rebuild."
		case strings.HasPrefix(raw, "unreadable shard"):
			return "Its scan result cannot be read: re-run the account with the re-run input."
		case strings.HasPrefix(raw, "the shard has no result"):
			return "The scan recorded nothing for this region: re-run the account."
		}
		return "Not scanned: re-run the account with the re-run input."
	case coverageAccessDenied:
		action := "a Config action"
		if m := deniedAction.FindStringSubmatch(raw); m != nil {
			action = m[1]
		}
		return "The read role lacks " + action + " (or an SCP or permissions boundary denies it): update the member-role StackSet."
	case coverageBlockedBySCP, coverageConfigNotEnabled, coverageRegionDisabled, coverageRecorderOff, coverageNotFinished:
		a := regionAdvice(status)
		return strings.ToUpper(a[:1]) + a[1:] + "."
	}
	return ""
}

// regionAdvice is what is wrong in account-regions of a coverage status and
// what to do, in one phrase: the Coverage sheet's reason for a region
// (whatToDo) and, after the regions it names, the Accounts sheet's.
func regionAdvice(status string) string {
	switch status {
	case coverageAccessDenied:
		return "the read role lacks a Config action (the Coverage sheet names it); update the member-role StackSet"
	case coverageBlockedBySCP:
		return "a service control policy denies Config in the region; drop the region from `regions`, or exempt the read role"
	case coverageConfigNotEnabled:
		return "no configuration recorder and no rules; enable AWS Config in the region, or drop the region from `regions`"
	case coverageRegionDisabled:
		return "the opt-in region is not enabled for the account; enable it, or drop the region from `regions`"
	case coverageRecorderOff:
		return "the configuration recorder is stopped, so results may be stale; start the recorder"
	case coverageNotFinished:
		return "the scan ran out of time in the region (the account is too large for one invocation); re-run the account, and if it recurs, scan fewer regions"
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
