package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
)

// FuzzDecodeSummary: whatever a previous run's summary.json holds, decoding
// it returns an error or a summary whose resource set can be read.
func FuzzDecodeSummary(f *testing.F) {
	s := &Summary{SchemaVersion: SummaryVersion, RunID: run1, Environment: "prod", Regions: []string{"eu-west-1"},
		Totals: Totals{Accounts: 1, Scanned: 1}, Resources: newResourceSet([]uint64{1, 2, 3})}
	valid, err := json.Marshal(s)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte(`{"schemaVersion":1,"runId":"2026-11-23T0900Z-a","environment":"prod","totals":{},"resources":{"hash":"` + ResourceHash + `","count":0,"data":""}}`))
	f.Add([]byte(`{"schemaVersion":3}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodeSummary("fuzz", data)
		if err != nil {
			return
		}
		if got == nil {
			t.Fatal("nil summary without an error")
		}
		if n := len(got.Resources.hashes()); n != got.Resources.Count {
			t.Fatalf("resource set of %d hashes reads %d", got.Resources.Count, n)
		}
		got.accountIndex()
		got.ruleIndex()
	})
}

// FuzzResourceReader: a previous run's CSV, whatever it holds, reads row by
// row to the end or to an error, never a panic; rows that read write back.
func FuzzResourceReader(f *testing.F) {
	var b bytes.Buffer
	w, err := newResourceWriter(&b)
	if err != nil {
		f.Fatal(err)
	}
	if err := w.write(&resourceRow{AccountID: "111111111111", Region: "eu-west-1", Rule: "securityhub-iam-root-access-key-check-0a1b2c3d",
		BaseName: "iam-root-access-key-check", ManagedBy: "Security Hub", Control: "IAM.4", Type: "AWS::::Account", ID: "111111111111",
		Annotation: "=1+1", ruleKey: "security-hub/iam-root-access-key-check"}); err != nil {
		f.Fatal(err)
	}
	if err := w.flush(); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add([]byte("account_id,region,rule,resource_type,resource_id\n1,2,3,4,5\n"))
	f.Add([]byte("account_id,\"region\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rr, err := newResourceReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		var out bytes.Buffer
		w, err := newResourceWriter(&out)
		if err != nil {
			t.Fatal(err)
		}
		var row resourceRow
		for {
			err := rr.next(&row)
			if errors.Is(err, io.EOF) || err != nil {
				break
			}
			_ = row.findingKey()
			if err := w.write(&row); err != nil {
				t.Fatalf("a row that read does not write: %v", err)
			}
		}
	})
}
