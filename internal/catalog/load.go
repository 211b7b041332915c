package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/config-report/config-report/internal/ruleid"
)

// FileVersion is the only "version" a catalog file may declare.
const FileVersion = 1

// Limits on a catalog file, ours (AWS has none for it): a file the report
// reads whole and a description that fits a workbook cell people read.
const (
	// MaxFileBytes is the largest catalog file Load reads.
	MaxFileBytes = 1 << 20
	// MaxTextLen is the longest description or note, in characters.
	MaxTextLen = 1000
)

// entryFields lists a file entry's fields, for messages.
const entryFields = "rule, manager, severity, description, link, note"

// FileError is one problem in a catalog file: where it is and what is wrong.
// Load returns every problem it finds, each as a *FileError (joined with
// errors.Join); errors.As finds the first.
type FileError struct {
	// Entry is the entry's position in "rules", from 1, or 0 when the problem
	// is in the document around the entries.
	Entry int
	// Line is the line of the entry, or of the problem when Entry is 0; 0 when
	// unknown.
	Line int
	// Rule is the entry's "rule", when it has one.
	Rule string
	// Field is the JSON field at fault, or "" when the problem is not one
	// field's.
	Field string
	// Problem says what is wrong, for people.
	Problem string
}

// Error reads "catalog file: entry 3 (line 14, rule \"x\"): severity: ...".
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString("catalog file")
	switch {
	case e.Entry > 0:
		fmt.Fprintf(&b, ": entry %d", e.Entry)
		var where []string
		if e.Line > 0 {
			where = append(where, fmt.Sprintf("line %d", e.Line))
		}
		if e.Rule != "" {
			where = append(where, fmt.Sprintf("rule %q", e.Rule))
		}
		if len(where) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(where, ", "))
		}
	case e.Line > 0:
		fmt.Fprintf(&b, ": line %d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": %s", e.Field)
	}
	fmt.Fprintf(&b, ": %s", e.Problem)
	return b.String()
}

// fileEntry is one entry of a catalog file as written.
type fileEntry struct {
	Rule        string `json:"rule"`
	Manager     string `json:"manager"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
	Link        string `json:"link"`
	Note        string `json:"note"`
}

// Load reads a user's catalog file and returns a catalog of its entries
// alone; layer it over the shipped one with Default().Merge. The file is a
// JSON object:
//
//	{
//	  "version": 1,
//	  "rules": [
//	    {"rule": "required-tags", "severity": "low",
//	     "description": "Resources carry the owner and cost-center tags.",
//	     "link": "https://wiki.example.com/tagging"},
//	    {"rule": "s3-bucket-versioning-enabled", "manager": "security-hub",
//	     "severity": "medium", "note": "Raised: our buckets hold records."}
//	  ]
//	}
//
// Each entry names a base name ("rule") and optionally a manager, and sets at
// least one of severity, description, link and note. Load refuses unknown
// fields, severities outside low, medium, high and critical, managers
// internal/ruleid does not know, links that are not absolute http(s) URLs,
// texts longer than MaxTextLen, two entries for the same rule and manager,
// and files larger than MaxFileBytes. It reports every problem it finds as a
// *FileError naming the entry's position, its line and the field; on any
// problem it returns no catalog, so a caller keeps the shipped one and says
// why.
func Load(r io.Reader) (Catalog, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return Catalog{}, fmt.Errorf("read catalog file: %w", err)
	}
	if len(data) > MaxFileBytes {
		return Catalog{}, &FileError{Problem: fmt.Sprintf("larger than %d bytes", MaxFileBytes)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Catalog{}, &FileError{Problem: "the file is empty"}
	}
	raws, errs := splitFile(data)
	if len(errs) > 0 {
		return Catalog{}, errors.Join(errs...)
	}
	c := Catalog{overrides: make(map[overrideKey]override, len(raws))}
	first := make(map[overrideKey]int, len(raws))
	for i, raw := range raws {
		pos := i + 1
		key, o, entryErrs := parseEntry(raw.data)
		for _, fe := range entryErrs {
			fe.Entry, fe.Line = pos, raw.line
			errs = append(errs, fe)
		}
		if len(entryErrs) > 0 {
			continue
		}
		if prev, dup := first[key]; dup {
			errs = append(errs, &FileError{Entry: pos, Line: raw.line, Rule: key.rule,
				Problem: fmt.Sprintf("same rule and manager as entry %d", prev)})
			continue
		}
		first[key] = pos
		c.overrides[key] = o
	}
	if len(errs) > 0 {
		return Catalog{}, errors.Join(errs...)
	}
	return c, nil
}

// rawEntry is one entry's JSON and the line it starts on.
type rawEntry struct {
	data json.RawMessage
	line int
}

// splitFile checks the document around the entries ("version" and "rules",
// nothing else) and returns each entry's JSON with its line.
func splitFile(data []byte) ([]rawEntry, []error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	docErr := func(err error) []error { return []error{syntaxError(data, dec, err)} }
	if err := expectDelim(dec, '{', "the file must be a JSON object"); err != nil {
		return nil, docErr(err)
	}
	var (
		raws       []rawEntry
		errs       []error
		sawVersion bool
		sawRules   bool
	)
	for dec.More() {
		keyOffset := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil, docErr(err)
		}
		key, _ := tok.(string)
		switch key {
		case "version":
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, docErr(err)
			}
			sawVersion = true
			if string(v) != fmt.Sprint(FileVersion) {
				errs = append(errs, &FileError{Line: lineAt(data, keyOffset), Field: "version",
					Problem: fmt.Sprintf("%s is not a supported version (want the number %d)", v, FileVersion)})
			}
		case "rules":
			if err := expectDelim(dec, '[', `"rules" must be a JSON array of entries`); err != nil {
				return nil, docErr(err)
			}
			sawRules = true
			for dec.More() {
				start := dec.InputOffset()
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return nil, docErr(err)
				}
				raws = append(raws, rawEntry{data: raw, line: lineAt(data, start)})
			}
			if _, err := dec.Token(); err != nil {
				return nil, docErr(err)
			}
		default:
			errs = append(errs, &FileError{Line: lineAt(data, keyOffset),
				Problem: fmt.Sprintf("unknown field %q (the file has \"version\" and \"rules\")", key)})
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, docErr(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, docErr(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, []error{&FileError{Line: lineAt(data, dec.InputOffset()),
			Problem: "unexpected data after the JSON object"}}
	}
	if !sawVersion {
		errs = append(errs, &FileError{Field: "version", Problem: fmt.Sprintf("missing (want \"version\": %d)", FileVersion)})
	}
	if !sawRules {
		errs = append(errs, &FileError{Field: "rules", Problem: "missing (want a list of entries)"})
	}
	return raws, errs
}

// expectDelim reads the next token and checks that it is want.
func expectDelim(dec *json.Decoder, want json.Delim, problem string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return errors.New(problem)
	}
	return nil
}

// syntaxError turns a decoding error of the document into a *FileError with
// the line it happened on.
func syntaxError(data []byte, dec *json.Decoder, err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return &FileError{Line: lineAt(data, int64(len(data))), Problem: "the JSON ends too early"}
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return &FileError{Line: lineAt(data, syn.Offset), Problem: "invalid JSON: " + syn.Error()}
	}
	return &FileError{Line: lineAt(data, dec.InputOffset()), Problem: err.Error()}
}

// lineAt returns the line, from 1, of the first byte at or after offset that
// is not white space or a comma: where the next value starts.
func lineAt(data []byte, offset int64) int {
	i := min(int(offset), len(data))
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r' || data[i] == ',') {
		i++
	}
	return bytes.Count(data[:min(i, len(data))], []byte("\n")) + 1
}

// parseEntry decodes and checks one entry, returning every problem.
func parseEntry(data []byte) (overrideKey, override, []*FileError) {
	var fe fileEntry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fe); err != nil {
		return overrideKey{}, override{}, []*FileError{decodeEntryError(err)}
	}
	var errs []*FileError
	bad := func(field, problem string) {
		errs = append(errs, &FileError{Rule: fe.Rule, Field: field, Problem: problem})
	}
	switch {
	case fe.Rule == "":
		bad("rule", "missing (want the rule identity's base name, e.g. s3-bucket-versioning-enabled)")
	case strings.TrimSpace(fe.Rule) != fe.Rule:
		bad("rule", "has leading or trailing spaces")
	case strings.IndexFunc(fe.Rule, unicode.IsControl) >= 0:
		bad("rule", "has control characters")
	}
	key := overrideKey{rule: fe.Rule}
	if fe.Manager != "" {
		m := ruleid.Manager(fe.Manager)
		if !slices.Contains(ruleid.Managers, m) {
			bad("manager", fmt.Sprintf("%q is not a manager (want one of %s)", fe.Manager, managerList()))
		}
		key.manager = m
	}
	var o override
	if fe.Severity != "" {
		sev, err := ParseSeverity(fe.Severity)
		if err != nil {
			bad("severity", err.Error())
		}
		o.severity = sev
	}
	if fe.Link != "" {
		if err := checkLink(fe.Link); err != nil {
			bad("link", err.Error())
		}
		o.link = fe.Link
	}
	for _, t := range []struct{ field, text string }{{"description", fe.Description}, {"note", fe.Note}} {
		if n := len([]rune(t.text)); n > MaxTextLen {
			bad(t.field, fmt.Sprintf("%d characters, longer than %d", n, MaxTextLen))
		}
	}
	o.description, o.note = fe.Description, fe.Note
	if fe.Severity == "" && fe.Description == "" && fe.Link == "" && fe.Note == "" {
		bad("", "sets nothing (give at least one of severity, description, link, note)")
	}
	return key, o, errs
}

// decodeEntryError names the field encoding/json complains about.
func decodeEntryError(err error) *FileError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return &FileError{Problem: fmt.Sprintf("an entry must be a JSON object, not a JSON %s", typeErr.Value)}
		}
		return &FileError{Field: typeErr.Field, Problem: fmt.Sprintf("got a JSON %s, want a string", typeErr.Value)}
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return &FileError{Field: strings.Trim(field, `"`), Problem: "unknown field (an entry has " + entryFields + ")"}
	}
	return &FileError{Problem: err.Error()}
}

// checkLink accepts absolute http and https URLs.
func checkLink(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http or https URL", s)
	}
	return nil
}

func managerList() string {
	names := make([]string, len(ruleid.Managers))
	for i, m := range ruleid.Managers {
		names[i] = string(m)
	}
	return strings.Join(names, ", ")
}
