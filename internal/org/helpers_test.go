package org_test

import (
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/orgsim"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// testBackoff caps the retryer's waits in tests, so that injected throttling
// costs milliseconds; everything else about the retryer is production's.
const testBackoff = 5 * time.Millisecond

const testBucket = "config-report-test-reports"

// sim is a simulated organization served over HTTP, seen from the hub
// account's lister role, as the ListAccounts function sees AWS.
type sim struct {
	org *orgsim.Org
	srv *orgsim.Server
	aws aws.Config // the lister role's configuration
	s3  *s3.Client
}

func newSim(t testing.TB, spec orgsim.Spec) *sim {
	t.Helper()
	o := orgsim.Generate(spec)
	srv := orgsim.Start(o)
	t.Cleanup(srv.Close)
	cfg := srv.AWSConfig(o.HubRoleARN(orgsim.DefaultListerRoleName), "eu-west-1")
	return &sim{org: o, srv: srv, aws: cfg, s3: runtest.NewBucket(t, cfg, testBucket)}
}

// orgRoleARN is the organization-listing role in the management account.
func (s *sim) orgRoleARN() string {
	return s.org.RoleARN(s.org.ManagementAccountID, orgsim.DefaultOrgRoleName)
}

// client returns the production Organizations client: credentials from
// assuming the org role through STS, the lister's retryer.
func (s *sim) client() org.Client {
	return org.NewClient(s.aws, sts.NewFromConfig(s.aws), org.Role{
		ARN: s.orgRoleARN(), ExternalID: s.org.Spec.ExternalID, SessionName: awsid.SessionName("2026-11-30T0900Z-test"),
	}, org.NewRetryer(0, testBackoff))
}

// config returns a valid function configuration for the simulated
// organization, with the given changes.
func (s *sim) config(change func(*org.Config)) org.Config {
	c := org.Config{Bucket: testBucket, RoleARN: s.orgRoleARN(), ExternalID: s.org.Spec.ExternalID, TagKeys: []string{"owner", "team"}}
	if change != nil {
		change(&c)
	}
	return c
}

// handler returns the function's handler built as main builds it, with the
// test backoff.
func (s *sim) handler(t testing.TB, cfg org.Config) *org.Handler {
	t.Helper()
	h, err := org.NewHandler(cfg, org.Deps{AWS: s.aws, STS: sts.NewFromConfig(s.aws), S3: s.s3, RetryMaxBackoff: testBackoff})
	if err != nil {
		t.Fatalf("NewHandler() error = %v", err)
	}
	return h
}

// keys lists every key in the test bucket.
func (s *sim) keys(t testing.TB) []string {
	t.Helper()
	return runtest.Keys(t, s.s3, testBucket, "")
}

// truth is what the organization's model says a listing should find.
type truth struct {
	accounts []run.Account
	inactive map[string]int
	excluded int
}

// expect computes, from the simulator's model rather than its API, the
// listing for a filter and tag keys.
func expect(o *orgsim.Org, f org.Filter, tagKeys []string) truth {
	path := func(parentID string) string {
		var names []string
		for id := parentID; id != o.RootID; {
			ou := o.OU(id)
			names = append(names, ou.Name)
			id = ou.ParentID
		}
		names = append(names, "Root")
		slices.Reverse(names)
		return strings.Join(names, "/")
	}
	under := func(parentID string, set []string) bool {
		for id := parentID; ; {
			if slices.Contains(set, id) {
				return true
			}
			if id == o.RootID {
				return false
			}
			id = o.OU(id).ParentID
		}
	}
	tr := truth{inactive: map[string]int{}}
	for _, a := range o.Accounts {
		if len(f.IncludeOUs) > 0 && !under(a.ParentID, f.IncludeOUs) || under(a.ParentID, f.ExcludeOUs) {
			continue
		}
		switch {
		case a.State != orgsim.StateActive:
			tr.inactive[string(a.State)]++
		case slices.Contains(f.ExcludeAccounts, a.ID):
			tr.excluded++
		default:
			acct := run.Account{ID: a.ID, Name: a.Name, Email: a.Email, OUPath: path(a.ParentID)}
			for _, k := range tagKeys {
				if v, ok := a.Tags[k]; ok {
					if acct.Tags == nil {
						acct.Tags = map[string]string{}
					}
					acct.Tags[k] = v
				}
			}
			tr.accounts = append(tr.accounts, acct)
		}
	}
	return tr
}

// quiet returns a logger that discards, for tests that list large
// organizations.
func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
