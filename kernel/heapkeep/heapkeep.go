// Package heapkeep gives the operating system back the heap a process no
// longer needs: the Go runtime keeps a heap that grew resident for
// minutes, while a notebook's kernel spends most of its time idle and a
// workshop's hub runs one kernel and one worker per user.
package heapkeep

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// IdleAfter is how long a process should have had no request before it
// calls ReturnIdle.
const IdleAfter = time.Second

// Keeper remembers how much heap the process held after it last gave
// memory back. The zero value is ready to use.
type Keeper struct {
	base uint64
}

// Held reads the heap the process holds: its objects (garbage not yet
// collected included) and its free and unused spans not yet returned.
func (k *Keeper) Held() uint64 {
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

// Base is the heap held right after the last return.
func (k *Keeper) Base() uint64 { return k.base }

// ReturnAbove collects the garbage and returns the free heap to the
// operating system when the process holds at least slack more than after
// the last return, and reports whether it did.
func (k *Keeper) ReturnAbove(slack uint64) bool {
	if k.Held() < k.base+slack {
		return false
	}
	debug.FreeOSMemory()
	k.base = k.Held()
	return true
}

// ReturnIdle is ReturnAbove for a process that has been idle for
// IdleAfter: the slack is a MiB, or a quarter of the heap held after the
// last return if that is more, so that a process with much live data does
// not pay a full collection each time it rests.
func (k *Keeper) ReturnIdle() bool {
	return k.ReturnAbove(max(1<<20, k.base/4))
}
