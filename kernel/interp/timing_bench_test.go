package interp

import (
	"context"
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

// BenchmarkTrivialCell is a trivial cell through the engine, worker and
// back, for scale.
func BenchmarkTrivialCell(b *testing.B) {
	e, err := New(Options{Logf: b.Logf})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	if err := e.WaitReady(30 * time.Second); err != nil {
		b.Fatal(err)
	}
	out := &record{}
	e.Execute(context.Background(), "x := 1", 1, out)
	for b.Loop() {
		if res := e.Execute(context.Background(), "x = 2", 2, out); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}
