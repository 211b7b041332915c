package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// goBuild bundles one Lambda function by cross-compiling its package with the
// local Go toolchain: no Docker. It implements awscdk.ILocalBundling.
type goBuild struct {
	// moduleRoot is the directory holding go.mod.
	moduleRoot string
	// pkg is the function's package path relative to moduleRoot, e.g.
	// ./functions/scanaccount.
	pkg string
}

// TryBundle builds the function into outputDir/bootstrap for Lambda's
// provided.al2023 runtime on arm64. It reports false, after printing the
// compiler's output, when the build fails.
func (g *goBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	cmd := exec.Command("go", "build",
		"-tags", "lambda.norpc",
		"-trimpath",
		"-buildvcs=false",
		"-ldflags", "-s -w",
		"-o", filepath.Join(*outputDir, "bootstrap"),
		g.pkg)
	cmd.Dir = g.moduleRoot
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	fmt.Fprintf(os.Stderr, "Bundling %s: GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath\n", g.pkg)
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "go build %s failed: %v\n", g.pkg, err)
		return jsii.Bool(false)
	}
	return jsii.Bool(true)
}

// goFunctionCode returns the Lambda code asset for the Go package
// ./functions/<name>, bundled by goBuild. The asset is hashed by its output:
// a function is redeployed when its binary changes, whichever package of the
// module changed it (the build is reproducible: -trimpath, no VCS stamp).
func goFunctionCode(moduleRoot, name string) awslambda.Code {
	pkg := "./functions/" + name
	return awslambda.Code_FromAsset(jsii.String(moduleRoot), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			Local: &goBuild{moduleRoot: moduleRoot, pkg: pkg},
			// Used only if the local build reports failure: fail with a pointer
			// to the go build output printed above instead of trying Docker.
			// The command names the package, which also keeps CDK from
			// reusing one function's bundle for another: its bundle cache key
			// covers the source path and these options, not the Go bundler.
			Image:   awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/busybox:stable")),
			Command: jsii.Strings("sh", "-c", "echo 'go build "+pkg+" failed; see its output above' >&2; exit 1"),
		},
	})
}

// findModuleRoot returns the nearest directory at or above dir holding go.mod.
func findModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find go.mod: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find go.mod: none at or above %s", dir)
		}
		dir = parent
	}
}
