package report

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
)

// ResourceHash names the hash of the sets summaries before version 3 hold:
// one per row of the resource sheet (account, region, rule as deployed,
// resource). They are still read, to compare the first run after the
// upgrade with the last one before it.
const ResourceHash = "fnv1a64(accountId NUL region NUL rule NUL resourceType NUL resourceId)"

// FindingHash names the hash of the sets summaries of version 3 hold: one
// per finding, a non-compliant resource under one rule identity. The region
// is empty for global resources (globalType), so an account-level rule
// evaluated in every region, or an IAM user seen from several regions, is
// one finding; the rule is its identity (package ruleid's key), so Security
// Hub's per-account suffixes and a redeployed conformance pack's new suffix
// do not make new findings.
const FindingHash = "fnv1a64(accountId NUL regionOrEmptyIfGlobal NUL ruleManager/ruleBaseName NUL resourceType NUL resourceId)"

// globalTypes are the resource types that are not tied to a region, so the
// same resource reported from several regions is one resource:
//   - AWS::::Account, the pseudo-type of account-level rules' evaluations
//     (one account, whatever region evaluates it);
//   - the global IAM types, "IAM users, groups, roles, and customer managed
//     policies" (AWS Config API Reference, RecordingGroup);
//   - AWS::RDS::GlobalCluster, "recorded in all supported Config Regions
//     where the configuration recorder is enabled" (same page).
//
// AWS documents no complete list; any other type is taken as regional, which
// at worst counts a resource once per region that reports it.
var globalTypes = map[string]bool{
	"AWS::::Account":          true,
	"AWS::IAM::User":          true,
	"AWS::IAM::Group":         true,
	"AWS::IAM::Role":          true,
	"AWS::IAM::Policy":        true,
	"AWS::RDS::GlobalCluster": true,
}

// GlobalType reports whether resources of a type are not tied to a region,
// so that the same resource reported from several regions is one.
func GlobalType(resourceType string) bool { return globalTypes[resourceType] }

// scope is the region part of a resource's identity: "" for a global type.
func scope(region, resourceType string) string {
	if globalTypes[resourceType] {
		return ""
	}
	return region
}

// findingKey hashes a finding identity (FindingHash).
func findingKey(accountID, region, ruleKey, resourceType, resourceID string) uint64 {
	return resourceKey(accountID, scope(region, resourceType), ruleKey, resourceType, resourceID)
}

// distinctResourceKey hashes a resource's identity, whatever rule it fails.
func distinctResourceKey(accountID, region, resourceType, resourceID string) uint64 {
	return resourceKey(accountID, scope(region, resourceType), "", resourceType, resourceID)
}

// ResourceSet is the set of a run's findings, as the sorted 64-bit FNV-1a
// hashes of their identities (FindingHash; before version 3, of the resource
// sheet's rows, ResourceHash), stored big-endian and base64-encoded in JSON.
//
// A million resources take 8 MB (10.7 MB of base64) instead of the ~150 MB the
// identities themselves would, and membership is a binary search. With 64-bit
// hashes the chance of any collision among a million resources is about 3e-8;
// a collision would only make one resource look persisting instead of new.
// The details of resolved resources are read back from the previous run's CSV.
type ResourceSet struct {
	// Hash names the hash function and its input, ResourceHash.
	Hash string `json:"hash"`
	// Count is the number of hashes in Data.
	Count int `json:"count"`
	// Data holds Count big-endian uint64 hashes in ascending order.
	Data []byte `json:"data"`
}

// resourceKey hashes a resource identity.
func resourceKey(accountID, region, rule, resourceType, resourceID string) uint64 {
	h := fnv.New64a()
	for i, s := range [...]string{accountID, region, rule, resourceType, resourceID} {
		if i > 0 {
			_, _ = h.Write([]byte{0})
		}
		_, _ = h.Write([]byte(s))
	}
	return h.Sum64()
}

// newResourceSet encodes sorted, de-duplicated finding hashes.
func newResourceSet(sorted []uint64) ResourceSet {
	data := make([]byte, 8*len(sorted))
	for i, h := range sorted {
		binary.BigEndian.PutUint64(data[8*i:], h)
	}
	return ResourceSet{Hash: FindingHash, Count: len(sorted), Data: data}
}

// legacy reports whether the set holds rows (ResourceHash), not findings.
func (rs ResourceSet) legacy() bool { return rs.Hash == ResourceHash }

func (rs ResourceSet) validate() error {
	if rs.Hash != FindingHash && rs.Hash != ResourceHash {
		return fmt.Errorf("resources: hash %q, want %q (or %q, before version 3)", rs.Hash, FindingHash, ResourceHash)
	}
	if len(rs.Data) != 8*rs.Count {
		return fmt.Errorf("resources: %d bytes for %d hashes", len(rs.Data), rs.Count)
	}
	return nil
}

// hashes decodes the set into a sorted slice.
func (rs ResourceSet) hashes() []uint64 {
	out := make([]uint64, rs.Count)
	for i := range out {
		out[i] = binary.BigEndian.Uint64(rs.Data[8*i:])
	}
	if !slices.IsSorted(out) {
		slices.Sort(out)
	}
	return out
}

// hashSet is a sorted slice of resource hashes.
type hashSet []uint64

func (s hashSet) has(h uint64) bool {
	_, ok := slices.BinarySearch(s, h)
	return ok
}

// sortUnique sorts hashes in place and drops duplicates.
func sortUnique(hs []uint64) []uint64 {
	slices.Sort(hs)
	return slices.Compact(hs)
}
