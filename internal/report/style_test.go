package report

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// TestHouseStyle holds the package's own code to two rules of the house
// style that the compiler does not check: a context is passed as the first
// parameter, never kept in a struct, and an error's context comes first with
// %w last.
func TestHouseStyle(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.StructType:
				for _, field := range n.Fields.List {
					if sel, ok := field.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Context" {
						if id, ok := sel.X.(*ast.Ident); ok && id.Name == "context" {
							t.Errorf("%s: a struct keeps a context.Context; pass it as the first parameter", fset.Position(field.Pos()))
						}
					}
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Errorf" || len(n.Args) == 0 {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "fmt" {
					return true
				}
				lit, ok := n.Args[0].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				format, err := strconv.Unquote(lit.Value)
				if err != nil {
					t.Fatal(err)
				}
				if i := strings.Index(format, "%w"); i >= 0 && !strings.HasSuffix(format, "%w") {
					t.Errorf("%s: fmt.Errorf(%q): put the context first and %%w last", fset.Position(lit.Pos()), format)
				}
			}
			return true
		})
	}
}

// TestStatusDoc: summary.json's account status is documented with the values
// the code writes.
func TestStatusDoc(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "summary.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	ast.Inspect(f, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok && ts.Name.Name == "AccountSummary" {
			for _, field := range ts.Type.(*ast.StructType).Fields.List {
				if len(field.Names) == 1 && field.Names[0].Name == "Status" {
					doc = field.Doc.Text()
				}
			}
		}
		return true
	})
	for _, status := range []string{StatusScanned, StatusUnreachable, StatusNotScanned} {
		if !strings.Contains(doc, strconv.Quote(status)) {
			t.Errorf("AccountSummary.Status is documented as %q, which does not name the status %q", doc, status)
		}
	}
}

// TestShardOfAnotherAccount: a shard that holds another account (or another
// run) is reported against the account it was read for, with a reason that
// says what it holds.
func TestShardOfAnotherAccount(t *testing.T) {
	c := runtest.NewS3(t)
	a := account("111111111111", "alpha", "Root", nil)
	b := account("222222222222", "bravo", "Root", nil)
	putRun(t, c, run1, []run.Account{a, b}, scanned(run1, a, region("eu-west-1", nil)))
	// b's shard is a copy of a's.
	putObject(t, c, run.ShardKey(run1, b.ID), string(getObject(t, c, run.ShardKey(run1, a.ID))))

	if _, err := newHandler(t, c).Handle(context.Background(), In{RunID: run1, Bucket: runtest.Bucket}); err != nil {
		t.Fatal(err)
	}
	s, err := DecodeSummary("", getObject(t, c, run.SummaryKey(run1)))
	if err != nil {
		t.Fatal(err)
	}
	got := s.accountIndex()[b.ID]
	want := "unreadable shard: shard of account 222222222222 holds account 111111111111 of run " + run1
	if got.Status != StatusNotScanned || got.Reason != want {
		t.Errorf("account %s = %s, %q; want %s, %q", b.ID, got.Status, got.Reason, StatusNotScanned, want)
	}
}
