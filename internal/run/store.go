package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ErrNotFound is returned (wrapped) when a manifest or shard does not exist.
var ErrNotFound = errors.New("not found")

// ObjectHeader is the part of the S3 client that tells whether an object
// exists without reading it.
type ObjectHeader interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// Exists reports whether an object exists, with one HeadObject call (which
// needs s3:GetObject on the key). S3 answers a missing key with 404
// NotFound (HeadObject has no body to name NoSuchKey in).
func Exists(ctx context.Context, c ObjectHeader, bucket, key string) (bool, error) {
	_, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var nf *types.NotFound
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &nf):
		return false, nil
	}
	return false, fmt.Errorf("head s3://%s/%s: %w", bucket, key, err)
}

// ObjectPutter is the part of the S3 client that writes objects.
type ObjectPutter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// ObjectGetter is the part of the S3 client that reads objects.
type ObjectGetter interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// PutManifest writes a manifest of accounts to bucket/key in one PutObject.
func PutManifest(ctx context.Context, c ObjectPutter, bucket, key string, accounts []Account) error {
	body, err := EncodeManifest(accounts)
	if err != nil {
		return err
	}
	return putJSON(ctx, c, bucket, key, body)
}

// GetManifest reads and validates the manifest at bucket/key.
func GetManifest(ctx context.Context, c ObjectGetter, bucket, key string) ([]Account, error) {
	body, err := GetObject(ctx, c, bucket, key)
	if err != nil {
		return nil, err
	}
	return DecodeManifest(key, body)
}

// PutShard writes s whole to its shard key in one PutObject (a re-scan
// replaces it) and returns the key.
func PutShard(ctx context.Context, c ObjectPutter, bucket string, s *Shard) (string, error) {
	body, err := EncodeShard(s)
	if err != nil {
		return "", err
	}
	key := ShardKey(s.RunID, s.Account.ID)
	if err := putJSON(ctx, c, bucket, key, body); err != nil {
		return "", err
	}
	return key, nil
}

// GetShard reads and validates the shard at bucket/key. A missing shard
// wraps ErrNotFound; an unsupported schema version wraps ErrUnknownSchema.
func GetShard(ctx context.Context, c ObjectGetter, bucket, key string) (*Shard, error) {
	body, err := GetObject(ctx, c, bucket, key)
	if err != nil {
		return nil, err
	}
	return DecodeShard(key, body)
}

// ManifestKeys lists the keys of every manifest of a run: the original
// first (when it exists), then the re-runs' in the order they were written.
func ManifestKeys(ctx context.Context, c s3.ListObjectsV2APIClient, bucket, runID string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{
		Bucket: aws.String(bucket),
		Prefix: aws.String(Prefix(runID)),
	})
	original := ManifestKey(runID)
	rerun := RerunPrefix(runID)
	hasOriginal := false
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list manifests of run %s in %s: %w", runID, bucket, err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			switch {
			case k == original:
				hasOriginal = true
			case strings.HasPrefix(k, rerun) && strings.HasSuffix(k, ".json") && !strings.Contains(k[len(rerun):], "/"):
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	if hasOriginal {
		keys = append([]string{original}, keys...)
	}
	return keys, nil
}

// GetObject reads a whole object. A missing object wraps ErrNotFound.
func GetObject(ctx context.Context, c ObjectGetter, bucket, key string) ([]byte, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, ErrNotFound)
		}
		return nil, fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	return body, nil
}

func putJSON(ctx context.Context, c ObjectPutter, bucket, key string, body []byte) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String("application/json"),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
