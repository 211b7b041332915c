package main

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
)

// writeModule creates a Go module with one function package whose build
// needs the lambda.norpc tag.
func writeModule(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":                   "module example.com/fn\n\ngo 1.26\n",
		"functions/hello/main.go":  "package main\n\nfunc main() { println(greeting) }\n",
		"functions/hello/norpc.go": "//go:build lambda.norpc\n\npackage main\n\nconst greeting = \"built with lambda.norpc\"\n",
	}
	for name, body := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestGoBuildBundlesArm64Bootstrap(t *testing.T) {
	root := writeModule(t)
	out := t.TempDir()
	b := &goBuild{moduleRoot: root, pkg: "./functions/hello"}
	if ok := b.TryBundle(&out, nil); ok == nil || !*ok {
		t.Fatalf("TryBundle() = false, want the function built")
	}
	f, err := elf.Open(filepath.Join(out, "bootstrap"))
	if err != nil {
		t.Fatalf("open bootstrap: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.OSABI != elf.ELFOSABI_NONE || f.Type != elf.ET_EXEC {
		t.Errorf("bootstrap is %v/%v/%v, want a linux arm64 executable", f.Machine, f.OSABI, f.Type)
	}
	if f.Section(".interp") != nil {
		t.Error("bootstrap has an ELF interpreter: want a static (CGO_ENABLED=0) binary")
	}
}

func TestGoBuildReportsFailure(t *testing.T) {
	root := writeModule(t)
	out := t.TempDir()
	b := &goBuild{moduleRoot: root, pkg: "./functions/missing"}
	if ok := b.TryBundle(&out, nil); ok == nil || *ok {
		t.Errorf("TryBundle(missing package) = true, want false")
	}
}

func TestFindModuleRoot(t *testing.T) {
	root := writeModule(t)
	got, err := findModuleRoot(filepath.Join(root, "functions", "hello"))
	if err != nil || got != root {
		t.Errorf("findModuleRoot() = %q, %v, want %q", got, err, root)
	}
	if _, err := findModuleRoot(string(filepath.Separator)); err == nil {
		t.Error("findModuleRoot(/) succeeded, want an error")
	}
}

func TestGoFunctionCodeBundlesEachFunction(t *testing.T) {
	root := writeModule(t)
	other := filepath.Join(root, "functions", "other")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "main.go"), []byte("package main\n\nfunc main() { println(\"the other function\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)}) // bundling on
	stack := awscdk.NewStack(app, jsii.String("Bundled"), nil)
	for _, name := range []string{"hello", "other"} {
		awslambda.NewFunction(stack, jsii.String(name), &awslambda.FunctionProps{
			Runtime: awslambda.Runtime_PROVIDED_AL2023(), Architecture: awslambda.Architecture_ARM_64(),
			Handler: jsii.String("bootstrap"), Code: goFunctionCode(root, name),
		})
	}
	marker := map[string]string{"hello": "built with lambda.norpc", "other": "the other function"}
	seen := map[string]string{}
	fns := templateOf(t, stack).ofType("AWS::Lambda::Function")
	if len(fns) != 2 {
		t.Fatalf("%d functions, want 2", len(fns))
	}
	for id, r := range fns {
		code, _ := r.Properties["Code"].(map[string]any)
		key, _ := code["S3Key"].(string)
		dir := "asset." + strings.TrimSuffix(key, ".zip")
		if prev, ok := seen[dir]; ok {
			t.Errorf("functions %s and %s share asset %s: each must get its own build", prev, id, dir)
		}
		seen[dir] = id
		bin, err := os.ReadFile(filepath.Join(out, dir, "bootstrap"))
		if err != nil {
			t.Errorf("asset of %s: %v", id, err)
			continue
		}
		name := strings.TrimRight(id, "0123456789ABCDEF")
		if !strings.Contains(string(bin), marker[name]) {
			t.Errorf("asset of %s holds another function's build (no %q in its bootstrap)", id, marker[name])
		}
	}
}
