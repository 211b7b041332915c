package ruleid

import "maps"

// ControlTable returns a copy of the table ControlID reads: each Security
// Hub service-linked rule's base name with the control ID it maps to. It is
// for callers that keep facts per control and must cover every control an
// identity can carry (the rule catalog's tests).
func ControlTable() map[string]string {
	return maps.Clone(controlIDs)
}
