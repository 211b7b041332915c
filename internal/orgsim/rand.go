package orgsim

import (
	"hash/fnv"
	"math/rand/v2"
	"strconv"
)

// Everything the simulator generates is a pure function of the spec's seed and
// a few names (account ID, region, rule name, …). hashOf turns those into a
// 64-bit value; rngFor seeds a PCG generator from it. Nothing here uses global
// randomness, so the same Spec always yields the same organization.

// mix is the splitmix64 finalizer: it spreads the bits of x so that nearby
// inputs give unrelated outputs.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashOf hashes a seed and a list of names into one well-mixed value.
func hashOf(seed uint64, parts ...string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	for i := range b {
		b[i] = byte(seed >> (8 * i))
	}
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return mix(h.Sum64())
}

// rngFor returns a generator seeded from hashOf(seed, parts...).
func rngFor(seed uint64, parts ...string) *rand.Rand {
	h := hashOf(seed, parts...)
	return rand.New(rand.NewPCG(h, mix(h^0x9e3779b97f4a7c15)))
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 {
	return float64(h>>11) / (1 << 53)
}

const (
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	hexDigits  = "0123456789abcdef"
)

// randString returns n characters drawn from alphabet.
func randString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// itoa is strconv.Itoa, shorter at call sites that build names.
func itoa(i int) string { return strconv.Itoa(i) }
