package scan

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"
	"github.com/google/go-cmp/cmp"
)

// The simulator serves two of these shapes (S3's BucketTaggingConfiguration
// and the "tags" list); the others are the shapes Config's configuration
// items use for other resource types.
func TestItemTags(t *testing.T) {
	tests := []struct {
		name          string
		configuration string
		supplementary map[string]string
		want          map[string]string
	}{
		{name: "none", configuration: `{"instanceId":"i-1"}`, want: nil},
		{name: "not JSON", configuration: `<xml/>`, want: nil},
		{name: "lower-case list", configuration: `{"tags":[{"key":"team","value":"payments"},{"key":"env","value":""}]}`,
			want: map[string]string{"team": "payments", "env": ""}},
		{name: "CloudFormation-style list", configuration: `{"Tags":[{"Key":"Name","Value":"web"}]}`,
			want: map[string]string{"Name": "web"}},
		{name: "object", configuration: `{"tags":{"owner":"ana"}}`, want: map[string]string{"owner": "ana"}},
		{name: "unexpected shape ignored", configuration: `{"tags":"owner=ana"}`, want: nil},
		{name: "supplementary Tags", configuration: `{}`, supplementary: map[string]string{"Tags": `[{"key":"a","value":"1"}]`},
			want: map[string]string{"a": "1"}},
		{name: "S3 bucket", configuration: `{"name":"logs"}`,
			supplementary: map[string]string{"BucketTaggingConfiguration": `{"tagSets":[{"tags":{"owner":"ana","team":"data"}}]}`},
			want:          map[string]string{"owner": "ana", "team": "data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			item := types.BaseConfigurationItem{Configuration: aws.String(tt.configuration), SupplementaryConfiguration: tt.supplementary}
			if diff := cmp.Diff(tt.want, itemTags(item)); diff != "" {
				t.Errorf("itemTags(%s, %v) (-want +got):\n%s", tt.configuration, tt.supplementary, diff)
			}
		})
	}
}
