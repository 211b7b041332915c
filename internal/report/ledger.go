package report

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"time"
)

// The findings ledger (ledger.bin beside summary.json) remembers, for every
// finding open in the run or resolved within LedgerRetentionDays, when it
// was first seen open, when it was last open and how often it came back
// after being resolved. Each run's report reads the previous run's ledger
// and writes its own, so a finding's age survives any number of runs
// without re-reading them.
//
// Layout (little-endian): the 8-byte magic "CRLEDGER", a uint16 version, a
// uint64 count, count entries of ledgerEntrySize bytes sorted by finding
// (finding uint64, first seen uint32, last open uint32 — both in days since
// 1970-01-01 UTC —, reopened uint16, flags uint8), then the CRC-32 (IEEE)
// of everything before it.
const (
	ledgerMagic      = "CRLEDGER"
	ledgerVersion    = 1
	ledgerEntrySize  = 8 + 4 + 4 + 2 + 1
	ledgerFlagOpen   = 1 << 0
	ledgerHeaderSize = len(ledgerMagic) + 2 + 8
)

// LedgerRetentionDays is how long the ledger remembers a resolved finding:
// one that comes back within it is reopened, with its first-seen time kept;
// after it, it is new again.
const LedgerRetentionDays = 400

// ledgerEntry is one finding's history.
type ledgerEntry struct {
	// Finding is the finding's identity (FindingHash).
	Finding uint64
	// FirstSeen and LastOpen are days since 1970-01-01 (UTC): of the run
	// that first saw the finding open, and of the last run it was open in
	// (or could not be re-checked in).
	FirstSeen, LastOpen uint32
	// Reopened counts the times it came back after it was resolved.
	Reopened uint16
	// Open says it is open in (or was not re-checked by) the ledger's run.
	Open bool
}

// ledger is a run's findings history, sorted by Finding.
type ledger []ledgerEntry

// dayOf returns t's day since 1970-01-01 in UTC.
func dayOf(t time.Time) uint32 {
	return uint32(t.UTC().Unix() / 86400)
}

// timeOfDay returns the start of day d (UTC).
func timeOfDay(d uint32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// lookup returns the entry of finding, if l has one.
func (l ledger) lookup(finding uint64) (ledgerEntry, bool) {
	i, ok := slices.BinarySearchFunc(l, finding, func(e ledgerEntry, f uint64) int {
		switch {
		case e.Finding < f:
			return -1
		case e.Finding > f:
			return 1
		}
		return 0
	})
	if !ok {
		return ledgerEntry{}, false
	}
	return l[i], true
}

// history is what a finding open in a run carries: when it was first seen
// and how often it was reopened.
type history struct {
	FirstSeen uint32
	Reopened  uint16
}

// historyOf returns the history of a finding open on day, given the
// previous run's ledger: kept while it stays open, reopened (first seen
// kept, one more reopening) when it was resolved within the retention, and
// starting on day otherwise.
func (l ledger) historyOf(finding uint64, day uint32) history {
	e, ok := l.lookup(finding)
	return e.history(ok, day)
}

// history is the history of the entry's finding, open on day; ok false
// when the previous ledger has no entry for it.
func (e ledgerEntry) history(ok bool, day uint32) history {
	switch {
	case !ok:
		return history{FirstSeen: day}
	case e.Open:
		return history{FirstSeen: e.FirstSeen, Reopened: e.Reopened}
	}
	return history{FirstSeen: e.FirstSeen, Reopened: e.Reopened + 1}
}

// next returns the ledger of a run on day whose open findings are open
// (sorted), given the previous run's ledger l: every open finding with its
// history; every finding of l not open now that was not re-checked (notRechecked),
// still open as it was; every other, resolved, until LedgerRetentionDays
// after it was last open.
func (l ledger) next(open []uint64, notRechecked func(uint64) bool, day uint32) ledger {
	out := make(ledger, 0, len(open)+len(l)/8)
	i := 0
	for _, f := range open {
		for ; i < len(l) && l[i].Finding < f; i++ {
			out = l.carry(out, i, notRechecked, day)
		}
		var prev ledgerEntry
		found := i < len(l) && l[i].Finding == f
		if found {
			prev = l[i]
			i++
		}
		h := prev.history(found, day)
		out = append(out, ledgerEntry{Finding: f, FirstSeen: h.FirstSeen, LastOpen: day, Reopened: h.Reopened, Open: true})
	}
	for ; i < len(l); i++ {
		out = l.carry(out, i, notRechecked, day)
	}
	return out
}

// carry appends l[i], a finding not open now, to out: still open when it
// was not re-checked, resolved otherwise, and dropped once resolved longer
// than LedgerRetentionDays.
func (l ledger) carry(out ledger, i int, notRechecked func(uint64) bool, day uint32) ledger {
	e := l[i]
	if e.Open && notRechecked(e.Finding) {
		return append(out, e)
	}
	e.Open = false
	if day > e.LastOpen && day-e.LastOpen > LedgerRetentionDays {
		return out
	}
	return append(out, e)
}

// write writes l in the ledger layout.
func (l ledger) write(w io.Writer) error {
	crc := crc32.NewIEEE()
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 1<<20)
	var head [ledgerHeaderSize]byte
	copy(head[:], ledgerMagic)
	binary.LittleEndian.PutUint16(head[8:], ledgerVersion)
	binary.LittleEndian.PutUint64(head[10:], uint64(len(l)))
	if _, err := bw.Write(head[:]); err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	var buf [ledgerEntrySize]byte
	for _, e := range l {
		binary.LittleEndian.PutUint64(buf[0:], e.Finding)
		binary.LittleEndian.PutUint32(buf[8:], e.FirstSeen)
		binary.LittleEndian.PutUint32(buf[12:], e.LastOpen)
		binary.LittleEndian.PutUint16(buf[16:], e.Reopened)
		buf[18] = 0
		if e.Open {
			buf[18] = ledgerFlagOpen
		}
		if _, err := bw.Write(buf[:]); err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	var sum [4]byte
	binary.LittleEndian.PutUint32(sum[:], crc.Sum32())
	if _, err := w.Write(sum[:]); err != nil {
		return fmt.Errorf("write ledger: %w", err)
	}
	return nil
}

// errDamagedLedger is the error of a ledger that cannot be read whole.
var errDamagedLedger = errors.New("the findings ledger is damaged")

// readLedger reads a ledger written by write. A ledger of another version,
// cut short, out of order or failing its checksum is an error wrapping
// errDamagedLedger: the report then starts ages afresh and says so, rather
// than guess them.
func readLedger(r io.Reader) (ledger, error) {
	crc := crc32.NewIEEE()
	br := bufio.NewReaderSize(r, 1<<20)
	tr := io.TeeReader(br, crc)
	var head [ledgerHeaderSize]byte
	if _, err := io.ReadFull(tr, head[:]); err != nil {
		return nil, fmt.Errorf("header: %v: %w", err, errDamagedLedger)
	}
	if string(head[:8]) != ledgerMagic {
		return nil, fmt.Errorf("not a ledger: %w", errDamagedLedger)
	}
	if v := binary.LittleEndian.Uint16(head[8:]); v != ledgerVersion {
		return nil, fmt.Errorf("version %d, this build reads %d: %w", v, ledgerVersion, errDamagedLedger)
	}
	n := binary.LittleEndian.Uint64(head[10:])
	if n > 1<<32 {
		return nil, fmt.Errorf("%d entries: %w", n, errDamagedLedger)
	}
	l := make(ledger, 0, min(n, 1<<24))
	var buf [ledgerEntrySize]byte
	for range n {
		if _, err := io.ReadFull(tr, buf[:]); err != nil {
			return nil, fmt.Errorf("entry %d of %d: %v: %w", len(l)+1, n, err, errDamagedLedger)
		}
		e := ledgerEntry{
			Finding:   binary.LittleEndian.Uint64(buf[0:]),
			FirstSeen: binary.LittleEndian.Uint32(buf[8:]),
			LastOpen:  binary.LittleEndian.Uint32(buf[12:]),
			Reopened:  binary.LittleEndian.Uint16(buf[16:]),
			Open:      buf[18]&ledgerFlagOpen != 0,
		}
		if len(l) > 0 && e.Finding <= l[len(l)-1].Finding {
			return nil, fmt.Errorf("entry %d out of order: %w", len(l)+1, errDamagedLedger)
		}
		l = append(l, e)
	}
	want := crc.Sum32()
	var sum [4]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil {
		return nil, fmt.Errorf("checksum: %v: %w", err, errDamagedLedger)
	}
	if binary.LittleEndian.Uint32(sum[:]) != want {
		return nil, fmt.Errorf("checksum mismatch: %w", errDamagedLedger)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return nil, fmt.Errorf("data after the checksum: %w", errDamagedLedger)
	}
	return l, nil
}
