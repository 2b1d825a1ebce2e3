package worker

import (
	"go/token"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/traefik/yaegi/interp"

	"github.com/gocurrent/gocurrent/kernel/wire"
)

// A goroutine that library code started during a cell (not a go
// statement, which is supervised) belongs to that cell, whether or not
// the cells since started goroutines of their own.
func TestOriginsFindGoroutinesNoStatementStarted(t *testing.T) {
	o := newOrigins()
	o.cellStarted(1)
	o.cellEnded()
	o.cellStarted(2)
	if n := len(o.byID); n != 0 {
		t.Fatalf("cell 2 started with %d goroutines of earlier cells, want 0", n)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); <-stop }() // as library code would, during cell 2
	o.ownGoroutine()                        // and one of the worker's own, ended by now
	before := runtime.NumGoroutine()
	go func() {}()
	for runtime.NumGoroutine() > before {
		runtime.Gosched()
	}
	o.cellEnded()
	o.cellStarted(3)
	if n := len(o.byID); n != 1 {
		t.Fatalf("cell 3 found %d goroutines of earlier cells, want 1 (cell 2's)", n)
	}
	for id, c := range o.byID {
		if c != 2 {
			t.Errorf("goroutine %d taken for cell %d's, want 2", id, c)
		}
	}
	o.cellEnded()
	o.cellStarted(4) // nothing started since, but cell 2's goroutine lives
	if n := len(o.byID); n != 1 {
		t.Fatalf("cell 4 found %d goroutines of earlier cells, want 1", n)
	}
	close(stop)
	wg.Wait()
	o.cellEnded()
	o.cellStarted(5)
	if n := len(o.byID); n != 0 {
		t.Fatalf("cell 5 found %d goroutines of earlier cells, want 0", n)
	}
}

// The interpreter keeps the syntax trees of all its evaluations for its
// debugger (traefik/yaegi#1678); dropRoots must find that list and empty
// it, or every cell grows the worker.
func TestDropRootsEmptiesTheInterpretersTrees(t *testing.T) {
	w := newBenchWorker(t)
	for n := 1; n <= 5; n++ {
		if res := w.execute(int64(n), wire.Execute{Code: "1", Count: n}); res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	if got := rootsLen(t, w.sess.i); got == 0 {
		t.Fatal("the interpreter kept no trees after a cell: nothing to drop (has it changed?)")
	}
	if !dropRoots(w.sess.i) {
		t.Fatal("dropRoots found no list of trees in the interpreter")
	}
	if got := rootsLen(t, w.sess.i); got != 0 {
		t.Fatalf("%d trees left after dropRoots, want 0", got)
	}
	if res := w.execute(6, wire.Execute{Code: "x := 41\nx + 1", Count: 6}); res.Err != nil || res.Data["text/plain"] != "42" {
		t.Fatalf("a cell after dropRoots: %v %v", res.Data, res.Err)
	}
}

func rootsLen(t *testing.T, i *interp.Interpreter) int {
	t.Helper()
	f := reflect.ValueOf(i).Elem().FieldByName("roots")
	if !f.IsValid() {
		t.Fatal("the interpreter has no field roots")
	}
	return f.Len()
}

func TestProbeFilesAreDroppedAndPanicsStillFindTheirLines(t *testing.T) {
	w := newBenchWorker(t)
	cells := []string{"func boom() {\n\tx := 1\n\tpanic(x)\n}", "1", "y := 2", "fmt.Println(y)"}
	for n, code := range cells {
		if res := w.execute(int64(n+1), wire.Execute{Code: code, Count: n + 1}); res.Err != nil {
			t.Fatalf("cell %q: %v", code, res.Err)
		}
	}
	fset := w.sess.i.FileSet()
	count := func() (all, nameless int) {
		fset.Iterate(func(f *token.File) bool {
			all++
			if f.Name() == "" {
				nameless++
			}
			return true
		})
		return all, nameless
	}
	before, _ := count()
	w.sess.probes.drop(fset)
	after, nameless := count()
	if nameless != 0 || after >= before || after < len(cells) {
		t.Errorf("files %d -> %d (%d nameless) after drop; want fewer, none nameless, and at least one for each of %d cells", before, after, nameless, len(cells))
	}
	res := w.execute(5, wire.Execute{Code: "boom()", Count: 5})
	if res.Err == nil {
		t.Fatal("boom() did not panic")
	}
	// Cell 1's positions still resolve: the trace names boom where it
	// starts (see panicError).
	if tb := strings.Join(res.Err.Traceback, "\n"); !strings.Contains(tb, "in boom, which starts at cell 1, line 1") || !strings.Contains(tb, "func boom() {") {
		t.Errorf("the panic's traceback does not locate boom in cell 1:\n%s", tb)
	}
}

func TestDropScopeChildrenForgetsBlocksNotSymbols(t *testing.T) {
	w := newBenchWorker(t)
	cells := []string{
		"func counter() func() int {\n\tn := 0\n\treturn func() int { n++; return n }\n}",
		"func Max[T int | float64](a, b T) T {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}",
		"c := counter()\nc()",
		"for i := 0; i < 3; i++ {\n\tif i == 1 {\n\t\tc()\n\t}\n}",
		"1",
	}
	for n, code := range cells {
		if res := w.execute(int64(n+1), wire.Execute{Code: code, Count: n + 1}); res.Err != nil {
			t.Fatalf("cell %q: %v", code, res.Err)
		}
	}
	if got := mainScopeChildren(t, w.sess.i); got == 0 {
		t.Fatal("the package scope lists no child scopes after five cells: nothing to drop (has the interpreter changed?)")
	}
	if !dropScopeChildren(w.sess.i) {
		t.Fatal("dropScopeChildren found no scopes in the interpreter")
	}
	if got := mainScopeChildren(t, w.sess.i); got != 0 {
		t.Fatalf("%d child scopes left, want 0", got)
	}
	res := w.execute(6, wire.Execute{Code: "fmt.Sprint(c(), Max(2, 3), Max(2.5, 1.5))", Count: 6})
	if res.Err != nil || res.Data["text/plain"] != `"3 3 2.5"` {
		t.Fatalf("declarations after dropScopeChildren: %v %v", res.Data, res.Err)
	}
}

func mainScopeChildren(t *testing.T, i *interp.Interpreter) int {
	t.Helper()
	scopes := reflect.ValueOf(i).Elem().FieldByName("scopes")
	if !scopes.IsValid() {
		t.Fatal("the interpreter has no field scopes")
	}
	sc := scopes.MapIndex(reflect.ValueOf("main"))
	if !sc.IsValid() {
		t.Fatal("no scope for package main")
	}
	return sc.Elem().FieldByName("child").Len()
}
