package interp

import (
	"context"
	"testing"
	"time"
)

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
