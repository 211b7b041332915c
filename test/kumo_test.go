package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/sivchari/kumo"
)

// kumoSelfAddr is where kumo 0.33.1's Step Functions engine reaches kumo's
// own S3 (ItemReader, ResultWriter) and Lambda (lambda:invoke): it calls
// http://localhost:4566 whatever port the server itself listens on.
const kumoSelfAddr = "127.0.0.1:4566"

// kumoRegion is the region kumo puts in the ARNs it makes.
const kumoRegion = "us-east-1"

// kumoEnv is an in-process kumo server behind a proxy on kumoSelfAddr. Every
// client, the Lambda processes and kumo's own engine go through the proxy,
// which
//
//   - notes each Lambda Runtime API poll, so a test can wait until a
//     function's processes are connected before it starts an execution;
//   - records each Lambda Invoke (function, payload, response);
//   - turns an Invoke answered with a function error (200 with
//     X-Amz-Function-Error, as AWS answers) into a failed call. kumo 0.33.1
//     ignores that header and would pass the error object on as the task's
//     result; Step Functions fails the task instead. kumo reports the failed
//     call as States.TaskFailed, not as the function's errorType, so its
//     Retry on "TransientError" does not run here; aws-local-stepfunctions
//     covers that (see itemprocessor_test.go).
type kumoEnv struct {
	// URL is the proxy's URL: the endpoint for SDK clients and the host of
	// the Lambda Runtime API.
	URL string
	// Config is an SDK configuration for kumo, which checks no signatures.
	Config aws.Config

	transport *http.Transport

	mu          sync.Mutex
	polls       map[string]int // Runtime API "next" requests sent to kumo, by function name
	invocations []invocation
	changed     chan struct{} // closed and replaced whenever polls or invocations change
}

// invocation is one Lambda Invoke that went through the proxy.
type invocation struct {
	// Function is the invoked function's name.
	Function string
	// Payload is the event.
	Payload json.RawMessage
	// Response is the function's result or error object.
	Response json.RawMessage
	// FunctionError is the X-Amz-Function-Error header: "Unhandled" when
	// the function returned an error, empty when it succeeded.
	FunctionError string
}

// startKumo starts kumo and the proxy on kumoSelfAddr, both closed when the
// test ends. kumo keeps its state in package variables, so names (buckets,
// functions, state machines) must be unique per test.
func startKumo(t *testing.T) *kumoEnv {
	t.Helper()
	lis, err := net.Listen("tcp", kumoSelfAddr)
	if err != nil {
		t.Fatalf("listen on %s: %v\nkumo's Step Functions engine calls its own S3 and Lambda at localhost:4566: "+
			"stop whatever listens there (another kumo, LocalStack) and run these tests one package at a time (go test -p 1)",
			kumoSelfAddr, err)
	}
	srv := kumo.NewServer()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatalf("parse kumo URL %q: %v", srv.URL, err)
	}
	k := &kumoEnv{
		URL: "http://" + kumoSelfAddr,
		// Every Lambda process holds a long poll open; keep a connection each.
		transport: &http.Transport{MaxIdleConnsPerHost: 64},
		polls:     map[string]int{},
		changed:   make(chan struct{}),
	}
	k.Config = aws.Config{
		Region:       kumoRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("kumo", "kumo", ""),
		BaseEndpoint: aws.String(k.URL),
	}
	proxy := &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: roundTripFunc(k.roundTrip),
		// The callers see the failure; a Lambda process killed during its
		// long poll at the end of a test is no news.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	}
	hs := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(lis) }()
	t.Cleanup(func() {
		if err := hs.Close(); err != nil {
			t.Errorf("close kumo proxy: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("kumo proxy: %v", err)
		}
		srv.Close()
		k.transport.CloseIdleConnections()
	})
	return k
}

// roundTripFunc adapts a function to http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// roundTrip forwards one request to kumo, noting polls and invocations.
func (k *kumoEnv) roundTrip(req *http.Request) (*http.Response, error) {
	if fn, ok := runtimeNextFunction(req); ok {
		trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				k.update(func() { k.polls[fn]++ })
			}
		}}
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	}
	fn, isInvoke := invokedFunction(req)
	if !isInvoke {
		return k.transport.RoundTrip(req)
	}
	payload, err := readAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("read invoke payload of %s: %w", fn, err)
	}
	req.Body = io.NopCloser(bytes.NewReader(payload))
	resp, err := k.transport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := readAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read invoke response of %s: %w", fn, err)
	}
	inv := invocation{Function: fn, Payload: payload, Response: body, FunctionError: resp.Header.Get("X-Amz-Function-Error")}
	k.update(func() { k.invocations = append(k.invocations, inv) })
	if inv.FunctionError != "" && resp.StatusCode == http.StatusOK {
		// kumo fails a lambda:invoke task on any status but 200.
		resp.StatusCode = http.StatusBadGateway
		resp.Status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// readAll reads and closes a body that may be nil.
func readAll(body io.ReadCloser) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	defer body.Close()
	return io.ReadAll(body)
}

// runtimeNextFunction returns the function of a Runtime API long poll,
// GET /_runtime/<function>/2018-06-01/runtime/invocation/next.
func runtimeNextFunction(req *http.Request) (string, bool) {
	rest, ok := strings.CutPrefix(req.URL.Path, "/_runtime/")
	if !ok || req.Method != http.MethodGet {
		return "", false
	}
	fn, tail, ok := strings.Cut(rest, "/")
	return fn, ok && tail == "2018-06-01/runtime/invocation/next"
}

// invokedFunction returns the function of a Lambda Invoke,
// POST /2015-03-31/functions/<function>/invocations.
func invokedFunction(req *http.Request) (string, bool) {
	rest, ok := strings.CutPrefix(req.URL.Path, "/2015-03-31/functions/")
	if !ok || req.Method != http.MethodPost {
		return "", false
	}
	fn, ok := strings.CutSuffix(rest, "/invocations")
	return fn, ok && !strings.Contains(fn, "/")
}

// update applies f under the lock and wakes the waiters.
func (k *kumoEnv) update(f func()) {
	k.mu.Lock()
	defer k.mu.Unlock()
	f()
	close(k.changed)
	k.changed = make(chan struct{})
}

// waitPolls waits until function has sent n Runtime API polls to kumo, that
// is until n of its processes are ready for an invocation (kumo answers an
// Invoke of a function nobody has polled for with an error). A poll counts
// once its request is written to kumo's connection; kumo registers the
// function as soon as it reads it, well before the round trips of
// CreateStateMachine and StartExecution that precede the first Invoke.
func (k *kumoEnv) waitPolls(ctx context.Context, function string, n int) error {
	for {
		k.mu.Lock()
		got, changed := k.polls[function], k.changed
		k.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d Lambda Runtime API polls of %s (got %d): %w", n, function, got, ctx.Err())
		}
	}
}

// Invocations returns the invocations of function recorded so far.
func (k *kumoEnv) Invocations(function string) []invocation {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []invocation
	for _, inv := range k.invocations {
		if inv.Function == function {
			out = append(out, inv)
		}
	}
	return out
}

// S3 returns an S3 client for kumo.
func (k *kumoEnv) S3() *s3.Client {
	return s3.NewFromConfig(k.Config, func(o *s3.Options) { o.UsePathStyle = true })
}

// SFN returns a Step Functions client for kumo.
func (k *kumoEnv) SFN() *sfn.Client {
	return sfn.NewFromConfig(k.Config)
}

// createFunction creates a Lambda function in kumo whose code is whatever
// polls the Runtime API under its name, and returns its ARN. It signs a
// CreateFunction request itself: the module has no Lambda SDK client.
func (k *kumoEnv) createFunction(ctx context.Context, name string, timeout time.Duration) (string, error) {
	body, err := json.Marshal(map[string]any{
		"FunctionName":  name,
		"Role":          "arn:aws:iam::000000000000:role/" + name,
		"Runtime":       "provided.al2023",
		"Handler":       "bootstrap",
		"Architectures": []string{"arm64"},
		"MemorySize":    1024,
		"Timeout":       int(timeout / time.Second),
	})
	if err != nil {
		return "", fmt.Errorf("create function %s: %w", name, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.URL+"/2015-03-31/functions", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("create function %s: %w", name, err)
	}
	req.Header.Set("Content-Type", "application/json")
	creds, err := k.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return "", fmt.Errorf("create function %s: %w", name, err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "lambda", kumoRegion, time.Now()); err != nil {
		return "", fmt.Errorf("create function %s: sign: %w", name, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("create function %s: %w", name, err)
	}
	respBody, err := readAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("create function %s: %w", name, err)
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("create function %s: %s: %s", name, resp.Status, respBody)
	}
	var out struct{ FunctionArn string }
	if err := json.Unmarshal(respBody, &out); err != nil || out.FunctionArn == "" {
		return "", fmt.Errorf("create function %s: no FunctionArn in %s", name, respBody)
	}
	return out.FunctionArn, nil
}
