package org_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/orgsim"
)

// nestedSpec is an organization three OU levels deep under the root
// (3 + 9 + 27 OUs), with suspended, closing and closed accounts.
var nestedSpec = orgsim.Spec{Seed: 7, Accounts: 300, OUDepth: 3, OUFanout: 3}

// ouID finds an OU of the model by its path of names under the root.
func ouID(t testing.TB, o *orgsim.Org, path string) string {
	t.Helper()
	parent := o.RootID
	for _, name := range strings.Split(path, "/") {
		found := ""
		for _, ou := range o.OUs {
			if ou.ParentID == parent && ou.Name == name {
				found = ou.ID
			}
		}
		if found == "" {
			t.Fatalf("no OU %q in the simulated organization", path)
		}
		parent = found
	}
	return parent
}

// pages is how many pages of 20 a listing of n items takes (one when empty).
func pages(n int) int { return max(1, (n+19)/20) }

// expectedCalls computes from the model how many calls of each listing
// operation a walk with filter f makes when nothing fails: one
// ListOrganizationalUnitsForParent page per parent outside the excluded
// subtrees, ListAccountsForParent pages only for the selected parents, and
// one ListTagsForResource per listed account.
func expectedCalls(o *orgsim.Org, f org.Filter, listed int, tags bool) map[string]int {
	under := func(id string, set []string) bool {
		for {
			for _, s := range set {
				if s == id {
					return true
				}
			}
			if id == o.RootID {
				return false
			}
			id = o.OU(id).ParentID
		}
	}
	parents := []string{o.RootID}
	for _, ou := range o.OUs {
		parents = append(parents, ou.ID)
	}
	perParent := map[string]int{}
	for _, a := range o.Accounts {
		perParent[a.ParentID]++
	}
	want := map[string]int{"organizations:ListRoots": 1, "organizations:ListTagsForResource": 0}
	for _, p := range parents {
		if under(p, f.ExcludeOUs) {
			continue
		}
		want["organizations:ListOrganizationalUnitsForParent"]++
		if len(f.IncludeOUs) == 0 || under(p, f.IncludeOUs) {
			want["organizations:ListAccountsForParent"] += pages(perParent[p])
		}
	}
	if tags {
		want["organizations:ListTagsForResource"] = listed
	}
	return want
}

func countCalls(srv *orgsim.Server) map[string]int {
	got := map[string]int{}
	for _, op := range []string{"organizations:ListRoots", "organizations:ListOrganizationalUnitsForParent",
		"organizations:ListAccountsForParent", "organizations:ListTagsForResource"} {
		got[op] = srv.Calls().Count(op, "", "")
	}
	return got
}

func TestListNestedOUsAndFilters(t *testing.T) {
	s := newSim(t, nestedSpec)
	workloads := ouID(t, s.org, "Workloads")
	prod := ouID(t, s.org, "Workloads/Prod")
	var deep string // a third-level OU: Root/Workloads/Prod/<name>
	for _, ou := range s.org.OUs {
		if ou.ParentID == prod {
			deep = ou.ID
			break
		}
	}
	security := ouID(t, s.org, "Security")

	// Two active accounts and a suspended one, all under Workloads.
	var active, suspended []string
	for _, a := range s.org.Accounts {
		if !underOU(s.org, a.ParentID, workloads) {
			continue
		}
		switch {
		case a.State == orgsim.StateActive && len(active) < 2:
			active = append(active, a.ID)
		case a.State == orgsim.StateSuspended && len(suspended) < 1:
			suspended = append(suspended, a.ID)
		}
	}
	if len(active) < 2 || len(suspended) < 1 {
		t.Fatalf("the simulated organization has no two active and one suspended account under Workloads")
	}

	tests := []struct {
		name   string
		filter org.Filter
	}{
		{"whole organization", org.Filter{}},
		{"include an OU and its subtree", org.Filter{IncludeOUs: []string{workloads}}},
		{"include two OUs", org.Filter{IncludeOUs: []string{workloads, security}}},
		{"include a third-level OU", org.Filter{IncludeOUs: []string{deep}}},
		{"include the root", org.Filter{IncludeOUs: []string{s.org.RootID}}},
		{"exclude a nested OU", org.Filter{ExcludeOUs: []string{prod}}},
		{"exclude wins inside include", org.Filter{IncludeOUs: []string{workloads}, ExcludeOUs: []string{prod}}},
		{"exclude accounts", org.Filter{ExcludeAccounts: append(append([]string{}, active...), suspended...)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.srv.Calls().Reset()
			l := org.NewLister(s.client(), org.Options{Filter: tt.filter, TagKeys: []string{"owner", "team"}, Logger: quiet()})
			got, err := l.List(context.Background())
			if err != nil {
				t.Fatalf("List() error = %v", err)
			}
			want := expect(s.org, tt.filter, []string{"owner", "team"})
			if len(want.accounts) == 0 {
				t.Fatalf("the filter selects no account: the test proves nothing")
			}
			if diff := cmp.Diff(want.accounts, got.Accounts); diff != "" {
				t.Errorf("List() accounts mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want.inactive, got.Inactive); diff != "" {
				t.Errorf("List() inactive counts mismatch (-want +got):\n%s", diff)
			}
			if got.Excluded != want.excluded {
				t.Errorf("List() excluded = %d, want %d", got.Excluded, want.excluded)
			}
			if diff := cmp.Diff(expectedCalls(s.org, tt.filter, len(want.accounts), true), countCalls(s.srv)); diff != "" {
				t.Errorf("Organizations calls mismatch (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("OU paths are three levels deep", func(t *testing.T) {
		l := org.NewLister(s.client(), org.Options{Logger: quiet()})
		got, err := l.List(context.Background())
		if err != nil {
			t.Fatalf("List() error = %v", err)
		}
		depths := map[int]int{}
		for _, a := range got.Accounts {
			depths[strings.Count(a.OUPath, "/")]++
		}
		for d := 0; d <= 3; d++ {
			if depths[d] == 0 {
				t.Errorf("no account at OU depth %d; accounts by depth: %v", d, depths)
			}
		}
		if got.Inactive["SUSPENDED"] == 0 || got.Inactive["PENDING_CLOSURE"] == 0 || got.Inactive["CLOSED"] == 0 {
			t.Errorf("List() inactive = %v, want suspended, closing and closed accounts counted", got.Inactive)
		}
		for _, a := range got.Accounts {
			if st := s.org.Account(a.ID).State; st != orgsim.StateActive {
				t.Errorf("List() listed account %s in state %s", a.ID, st)
			}
		}
	})
}

// underOU reports whether the parent is ouID or below it in the model.
func underOU(o *orgsim.Org, parentID, ouID string) bool {
	for id := parentID; ; id = o.OU(id).ParentID {
		if id == ouID {
			return true
		}
		if id == o.RootID {
			return false
		}
	}
}

func TestListWithoutTagKeysMakesNoTagCalls(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 3, Accounts: 80})
	l := org.NewLister(s.client(), org.Options{Logger: quiet()})
	got, err := l.List(context.Background())
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	if diff := cmp.Diff(expect(s.org, org.Filter{}, nil).accounts, got.Accounts); diff != "" {
		t.Errorf("List() accounts mismatch (-want +got):\n%s", diff)
	}
	if n := s.srv.Calls().Count("organizations:ListTagsForResource", "", ""); n != 0 {
		t.Errorf("ListTagsForResource calls = %d, want 0 with no tag keys", n)
	}
}

func TestListIncludeOUNotFound(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 3, Accounts: 20})
	l := org.NewLister(s.client(), org.Options{Filter: org.Filter{IncludeOUs: []string{"ou-zzzz-zzzzzzzz"}}, Logger: quiet()})
	_, err := l.List(context.Background())
	if err == nil || !strings.Contains(err.Error(), "INCLUDE_OUS: ou-zzzz-zzzzzzzz not found in the organization") {
		t.Errorf("List() error = %v, want INCLUDE_OUS: ou-zzzz-zzzzzzzz not found", err)
	}
}

// TestListFallsBackToStatus serves the simulated organization through a proxy
// that removes State from every account of ListAccountsForParent, as a
// response from before the field existed: the retired Status decides.
func TestListFallsBackToStatus(t *testing.T) {
	o := orgsim.Generate(orgsim.Spec{Seed: 11, Accounts: 150})
	sim := orgsim.New(o)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".ListAccountsForParent") {
			sim.Handler().ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		sim.Handler().ServeHTTP(rec, r)
		var body map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			maps.Copy(w.Header(), rec.Header())
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		accounts, _ := body["Accounts"].([]any)
		for _, a := range accounts {
			delete(a.(map[string]any), "State")
		}
		out, _ := json.Marshal(body)
		maps.Copy(w.Header(), rec.Header())
		w.Header().Del("Content-Length")
		w.Header().Del("X-Amz-Crc32")
		w.WriteHeader(http.StatusOK)
		w.Write(out)
	}))
	t.Cleanup(proxy.Close)

	cfg := sim.AWSConfig(o.HubRoleARN(orgsim.DefaultListerRoleName), "eu-west-1")
	cfg.BaseEndpoint = &proxy.URL
	c := org.NewClient(cfg, sts.NewFromConfig(cfg), org.Role{
		ARN: o.RoleARN(o.ManagementAccountID, orgsim.DefaultOrgRoleName), SessionName: "config-report-test",
	}, org.NewRetryer(0, testBackoff))
	got, err := org.NewLister(c, org.Options{Logger: quiet()}).List(context.Background())
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	want := expect(o, org.Filter{}, nil)
	if diff := cmp.Diff(want.accounts, got.Accounts); diff != "" {
		t.Errorf("List() accounts mismatch (-want +got):\n%s", diff)
	}
	// Status has no CLOSED: a closed account reports SUSPENDED.
	wantInactive := map[string]int{
		"SUSPENDED":       want.inactive["SUSPENDED"] + want.inactive["CLOSED"],
		"PENDING_CLOSURE": want.inactive["PENDING_CLOSURE"],
	}
	if diff := cmp.Diff(wantInactive, got.Inactive); diff != "" {
		t.Errorf("List() inactive mismatch (-want +got):\n%s", diff)
	}
}

// TestList20000AccountsThrottled lists a 20,000-account organization while a
// fifth of all Organizations calls are throttled: every active account is
// listed, with its tags, and the retryer absorbs every throttle.
func TestList20000AccountsThrottled(t *testing.T) {
	if testing.Short() {
		t.Skip("lists 20,000 accounts")
	}
	s := newSim(t, orgsim.Spec{Seed: 20000, Accounts: 20000})
	s.srv.SetFaults(orgsim.Faults{Throttle: map[string]float64{"organizations:*": 0.2}, Seed: 1})
	l := org.NewLister(s.client(), org.Options{TagKeys: []string{"owner", "team"}, Concurrency: 8, Logger: quiet()})
	got, err := l.List(context.Background())
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	want := expect(s.org, org.Filter{}, []string{"owner", "team"})
	if len(got.Accounts) != len(want.accounts) {
		t.Errorf("List() = %d accounts, want %d", len(got.Accounts), len(want.accounts))
	}
	if diff := cmp.Diff(want.accounts, got.Accounts); diff != "" {
		t.Errorf("List() accounts mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want.inactive, got.Inactive); diff != "" {
		t.Errorf("List() inactive mismatch (-want +got):\n%s", diff)
	}
	// Throttled calls are counted too: more calls than pages, but every
	// page was read.
	wantCalls := expectedCalls(s.org, org.Filter{}, len(want.accounts), true)
	gotCalls := countCalls(s.srv)
	if pages := wantCalls["organizations:ListAccountsForParent"]; pages <= 1000 {
		t.Errorf("the organization lists in %d pages, want over 1,000", pages)
	}
	for op, n := range wantCalls {
		if gotCalls[op] < n {
			t.Errorf("%s calls = %d, want at least the %d pages", op, gotCalls[op], n)
		}
	}
	if gotCalls["organizations:ListAccountsForParent"] == wantCalls["organizations:ListAccountsForParent"] ||
		gotCalls["organizations:ListTagsForResource"] == wantCalls["organizations:ListTagsForResource"] {
		t.Errorf("calls %v equal the pages %v: no throttle was injected", gotCalls, wantCalls)
	}
	t.Logf("calls with 20%% throttling: %v; pages: %v", gotCalls, wantCalls)
}

// TestListStopsReadingTagsNearTheDeadline gives tag reading less time than
// it needs: the listing still succeeds with every account, the tags it did
// read are right, and the accounts it did not reach are counted.
func TestListStopsReadingTagsNearTheDeadline(t *testing.T) {
	s := newSim(t, orgsim.Spec{Seed: 4, Accounts: 200})
	// 10 ms a call: the walk takes tens of milliseconds, tagging 190-odd
	// accounts four at a time about half a second, more than the 300 ms
	// before the reserve begins.
	s.srv.SetFaults(orgsim.Faults{Latency: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	l := org.NewLister(s.client(), org.Options{TagKeys: []string{"owner", "team"}, TagReserve: 1200 * time.Millisecond, Logger: quiet()})
	got, err := l.List(ctx)
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	want := expect(s.org, org.Filter{}, []string{"owner", "team"})
	if len(got.Accounts) != len(want.accounts) {
		t.Fatalf("List() = %d accounts, want %d", len(got.Accounts), len(want.accounts))
	}
	if got.Untagged == 0 {
		t.Errorf("List() untagged = 0, want the accounts not reached before the reserve counted")
	}
	tagged := 0
	for i, a := range got.Accounts {
		w := want.accounts[i]
		if a.Tags != nil {
			tagged++
			if diff := cmp.Diff(w, a); diff != "" {
				t.Errorf("account %s mismatch (-want +got):\n%s", a.ID, diff)
			}
			continue
		}
		w.Tags = nil
		if diff := cmp.Diff(w, a); diff != "" {
			t.Errorf("account %s mismatch (-want +got):\n%s", a.ID, diff)
		}
	}
	if tagged+got.Untagged > len(got.Accounts) {
		t.Errorf("tagged %d + untagged %d > %d accounts", tagged, got.Untagged, len(got.Accounts))
	}
	t.Logf("tagged %d, untagged %d of %d", tagged, got.Untagged, len(got.Accounts))
}
