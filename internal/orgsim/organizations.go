package orgsim

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// orgMaxResults is the largest MaxResults the Organizations list operations
// accept; it is also the page size when MaxResults is not set.
const orgMaxResults = 20

type orgListInput struct {
	ParentID   string `json:"ParentId"`
	ChildType  string
	ResourceID string `json:"ResourceId"`
	OUID       string `json:"OrganizationalUnitId"`
	MaxResults *int
	NextToken  string
}

type orgAccount struct {
	Arn             string
	Email           string
	ID              string `json:"Id"`
	JoinedMethod    string
	JoinedTimestamp *epoch
	Name            string
	Paths           []string
	State           string
	Status          string
}

type orgOU struct {
	Arn  string
	ID   string `json:"Id"`
	Name string
	Path string
}

type orgRoot struct {
	Arn         string
	ID          string `json:"Id"`
	Name        string
	PolicyTypes []orgPolicyType
}

type orgPolicyType struct {
	Status string
	Type   string
}

type orgChild struct {
	ID   string `json:"Id"`
	Type string
}

type orgTag struct {
	Key   string
	Value string
}

func orgInvalidInput(reason, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidInputException", message: msg, fields: map[string]string{"Reason": reason}}
}

func (s *Server) serveOrganizations(c *call) {
	var in orgListInput
	if e := decodeJSON(c.body, &in); e != nil {
		c.fail(e)
		return
	}
	o := s.org
	if c.p.account != o.ManagementAccountID {
		if o.Account(c.p.account) == nil {
			c.fail(&apiError{status: http.StatusBadRequest, code: "AWSOrganizationsNotInUseException", message: "Your account is not a member of an organization."})
			return
		}
		if c.op != "DescribeOrganization" {
			c.fail(&apiError{status: http.StatusBadRequest, code: "AccessDeniedException", message: "You don't have permissions to access this resource."})
			return
		}
	}
	size := orgMaxResults
	if in.MaxResults != nil {
		switch n := *in.MaxResults; {
		case n < 1:
			c.fail(orgInvalidInput("MIN_VALUE_EXCEEDED", "You provided a value that is below the minimum allowed: MaxResults must be at least 1."))
			return
		case n > orgMaxResults:
			c.fail(orgInvalidInput("MAX_VALUE_EXCEEDED", fmt.Sprintf("You provided a value that exceeds the maximum allowed: MaxResults must be at most %d.", orgMaxResults)))
			return
		default:
			size = n
		}
	}
	sc := tokenScope(c, in.ParentID, in.ChildType, in.ResourceID)
	offset, ok := s.decodeToken(sc, in.NextToken)
	if !ok {
		c.fail(orgInvalidInput("INVALID_NEXT_TOKEN", "The provided NextToken value is not valid."))
		return
	}

	o.mu.RLock()
	defer o.mu.RUnlock()
	switch c.op {
	case "DescribeOrganization":
		mgmt := o.byID[o.ManagementAccountID]
		writeJSON(c, map[string]any{"Organization": map[string]any{
			"Arn":                  fmt.Sprintf("arn:%s:organizations::%s:organization/%s", o.Partition, o.ManagementAccountID, o.OrgID),
			"AvailablePolicyTypes": []orgPolicyType{{Status: "ENABLED", Type: "SERVICE_CONTROL_POLICY"}},
			"FeatureSet":           "ALL",
			"Id":                   o.OrgID,
			"MasterAccountArn":     mgmt.ARN(),
			"MasterAccountEmail":   mgmt.Email,
			"MasterAccountId":      mgmt.ID,
		}})
	case "ListRoots":
		roots, next := page(s, sc, []orgRoot{{
			Arn:         fmt.Sprintf("arn:%s:organizations::%s:root/%s/%s", o.Partition, o.ManagementAccountID, o.OrgID, o.RootID),
			ID:          o.RootID,
			Name:        "Root",
			PolicyTypes: []orgPolicyType{{Status: "ENABLED", Type: "SERVICE_CONTROL_POLICY"}},
		}}, offset, size)
		writeJSON(c, struct {
			Roots     []orgRoot
			NextToken string `json:",omitempty"`
		}{roots, next})
	case "ListAccounts":
		accts, next := page(s, sc, o.Accounts, offset, size)
		writeJSON(c, struct {
			Accounts  []orgAccount
			NextToken string `json:",omitempty"`
		}{o.wireAccounts(accts), next})
	case "ListAccountsForParent":
		if e := o.checkParent(in.ParentID); e != nil {
			c.fail(e)
			return
		}
		accts, next := page(s, sc, o.acctKids[in.ParentID], offset, size)
		writeJSON(c, struct {
			Accounts  []orgAccount
			NextToken string `json:",omitempty"`
		}{o.wireAccounts(accts), next})
	case "ListOrganizationalUnitsForParent":
		if e := o.checkParent(in.ParentID); e != nil {
			c.fail(e)
			return
		}
		ous, next := page(s, sc, o.ouKids[in.ParentID], offset, size)
		out := make([]orgOU, len(ous))
		for i, ou := range ous {
			out[i] = o.wireOU(ou)
		}
		writeJSON(c, struct {
			OrganizationalUnits []orgOU
			NextToken           string `json:",omitempty"`
		}{out, next})
	case "ListChildren":
		if e := o.checkParent(in.ParentID); e != nil {
			c.fail(e)
			return
		}
		var kids []orgChild
		switch in.ChildType {
		case "ACCOUNT":
			for _, a := range o.acctKids[in.ParentID] {
				kids = append(kids, orgChild{ID: a.ID, Type: "ACCOUNT"})
			}
		case "ORGANIZATIONAL_UNIT":
			for _, ou := range o.ouKids[in.ParentID] {
				kids = append(kids, orgChild{ID: ou.ID, Type: "ORGANIZATIONAL_UNIT"})
			}
		default:
			c.fail(orgInvalidInput("INVALID_ENUM", "You specified an invalid value for ChildType."))
			return
		}
		kids, next := page(s, sc, kids, offset, size)
		writeJSON(c, struct {
			Children  []orgChild
			NextToken string `json:",omitempty"`
		}{orNone(kids), next})
	case "DescribeOrganizationalUnit":
		ou := o.ouByID[in.OUID]
		if ou == nil {
			c.fail(&apiError{status: http.StatusBadRequest, code: "OrganizationalUnitNotFoundException", message: "We can't find an OU with the OrganizationalUnitId that you specified."})
			return
		}
		writeJSON(c, map[string]orgOU{"OrganizationalUnit": o.wireOU(ou)})
	case "ListTagsForResource":
		var tags map[string]string
		switch {
		case o.byID[in.ResourceID] != nil:
			tags = o.byID[in.ResourceID].Tags
		case o.ouByID[in.ResourceID] != nil, in.ResourceID == o.RootID:
		default:
			c.fail(&apiError{status: http.StatusBadRequest, code: "TargetNotFoundException", message: "You specified a target that doesn't exist."})
			return
		}
		var out []orgTag
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			out = append(out, orgTag{Key: k, Value: tags[k]})
		}
		out, next := page(s, sc, out, offset, size)
		writeJSON(c, struct {
			Tags      []orgTag
			NextToken string `json:",omitempty"`
		}{orNone(out), next})
	default:
		c.fail(&apiError{status: http.StatusBadRequest, code: "UnknownOperationException", message: "orgsim does not implement organizations:" + c.op})
	}
}

// checkParent validates a ParentId. Callers hold o.mu.
func (o *Org) checkParent(id string) *apiError {
	if id == o.RootID || o.ouByID[id] != nil {
		return nil
	}
	if !strings.HasPrefix(id, "r-") && !strings.HasPrefix(id, "ou-") {
		return orgInvalidInput("INVALID_PATTERN", "You specified a value that is not valid for ParentId.")
	}
	return &apiError{status: http.StatusBadRequest, code: "ParentNotFoundException", message: "We can't find a root or OU with the ParentId that you specified."}
}

// wireAccounts renders accounts for the wire. Callers hold o.mu.
func (o *Org) wireAccounts(accts []*Account) []orgAccount {
	out := make([]orgAccount, len(accts))
	for i, a := range accts {
		out[i] = orgAccount{
			Arn:             a.ARN(),
			Email:           a.Email,
			ID:              a.ID,
			JoinedMethod:    a.JoinedMethod,
			JoinedTimestamp: ts(a.JoinedAt),
			Name:            a.Name,
			Paths:           []string{o.ouPath(a.ParentID) + "/" + a.ID + "/"},
			State:           string(a.State),
			Status:          a.State.Status(),
		}
	}
	return out
}

// wireOU renders an OU for the wire. Callers hold o.mu.
func (o *Org) wireOU(ou *OU) orgOU {
	return orgOU{
		Arn:  fmt.Sprintf("arn:%s:organizations::%s:ou/%s/%s", o.Partition, o.ManagementAccountID, o.OrgID, ou.ID),
		ID:   ou.ID,
		Name: ou.Name,
		Path: o.ouPath(ou.ID) + "/",
	}
}

// orNone turns a nil slice into an empty one, so the member is sent as [].
func orNone[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
