package orgsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// SESAccount is an account's Amazon SES state in one region: what SES v2
// GetAccount and GetEmailIdentity report, and what SendEmail enforces once
// it is set (Server.SetSES).
//
// An account-region whose state was never set answers as a new account
// does: in the sandbox, sending enabled, no identity verified ("When you
// first start using Amazon SES, your account is in a sandbox", SES
// Developer Guide, "Request production access (Moving out of the Amazon SES
// sandbox)"). Its SendEmail keeps accepting any sender and recipient, as it
// did before identities were modeled, for the tests that do not model SES:
// that one leniency is known, and is gone where the state is set.
type SESAccount struct {
	// ProductionAccess is false while the account is in the sandbox, where
	// "you can only send mail to verified email addresses and domains"
	// (same page).
	ProductionAccess bool
	// SendingPaused is true when SES has paused the account's sending
	// (GetAccount's SendingEnabled false): SendEmail fails with
	// SendingPausedException.
	SendingPaused bool
	// Identities maps each e-mail address or domain identity of the account
	// in the region to its VerificationStatus: SUCCESS, PENDING, FAILED,
	// TEMPORARY_FAILURE or NOT_STARTED. Only SUCCESS may send ("You can only
	// send email from verified email addresses or domains", GetEmailIdentity's
	// VerifiedForSendingStatus); a verified domain verifies every address in
	// it.
	Identities map[string]string
}

// Sandbox sending quotas: "You can send a maximum of 200 messages per
// 24-hour period. You can send a maximum of 1 message per second" (SES
// Developer Guide, sandbox restrictions). Production quotas vary by account
// and are not reported.
const (
	sandboxMax24HourSend = 200
	sandboxMaxSendRate   = 1
)

type sesKey struct{ account, region string }

// SetSES sets an account's SES state in a region; from then on SendEmail
// from that account and region is refused as SES refuses it: from an
// unverified identity, to an unverified recipient in the sandbox
// (MessageRejected, "Email address is not verified. The following
// identities failed the check in region …"), or while sending is paused.
func (s *Server) SetSES(account, region string, a SESAccount) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ses == nil {
		s.ses = map[sesKey]SESAccount{}
	}
	ids := make(map[string]string, len(a.Identities))
	for k, v := range a.Identities {
		ids[strings.ToLower(k)] = v
	}
	a.Identities = ids
	s.ses[sesKey{account, region}] = a
}

// sesState returns an account-region's SES state and whether it was set.
func (s *Server) sesState(account, region string) (SESAccount, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.ses[sesKey{account, region}]
	return a, ok
}

// sesAccountOperation names the GetAccount and GetEmailIdentity requests
// ("" for any other).
func sesAccountOperation(r *http.Request) string {
	if r.Method != http.MethodGet {
		return ""
	}
	if r.URL.Path == "/v2/email/account" {
		return "GetAccount"
	}
	if id, ok := strings.CutPrefix(r.URL.EscapedPath(), "/v2/email/identities/"); ok && id != "" && !strings.Contains(id, "/") {
		return "GetEmailIdentity"
	}
	return ""
}

// serveSESAccount answers GetAccount and GetEmailIdentity.
func (s *Server) serveSESAccount(c *call) {
	a, _ := s.sesState(c.p.account, c.region)
	switch c.op {
	case "GetAccount":
		out := map[string]any{
			"ProductionAccessEnabled": a.ProductionAccess,
			"SendingEnabled":          !a.SendingPaused,
			"EnforcementStatus":       "HEALTHY",
		}
		if !a.ProductionAccess {
			out["SendQuota"] = map[string]any{"Max24HourSend": sandboxMax24HourSend, "MaxSendRate": sandboxMaxSendRate, "SentLast24Hours": s.sentBy(c.p.account, c.region)}
		}
		writeRESTJSON(c, out)
	case "GetEmailIdentity":
		raw := strings.TrimPrefix(c.r.URL.EscapedPath(), "/v2/email/identities/")
		id, err := url.PathUnescape(raw)
		if err != nil {
			c.fail(sesBadRequest("Invalid email identity."))
			return
		}
		status, ok := a.Identities[strings.ToLower(id)]
		if !ok {
			c.fail(&apiError{status: http.StatusNotFound, code: "NotFoundException", message: fmt.Sprintf("Email identity %s does not exist.", id)})
			return
		}
		kind := "DOMAIN"
		if strings.Contains(id, "@") {
			kind = "EMAIL_ADDRESS"
		}
		writeRESTJSON(c, map[string]any{
			"IdentityType":             kind,
			"VerificationStatus":       status,
			"VerifiedForSendingStatus": status == "SUCCESS",
			"FeedbackForwardingStatus": true,
		})
	}
}

// verified reports whether SES lets the account send from or, in the
// sandbox, to address: the address or its domain is a verified identity.
func (a SESAccount) verified(address string) bool {
	address = strings.ToLower(address)
	if a.Identities[address] == "SUCCESS" {
		return true
	}
	_, domain, ok := strings.Cut(address, "@")
	return ok && a.Identities[domain] == "SUCCESS"
}

// sendRefusal is SendEmail's refusal of e by the account-region's SES
// state, or nil when SES would send it (or the state was never set).
func (s *Server) sendRefusal(e *Email) *apiError {
	a, modeled := s.sesState(e.Account, e.Region)
	if !modeled {
		return nil
	}
	if a.SendingPaused {
		return &apiError{status: http.StatusBadRequest, code: "SendingPausedException", message: "Sending is paused for this account."}
	}
	var failed []string
	if !a.verified(e.From) {
		failed = append(failed, e.From)
	}
	if !a.ProductionAccess {
		for _, to := range append(append(append([]string(nil), e.To...), e.Cc...), e.Bcc...) {
			if !a.verified(to) {
				failed = append(failed, to)
			}
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &apiError{status: http.StatusBadRequest, code: "MessageRejected",
		message: fmt.Sprintf("Email address is not verified. The following identities failed the check in region %s: %s",
			strings.ToUpper(e.Region), strings.Join(failed, ", "))}
}

// sentBy counts the messages the account sent in the region.
func (s *Server) sentBy(account, region string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.emails {
		if e.Account == account && e.Region == region {
			n++
		}
	}
	return n
}

func writeRESTJSON(c *call, v any) {
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Requestid", c.reqID)
	c.w.WriteHeader(http.StatusOK)
	json.NewEncoder(c.w).Encode(v)
}
