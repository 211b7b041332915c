// Command config-report runs the config-report pipeline from a workstation:
// on a simulated organization (demo), against real AWS with the user's
// credentials (run), to re-run a deployed state machine's failed accounts
// (rerun), or to rebuild a run's report from its shards (report); and it
// checks a deployment before its first run (check).
//
// Usage errors exit with status 2, failures with status 1; both are one line
// on stderr that says what to do.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// command is one subcommand of the tool.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a subcommand may touch of the process: its streams and
// environment, so tests can run commands in-process.
type env struct {
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func commands() []command {
	return []command{
		{name: "demo", summary: "run the whole pipeline on a simulated organization and write the report locally", run: runDemo},
		{name: "run", summary: "run the pipeline against real AWS with your credentials", run: runRun},
		{name: "rerun", summary: "start a state machine execution that re-runs a run's failed accounts", run: runRerun},
		{name: "report", summary: "rebuild a run's report from its shards (local folder or bucket)", run: runReport},
		{name: "check", summary: "check before the first run that a deployment will work (roles, accounts, Config, hub)", run: runCheck},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := mainCode(ctx, os.Args[1:], &env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(code)
}

// mainCode runs the command line args and returns the process exit status.
func mainCode(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, "config-report: no command given (see 'config-report --help')")
		return 2
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			return mainCode(ctx, []string{args[1], "--help"}, e)
		}
		printUsage(e.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(ctx, e, args[1:])
		return exitStatus(e.stderr, name, err)
	}
	fmt.Fprintf(e.stderr, "config-report: unknown command %q (see 'config-report --help')\n", name)
	return 2
}

// exitStatus prints err as one line and returns the exit status it calls for.
func exitStatus(w io.Writer, name string, err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(w, "config-report %s: %s (see 'config-report %s --help')\n", name, oneLine(ue.msg), name)
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(w, "config-report %s: interrupted\n", name)
		return 1
	default:
		fmt.Fprintf(w, "config-report %s: %s\n", name, oneLine(err.Error()))
		return 1
	}
}

// oneLine folds a multi-line message onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `config-report builds the AWS Config compliance report of an AWS Organization.

Usage:
  config-report <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'config-report <command> --help' for a command's flags.
Exit status: 0 success, 1 failure, 2 usage error.
`)
}
