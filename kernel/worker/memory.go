package worker

import "github.com/gocurrent/gocurrent/kernel/heapkeep"

// heapSlack is how much more heap than after its last return the worker
// may hold after a cell before it gives memory back.
const heapSlack = 64 << 20

// memoryKeeper gives the operating system back the heap cells used and no
// longer need. A cell that starts 100,000 goroutines leaves about 150 MB
// of the interpreter's frames as garbage: the runtime would keep that
// resident for minutes, and a workshop's hub runs one worker per user.
type memoryKeeper struct {
	heapkeep.Keeper
}

// afterCell collects the garbage and returns the free heap to the
// operating system when the worker holds heapSlack more than after the
// last time; it runs after the cell's result is sent, so that neither the
// cell's timing nor its reply include it, and reports whether it did. A
// session whose live data is large pays a collection only after cells
// that leave that much garbage.
func (m *memoryKeeper) afterCell() bool { return m.ReturnAbove(heapSlack) }

// whenIdle returns what the cells left when the worker has had no
// request for heapkeep.IdleAfter; it reports whether it did.
func (m *memoryKeeper) whenIdle() bool { return m.ReturnIdle() }
