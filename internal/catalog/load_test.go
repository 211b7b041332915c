package catalog

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// TestLoadErrors: every problem in a catalog file is reported with the
// entry's position, its line and the field, and no catalog is returned.
func TestLoadErrors(t *testing.T) {
	// fe is a wanted FileError; problem is a part of its Problem.
	type fe struct {
		entry, line   int
		rule, field   string
		problemSubstr string
	}
	tests := []struct {
		name string
		file string
		want []fe
	}{
		{"empty", "  \n", []fe{{problemSubstr: "the file is empty"}}},
		{"not an object", `[]`, []fe{{line: 1, problemSubstr: "must be a JSON object"}}},
		{"truncated", "{\n  \"version\": 1,\n  \"rules\": [", []fe{{line: 3, problemSubstr: "ends too early"}}},
		{"syntax error", "{\n  \"version\": 1,\n  \"rules\": [}\n}", []fe{{line: 3, problemSubstr: "invalid JSON"}}},
		{"data after the object", "{\"version\": 1, \"rules\": []}\n{}", []fe{{line: 2, problemSubstr: "after the JSON object"}}},
		{"missing version and rules", `{}`, []fe{
			{field: "version", problemSubstr: "missing"},
			{field: "rules", problemSubstr: "missing"},
		}},
		{"unsupported version", "{\n  \"version\": 2,\n  \"rules\": []\n}", []fe{{line: 2, field: "version", problemSubstr: "2 is not a supported version"}}},
		{"version as a string", `{"version": "1", "rules": []}`, []fe{{line: 1, field: "version", problemSubstr: "want the number 1"}}},
		{"unknown top-level field", "{\n  \"version\": 1,\n  \"entries\": [],\n  \"rules\": []\n}", []fe{{line: 3, problemSubstr: `unknown field "entries"`}}},
		{"rules not a list", `{"version": 1, "rules": {}}`, []fe{{line: 1, problemSubstr: `"rules" must be a JSON array`}}},
		{"unknown entry field", "{\"version\": 1, \"rules\": [\n  {\"rule\": \"a\", \"sevrity\": \"low\"}\n]}",
			[]fe{{entry: 1, line: 2, field: "sevrity", problemSubstr: "unknown field"}}},
		{"severity outside the set", "{\"version\": 1, \"rules\": [\n  {\"rule\": \"a\", \"severity\": \"low\"},\n  {\"rule\": \"b\", \"severity\": \"urgent\"}\n]}",
			[]fe{{entry: 2, line: 3, rule: "b", field: "severity", problemSubstr: `"urgent" is not a severity`}}},
		{"severity in capitals", `{"version": 1, "rules": [{"rule": "a", "severity": "HIGH"}]}`,
			[]fe{{entry: 1, line: 1, rule: "a", field: "severity", problemSubstr: "not a severity"}}},
		{"severity as a number", `{"version": 1, "rules": [{"rule": "a", "severity": 3}]}`,
			[]fe{{entry: 1, line: 1, field: "severity", problemSubstr: "got a JSON number, want a string"}}},
		{"entry not an object", `{"version": 1, "rules": ["a"]}`,
			[]fe{{entry: 1, line: 1, problemSubstr: "must be a JSON object"}}},
		{"missing rule", `{"version": 1, "rules": [{"severity": "low"}]}`,
			[]fe{{entry: 1, line: 1, field: "rule", problemSubstr: "missing"}}},
		{"rule with spaces", `{"version": 1, "rules": [{"rule": " a", "severity": "low"}]}`,
			[]fe{{entry: 1, line: 1, rule: " a", field: "rule", problemSubstr: "spaces"}}},
		{"unknown manager", `{"version": 1, "rules": [{"rule": "a", "manager": "Security Hub", "severity": "low"}]}`,
			[]fe{{entry: 1, line: 1, rule: "a", field: "manager", problemSubstr: "security-hub"}}},
		{"link not a URL", `{"version": 1, "rules": [{"rule": "a", "link": "wiki/tags"}]}`,
			[]fe{{entry: 1, line: 1, rule: "a", field: "link", problemSubstr: "not an absolute http or https URL"}}},
		{"link with another scheme", `{"version": 1, "rules": [{"rule": "a", "link": "ftp://example.com/x"}]}`,
			[]fe{{entry: 1, line: 1, rule: "a", field: "link", problemSubstr: "not an absolute http or https URL"}}},
		{"description too long", `{"version": 1, "rules": [{"rule": "a", "description": "` + strings.Repeat("é", MaxTextLen+1) + `"}]}`,
			[]fe{{entry: 1, line: 1, rule: "a", field: "description", problemSubstr: "longer than 1000"}}},
		{"sets nothing", `{"version": 1, "rules": [{"rule": "a", "manager": "customer"}]}`,
			[]fe{{entry: 1, line: 1, rule: "a", problemSubstr: "sets nothing"}}},
		{"same rule and manager twice", "{\"version\": 1, \"rules\": [\n" +
			"  {\"rule\": \"a\", \"severity\": \"low\"},\n" +
			"  {\"rule\": \"a\", \"manager\": \"customer\", \"severity\": \"low\"},\n" +
			"  {\"rule\": \"a\", \"severity\": \"high\"}\n]}",
			[]fe{{entry: 3, line: 4, rule: "a", problemSubstr: "same rule and manager as entry 1"}}},
		{"every problem reported", "{\"version\": 1, \"rules\": [\n" +
			"  {\"rule\": \"a\", \"severity\": \"urgent\", \"link\": \"x\"},\n" +
			"  {\"rule\": \"b\", \"severity\": \"low\"},\n" +
			"  {\"rule\": \"c\", \"colour\": \"red\"}\n]}",
			[]fe{
				{entry: 1, line: 2, rule: "a", field: "severity", problemSubstr: "not a severity"},
				{entry: 1, line: 2, rule: "a", field: "link", problemSubstr: "not an absolute"},
				{entry: 3, line: 4, field: "colour", problemSubstr: "unknown field"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(strings.NewReader(tt.file))
			if err == nil {
				t.Fatalf("Load(%q) = nil error, want %d problems", tt.file, len(tt.want))
			}
			if c.overrides != nil || c.rules != nil {
				t.Errorf("Load(%q) returned a catalog with an error", tt.file)
			}
			var got []fe
			for _, e := range flatten(err) {
				var f *FileError
				if !errors.As(e, &f) {
					t.Fatalf("Load(%q): %v is not a *FileError", tt.file, e)
				}
				got = append(got, fe{f.Entry, f.Line, f.Rule, f.Field, f.Problem})
			}
			if len(got) == len(tt.want) {
				for i := range got {
					if strings.Contains(got[i].problemSubstr, tt.want[i].problemSubstr) {
						got[i].problemSubstr = tt.want[i].problemSubstr
					}
				}
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(fe{})); diff != "" {
				t.Errorf("Load(%q) problems mismatch (-want +got):\n%s\nerror: %v", tt.file, diff, err)
			}
		})
	}
}

// flatten returns the errors errors.Join joined, or err alone.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func TestLoadTooLarge(t *testing.T) {
	file := `{"version": 1, "rules": [], "pad": "` + strings.Repeat("x", MaxFileBytes) + `"}`
	_, err := Load(strings.NewReader(file))
	var f *FileError
	if !errors.As(err, &f) || !strings.Contains(f.Problem, "larger than") {
		t.Errorf("Load(%d bytes) = %v, want a FileError saying it is too large", len(file), err)
	}
}

func TestLoadReadError(t *testing.T) {
	_, err := Load(iotest.ErrReader(errors.New("boom")))
	if err == nil || !strings.Contains(err.Error(), "read catalog file: boom") {
		t.Errorf("Load(failing reader) = %v, want the read error", err)
	}
}

func TestFileErrorMessage(t *testing.T) {
	tests := []struct {
		err  FileError
		want string
	}{
		{FileError{Entry: 2, Line: 5, Rule: "b", Field: "severity", Problem: `"urgent" is not a severity (want low, medium, high or critical)`},
			`catalog file: entry 2 (line 5, rule "b"): severity: "urgent" is not a severity (want low, medium, high or critical)`},
		{FileError{Entry: 1, Line: 3, Field: "colour", Problem: "unknown field"},
			`catalog file: entry 1 (line 3): colour: unknown field`},
		{FileError{Line: 2, Field: "version", Problem: "2 is not a supported version (want the number 1)"},
			`catalog file: line 2: version: 2 is not a supported version (want the number 1)`},
		{FileError{Problem: "the file is empty"}, `catalog file: the file is empty`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("FileError%+v.Error() = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestLoadValid(t *testing.T) {
	c, err := Load(strings.NewReader(`{
	  "version": 1,
	  "rules": [
	    {"rule": "a", "severity": "low"},
	    {"rule": "a", "manager": "security-hub", "severity": "critical"},
	    {"rule": "b", "manager": "control-tower", "description": "Checks b.", "link": "http://intranet.example/b", "note": "ours"}
	  ]
	}`))
	if err != nil {
		t.Fatalf("Load = %v", err)
	}
	want := map[overrideKey]override{
		{rule: "a"}:                           {severity: Low},
		{rule: "a", manager: "security-hub"}:  {severity: Critical},
		{rule: "b", manager: "control-tower"}: {description: "Checks b.", link: "http://intranet.example/b", note: "ours"},
	}
	if diff := cmp.Diff(want, c.overrides, cmp.AllowUnexported(overrideKey{}, override{})); diff != "" {
		t.Errorf("Load overrides mismatch (-want +got):\n%s", diff)
	}
	// An empty list is a valid file that changes nothing.
	if _, err := Load(strings.NewReader(`{"version": 1, "rules": []}`)); err != nil {
		t.Errorf("Load(empty list) = %v", err)
	}
}
