package orgsim

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/google/go-cmp/cmp"
)

type wantAccount struct {
	ID, Name, Email, State, Status string
}

func TestOrganizationsListAccounts(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 11, Accounts: 47})
	client := organizations.NewFromConfig(orgConfig(org, srv))
	ctx := t.Context()

	var want []wantAccount
	for _, a := range org.Accounts {
		want = append(want, wantAccount{a.ID, a.Name, a.Email, string(a.State), a.State.Status()})
	}
	tests := []struct {
		name      string
		limit     int32
		wantPages int
	}{
		{name: "default page size", wantPages: 3},
		{name: "MaxResults 20", limit: 20, wantPages: 3},
		{name: "MaxResults 5", limit: 5, wantPages: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []wantAccount
			pages := 0
			p := organizations.NewListAccountsPaginator(client, &organizations.ListAccountsInput{}, func(o *organizations.ListAccountsPaginatorOptions) {
				o.Limit = tt.limit
			})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatalf("ListAccounts page %d: %v", pages+1, err)
				}
				pages++
				for _, a := range out.Accounts {
					got = append(got, wantAccount{aws.ToString(a.Id), aws.ToString(a.Name), aws.ToString(a.Email), string(a.State), string(a.Status)})
					if a.JoinedTimestamp == nil || aws.ToString(a.Arn) == "" || len(a.Paths) != 1 {
						t.Errorf("account %s: JoinedTimestamp %v, Arn %q, Paths %v", aws.ToString(a.Id), a.JoinedTimestamp, aws.ToString(a.Arn), a.Paths)
					}
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ListAccounts (-want +got):\n%s", diff)
			}
			if pages != tt.wantPages {
				t.Errorf("ListAccounts took %d pages, want %d", pages, tt.wantPages)
			}
		})
	}
	if n := srv.Calls().Count("organizations:ListAccounts", org.ManagementAccountID, ""); n != 3+3+10 {
		t.Errorf("Calls().Count(ListAccounts) = %d, want 16", n)
	}
}

// TestOrganizationsTreeWalk walks the tree with ListOrganizationalUnitsForParent,
// ListChildren, ListAccountsForParent and DescribeOrganizationalUnit and checks
// it finds every OU and account under the right parent.
func TestOrganizationsTreeWalk(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 12, Accounts: 60, OUDepth: 3, OUFanout: 2})
	client := organizations.NewFromConfig(orgConfig(org, srv))
	ctx := t.Context()

	var roots []orgtypes.Root
	rp := organizations.NewListRootsPaginator(client, &organizations.ListRootsInput{})
	for rp.HasMorePages() {
		out, err := rp.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListRoots: %v", err)
		}
		roots = append(roots, out.Roots...)
	}
	if len(roots) != 1 || aws.ToString(roots[0].Id) != org.RootID || aws.ToString(roots[0].Name) != "Root" {
		t.Fatalf("ListRoots = %+v, want root %s", roots, org.RootID)
	}
	gotParent := map[string]string{} // account or OU → parent
	queue := []string{org.RootID}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		ous := organizations.NewListOrganizationalUnitsForParentPaginator(client, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &parent}, func(o *organizations.ListOrganizationalUnitsForParentPaginatorOptions) { o.Limit = 1 })
		for ous.HasMorePages() {
			out, err := ous.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListOrganizationalUnitsForParent(%s): %v", parent, err)
			}
			for _, ou := range out.OrganizationalUnits {
				gotParent[*ou.Id] = parent
				queue = append(queue, *ou.Id)
				d, err := client.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: ou.Id})
				if err != nil {
					t.Fatalf("DescribeOrganizationalUnit(%s): %v", *ou.Id, err)
				}
				if aws.ToString(d.OrganizationalUnit.Name) != org.OU(*ou.Id).Name || aws.ToString(d.OrganizationalUnit.Path) == "" {
					t.Errorf("DescribeOrganizationalUnit(%s) = %+v, want name %q and a path", *ou.Id, d.OrganizationalUnit, org.OU(*ou.Id).Name)
				}
			}
		}
		accts := organizations.NewListAccountsForParentPaginator(client, &organizations.ListAccountsForParentInput{ParentId: &parent}, func(o *organizations.ListAccountsForParentPaginatorOptions) { o.Limit = 3 })
		var viaAccounts []string
		for accts.HasMorePages() {
			out, err := accts.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListAccountsForParent(%s): %v", parent, err)
			}
			for _, a := range out.Accounts {
				gotParent[*a.Id] = parent
				viaAccounts = append(viaAccounts, *a.Id)
			}
		}
		var viaChildren []string
		kids := organizations.NewListChildrenPaginator(client, &organizations.ListChildrenInput{ParentId: &parent, ChildType: orgtypes.ChildTypeAccount}, func(o *organizations.ListChildrenPaginatorOptions) { o.Limit = 4 })
		for kids.HasMorePages() {
			out, err := kids.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListChildren(%s): %v", parent, err)
			}
			for _, c := range out.Children {
				viaChildren = append(viaChildren, *c.Id)
			}
		}
		if !slices.Equal(viaAccounts, viaChildren) {
			t.Errorf("under %s ListAccountsForParent gives %v, ListChildren %v", parent, viaAccounts, viaChildren)
		}
	}
	want := map[string]string{}
	for _, ou := range org.OUs {
		want[ou.ID] = ou.ParentID
	}
	for _, a := range org.Accounts {
		want[a.ID] = a.ParentID
	}
	if diff := cmp.Diff(want, gotParent); diff != "" {
		t.Errorf("tree (-want +got):\n%s", diff)
	}
}

func TestOrganizationsTagsAndDescribe(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 13, Accounts: 10, TagKeys: []string{"owner", "team", "cost-center"}})
	client := organizations.NewFromConfig(orgConfig(org, srv))
	ctx := t.Context()
	for _, a := range org.Accounts {
		got := map[string]string{}
		p := organizations.NewListTagsForResourcePaginator(client, &organizations.ListTagsForResourceInput{ResourceId: &a.ID})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListTagsForResource(%s): %v", a.ID, err)
			}
			for _, tag := range out.Tags {
				got[*tag.Key] = *tag.Value
			}
		}
		if !maps.Equal(a.Tags, got) {
			t.Errorf("tags of %s = %v, want %v", a.ID, got, a.Tags)
		}
	}
	d, err := client.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		t.Fatalf("DescribeOrganization: %v", err)
	}
	if aws.ToString(d.Organization.Id) != org.OrgID || aws.ToString(d.Organization.MasterAccountId) != org.ManagementAccountID || d.Organization.FeatureSet != orgtypes.OrganizationFeatureSetAll {
		t.Errorf("DescribeOrganization = %+v", d.Organization)
	}
	// Any member may describe its organization.
	member := organizations.NewFromConfig(readConfig(org, srv, healthyAccount(t, org).ID, "us-east-1"))
	if _, err := member.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err != nil {
		t.Errorf("DescribeOrganization from a member: %v", err)
	}
}

func TestOrganizationsErrors(t *testing.T) {
	org, srv := startOrg(t, Spec{Seed: 14, Accounts: 10})
	ctx := t.Context()
	mgmt := organizations.NewFromConfig(orgConfig(org, srv))
	member := organizations.NewFromConfig(readConfig(org, srv, healthyAccount(t, org).ID, "us-east-1"))
	outsider := organizations.NewFromConfig(hubConfig(srv, "arn:aws:iam::999999999999:role/stranger", "us-east-1"))

	first, err := mgmt.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(2)})
	if err != nil {
		t.Fatalf("ListAccounts: %v", err)
	}
	tests := []struct {
		name       string
		call       func() error
		wantCode   string
		wantReason orgtypes.InvalidInputExceptionReason
	}{
		{"MaxResults above 20", func() error {
			_, err := mgmt.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(21)})
			return err
		}, "InvalidInputException", orgtypes.InvalidInputExceptionReasonMaxValueExceeded},
		{"MaxResults 0", func() error {
			_, err := mgmt.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: &org.RootID, ChildType: orgtypes.ChildTypeAccount, MaxResults: aws.Int32(0)})
			return err
		}, "InvalidInputException", orgtypes.InvalidInputExceptionReasonMinValueExceeded},
		{"forged NextToken", func() error {
			_, err := mgmt.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String("bm90LWEtdG9rZW4")})
			return err
		}, "InvalidInputException", orgtypes.InvalidInputExceptionReasonInvalidPaginationToken},
		{"NextToken of another operation", func() error {
			_, err := mgmt.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: &org.RootID, NextToken: first.NextToken})
			return err
		}, "InvalidInputException", orgtypes.InvalidInputExceptionReasonInvalidPaginationToken},
		{"member account", func() error {
			_, err := member.ListAccounts(ctx, &organizations.ListAccountsInput{})
			return err
		}, "AccessDeniedException", ""},
		{"account outside the organization", func() error {
			_, err := outsider.ListRoots(ctx, &organizations.ListRootsInput{})
			return err
		}, "AWSOrganizationsNotInUseException", ""},
		{"unknown parent", func() error {
			_, err := mgmt.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String("ou-zzzz-zzzzzzzz")})
			return err
		}, "ParentNotFoundException", ""},
		{"unknown OU", func() error {
			_, err := mgmt.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String("ou-zzzz-zzzzzzzz")})
			return err
		}, "OrganizationalUnitNotFoundException", ""},
		{"unknown tag target", func() error {
			_, err := mgmt.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String("000000000000")})
			return err
		}, "TargetNotFoundException", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := errorCode(err); got != tt.wantCode {
				t.Fatalf("error = %v, want code %s", err, tt.wantCode)
			}
			if tt.wantReason != "" {
				var iie *orgtypes.InvalidInputException
				if !errors.As(err, &iie) || iie.Reason != tt.wantReason {
					t.Errorf("error = %#v, want *InvalidInputException with Reason %s", err, tt.wantReason)
				}
			}
		})
	}
	// The modeled types decode too.
	_, err = member.ListAccounts(ctx, &organizations.ListAccountsInput{})
	if ade := (*orgtypes.AccessDeniedException)(nil); !errors.As(err, &ade) {
		t.Errorf("member ListAccounts error %T, want *AccessDeniedException", err)
	}
	_, err = outsider.ListRoots(ctx, &organizations.ListRootsInput{})
	if nie := (*orgtypes.AWSOrganizationsNotInUseException)(nil); !errors.As(err, &nie) {
		t.Errorf("outsider ListRoots error %T, want *AWSOrganizationsNotInUseException", err)
	}
}
