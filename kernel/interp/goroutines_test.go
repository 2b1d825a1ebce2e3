package interp

import (
	"context"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/stacks"
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
	if !strings.HasSuffix(mainFunc(), ".RunWorker") || !strings.HasSuffix(inputFunc(), ".(*worker).input") {
		t.Errorf("mainFunc %q, inputFunc %q", mainFunc(), inputFunc())
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

// crashElsewhere is the report of a worker whose code is in another
// package than this one.
const crashElsewhere = `fatal error: concurrent map writes

goroutine 40 [running]:
internal/runtime/maps.fatal({0x1b7e5a4?, 0x0?})
	/usr/local/go/src/runtime/panic.go:1181 +0x18
reflect.Value.call({0x1a80f20?, 0xc000512d08?, 0x4e7ef6?}, {0x1b6c7c7, 0x4}, {0xc0004f4fd8, 0x1, 0x1?})
	/usr/local/go/src/reflect/value.go:581 +0xcc6
github.com/traefik/yaegi/interp.callBin.func10({0xc000586a28?, 0x0?, 0x0?})
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.0/interp/run.go:1774 +0x8b
created by github.com/traefik/yaegi/interp.(*Interpreter).run.func2 in goroutine 35
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.0/interp/run.go:1910 +0x1a

goroutine 1 [select]:
github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext(0xc00027e908, {0x1f04a70, 0xc0004fcf00}, {0xc00040e0f0, 0x92})
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.0/interp/interp.go:604 +0x271
example.org/somewhere/else/worker.(*session).run(0xc000172008, {0x1f04a70, 0xc0004fcf00}, {0xc0001b4090, 0x5e}, 0x1)
	/src/worker/eval.go:215 +0x1a5
example.org/somewhere/else/worker.RunWorker()
	/src/worker/worker.go:123 +0x885
main.main()
	/src/main.go:60 +0x38

goroutine 7 [IO wait]:
internal/poll.runtime_pollWait(0x7f6c2d5c7c00, 0x72)
	/usr/local/go/src/runtime/netpoll.go:351 +0x85
os.(*File).Read(0xc0000a8000, {0xc0002c8000?, 0x1000, 0x1})
	/usr/local/go/src/os/file.go:144 +0x4f
example.org/somewhere/else/worker.RunWorker.func1()
	/src/worker/worker.go:96 +0x1c5
created by example.org/somewhere/else/worker.RunWorker in goroutine 1
	/src/worker/worker.go:87 +0x4a5

goroutine 36 [select]:
example.org/somewhere/else/watch.(*Watchdog).watch(0xc000124000, {0x1f04a70, 0xc0004fcf00}, 0x1)
	/src/watch/watch.go:298 +0x1b2
created by example.org/somewhere/else/worker.(*worker).asCell in goroutine 1
	/src/worker/worker.go:184 +0x2e5

goroutine 35 [sleep]:
time.Sleep(0x12a05f200)
	/usr/local/go/src/runtime/time.go:363 +0x165
reflect.Value.call({0x1a80f20?, 0x2b2a8c0?, 0x4e7ef6?}, {0x1b6c7c7, 0x4}, {0xc0004f4f90, 0x1, 0x1?})
	/usr/local/go/src/reflect/value.go:581 +0xcc6
github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext.func1()
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.0/interp/interp.go:590 +0x1a5
created by github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext in goroutine 1
	/root/go/pkg/mod/github.com/traefik/yaegi@v0.16.0/interp/interp.go:581 +0x1a5

goroutine 50 [IO wait]:
net/http.(*conn).serve(0xc000300000, {0x1f04a70, 0xc0004fcf00})
	/usr/local/go/src/net/http/server.go:2100 +0x1a5
created by net/http.(*Server).Serve in goroutine 40
	/usr/local/go/src/net/http/server.go:3454 +0x485
`

func TestSummarizeCrashElsewhere(t *testing.T) {
	got := summarizeCrash(crashElsewhere)
	want := []string{
		"fatal error: concurrent map writes",
		"Goroutines when the worker died (the failing one first):",
		"  goroutine 40 [running] (started by a go statement of a cell): internal/runtime/maps.fatal ← interpreted code",
		"  goroutine 35 [sleep] (the cell itself): time.Sleep ← interpreted code",
		"  goroutine 50 [IO wait] (started by net/http.(*Server).Serve): net/http.(*conn).serve",
	}
	if !slices.Equal(got, want) {
		t.Errorf("summary:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
