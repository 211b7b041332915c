package orgsim

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Server serves an Org over HTTP in AWS's wire protocols: Organizations, STS,
// Config and SES v2 from the organization's model, S3 from gofakes3. It
// dispatches on the service named in the SigV4 credential scope, so one URL
// serves every client. It is safe for concurrent use.
type Server struct {
	org     *Org
	s3      http.Handler
	buckets bucketSettings
	now     func() time.Time
	secret  uint64
	calls   *Calls
	faults  faultState
	ts      *httptest.Server
	handler http.Handler

	rates rateState
	// throttled counts the calls answered with a throttling error, random
	// (Faults.Throttle) or by rate (SetRateLimits).
	throttled *Calls

	mu          sync.Mutex
	keys        map[string]*principal // access key ID → principal
	byPrincipal map[string]*principal // Credentials() cache, by principal ARN
	seq         uint64
	emails      []Email
	ses         map[sesKey]SESAccount
}

// Option configures a Server.
type Option func(*Server)

// WithClock sets the clock used for credential expiry, AssumeRole's
// Expiration and SES timestamps (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *Server) { s.now = now }
}

// New returns a Server for org that is not listening: serve its Handler
// yourself (URL then returns "").
func New(org *Org, opts ...Option) *Server {
	backend := s3mem.New()
	s := &Server{
		org:         org,
		s3:          gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server(),
		buckets:     bucketSettings{store: backend, m: map[string]*bucketSetting{}},
		now:         time.Now,
		secret:      hashOf(org.seed, "server-secret"),
		calls:       &Calls{},
		throttled:   &Calls{},
		keys:        make(map[string]*principal),
		byPrincipal: make(map[string]*principal),
	}
	for _, o := range opts {
		o(s)
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s
}

// Start serves org on an in-process HTTP server on a random local port.
// Close it when done (t.Cleanup(srv.Close)).
func Start(org *Org, opts ...Option) *Server {
	s := New(org, opts...)
	s.ts = httptest.NewServer(s.handler)
	return s
}

// StartOn serves org on the given listener, e.g. a fixed port for a
// long-running local endpoint.
func StartOn(ln net.Listener, org *Org, opts ...Option) *Server {
	s := New(org, opts...)
	s.ts = httptest.NewUnstartedServer(s.handler)
	s.ts.Listener.Close()
	s.ts.Listener = ln
	s.ts.Start()
	return s
}

// Handler returns the HTTP handler that serves every simulated service.
func (s *Server) Handler() http.Handler { return s.handler }

// URL returns the base URL of a started server, or "".
func (s *Server) URL() string {
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Close stops a started server.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Org returns the organization the server serves.
func (s *Server) Org() *Org { return s.org }

// Calls returns the server's call counter.
func (s *Server) Calls() *Calls { return s.calls }

// SetFaults replaces the injected faults; the zero Faults turns them off.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// SetRateLimits makes the server throttle by rate, as AWS does: limits maps
// operation keys, as Faults.Throttle does ("config:GetComplianceDetailsByConfigRule",
// "config:*", "*"; the most specific key wins), to a token bucket that the
// server keeps for each caller account, region and operation. A call that
// finds its bucket empty is answered as a throttled call in its service's
// protocol (AWS Config: ThrottlingException, HTTP 400, "Rate exceeded").
// Buckets start full; the server's clock (WithClock) refills them. nil
// turns rate limiting off. Random throttling (Faults) applies as well: a
// call it throttles takes no token.
func (s *Server) SetRateLimits(limits map[string]RateLimit) { s.rates.set(limits) }

// Throttled counts the calls the server answered with a throttling error,
// random or by rate, by operation key, caller account and region; Calls
// counts them too.
func (s *Server) Throttled() *Calls { return s.throttled }

// Emails returns the messages received by SES v2 SendEmail, oldest first.
func (s *Server) Emails() []Email {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.emails)
}

// AWSConfig returns an aws.Config that sends every service to the server with
// the principal's credentials, e.g.
// srv.AWSConfig(org.HubRoleARN("system-config-report-scanner-role"), "eu-west-1").
// Use path-style addressing for S3 (s3.Options.UsePathStyle).
func (s *Server) AWSConfig(principalARN, region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  s.Credentials(principalARN),
		BaseEndpoint: aws.String(s.URL()),
	}
}

// Credentials returns credentials for a principal of the organization:
//   - a role ARN (arn:aws:iam::<account>:role/<name>) gives temporary
//     credentials of a session of that role, named "orgsim", as a Lambda
//     function's execution role has (so AssumeRole from it is role chaining);
//   - an assumed-role ARN (arn:aws:sts::<account>:assumed-role/<role>/<session>)
//     gives that session;
//   - a user ARN (arn:aws:iam::<account>:user/<name>) or an account root
//     (arn:aws:iam::<account>:root) gives long-term keys.
//
// The same ARN always gets the same keys. A malformed ARN makes Retrieve fail.
func (s *Server) Credentials(principalARN string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		p, err := s.principalFor(principalARN)
		if err != nil {
			return aws.Credentials{}, err
		}
		return aws.Credentials{AccessKeyID: p.akid, SecretAccessKey: p.secret, SessionToken: p.token, Source: "orgsim"}, nil
	})
}

// principal is an authenticated identity: what an access key stands for.
type principal struct {
	account string
	arn     string // the caller ARN GetCallerIdentity returns
	roleARN string // the IAM ARN trust policies match: the role for a session, else arn
	userID  string
	akid    string
	secret  string
	token   string
	expires time.Time // zero: never
	chained bool      // a role session: AssumeRole from it is role chaining
}

func (s *Server) principalFor(arnStr string) (*principal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.byPrincipal[arnStr]; ok {
		return p, nil
	}
	p, err := parsePrincipal(s.org.Partition, arnStr)
	if err != nil {
		return nil, err
	}
	s.mintLocked(p)
	s.byPrincipal[arnStr] = p
	return p, nil
}

// parsePrincipal turns a principal ARN into an (unminted) principal.
func parsePrincipal(partition, arnStr string) (*principal, error) {
	bad := fmt.Errorf("orgsim: %q is not a role, assumed-role, user or root ARN", arnStr)
	parts := strings.SplitN(arnStr, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != partition || len(parts[4]) != 12 {
		return nil, bad
	}
	account, res := parts[4], parts[5]
	switch {
	case parts[2] == "iam" && strings.HasPrefix(res, "role/"):
		name := res[strings.LastIndex(res, "/")+1:]
		return sessionPrincipal(partition, account, name, "orgsim"), nil
	case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		f := strings.Split(res, "/")
		if len(f) != 3 {
			return nil, bad
		}
		return sessionPrincipal(partition, account, f[1], f[2]), nil
	case parts[2] == "iam" && strings.HasPrefix(res, "user/"):
		return &principal{account: account, arn: arnStr, roleARN: arnStr, userID: "AIDA" + idChars(hashOf(0, arnStr), 17)}, nil
	case parts[2] == "iam" && res == "root":
		return &principal{account: account, arn: arnStr, roleARN: arnStr, userID: account}, nil
	}
	return nil, bad
}

func sessionPrincipal(partition, account, role, session string) *principal {
	rARN := roleARN(partition, account, role)
	return &principal{
		account: account,
		arn:     fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", partition, account, role, session),
		roleARN: rARN,
		userID:  roleID(rARN) + ":" + session,
		chained: true,
	}
}

// roleID is the role's unique ID (AROA…), stable for a role ARN.
func roleID(rARN string) string { return "AROA" + idChars(hashOf(0, rARN), 17) }

func idChars(h uint64, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	r := rngFor(h, "id")
	return randString(r, alphabet, n)
}

// mintLocked gives p fresh keys and registers them. Callers hold s.mu.
func (s *Server) mintLocked(p *principal) {
	s.seq++
	r := rngFor(s.secret, "key", itoa(int(s.seq)), p.arn)
	prefix := "AKIA"
	if p.chained {
		prefix = "ASIA"
		p.token = "IQoJb3JpZ2luX2Vj" + randString(r, upperAlnum+lowerAlnum+"+/", 200)
	}
	p.akid = prefix + randString(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
	p.secret = randString(r, upperAlnum+lowerAlnum+"+/", 40)
	s.keys[p.akid] = p
}

func (s *Server) lookupKey(akid string) *principal {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[akid]
}

func (s *Server) requestID() string {
	s.mu.Lock()
	s.seq++
	n := s.seq
	s.mu.Unlock()
	h := hashOf(s.secret, "req", itoa(int(n)))
	h2 := mix(h)
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", uint32(h), uint16(h>>32), uint16(h>>48)&0x0fff|0x4000, uint16(h2)&0x3fff|0x8000, h2>>16&0xffffffffffff)
}

// scope is the parsed SigV4 credential scope of a request.
type scope struct {
	akid, region, service string
}

// parseScope reads the credential scope from the Authorization header or,
// for presigned URLs, the X-Amz-Credential query parameter.
func parseScope(r *http.Request) (scope, bool) {
	cred := ""
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") {
		for _, f := range strings.Split(strings.TrimPrefix(auth, "AWS4-HMAC-SHA256 "), ",") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(f), "Credential="); ok {
				cred = v
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	f := strings.Split(cred, "/")
	if len(f) != 5 || f[4] != "aws4_request" || f[0] == "" {
		return scope{}, false
	}
	return scope{akid: f[0], region: f[2], service: f[3]}, true
}

// guessService names the service of an unsigned request from its shape, so
// that it can be refused in that service's protocol.
func guessService(r *http.Request) string {
	t := r.Header.Get("X-Amz-Target")
	switch {
	case strings.HasPrefix(t, orgTargetPrefix):
		return "organizations"
	case strings.HasPrefix(t, configTargetPrefix):
		return "config"
	case strings.HasPrefix(r.URL.Path, "/v2/email/"):
		return "ses"
	case r.Method == http.MethodPost && r.URL.Path == "/" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		return "sts"
	}
	return "s3"
}

// call is one request on its way through the server.
type call struct {
	w       http.ResponseWriter
	r       *http.Request
	body    []byte
	proto   protocol
	service string
	region  string
	op      string // operation name, e.g. DescribeConfigRules
	p       *principal
	reqID   string
}

func (c *call) opKey() string { return c.service + ":" + c.op }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	sc, signed := parseScope(r)
	service := sc.service
	if !signed {
		service = guessService(r)
	}
	c := &call{w: w, r: r, service: service, region: sc.region, reqID: s.requestID()}
	switch service {
	case "organizations":
		c.proto = jsonProtocol{target: orgTargetPrefix, messageKey: "Message"}
	case "config":
		c.proto = jsonProtocol{target: configTargetPrefix, messageKey: "message"}
	case "sts":
		c.proto = queryProtocol{}
	case "ses":
		c.proto = restJSONProtocol{}
	case "s3":
		c.proto = s3Protocol{}
	default:
		c.proto = jsonProtocol{messageKey: "message"}
		c.fail(&apiError{status: http.StatusBadRequest, code: "UnknownOperationException", message: fmt.Sprintf("orgsim does not serve the %q service", service)})
		return
	}
	if service != "s3" {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			return
		}
		c.body = body
	}
	op, aerr := c.proto.operation(c)
	if aerr != nil {
		c.fail(aerr)
		return
	}
	c.op = op
	if !signed {
		c.fail(c.proto.missingAuth())
		return
	}
	p := s.lookupKey(sc.akid)
	if p == nil || (p.token != "" && sessionToken(r) != p.token) {
		c.fail(c.proto.invalidToken())
		return
	}
	if !p.expires.IsZero() && s.now().After(p.expires) {
		c.fail(c.proto.expiredToken())
		return
	}
	c.p = p
	s.calls.add(callKey{op: c.opKey(), account: p.account, region: c.region})

	f := s.faults.decide(c.opKey(), p.account, c.region)
	// The bucket is checked when the call arrives; the latency that follows
	// is the call's time in the service and on the way back.
	limited := f.kind == faultNone && !s.rates.allow(c.opKey(), p.account, c.region, s.now())
	if f.latency > 0 {
		t := time.NewTimer(f.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.kind == faultThrottle || limited {
		s.throttled.add(callKey{op: c.opKey(), account: p.account, region: c.region})
		c.fail(c.proto.throttled())
		return
	}
	switch f.kind {
	case faultInternal:
		c.fail(c.proto.serverError(http.StatusInternalServerError))
		return
	case faultUnavailable:
		c.fail(c.proto.serverError(http.StatusServiceUnavailable))
		return
	}
	if acct := s.org.Account(p.account); acct != nil {
		regional := service == "config" || service == "ses"
		s.org.mu.RLock()
		denied := slices.Contains(acct.DeniedActions, c.opKey())
		disabled := slices.Contains(acct.DisabledRegions, c.region)
		scpDenied := regional && acct.ID != s.org.ManagementAccountID && slices.Contains(acct.SCPDeniedRegions, c.region)
		s.org.mu.RUnlock()
		if disabled && regional {
			// A regional endpoint of a region the account has not enabled does not
			// recognize the account's credentials.
			c.fail(c.proto.invalidToken())
			return
		}
		if scpDenied {
			c.fail(s.scpDenied(c))
			return
		}
		if denied || !s.policyAllows(p, acct, c.opKey()) {
			c.fail(c.proto.accessDenied(c))
			return
		}
	}
	switch service {
	case "organizations":
		s.serveOrganizations(c)
	case "config":
		s.serveConfig(c)
	case "sts":
		s.serveSTS(c)
	case "ses":
		s.serveSES(c)
	case "s3":
		s.serveS3(c)
	}
}

// policyAllows reports whether the permissions policy of the principal's
// role allows action. Only roles whose Actions the organization models are
// checked (the org role and the read roles); other principals pass.
func (s *Server) policyAllows(p *principal, acct *Account, action string) bool {
	if action == "sts:GetCallerIdentity" {
		// "No permissions are required to perform this operation" (STS API
		// reference, GetCallerIdentity).
		return true
	}
	name, ok := strings.CutPrefix(p.roleARN, roleARN(s.org.Partition, acct.ID, ""))
	if !ok {
		return true
	}
	role, ok := acct.Role(name)
	if !ok || role.Actions == nil {
		return true
	}
	return slices.ContainsFunc(role.Actions, func(allowed string) bool { return actionMatches(allowed, action) })
}

// actionMatches reports whether an IAM policy's Action element allows
// action: case-insensitively, with * matching any run of characters
// ("config:Describe*"), as IAM matches actions (IAM JSON policy elements
// reference, "Action").
func actionMatches(pattern, action string) bool {
	pattern, action = strings.ToLower(pattern), strings.ToLower(action)
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == action
	}
	if !strings.HasPrefix(action, pattern[:star]) {
		return false
	}
	action, pattern = action[star:], pattern[star+1:]
	if pattern == "" {
		return true
	}
	// The star takes any run of characters: try every rest of the action.
	for i := 0; i <= len(action); i++ {
		if actionMatches(pattern, action[i:]) {
			return true
		}
	}
	return false
}

// scpDenied is the error of a call a service control policy denies: the
// service's AccessDenied with "with an explicit deny in a service control
// policy" (IAM user guide, "Troubleshoot access denied error messages":
// "When an SCP denies access, the error message always includes the
// phrase …"), followed by the denying policy's ARN where AWS names it (AWS
// Security Blog, "Enhanced access denied error messages with policy ARNs":
// same-organization requests).
func (s *Server) scpDenied(c *call) *apiError {
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s with an explicit deny in a service control policy", c.p.arn, c.opKey())
	for _, pol := range s.org.SCPs {
		if !slices.Contains(pol.Approved, c.region) {
			msg += ": " + pol.ARN(s.org)
			break
		}
	}
	e := c.proto.accessDenied(c)
	e.message = msg
	return e
}

func sessionToken(r *http.Request) string {
	if t := r.Header.Get("X-Amz-Security-Token"); t != "" {
		return t
	}
	return r.URL.Query().Get("X-Amz-Security-Token")
}

// fail writes err in the call's protocol.
func (c *call) fail(err *apiError) {
	c.proto.writeError(c, err)
}

// apiError is an error response before it is put in a protocol's shape.
type apiError struct {
	status  int
	code    string
	message string
	fields  map[string]string // extra members of the error shape, e.g. Reason
	sender  bool              // STS: Type Sender (else Receiver)
}

// protocol is the part of an AWS wire protocol the server needs.
type protocol interface {
	// operation names the operation of a request.
	operation(c *call) (string, *apiError)
	writeError(c *call, err *apiError)
	missingAuth() *apiError
	invalidToken() *apiError
	expiredToken() *apiError
	throttled() *apiError
	serverError(status int) *apiError
	accessDenied(c *call) *apiError
}

// queryValues parses a form body.
func queryValues(body []byte) (url.Values, *apiError) {
	v, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &apiError{status: http.StatusBadRequest, code: "MalformedQueryString", message: err.Error(), sender: true}
	}
	return v, nil
}
