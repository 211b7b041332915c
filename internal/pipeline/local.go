package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/config-report/config-report/internal/run"
)

// ObjectStore is the part of the S3 client that copies objects between a
// bucket and a folder.
type ObjectStore interface {
	run.ObjectGetter
	run.ObjectPutter
	s3.ListObjectsV2APIClient
}

// copyConcurrency is how many objects Download and Upload copy at once.
const copyConcurrency = 16

// Download copies every object of bucket whose key starts with prefix to
// dir/<key>, creating folders as needed, and returns how many it copied.
func Download(ctx context.Context, c ObjectStore, bucket, prefix, dir string) (int, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	err := forEach(ctx, keys, func(key string) error {
		name, err := localPath(dir, key)
		if err != nil {
			return err
		}
		body, err := run.GetObject(ctx, c, bucket, key)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return fmt.Errorf("download s3://%s/%s: %w", bucket, key, err)
		}
		if err := os.WriteFile(name, body, 0o644); err != nil {
			return fmt.Errorf("download s3://%s/%s: %w", bucket, key, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(keys), nil
}

// Upload copies every file below dir/<prefix> to bucket, each under its path
// relative to dir (with '/' separators), and returns how many it copied. A
// missing dir/<prefix> copies nothing.
func Upload(ctx context.Context, c ObjectStore, dir, prefix, bucket string) (int, error) {
	root, err := localPath(dir, prefix)
	if err != nil {
		return 0, err
	}
	var keys []string
	err = filepath.WalkDir(root, func(name string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && name == root {
			return fs.SkipAll
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, name)
		if err != nil {
			return err
		}
		keys = append(keys, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("upload %s: %w", root, err)
	}
	err = forEach(ctx, keys, func(key string) error {
		body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key)))
		if err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		_, err = c.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        aws.String(bucket),
			Key:           aws.String(key),
			Body:          bytes.NewReader(body),
			ContentLength: aws.Int64(int64(len(body))),
		})
		if err != nil {
			return fmt.Errorf("upload s3://%s/%s: %w", bucket, key, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(keys), nil
}

// localPath returns where key lives below dir, refusing keys that would
// leave it.
func localPath(dir, key string) (string, error) {
	clean := path.Clean("/" + key)
	if clean == "/" || strings.Contains(key, "\\") || clean[1:] != strings.TrimSuffix(key, "/") {
		return "", fmt.Errorf("key %q cannot be stored as a local file", key)
	}
	return filepath.Join(dir, filepath.FromSlash(clean[1:])), nil
}

// forEach runs f on every item, copyConcurrency at once, and returns the
// first error.
func forEach(ctx context.Context, items []string, f func(string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan string)
	var wg sync.WaitGroup
	for range min(copyConcurrency, max(len(items), 1)) {
		wg.Go(func() {
			for it := range next {
				if err := f(it); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for _, it := range items {
		select {
		case next <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// LocalBucket is an S3 bucket served in-process (gofakes3, in memory) on a
// loopback port, for runs whose output goes to a local folder: the handlers
// write to it through the real S3 client as they write to a bucket in AWS,
// and Download and Upload move its objects to and from the folder.
type LocalBucket struct {
	// Name is the bucket's name.
	Name string
	// URL is the endpoint that serves it (path-style addressing).
	URL string

	srv *http.Server
}

// StartLocalBucket serves an empty bucket named name on 127.0.0.1.
func StartLocalBucket(ctx context.Context, name string) (*LocalBucket, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("local bucket: %w", err)
	}
	b := &LocalBucket{
		Name: name,
		URL:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()},
	}
	go func() { _ = b.srv.Serve(ln) }() // returns http.ErrServerClosed after Close
	if _, err := b.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		b.Close()
		return nil, fmt.Errorf("local bucket: create %s: %w", name, err)
	}
	return b, nil
}

// AWSConfig returns the configuration of a client of the local bucket.
func (b *LocalBucket) AWSConfig() aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(b.URL),
	}
}

// Client returns an S3 client of the local bucket.
func (b *LocalBucket) Client() *s3.Client {
	return s3.NewFromConfig(b.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
}

// Close stops serving the bucket; its objects are gone.
func (b *LocalBucket) Close() {
	_ = b.srv.Close()
}
