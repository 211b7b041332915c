package scan_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
)

// configCall is an AWS Config request as the proxy sees it.
type configCall struct {
	op     string         // e.g. "GetComplianceDetailsByConfigRule"
	region string         // from the request's SigV4 credential scope
	in     map[string]any // the decoded request body
}

// configProxy passes every request on to the simulator, after showing each
// AWS Config request to intercept, which may answer it itself (and return
// true) or change the organization before the simulator answers.
func configProxy(t testing.TB, intercept func(w http.ResponseWriter, c configCall) bool) func(http.Handler) http.Handler {
	return func(sim http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "StarlingDoveService.")
			if !ok {
				sim.ServeHTTP(w, r)
				return
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				// A client that gave up on the call mid-body (a sibling
				// call's failure cancelled it) is not a fault.
				if r.Context().Err() != nil || errors.Is(err, io.ErrUnexpectedEOF) {
					return
				}
				t.Errorf("proxy: read request: %v", err)
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			c := configCall{op: op, region: scopeRegion(r)}
			if err := json.Unmarshal(body, &c.in); err != nil {
				t.Errorf("proxy: decode %s request: %v", op, err)
			}
			if !intercept(w, c) {
				sim.ServeHTTP(w, r)
			}
		})
	}
}

// scopeRegion returns the region of a request's SigV4 credential scope
// (Credential=<key>/<date>/<region>/<service>/aws4_request).
func scopeRegion(r *http.Request) string {
	_, cred, _ := strings.Cut(r.Header.Get("Authorization"), "Credential=")
	if parts := strings.Split(cred, "/"); len(parts) > 2 {
		return parts[2]
	}
	return ""
}

// writeConfigError answers as AWS Config does with a modeled error (JSON 1.1).
func writeConfigError(w http.ResponseWriter, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", "00000000-0000-4000-8000-000000000000")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message})
}

// TestRuleDeletedDuringScan deletes a NON_COMPLIANT rule after the scanner
// listed it, between two pages of its details, as a conformance pack update
// does: the simulator then answers NoSuchConfigRuleException. The scan must
// succeed and leave the rule and all its resources out, so that the shard
// is the organization as it is after the deletion.
func TestRuleDeletedDuringScan(t *testing.T) {
	spec := faultSpec(41)
	spec.RulesPerRegion = 20 // one page of compliance, listed before any detail call
	spec.SecurityHubControls, spec.OrganizationRules, spec.ControlTowerControls, spec.ProactiveRules = -1, -1, -1, -1
	const region = "eu-west-1"
	var (
		org     *orgsim.Org
		id      string
		rule    string
		deleted atomic.Bool
	)
	e := newEnvThrough(t, spec, configProxy(t, func(w http.ResponseWriter, c configCall) bool {
		if c.op == "GetComplianceDetailsByConfigRule" && c.region == region && c.in["ConfigRuleName"] == rule &&
			c.in["NextToken"] != nil && deleted.CompareAndSwap(false, true) {
			if err := org.UpdateRegionConfig(id, region, func(rc *orgsim.RegionConfig) {
				rc.Rules = slices.DeleteFunc(rc.Rules, func(r orgsim.Rule) bool { return r.Name == rule })
			}); err != nil {
				t.Errorf("proxy: delete rule: %v", err)
			}
		}
		return false
	}))
	org, id = e.org, e.member(t)

	// The rule gets two pages of non-compliant resources; it disappears
	// when the scanner asks for the second.
	rc := org.Account(id).RegionConfig(region)
	i := slices.IndexFunc(rc.Rules, func(r orgsim.Rule) bool { return r.Compliance == orgsim.NonCompliant })
	if i < 0 {
		t.Fatalf("%s/%s has no NON_COMPLIANT rule", id, region)
	}
	rule = rc.Rules[i].Name
	update(t, org.UpdateRegionConfig(id, region, func(rc *orgsim.RegionConfig) {
		for n := len(rc.Rules[i].NonCompliant); n < 150; n++ {
			rc.Rules[i].NonCompliant = append(rc.Rules[i].NonCompliant, orgsim.Resource{
				Type: "AWS::S3::Bucket", ID: fmt.Sprintf("race-bucket-%03d", n), InConfig: true,
			})
		}
	}))

	s := scanAndCheck(t, e, id, false)
	if !deleted.Load() {
		t.Fatalf("the scanner never asked for the second page of %s's details: the race was not exercised", rule)
	}
	for _, r := range s.Regions {
		if r.Region != region {
			continue // a rule of the same name elsewhere is another rule
		}
		if slices.ContainsFunc(r.Rules, func(x run.Rule) bool { return x.Name == rule }) ||
			slices.ContainsFunc(r.NonCompliant, func(x run.Resource) bool { return x.Rule == rule }) {
			t.Errorf("%s: the deleted rule %s or its resources are in the shard", r.Region, rule)
		}
	}
}
