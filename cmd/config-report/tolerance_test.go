package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/pipeline"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
)

// TestToleranceAsTheStateMachine: past the tolerated share of failed
// accounts the command fails, as the Map Run would, naming the most common
// cause in one line; at or under it, it does not.
func TestToleranceAsTheStateMachine(t *testing.T) {
	throttled := func(id string) pipeline.Failure {
		err := &awserr.TransientError{Op: "scan " + id + "/eu-west-1", Action: "config:GetComplianceDetailsByConfigRule",
			Err: &retry.MaxAttemptsError{Attempt: scan.MaxAttempts, Err: &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}}}
		return pipeline.Failure{Account: run.Account{ID: id}, Attempts: 3, Err: err}
	}
	result := func(scanned, failed int) *pipeline.Result {
		res := &pipeline.Result{}
		for range scanned {
			res.Scans = append(res.Scans, scan.Out{})
		}
		for range failed {
			res.Failures = append(res.Failures, throttled("111111111111"))
		}
		res.Failures = append(res.Failures, pipeline.Failure{Account: run.Account{ID: "222222222222"}, Attempts: 3, Err: errors.New("boom")})
		return res
	}
	// 5 of 100 failed: exactly the tolerated 5 %, which does not fail a Map Run.
	if err := toleranceError(result(95, 4), 5); err != nil {
		t.Errorf("5 of 100 failed with 5%% tolerated: %v, want nil", err)
	}
	err := toleranceError(result(20, 459), 5)
	if err == nil {
		t.Fatal("460 of 480 failed with 5% tolerated: nil, want an error")
	}
	for _, want := range []string{"460 of 480 accounts (95.8%)", "tolerated 5%", "would fail at ScanAccounts",
		fmt.Sprintf("459 of them on ThrottlingException from config:GetComplianceDetailsByConfigRule past %d attempts", scan.MaxAttempts)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q is not one line", err)
	}
}

// TestToleratedFlagIsChecked: a percentage out of range is a usage error.
func TestToleratedFlagIsChecked(t *testing.T) {
	for _, cmd := range []string{"demo", "run"} {
		r := runBinary(t, nil, cmd, "--tolerated-failure-percentage", "101")
		if r.code != 2 || !strings.Contains(r.stderr, "--tolerated-failure-percentage must be from 0 to 100") {
			t.Errorf("%s --tolerated-failure-percentage 101: status %d, stderr %q; want 2 and the range", cmd, r.code, r.stderr)
		}
	}
	if r := runBinary(t, nil, "demo", "--throttle", "NaN"); r.code != 2 || !strings.Contains(r.stderr, "--throttle must be from 0 to 0.9") {
		t.Errorf("demo --throttle NaN: status %d, stderr %q; want 2 and the range", r.code, r.stderr)
	}
}

// TestOutCheckedBeforeTheWork: an empty or unwritable --out is refused
// before anything is scanned.
func TestOutCheckedBeforeTheWork(t *testing.T) {
	if r := runBinary(t, nil, "demo", "--out", ""); r.code != 2 || !strings.Contains(r.stderr, "--out must name a folder") {
		t.Errorf(`demo --out "": status %d, stderr %q; want 2`, r.code, r.stderr)
	}
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runBinary(t, nil, "demo", "--out", filepath.Join(file, "report"))
	if r.code != 1 || !strings.Contains(r.stderr, "cannot be created") || strings.Contains(r.stderr, "scanned ") {
		t.Errorf("demo --out under a file: status %d, stderr %q; want 1, refused before scanning", r.code, r.stderr)
	}
}
