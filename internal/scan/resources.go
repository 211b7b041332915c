package scan

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"golang.org/x/sync/errgroup"

	"github.com/config-report/config-report/internal/access"
	"github.com/config-report/config-report/internal/run"
)

type resourceKey struct{ typ, id string }

// queryableTypes are the resource types BatchGetResourceConfig accepts: the
// API's ResourceType enum, which the SDK's model lists. Account-level rules
// report AWS::::Account, which is not in it, and a key of any type outside
// it fails the whole call with a ValidationException, so such keys are
// never sent.
var queryableTypes = func() map[string]bool {
	m := make(map[string]bool)
	for _, t := range types.ResourceType("").Values() {
		m[string(t)] = true
	}
	return m
}()

// resolve fills in the names of the region's non-compliant resources with
// BatchGetResourceConfig, 100 distinct resources a call, DetailConcurrency
// calls at a time, for the resource types the API accepts. Keys Config
// returns unprocessed are asked for again in the next round (in full
// batches again); a round that processes none of its keys ends it, so no
// call is repeated in vain. Resources Config does not record keep their ID
// only.
//
// Names are an optional enrichment: a denied call, or any answer other than
// a transient failure (a ValidationException from a type AWS has dropped
// from the API, say), costs the names, never the region's results; it is
// logged. Tags are not read: "The API does not return any tags for the
// requested resources" (BatchGetResourceConfig).
func (rs *regionScan) resolve(ctx context.Context, resources []run.Resource) error {
	var pending []resourceKey
	seen := map[resourceKey]bool{}
	for _, r := range resources {
		k := resourceKey{r.Type, r.ID}
		if !seen[k] && queryableTypes[r.Type] {
			seen[k] = true
			pending = append(pending, k)
		}
	}
	slices.SortFunc(pending, func(a, b resourceKey) int {
		return cmp.Or(strings.Compare(a.typ, b.typ), strings.Compare(a.id, b.id))
	})

	var mu sync.Mutex
	found := map[resourceKey]string{}
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
					return callFailed(access.ConfigBatchGetResourceConfig, err)
				}
				mu.Lock()
				defer mu.Unlock()
				for _, item := range out.BaseConfigurationItems {
					found[resourceKey{string(item.ResourceType), aws.ToString(item.ResourceId)}] = aws.ToString(item.ResourceName)
				}
				for _, k := range out.UnprocessedResourceKeys {
					unprocessed = append(unprocessed, resourceKey{string(k.ResourceType), aws.ToString(k.ResourceId)})
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			if ctx.Err() == nil && classify(err) != kindTransient {
				rs.log.Warn("resource names not resolved", "reason", access.ConfigBatchGetResourceConfig+" failed: "+apiMessage(err))
				return nil
			}
			return err
		}
		if len(unprocessed) == len(pending) {
			rs.log.Warn("resource names not resolved: Config processed none of the keys", "keys", len(pending))
			break
		}
		slices.SortFunc(unprocessed, func(a, b resourceKey) int {
			return cmp.Or(strings.Compare(a.typ, b.typ), strings.Compare(a.id, b.id))
		})
		pending = unprocessed
	}
	for i := range resources {
		if name, ok := found[resourceKey{resources[i].Type, resources[i].ID}]; ok {
			resources[i].Name = name
		}
	}
	return nil
}
