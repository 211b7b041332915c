package org_test

import (
	"strings"
	"testing"

	"github.com/config-report/config-report/internal/org"
)

// TestListingNamesEachParent: every account's OU path is named in the
// listing's ParentIDs with the ID the organization gives that OU.
func TestListingNamesEachParent(t *testing.T) {
	s := newSim(t, nestedSpec)
	l, err := org.NewLister(s.client(), org.Options{Logger: quiet()}).List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := l.ParentIDs["Root"]; got != s.org.RootID {
		t.Errorf("ParentIDs[Root] = %q, want the root %s", got, s.org.RootID)
	}
	for _, a := range l.Accounts {
		id, ok := l.ParentIDs[a.OUPath]
		if !ok {
			t.Fatalf("account %s's OU path %q is not in ParentIDs", a.ID, a.OUPath)
		}
		if rest, ok := strings.CutPrefix(a.OUPath, "Root/"); ok {
			if want := ouID(t, s.org, rest); id != want {
				t.Errorf("ParentIDs[%q] = %s, want %s", a.OUPath, id, want)
			}
		}
	}
	if len(l.ParentIDs) != len(s.org.OUs)+1 {
		t.Errorf("ParentIDs names %d parents, the organization has %d OUs and a root", len(l.ParentIDs), len(s.org.OUs))
	}
}
