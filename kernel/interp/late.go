package interp

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// origins remembers which cell started each goroutine that outlived its
// cell, so that what such a goroutine prints while a later cell runs is
// marked "[from cell N]" instead of passing for the running cell's output.
//
// At the start of every cell it lists the goroutines alive: those it has
// not seen before were started during the previous cell. Goroutine ids come
// from runtime.Stack, the only way Go offers to tell goroutines apart.
type origins struct {
	baseline map[int64]bool // the worker's own goroutines
	prev     int            // execution count of the previous cell
	byID     atomic.Pointer[map[int64]int]
	mu       sync.Mutex // serialises cellStarted
}

func newOrigins() *origins {
	o := &origins{baseline: map[int64]bool{}}
	for _, id := range goroutineIDs() {
		o.baseline[id] = true
	}
	empty := map[int64]int{}
	o.byID.Store(&empty)
	return o
}

// cellStarted records the goroutines left by earlier cells; count is the
// execution count of the cell that starts now.
func (o *origins) cellStarted(count int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	old := *o.byID.Load()
	next := map[int64]int{}
	defer func() { o.prev = count }()
	if runtime.NumGoroutine() > maxTracked {
		// Listing that many stacks at every cell would cost more than
		// the marks are worth: stop marking until they are gone.
		o.byID.Store(&next)
		return
	}
	for _, g := range allGoroutines() {
		id := g.id
		// The worker's own goroutines (its request reader, a cell's
		// watchdog) are not a cell's: leaving them out keeps the map
		// empty while no cell's goroutine outlives its cell, and then
		// writing costs no lookup (a lookup reads the goroutine's stack,
		// which for interpreted code is deep and costs tens of µs).
		if o.baseline[id] || strings.HasPrefix(g.creator, ownPackage) {
			continue
		}
		if c, ok := old[id]; ok {
			next[id] = c
		} else if o.prev > 0 {
			next[id] = o.prev
		}
	}
	o.byID.Store(&next)
}

// maxTracked bounds the goroutines whose origin is tracked.
const maxTracked = 10000

// from returns the cell that started the calling goroutine, if that was
// an earlier cell.
func (o *origins) from() (int, bool) {
	m := *o.byID.Load()
	if len(m) == 0 {
		return 0, false
	}
	c, ok := m[currentGoroutineID()]
	return c, ok
}

// goroutineIDs lists the ids of all goroutines.
func goroutineIDs() []int64 {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var ids []int64
	for _, block := range bytes.Split(buf, []byte("\n\n")) {
		if id, ok := parseGoroutineID(block); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

func currentGoroutineID() int64 {
	var buf [64]byte
	id, _ := parseGoroutineID(buf[:runtime.Stack(buf[:], false)])
	return id
}

// parseGoroutineID reads "goroutine N [...]".
func parseGoroutineID(b []byte) (int64, bool) {
	b, ok := bytes.CutPrefix(b, []byte("goroutine "))
	if !ok {
		return 0, false
	}
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	return id, err == nil
}

// markingWriter writes to w, prefixing each line written by a goroutine of
// an earlier cell with "[from cell N] ".
type markingWriter struct {
	w io.Writer
	o *origins
}

func (m *markingWriter) Write(p []byte) (int, error) {
	cell, late := m.o.from()
	if !late {
		return m.w.Write(p)
	}
	prefix := []byte(fmt.Sprintf("[from cell %d] ", cell))
	var out []byte
	for _, line := range bytes.SplitAfter(p, []byte("\n")) {
		if len(line) > 0 {
			out = append(out, prefix...)
			out = append(out, line...)
		}
	}
	if _, err := m.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
