package report

// ConsoleAccess is how the workbook's console links reach an account: with
// an IAM Identity Center access portal (StartURL) and a permission set
// (RoleName), a link signs the reader in to the resource's own account;
// without them it opens the console in whatever account the reader is
// signed in to.
type ConsoleAccess struct {
	StartURL, RoleName string
}
