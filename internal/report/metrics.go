package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// MetricsNamespace is the CloudWatch namespace of the run's headline counts,
// which the handler writes as one line in CloudWatch's embedded metric format
// (EMF) after publishing the report; each metric has the one dimension
// MetricsDimension, whose value is the ENVIRONMENT.
const (
	MetricsNamespace = "ConfigReport"
	MetricsDimension = "Environment"
)

// The metrics of the EMF line, all in the unit Count but CompliancePercent
// and CoveragePercent, in Percent (0–100): the first is left out of a run
// without evaluations, the second of a run without account-regions.
const (
	MetricAccountsInRun         = "AccountsInRun"
	MetricAccountsScanned       = "AccountsScanned"
	MetricAccountsUnreachable   = "AccountsUnreachable"
	MetricAccountsNotScanned    = "AccountsNotScanned"
	MetricAccountsNoData        = "AccountsNoData"
	MetricCoveragePercent       = "CoveragePercent"
	MetricNonCompliantResources = "NonCompliantResources"
	MetricCompliancePercent     = "CompliancePercent"
)

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMetadata struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

// writeMetrics writes the summary's headline counts to w as one line of
// CloudWatch's embedded metric format: a top-level JSON object whose _aws
// member declares the metrics, with their values and the dimension beside
// it, and the run ID as a property to search the logs by. In a Lambda, w is
// standard output: CloudWatch Logs extracts the metrics from the line as it
// arrives, with no PutMetricData call and no permission for one.
func writeMetrics(w io.Writer, s *Summary) error {
	t := s.Totals
	type metric struct {
		name, unit string
		value      float64
	}
	values := []metric{
		{MetricAccountsInRun, "Count", float64(t.Accounts)},
		{MetricAccountsScanned, "Count", float64(t.Scanned)},
		{MetricAccountsUnreachable, "Count", float64(t.Unreachable)},
		{MetricAccountsNotScanned, "Count", float64(t.NotScanned)},
		{MetricAccountsNoData, "Count", float64(t.NoData)},
		{MetricNonCompliantResources, "Count", float64(t.Resources)},
	}
	if c, ok := t.Compliance(); ok {
		values = append(values, metric{MetricCompliancePercent, "Percent", math.Round(c*10000) / 100})
	}
	if c, ok := t.Coverage.Share(); ok {
		values = append(values, metric{MetricCoveragePercent, "Percent", math.Round(c*10000) / 100})
	}
	dir := emfDirective{Namespace: MetricsNamespace, Dimensions: [][]string{{MetricsDimension}}}
	line := map[string]any{
		MetricsDimension: s.Environment,
		"RunId":          s.RunID,
	}
	for _, v := range values {
		dir.Metrics = append(dir.Metrics, emfMetric{Name: v.name, Unit: v.unit})
		line[v.name] = v.value
	}
	line["_aws"] = emfMetadata{Timestamp: s.GeneratedAt.UnixMilli(), CloudWatchMetrics: []emfDirective{dir}}
	b, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("encode metrics of run %s: %w", s.RunID, err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write metrics of run %s: %w", s.RunID, err)
	}
	return nil
}
