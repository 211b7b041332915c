package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// cdkContext returns a fresh copy of cdk.json's context.
func cdkContext(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatalf("read cdk.json: %v", err)
	}
	var doc struct {
		App     string         `json:"app"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("parse cdk.json: %v", err)
	}
	return doc.Context
}

// environmentNames returns the environments cdk.json defines.
func environmentNames(t *testing.T) []string {
	t.Helper()
	envs, _ := cdkContext(t)[EnvironmentsContextKey].(map[string]any)
	names := make([]string, 0, len(envs))
	for n := range envs {
		names = append(names, n)
	}
	if len(names) == 0 {
		t.Fatal("cdk.json defines no environments")
	}
	return names
}

// synthApp builds the app for env from cdk.json's context, with modify
// applied to that environment's settings, without bundling the functions.
func synthApp(t *testing.T, env string, modify func(settings map[string]any)) (*Stacks, error) {
	t.Helper()
	ctx := cdkContext(t)
	if modify != nil {
		settings, _ := ctx[EnvironmentsContextKey].(map[string]any)[env].(map[string]any)
		modify(settings)
	}
	ctx[EnvContextKey] = env
	ctx["aws:cdk:bundling-stacks"] = []any{}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
	return build(app, ".")
}

// mustSynthApp is synthApp failing the test on error.
func mustSynthApp(t *testing.T, env string, modify func(settings map[string]any)) *Stacks {
	t.Helper()
	s, err := synthApp(t, env, modify)
	if err != nil {
		t.Fatalf("build(%s) error = %v", env, err)
	}
	return s
}
