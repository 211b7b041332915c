package preflight

import (
	"cmp"

	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/org"
	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/scan"
)

// Names are how advice names the deployment's stacks and settings: with
// cdk.json's environment, its stacks and its settings (memberRole.targetOus);
// with the command's flags, the flags.
type Names struct {
	// OrgRoleStack, MemberRoleStack and HubStack name the stacks that
	// create the organization role, the read roles and the hub.
	OrgRoleStack, MemberRoleStack, HubStack string
	// ExternalID and OrgExternalID name the ExternalId settings of the read
	// roles and of the organization role.
	ExternalID, OrgExternalID string
	// Regions, ReadRoleName, IncludeOUs, ExcludeOUs and ExcludeAccounts name
	// the scan's settings.
	Regions, ReadRoleName, IncludeOUs, ExcludeOUs, ExcludeAccounts string
	// ReservedConcurrency and MaxConcurrency name the concurrency settings.
	ReservedConcurrency, MaxConcurrency string
	// Bucket, Sender and Recipients name the hub's settings.
	Bucket, Sender, Recipients string
	// TargetOUs names the setting that lists where the member-role StackSet
	// deploys the read role; Targets are its OU (or root) IDs, nil when
	// unknown or when the read role is deployed account by account.
	TargetOUs string
	Targets   []string
	// Trusted is the principal the deployed read roles trust (the hub's
	// scanner role), "" when unknown.
	Trusted string
}

// The names of the account checks.
const (
	CheckReadRole = "read role"
	CheckConfig   = "AWS Config"
	CheckRecorder = "recorder"
	CheckReads    = "Config reads"
	CheckSCP      = "SCP"
	CheckRegions  = "opt-in regions"
	CheckErrors   = "check errors"
)

// judgeAccounts turns the account probes into findings, the account
// checks and the roll-up of unreachable accounts by OU.
func (c *Checker) judgeAccounts(res *Result, listing *org.Listing, probes []accountProbe, sc scan.Config) {
	n := c.Settings.Names
	var (
		unreachable []accountProbe
		off         = map[string][]string{} // region → accounts with Config not enabled
		stopped     []Finding
		denied      = map[string][]Finding{} // action → findings
		blocked     []Finding
		disabled    []Finding
		failed      []Finding
		serviceLink int
		probed      int
		reached     = map[string]int{} // region → accounts where Config was asked (not blocked or disabled)
	)
	for _, p := range probes {
		a := p.account
		finding := func(region string, d Diagnosis, action, msg string) Finding {
			f := Finding{AccountID: a.ID, AccountName: a.Name, OUPath: a.OUPath, Region: region, Diagnosis: d, Action: action, Message: msg}
			res.Findings = append(res.Findings, f)
			return f
		}
		switch {
		case p.unreachable != "":
			unreachable = append(unreachable, p)
			finding("", Unreachable, access.STSAssumeRole, p.unreachable)
			continue
		case p.failure != "":
			failed = append(failed, finding("", CheckError, access.STSAssumeRole, p.failure))
			continue
		}
		res.Totals.Reachable++
		for _, r := range p.regions {
			probed++
			if r.status != run.RegionBlockedBySCP && r.status != run.RegionDisabled {
				reached[r.region]++
			}
			switch r.status {
			case run.RegionConfigNotEnabled:
				off[r.region] = append(off[r.region], a.ID)
				finding(r.region, ConfigNotEnabled, "", "no configuration recorder and no rules in the region")
			case run.RegionRecorderStopped:
				stopped = append(stopped, finding(r.region, RecorderStopped, "", fmt.Sprintf("configuration recorder %q is not recording", r.recorder.Name)))
			case run.RegionDisabled:
				disabled = append(disabled, finding(r.region, RegionDisabled, "", r.disabled))
			case run.RegionBlockedBySCP:
				blocked = append(blocked, finding(r.region, BlockedBySCP, "", r.blocked))
			}
			if r.status.HasData() && r.recorder == nil && r.rules > 0 {
				serviceLink++
			}
			for _, d := range r.denied {
				denied[d.action] = append(denied[d.action], finding(r.region, AccessDenied, d.action, d.message))
			}
			for _, f := range r.failed {
				failed = append(failed, finding(r.region, CheckError, f.action, f.message))
			}
		}
	}
	res.Totals.AccountRegions = probed
	slices.SortStableFunc(res.Findings, func(a, b Finding) int {
		return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.Region, b.Region))
	})
	res.UnreachableByOU = rollUp(probes, listing.ParentIDs)

	checked := len(probes)
	if checked == 0 {
		res.Checks = append(res.Checks, Check{Name: CheckReadRole, Status: NotRun, Detail: "no account to check", Advice: "the filters select no account"})
		return
	}
	scope := plural(checked, "account") + " checked"
	if checked < res.Totals.Selected {
		scope += fmt.Sprintf(" (of %d selected)", res.Totals.Selected)
	}

	readRole := Check{Name: CheckReadRole, Status: Passed, Detail: "assumed in all " + scope}
	if len(unreachable) > 0 {
		readRole.Status = Failed
		readRole.Detail = fmt.Sprintf("cannot be assumed in %d of %s", len(unreachable), scope)
		readRole.Advice = readRoleAdvice(n, sc, res.Caller, res.UnreachableByOU, listing.ParentIDs, len(unreachable), checked)
	}
	res.Checks = append(res.Checks, readRole)
	if res.Totals.Reachable == 0 {
		return
	}

	config := Check{Name: CheckConfig, Status: Passed, Detail: fmt.Sprintf("on in every account-region checked (%d)", probed-len(blocked)-len(disabled))}
	if serviceLink > 0 {
		config.Detail += fmt.Sprintf("; %d with only a service-linked recorder", serviceLink)
	}
	if len(off) > 0 {
		total := 0
		for _, ids := range off {
			total += len(ids)
		}
		config.Status = Failed
		config.Detail = fmt.Sprintf("not enabled in %s: %s", plural(total, "account-region"), byRegion(off))
		config.Advice = configAdvice(n, off, reached)
	}
	res.Checks = append(res.Checks, config)

	recorder := Check{Name: CheckRecorder, Status: Passed, Detail: "recording wherever Config is on"}
	if len(stopped) > 0 {
		recorder.Status = Failed
		recorder.Detail = fmt.Sprintf("stopped in %s: %s", plural(len(stopped), "account-region"), byRegion(regionsOf(stopped)))
		recorder.Advice = "start each recorder with the account's credentials (aws configservice start-configuration-recorder --configuration-recorder-name <name> --region <region>; the findings list them): until then the report warns that their results may be stale"
	}
	res.Checks = append(res.Checks, recorder)

	reads := access.ReadRole(sc.ResolveResourceDetails)
	readsCheck := Check{Name: CheckReads, Status: Passed, Detail: fmt.Sprintf("the %d reads the scanner makes are allowed in every account-region reached", len(reads))}
	if len(denied) > 0 {
		var parts []string
		for _, action := range slices.Sorted(maps.Keys(denied)) {
			parts = append(parts, fmt.Sprintf("%s in %s (%s)", action, plural(len(denied[action]), "account-region"), plural(len(accountsOf(denied[action])), "account")))
		}
		readsCheck.Status = Failed
		readsCheck.Detail = "denied: " + strings.Join(parts, "; ")
		readsCheck.Advice = fmt.Sprintf("the read role in these accounts does not allow all %d reads %s grants: deploy its instances there again (an outdated policy), and look for a permissions boundary or policy that denies them",
			len(reads), n.MemberRoleStack)
		if _, ok := denied[access.ConfigBatchGetResourceConfig]; ok && len(denied) == 1 {
			readsCheck.Advice += "; without config:BatchGetResourceConfig the report only lacks resource names"
		}
	}
	res.Checks = append(res.Checks, readsCheck)

	scp := Check{Name: CheckSCP, Status: Passed, Detail: "no region blocked by a service control policy"}
	if len(blocked) > 0 {
		scp.Status = NotRun
		scp.Detail = fmt.Sprintf("%s blocked: %s", plural(len(blocked), "account-region"), byRegion(regionsOf(blocked)))
		scp.Advice = fmt.Sprintf("the organization's choice, shown in the report as blocked by SCP: to scan them, exempt the read role %s (%s) in %s; otherwise leave those regions out of %s",
			sc.ReadRoleName, n.ReadRoleName, policies(blocked), n.Regions)
	}
	res.Checks = append(res.Checks, scp)

	optIn := Check{Name: CheckRegions, Status: Passed, Detail: "every region checked is enabled in its account"}
	if len(disabled) > 0 {
		optIn.Status = NotRun
		optIn.Detail = fmt.Sprintf("%s not enabled by their account: %s", plural(len(disabled), "account-region"), byRegion(regionsOf(disabled)))
		optIn.Advice = fmt.Sprintf("the account's choice, shown in the report as region not enabled: enable the region in the account (Account settings, AWS Regions) to scan it, or leave it out of %s", n.Regions)
	}
	res.Checks = append(res.Checks, optIn)

	if len(failed) > 0 {
		res.Checks = append(res.Checks, Check{Name: CheckErrors, Status: Failed,
			Detail: fmt.Sprintf("%d calls failed otherwise, e.g. %s: %s", len(failed), cmp.Or(failed[0].Action, "a call"), failed[0].Message),
			Advice: "throttling or server errors past the SDK's retries, or an unexpected answer: run check again (with a lower --concurrency); if it persists, a run would fail on them too"})
	}
}

// rollUp counts each OU's accounts checked and unreachable, for the OUs
// with an unreachable account, the most unreachable first.
func rollUp(probes []accountProbe, parentIDs map[string]string) []OUCount {
	byPath := map[string]*OUCount{}
	for _, p := range probes {
		oc := byPath[p.account.OUPath]
		if oc == nil {
			oc = &OUCount{Path: p.account.OUPath, ID: parentIDs[p.account.OUPath]}
			byPath[p.account.OUPath] = oc
		}
		oc.Checked++
		if p.unreachable != "" {
			oc.Unreachable++
		}
	}
	var out []OUCount
	for _, oc := range byPath {
		if oc.Unreachable > 0 {
			out = append(out, *oc)
		}
	}
	slices.SortFunc(out, func(a, b OUCount) int {
		return cmp.Or(cmp.Compare(b.Unreachable, a.Unreachable), strings.Compare(a.Path, b.Path))
	})
	return out
}

// readRoleAdvice says where the read role is missing, whole OUs first.
func readRoleAdvice(n Names, sc scan.Config, caller string, ous []OUCount, parentIDs map[string]string, unreachable, checked int) string {
	role := fmt.Sprintf("the read role %s (%s)", sc.ReadRoleName, n.ReadRoleName)
	// What the roles' ExternalId condition must be, and how it fails.
	want, wrong := fmt.Sprintf("the ExternalId in %s", n.ExternalID), fmt.Sprintf("wants another ExternalId than %s's", n.ExternalID)
	if sc.ReadExternalID == "" {
		want, wrong = fmt.Sprintf("no ExternalId (%s sets none)", n.ExternalID), fmt.Sprintf("wants an ExternalId (%s sets none)", n.ExternalID)
	}
	// Trust policies name roles, not their sessions.
	you := principalOf(caller)
	if unreachable == checked {
		trust := cmp.Or(n.Trusted, "the principal ScanAccount runs as")
		advice := fmt.Sprintf("no account's read role admits %s: deploy %s if it is not deployed yet; the roles must want %s and trust %s", you, n.MemberRoleStack, want, trust)
		if you != n.Trusted {
			advice += "; if they trust it only, run check as a principal they trust (README, \"Before the first run\")"
		}
		return advice
	}
	var parts []string
	rest := unreachable
	for _, ou := range ous {
		if ou.Unreachable != ou.Checked || ou.Checked < 2 {
			continue
		}
		rest -= ou.Unreachable
		where := ou.Path
		if ou.ID != "" {
			where = fmt.Sprintf("%s (%s)", ou.ID, ou.Path)
		}
		switch target := targetOver(ou.Path, parentIDs, n.Targets); {
		case n.Targets == nil:
			parts = append(parts, fmt.Sprintf("no account of %s has the read role: deploy %s there", where, n.MemberRoleStack))
		case target == "":
			parts = append(parts, fmt.Sprintf("no account of %s has the read role: add %s to %s and deploy %s", where, cmp.Or(ou.ID, ou.Path), n.TargetOUs, n.MemberRoleStack))
		default:
			parts = append(parts, fmt.Sprintf("no account of %s has the read role though %s targets %s: check the StackSet's instances there (failed or outdated)", where, n.MemberRoleStack, target))
		}
	}
	if rest > 0 {
		which := "in these " + plural(rest, "account")
		if len(parts) > 0 {
			which = "in the other " + plural(rest, "account")
		}
		parts = append(parts, fmt.Sprintf("%s (findings below) %s is missing, does not trust %s, or %s: check %s's instances in them",
			which, role, you, wrong, n.MemberRoleStack))
	}
	return strings.Join(parts, "; ")
}

// principalOf returns the IAM role of an assumed-role session ARN
// (arn:aws:sts::111122223333:assumed-role/name/session), as trust policies
// name it, and any other ARN as it is.
func principalOf(caller string) string {
	a, err := arn.Parse(caller)
	if err != nil || a.Service != "sts" || !strings.HasPrefix(a.Resource, "assumed-role/") {
		return caller
	}
	parts := strings.Split(a.Resource, "/")
	if len(parts) < 3 {
		return caller
	}
	return arn.ARN{Partition: a.Partition, Service: "iam", AccountID: a.AccountID, Resource: "role/" + strings.Join(parts[1:len(parts)-1], "/")}.String()
}

// targetOver returns the StackSet target (an ID of targets) that is the OU
// at path or one of its ancestors, "" for none.
func targetOver(path string, parentIDs map[string]string, targets []string) string {
	for p := path; p != ""; {
		if id := parentIDs[p]; id != "" && slices.Contains(targets, id) {
			return id
		}
		i := strings.LastIndex(p, "/")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return ""
}

// configAdvice says how to get Config recording where it is off; reached
// counts, by region, the accounts where Config could be asked.
func configAdvice(n Names, off map[string][]string, reached map[string]int) string {
	var everywhere []string
	for region, ids := range off {
		if len(ids) == reached[region] {
			everywhere = append(everywhere, region)
		}
	}
	advice := "turn AWS Config on in these account-regions (a configuration recorder and delivery channel, e.g. from your Config StackSet or Control Tower); until then the report counts them as Config off"
	if len(everywhere) > 0 {
		slices.Sort(everywhere)
		advice = fmt.Sprintf("%s has Config off in every account checked that can use it: leave it out of %s unless you mean to turn Config on there; elsewhere, ", strings.Join(everywhere, ", "), n.Regions) + advice
	}
	return advice
}

// byRegion says "eu-west-1 in 3 accounts, us-east-1 in 1", the most first.
func byRegion(m map[string][]string) string {
	regions := slices.Collect(maps.Keys(m))
	slices.SortFunc(regions, func(a, b string) int { return cmp.Or(cmp.Compare(len(m[b]), len(m[a])), strings.Compare(a, b)) })
	parts := make([]string, len(regions))
	for i, r := range regions {
		parts[i] = r + " in " + plural(len(m[r]), "account")
	}
	return strings.Join(parts, ", ")
}

// plural says "1 account", "2 accounts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func regionsOf(fs []Finding) map[string][]string {
	m := map[string][]string{}
	for _, f := range fs {
		m[f.Region] = append(m[f.Region], f.AccountID)
	}
	return m
}

func accountsOf(fs []Finding) map[string]bool {
	m := map[string]bool{}
	for _, f := range fs {
		m[f.AccountID] = true
	}
	return m
}

// policyARN finds a policy's ARN in an AccessDenied message (AWS names the
// denying policy in messages for requests within one organization).
var policyARN = regexp.MustCompile(`arn:aws[a-z-]*:organizations::\d{12}:policy/[\w/-]+`)

// policies names the SCPs the findings' messages name, or says the
// organization's SCPs.
func policies(fs []Finding) string {
	seen := map[string]bool{}
	for _, f := range fs {
		if m := policyARN.FindString(f.Message); m != "" {
			seen[m] = true
		}
	}
	if len(seen) == 0 {
		return "the service control policy that denies them"
	}
	return strings.Join(slices.Sorted(maps.Keys(seen)), ", ")
}
