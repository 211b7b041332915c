package report

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLedgerHistory(t *testing.T) {
	none := func(uint64) bool { return false }
	var l ledger
	// Week 1 (day 100): findings 1, 2, 3 open.
	l = l.next([]uint64{1, 2, 3}, none, 100)
	// Week 2: 2 resolved, 3's account not scanned (not re-checked), 4 new.
	l = l.next([]uint64{1, 4}, func(f uint64) bool { return f == 3 }, 107)
	week2 := slices.Clone(l)
	// Week 3: 2 comes back (reopened), 3 is seen again, 1 stays.
	l = l.next([]uint64{1, 2, 3, 4}, none, 114)
	want := ledger{
		{Finding: 1, FirstSeen: 100, LastOpen: 114, Open: true},
		{Finding: 2, FirstSeen: 100, LastOpen: 114, Reopened: 1, Open: true},
		{Finding: 3, FirstSeen: 100, LastOpen: 114, Open: true},
		{Finding: 4, FirstSeen: 107, LastOpen: 114, Open: true},
	}
	if diff := cmp.Diff(want, l); diff != "" {
		t.Errorf("ledger after three weeks (-want +got):\n%s", diff)
	}
	// A re-run of week 3 builds from week 2's ledger again: ages do not
	// reset, and the reopening is not counted twice.
	if diff := cmp.Diff(want, week2.next([]uint64{1, 2, 3, 4}, none, 114)); diff != "" {
		t.Errorf("ledger of a re-run of week 3 (-want +got):\n%s", diff)
	}
	// Resolved findings are kept LedgerRetentionDays, then forgotten.
	l = l.next([]uint64{1}, none, 121)
	if e, ok := l.lookup(4); !ok || e.Open || e.FirstSeen != 107 {
		t.Errorf("resolved finding 4 = %+v, %v; want kept, resolved, first seen on day 107", e, ok)
	}
	l = l.next([]uint64{1}, none, 114+LedgerRetentionDays+1)
	if _, ok := l.lookup(4); ok {
		t.Errorf("finding 4, resolved %d days ago, is still in the ledger", LedgerRetentionDays+1)
	}
	if h := l.historyOf(4, 600); h != (history{FirstSeen: 600}) {
		t.Errorf("finding 4 back after the retention = %+v, want new on day 600", h)
	}
}

func TestLedgerRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	l := make(ledger, 1000)
	for i := range l {
		l[i] = ledgerEntry{Finding: rng.Uint64(), FirstSeen: rng.Uint32N(30000), LastOpen: 30000, Reopened: uint16(rng.UintN(3)), Open: rng.IntN(2) == 0}
	}
	slices.SortFunc(l, func(a, b ledgerEntry) int { return cmpU64(a.Finding, b.Finding) })
	var buf bytes.Buffer
	if err := l.write(&buf); err != nil {
		t.Fatal(err)
	}
	if got := buf.Len(); got != ledgerHeaderSize+len(l)*ledgerEntrySize+4 {
		t.Errorf("ledger of %d entries is %d bytes, want %d", len(l), got, ledgerHeaderSize+len(l)*ledgerEntrySize+4)
	}
	got, err := readLedger(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(l, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	for name, damage := range map[string]func([]byte) []byte{
		"cut short":      func(b []byte) []byte { return b[:len(b)-10] },
		"bit flipped":    func(b []byte) []byte { b[ledgerHeaderSize+3] ^= 1; return b },
		"other version":  func(b []byte) []byte { b[8] = 9; return b },
		"not a ledger":   func(b []byte) []byte { return []byte("{\"schemaVersion\":3}") },
		"trailing bytes": func(b []byte) []byte { return append(b, 0) },
	} {
		b := damage(slices.Clone(buf.Bytes()))
		if _, err := readLedger(bytes.NewReader(b)); !errors.Is(err, errDamagedLedger) {
			t.Errorf("%s: readLedger error = %v, want errDamagedLedger", name, err)
		}
	}
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// BenchmarkLedger reads a previous ledger of 1,000,000 findings and writes
// the next, with 950,000 of them still open and 50,000 new: the ledger's
// work in one report of a million findings.
func BenchmarkLedger(b *testing.B) {
	const n = 1_000_000
	rng := rand.New(rand.NewPCG(3, 4))
	prev := make(ledger, n)
	for i := range prev {
		prev[i] = ledgerEntry{Finding: rng.Uint64(), FirstSeen: 20000 + rng.Uint32N(300), LastOpen: 20400, Open: true}
	}
	slices.SortFunc(prev, func(a, b ledgerEntry) int { return cmpU64(a.Finding, b.Finding) })
	var file bytes.Buffer
	if err := prev.write(&file); err != nil {
		b.Fatal(err)
	}
	open := make([]uint64, 0, n)
	for i, e := range prev {
		if i%20 != 0 {
			open = append(open, e.Finding)
		}
	}
	for range n / 20 {
		open = append(open, rng.Uint64())
	}
	slices.Sort(open)
	none := func(uint64) bool { return false }
	b.ReportAllocs()
	b.ResetTimer()
	var out bytes.Buffer
	for b.Loop() {
		l, err := readLedger(bytes.NewReader(file.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		out.Reset()
		if err := l.next(open, none, 20407).write(&out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(file.Len())/1e6, "ledger-MB")
}
