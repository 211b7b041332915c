package run

import (
	"encoding/json"
	"errors"
	"fmt"
)

// ErrUnknownSchema is returned (wrapped) when a shard's schemaVersion is not
// one this package reads; the report lists such an account with the reason.
var ErrUnknownSchema = errors.New("unknown shard schema version")

// EncodeShard validates s and returns its JSON document.
func EncodeShard(s *Shard) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("encode shard: %w", err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode shard of %s: %w", s.Account.ID, err)
	}
	return b, nil
}

// DecodeShard decodes and validates the shard document stored at key. Its
// errors name the key and what is wrong; an unsupported schema version wraps
// ErrUnknownSchema.
func DecodeShard(key string, data []byte) (*Shard, error) {
	// One full decode in the common case; the version is looked at on its
	// own only when that fails or says something this build cannot read.
	var s Shard
	err := json.Unmarshal(data, &s)
	if err != nil || !readable(s.SchemaVersion) {
		var head struct {
			SchemaVersion *int `json:"schemaVersion"`
		}
		if herr := json.Unmarshal(data, &head); herr != nil {
			return nil, fmt.Errorf("decode shard %s: not a JSON object: %w", key, herr)
		}
		switch {
		case head.SchemaVersion == nil:
			return nil, fmt.Errorf("decode shard %s: no schemaVersion", key)
		case !readable(*head.SchemaVersion):
			return nil, fmt.Errorf("decode shard %s: schemaVersion %d, this build reads %d to %d: %w",
				key, *head.SchemaVersion, MinSchemaVersion, SchemaVersion, ErrUnknownSchema)
		}
		return nil, fmt.Errorf("decode shard %s: %w", key, err)
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("decode shard %s: %w", key, err)
	}
	return &s, nil
}

func readable(v int) bool { return v >= MinSchemaVersion && v <= SchemaVersion }

// Validate reports the first thing that makes s an invalid shard.
func (s *Shard) Validate() error {
	if !readable(s.SchemaVersion) {
		return fmt.Errorf("schemaVersion is %d, want %d to %d", s.SchemaVersion, MinSchemaVersion, SchemaVersion)
	}
	if err := ValidateID(s.RunID); err != nil {
		return err
	}
	if err := s.Account.Validate(); err != nil {
		return err
	}
	if s.ScannedAt.IsZero() {
		return fmt.Errorf("account %s: scannedAt is missing", s.Account.ID)
	}
	switch s.Status {
	case AccountScanned:
	case AccountUnreachable:
		if s.Reason == "" {
			return fmt.Errorf("account %s: unreachable without a reason", s.Account.ID)
		}
	default:
		return fmt.Errorf("account %s: status %q is not %q or %q",
			s.Account.ID, s.Status, AccountScanned, AccountUnreachable)
	}
	seen := make(map[string]bool, len(s.Regions))
	for i, r := range s.Regions {
		if r.Region == "" {
			return fmt.Errorf("account %s: region %d has no name", s.Account.ID, i)
		}
		if seen[r.Region] {
			return fmt.Errorf("account %s: region %s appears twice", s.Account.ID, r.Region)
		}
		seen[r.Region] = true
		if r.Status == RegionBlockedBySCP && s.SchemaVersion < 2 || r.Status == RegionNotFinished && s.SchemaVersion < 3 {
			return fmt.Errorf("account %s region %s: status %q is not in schema version %d", s.Account.ID, r.Region, r.Status, s.SchemaVersion)
		}
		if err := r.validate(); err != nil {
			return fmt.Errorf("account %s region %s: %w", s.Account.ID, r.Region, err)
		}
	}
	return nil
}

func (r *Region) validate() error {
	switch r.Status {
	case RegionScanned, RegionRecorderStopped:
	case RegionConfigNotEnabled, RegionDisabled, RegionAccessDenied, RegionBlockedBySCP, RegionNotFinished:
		if len(r.Rules) > 0 || len(r.NonCompliant) > 0 {
			return fmt.Errorf("status %q carries rule results", r.Status)
		}
	default:
		return fmt.Errorf("unknown status %q", r.Status)
	}
	for _, rule := range r.Rules {
		if rule.Name == "" {
			return errors.New("a rule has no name")
		}
		switch rule.Compliance {
		case Compliant, NonCompliant, NotApplicable, InsufficientData:
		default:
			return fmt.Errorf("rule %s: unknown compliance %q", rule.Name, rule.Compliance)
		}
	}
	for _, res := range r.NonCompliant {
		if res.Rule == "" || res.Type == "" || res.ID == "" {
			return fmt.Errorf("non-compliant resource %q of type %q has no rule, type or id", res.ID, res.Type)
		}
	}
	return nil
}

// EncodeManifest validates the accounts and returns the manifest document, a
// JSON array the Distributed Map's ItemReader reads.
func EncodeManifest(accounts []Account) ([]byte, error) {
	if accounts == nil {
		accounts = []Account{}
	}
	if err := validateManifest(accounts); err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	b, err := json.Marshal(accounts)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return b, nil
}

// DecodeManifest decodes and validates the manifest stored at key.
func DecodeManifest(key string, data []byte) ([]Account, error) {
	var accounts []Account
	if err := json.Unmarshal(data, &accounts); err != nil {
		return nil, fmt.Errorf("decode manifest %s: %w", key, err)
	}
	if accounts == nil {
		return nil, fmt.Errorf("decode manifest %s: not a JSON array", key)
	}
	if err := validateManifest(accounts); err != nil {
		return nil, fmt.Errorf("decode manifest %s: %w", key, err)
	}
	return accounts, nil
}

func validateManifest(accounts []Account) error {
	seen := make(map[string]bool, len(accounts))
	for i, a := range accounts {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		if seen[a.ID] {
			return fmt.Errorf("entry %d: account %s appears twice", i, a.ID)
		}
		seen[a.ID] = true
	}
	return nil
}
