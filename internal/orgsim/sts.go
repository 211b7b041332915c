package orgsim

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

type stsResponseMetadata struct {
	RequestID string `xml:"RequestId"`
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ AssumeRoleResponse"`
	Result  struct {
		AssumedRoleUser struct {
			AssumedRoleID string `xml:"AssumedRoleId"`
			Arn           string
		}
		Credentials struct {
			AccessKeyID     string `xml:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
			Expiration      string
		}
	} `xml:"AssumeRoleResult"`
	ResponseMetadata stsResponseMetadata
}

type getCallerIdentityResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
	Result  struct {
		UserID  string `xml:"UserId"`
		Account string
		Arn     string
	} `xml:"GetCallerIdentityResult"`
	ResponseMetadata stsResponseMetadata
}

var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func stsValidation(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "ValidationError", message: msg, sender: true}
}

func (s *Server) serveSTS(c *call) {
	v, aerr := queryValues(c.body)
	if aerr != nil {
		c.fail(aerr)
		return
	}
	switch c.op {
	case "GetCallerIdentity":
		var out getCallerIdentityResponse
		out.Result.UserID, out.Result.Account, out.Result.Arn = c.p.userID, c.p.account, c.p.arn
		out.ResponseMetadata.RequestID = c.reqID
		writeXML(c, http.StatusOK, out)
	case "AssumeRole":
		s.assumeRole(c, v.Get("RoleArn"), v.Get("RoleSessionName"), v.Get("ExternalId"), v.Get("DurationSeconds"), v.Has("ExternalId"))
	}
}

func (s *Server) assumeRole(c *call, roleArn, session, externalID, durationStr string, hasExternalID bool) {
	if roleArn == "" {
		c.fail(stsValidation("1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null"))
		return
	}
	if !sessionNamePattern.MatchString(session) {
		c.fail(stsValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", session)))
		return
	}
	duration := 3600
	if durationStr != "" {
		n, err := strconv.Atoi(durationStr)
		switch {
		case err != nil:
			c.fail(stsValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must be an integer", durationStr)))
			return
		case n < 900:
			c.fail(stsValidation(fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", n)))
			return
		case n > 43200:
			c.fail(stsValidation(fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200", n)))
			return
		}
		duration = n
	}
	if hasExternalID && (len(externalID) < 2 || len(externalID) > 1224) {
		c.fail(stsValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2", externalID)))
		return
	}
	denied := &apiError{status: http.StatusForbidden, code: "AccessDenied", sender: true,
		message: fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.p.arn, roleArn)}

	parts := strings.SplitN(roleArn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || !strings.HasPrefix(parts[5], "role/") {
		c.fail(stsValidation(fmt.Sprintf("%s is invalid", roleArn)))
		return
	}
	account, name := parts[4], parts[5][strings.LastIndex(parts[5], "/")+1:]
	acct := s.org.Account(account)
	if acct == nil || parts[1] != s.org.Partition {
		c.fail(denied)
		return
	}
	s.org.mu.RLock()
	state := acct.State
	var role *Role
	for i := range acct.Roles {
		if acct.Roles[i].Name == name {
			r := acct.Roles[i]
			role = &r
		}
	}
	s.org.mu.RUnlock()
	if state != StateActive || role == nil {
		c.fail(denied)
		return
	}
	trusted := slices.Contains(role.Trusted, c.p.roleARN) ||
		slices.Contains(role.Trusted, fmt.Sprintf("arn:%s:iam::%s:root", s.org.Partition, c.p.account))
	if !trusted || (role.ExternalID != "" && role.ExternalID != externalID) {
		c.fail(denied)
		return
	}
	maxSession := role.MaxSessionDuration
	if maxSession == 0 {
		maxSession = time.Hour
	}
	if time.Duration(duration)*time.Second > maxSession {
		c.fail(stsValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role."))
		return
	}
	if c.p.chained && duration > 3600 {
		c.fail(stsValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."))
		return
	}

	p := sessionPrincipal(s.org.Partition, account, name, session)
	p.expires = s.now().Add(time.Duration(duration) * time.Second).Truncate(time.Second)
	s.mu.Lock()
	s.mintLocked(p)
	s.mu.Unlock()

	var out assumeRoleResponse
	out.Result.AssumedRoleUser.AssumedRoleID = p.userID
	out.Result.AssumedRoleUser.Arn = p.arn
	out.Result.Credentials.AccessKeyID = p.akid
	out.Result.Credentials.SecretAccessKey = p.secret
	out.Result.Credentials.SessionToken = p.token
	out.Result.Credentials.Expiration = p.expires.UTC().Format(time.RFC3339)
	out.ResponseMetadata.RequestID = c.reqID
	writeXML(c, http.StatusOK, out)
}
