package orgsim_test

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/config-report/config-report/internal/orgsim"
)

// A scanner's view of one account: the hub's scanner role assumes the
// account's read role, then lists the account's rules with the paginator.
func Example() {
	ctx := context.Background()
	org := orgsim.Generate(orgsim.Spec{Seed: 1, Accounts: 10, InactiveAccounts: -1, UnreachableAccounts: -1})
	srv := orgsim.Start(org)
	defer srv.Close()

	account := org.ActiveAccounts()[0]
	cfg := srv.AWSConfig(org.HubRoleARN(org.Spec.ScannerRoleName), "eu-west-1")
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(
		sts.NewFromConfig(cfg), org.RoleARN(account, org.Spec.ReadRoleName)))

	rules := 0
	p := configservice.NewDescribeConfigRulesPaginator(configservice.NewFromConfig(cfg), &configservice.DescribeConfigRulesInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			fmt.Println(err)
			return
		}
		rules += len(out.ConfigRules)
	}
	fmt.Println("rules:", rules, "ground truth:", len(org.Account(account).RegionConfig("eu-west-1").Rules))
	fmt.Println("DescribeConfigRules calls:", srv.Calls().Count("config:DescribeConfigRules", account, "eu-west-1"))
	// Output:
	// rules: 45 ground truth: 45
	// DescribeConfigRules calls: 2
}
