package preflight

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/awserr"
	"github.com/config-report/config-report/internal/awsid"
	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/run"
)

// checkOrganization assumes the organization role and lists the accounts
// the filters select, as ListAccounts does, then reads one account's tags
// when tags are configured. It returns the accounts to check and the
// listing, nil when the organization could not be listed.
func (c *Checker) checkOrganization(ctx context.Context, cfg org.Config, sessionRun string, res *Result) ([]run.Account, *org.Listing) {
	n := c.Settings.Names
	client := org.NewClient(c.ListAWS, sts.NewFromConfig(c.ListAWS), org.Role{
		ARN: cfg.RoleARN, ExternalID: cfg.ExternalID, SessionName: awsid.SessionName(sessionRun),
	}, org.NewRetryer(0, 0))
	// No tags: the one ListTagsForResource below proves the permission
	// without a call per account.
	lister := org.NewLister(client, org.Options{Filter: cfg.Filter(), Logger: c.logger()})
	listing, err := lister.List(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		res.Checks = append(res.Checks, c.organizationFailure(cfg, err)...)
		return nil, nil
	}
	with := ""
	if cfg.ExternalID != "" {
		with = " with its ExternalId"
	}
	res.Checks = append(res.Checks, Check{Name: "organization role", Status: Passed, Detail: "assumed " + cfg.RoleARN + with})

	res.Totals.Selected, res.Totals.Inactive, res.Totals.Excluded = len(listing.Accounts), listing.Inactive, listing.Excluded
	accounts := Check{Name: "accounts", Status: Passed, Detail: describeListing(listing)}
	if len(listing.Accounts) == 0 {
		accounts.Status = Failed
		accounts.Advice = fmt.Sprintf("the filters select no ACTIVE account: check %s, %s and %s", n.IncludeOUs, n.ExcludeOUs, n.ExcludeAccounts)
	}
	res.Checks = append(res.Checks, accounts)

	if len(cfg.TagKeys) > 0 && len(listing.Accounts) > 0 {
		res.Checks = append(res.Checks, c.checkTags(ctx, client, cfg, listing.Accounts[0].ID))
	}

	selected := listing.Accounts
	if len(c.Accounts) > 0 {
		byID := make(map[string]run.Account, len(selected))
		for _, a := range selected {
			byID[a.ID] = a
		}
		selected = nil
		for _, id := range c.Accounts {
			a, ok := byID[id]
			if !ok {
				res.Findings = append(res.Findings, Finding{AccountID: id, Diagnosis: NotSelected,
					Message: "not an ACTIVE account of the organization that the filters select: a run would not scan it"})
				continue
			}
			selected = append(selected, a)
		}
	} else if c.Sample > 0 && c.Sample < len(selected) {
		selected = sample(selected, c.Sample)
	}
	return selected, listing
}

// checkTags reads one account's tags, as the lister reads every account's.
func (c *Checker) checkTags(ctx context.Context, client org.Client, cfg org.Config, accountID string) Check {
	_, err := client.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(accountID)})
	if err == nil {
		return Check{Name: "account tags", Status: Passed, Detail: fmt.Sprintf("read the tags of %s (%s)", accountID, strings.Join(cfg.TagKeys, ", "))}
	}
	if isAccessDenied(err) {
		return Check{Name: "account tags", Status: Failed, Detail: access.OrganizationsListTagsForResource + " denied: " + awsMessage(err),
			Advice: fmt.Sprintf("the organization role's policy is not the one %s deploys: deploy it again", c.Settings.Names.OrgRoleStack)}
	}
	return Check{Name: "account tags", Status: Failed, Detail: access.OrganizationsListTagsForResource + ": " + awsMessage(err), Advice: retryAdvice(err)}
}

// organizationFailure explains why the organization could not be listed.
func (c *Checker) organizationFailure(cfg org.Config, err error) []Check {
	n := c.Settings.Names
	if op := failedOperation(err, "STS"); op != nil {
		check := Check{Name: "organization role", Status: Failed, Detail: "cannot assume " + cfg.RoleARN + ": " + awsMessage(err)}
		switch {
		case awserr.IsTransient(err):
			check.Advice = retryAdvice(err)
		case cfg.ExternalID == "":
			check.Advice = fmt.Sprintf("deploy %s in the management account; the role must trust the principal that assumes it (ListAccounts' role, or you when you run check: see the README), and if it requires an ExternalId set %s",
				n.OrgRoleStack, n.OrgExternalID)
		default:
			check.Advice = fmt.Sprintf("deploy %s in the management account; the role must trust the principal that assumes it (ListAccounts' role, or you when you run check: see the README) and require the ExternalId in %s",
				n.OrgRoleStack, n.OrgExternalID)
		}
		return []Check{check}
	}
	assumed := Check{Name: "organization role", Status: Passed, Detail: "assumed " + cfg.RoleARN}
	list := Check{Name: "accounts", Status: Failed}
	switch op := failedOperation(err, "Organizations"); {
	case op != nil && isAccessDenied(err):
		action := "organizations:" + op.Operation()
		list.Detail = action + " denied: " + awsMessage(err)
		list.Advice = fmt.Sprintf("the organization role's policy is not the one %s deploys (%s): deploy it again", n.OrgRoleStack, strings.Join(access.OrgRole(), ", "))
	case strings.HasPrefix(err.Error(), org.EnvIncludeOUs):
		list.Detail = err.Error()
		list.Advice = fmt.Sprintf("remove the OU from %s, or correct its ID (ou-…, r-…)", n.IncludeOUs)
	case awserr.IsTransient(err):
		list.Detail = "listing failed: " + awsMessage(err)
		list.Advice = retryAdvice(err)
	default:
		list.Detail = "listing failed: " + awsMessage(err)
		list.Advice = "ListAccounts would fail the same way: fix what the message names"
	}
	return []Check{assumed, list}
}

// describeListing says what the listing found.
func describeListing(l *org.Listing) string {
	s := fmt.Sprintf("%d ACTIVE selected", len(l.Accounts))
	var others []string
	for _, state := range slices.Sorted(maps.Keys(l.Inactive)) {
		others = append(others, fmt.Sprintf("%d %s", l.Inactive[state], state))
	}
	if len(others) > 0 {
		s += " (not scanned: " + strings.Join(others, ", ") + ")"
	}
	if l.Excluded > 0 {
		s += fmt.Sprintf("; %d excluded by account", l.Excluded)
	}
	return s
}

// sample picks n accounts spread over their OUs: one of each OU in turn,
// in OU path and account ID order, so that a small sample still reaches
// every OU it can.
func sample(accounts []run.Account, n int) []run.Account {
	byOU := map[string][]run.Account{}
	for _, a := range accounts {
		byOU[a.OUPath] = append(byOU[a.OUPath], a)
	}
	paths := slices.Sorted(maps.Keys(byOU))
	var out []run.Account
	for i := 0; len(out) < n; i++ {
		for _, p := range paths {
			if i < len(byOU[p]) && len(out) < n {
				out = append(out, byOU[p][i])
			}
		}
	}
	slices.SortFunc(out, func(a, b run.Account) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// failedOperation returns the first SDK operation error of service in
// err's chain, or nil.
func failedOperation(err error, service string) *smithy.OperationError {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if op, ok := e.(*smithy.OperationError); ok && op.Service() == service {
			return op
		}
	}
	return nil
}

// isAccessDenied reports whether AWS refused the call for lack of
// permission.
func isAccessDenied(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "AccessDenied", "AccessDeniedException", "Forbidden", "AuthorizationError":
		return true
	}
	return false
}

// awsMessage returns "Code: message" of an AWS error, or the error's text.
func awsMessage(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		if msg := api.ErrorMessage(); msg != "" {
			return api.ErrorCode() + ": " + msg
		}
		return api.ErrorCode()
	}
	return err.Error()
}

// retryAdvice is the advice for a call that did not get through.
func retryAdvice(err error) string {
	if awserr.IsTransient(err) {
		return "AWS throttled or failed the call past the SDK's retries: run check again (with a lower --concurrency)"
	}
	return "unexpected answer: fix what the message names, then run check again"
}
