package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// addNagChecks runs cdk-nag's AwsSolutions pack over every stack of scope.
// With it, synth fails on any finding not suppressed with a reason.
func addNagChecks(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// suppression is one cdk-nag finding accepted on purpose, with why.
type suppression struct {
	id     string
	reason string
	// appliesTo limits the suppression to these findings (for IAM5, the
	// exact wildcard action or resource); a value starting with "/" is an
	// ECMA-262 regular expression.
	appliesTo []string
}

// suppress records suppressions on c and its children.
func suppress(c constructs.IConstruct, ss ...suppression) {
	out := make([]*cdknag.NagPackSuppression, 0, len(ss))
	for _, s := range ss {
		p := &cdknag.NagPackSuppression{Id: jsii.String(s.id), Reason: jsii.String(s.reason)}
		if len(s.appliesTo) > 0 {
			applies := make([]any, 0, len(s.appliesTo))
			for _, a := range s.appliesTo {
				if len(a) > 1 && a[0] == '/' {
					applies = append(applies, &cdknag.RegexAppliesTo{Regex: jsii.String(a)})
				} else {
					applies = append(applies, a)
				}
			}
			p.AppliesTo = &applies
		}
		out = append(out, p)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &out, jsii.Bool(true))
}
