package orgsim

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestUnsignedRequests sends requests without SigV4 and checks each service
// refuses them in its own protocol.
func TestUnsignedRequests(t *testing.T) {
	_, srv := startOrg(t, Spec{Seed: 71, Accounts: 3})
	tests := []struct {
		name       string
		header     map[string]string
		body       string
		path       string
		wantStatus int
		wantCode   string
	}{
		{"Config", map[string]string{"X-Amz-Target": "StarlingDoveService.DescribeConfigRules", "Content-Type": "application/x-amz-json-1.1"}, "{}", "/", 400, "MissingAuthenticationTokenException"},
		{"Organizations", map[string]string{"X-Amz-Target": "AWSOrganizationsV20161128.ListAccounts", "Content-Type": "application/x-amz-json-1.1"}, "{}", "/", 400, "MissingAuthenticationTokenException"},
		{"STS", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "Action=GetCallerIdentity&Version=2011-06-15", "/", 403, "MissingAuthenticationToken"},
		{"SES", map[string]string{"Content-Type": "application/json"}, "{}", "/v2/email/outbound-emails", 403, "MissingAuthenticationTokenException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var code string
			switch {
			case tt.name == "STS":
				var e stsErrorResponse
				if err := xml.Unmarshal(body, &e); err != nil {
					t.Fatalf("%s: %v", body, err)
				}
				code = e.Error.Code
			case tt.name == "SES":
				code = resp.Header.Get("X-Amzn-Errortype")
			default:
				var e map[string]string
				if err := json.Unmarshal(body, &e); err != nil {
					t.Fatalf("%s: %v", body, err)
				}
				code = e["__type"]
			}
			if resp.StatusCode != tt.wantStatus || code != tt.wantCode {
				t.Errorf("HTTP %d %s, want %d %s (%s)", resp.StatusCode, code, tt.wantStatus, tt.wantCode, body)
			}
		})
	}
	if n := srv.Calls().Count("", "", ""); n != 0 {
		t.Errorf("unauthenticated requests were counted: %d", n)
	}
}

func TestStartOnAndHandler(t *testing.T) {
	org := Generate(Spec{Seed: 72, Accounts: 3})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := StartOn(ln, org)
	t.Cleanup(srv.Close)
	if want := "http://" + ln.Addr().String(); srv.URL() != want {
		t.Errorf("URL() = %s, want %s", srv.URL(), want)
	}
	cfg := srv.AWSConfig(org.HubRoleARN(org.Spec.ScannerRoleName), "eu-west-1")
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(id.Account) != org.HubAccountID {
		t.Errorf("GetCallerIdentity on StartOn's server = %v, %v", id, err)
	}
	if New(org).URL() != "" {
		t.Error("an unstarted server has a URL")
	}
	if _, err := srv.Credentials("not-an-arn").Retrieve(t.Context()); err == nil {
		t.Error("Credentials of a malformed ARN did not fail")
	}
}
