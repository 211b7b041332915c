package statemachine_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/config-report/config-report/statemachine"
)

// aslValidator returns the path of the pinned asl-validator CLI under the
// module's node_modules. It skips the test when the tools are not installed,
// except in CI (env CI set), where they must be.
func aslValidator(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
	bin := filepath.Join(dir, "node_modules", ".bin", "asl-validator")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("asl-validator is not installed (%v); run `npm ci` in the repository root", err)
		}
		t.Skipf("asl-validator is not installed (%v); run `npm ci` in the repository root to validate the definition", err)
	}
	return bin
}

// validate runs asl-validator on def and returns its combined output and
// whether it accepted the definition.
func validate(t *testing.T, bin string, def []byte) (string, bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "definition.asl.json")
	if err := os.WriteFile(path, def, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(t.Context(), bin, "--json-path", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), true
	case errors.As(err, &exit):
		return out.String(), false
	default:
		t.Fatalf("run asl-validator: %v\n%s", err, out.String())
		return "", false
	}
}

func TestASLValidatorAcceptsRenderedDefinition(t *testing.T) {
	bin := aslValidator(t)
	def, err := statemachine.Render(validParams())
	if err != nil {
		t.Fatalf("Render() error = %v", err)
	}
	if out, ok := validate(t, bin, def); !ok {
		t.Errorf("asl-validator rejected the rendered definition:\n%s", out)
	}
}

func TestASLValidatorRejectsBrokenDefinitions(t *testing.T) {
	// These prove the validator really checks what the render produces.
	bin := aslValidator(t)
	def, err := statemachine.Render(validParams())
	if err != nil {
		t.Fatalf("Render() error = %v", err)
	}
	tests := []struct {
		name     string
		old, new string
	}{
		{"MaxConcurrency as a string", `"MaxConcurrency": 40`, `"MaxConcurrency": "40"`},
		{"unknown processor mode", `"Mode": "DISTRIBUTED"`, `"Mode": "PARALLEL"`},
		{"missing transition target", `"Next": "BuildReport"`, `"Next": "BuildTheReport"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Contains(def, []byte(tt.old)) {
				t.Fatalf("rendered definition has no %s", tt.old)
			}
			broken := bytes.Replace(def, []byte(tt.old), []byte(tt.new), 1)
			if out, ok := validate(t, bin, broken); ok {
				t.Errorf("asl-validator accepted a definition with %s:\n%s", tt.name, strings.TrimSpace(out))
			}
		})
	}
}
