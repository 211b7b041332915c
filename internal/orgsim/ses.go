package orgsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"time"
)

// Email is a message SES v2 SendEmail received.
type Email struct {
	// MessageID is the ID SendEmail returned.
	MessageID string
	// Account and Region are the sender's account and the SES region.
	Account, Region string
	// From is FromEmailAddress, or the raw message's From header.
	From string
	// To, Cc and Bcc are the Destination's addresses; for a raw message
	// without Destination, To and Cc come from its headers.
	To, Cc, Bcc []string
	// Subject is the simple message's subject or the raw message's (decoded)
	// Subject header.
	Subject string
	// Text and HTML are a simple message's bodies.
	Text, HTML string
	// Attachments are a simple message's attachments.
	Attachments []Attachment
	// Raw is a raw message's MIME bytes.
	Raw []byte
	// At is when the message was received.
	At time.Time
}

// Attachment is an attachment of a simple SES v2 message.
type Attachment struct {
	// FileName, ContentType and Data describe the attachment.
	FileName, ContentType string
	Data                  []byte
}

type sesContentPart struct {
	Data    string
	Charset string
}

type sesSendEmailInput struct {
	FromEmailAddress                          string
	FromEmailAddressIdentityArn               string
	Destination                               *struct{ ToAddresses, CcAddresses, BccAddresses []string }
	ReplyToAddresses                          []string
	FeedbackForwardingEmailAddress            string
	FeedbackForwardingEmailAddressIdentityArn string
	ConfigurationSetName                      string
	EmailTags                                 []struct{ Name, Value string }
	ListManagementOptions                     json.RawMessage
	ConfigurationOverrides                    json.RawMessage
	EndpointID                                string `json:"EndpointId"`
	TenantName                                string
	Content                                   struct {
		Simple *struct {
			Subject sesContentPart
			Body    struct {
				Text *sesContentPart
				HTML *sesContentPart `json:"Html"`
			}
			Headers     []struct{ Name, Value string }
			Attachments []struct {
				FileName                string
				ContentType             string
				RawContent              []byte
				ContentDescription      string
				ContentDisposition      string
				ContentID               string `json:"ContentId"`
				ContentTransferEncoding string
			}
		}
		Raw *struct {
			Data []byte
		}
		Template json.RawMessage
	}
}

func sesBadRequest(msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "BadRequestException", message: msg}
}

func (s *Server) serveSES(c *call) {
	if c.op != "SendEmail" {
		s.serveSESAccount(c)
		return
	}
	var in sesSendEmailInput
	if err := json.Unmarshal(c.body, &in); err != nil {
		c.fail(sesBadRequest("Could not parse the request body: " + err.Error()))
		return
	}
	e := Email{Account: c.p.account, Region: c.region, From: in.FromEmailAddress, At: s.now()}
	if d := in.Destination; d != nil {
		e.To, e.Cc, e.Bcc = d.ToAddresses, d.CcAddresses, d.BccAddresses
	}
	switch ct := in.Content; {
	case ct.Simple != nil && ct.Raw == nil && ct.Template == nil:
		e.Subject = ct.Simple.Subject.Data
		if b := ct.Simple.Body.Text; b != nil {
			e.Text = b.Data
		}
		if b := ct.Simple.Body.HTML; b != nil {
			e.HTML = b.Data
		}
		for _, a := range ct.Simple.Attachments {
			e.Attachments = append(e.Attachments, Attachment{FileName: a.FileName, ContentType: a.ContentType, Data: a.RawContent})
		}
	case ct.Raw != nil && ct.Simple == nil && ct.Template == nil:
		e.Raw = ct.Raw.Data
		msg, err := mail.ReadMessage(bytes.NewReader(ct.Raw.Data))
		if err != nil {
			c.fail(&apiError{status: http.StatusBadRequest, code: "MessageRejected", message: "Illegal header in raw message: " + err.Error()})
			return
		}
		dec := new(mime.WordDecoder)
		if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
			e.Subject = subj
		}
		if e.From == "" {
			if a, err := mail.ParseAddress(msg.Header.Get("From")); err == nil {
				e.From = a.Address
			}
		}
		if len(e.To)+len(e.Cc)+len(e.Bcc) == 0 {
			e.To = headerAddresses(msg.Header, "To")
			e.Cc = headerAddresses(msg.Header, "Cc")
		}
	case ct.Template != nil && ct.Simple == nil && ct.Raw == nil:
		c.fail(sesBadRequest("orgsim does not render templates: send Simple or Raw content"))
		return
	default:
		c.fail(sesBadRequest("Exactly one of Simple, Raw or Template content must be specified."))
		return
	}
	if e.From == "" {
		c.fail(sesBadRequest("Missing required field FromEmailAddress."))
		return
	}
	if len(e.To)+len(e.Cc)+len(e.Bcc) == 0 {
		c.fail(sesBadRequest("Missing required field Destination."))
		return
	}
	if refused := s.sendRefusal(&e); refused != nil {
		c.fail(refused)
		return
	}
	s.mu.Lock()
	e.MessageID = fmt.Sprintf("%016x-%s-000000", hashOf(s.secret, "message", itoa(len(s.emails))), c.reqID)
	s.emails = append(s.emails, e)
	s.mu.Unlock()
	h := c.w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Requestid", c.reqID)
	c.w.WriteHeader(http.StatusOK)
	json.NewEncoder(c.w).Encode(map[string]string{"MessageId": e.MessageID})
}

func headerAddresses(h mail.Header, key string) []string {
	list, err := h.AddressList(key)
	if err != nil {
		return nil
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out
}
