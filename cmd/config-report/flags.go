package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/setting"
)

// errHelp is returned by a subcommand after it printed its --help.
var errHelp = errors.New("help requested")

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// flagSet is a subcommand's flags plus the ones every subcommand has.
type flagSet struct {
	*flag.FlagSet
	name      string
	synopsis  string
	out       io.Writer
	logFormat string
	logLevel  string
}

func newFlagSet(e *env, name, synopsis string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), name: name, synopsis: synopsis, out: e.stdout}
	fs.StringVar(&fs.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.StringVar(&fs.logLevel, "log-level", "error", "lowest log level shown: debug, info, warn or error")
	return fs
}

// parse parses args. --help prints the usage on stdout and returns errHelp;
// any mistake returns a usageError of one line.
func (fs *flagSet) parse(args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.printUsage()
		return errHelp
	case err != nil:
		return &usageError{msg: err.Error()}
	case fs.NArg() > 0:
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if fs.logFormat != "text" && fs.logFormat != "json" {
		return usagef("--log-format must be text or json, not %q", fs.logFormat)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(fs.logLevel)); err != nil {
		return usagef("--log-level must be debug, info, warn or error, not %q", fs.logLevel)
	}
	return nil
}

func (fs *flagSet) printUsage() {
	fmt.Fprintf(fs.out, "Usage: config-report %s [flags]\n\n%s\n\nFlags:\n", fs.name, fs.synopsis)
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		line += "\n    \t" + strings.ReplaceAll(usage, "\n", "\n    \t")
		switch {
		case f.DefValue == "" || f.DefValue == "false" || f.DefValue == "0" || f.DefValue == "0s":
		case kind == "string":
			line += fmt.Sprintf(" (default %q)", f.DefValue)
		default:
			line += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintln(fs.out, line)
	})
}

// isSet reports whether the named flag was given on the command line.
func (fs *flagSet) isSet(name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// logger returns the slog logger the flags ask for, writing to w.
func (fs *flagSet) logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(fs.logLevel)) // validated in parse
	opts := &slog.HandlerOptions{Level: lvl}
	if fs.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// splitList splits a comma-separated flag value, dropping blanks, as the
// functions read their list variables.
func splitList(s string) []string { return setting.SplitList(s) }

// accountList parses a comma-separated list of account IDs.
func accountList(flagName, s string) ([]string, error) {
	ids := splitList(s)
	if len(ids) == 0 {
		return nil, usagef("--%s names no account", flagName)
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if err := awsid.ValidateAccountID(id); err != nil {
			return nil, usagef("--%s: %v", flagName, err)
		}
		if seen[id] {
			return nil, usagef("--%s names %s twice", flagName, id)
		}
		seen[id] = true
	}
	return ids, nil
}
