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
	before := w.mem.held()
	if before < w.mem.base+heapSlack {
		t.Fatalf("the worker holds only %d MB after the cell: it did not leave the garbage it should", before>>20)
	}
	if !w.mem.afterCell() {
		t.Fatal("afterCell returned nothing after a cell that left 150 MB of garbage")
	}
	if after := w.mem.held(); after > before-heapSlack {
		t.Errorf("the worker holds %d MB after afterCell, %d MB before", after>>20, before>>20)
	}
	if w.mem.afterCell() {
		t.Error("afterCell ran again with nothing to return")
	}
}
