// Package statemachine holds the config-report workflow's Amazon States
// Language definition and renders it for a deployment.
//
// The definition lives in definition.asl.json, embedded into this package, so
// the CDK app, the local end-to-end tests and the validator all use the same
// bytes. It is a STANDARD workflow in plain JSONPath (no intrinsic functions,
// no JSONata):
//
//	ListAccounts ──► ScanAccounts (Distributed Map over the run's manifest) ──► BuildReport
//
// The Distributed Map runs STANDARD child executions, not EXPRESS ones: an
// EXPRESS child stops after five minutes, and scanning a large account in
// every region (thousands of non-compliant resources, throttled AWS Config
// calls retried with backoff) can take longer than that. STANDARD children
// also keep a per-account execution history in the console, and a failed Map
// Run can be redriven so that only its failed children run again.
//
// The template file is valid JSON. Its placeholders use CloudFormation's
// DefinitionSubstitutions syntax, ${Name}; the numeric ones are written as JSON
// strings ("${MaxConcurrency}") and rendered as bare numbers.
package statemachine

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed definition.asl.json
var template []byte

// Placeholder names used in the definition template.
const (
	ListAccountsFunctionArn    = "ListAccountsFunctionArn"
	ScanAccountFunctionArn     = "ScanAccountFunctionArn"
	BuildReportFunctionArn     = "BuildReportFunctionArn"
	MaxConcurrency             = "MaxConcurrency"
	ToleratedFailurePercentage = "ToleratedFailurePercentage"
)

// DefaultToleratedFailurePercentage is the share of accounts, in whole
// percent, whose scan may fail (after its retries) before the Map Run, and
// so the execution, fails: the deployments' default (infra) and the CLI's.
const DefaultToleratedFailurePercentage = 5

// ExceedsTolerance reports whether failed of total accounts fail the Map Run:
// ToleratedFailurePercentage is "the maximum percentage of failed items
// before the Map Run fails" (Step Functions API Reference, UpdateMapRun and
// DescribeMapRun), so a share above it fails and a share equal to it does not.
func ExceedsTolerance(failed, total, tolerated int) bool {
	return total > 0 && failed*100 > tolerated*total
}

// MaxConcurrencyLimit is the largest MaxConcurrency a Distributed Map accepts:
// Step Functions runs at most 10,000 child executions of a Map Run at once.
const MaxConcurrencyLimit = 10000

// placeholderPattern matches a ${Name} placeholder as CloudFormation's
// DefinitionSubstitutions would substitute it.
var placeholderPattern = regexp.MustCompile(`\$\{[A-Za-z0-9_]+\}`)

// functionARNPattern matches an unqualified or qualified Lambda function ARN in
// any partition.
var functionARNPattern = regexp.MustCompile(
	`^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$`)

// Template returns a copy of the definition template exactly as embedded,
// placeholders included.
func Template() []byte {
	return append([]byte(nil), template...)
}

// Params are the values that differ between deployments.
type Params struct {
	// ListAccountsFunctionArn is the ARN of the ListAccounts Lambda function.
	ListAccountsFunctionArn string
	// ScanAccountFunctionArn is the ARN of the ScanAccount Lambda function.
	ScanAccountFunctionArn string
	// BuildReportFunctionArn is the ARN of the BuildReport Lambda function.
	BuildReportFunctionArn string
	// MaxConcurrency bounds the Distributed Map's concurrent child executions
	// (1 to MaxConcurrencyLimit).
	MaxConcurrency int
	// ToleratedFailurePercentage is the share of failed accounts, in whole
	// percent (0 to 100), above which the Map, and so the execution, fails.
	ToleratedFailurePercentage int
}

// functions returns the function ARN placeholders and their values, in the
// order the definition uses them.
func (p Params) functions() [][2]string {
	return [][2]string{
		{ListAccountsFunctionArn, p.ListAccountsFunctionArn},
		{ScanAccountFunctionArn, p.ScanAccountFunctionArn},
		{BuildReportFunctionArn, p.BuildReportFunctionArn},
	}
}

// validateSettings checks the numeric parameters.
func (p Params) validateSettings() error {
	var errs []error
	if p.MaxConcurrency < 1 || p.MaxConcurrency > MaxConcurrencyLimit {
		errs = append(errs, fmt.Errorf("%s = %d, want 1 to %d", MaxConcurrency, p.MaxConcurrency, MaxConcurrencyLimit))
	}
	if p.ToleratedFailurePercentage < 0 || p.ToleratedFailurePercentage > 100 {
		errs = append(errs, fmt.Errorf("%s = %d, want 0 to 100", ToleratedFailurePercentage, p.ToleratedFailurePercentage))
	}
	return errors.Join(errs...)
}

// Validate reports every parameter that is missing or invalid: the numbers
// must be in range and each function ARN must be a Lambda function ARN.
func (p Params) Validate() error {
	errs := []error{p.validateSettings()}
	for _, f := range p.functions() {
		switch {
		case f[1] == "":
			errs = append(errs, fmt.Errorf("%s is empty, want a Lambda function ARN", f[0]))
		case !functionARNPattern.MatchString(f[1]):
			errs = append(errs, fmt.Errorf("%s = %q, want a Lambda function ARN (arn:<partition>:lambda:<region>:<account>:function:<name>)", f[0], f[1]))
		}
	}
	return errors.Join(errs...)
}

// Render returns the definition with every placeholder replaced by p's values.
// It fails, naming the parameter, when a value is missing or invalid, and when
// the result still holds a placeholder or is not valid JSON.
func Render(p Params) ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("render state machine definition: %w", err)
	}
	cf, err := renderCloudFormation(p)
	if err != nil {
		return nil, fmt.Errorf("render state machine definition: %w", err)
	}
	out, err := Substitute(cf.DefinitionString, cf.Substitutions)
	if err != nil {
		return nil, fmt.Errorf("render state machine definition: %w", err)
	}
	return out, nil
}

// CloudFormation is the definition in the form an AWS::StepFunctions::StateMachine
// resource takes it: the numeric settings rendered into DefinitionString, the
// function ARNs left as ${Name} placeholders that CloudFormation replaces from
// DefinitionSubstitutions at deploy time (so they can be references to
// functions created in the same stack).
type CloudFormation struct {
	// DefinitionString is the definition with only the function ARN
	// placeholders left in it.
	DefinitionString string
	// Substitutions maps each remaining placeholder name to its value.
	Substitutions map[string]string
}

// ForCloudFormation renders p's numeric settings into the definition and
// returns the function ARNs as DefinitionSubstitutions. The ARNs are only
// checked for presence: in a CDK app they are unresolved tokens. Substitute
// applied to the result gives the same bytes as Render.
func ForCloudFormation(p Params) (CloudFormation, error) {
	var errs []error
	for _, f := range p.functions() {
		if f[1] == "" {
			errs = append(errs, fmt.Errorf("%s is empty, want a Lambda function ARN", f[0]))
		}
	}
	errs = append(errs, p.validateSettings())
	if err := errors.Join(errs...); err != nil {
		return CloudFormation{}, fmt.Errorf("render state machine definition: %w", err)
	}
	cf, err := renderCloudFormation(p)
	if err != nil {
		return CloudFormation{}, fmt.Errorf("render state machine definition: %w", err)
	}
	return cf, nil
}

// renderCloudFormation replaces the numeric placeholders (written as JSON
// strings in the template) with bare numbers.
func renderCloudFormation(p Params) (CloudFormation, error) {
	def := string(template)
	numbers := [][2]string{
		{MaxConcurrency, strconv.Itoa(p.MaxConcurrency)},
		{ToleratedFailurePercentage, strconv.Itoa(p.ToleratedFailurePercentage)},
	}
	for _, n := range numbers {
		quoted := `"${` + n[0] + `}"`
		if !strings.Contains(def, quoted) {
			return CloudFormation{}, fmt.Errorf("template has no %s placeholder", quoted)
		}
		def = strings.ReplaceAll(def, quoted, n[1])
	}
	subs := make(map[string]string, 3)
	for _, f := range p.functions() {
		if !strings.Contains(def, "${"+f[0]+"}") {
			return CloudFormation{}, fmt.Errorf("template has no ${%s} placeholder", f[0])
		}
		subs[f[0]] = f[1]
	}
	return CloudFormation{DefinitionString: def, Substitutions: subs}, nil
}

// Substitute replaces each ${Name} in definition with values[Name], as
// CloudFormation's DefinitionSubstitutions does, escaping each value for use
// inside a JSON string. It fails if a placeholder has no value, if a value has
// no placeholder, or if the result is not valid JSON.
func Substitute(definition string, values map[string]string) ([]byte, error) {
	used := make(map[string]bool, len(values))
	var missing []string
	out := placeholderPattern.ReplaceAllStringFunc(definition, func(token string) string {
		name := token[2 : len(token)-1]
		v, ok := values[name]
		if !ok {
			missing = append(missing, token)
			return token
		}
		used[name] = true
		escaped, _ := json.Marshal(v) // a string always marshals
		return string(escaped[1 : len(escaped)-1])
	})
	if len(missing) > 0 {
		return nil, fmt.Errorf("substitute: placeholders left without a value: %s", strings.Join(missing, ", "))
	}
	var unused []string
	for name := range values {
		if !used[name] {
			unused = append(unused, "${"+name+"}")
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		return nil, fmt.Errorf("substitute: the definition has no placeholder %s", strings.Join(unused, ", "))
	}
	if !json.Valid([]byte(out)) {
		return nil, errors.New("substitute: the result is not valid JSON")
	}
	return []byte(out), nil
}
