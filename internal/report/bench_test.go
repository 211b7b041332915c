package report

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/xuri/excelize/v2"

	"github.com/config-report/config-report/internal/run"
	"github.com/config-report/config-report/internal/run/runtest"
)

// benchSpec is the shape of a synthetic run.
type benchSpec struct {
	accounts, regions, rules, resources int
}

func (s benchSpec) String() string {
	return fmt.Sprintf("accounts=%d,regions=%d,rules=%d,resources=%d", s.accounts, s.regions, s.rules, s.resources)
}

const benchRun = "2026-11-30T0900Z-bench001"

var benchRegions = []string{"ap-southeast-2", "eu-central-1", "eu-west-1", "us-east-1", "us-west-2", "sa-east-1"}

func benchAccount(i int) run.Account {
	return run.Account{
		ID: fmt.Sprintf("%012d", 100_000_000_000+i), Name: fmt.Sprintf("workload-%05d-prod", i),
		Email: fmt.Sprintf("aws+%05d@example.com", i), OUPath: fmt.Sprintf("Root/Workloads/Unit-%02d/Prod", i%40),
		Tags: map[string]string{"owner": fmt.Sprintf("owner-%03d@example.com", i%300), "team": fmt.Sprintf("team-%02d", i%60)},
	}
}

var benchTypes = []string{"AWS::S3::Bucket", "AWS::EC2::Instance", "AWS::EC2::SecurityGroup", "AWS::IAM::Role", "AWS::RDS::DBInstance", "AWS::Lambda::Function"}

// benchShard builds account i's shard: spec.rules rules per region (a tenth
// non-compliant, some from a conformance pack), and its share of
// spec.resources spread over the regions and non-compliant rules.
func benchShard(spec benchSpec, i int) *run.Shard {
	a := benchAccount(i)
	at := time.Date(2026, 11, 30, 9, 3, 0, 0, time.UTC)
	perAccount := spec.resources / spec.accounts
	if i < spec.resources%spec.accounts {
		perAccount++
	}
	sh := &run.Shard{SchemaVersion: run.SchemaVersion, RunID: benchRun, Account: a, ScannedAt: at, Status: run.AccountScanned}
	for r := range spec.regions {
		reg := run.Region{Region: benchRegions[r], Status: run.RegionScanned, Recorder: &run.Recorder{Name: "default", Recording: true, LastStatus: "SUCCESS"}}
		var nc []string
		for k := range spec.rules {
			base := fmt.Sprintf("managed-rule-%03d", k)
			rl := run.Rule{Name: base, BaseName: base, Source: "AWS", Identifier: strings.ToUpper(strings.ReplaceAll(base, "-", "_"))}
			if k < spec.rules*3/10 {
				rl.ConformancePack = fmt.Sprintf("Operational-Best-Practices-%d", k%3)
				rl.Name = base + "-conformance-pack-k3q9x2fa"
			}
			switch {
			case k%10 == 0:
				rl.Compliance = run.NonCompliant
				nc = append(nc, rl.Name)
			case k%20 == 1:
				rl.Compliance = run.NotApplicable
			case k%20 == 3:
				rl.Compliance = run.InsufficientData
			default:
				rl.Compliance = run.Compliant
			}
			if k%50 == 7 {
				rl.EvaluationError = &run.EvaluationError{Code: "AccessDenied", Message: "not authorized to perform config:PutEvaluations", At: at}
			}
			reg.Rules = append(reg.Rules, rl)
		}
		n := perAccount / spec.regions
		if r < perAccount%spec.regions {
			n++
		}
		for j := range n {
			typ := benchTypes[j%len(benchTypes)]
			res := run.Resource{
				Rule: nc[j%len(nc)], Type: typ,
				ID:         fmt.Sprintf("%s-%s-%02d-%05d", strings.ToLower(strings.Split(typ, "::")[2]), a.ID, r, j),
				Annotation: "The resource does not meet the rule's requirements; see the rule's documentation for the remediation.",
				RecordedAt: at.Add(-time.Duration(j) * time.Minute),
			}
			if j%3 == 0 {
				res.Name = "name-" + res.ID
				res.Tags = map[string]string{"env": "prod", "app": fmt.Sprintf("app-%d", j%17)}
			}
			reg.NonCompliant = append(reg.NonCompliant, res)
		}
		sh.Regions = append(sh.Regions, reg)
	}
	return sh
}

// dirShards reads shard documents from files, the same bytes S3 would serve.
type dirShards string

func (d dirShards) ReadShard(_ context.Context, id string) (*run.Shard, error) {
	key := filepath.Join(string(d), id+".json")
	body, err := os.ReadFile(key)
	if os.IsNotExist(err) {
		return nil, fmt.Errorf("read %s: %w", key, run.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return decodeShard(key, body)
}

// writeBenchShards writes every shard of spec as a file in dir, two at a time.
func writeBenchShards(b *testing.B, spec benchSpec, dir string) (accounts []run.Account, bytes int64) {
	b.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int)
	var firstErr error
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				body, err := run.EncodeShard(benchShard(spec, i))
				if err == nil {
					err = os.WriteFile(filepath.Join(dir, benchAccount(i).ID+".json"), body, 0o600)
				}
				mu.Lock()
				bytes += int64(len(body))
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for i := range spec.accounts {
		next <- i
		accounts = append(accounts, benchAccount(i))
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	return accounts, bytes
}

// peak samples the Go runtime's memory (mapped and not returned to the OS,
// which is what counts against a Lambda's memory size), the live heap after
// each GC (what the build really holds; the rest is garbage the collector's
// pacing lets accumulate, which GOMEMLIMIT caps), and the bytes under a
// directory, until end is called.
type peak struct {
	stop    chan struct{}
	done    chan struct{}
	mem     uint64
	live    uint64
	disk    int64
	samples []metrics.Sample
}

func startPeak(dir string) *peak {
	runtime.GC()
	debug.FreeOSMemory()
	p := &peak{stop: make(chan struct{}), done: make(chan struct{}), samples: []metrics.Sample{
		{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}, {Name: "/gc/heap/live:bytes"},
	}}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		n := 0
		for {
			metrics.Read(p.samples)
			p.mem = max(p.mem, p.samples[0].Value.Uint64()-p.samples[1].Value.Uint64())
			p.live = max(p.live, p.samples[2].Value.Uint64())
			if n%20 == 0 { // every 100 ms
				p.disk = max(p.disk, dirBytes(dir))
			}
			n++
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

func (p *peak) end() {
	close(p.stop)
	<-p.done
}

func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// cpuTime is the CPU time (user and system) the process has used so far:
// unlike wall time, it is not inflated by other processes on the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss << 10 // kilobytes on Linux
}

const mb = 1 << 20

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// BenchmarkBuild builds the report of a synthetic run from shard files (the
// same documents and decoding as from S3; see BenchmarkBuildSource for why
// not from gofakes3) and reports time, peak memory and disk, beside a bare
// excelize stream write of the same resource rows.
//
//	go test -run '^$' -bench 'BenchmarkBuild$' -benchtime 1x -timeout 60m ./internal/report/
func BenchmarkBuild(b *testing.B) {
	for _, tc := range []struct {
		spec benchSpec
		bare bool
	}{
		{benchSpec{accounts: 20_000, regions: 4, rules: 100, resources: 1_000_000}, true},
		// Past Excel's row limit: the resources continue on a second sheet.
		{benchSpec{accounts: 20_000, regions: 4, rules: 100, resources: 1_100_000}, false},
	} {
		b.Run(tc.spec.String(), func(b *testing.B) {
			dir := b.TempDir()
			shardDir := filepath.Join(dir, "shards")
			if err := os.Mkdir(shardDir, 0o700); err != nil {
				b.Fatal(err)
			}
			accounts, shardBytes := writeBenchShards(b, tc.spec, shardDir)
			work := filepath.Join(dir, "work")
			if err := os.Mkdir(work, 0o700); err != nil {
				b.Fatal(err)
			}
			var rep *Report
			var p *peak
			var cpu time.Duration
			b.ResetTimer()
			for range b.N {
				_ = rep.Close()
				p = startPeak(work)
				cpu0 := cpuTime()
				var err error
				rep, err = Build(context.Background(), Options{
					Environment: "bench", Regions: benchRegions[:tc.spec.regions], GreenPct: 90, AmberPct: 70,
					ReadConcurrency: 16, TmpDir: work, Logger: slog.New(slog.DiscardHandler),
				}, Input{RunID: benchRun, Accounts: accounts, Shards: dirShards(shardDir)})
				cpu += cpuTime() - cpu0
				p.end()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			defer rep.Close()
			if got := rep.Summary.Totals.Resources; got != tc.spec.resources {
				b.Fatalf("%d resources reported, want %d", got, tc.spec.resources)
			}
			buildSec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(buildSec, "s/build")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/build")
			b.ReportMetric(rep.Stats.Read.Seconds(), "read-s")
			b.ReportMetric(rep.Stats.Workbook.Seconds(), "workbook-s")
			b.ReportMetric(float64(p.mem)/mb, "peak-MB")
			b.ReportMetric(float64(p.live)/mb, "peak-live-heap-MB")
			b.ReportMetric(float64(maxRSS())/mb, "maxrss-MB")
			b.ReportMetric(float64(p.disk)/mb, "peak-tmp-MB")
			b.ReportMetric(float64(shardBytes)/mb, "shards-MB")
			b.ReportMetric(float64(fileSize(rep.WorkbookPath))/mb, "xlsx-MB")
			b.ReportMetric(float64(fileSize(rep.CSVPath))/mb, "csv-MB")
			b.ReportMetric(float64(fileSize(rep.SummaryPath))/mb, "summary-MB")
			if !tc.bare {
				return
			}
			bareSec, bareCPU, bareMem := bareStreamWrite(b, rep.CSVPath, filepath.Join(dir, "bare"))
			b.ReportMetric(bareSec, "bare-excelize-s")
			b.ReportMetric(bareCPU, "bare-excelize-cpu-s")
			b.ReportMetric(cpu.Seconds()/float64(b.N)/bareCPU, "overhead-cpu-x")
			b.ReportMetric(float64(bareMem)/mb, "bare-peak-MB")
			b.ReportMetric(buildSec/bareSec, "overhead-x")
		})
	}
}

// bareStreamWrite writes the same resource rows with nothing but an excelize
// StreamWriter (one sheet, the same cells), reading them from the build's
// CSV as it goes, as the build does.
func bareStreamWrite(b *testing.B, csvPath, dir string) (seconds, cpuSeconds float64, peakMem uint64) {
	b.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	p := startPeak(dir)
	start, cpu0 := time.Now(), cpuTime()
	f, err := os.Open(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rr, err := newResourceReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		b.Fatal(err)
	}
	x := excelize.NewFile(excelize.Options{TmpDir: dir})
	date, _ := x.NewStyle(&excelize.Style{NumFmt: 22})
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	head := make([]any, len(resourceColumns))
	for i, c := range resourceColumns {
		head[i] = c.title
	}
	if err := sw.SetRow("A1", head); err != nil {
		b.Fatal(err)
	}
	var r resourceRow
	for row := 2; ; row++ {
		if err := rr.next(&r); err == io.EOF {
			break
		} else if err != nil {
			b.Fatal(err)
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := sw.SetRow(cell, []any{r.AccountID, r.AccountName, r.Region, r.Rule, r.Type, r.ID, r.Name, r.Annotation,
			excelize.Cell{StyleID: date, Value: r.RecordedAt}, r.New,
			excelize.Cell{Formula: hyperlinkFormula(consoleURL(r.Region, r.Type, r.ID), "Open in AWS Config"), Value: "Open in AWS Config"},
		}); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := x.SaveAs(filepath.Join(dir, "bare.xlsx")); err != nil {
		b.Fatal(err)
	}
	_ = x.Close()
	seconds, cpuSeconds = time.Since(start).Seconds(), (cpuTime() - cpu0).Seconds()
	p.end()
	return seconds, cpuSeconds, p.mem
}

// BenchmarkBuildSource compares reading shards from gofakes3 (real SDK over
// HTTP, as in the tests) with reading the same documents from files, on a
// tenth of the full run: gofakes3 keeps every object in the test process's
// heap, so its memory cannot be told apart from the build's at full scale.
//
//	go test -run '^$' -bench 'BenchmarkBuildSource' -benchtime 1x ./internal/report/
func BenchmarkBuildSource(b *testing.B) {
	spec := benchSpec{accounts: 2_000, regions: 4, rules: 100, resources: 100_000}
	for _, source := range []string{"files", "gofakes3"} {
		b.Run(spec.String()+",source="+source, func(b *testing.B) {
			dir := b.TempDir()
			shardDir := filepath.Join(dir, "shards")
			if err := os.Mkdir(shardDir, 0o700); err != nil {
				b.Fatal(err)
			}
			accounts, _ := writeBenchShards(b, spec, shardDir)
			var shards ShardReader = dirShards(shardDir)
			if source == "gofakes3" {
				c := runtest.NewS3(b)
				for _, a := range accounts {
					body, err := os.ReadFile(filepath.Join(shardDir, a.ID+".json"))
					if err != nil {
						b.Fatal(err)
					}
					if _, err := c.PutObject(context.Background(), &s3.PutObjectInput{
						Bucket: aws.String(runtest.Bucket), Key: aws.String(run.ShardKey(benchRun, a.ID)), Body: strings.NewReader(string(body)),
					}); err != nil {
						b.Fatal(err)
					}
				}
				shards = S3Shards{Client: c, Bucket: runtest.Bucket, RunID: benchRun}
			}
			work := filepath.Join(dir, "work")
			if err := os.Mkdir(work, 0o700); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			var rep *Report
			for range b.N {
				_ = rep.Close()
				var err error
				rep, err = Build(context.Background(), Options{
					Environment: "bench", Regions: benchRegions[:spec.regions], ReadConcurrency: 16, TmpDir: work,
					GreenPct: 90, AmberPct: 70, Logger: slog.New(slog.DiscardHandler),
				}, Input{RunID: benchRun, Accounts: accounts, Shards: shards})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			defer rep.Close()
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/build")
			b.ReportMetric(rep.Stats.Read.Seconds(), "read-s")
			b.ReportMetric(rep.Stats.Workbook.Seconds(), "workbook-s")
		})
	}
}
