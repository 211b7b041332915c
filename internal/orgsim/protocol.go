package orgsim

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	orgTargetPrefix    = "AWSOrganizationsV20161128."
	configTargetPrefix = "StarlingDoveService."
	stsNamespace       = "https://sts.amazonaws.com/doc/2011-06-15/"
	stsVersion         = "2011-06-15"
)

const invalidTokenMessage = "The security token included in the request is invalid."

// jsonProtocol is AWS JSON 1.1 (Organizations, Config): POST /, the
// operation in X-Amz-Target, errors as {"__type": code, message}.
type jsonProtocol struct {
	target     string // X-Amz-Target prefix, with the dot
	messageKey string // "Message" (Organizations) or "message" (Config)
}

func (p jsonProtocol) operation(c *call) (string, *apiError) {
	op, ok := strings.CutPrefix(c.r.Header.Get("X-Amz-Target"), p.target)
	if !ok || op == "" || c.r.Method != http.MethodPost {
		return "", &apiError{status: http.StatusBadRequest, code: "UnknownOperationException"}
	}
	return op, nil
}

func (p jsonProtocol) writeError(c *call, e *apiError) {
	body := map[string]string{"__type": e.code}
	if e.message != "" {
		body[p.messageKey] = e.message
	}
	for k, v := range e.fields {
		body[k] = v
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amzn-Requestid", c.reqID)
	c.w.WriteHeader(e.status)
	json.NewEncoder(c.w).Encode(body)
}

func (jsonProtocol) missingAuth() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "MissingAuthenticationTokenException", message: "Missing Authentication Token"}
}

func (jsonProtocol) invalidToken() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "UnrecognizedClientException", message: invalidTokenMessage}
}

func (jsonProtocol) expiredToken() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "ExpiredTokenException", message: "The security token included in the request is expired"}
}

func (p jsonProtocol) throttled() *apiError {
	if p.target == orgTargetPrefix {
		return &apiError{status: http.StatusBadRequest, code: "TooManyRequestsException", message: "You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later."}
	}
	return &apiError{status: http.StatusBadRequest, code: "ThrottlingException", message: "Rate exceeded"}
}

func (p jsonProtocol) serverError(status int) *apiError {
	if status == http.StatusServiceUnavailable {
		return &apiError{status: status, code: "ServiceUnavailable", message: "Service is unavailable. Please try again later."}
	}
	if p.target == orgTargetPrefix {
		return &apiError{status: status, code: "ServiceException", message: "AWS Organizations can't complete your request because of an internal service error. Try again later."}
	}
	return &apiError{status: status, code: "InternalFailure", message: "An internal error occurred."}
}

func (p jsonProtocol) accessDenied(c *call) *apiError {
	if p.target == orgTargetPrefix {
		return &apiError{status: http.StatusBadRequest, code: "AccessDeniedException", message: "You don't have permissions to access this resource."}
	}
	action := c.opKey()
	return &apiError{status: http.StatusBadRequest, code: "AccessDeniedException",
		message: fmt.Sprintf("User: %s is not authorized to perform: %s because no identity-based policy allows the %s action", c.p.arn, action, action)}
}

// restJSONProtocol is REST-JSON (SES v2): the operation in method and path,
// errors with X-Amzn-ErrorType and {"message": …}.
type restJSONProtocol struct{}

func (restJSONProtocol) operation(c *call) (string, *apiError) {
	if c.r.Method == http.MethodPost && c.r.URL.Path == "/v2/email/outbound-emails" {
		return "SendEmail", nil
	}
	if op := sesAccountOperation(c.r); op != "" {
		return op, nil
	}
	return "", &apiError{status: http.StatusNotFound, code: "NotFoundException", message: fmt.Sprintf("orgsim does not serve %s %s", c.r.Method, c.r.URL.Path)}
}

func (restJSONProtocol) writeError(c *call, e *apiError) {
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Errortype", e.code)
	h.Set("X-Amzn-Requestid", c.reqID)
	c.w.WriteHeader(e.status)
	json.NewEncoder(c.w).Encode(map[string]string{"message": e.message})
}

func (restJSONProtocol) missingAuth() *apiError {
	return &apiError{status: http.StatusForbidden, code: "MissingAuthenticationTokenException", message: "Missing Authentication Token"}
}

func (restJSONProtocol) invalidToken() *apiError {
	return &apiError{status: http.StatusForbidden, code: "UnrecognizedClientException", message: invalidTokenMessage}
}

func (restJSONProtocol) expiredToken() *apiError {
	return &apiError{status: http.StatusForbidden, code: "ExpiredTokenException", message: "The security token included in the request is expired"}
}

func (restJSONProtocol) throttled() *apiError {
	return &apiError{status: http.StatusTooManyRequests, code: "TooManyRequestsException", message: "Too Many Requests"}
}

func (restJSONProtocol) serverError(status int) *apiError {
	if status == http.StatusServiceUnavailable {
		return &apiError{status: status, code: "ServiceUnavailable", message: "Service is unavailable. Please try again later."}
	}
	return &apiError{status: status, code: "InternalServiceErrorException", message: "An internal error occurred."}
}

func (restJSONProtocol) accessDenied(c *call) *apiError {
	return &apiError{status: http.StatusForbidden, code: "AccessDeniedException",
		message: fmt.Sprintf("User: %s is not authorized to perform: ses:%s", c.p.arn, c.op)}
}

// queryProtocol is the AWS Query protocol (STS): a form-encoded POST, the
// operation in Action, XML responses and <ErrorResponse> errors.
type queryProtocol struct{}

func (queryProtocol) operation(c *call) (string, *apiError) {
	v, aerr := queryValues(c.body)
	if aerr != nil {
		return "", aerr
	}
	action := v.Get("Action")
	if v.Get("Version") != stsVersion {
		return "", &apiError{status: http.StatusBadRequest, code: "InvalidAction", sender: true,
			message: fmt.Sprintf("Could not find operation %s for version %s", action, v.Get("Version"))}
	}
	switch action {
	case "AssumeRole", "GetCallerIdentity":
		return action, nil
	}
	return "", &apiError{status: http.StatusBadRequest, code: "InvalidAction", sender: true,
		message: fmt.Sprintf("Could not find operation %s for version %s", action, stsVersion)}
}

type stsErrorResponse struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

func (queryProtocol) writeError(c *call, e *apiError) {
	var out stsErrorResponse
	out.Error.Type = "Receiver"
	if e.sender || e.status < 500 {
		out.Error.Type = "Sender"
	}
	out.Error.Code, out.Error.Message, out.RequestID = e.code, e.message, c.reqID
	writeXML(c, e.status, out)
}

func (queryProtocol) missingAuth() *apiError {
	return &apiError{status: http.StatusForbidden, code: "MissingAuthenticationToken", message: "Request is missing Authentication Token", sender: true}
}

func (queryProtocol) invalidToken() *apiError {
	return &apiError{status: http.StatusForbidden, code: "InvalidClientTokenId", message: invalidTokenMessage, sender: true}
}

func (queryProtocol) expiredToken() *apiError {
	return &apiError{status: http.StatusForbidden, code: "ExpiredToken", message: "The security token included in the request is expired", sender: true}
}

func (queryProtocol) throttled() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "Throttling", message: "Rate exceeded", sender: true}
}

func (queryProtocol) serverError(status int) *apiError {
	if status == http.StatusServiceUnavailable {
		return &apiError{status: status, code: "ServiceUnavailable", message: "Service is unavailable. Please try again later."}
	}
	return &apiError{status: status, code: "InternalFailure", message: "An internal error occurred."}
}

func (queryProtocol) accessDenied(c *call) *apiError {
	return &apiError{status: http.StatusForbidden, code: "AccessDenied", sender: true,
		message: fmt.Sprintf("User: %s is not authorized to perform: %s", c.p.arn, c.opKey())}
}

func writeXML(c *call, status int, v any) {
	h := c.w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("X-Amzn-Requestid", c.reqID)
	c.w.WriteHeader(status)
	c.w.Write([]byte(xml.Header))
	xml.NewEncoder(c.w).Encode(v)
}

// s3Protocol is S3's REST-XML, for the errors the simulator itself returns;
// everything else is gofakes3's.
type s3Protocol struct{}

func (s3Protocol) operation(c *call) (string, *apiError) { return s3Operation(c.r), nil }

type s3Error struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string
	Message   string
	RequestID string `xml:"RequestId"`
}

func (s3Protocol) writeError(c *call, e *apiError) {
	h := c.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("X-Amz-Request-Id", c.reqID)
	c.w.WriteHeader(e.status)
	if c.r.Method == http.MethodHead {
		return
	}
	c.w.Write([]byte(xml.Header))
	xml.NewEncoder(c.w).Encode(s3Error{Code: e.code, Message: e.message, RequestID: c.reqID})
}

func (s3Protocol) missingAuth() *apiError {
	return &apiError{status: http.StatusForbidden, code: "AccessDenied", message: "Access Denied"}
}

func (s3Protocol) invalidToken() *apiError {
	return &apiError{status: http.StatusForbidden, code: "InvalidAccessKeyId", message: "The AWS Access Key Id you provided does not exist in our records."}
}

func (s3Protocol) expiredToken() *apiError {
	return &apiError{status: http.StatusBadRequest, code: "ExpiredToken", message: "The provided token has expired."}
}

func (s3Protocol) throttled() *apiError {
	return &apiError{status: http.StatusServiceUnavailable, code: "SlowDown", message: "Please reduce your request rate."}
}

func (s3Protocol) serverError(status int) *apiError {
	if status == http.StatusServiceUnavailable {
		return &apiError{status: status, code: "ServiceUnavailable", message: "Service is unable to handle request."}
	}
	return &apiError{status: status, code: "InternalError", message: "We encountered an internal error. Please try again."}
}

func (s3Protocol) accessDenied(*call) *apiError {
	return &apiError{status: http.StatusForbidden, code: "AccessDenied", message: "Access Denied"}
}

// s3Operation names an S3 request's operation, for the call counter and
// fault keys ("s3:PutObject").
func s3Operation(r *http.Request) string {
	q := r.URL.Query()
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, hasKey := strings.Cut(path, "/")
	hasKey = hasKey && key != ""
	switch {
	case bucket == "":
		return "ListBuckets"
	case !hasKey:
		if op := bucketSettingOperation(r.Method, q); op != "" {
			return op
		}
		switch r.Method {
		case http.MethodPut:
			return "CreateBucket"
		case http.MethodDelete:
			return "DeleteBucket"
		case http.MethodHead:
			return "HeadBucket"
		case http.MethodPost:
			if q.Has("delete") {
				return "DeleteObjects"
			}
			return "PostObject"
		}
		switch {
		case q.Get("list-type") == "2":
			return "ListObjectsV2"
		case q.Has("versions"):
			return "ListObjectVersions"
		case q.Has("uploads"):
			return "ListMultipartUploads"
		case q.Has("location"):
			return "GetBucketLocation"
		case q.Has("versioning"):
			return "GetBucketVersioning"
		}
		return "ListObjects"
	}
	switch r.Method {
	case http.MethodGet:
		if q.Has("uploadId") {
			return "ListParts"
		}
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodPut:
		switch {
		case q.Has("partNumber"):
			return "UploadPart"
		case r.Header.Get("X-Amz-Copy-Source") != "":
			return "CopyObject"
		}
		return "PutObject"
	case http.MethodDelete:
		if q.Has("uploadId") {
			return "AbortMultipartUpload"
		}
		return "DeleteObject"
	case http.MethodPost:
		if q.Has("uploads") {
			return "CreateMultipartUpload"
		}
		return "CompleteMultipartUpload"
	}
	return r.Method
}

// epoch is a timestamp in AWS JSON's default format: seconds since the epoch,
// with milliseconds.
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	ms := time.Time(e).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}

// ts returns t as an epoch, or nil for the zero time (so omitempty drops it).
func ts(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

// writeJSON writes an AWS JSON 1.1 success response.
func writeJSON(c *call, v any) {
	h := c.w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("X-Amzn-Requestid", c.reqID)
	c.w.WriteHeader(http.StatusOK)
	json.NewEncoder(c.w).Encode(v)
}

// decodeJSON decodes an AWS JSON request body; an empty body is an empty
// object.
func decodeJSON(body []byte, v any) *apiError {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{status: http.StatusBadRequest, code: "SerializationException", message: "Start of structure or map found where not expected."}
	}
	return nil
}
