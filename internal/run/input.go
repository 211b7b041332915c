package run

// ExecutionInput is the state machine's execution input, the one contract
// between whoever starts an execution and ListAccounts: {} starts a new run
// of every active account the filters select; {"runId", "accountIds"}
// scans those accounts again into that run. The schedule starts {}, the
// report writes the input that re-runs its accounts not scanned
// (RerunInputKey), the command's rerun starts it, and ListAccounts parses
// it.
type ExecutionInput struct {
	// RunID names the run to re-run; empty for a new run.
	RunID string `json:"runId"`
	// AccountIDs are the accounts to scan again.
	AccountIDs []string `json:"accountIds"`
}
