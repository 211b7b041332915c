package run_test

import (
	"fmt"
	"testing"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// BenchmarkDecodeShard decodes a shard with 1,000 non-compliant resources,
// the unit of work the report repeats once per account.
func BenchmarkDecodeShard(b *testing.B) {
	s := runtest.Shard(testRunID, "123456789012")
	proto := s.Regions[0].NonCompliant[0]
	for i := range 1000 {
		r := proto
		r.ID = fmt.Sprintf("bucket-%04d", i)
		s.Regions[0].NonCompliant = append(s.Regions[0].NonCompliant, r)
	}
	data, err := run.EncodeShard(s)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := run.DecodeShard("bench", data); err != nil {
			b.Fatal(err)
		}
	}
}
