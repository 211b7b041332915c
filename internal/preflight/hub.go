package preflight

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/config-report/config-report/internal/access"
)

// Hub says where the hub's resources are. An empty field skips its check
// (shown as not run, with the reason).
type Hub struct {
	// Bucket is the report bucket.
	Bucket string
	// StateMachineARN is the pipeline's state machine.
	StateMachineARN string
	// ScannerFunction is the ScanAccount function's name, whose reserved
	// concurrency is read; ReservedConcurrency is the reservation the
	// deployment asks for (scannerReservedConcurrency). With neither, the
	// Lambda concurrency is not checked.
	ScannerFunction     string
	ReservedConcurrency int
	// Sender and Recipients are the report's e-mail settings; without
	// recipients SES is not checked.
	Sender     string
	Recipients []string
	// Unavailable names hub checks (by Check.Name: CheckBucket, …) that
	// cannot run where the preflight runs, with the reason, e.g. a
	// simulated organization with no Step Functions.
	Unavailable map[string]string
}

// The names of the hub's checks.
const (
	CheckBucket       = "report bucket"
	CheckStateMachine = "state machine"
	CheckConcurrency  = "Lambda concurrency"
	CheckEmail        = "e-mail (SES)"
)

// MinUnreservedConcurrency is the concurrency Lambda keeps unreserved in
// every account and region: "Lambda keeps at least 100 units of concurrency
// unreserved" (Lambda developer guide, "Configuring reserved concurrency").
const MinUnreservedConcurrency = 100

// checkHub reads the hub's resources with HubAWS's credentials.
func (c *Checker) checkHub(ctx context.Context, res *Result) {
	h := c.Settings.Hub
	for _, check := range []struct {
		name string
		skip string // why the check is not run, "" to run it
		run  func(context.Context) Check
	}{
		{CheckBucket, when(h.Bucket == "", "no report bucket given"), c.checkBucket},
		{CheckStateMachine, when(h.StateMachineARN == "", "no state machine given"), c.checkStateMachine},
		{CheckConcurrency, when(h.ScannerFunction == "" && h.ReservedConcurrency == 0, "no scanner function or reserved concurrency given"), c.checkConcurrency},
		{CheckEmail, when(len(h.Recipients) == 0, fmt.Sprintf("e-mail is not configured (%s)", c.Settings.Names.Recipients)), c.checkEmail},
	} {
		if why, ok := h.Unavailable[check.name]; ok {
			res.Checks = append(res.Checks, Check{Name: check.name, Status: NotRun, Detail: "not checked", Advice: why})
			continue
		}
		if check.skip != "" {
			res.Checks = append(res.Checks, Check{Name: check.name, Status: NotRun, Detail: "not checked", Advice: check.skip})
			continue
		}
		res.Checks = append(res.Checks, check.run(ctx))
	}
}

func when(cond bool, why string) string {
	if cond {
		return why
	}
	return ""
}

// hubFailure is the check for a hub call that failed: not run when the
// caller may not make it (the preflight cannot tell), failed otherwise.
func (c *Checker) hubFailure(name, action string, err error) Check {
	if isAccessDenied(err) {
		return Check{Name: name, Status: NotRun, Detail: action + " denied: " + awsMessage(err),
			Advice: fmt.Sprintf("your credentials may not read it: grant %s (README, \"Before the first run\"), or run check with the hub account's credentials (--hub-profile)", action)}
	}
	return Check{Name: name, Status: Failed, Detail: action + ": " + awsMessage(err), Advice: retryAdvice(err)}
}

// checkBucket reads the report bucket's existence, default encryption,
// versioning and public access block: what the hub stack sets.
func (c *Checker) checkBucket(ctx context.Context) Check {
	h, n := c.Settings.Hub, c.Settings.Names
	var opts []func(*s3.Options)
	if c.S3Options != nil {
		opts = append(opts, c.S3Options)
	}
	client := s3.NewFromConfig(c.HubAWS, opts...)
	bucket := aws.String(h.Bucket)
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: bucket}); err != nil {
		var nf *s3types.NotFound
		var nb *s3types.NoSuchBucket
		if errors.As(err, &nf) || errors.As(err, &nb) {
			return Check{Name: CheckBucket, Status: Failed, Detail: h.Bucket + " does not exist",
				Advice: fmt.Sprintf("deploy %s (it creates the bucket), or correct %s", n.HubStack, n.Bucket)}
		}
		var re interface{ HTTPStatusCode() int }
		if errors.As(err, &re) && re.HTTPStatusCode() == 403 {
			return Check{Name: CheckBucket, Status: NotRun, Detail: access.S3ListBucket + " refused for " + h.Bucket,
				Advice: fmt.Sprintf("the bucket exists but your credentials may not read it (or it is another account's): grant %s, or run check with the hub account's credentials (--hub-profile)", strings.Join(bucketActions, ", "))}
		}
		return c.hubFailure(CheckBucket, access.S3ListBucket, err)
	}
	var problems, good []string
	enc, err := client.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket})
	if err != nil {
		return c.hubFailure(CheckBucket, access.S3GetEncryptionConfiguration, err)
	}
	if alg := encryption(enc.ServerSideEncryptionConfiguration); alg == "" {
		problems = append(problems, "no default encryption")
	} else {
		good = append(good, "encrypted ("+alg+")")
	}
	ver, err := client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: bucket})
	if err != nil {
		return c.hubFailure(CheckBucket, access.S3GetBucketVersioning, err)
	}
	if ver.Status == s3types.BucketVersioningStatusEnabled {
		good = append(good, "versioned")
	} else {
		problems = append(problems, "not versioned")
	}
	pab, err := client.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket})
	var noPAB interface{ ErrorCode() string }
	switch {
	case err != nil && errors.As(err, &noPAB) && noPAB.ErrorCode() == "NoSuchPublicAccessBlockConfiguration":
		problems = append(problems, "public access not blocked (no public access block)")
	case err != nil:
		return c.hubFailure(CheckBucket, access.S3GetBucketPublicAccessBlock, err)
	case allBlocked(pab.PublicAccessBlockConfiguration):
		good = append(good, "public access blocked")
	default:
		problems = append(problems, "public access not fully blocked")
	}
	if len(problems) > 0 {
		return Check{Name: CheckBucket, Status: Failed, Detail: h.Bucket + ": " + strings.Join(append(problems, good...), ", "),
			Advice: fmt.Sprintf("the bucket is not as %s made it (encrypted, versioned, all public access blocked): deploy it again, and find who changed it", n.HubStack)}
	}
	return Check{Name: CheckBucket, Status: Passed, Detail: h.Bucket + ": " + strings.Join(good, ", ")}
}

// bucketActions are what the bucket check calls.
var bucketActions = []string{access.S3ListBucket, access.S3GetEncryptionConfiguration, access.S3GetBucketVersioning, access.S3GetBucketPublicAccessBlock}

func encryption(c *s3types.ServerSideEncryptionConfiguration) string {
	if c == nil {
		return ""
	}
	for _, r := range c.Rules {
		if d := r.ApplyServerSideEncryptionByDefault; d != nil && d.SSEAlgorithm != "" {
			switch d.SSEAlgorithm {
			case s3types.ServerSideEncryptionAes256:
				return "SSE-S3"
			case s3types.ServerSideEncryptionAwsKms:
				return "SSE-KMS"
			}
			return string(d.SSEAlgorithm)
		}
	}
	return ""
}

func allBlocked(c *s3types.PublicAccessBlockConfiguration) bool {
	return c != nil && aws.ToBool(c.BlockPublicAcls) && aws.ToBool(c.IgnorePublicAcls) && aws.ToBool(c.BlockPublicPolicy) && aws.ToBool(c.RestrictPublicBuckets)
}

// recentExecutions is how many of the last executions are read.
const recentExecutions = 10

// checkStateMachine reads the state machine and its last executions.
func (c *Checker) checkStateMachine(ctx context.Context) Check {
	h, n := c.Settings.Hub, c.Settings.Names
	client := sfn.NewFromConfig(c.HubAWS)
	sm, err := client.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(h.StateMachineARN)})
	if err != nil {
		var missing *sfntypes.StateMachineDoesNotExist
		if errors.As(err, &missing) {
			return Check{Name: CheckStateMachine, Status: Failed, Detail: h.StateMachineARN + " does not exist",
				Advice: fmt.Sprintf("deploy %s (it creates the state machine)", n.HubStack)}
		}
		return c.hubFailure(CheckStateMachine, access.StatesDescribeStateMachine, err)
	}
	name := aws.ToString(sm.Name)
	if sm.Status != sfntypes.StateMachineStatusActive {
		return Check{Name: CheckStateMachine, Status: Failed, Detail: fmt.Sprintf("%s is %s", name, sm.Status),
			Advice: fmt.Sprintf("the state machine is being deleted: deploy %s again", n.HubStack)}
	}
	out, err := client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, MaxResults: recentExecutions})
	if err != nil {
		return c.hubFailure(CheckStateMachine, access.StatesListExecutions, err)
	}
	return judgeExecutions(name, out.Executions)
}

// judgeExecutions judges a state machine by its last executions, newest
// first (as ListExecutions returns them): failed when the newest finished
// one did not succeed.
func judgeExecutions(name string, execs []sfntypes.ExecutionListItem) Check {
	check := Check{Name: CheckStateMachine, Status: Passed}
	if len(execs) == 0 {
		check.Detail = name + " ACTIVE; no execution yet"
		return check
	}
	counts := map[sfntypes.ExecutionStatus]int{}
	for _, e := range execs {
		counts[e.Status]++
	}
	var parts []string
	for _, st := range []sfntypes.ExecutionStatus{sfntypes.ExecutionStatusSucceeded, sfntypes.ExecutionStatusRunning, sfntypes.ExecutionStatusFailed,
		sfntypes.ExecutionStatusTimedOut, sfntypes.ExecutionStatusAborted, sfntypes.ExecutionStatusPendingRedrive} {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	check.Detail = fmt.Sprintf("%s ACTIVE; last %d executions: %s", name, len(execs), strings.Join(parts, ", "))
	for _, e := range execs {
		if e.Status == sfntypes.ExecutionStatusRunning || e.Status == sfntypes.ExecutionStatusPendingRedrive {
			continue
		}
		if e.Status != sfntypes.ExecutionStatusSucceeded {
			check.Status = Failed
			check.Detail += fmt.Sprintf("; the last finished, %s (started %s), %s", aws.ToString(e.Name), aws.ToTime(e.StartDate).UTC().Format(time.DateTime), e.Status)
			check.Advice = fmt.Sprintf("open %s in the Step Functions console to see which state failed and why; fix it, then redrive it (within 14 days) or start a new execution", aws.ToString(e.ExecutionArn))
		}
		break
	}
	return check
}

// checkConcurrency compares the account's Lambda concurrency with the
// scanner's reservation.
func (c *Checker) checkConcurrency(ctx context.Context) Check {
	h := c.Settings.Hub
	client := lambda.NewFromConfig(c.HubAWS)
	settings, err := client.GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		return c.hubFailure(CheckConcurrency, access.LambdaGetAccountSettings, err)
	}
	current, deployed := 0, false
	if h.ScannerFunction != "" {
		fc, err := client.GetFunctionConcurrency(ctx, &lambda.GetFunctionConcurrencyInput{FunctionName: aws.String(h.ScannerFunction)})
		var missing *lambdatypes.ResourceNotFoundException
		switch {
		case errors.As(err, &missing):
		case err != nil:
			return c.hubFailure(CheckConcurrency, access.LambdaGetFunctionConcurrency, err)
		default:
			deployed = true
			current = int(aws.ToInt32(fc.ReservedConcurrentExecutions))
		}
	}
	var limit, unreserved int
	if l := settings.AccountLimit; l != nil {
		limit = int(l.ConcurrentExecutions)
		unreserved = int(aws.ToInt32(l.UnreservedConcurrentExecutions))
	}
	return judgeConcurrency(c.Settings.Names, c.HubAWS.Region, limit, unreserved, current, deployed, h.ReservedConcurrency)
}

// judgeConcurrency judges whether the scanner can reserve want of an
// account whose concurrency quota is limit, of which unreserved is not
// reserved by any function, when the scanner already reserves current
// (deployed: the function exists). Lambda keeps MinUnreservedConcurrency
// unreserved, so the scanner can reserve at most unreserved + current -
// MinUnreservedConcurrency.
func judgeConcurrency(n Names, region string, limit, unreserved, current int, deployed bool, want int) Check {
	check := Check{Name: CheckConcurrency, Status: Passed}
	available := unreserved + current - MinUnreservedConcurrency
	check.Detail = fmt.Sprintf("quota %d in %s, %d unreserved", limit, region, unreserved)
	if deployed {
		check.Detail += fmt.Sprintf("; the scanner reserves %d", current)
	}
	if want == 0 {
		check.Detail += "; no reservation to compare"
		return check
	}
	check.Detail += fmt.Sprintf(", needs %d (%s)", want, n.ReservedConcurrency)
	switch {
	case want > available:
		check.Status = Failed
		check.Advice = fmt.Sprintf("Lambda keeps %d of the quota unreserved, so at most %d can be reserved for the scanner: raise the \"Concurrent executions\" quota (Service Quotas, AWS Lambda, L-B99A9384) to at least %d, or lower %s and %s",
			MinUnreservedConcurrency, max(0, available), limit+want-available, n.ReservedConcurrency, n.MaxConcurrency)
	case deployed && current != want:
		check.Status = Failed
		check.Advice = fmt.Sprintf("the deployed scanner reserves %d, not the %d configured: deploy %s", current, want, n.HubStack)
	}
	return check
}

// checkEmail reads the SES account (sandbox, sending) and the sender's
// verification, and in the sandbox the recipients'.
func (c *Checker) checkEmail(ctx context.Context) Check {
	h, n := c.Settings.Hub, c.Settings.Names
	region := c.HubAWS.Region
	client := sesv2.NewFromConfig(c.HubAWS)
	acct, err := client.GetAccount(ctx, &sesv2.GetAccountInput{})
	if err != nil {
		return c.hubFailure(CheckEmail, access.SESGetAccount, err)
	}
	if !acct.SendingEnabled {
		return Check{Name: CheckEmail, Status: Failed, Detail: "SES sending is paused for the account in " + region,
			Advice: "see the SES console's account dashboard (reputation, enforcement status " + aws.ToString(acct.EnforcementStatus) + ") and ask AWS to resume sending"}
	}
	var unverified []string
	verified := func(address string) (bool, error) {
		ok, err := identityVerified(ctx, client, address)
		if err == nil && !ok {
			_, domain, _ := strings.Cut(address, "@")
			ok, err = identityVerified(ctx, client, domain)
		}
		return ok, err
	}
	if ok, err := verified(h.Sender); err != nil {
		return c.hubFailure(CheckEmail, access.SESGetEmailIdentity, err)
	} else if !ok {
		unverified = append(unverified, h.Sender+" (sender)")
	}
	mode := "out of the sandbox"
	if !acct.ProductionAccessEnabled {
		mode = "in the sandbox"
		for _, r := range h.Recipients {
			ok, err := verified(r)
			if err != nil {
				return c.hubFailure(CheckEmail, access.SESGetEmailIdentity, err)
			}
			if !ok {
				unverified = append(unverified, r)
			}
		}
	}
	check := Check{Name: CheckEmail, Status: Passed, Detail: fmt.Sprintf("SES in %s %s; sender %s verified", region, mode, h.Sender)}
	if len(unverified) > 0 {
		check.Status = Failed
		check.Detail = fmt.Sprintf("SES in %s %s; not verified: %s", region, mode, strings.Join(unverified, ", "))
		check.Advice = fmt.Sprintf("verify %s (or its domain) in SES in %s", h.Sender, region)
		if !acct.ProductionAccessEnabled {
			check.Advice = fmt.Sprintf("in the sandbox SES sends only between verified identities: request production access for SES in %s, or verify each of %s and %s (or their domains)",
				region, n.Sender, n.Recipients)
		}
	}
	return check
}

// identityVerified reports whether SES may send from (or, in the sandbox,
// to) identity.
func identityVerified(ctx context.Context, client *sesv2.Client, identity string) (bool, error) {
	if identity == "" {
		return false, nil
	}
	out, err := client.GetEmailIdentity(ctx, &sesv2.GetEmailIdentityInput{EmailIdentity: aws.String(identity)})
	var nf *sestypes.NotFoundException
	switch {
	case errors.As(err, &nf):
		return false, nil
	case err != nil:
		return false, err
	}
	return out.VerifiedForSendingStatus, nil
}
