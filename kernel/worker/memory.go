package worker

import (
	"runtime/debug"
	"runtime/metrics"
)

// heapSlack is how much more heap than after its last return the worker
// may hold after a cell before it gives memory back.
const heapSlack = 64 << 20

// memoryKeeper gives the operating system back the heap a cell used and
// no longer needs, when that is a lot. A cell that starts 100,000
// goroutines leaves about 150 MB of the interpreter's frames as garbage:
// the runtime would keep that resident for minutes, and a workshop's hub
// runs one worker per user.
type memoryKeeper struct {
	base uint64 // heap held after the last return
}

// held reads the heap the worker holds: its objects (garbage not yet
// collected included) and its free and unused spans not yet returned.
func (m *memoryKeeper) held() uint64 {
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	metrics.Read(samples)
	var n uint64
	for _, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			n += s.Value.Uint64()
		}
	}
	return n
}

// afterCell collects the garbage and returns the free heap to the
// operating system when the worker holds heapSlack more than after the
// last time; it runs after the cell's result is sent, so that neither the
// cell's timing nor its reply include it, and reports whether it did. A
// session whose live data is large pays a collection only after cells
// that leave that much garbage.
func (m *memoryKeeper) afterCell() bool {
	if m.held() < m.base+heapSlack {
		return false
	}
	debug.FreeOSMemory()
	m.base = m.held()
	return true
}
