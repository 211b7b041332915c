package orgsim

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/johannesboyne/gofakes3"
)

// The S3 bucket settings gofakes3 does not serve: default encryption and
// the public access block. gofakes3 routes a bucket GET it does not know
// (?encryption, ?publicAccessBlock) to ListObjects, which the SDK would
// decode as an empty configuration, so the simulator answers them itself,
// with S3's defaults for a new bucket:
//
//   - encryption: "Amazon S3 now applies server-side encryption with Amazon
//     S3 managed keys (SSE-S3) as the base level of encryption for every
//     bucket in Amazon S3" (since January 5, 2023; S3 User Guide, "Setting
//     default server-side encryption behavior for Amazon S3 buckets"), so
//     GetBucketEncryption always returns a rule, AES256 unless another was
//     put; DeleteBucketEncryption "resets the default encryption for the
//     bucket as server-side encryption with Amazon S3 managed keys (SSE-S3)"
//     (S3 API Reference, DeleteBucketEncryption).
//   - public access block: "all Amazon S3 buckets have S3 Block Public
//     Access enabled by default" for buckets created since April 2023 (S3
//     User Guide, "Blocking public access to your Amazon S3 storage"), so a
//     new bucket has all four settings on; after DeletePublicAccessBlock,
//     GetPublicAccessBlock fails with 404 NoSuchPublicAccessBlockConfiguration.
//
// Versioning is gofakes3's own (a new bucket is unversioned, as in S3).

// s3Namespace is the XML namespace of S3's documents.
const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// bucketSettings holds each bucket's encryption and public access block.
type bucketSettings struct {
	store gofakes3.Backend

	mu sync.Mutex
	m  map[string]*bucketSetting
}

// bucketSetting is what was put for one bucket; nil fields are S3's defaults.
type bucketSetting struct {
	encryption          *sseConfiguration
	publicAccessDeleted bool
	publicAccess        *publicAccessBlock
}

type sseConfiguration struct {
	XMLName xml.Name  `xml:"ServerSideEncryptionConfiguration"`
	XMLNS   string    `xml:"xmlns,attr,omitempty"`
	Rules   []sseRule `xml:"Rule"`
}

type sseRule struct {
	Default struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	} `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled bool `xml:"BucketKeyEnabled"`
}

type publicAccessBlock struct {
	XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
	XMLNS                 string   `xml:"xmlns,attr,omitempty"`
	BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
}

// serveS3 answers the bucket settings above and hands every other S3
// request to gofakes3.
func (s *Server) serveS3(c *call) {
	switch c.op {
	case "GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption",
		"GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock":
		s.serveBucketSetting(c)
	case "DeleteBucket":
		s.s3.ServeHTTP(c.w, c.r)
		s.buckets.forget(strings.SplitN(strings.TrimPrefix(c.r.URL.Path, "/"), "/", 2)[0])
	default:
		s.s3.ServeHTTP(c.w, c.r)
	}
}

func (s *Server) serveBucketSetting(c *call) {
	bucket := strings.TrimSuffix(strings.TrimPrefix(c.r.URL.Path, "/"), "/")
	if ok, err := s.buckets.store.BucketExists(bucket); err != nil || !ok {
		c.fail(&apiError{status: http.StatusNotFound, code: "NoSuchBucket", message: "The specified bucket does not exist"})
		return
	}
	b := &s.buckets
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.m[bucket]
	if st == nil {
		st = &bucketSetting{}
		b.m[bucket] = st
	}
	switch c.op {
	case "GetBucketEncryption":
		out := sseConfiguration{XMLNS: s3Namespace}
		if st.encryption != nil {
			out.Rules = st.encryption.Rules
		} else {
			var r sseRule
			r.Default.SSEAlgorithm = "AES256"
			out.Rules = []sseRule{r}
		}
		writeS3XML(c, out)
	case "PutBucketEncryption":
		var in sseConfiguration
		if !readS3XML(c, &in) {
			return
		}
		if len(in.Rules) != 1 {
			c.fail(&apiError{status: http.StatusBadRequest, code: "MalformedXML", message: "The XML you provided was not well-formed or did not validate against our published schema"})
			return
		}
		switch in.Rules[0].Default.SSEAlgorithm {
		case "AES256", "aws:kms", "aws:kms:dsse":
		default:
			c.fail(&apiError{status: http.StatusBadRequest, code: "MalformedXML", message: "The XML you provided was not well-formed or did not validate against our published schema"})
			return
		}
		st.encryption = &sseConfiguration{Rules: in.Rules}
		c.w.WriteHeader(http.StatusOK)
	case "DeleteBucketEncryption":
		st.encryption = nil
		c.w.WriteHeader(http.StatusNoContent)
	case "GetPublicAccessBlock":
		if st.publicAccessDeleted {
			c.fail(&apiError{status: http.StatusNotFound, code: "NoSuchPublicAccessBlockConfiguration", message: "The public access block configuration was not found"})
			return
		}
		out := publicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}
		if st.publicAccess != nil {
			out = *st.publicAccess
		}
		out.XMLNS = s3Namespace
		writeS3XML(c, out)
	case "PutPublicAccessBlock":
		var in publicAccessBlock
		if !readS3XML(c, &in) {
			return
		}
		st.publicAccess, st.publicAccessDeleted = &in, false
		c.w.WriteHeader(http.StatusOK)
	case "DeletePublicAccessBlock":
		st.publicAccess, st.publicAccessDeleted = nil, true
		c.w.WriteHeader(http.StatusNoContent)
	}
}

// forget drops a deleted bucket's settings: a bucket created again under
// the name starts with S3's defaults.
func (b *bucketSettings) forget(bucket string) {
	if ok, err := b.store.BucketExists(bucket); err == nil && ok {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.m, bucket)
}

func readS3XML(c *call, v any) bool {
	body, err := io.ReadAll(io.LimitReader(c.r.Body, 1<<20))
	if err == nil {
		err = xml.Unmarshal(body, v)
	}
	if err != nil {
		c.fail(&apiError{status: http.StatusBadRequest, code: "MalformedXML", message: "The XML you provided was not well-formed or did not validate against our published schema"})
		return false
	}
	return true
}

func writeS3XML(c *call, v any) {
	h := c.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("X-Amz-Request-Id", c.reqID)
	c.w.WriteHeader(http.StatusOK)
	c.w.Write([]byte(xml.Header))
	xml.NewEncoder(c.w).Encode(v)
}

// bucketSettingOperation names a request for a bucket's encryption, public
// access block or versioning ("" for any other), which the method alone
// would name as a bucket's creation, deletion or listing.
func bucketSettingOperation(method string, q url.Values) string {
	var setting string
	switch {
	case q.Has("encryption"):
		setting = "BucketEncryption"
	case q.Has("publicAccessBlock"):
		setting = "PublicAccessBlock"
	case q.Has("versioning"):
		setting = "BucketVersioning"
	default:
		return ""
	}
	switch {
	case method == http.MethodGet:
		return "Get" + setting
	case method == http.MethodPut:
		return "Put" + setting
	case method == http.MethodDelete && setting != "BucketVersioning":
		return "Delete" + setting
	}
	return ""
}
