package report

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"slices"
)

// ResourceHash names the hash a ResourceSet holds.
const ResourceHash = "fnv1a64(accountId NUL region NUL rule NUL resourceType NUL resourceId)"

// ResourceSet is the set of a run's non-compliant resources, as the sorted
// 64-bit FNV-1a hashes of their identities (account, region, rule as deployed,
// resource type, resource ID), stored big-endian and base64-encoded in JSON.
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

// newResourceSet encodes sorted, de-duplicated hashes.
func newResourceSet(sorted []uint64) ResourceSet {
	data := make([]byte, 8*len(sorted))
	for i, h := range sorted {
		binary.BigEndian.PutUint64(data[8*i:], h)
	}
	return ResourceSet{Hash: ResourceHash, Count: len(sorted), Data: data}
}

func (rs ResourceSet) validate() error {
	if rs.Hash != ResourceHash {
		return fmt.Errorf("resources: hash %q, want %q", rs.Hash, ResourceHash)
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
