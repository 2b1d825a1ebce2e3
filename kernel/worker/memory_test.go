package worker

import (
	"testing"

	"github.com/gocurrent/gocurrent/kernel/wire"
)

func TestReturnMemoryAfterAGreedyCell(t *testing.T) {
	w := newBenchWorker(t)
	w.mem.afterCell() // whatever the tests before left
	// 150 MB of small objects alive at once, garbage when the cell ends.
	code := "import \"fmt\"\nn := 0\nfunc() {\n\tvar xs [][]byte\n\tfor i := 0; i < 150000; i++ {\n\t\txs = append(xs, make([]byte, 1000))\n\t}\n\tn = len(xs)\n}()\nfmt.Println(n)"
	if res := w.execute(1, wire.Execute{Code: code, Count: 1}); res.Err != nil {
		t.Fatal(res.Err)
	}
	before := w.mem.Held()
	if before < w.mem.Base()+heapSlack {
		t.Fatalf("the worker holds only %d MB after the cell: it did not leave the garbage it should", before>>20)
	}
	if !w.mem.afterCell() {
		t.Fatal("afterCell returned nothing after a cell that left 150 MB of garbage")
	}
	if after := w.mem.Held(); after > before-heapSlack {
		t.Errorf("the worker holds %d MB after afterCell, %d MB before", after>>20, before>>20)
	}
	if w.mem.afterCell() {
		t.Error("afterCell ran again with nothing to return")
	}
}

func TestIdleWorkerReturnsWhatACellLeft(t *testing.T) {
	w := newBenchWorker(t)
	w.mem.whenIdle() // whatever the tests before left
	// 30 MiB, every page written, garbage when the cell ends: less than
	// afterCell's slack, more than whenIdle's.
	code := "n := 0\nfunc() {\n\tb := make([]byte, 30<<20)\n\tfor i := 0; i < len(b); i += 4096 {\n\t\tb[i] = 1\n\t}\n\tn = len(b)\n}()\nn"
	if res := w.execute(1, wire.Execute{Code: code, Count: 1}); res.Err != nil {
		t.Fatal(res.Err)
	}
	if w.mem.afterCell() {
		t.Fatal("afterCell returned memory after a cell that left 30 MiB: the test no longer tells whenIdle apart")
	}
	before := w.mem.Held()
	if !w.mem.whenIdle() {
		t.Fatalf("whenIdle did nothing with %d MiB held, %d MiB after the last return", before>>20, w.mem.Base()>>20)
	}
	if after := w.mem.Held(); after > before-20<<20 {
		t.Errorf("the worker holds %d MiB after whenIdle, %d MiB before", after>>20, before>>20)
	}
}
