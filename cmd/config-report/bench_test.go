//go:build linux

package main

import (
	"fmt"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// BenchmarkDemo runs the demo binary on a large simulated organization with
// latency on every AWS call, and reports its wall time, CPU time and peak
// resident memory (the whole process: the simulator, its in-memory S3 and
// the pipeline), read from the child's rusage.
//
//	go test -run '^$' -bench Demo -benchtime 1x ./cmd/config-report
func BenchmarkDemo(b *testing.B) {
	cases := []struct {
		accounts    int
		regions     string
		latency     time.Duration
		concurrency int
	}{
		{accounts: 5000, regions: "us-east-1,eu-west-1,eu-central-1", latency: 20 * time.Millisecond, concurrency: 32},
	}
	for _, bc := range cases {
		name := fmt.Sprintf("accounts=%d/regions=3/latency=%s/concurrency=%d", bc.accounts, bc.latency, bc.concurrency)
		b.Run(name, func(b *testing.B) {
			var wall, cpu time.Duration
			var peakKiB int64
			for range b.N {
				cmd := exec.Command(binary, "demo", "--accounts", strconv.Itoa(bc.accounts), "--regions", bc.regions,
					"--latency", bc.latency.String(), "--concurrency", strconv.Itoa(bc.concurrency), "--out", b.TempDir())
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("demo: %v\n%s", err, out)
				}
				wall += time.Since(start)
				ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
				cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
				peakKiB = max(peakKiB, ru.Maxrss) // kibibytes on Linux
			}
			n := float64(b.N)
			b.ReportMetric(wall.Seconds()/n, "s/demo")
			b.ReportMetric(cpu.Seconds()/n, "cpu-s/demo")
			b.ReportMetric(float64(peakKiB)/1024, "peak-RSS-MiB")
			b.ReportMetric(float64(bc.accounts)*n/wall.Seconds(), "accounts/s")
		})
	}
}
