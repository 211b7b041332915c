package run

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// OrganizationVersion is the version of the organization document this
// package writes and the only one it reads.
const OrganizationVersion = 1

// OrganizationKey returns the key of the organization totals ListAccounts
// records when it lists a new run; re-runs never write it.
func OrganizationKey(runID string) string { return Prefix(runID) + "organization.json" }

// Organization is what ListAccounts saw of the organization when it listed a
// new run: how many accounts the selected OUs hold, in every state, and how
// many of them the run scans. The manifest names only the accounts to scan;
// this document says what was left out and why, so the report can give the
// organization's totals as well as the run's.
//
// Accounts = Active + Excluded + the sum of Inactive.
type Organization struct {
	// SchemaVersion is OrganizationVersion; readers reject any other.
	SchemaVersion int `json:"schemaVersion"`
	// RunID is the run that was listed.
	RunID string `json:"runId"`
	// ListedAt is when the listing finished.
	ListedAt time.Time `json:"listedAt"`
	// IncludeOUs are the OUs (or roots) the listing was limited to
	// (INCLUDE_OUS); empty means the whole organization.
	IncludeOUs []string `json:"includeOus,omitempty"`
	// ExcludeOUs are the OUs whose accounts were not listed at all
	// (EXCLUDE_OUS); their accounts are in none of the counts.
	ExcludeOUs []string `json:"excludeOus,omitempty"`
	// Accounts is every account found in the selected OUs, in any state.
	Accounts int `json:"accounts"`
	// Active is the number of ACTIVE accounts written to the manifest.
	Active int `json:"active"`
	// Inactive counts, by state (SUSPENDED, PENDING_CLOSURE, CLOSED, ...),
	// the accounts that are not ACTIVE and so are not scanned.
	Inactive map[string]int `json:"inactive,omitempty"`
	// Excluded is the number of ACTIVE accounts that EXCLUDE_ACCOUNTS removed
	// from the manifest.
	Excluded int `json:"excluded"`
	// Untagged is the number of manifest accounts whose tags were not read
	// because the function's deadline came near; normally zero.
	Untagged int `json:"untagged"`
}

// InactiveTotal returns the number of accounts that are not ACTIVE, in any
// state.
func (o *Organization) InactiveTotal() int {
	n := 0
	for _, c := range o.Inactive {
		n += c
	}
	return n
}

// Validate reports the first thing that makes o an invalid organization
// document.
func (o *Organization) Validate() error {
	if o.SchemaVersion != OrganizationVersion {
		return fmt.Errorf("schemaVersion is %d, want %d", o.SchemaVersion, OrganizationVersion)
	}
	if err := ValidateID(o.RunID); err != nil {
		return err
	}
	if o.ListedAt.IsZero() {
		return fmt.Errorf("run %s: listedAt is missing", o.RunID)
	}
	for _, c := range []struct {
		name string
		n    int
	}{{"accounts", o.Accounts}, {"active", o.Active}, {"excluded", o.Excluded}, {"untagged", o.Untagged}} {
		if c.n < 0 {
			return fmt.Errorf("run %s: %s is negative (%d)", o.RunID, c.name, c.n)
		}
	}
	for _, state := range slices.Sorted(maps.Keys(o.Inactive)) {
		switch n := o.Inactive[state]; {
		case state == "" || state == "ACTIVE":
			return fmt.Errorf("run %s: inactive state %q is not an inactive state", o.RunID, state)
		case n < 0:
			return fmt.Errorf("run %s: inactive %s is negative (%d)", o.RunID, state, n)
		}
	}
	if sum := o.Active + o.Excluded + o.InactiveTotal(); sum != o.Accounts {
		return fmt.Errorf("run %s: %d accounts, but %d active + %d excluded + %d inactive = %d",
			o.RunID, o.Accounts, o.Active, o.Excluded, o.InactiveTotal(), sum)
	}
	if o.Untagged > o.Active {
		return fmt.Errorf("run %s: %d untagged of %d active accounts", o.RunID, o.Untagged, o.Active)
	}
	return nil
}

// EncodeOrganization validates o and returns its JSON document.
func EncodeOrganization(o *Organization) ([]byte, error) {
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("encode organization: %w", err)
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("encode organization of run %s: %w", o.RunID, err)
	}
	return b, nil
}

// DecodeOrganization decodes and validates the organization document stored
// at key. Its errors name the key and what is wrong; fields this build does
// not know are ignored, so later versions may add some without a new
// schemaVersion.
func DecodeOrganization(key string, data []byte) (*Organization, error) {
	var head struct {
		SchemaVersion *int `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("decode organization %s: not a JSON object: %w", key, err)
	}
	switch {
	case head.SchemaVersion == nil:
		return nil, fmt.Errorf("decode organization %s: no schemaVersion", key)
	case *head.SchemaVersion != OrganizationVersion:
		return nil, fmt.Errorf("decode organization %s: schemaVersion %d, this build reads %d",
			key, *head.SchemaVersion, OrganizationVersion)
	}
	var o Organization
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, fmt.Errorf("decode organization %s: %w", key, err)
	}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("decode organization %s: %w", key, err)
	}
	return &o, nil
}

// PutOrganization writes o to OrganizationKey(o.RunID) in one PutObject and
// returns the key.
func PutOrganization(ctx context.Context, c ObjectPutter, bucket string, o *Organization) (string, error) {
	body, err := EncodeOrganization(o)
	if err != nil {
		return "", err
	}
	key := OrganizationKey(o.RunID)
	if err := putJSON(ctx, c, bucket, key, body); err != nil {
		return "", err
	}
	return key, nil
}

// GetOrganization reads and validates the organization document at
// bucket/key. A missing document wraps ErrNotFound.
func GetOrganization(ctx context.Context, c ObjectGetter, bucket, key string) (*Organization, error) {
	body, err := GetObject(ctx, c, bucket, key)
	if err != nil {
		return nil, err
	}
	return DecodeOrganization(key, body)
}
