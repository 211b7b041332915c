// Package setting is the contract between a Lambda function's configuration
// and the environment variables that carry it: one Go struct per function,
// whose fields' `env` tags name the variables (github.com/caarlos0/env), is
// rendered into its environment by the side that deploys or runs the
// function (the CDK stack, the command-line tool) and parsed back by the
// function at cold start. Names, defaults and list syntax are written once,
// in the struct.
//
// A field may carry a `want` tag that says in words what its variable
// expects; parse errors quote it.
package setting

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// ListSeparator separates the items of a list variable, as the env
// package reads them by default.
const ListSeparator = ","

// SplitList returns the items of a comma-separated list, trimmed, without
// empty ones; nil for a list of none.
func SplitList(s string) []string {
	return Clean(strings.Split(s, ListSeparator))
}

// Clean trims the items of a list and drops empty ones; nil when none is
// left.
func Clean(items []string) []string {
	var out []string
	for _, s := range items {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// FirstDuplicate returns the first value that appears twice in values.
func FirstDuplicate(values []string) (string, bool) {
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if seen[v] {
			return v, true
		}
		seen[v] = true
	}
	return "", false
}

// field is one variable of a configuration struct.
type field struct {
	index int
	name  string
	want  string
}

// fields returns the variables of the struct type t, in field order.
func fields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, field{index: i, name: name, want: f.Tag.Get("want")})
	}
	return out
}

// Names returns the names of the variables T reads, in field order.
func Names[T any]() []string {
	var out []string
	for _, f := range fields(reflect.TypeFor[T]()) {
		out = append(out, f.name)
	}
	return out
}

// Runtime reports whether the Lambda runtime, not the deployment, sets
// the variable name: Lambda reserves AWS_REGION and the other AWS_ and _
// names, and a function's configuration may not set them (AWS Lambda
// Developer Guide, "Defined runtime environment variables").
func Runtime(name string) bool {
	return strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "_")
}

// Defaults returns a T holding the defaults of its `envDefault` tags and
// zero values elsewhere.
func Defaults[T any]() T {
	var t T
	// Required variables are missing here; their errors do not matter: the
	// env package still sets every other field.
	_ = env.ParseWithOptions(&t, env.Options{Environment: map[string]string{}})
	return t
}

// Environment renders cfg, a struct whose fields carry `env` tags, as the
// environment variables that Parse reads back into an equal struct. A
// field equal to its default is left out, so that a deployment sets only
// what it changes; variables the Lambda runtime sets (see Runtime) are
// never rendered. Lists are joined with ListSeparator, durations written
// as Go durations (1h0m0s), numbers in their shortest form.
func Environment[T any](cfg T) map[string]string {
	v, d := reflect.ValueOf(cfg), reflect.ValueOf(Defaults[T]())
	out := map[string]string{}
	for _, f := range fields(v.Type()) {
		value := v.Field(f.index)
		if Runtime(f.name) || reflect.DeepEqual(value.Interface(), d.Field(f.index).Interface()) {
			continue
		}
		out[f.name] = format(value)
	}
	return out
}

// format writes one field's value as its variable's text.
func format(v reflect.Value) string {
	if d, ok := v.Interface().(time.Duration); ok {
		return d.String()
	}
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, 64)
	case reflect.Slice:
		items := make([]string, v.Len())
		for i := range items {
			items[i] = format(v.Index(i))
		}
		return strings.Join(items, ListSeparator)
	}
	panic(fmt.Sprintf("setting: no text form for a %s field", v.Type())) // a programming error, caught by every package's round-trip test
}

// Lookup returns a lookup function over the variables of env.
func Lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}

// Parse reads T's variables through lookup (os.LookupEnv in a function)
// into a T, setting every field it can. Its error, a *ParseError, names
// every variable that could not be read and what it expects; checking the
// values is the caller's (see Check).
func Parse[T any](lookup func(string) (string, bool)) (T, error) {
	var t T
	fs := fields(reflect.TypeFor[T]())
	environ := map[string]string{}
	for _, f := range fs {
		if v, ok := lookup(f.name); ok {
			environ[f.name] = v
		}
	}
	if err := env.ParseWithOptions(&t, env.Options{Environment: environ}); err != nil {
		return t, explain(err, fs, reflect.TypeFor[T]())
	}
	return t, nil
}

// ParseError is Parse's error: the variables that could not be read.
type ParseError struct {
	// Vars are the variables the errors are about.
	Vars map[string]bool
	// Errs say, for each, what is wrong and what it expects.
	Errs []error
}

// Error lists the errors, one per line.
func (e *ParseError) Error() string { return errors.Join(e.Errs...).Error() }

// Unwrap returns the errors.
func (e *ParseError) Unwrap() []error { return e.Errs }

// Check joins the error of Parse and the error of validating what it read,
// whose errors each start with their variable's name ("REGIONS: …"),
// leaving out those about a variable that could not be read: one message
// that names every variable wrong at once, each once.
func Check(parseErr, validateErr error) error {
	var pe *ParseError
	if !errors.As(parseErr, &pe) {
		return errors.Join(parseErr, validateErr)
	}
	errs := append([]error(nil), pe.Errs...)
	for _, e := range unjoin(validateErr) {
		name, _, _ := strings.Cut(e.Error(), ":")
		if name, _, _ = strings.Cut(name, " "); !pe.Vars[name] {
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

// unjoin returns the errors err joins, or err itself.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}

// explain rewrites the env package's errors, which name Go fields, to
// name the variable and say what it expects.
func explain(err error, fs []field, t reflect.Type) error {
	want := map[string]string{}
	byField := map[string]string{}
	for _, f := range fs {
		want[f.name] = f.want
		byField[t.Field(f.index).Name] = f.name
	}
	expects := func(name string) string {
		if w := want[name]; w != "" {
			return "; want " + w
		}
		return ""
	}
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	pe := &ParseError{Vars: map[string]bool{}}
	for _, e := range agg.Errors {
		var (
			parse env.ParseError
			unset env.VarIsNotSetError
			empty env.EmptyVarError
		)
		switch {
		case errors.As(e, &parse):
			name := byField[parse.Name]
			pe.Vars[name] = true
			pe.Errs = append(pe.Errs, fmt.Errorf("%s: cannot read it%s: %w", name, expects(name), parse.Err))
		case errors.As(e, &unset):
			pe.Vars[unset.Key] = true
			pe.Errs = append(pe.Errs, fmt.Errorf("%s is not set%s", unset.Key, expects(unset.Key)))
		case errors.As(e, &empty):
			pe.Vars[empty.Key] = true
			pe.Errs = append(pe.Errs, fmt.Errorf("%s is empty%s", empty.Key, expects(empty.Key)))
		default:
			pe.Errs = append(pe.Errs, errors.New(strings.TrimPrefix(e.Error(), "env: ")))
		}
	}
	return pe
}
