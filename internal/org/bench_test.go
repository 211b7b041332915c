package org_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/orgsim"
)

// BenchmarkList20000 lists a 20,000-account organization (13 parents, two OU
// levels) with 1 ms of latency on every call, without tags and with two tag
// keys (one ListTagsForResource per active account), at several
// concurrencies. It reports the Organizations calls per listing.
func BenchmarkList20000(b *testing.B) {
	s := newSim(b, orgsim.Spec{Seed: 20000, Accounts: 20000})
	s.srv.SetFaults(orgsim.Faults{Latency: time.Millisecond})
	for _, bc := range []struct {
		tags        []string
		concurrency int
	}{
		{nil, 4},
		{nil, 16},
		{[]string{"owner", "team"}, 4},
		{[]string{"owner", "team"}, 16},
	} {
		b.Run(fmt.Sprintf("tags=%d/concurrency=%d", len(bc.tags), bc.concurrency), func(b *testing.B) {
			l := org.NewLister(s.client(), org.Options{TagKeys: bc.tags, Concurrency: bc.concurrency, Logger: quiet()})
			s.srv.Calls().Reset()
			n := 0
			for b.Loop() {
				got, err := l.List(context.Background())
				if err != nil {
					b.Fatalf("List() error = %v", err)
				}
				n = len(got.Accounts)
			}
			b.ReportMetric(float64(s.srv.Calls().Count("organizations:*", "", ""))/float64(b.N), "calls/op")
			b.ReportMetric(float64(s.srv.Calls().Count("organizations:ListAccountsForParent", "", ""))/float64(b.N), "account-pages/op")
			b.ReportMetric(float64(n), "accounts")
		})
	}
}
