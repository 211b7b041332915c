package run

import "github.com/config-report/config-report/internal/awsid"

// Account is one entry of a run's manifest: an account to scan, as
// ListAccounts found it in the organization.
type Account struct {
	// ID is the 12-digit account ID.
	ID string `json:"id"`
	// Name is the account's name in the organization.
	Name string `json:"name"`
	// Email is the account's root e-mail address.
	Email string `json:"email"`
	// OUPath is the account's place in the OU tree, e.g. "Root/Workloads/Prod".
	OUPath string `json:"ouPath"`
	// Tags holds the account's tags whose keys the lister was configured to read.
	Tags map[string]string `json:"tags,omitempty"`
}

// Validate reports what is wrong with a manifest entry, if anything.
func (a Account) Validate() error {
	return awsid.ValidateAccountID(a.ID)
}
