package run

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"
)

// idTimeLayout is the time part of a run ID: UTC, minute precision, so IDs
// sort by the time the run started.
const idTimeLayout = "2006-01-02T1504Z"

var idPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{4}Z-[a-z0-9]{1,8}$`)

// plainName is an execution name that is its own run ID suffix.
var plainName = regexp.MustCompile(`^[a-z0-9]{1,8}$`)

// NewID returns the run ID for an execution that started at start and is
// named executionName, e.g. "2026-11-30T0900Z-3f2a9c1b". The suffix is the
// name itself when it is one to eight lower-case letters and digits
// ("week0001"), and otherwise the first eight hexadecimal digits of the
// name's SHA-256. Step Functions keeps execution names unique per state
// machine, so two executions started in the same minute get different IDs
// even when their names share a prefix ("weekly-run-1", "weekly-run-2"),
// which taking the name's first eight letters and digits did not.
func NewID(start time.Time, executionName string) (string, error) {
	if executionName == "" {
		return "", fmt.Errorf("new run id: execution name is empty")
	}
	if start.IsZero() {
		return "", fmt.Errorf("new run id: start time is zero")
	}
	suffix := executionName
	if !plainName.MatchString(executionName) {
		sum := sha256.Sum256([]byte(executionName))
		suffix = hex.EncodeToString(sum[:4])
	}
	return start.UTC().Format(idTimeLayout) + "-" + suffix, nil
}

// ValidateID reports whether id is a well-formed run ID, with an error that
// shows the expected form.
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return fmt.Errorf("run id %q is not of the form 2026-11-30T0900Z-abcd1234", id)
	}
	if _, err := IDTime(id); err != nil {
		return err
	}
	return nil
}

// IDTime returns the start time (to the minute, UTC) encoded in a run ID.
func IDTime(id string) (time.Time, error) {
	if len(id) < len(idTimeLayout) {
		return time.Time{}, fmt.Errorf("run id %q is too short", id)
	}
	t, err := time.Parse(idTimeLayout, id[:len(idTimeLayout)])
	if err != nil {
		return time.Time{}, fmt.Errorf("run id %q: bad time: %w", id, err)
	}
	return t, nil
}
