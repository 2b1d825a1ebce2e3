package worker

import (
	"reflect"
	"sync"
)

// The panic of a cell's own flow and the cell's top-level defers. The
// kernel runs a cell's top-level deferred calls when the cell has ended
// (eval.go's runDefers), as Go runs main's when main returns or panics;
// but the interpreter's panic has been caught by then, and recover() in
// a deferred call returned nil where Go's returns the panic's value and
// main ends normally. topPanic keeps the value of the cell's panic while
// its defers run, and the first recover() that finds no panic of its own
// takes it.

// topPanic is a cell's panic, kept for its top-level defers.
type topPanic struct {
	mu        sync.Mutex
	value     any  // the panic's value, when has
	has       bool // the cell's flow panicked
	running   bool // the cell's top-level defers are running
	recovered bool // one of them recovered the panic
}

// reset forgets the panic of an earlier cell.
func (t *topPanic) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.value, t.has, t.running, t.recovered = nil, false, false, false
}

// panicked records the value of a panic of the cell's flow.
func (t *topPanic) panicked(v any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.value, t.has = v, true
}

// start marks the cell's top-level defers as running; failed tells
// whether the cell ended with an error (a recorded panic counts only
// then).
func (t *topPanic) start(failed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.has = t.has && failed
	t.running, t.recovered = true, false
}

// finish reports whether a top-level defer recovered the cell's panic.
func (t *topPanic) finish() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.recovered
	t.value, t.has, t.running, t.recovered = nil, false, false, false
	return rec
}

// recover is what recover() returns, given the interpreter's v: the
// cell's panic, once, while the top-level defers run and v is nil.
func (t *topPanic) recover(v any) any {
	if rv, ok := v.(reflect.Value); v != nil && (!ok || rv.IsValid()) {
		return v
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.running || !t.has || t.recovered {
		return v
	}
	t.recovered = true
	return t.value
}
