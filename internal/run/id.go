package run

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// idTimeLayout is the time part of a run ID: UTC, minute precision, so IDs
// sort by the time the run started.
const idTimeLayout = "2006-01-02T1504Z"

// idSuffixLen is how many characters of the execution name end a run ID.
const idSuffixLen = 8

var idPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{4}Z-[a-z0-9]{1,8}$`)

// NewID returns the run ID for an execution that started at start and is
// named executionName, e.g. "2026-11-30T0900Z-3f2a9c1b". The suffix is the
// first eight letters and digits of the execution name, lower-cased, so two
// executions started in the same minute still get different IDs.
func NewID(start time.Time, executionName string) (string, error) {
	var suffix strings.Builder
	for _, r := range strings.ToLower(executionName) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			suffix.WriteRune(r)
			if suffix.Len() == idSuffixLen {
				break
			}
		}
	}
	if suffix.Len() == 0 {
		return "", fmt.Errorf("new run id: execution name %q has no letters or digits", executionName)
	}
	if start.IsZero() {
		return "", fmt.Errorf("new run id: start time is zero")
	}
	return start.UTC().Format(idTimeLayout) + "-" + suffix.String(), nil
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
