package heapkeep

import (
	"runtime"
	"testing"
)

// leaveGarbage allocates n bytes, writes every page of them, and drops
// them.
func leaveGarbage(n int) {
	b := make([]byte, n)
	for i := 0; i < n; i += 4096 {
		b[i] = 1
	}
	runtime.KeepAlive(b)
}

func TestReturnIdleGivesBackGarbage(t *testing.T) {
	var k Keeper
	k.ReturnIdle() // whatever the process held before
	leaveGarbage(16 << 20)
	before := k.Held()
	if !k.ReturnIdle() {
		t.Fatalf("ReturnIdle did nothing with %d MiB held, %d MiB after the last return", before>>20, k.Base()>>20)
	}
	if after := k.Held(); after > before-8<<20 {
		t.Errorf("held %d MiB after ReturnIdle, %d MiB before", after>>20, before>>20)
	}
	if k.ReturnIdle() {
		t.Error("ReturnIdle ran again with nothing to give back")
	}
}

func TestReturnIdleSparesALargeLiveHeap(t *testing.T) {
	var k Keeper
	k.ReturnIdle()
	// A process that held 400 MiB after its last return: 16 MiB of
	// garbage is less than a quarter of that.
	k.base = k.Held() + 400<<20
	leaveGarbage(16 << 20)
	if k.ReturnIdle() {
		t.Error("ReturnIdle collected for 16 MiB of garbage beside 400 MiB of live data")
	}
	k.base = 0
	if !k.ReturnAbove(1) {
		t.Error("ReturnAbove(1) did nothing")
	}
}
