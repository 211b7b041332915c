package scan

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"golang.org/x/sync/errgroup"

	"github.com/config-report/config-report/internal/run"
)

type resourceKey struct{ typ, id string }

type resourceDetails struct {
	name string
	tags map[string]string
}

// resolve fills in the names and tags of the region's non-compliant
// resources with BatchGetResourceConfig, 100 distinct resources a call,
// DetailConcurrency calls at a time. Keys Config returns unprocessed are
// asked for again in the next round (in full batches again); a round that
// processes none of its keys ends it, so no call is repeated in vain.
// Resources Config does not record keep their ID only. A denied
// BatchGetResourceConfig costs only the names and tags, not the region's
// results: it is logged, not recorded as a denied region.
func (rs *regionScan) resolve(ctx context.Context, resources []run.Resource) error {
	var pending []resourceKey
	seen := map[resourceKey]bool{}
	for _, r := range resources {
		k := resourceKey{r.Type, r.ID}
		if !seen[k] {
			seen[k] = true
			pending = append(pending, k)
		}
	}
	slices.SortFunc(pending, func(a, b resourceKey) int {
		return cmp.Or(strings.Compare(a.typ, b.typ), strings.Compare(a.id, b.id))
	})

	var mu sync.Mutex
	found := map[resourceKey]resourceDetails{}
	for len(pending) > 0 {
		var unprocessed []resourceKey
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(max(1, rs.s.Options.DetailConcurrency))
		for batch := range slices.Chunk(pending, batchGetSize) {
			g.Go(func() error {
				in := &configservice.BatchGetResourceConfigInput{ResourceKeys: make([]types.ResourceKey, len(batch))}
				for i, k := range batch {
					in.ResourceKeys[i] = types.ResourceKey{ResourceType: types.ResourceType(k.typ), ResourceId: aws.String(k.id)}
				}
				out, err := rs.s.Config.BatchGetResourceConfig(gctx, in, rs.optFn)
				if err != nil {
					return callFailed("config:BatchGetResourceConfig", err)
				}
				mu.Lock()
				defer mu.Unlock()
				for _, item := range out.BaseConfigurationItems {
					found[resourceKey{string(item.ResourceType), aws.ToString(item.ResourceId)}] = resourceDetails{
						name: aws.ToString(item.ResourceName),
						tags: itemTags(item),
					}
				}
				for _, k := range out.UnprocessedResourceKeys {
					unprocessed = append(unprocessed, resourceKey{string(k.ResourceType), aws.ToString(k.ResourceId)})
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			if ctx.Err() == nil && classify(err) == kindDenied {
				rs.log.Warn("resource names and tags not resolved", "reason", "config:BatchGetResourceConfig denied: "+apiMessage(err))
				return nil
			}
			return err
		}
		if len(unprocessed) == len(pending) {
			rs.log.Warn("resource names and tags not resolved: Config processed none of the keys", "keys", len(pending))
			break
		}
		slices.SortFunc(unprocessed, func(a, b resourceKey) int {
			return cmp.Or(strings.Compare(a.typ, b.typ), strings.Compare(a.id, b.id))
		})
		pending = unprocessed
	}
	for i := range resources {
		if d, ok := found[resourceKey{resources[i].Type, resources[i].ID}]; ok {
			resources[i].Name = d.name
			resources[i].Tags = d.tags
		}
	}
	return nil
}

// itemTags reads a configuration item's tags. BatchGetResourceConfig's items
// carry no tags field; Config puts them in the resource's configuration
// document ("tags" or "Tags", a list of key/value pairs or an object) or in
// its supplementary configuration ("Tags", or S3's
// "BucketTaggingConfiguration"), depending on the resource type.
func itemTags(item types.BaseConfigurationItem) map[string]string {
	tags := map[string]string{}
	if c := aws.ToString(item.Configuration); c != "" {
		var doc map[string]json.RawMessage
		if json.Unmarshal([]byte(c), &doc) == nil {
			for _, k := range []string{"tags", "Tags", "tagSet", "TagSet"} {
				addTags(tags, doc[k])
			}
		}
	}
	for _, k := range []string{"Tags", "tags"} {
		if v, ok := item.SupplementaryConfiguration[k]; ok {
			addTags(tags, json.RawMessage(v))
		}
	}
	if v, ok := item.SupplementaryConfiguration["BucketTaggingConfiguration"]; ok {
		var bt struct {
			TagSets []struct {
				Tags map[string]string `json:"tags"`
			} `json:"tagSets"`
		}
		if json.Unmarshal([]byte(v), &bt) == nil {
			for _, set := range bt.TagSets {
				for k, v := range set.Tags {
					tags[k] = v
				}
			}
		}
	}
	if len(tags) == 0 {
		return nil
	}
	return tags
}

// addTags adds the tags of one JSON value: an object of string values, or a
// list of {"key","value"} / {"Key","Value"} pairs. Other shapes add nothing.
func addTags(tags map[string]string, raw json.RawMessage) {
	if len(raw) == 0 {
		return
	}
	var obj map[string]string
	if json.Unmarshal(raw, &obj) == nil {
		for k, v := range obj {
			tags[k] = v
		}
		return
	}
	var list []map[string]string
	if json.Unmarshal(raw, &list) != nil {
		return
	}
	for _, pair := range list {
		k, ok := pair["key"]
		if !ok {
			k, ok = pair["Key"]
		}
		if !ok {
			continue
		}
		v, ok := pair["value"]
		if !ok {
			v = pair["Value"]
		}
		tags[k] = v
	}
}
