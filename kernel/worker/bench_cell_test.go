package worker

import (
	"os"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/wire"
)

type discardEvents struct{}

func (discardEvents) Write(wire.Envelope[wire.Event]) error { return nil }

// newBenchWorker is a worker whose events and output go nowhere.
func newBenchWorker(tb testing.TB) *worker {
	tb.Helper()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { null.Close() })
	w := &worker{inputs: make(chan wire.Input, 1), events: discardEvents{}}
	w.setStdio(null, null)
	s, err := newSession(w)
	if err != nil {
		tb.Fatal(err)
	}
	w.sess = s
	return w
}

func benchCell(b *testing.B, code string) {
	w := newBenchWorker(b)
	if res := w.execute(1, wire.Execute{Code: "x := 1", Count: 1}); res.Err != nil {
		b.Fatal(res.Err)
	}
	n := 2
	for b.Loop() {
		if res := w.execute(int64(n), wire.Execute{Code: code, Count: n}); res.Err != nil {
			b.Fatal(res.Err)
		}
		n++
	}
}

// BenchmarkAssignCell is the worker's side of a trivial statement cell.
func BenchmarkAssignCell(b *testing.B) { benchCell(b, "x = 2") }

// BenchmarkExprCell is the worker's side of a trivial expression cell.
func BenchmarkExprCell(b *testing.B) { benchCell(b, "1") }
