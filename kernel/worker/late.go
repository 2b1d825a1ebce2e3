package worker

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gocurrent/gocurrent/kernel/stacks"
)

// origins knows which cell started each goroutine that outlives its cell,
// so that what such a goroutine prints is marked "[from cell N]" instead
// of passing for the output of the cell running then (or, between cells,
// of the next one).
//
// A goroutine belongs to the cell that was running when it started, or, if
// a goroutine of an earlier cell started it, to that goroutine's cell. The
// goroutines of go statements (supervised, see supervise.go) are known from
// their first instruction (goroutineStarted); others, started by library
// code, are found at the start of the next cell by listing the goroutines
// alive and taken for the previous cell's. Between cells, whatever a
// goroutine prints is late: its cell's if known, else the last cell's.
// Goroutine ids come from runtime.Stack, the only way Go offers to tell
// goroutines apart.
type origins struct {
	baseline map[int64]bool // the worker's own goroutines

	cur  atomic.Int64 // execution count of the running cell; 0 between cells
	last atomic.Int64 // the last cell started
	// foreign counts the known goroutines of other cells than the
	// running one: while it is 0 in a cell, nothing it prints is late,
	// and writing costs no lookup (a lookup reads the goroutine's stack,
	// which for interpreted code is deep and costs tens of µs).
	foreign atomic.Int64

	mu   sync.Mutex    // serialises cellStarted; guards byID
	byID map[int64]int // goroutine id -> its cell, where not the default
	dump []byte        // the last listing's buffer, used again by the next

	// created is the runtime's count of goroutines created, when the
	// last cell started; own counts those the worker started since for
	// itself (a cell's watchdog, the goroutine of each evaluation). When
	// the two account for every goroutine created since, and no earlier
	// cell's goroutine was alive then, none is alive now: the listing,
	// which stops the world and reads every stack, is skipped.
	created int64
	own     atomic.Int64
}

// ownGoroutine says that the worker starts a goroutine for itself, not
// for a cell.
func (o *origins) ownGoroutine() { o.own.Add(1) }

func newOrigins() *origins {
	o := &origins{baseline: map[int64]bool{}, byID: map[int64]int{}}
	for _, id := range goroutineIDs() {
		o.baseline[id] = true
	}
	return o
}

// cellStarted records the goroutines left by earlier cells; count is the
// execution count of the cell that starts now.
func (o *origins) cellStarted(count int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	prev := int(o.last.Load())
	if o.cur.Load() == int64(count) {
		return // a measured cell's second evaluation
	}
	next := map[int64]int{}
	created := goroutinesCreatedNow()
	quiet := len(o.byID) == 0 && created-o.created == o.own.Load()
	defer func() {
		// Read before the listing: a goroutine created during it
		// counts as new at the next cell, which then lists again.
		o.created = created
		o.own.Store(0)
		o.byID = next
		o.foreign.Store(int64(len(next)))
		o.cur.Store(int64(count))
		o.last.Store(int64(count))
	}()
	if quiet {
		return // every goroutine created since the last cell started was the worker's
	}
	if runtime.NumGoroutine() > maxTracked {
		// Listing that many stacks at every cell would cost more than
		// the marks are worth: stop marking until they are gone.
		return
	}
	// The worker's own goroutines (its request reader, a cell's watchdog)
	// are not a cell's. The traceback alone tells most of them; the
	// labels are read only when some goroutine is left to tell.
	creators := workerCreators()
	known := func(g goroutine) bool {
		return o.baseline[g.id] || g.self || g.creator == creators[0] || g.creator == creators[1] || g.labels[labelRole] == roleWorker
	}
	gs := listGoroutines(false, &o.dump)
	if !allOf(gs, known) {
		gs = listGoroutines(true, &o.dump)
	}
	for _, g := range gs {
		id := g.id
		if known(g) {
			continue
		}
		if c, ok := o.byID[id]; ok {
			next[id] = c
		} else if prev > 0 {
			next[id] = prev
		}
	}
}

// cellEnded says that no cell runs until the next cellStarted.
func (o *origins) cellEnded() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.cur.Store(0)
	o.foreign.Store(int64(len(o.byID)))
}

// goroutineStarted is called by a goroutine of a go statement before it
// runs any of its code: it records the goroutine's cell, that of the
// goroutine that started it.
func (o *origins) goroutineStarted() {
	cur := o.cur.Load()
	if cur != 0 && o.foreign.Load() == 0 {
		return // only the running cell's goroutines are about: it is theirs
	}
	owner := 0
	if parent, ok := parentGoroutineID(); ok {
		o.mu.Lock()
		owner = o.byID[parent]
		o.mu.Unlock()
	}
	o.adopt(owner)
}

// callback wraps f, a function that library code will call later on a
// goroutine of its own (time.AfterFunc's), so that this goroutine belongs
// to the cell of the goroutine that handed f over.
func (o *origins) callback(f func()) func() {
	owner := int(o.cur.Load())
	if owner == 0 || o.foreign.Load() != 0 {
		id := currentGoroutineID()
		o.mu.Lock()
		if c, ok := o.byID[id]; ok {
			owner = c
		} else if owner == 0 {
			owner = int(o.last.Load())
		}
		o.mu.Unlock()
	}
	return func() {
		o.adopt(owner)
		f()
	}
}

// adopt records that the calling goroutine belongs to cell owner (0: the
// running cell, or between cells the last one), where that is not the
// cell it would be taken for by default.
func (o *origins) adopt(owner int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	cur := o.cur.Load()
	def := int(cur)
	if cur == 0 {
		def = int(o.last.Load())
	}
	if owner == 0 || owner == def || len(o.byID) >= maxTracked {
		return
	}
	o.byID[currentGoroutineID()] = owner
	if cur != 0 {
		o.foreign.Add(1)
	}
}

// maxTracked bounds the goroutines whose origin is tracked.
const maxTracked = 10000

// from returns the cell that started the calling goroutine, if that is
// not the running cell.
func (o *origins) from() (int, bool) {
	cur := o.cur.Load()
	if cur != 0 && o.foreign.Load() == 0 {
		return 0, false
	}
	id := currentGoroutineID()
	o.mu.Lock()
	c, ok := o.byID[id]
	o.mu.Unlock()
	switch {
	case ok:
		return c, int64(c) != cur
	case cur == 0:
		last := int(o.last.Load())
		return last, last > 0
	}
	return 0, false
}

// parentGoroutineID returns the id of the goroutine that started the
// calling one, from the "created by ... in goroutine N" line of its stack.
func parentGoroutineID() (int64, bool) {
	buf := make([]byte, 16<<10)
	return stacks.CreatorID(buf[:runtime.Stack(buf, false)])
}

// goroutineIDs lists the ids of all goroutines.
func goroutineIDs() []int64 {
	var ids []int64
	for _, g := range stacks.Parse(stacks.All()) {
		ids = append(ids, g.ID)
	}
	return ids
}

func currentGoroutineID() int64 {
	var buf [64]byte
	id, _ := parseGoroutineID(buf[:runtime.Stack(buf[:], false)])
	return id
}

// parseGoroutineID reads "goroutine N [...]".
func parseGoroutineID(b []byte) (int64, bool) { return stacks.ID(b) }

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

// allOf reports whether f holds for every goroutine of gs.
func allOf(gs []goroutine, f func(goroutine) bool) bool {
	for _, g := range gs {
		if !f(g) {
			return false
		}
	}
	return true
}
