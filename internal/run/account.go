package run

import (
	"fmt"
	"regexp"
)

var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

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

// ValidateAccountID reports whether id is a 12-digit AWS account ID.
func ValidateAccountID(id string) error {
	if !accountIDPattern.MatchString(id) {
		return fmt.Errorf("account id %q is not 12 digits", id)
	}
	return nil
}

// Validate reports what is wrong with a manifest entry, if anything.
func (a Account) Validate() error {
	return ValidateAccountID(a.ID)
}
