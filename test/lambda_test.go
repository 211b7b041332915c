package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The functions built from ./functions, named as their folders.
const (
	listAccounts = "listaccounts"
	scanAccount  = "scanaccount"
	buildReport  = "buildreport"
)

// builds holds the functions built once per test binary; TestMain removes
// the folder.
var builds struct {
	once sync.Once
	dir  string
	err  error
}

// TestMain removes what the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if builds.dir != "" {
		if err := os.RemoveAll(builds.dir); err != nil {
			fmt.Fprintf(os.Stderr, "remove built functions: %v\n", err)
		}
	}
	os.Exit(code)
}

// buildFunctions builds the three functions on first use and returns the
// folder holding the binaries, named as the functions. They are built for
// the host, with the deployment's lambda.norpc tag (Runtime API only) but
// without its -trimpath and CGO_ENABLED=0, which would recompile every
// dependency instead of reusing what go test just compiled.
func buildFunctions(t *testing.T) string {
	t.Helper()
	builds.once.Do(func() {
		start := time.Now()
		defer func() { t.Logf("built the Lambda functions in %s", time.Since(start).Round(time.Millisecond)) }()
		builds.dir, builds.err = os.MkdirTemp("", "config-report-e2e-")
		if builds.err != nil {
			return
		}
		root, err := moduleRoot()
		if err != nil {
			builds.err = err
			return
		}
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", builds.dir+string(filepath.Separator),
			"./functions/"+listAccounts, "./functions/"+scanAccount, "./functions/"+buildReport)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			builds.err = fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, out)
		}
	})
	if builds.err != nil {
		t.Fatalf("build the Lambda functions: %v", builds.err)
	}
	return builds.dir
}

// moduleRoot returns the folder of go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("go env GOMOD: not in a module")
	}
	return filepath.Dir(gomod), nil
}

// lambdaFunction is a function created in kumo and the processes serving it.
type lambdaFunction struct {
	// Name is the function's name in kumo.
	Name string
	// ARN is the function's ARN in kumo.
	ARN   string
	procs []*lambdaProcess
	// dead is closed when any of the processes exits.
	dead     chan struct{}
	deadOnce sync.Once
}

// lambdaProcess is one execution environment of a function: the built
// binary polling kumo's Lambda Runtime API.
type lambdaProcess struct {
	cmd    *exec.Cmd
	log    *syncBuffer
	exited chan struct{}
	err    error // set when exited is closed
}

// syncBuffer is a bytes.Buffer safe for the process's two output streams.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// functionSpec says how to run a function.
type functionSpec struct {
	// Binary is the built function's name in the build folder.
	Binary string
	// Env is the function's environment (KEY=value), added to the Lambda
	// runtime's own variables.
	Env []string
	// Processes is the number of execution environments, the function's
	// concurrency (at least one).
	Processes int
	// Timeout is the function's timeout.
	Timeout time.Duration
}

// startFunction creates a function in kumo, named after the test, and
// starts its processes; it returns once each of them polls kumo for work.
// The processes are killed when the test ends, and their output is logged
// if it failed.
func (k *kumoEnv) startFunction(t *testing.T, ctx context.Context, name string, spec functionSpec) *lambdaFunction {
	t.Helper()
	bin := filepath.Join(buildFunctions(t), spec.Binary)
	arn, err := k.createFunction(ctx, name, spec.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	fn := &lambdaFunction{Name: name, ARN: arn, dead: make(chan struct{})}
	home := t.TempDir()
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(k.URL, "http://") + "/_runtime/" + name,
		"AWS_LAMBDA_FUNCTION_NAME=" + name,
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
		"AWS_LAMBDA_LOG_FORMAT=JSON",
		// Nothing from the developer's AWS setup may leak in.
		"HOME=" + home,
		"TMPDIR=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	env = append(env, spec.Env...)
	for i := range max(spec.Processes, 1) {
		p := &lambdaProcess{cmd: exec.Command(bin), log: &syncBuffer{}, exited: make(chan struct{})}
		p.cmd.Env = env
		p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
		if err := p.cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", spec.Binary, err)
		}
		go func() {
			p.err = p.cmd.Wait()
			close(p.exited)
			fn.deadOnce.Do(func() { close(fn.dead) })
		}()
		fn.procs = append(fn.procs, p)
		t.Cleanup(func() {
			if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
				t.Errorf("kill %s process %d: %v", name, i, err)
			}
			<-p.exited
			if t.Failed() {
				t.Logf("%s process %d output:\n%s", name, i, tail(p.log.String(), 3<<10))
			}
		})
	}
	ready := make(chan error, 1)
	go func() { ready <- k.waitPolls(ctx, name, len(fn.procs)) }()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-fn.dead:
		t.Fatalf("%s exited at start-up: %v", name, fn.exitError())
	}
	return fn
}

// exitError describes the processes that have exited.
func (fn *lambdaFunction) exitError() error {
	var b strings.Builder
	for i, p := range fn.procs {
		select {
		case <-p.exited:
			fmt.Fprintf(&b, "\nprocess %d: %v\n%s", i, p.err, tail(p.log.String(), 4<<10))
		default:
		}
	}
	return fmt.Errorf("%s", b.String())
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
