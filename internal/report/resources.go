package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/config-report/config-report/internal/ruleid"
)

// csvHeader is the header of noncompliant-resources.csv, one row per
// account, region, rule and resource, in that order.
// rule is the rule's deployed name; rule_base_name, rule_managed_by and
// security_hub_control are its identity (package ruleid), the names the
// workbook's Rules and Summary sheets use; conformance_pack is the pack that
// deployed it, if any. finding_id is the row's finding (FindingHash, 16 hex
// digits): rows with the same one are the same resource failing the same
// rule identity, from several regions or deployed names, so counting
// distinct finding_id counts findings. first_seen is the day (UTC) the
// finding was first seen open (the findings ledger), age_days its age at
// the run and reopened how often it came back after being resolved; blank
// in CSVs written before the ledger was kept. Readers find columns by name:
// CSVs written before the identity or history columns existed still read.
var csvHeader = []string{
	"account_id", "account_name", "region", "rule", "rule_base_name",
	"rule_managed_by", "security_hub_control", "conformance_pack",
	"resource_type", "resource_id", "resource_name", "annotation",
	"recorded_at", "new_since_previous_run", "resource_tags", "finding_id",
	"first_seen", "age_days", "reopened", "severity",
}

// Column positions in csvHeader.
const (
	colAccountID = iota
	colAccountName
	colRegion
	colRule
	colBaseName
	colManagedBy
	colControl
	colPack
	colType
	colID
	colName
	colAnnotation
	colRecordedAt
	colNew
	colTags
	colFinding
	colFirstSeen
	colAge
	colReopened
	colSeverity
	csvColumns
)

// freeText marks the CSV columns that hold text anyone with access to a
// member account can choose: account and resource names, Config's
// annotation, and tags.
var freeText = [csvColumns]bool{colAccountName: true, colName: true, colAnnotation: true, colTags: true}

// formulaLike reports whether a spreadsheet opening the CSV could take v, a
// value of column col, for a formula: it starts, after any apostrophes, with
// =, +, @, a tab or a carriage return, or with - in a free-text column. An
// identifier (account, region, rule, type, resource ID) may start with - when
// it holds only letters, digits and . _ : / -, which cannot call a function or
// reach another program.
func formulaLike(v string, col int) bool {
	v = strings.TrimLeft(v, "'")
	if v == "" {
		return false
	}
	switch v[0] {
	case '=', '+', '@', '\t', '\r':
		return true
	case '-':
		return freeText[col] || strings.ContainsFunc(v, func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("._:/-", r))
		})
	}
	return false
}

// neutralize returns v with an apostrophe in front when a spreadsheet could
// take it for a formula (OWASP's advice against CSV injection). A value that
// already starts with apostrophes before such a character gets one more, so
// that restore can tell the two apart and every value reads back unchanged.
func neutralize(v string, col int) string {
	if formulaLike(v, col) {
		return "'" + v
	}
	return v
}

// restore undoes neutralize.
func restore(v string, col int) string {
	if strings.HasPrefix(v, "'") && formulaLike(v, col) {
		return v[1:]
	}
	return v
}

// resourceRow is one non-compliant resource as written to the CSV.
type resourceRow struct {
	AccountID, AccountName, Region, Rule, BaseName string
	// ManagedBy, Control and Pack are the rule's manager (its label),
	// Security Hub control and conformance pack.
	ManagedBy, Control, Pack   string
	Type, ID, Name, Annotation string
	// ruleKey is the rule identity's key (ruleid.Identity.Key), set when
	// the row is built or read back.
	ruleKey    string
	RecordedAt time.Time
	// New is "true", "false", or "" on a first run.
	New  string
	Tags map[string]string
	// FirstSeen is the day (since 1970-01-01 UTC) the finding was first
	// seen open, 0 when unknown; Age is its age in days at the run, and
	// Reopened how often it came back after it was resolved.
	FirstSeen uint32
	Age       int
	Reopened  int
	// Severity is the rule's severity in the catalog, "" when unknown.
	Severity string
}

// key is the row's hash (ResourceHash), as summaries before version 3
// recorded it.
func (r *resourceRow) key() uint64 {
	return resourceKey(r.AccountID, r.Region, r.Rule, r.Type, r.ID)
}

// findingKey is the hash of the row's finding (FindingHash).
func (r *resourceRow) findingKey() uint64 {
	return findingKey(r.AccountID, r.Region, r.ruleKey, r.Type, r.ID)
}

// resourceWriter writes resource rows as CSV.
type resourceWriter struct {
	w    *csv.Writer
	rec  []string
	rows int
	// lens counts each column's values by length (in bytes: characters
	// for the ASCII most values are), to size the workbook's columns
	// without reading the rows twice.
	lens [csvColumns]lengths
}

func newResourceWriter(w io.Writer) (*resourceWriter, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return nil, fmt.Errorf("write csv header: %w", err)
	}
	return &resourceWriter{w: cw, rec: make([]string, csvColumns)}, nil
}

func (rw *resourceWriter) write(r *resourceRow) error {
	rec := rw.rec
	rec[colAccountID] = r.AccountID
	rec[colAccountName] = r.AccountName
	rec[colRegion] = r.Region
	rec[colRule] = r.Rule
	rec[colBaseName] = r.BaseName
	rec[colManagedBy] = r.ManagedBy
	rec[colControl] = r.Control
	rec[colPack] = r.Pack
	rec[colType] = r.Type
	rec[colID] = r.ID
	rec[colName] = r.Name
	rec[colAnnotation] = r.Annotation
	rec[colRecordedAt] = ""
	if !r.RecordedAt.IsZero() {
		rec[colRecordedAt] = r.RecordedAt.UTC().Format(time.RFC3339)
	}
	rec[colNew] = r.New
	rec[colTags] = ""
	if len(r.Tags) > 0 {
		b, err := json.Marshal(r.Tags)
		if err != nil {
			return fmt.Errorf("encode tags of %s: %w", r.ID, err)
		}
		rec[colTags] = string(b)
	}
	rec[colFinding] = fmt.Sprintf("%016x", r.findingKey())
	rec[colFirstSeen], rec[colAge], rec[colReopened] = "", "", ""
	if r.FirstSeen > 0 {
		rec[colFirstSeen] = timeOfDay(r.FirstSeen).Format(time.DateOnly)
		rec[colAge] = strconv.Itoa(r.Age)
		rec[colReopened] = strconv.Itoa(r.Reopened)
	}
	rec[colSeverity] = r.Severity
	for i, v := range rec {
		rw.lens[i].addLen(len(v))
		rec[i] = neutralize(v, i)
	}
	if err := rw.w.Write(rec); err != nil {
		return fmt.Errorf("write csv row: %w", err)
	}
	rw.rows++
	return nil
}

func (rw *resourceWriter) flush() error {
	rw.w.Flush()
	if err := rw.w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// resourceReader reads resource rows back from a CSV written by
// resourceWriter, by column name, so CSVs with extra or reordered columns
// (an older or newer build's) still read.
type resourceReader struct {
	r   *csv.Reader
	pos [csvColumns]int
}

func newResourceReader(r io.Reader) (*resourceReader, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read csv header: %w", err)
	}
	rr := &resourceReader{r: cr}
	for i, name := range csvHeader {
		rr.pos[i] = slices.Index(head, name)
	}
	for _, need := range []int{colAccountID, colRegion, colRule, colType, colID} {
		if rr.pos[need] < 0 {
			return nil, fmt.Errorf("read csv header: no column %q", csvHeader[need])
		}
	}
	return rr, nil
}

// next reads the next row into r (without its tags, which no sheet shows);
// it returns io.EOF at the end.
func (rr *resourceReader) next(r *resourceRow) error {
	rec, err := rr.r.Read()
	if err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return fmt.Errorf("read csv: %w", err)
	}
	field := func(c int) string {
		if p := rr.pos[c]; p >= 0 && p < len(rec) {
			return restore(rec[p], c)
		}
		return ""
	}
	*r = resourceRow{
		AccountID:   field(colAccountID),
		AccountName: field(colAccountName),
		Region:      field(colRegion),
		Rule:        field(colRule),
		BaseName:    field(colBaseName),
		ManagedBy:   field(colManagedBy),
		Control:     field(colControl),
		Pack:        field(colPack),
		Type:        field(colType),
		ID:          field(colID),
		Name:        field(colName),
		Annotation:  field(colAnnotation),
		New:         field(colNew),
		Severity:    field(colSeverity),
	}
	if t, err := time.Parse(time.DateOnly, field(colFirstSeen)); err == nil {
		r.FirstSeen = dayOf(t)
		r.Age, _ = strconv.Atoi(field(colAge))
		r.Reopened, _ = strconv.Atoi(field(colReopened))
	}
	if m, ok := ruleid.ManagerOfLabel(r.ManagedBy); ok && r.BaseName != "" {
		r.ruleKey = ruleid.Identity{Base: r.BaseName, Manager: m}.Key()
	} else {
		// A CSV from before the identity columns: the identity the
		// deployed name implies (its rule_base_name stripped only a
		// conformance pack's suffix).
		id := ruleid.Of(r.Rule, "", "")
		r.BaseName, r.ManagedBy, r.Control, r.ruleKey = id.Base, id.Manager.Label(), id.ControlID, id.Key()
	}
	if t := field(colRecordedAt); t != "" {
		if at, err := time.Parse(time.RFC3339, t); err == nil {
			r.RecordedAt = at
		}
	}
	return nil
}
