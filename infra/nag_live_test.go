package main

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

func TestNagIsLive(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("Bare"), nil)
	awss3.NewBucket(stack, jsii.String("Bucket"), nil)
	addNagChecks(app)
	errs := assertions.Annotations_FromStack(stack).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*")))
	for _, m := range *errs {
		//lint:ignore SA1019 the Go binding's SynthesisMessage has no other way to its Id and Entry
		t.Logf("%s: %v", *m.Id, m.Entry.Data)
	}
	if len(*errs) == 0 {
		t.Error("cdk-nag reported nothing on a bucket without logging or TLS enforcement")
	}
}
