package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binary is the config-report executable TestMain builds once.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "config-report-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "config-report")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build config-report:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
}

// awsFiles writes a shared config and credentials file with one profile,
// "test", holding the given static keys, and returns the environment that
// points the SDK at them (and nowhere else: no IMDS, no user files).
func awsFiles(t *testing.T, region, accessKey, secretKey string) []string {
	t.Helper()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	credFile := filepath.Join(dir, "credentials")
	write := func(name, body string) {
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(cfgFile, fmt.Sprintf("[profile test]\nregion = %s\n", region))
	write(credFile, fmt.Sprintf("[test]\naws_access_key_id = %s\naws_secret_access_key = %s\n", accessKey, secretKey))
	return []string{
		"AWS_CONFIG_FILE=" + cfgFile,
		"AWS_SHARED_CREDENTIALS_FILE=" + credFile,
	}
}

// runBinary runs the built command with args in a clean environment made of
// env alone (plus PATH and a private HOME), and returns what it printed and
// its exit status.
func runBinary(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return runBinaryIn(t, "", env, args...)
}

// runBinaryIn is runBinary in the working directory dir ("" for the test's).
func runBinaryIn(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	home := t.TempDir()
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TMPDIR=" + os.TempDir(),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-credentials"),
	}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		t.Fatalf("run %v: %v", args, err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// wantFailure checks that r is a failure with the given exit status whose
// error is one line, the last on stderr (progress lines may precede it),
// containing every one of want.
func wantFailure(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status = %d, want %d (stderr: %s)", r.code, code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	msg := lines[len(lines)-1]
	errLines := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "config-report") {
			errLines++
		}
	}
	if !strings.HasPrefix(msg, "config-report") || errLines != 1 {
		t.Errorf("stderr = %q, want the error as its one last line", r.stderr)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error = %q, want it to contain %q", msg, w)
		}
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // on stdout
		wantErr  string // on stderr, one line
	}{
		{name: "no command", args: nil, wantCode: 2, wantErr: "no command given"},
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2, wantErr: `unknown command "frobnicate"`},
		{name: "help", args: []string{"--help"}, wantOut: "Commands:"},
		{name: "help command", args: []string{"help", "rerun"}, wantOut: "-state-machine-arn"},
		{name: "rerun help", args: []string{"rerun", "--help"}, wantOut: "Usage: config-report rerun"},
		{name: "demo help", args: []string{"demo", "-h"}, wantOut: "Usage: config-report demo"},
		{name: "run help", args: []string{"run", "--help"}, wantOut: "--org-role-arn string"},
		{name: "report help", args: []string{"report", "--help"}, wantOut: "Usage: config-report report"},
		{name: "rerun bad flag", args: []string{"rerun", "--frob"}, wantCode: 2, wantErr: "flag provided but not defined: -frob"},
		{name: "rerun bad log format", args: []string{"rerun", "--log-format", "xml"}, wantCode: 2, wantErr: "--log-format must be text or json"},
		{name: "rerun no arn", args: []string{"rerun", "--run-id", "2026-11-30T0900Z-abc"}, wantCode: 2, wantErr: "--state-machine-arn is required"},
		{name: "rerun bad arn", args: []string{"rerun", "--state-machine-arn", "arn:aws:lambda:eu-west-1:111122223333:function:x", "--run-id", "2026-11-30T0900Z-abc", "--accounts", "111122223333"}, wantCode: 2, wantErr: "not a Step Functions state machine ARN"},
		{name: "rerun bad run id", args: []string{"rerun", "--state-machine-arn", testSMARN, "--run-id", "last-week", "--accounts", "111122223333"}, wantCode: 2, wantErr: "is not of the form"},
		{name: "rerun both sources", args: []string{"rerun", "--state-machine-arn", testSMARN, "--run-id", "2026-11-30T0900Z-abc", "--failed", "--bucket", "b", "--accounts", "111122223333"}, wantCode: 2, wantErr: "exactly one of --failed and --accounts"},
		{name: "rerun failed without bucket", args: []string{"rerun", "--state-machine-arn", testSMARN, "--run-id", "2026-11-30T0900Z-abc", "--failed"}, wantCode: 2, wantErr: "give --bucket"},
		{name: "rerun bad account", args: []string{"rerun", "--state-machine-arn", testSMARN, "--run-id", "2026-11-30T0900Z-abc", "--accounts", "1234"}, wantCode: 2, wantErr: "is not a 12-digit account ID"},
		{name: "rerun extra argument", args: []string{"rerun", "now"}, wantCode: 2, wantErr: `unexpected argument "now"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBinary(t, nil, tt.args...)
			if tt.wantCode != 0 {
				wantFailure(t, r, tt.wantCode, tt.wantErr, "--help")
				return
			}
			if r.code != 0 || !strings.Contains(r.stdout, tt.wantOut) {
				t.Errorf("config-report %v = status %d, stdout %q; want 0 and %q", tt.args, r.code, r.stdout, tt.wantOut)
			}
		})
	}
}
