package org

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"golang.org/x/sync/errgroup"

	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/run"
)

// Client is the part of the Organizations API the lister calls, read-only.
type Client interface {
	organizations.ListRootsAPIClient
	organizations.ListOrganizationalUnitsForParentAPIClient
	organizations.ListAccountsForParentAPIClient
	organizations.ListTagsForResourceAPIClient
}

// StateActive is the account state the lister scans; every other state
// (SUSPENDED, PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION) is counted, not
// listed.
const StateActive = string(types.AccountStateActive)

// DefaultConcurrency is how many Organizations calls the lister makes at once.
const DefaultConcurrency = 4

// pageSize is the largest page Organizations returns for its List calls.
const pageSize = 20

// progressEvery is how many accounts pass between two progress logs.
const progressEvery = 2000

// Filter selects the part of the organization to scan.
type Filter struct {
	// IncludeOUs, when not empty, limits the listing to these OUs (or roots)
	// and everything below them.
	IncludeOUs []string
	// ExcludeOUs removes these OUs and everything below them; it wins over
	// IncludeOUs.
	ExcludeOUs []string
	// ExcludeAccounts removes these account IDs.
	ExcludeAccounts []string
}

// Options configure a Lister.
type Options struct {
	// Filter selects the OUs and accounts to scan.
	Filter Filter
	// TagKeys are the account tags copied into the manifest; when empty,
	// ListTagsForResource is not called at all.
	TagKeys []string
	// Concurrency bounds the Organizations calls in flight; zero means
	// DefaultConcurrency.
	Concurrency int
	// Logger receives progress; nil means slog.Default().
	Logger *slog.Logger
	// TagReserve is how long before the context's deadline the lister stops
	// reading tags, so that the manifest is still written, with the tags
	// read so far, when the function's time runs short; zero means
	// DefaultTagReserve. Without a deadline it has no effect.
	TagReserve time.Duration
}

// DefaultTagReserve is the time kept back from tag reading to write the
// manifest before the function's deadline.
const DefaultTagReserve = time.Minute

// Lister lists the accounts of an organization that a run scans.
type Lister struct {
	c           Client
	filter      Filter
	tagKeys     map[string]bool
	concurrency int
	tagReserve  time.Duration
	log         *slog.Logger
}

// NewLister returns a Lister that reads the organization through c.
func NewLister(c Client, o Options) *Lister {
	l := &Lister{c: c, filter: o.Filter, concurrency: o.Concurrency, tagReserve: o.TagReserve, log: o.Logger}
	if l.tagReserve <= 0 {
		l.tagReserve = DefaultTagReserve
	}
	if l.concurrency <= 0 {
		l.concurrency = DefaultConcurrency
	}
	if l.log == nil {
		l.log = slog.Default()
	}
	if len(o.TagKeys) > 0 {
		l.tagKeys = make(map[string]bool, len(o.TagKeys))
		for _, k := range o.TagKeys {
			l.tagKeys[k] = true
		}
	}
	return l
}

// Listing is the result of listing the organization.
type Listing struct {
	// Accounts are the ACTIVE accounts to scan, sorted by ID, each once.
	Accounts []run.Account
	// Inactive counts, by state, the accounts inside the selected OUs that
	// are not ACTIVE and so are not scanned.
	Inactive map[string]int
	// Excluded is the number of active accounts inside the selected OUs that
	// EXCLUDE_ACCOUNTS removed.
	Excluded int
	// Untagged is the number of accounts whose tags were not read because
	// the deadline came near (see Options.TagReserve); zero normally.
	Untagged int
	// ParentIDs maps the OU path of every root and OU the walk read (the
	// accounts' OUPath) to its ID, so a path can be named as Organizations
	// and StackSets name it.
	ParentIDs map[string]string
}

// List walks the organization's OU tree and returns the active accounts the
// filter selects, with their OU paths and configured tags. Subtrees that
// ExcludeOUs removes are not read at all, and accounts are listed only in
// the OUs the filter selects. An IncludeOUs entry that is not found in the
// organization is an error, so a stale filter cannot silently shrink the
// report.
func (l *Lister) List(ctx context.Context) (*Listing, error) {
	t, err := l.walk(ctx, false)
	if err != nil {
		return nil, err
	}
	if err := l.checkIncludes(t); err != nil {
		return nil, err
	}
	res := &Listing{Inactive: map[string]int{}, ParentIDs: make(map[string]string, len(t.parents))}
	for id, p := range t.parents {
		res.ParentIDs[p.path] = id
	}
	excludedIDs := setOf(l.filter.ExcludeAccounts)
	for _, e := range t.accounts {
		switch {
		case e.state != StateActive:
			res.Inactive[e.state]++
		case excludedIDs[e.account.ID]:
			res.Excluded++
		default:
			res.Accounts = append(res.Accounts, e.account)
		}
	}
	if res.Untagged, err = l.tag(ctx, res.Accounts); err != nil {
		return nil, err
	}
	return res, nil
}

// BadAccount is an account ID a re-run cannot scan, and why.
type BadAccount struct {
	// ID is the ID as given.
	ID string
	// Reason says what is wrong, e.g. "is SUSPENDED".
	Reason string
}

// BadAccountsError is returned by Select when some requested IDs cannot be
// scanned; it names every one of them.
type BadAccountsError struct {
	// Accounts are the rejected IDs in the order they were given.
	Accounts []BadAccount
}

// Error names every rejected ID with its reason.
func (e *BadAccountsError) Error() string {
	parts := make([]string, len(e.Accounts))
	for i, a := range e.Accounts {
		parts[i] = a.ID + " " + a.Reason
	}
	noun := "accounts"
	if len(e.Accounts) == 1 {
		noun = "account"
	}
	return fmt.Sprintf("%d %s cannot be scanned: %s", len(e.Accounts), noun, strings.Join(parts, "; "))
}

// Select returns the accounts with the given IDs as the organization
// describes them now (name, e-mail, OU path, tags), sorted by ID, duplicates
// dropped. Every ID must be 12 digits and an ACTIVE account of the
// organization that the filter selects; otherwise Select returns a
// *BadAccountsError that names every ID that fails and why. It walks the
// whole OU tree, so that it can tell an account outside the organization from
// one the filter excludes, and reads tags only for the selected accounts.
func (l *Lister) Select(ctx context.Context, ids []string) ([]run.Account, error) {
	return l.selectChecked(ctx, ids, nil)
}

// selectChecked is Select with one more test, when check is not nil: an
// account that passes the others is rejected with the reason check returns
// for it, unless that is "". The organization's reasons come first, being
// the more telling (an account that is now SUSPENDED is reported as such).
func (l *Lister) selectChecked(ctx context.Context, ids []string, check func(id string) string) ([]run.Account, error) {
	var bad []BadAccount
	want := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := awsid.ValidateAccountID(id); err != nil {
			bad = append(bad, BadAccount{ID: id, Reason: "is not a 12-digit account ID"})
			continue
		}
		want = append(want, id)
	}
	t, err := l.walk(ctx, true)
	if err != nil {
		return nil, err
	}
	if err := l.checkIncludes(t); err != nil {
		return nil, err
	}
	byID := make(map[string]entry, len(t.accounts))
	for _, e := range t.accounts {
		byID[e.account.ID] = e
	}
	excludedIDs := setOf(l.filter.ExcludeAccounts)
	var accounts []run.Account
	for _, id := range want {
		e, ok := byID[id]
		switch {
		case !ok:
			bad = append(bad, BadAccount{ID: id, Reason: "is not an account of the organization"})
		case e.state != StateActive:
			bad = append(bad, BadAccount{ID: id, Reason: fmt.Sprintf("is %s, not ACTIVE", e.state)})
		case e.excludedBy != "":
			bad = append(bad, BadAccount{ID: id, Reason: fmt.Sprintf("is in %s, which EXCLUDE_OUS excludes", e.account.OUPath)})
		case !e.included:
			bad = append(bad, BadAccount{ID: id, Reason: fmt.Sprintf("is in %s, outside INCLUDE_OUS", e.account.OUPath)})
		case excludedIDs[id]:
			bad = append(bad, BadAccount{ID: id, Reason: "is excluded by EXCLUDE_ACCOUNTS"})
		case check != nil && check(id) != "":
			bad = append(bad, BadAccount{ID: id, Reason: check(id)})
		default:
			accounts = append(accounts, e.account)
		}
	}
	if len(bad) > 0 {
		// Report in the order the IDs were given.
		order := make(map[string]int, len(ids))
		for i, id := range ids {
			if _, ok := order[id]; !ok {
				order[id] = i
			}
		}
		sort.SliceStable(bad, func(i, j int) bool { return order[bad[i].ID] < order[bad[j].ID] })
		return nil, &BadAccountsError{Accounts: bad}
	}
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].ID < accounts[j].ID })
	if _, err := l.tag(ctx, accounts); err != nil {
		return nil, err
	}
	return accounts, nil
}

// parent is a root or OU of the organization as the walk found it.
type parent struct {
	id   string
	path string
	// included is whether the parent is inside IncludeOUs (always true when
	// IncludeOUs is empty).
	included bool
	// excludedBy is the ExcludeOUs entry the parent is under, if any.
	excludedBy string
}

func (p parent) selected() bool { return p.included && p.excludedBy == "" }

// entry is one account as the walk found it.
type entry struct {
	account    run.Account
	state      string
	included   bool
	excludedBy string
}

// tree is what a walk found.
type tree struct {
	parents  map[string]parent
	accounts []entry // sorted by ID, each once
}

// walk reads the OU tree level by level (the tree is at most six levels
// deep, so this costs no parallelism that matters) and then lists the
// accounts of each parent. With full unset it skips excluded subtrees and
// lists accounts only in selected parents; with full set it reads the whole
// organization, marking each account with the filter's verdict.
func (l *Lister) walk(ctx context.Context, full bool) (*tree, error) {
	include, exclude := setOf(l.filter.IncludeOUs), setOf(l.filter.ExcludeOUs)
	var level []parent
	rp := organizations.NewListRootsPaginator(l.c, &organizations.ListRootsInput{}, func(o *organizations.ListRootsPaginatorOptions) {
		o.Limit = pageSize
	})
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list roots: %w", err)
		}
		for _, r := range page.Roots {
			id := aws.ToString(r.Id)
			p := parent{id: id, path: nameOr(r.Name, "Root"), included: len(include) == 0 || include[id]}
			if exclude[id] {
				p.excludedBy = id
			}
			level = append(level, p)
		}
	}
	if len(level) == 0 {
		return nil, errors.New("list roots: the organization has no root")
	}

	t := &tree{parents: map[string]parent{}}
	for len(level) > 0 {
		for _, p := range level {
			t.parents[p.id] = p
		}
		children := make([][]parent, len(level))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(l.concurrency)
		for i, p := range level {
			if !full && p.excludedBy != "" {
				continue
			}
			g.Go(func() error {
				var err error
				children[i], err = l.childOUs(gctx, p, include, exclude)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		level = nil
		for _, c := range children {
			level = append(level, c...)
		}
	}

	var toList []parent
	for _, p := range t.parents {
		if full || p.selected() {
			toList = append(toList, p)
		}
	}
	sort.Slice(toList, func(i, j int) bool { return toList[i].path < toList[j].path })
	found := make([][]entry, len(toList))
	var listed, pages atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(l.concurrency)
	for i, p := range toList {
		g.Go(func() error {
			ap := organizations.NewListAccountsForParentPaginator(l.c,
				&organizations.ListAccountsForParentInput{ParentId: aws.String(p.id)},
				func(o *organizations.ListAccountsForParentPaginatorOptions) { o.Limit = pageSize })
			for ap.HasMorePages() {
				page, err := ap.NextPage(gctx)
				if err != nil {
					return fmt.Errorf("list accounts of %s (%s): %w", p.path, p.id, err)
				}
				pages.Add(1)
				for _, a := range page.Accounts {
					found[i] = append(found[i], entry{
						account: run.Account{
							ID:     aws.ToString(a.Id),
							Name:   aws.ToString(a.Name),
							Email:  aws.ToString(a.Email),
							OUPath: p.path,
						},
						state:      accountState(a),
						included:   p.included,
						excludedBy: p.excludedBy,
					})
				}
				n := listed.Add(int64(len(page.Accounts)))
				if n/progressEvery != (n-int64(len(page.Accounts)))/progressEvery {
					l.log.InfoContext(ctx, "listing accounts", "accounts", n, "pages", pages.Load())
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	byID := map[string]entry{}
	for _, es := range found {
		for _, e := range es {
			if prev, dup := byID[e.account.ID]; dup {
				// An account moved while the walk read its old and new parent:
				// keep one, the same one whatever the goroutines' order.
				l.log.WarnContext(ctx, "account listed under two parents",
					"account_id", e.account.ID, "ou_paths", []string{prev.account.OUPath, e.account.OUPath})
				if prev.account.OUPath < e.account.OUPath {
					continue
				}
			}
			byID[e.account.ID] = e
		}
	}
	t.accounts = make([]entry, 0, len(byID))
	for _, e := range byID {
		t.accounts = append(t.accounts, e)
	}
	sort.Slice(t.accounts, func(i, j int) bool { return t.accounts[i].account.ID < t.accounts[j].account.ID })
	l.log.InfoContext(ctx, "listed organization",
		"parents", len(t.parents), "parents_listed", len(toList), "accounts", len(t.accounts), "account_pages", pages.Load())
	return t, nil
}

// childOUs lists the OUs directly under p.
func (l *Lister) childOUs(ctx context.Context, p parent, include, exclude map[string]bool) ([]parent, error) {
	var out []parent
	op := organizations.NewListOrganizationalUnitsForParentPaginator(l.c,
		&organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(p.id)},
		func(o *organizations.ListOrganizationalUnitsForParentPaginatorOptions) { o.Limit = pageSize })
	for op.HasMorePages() {
		page, err := op.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list OUs of %s (%s): %w", p.path, p.id, err)
		}
		for _, ou := range page.OrganizationalUnits {
			id := aws.ToString(ou.Id)
			c := parent{
				id:         id,
				path:       p.path + "/" + nameOr(ou.Name, id),
				included:   p.included || include[id],
				excludedBy: p.excludedBy,
			}
			if c.excludedBy == "" && exclude[id] {
				c.excludedBy = id
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// checkIncludes fails when an IncludeOUs entry is not in the walked tree.
func (l *Lister) checkIncludes(t *tree) error {
	var missing []string
	for _, id := range l.filter.IncludeOUs {
		if _, ok := t.parents[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("INCLUDE_OUS: %s not found in the organization (outside the OUs EXCLUDE_OUS removes)", strings.Join(missing, ", "))
	}
	return nil
}

// tag fills in the configured tags of accounts, calling ListTagsForResource
// once per account (more for accounts with many tags), a bounded number at a
// time. Without configured tag keys it makes no call. When ctx has a
// deadline, tag reading stops TagReserve before it: the accounts not reached
// keep no tags, are counted in the result and logged, and the listing
// succeeds, so that a slow organization costs tags rather than the run.
func (l *Lister) tag(ctx context.Context, accounts []run.Account) (untagged int, err error) {
	if len(l.tagKeys) == 0 || len(accounts) == 0 {
		return 0, nil
	}
	tagCtx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		tagCtx, cancel = context.WithDeadline(ctx, dl.Add(-l.tagReserve))
		defer cancel()
	}
	var done, skipped atomic.Int64
	g, gctx := errgroup.WithContext(tagCtx)
	g.SetLimit(l.concurrency)
	for i := range accounts {
		a := &accounts[i]
		g.Go(func() error {
			tags, err := l.tagsOf(gctx, a.ID)
			switch {
			case err != nil && tagCtx.Err() != nil && ctx.Err() == nil:
				skipped.Add(1)
				return nil
			case err != nil:
				return err
			}
			a.Tags = tags
			if n := done.Add(1); n%progressEvery == 0 {
				l.log.InfoContext(ctx, "reading account tags", "accounts", n, "of", len(accounts))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	if n := int(skipped.Load()); n > 0 {
		l.log.WarnContext(ctx, "stopped reading tags near the deadline: some accounts have no tags in the manifest",
			"untagged_accounts", n, "tagged_accounts", done.Load(), "reserve", l.tagReserve.String())
		return n, nil
	}
	return 0, nil
}

// tagsOf returns the configured tags of one account, nil when it has none.
func (l *Lister) tagsOf(ctx context.Context, id string) (map[string]string, error) {
	var tags map[string]string
	tp := organizations.NewListTagsForResourcePaginator(l.c,
		&organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
	for tp.HasMorePages() {
		page, err := tp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list tags of account %s: %w", id, err)
		}
		for _, tg := range page.Tags {
			k := aws.ToString(tg.Key)
			if !l.tagKeys[k] {
				continue
			}
			if tags == nil {
				tags = map[string]string{}
			}
			tags[k] = aws.ToString(tg.Value)
		}
	}
	return tags, nil
}

// accountState returns the account's State, or its retired Status when a
// response has no State. An account with neither is "UNKNOWN" and so not
// scanned, but counted.
func accountState(a types.Account) string {
	if a.State != "" {
		return string(a.State)
	}
	if a.Status != "" {
		return string(a.Status)
	}
	return "UNKNOWN"
}

func nameOr(name *string, fallback string) string {
	if n := aws.ToString(name); n != "" {
		return n
	}
	return fallback
}

func setOf(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
