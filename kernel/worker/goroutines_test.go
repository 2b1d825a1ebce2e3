package worker

import (
	"context"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/stacks"
	"github.com/gocurrent/gocurrent/kernel/wire"
)

// elsewhere is a package path the worker's code does not have: the
// goroutines below are told apart by their labels and ids, whatever
// package their functions are in.
const elsewhere = "example.org/somewhere/else/worker."

func TestClassifyByLabels(t *testing.T) {
	input := elsewhere + "(*w).input"
	baseline := map[int64]bool{1: true}
	workerLabel := map[string]string{labelRole: roleWorker}
	cellLabel := map[string]string{labelCell: "3"}
	for _, c := range []struct {
		name string
		g    goroutine
		want string
	}{
		{"request reader", goroutine{id: 7, state: "IO wait", funcs: []string{"internal/poll.runtime_pollWait", elsewhere + "RunWorker.func1"},
			creator: elsewhere + "RunWorker", labels: workerLabel}, "worker"},
		{"watchdog", goroutine{id: 9, state: "select", funcs: []string{elsewhere + "(*w).watch"},
			creator: elsewhere + "(*w).asCell", labels: workerLabel}, "worker"},
		{"main goroutine in a cell", goroutine{id: 1, state: "select", funcs: []string{"github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext", elsewhere + "RunWorker"},
			labels: cellLabel}, "worker"},
		{"the one that looks", goroutine{id: 12, state: "running", funcs: []string{elsewhere + "allGoroutines"}, self: true}, "worker"},
		{"signal loop", goroutine{id: 13, state: "syscall", funcs: []string{"os/signal.signal_recv", "os/signal.loop"},
			creator: "os/signal.Notify.func1.1", labels: cellLabel}, "worker"},
		{"waiting for input", goroutine{id: 20, state: "chan receive", funcs: []string{input, elsewhere + "(*inputReader).Read", "fmt.Fscan"},
			creator: "github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext", labels: cellLabel}, "input"},
		{"cell blocked", goroutine{id: 21, state: "chan receive", funcs: []string{"github.com/traefik/yaegi/interp.recv.func1"},
			creator: "github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext", labels: cellLabel}, "blocked"},
		{"cell sleeping", goroutine{id: 22, state: "sleep", funcs: []string{"time.Sleep"},
			creator: "github.com/traefik/yaegi/interp.callBin.func1", labels: cellLabel}, "busy"},
		// Started by the worker's code, during a cell: the cell's.
		{"library goroutine of a cell", goroutine{id: 23, state: "chan receive", funcs: []string{"os/exec.(*Cmd).watchCtx"},
			creator: elsewhere + "(*session).run", labels: cellLabel}, "blocked"},
		{"timer callback", goroutine{id: 24, state: "semacquire", funcs: []string{"sync.runtime_Semacquire"},
			creator: "time.goFunc"}, "blocked"},
	} {
		if got := classify(c.g, baseline, input); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestProfileGroupsByLabels(t *testing.T) {
	main, input := elsewhere+"RunWorker", elsewhere+"(*w).input"
	frames := func(fs ...string) []stacks.Frame {
		var out []stacks.Frame
		for _, f := range fs {
			out = append(out, stacks.Frame{Func: f})
		}
		return out
	}
	records := []stacks.Record{
		{Count: 1, Labels: map[string]string{labelRole: roleWorker}, Frames: frames("internal/poll.runtime_pollWait", elsewhere+"RunWorker.func1")},
		{Count: 1, Labels: map[string]string{labelCell: "2"}, Frames: frames("github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext", main)},
		{Count: 1, Labels: map[string]string{labelCell: "2"}, Frames: frames(input, elsewhere+"(*inputReader).Read")},
		{Count: 1, Labels: map[string]string{}, Frames: frames("time.Sleep", elsewhere+"reapLater.func1")},
		{Count: 3, Labels: map[string]string{labelCell: "2", labelSite: "0"}, Frames: frames("github.com/traefik/yaegi/interp.recv.func1")},
		{Count: 1, Labels: map[string]string{labelCell: "2"}, Frames: frames("sync.(*Mutex).Lock", "github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext.func1")},
	}
	var kept []int
	for i, r := range records {
		if cellRecord(r, main, input) {
			kept = append(kept, i)
		}
	}
	if !slices.Equal(kept, []int{4, 5}) {
		t.Errorf("cell records %v, want [4 5]", kept)
	}
	gs := profileGroups(records, main, input)
	total := 0
	for _, g := range gs {
		total += g.count
	}
	if total != 3+1 || len(gs) != 2 || !gs[0].main {
		t.Errorf("groups %+v", gs)
	}
}

func TestWorkerFunctionNames(t *testing.T) {
	if !strings.HasSuffix(mainFunc(), ".Run") || !strings.HasSuffix(inputFunc(), ".(*worker).input") {
		t.Errorf("mainFunc %q, inputFunc %q", mainFunc(), inputFunc())
	}
	// Tracebacks name a goroutine's creator as these names do.
	c := workerCreators()
	done := make(chan string)
	go func() { done <- string(stacks.All()) }()
	if got := <-done; !strings.Contains(got, "created by "+tracebackName(TestWorkerFunctionNames)+" in goroutine") {
		t.Errorf("the traceback names the creator otherwise:\n%s", got)
	}
	if !strings.HasSuffix(c[0], ".Run") || !strings.HasSuffix(c[1], ".(*worker).asCell") {
		t.Errorf("workerCreators = %q", c)
	}
}

// TestLabelsOfGoroutines checks that allGoroutines gives each goroutine
// the labels it has: the worker's label is inherited, a cell's replaces it.
func TestLabelsOfGoroutines(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{}, 2)
	pprof.Do(context.Background(), pprof.Labels(labelRole, roleWorker), func(context.Context) {
		go func() { // the worker's
			started <- struct{}{}
			<-release
		}()
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(labelCell, "4")))
		go func() { // a cell's
			started <- struct{}{}
			select {
			case <-release:
			case <-time.After(time.Hour):
			}
		}()
	})
	<-started
	<-started
	time.Sleep(10 * time.Millisecond)
	found := map[string]map[string]string{}
	for _, g := range allGoroutines() {
		for _, f := range g.funcs {
			if strings.Contains(f, "TestLabelsOfGoroutines.func1.") {
				found[f[strings.LastIndex(f, ".")+1:]] = g.labels
			}
		}
		if g.self != slices.ContainsFunc(g.funcs, func(f string) bool { return strings.HasSuffix(f, ".TestLabelsOfGoroutines") }) {
			t.Errorf("goroutine %d: self %v, funcs %v", g.id, g.self, g.funcs)
		}
	}
	if found["1"][labelRole] != roleWorker || found["2"][labelCell] != "4" || found["2"][labelRole] != "" {
		t.Errorf("labels %v", found)
	}
}

// A cell's statements run in a function declared first: that declaration
// starts no goroutine, nor does the deadlock watchdog, and the cell's count
// of goroutines started is its own go statements, no more and no fewer.
func TestGoroutinesStartedByAStatementCell(t *testing.T) {
	w := newBenchWorker(t)
	cells := []struct {
		code string
		want int64
	}{
		{"x := 1", 0},
		{"x = 2", 0},
		{"done := make(chan bool)\nfor i := 0; i < 3; i++ {\n\tgo func() { done <- true }()\n}\nfor i := 0; i < 3; i++ {\n\t<-done\n}", 3},
		{"go func() {}()\nx++", 1},
		{"func f() {}\nf()", 0},
		{"x", 0}, // plain: evaluated on the worker's goroutine
		// The watchdog wakes after half of firstLook and looks at
		// firstLook; it is the worker's goroutine, not the cell's.
		{"time.Sleep(200 * time.Millisecond)", 0},
		{"go func() {}()\ntime.Sleep(200 * time.Millisecond)", 1},
	}
	for i, c := range cells {
		res := w.execute(int64(i+1), wire.Execute{Code: c.code, Count: i + 1})
		if res.Err != nil {
			t.Fatalf("cell %d: %s", i+1, res.Err.Value)
		}
		if got := res.Timing.GoroutinesStarted; got != c.want {
			t.Errorf("cell %d %q: %d goroutines started, want %d", i+1, c.code, got, c.want)
		}
	}
}
