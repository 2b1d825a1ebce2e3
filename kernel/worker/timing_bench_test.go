package worker

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkTimingInstrumentation is what measuring one cell costs the
// worker: the clocks, CPU times, goroutine counts its timing line reports
// (see session.run), without the cell.
func BenchmarkTimingInstrumentation(b *testing.B) {
	for b.Loop() {
		u0, s0 := cpuTimes()
		g0 := runtime.NumGoroutine()
		c0 := goroutinesCreatedNow()
		start := time.Now()
		wall := time.Since(start)
		u1, s1 := cpuTimes()
		_ = runtime.NumGoroutine() - g0
		_ = goroutinesCreatedNow() - c0
		_, _, _ = wall, u1-u0, s1-s0
	}
}
