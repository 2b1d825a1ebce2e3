package interp

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/procs"
	"github.com/gocurrent/gocurrent/kernel/proctree"
	"github.com/gocurrent/gocurrent/kernel/worker"
)

// A test binary started with procs.Command is a child of procs.Map (as
// TestMain makes it a worker).
func init() {
	if len(os.Args) > 1 && os.Args[1] == procs.Command {
		os.Exit(worker.RunProcsChild())
	}
}

// newProcsEngine starts an engine for tests of procs.Map. Children of a
// race-enabled test binary would sleep a second when they exit (the race
// detector's atexit_sleep_ms), which is not what the tests measure.
func newProcsEngine(t *testing.T) *Engine {
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	return newEngine(t)
}

// cellRun is one executed cell.
type cellRun struct {
	res engine.Result
	out *record
}

func (c cellRun) text() string {
	t, _ := c.res.Data["text/plain"].(string)
	return t
}

// execCells runs cells on e, numbered from first.
func execCells(t *testing.T, e *Engine, first int, cells ...string) []cellRun {
	t.Helper()
	var out []cellRun
	for i, code := range cells {
		r := &record{}
		res := e.Execute(context.Background(), code, first+i, r)
		out = append(out, cellRun{res, r})
	}
	return out
}

// mustOK runs a cell that must succeed.
func mustOK(t *testing.T, e *Engine, count int, code string) cellRun {
	t.Helper()
	c := execCells(t, e, count, code)[0]
	if c.res.Err != nil {
		t.Fatalf("cell %d failed: %s: %s\n%s\ncode:\n%s", count, c.res.Err.Name, c.res.Err.Value, strings.Join(c.res.Err.Traceback, "\n"), code)
	}
	return c
}

func workerPID(e *Engine) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.w.cmd.Process.Pid
}

func TestProcsMapResultsInOrder(t *testing.T) {
	e := newProcsEngine(t)
	mustOK(t, e, 1, `var hits int
func square(x int) int {
	hits++
	time.Sleep(time.Duration(10-x) * 5 * time.Millisecond) // later inputs end first
	return x * x
}
nums := []int{1, 2, 3, 4, 5, 6, 7, 8, 9}`)
	c := mustOK(t, e, 2, `sq, err := procs.Map(3, square, nums)
fmt.Printf("%T %v %v %d\n", sq, sq, err, hits)`)
	if got := c.out.stdout.String(); got != "[]int [1 4 9 16 25 36 49 64 81] <nil> 0\n" {
		t.Errorf("two-value form: %q", got)
	}
	// One variable: the results alone.
	c = mustOK(t, e, 3, "squares := procs.Map(2, square, []int{3, 4})\nfmt.Printf(\"%T %v\\n\", squares, squares)")
	if got := c.out.stdout.String(); got != "[]int [9 16]\n" {
		t.Errorf("one-value form: %q", got)
	}
	// A final expression shows both values.
	if c := mustOK(t, e, 4, "procs.Map(2, square, []int{5})"); c.text() != "[25] <nil>" {
		t.Errorf("final value: %q", c.text())
	}
	// Children are other processes, with memory of their own.
	c = mustOK(t, e, 5, `func pid(x int) int { hits += 100; return os.Getpid() }
pids := procs.Map(2, pid, []int{1, 2, 3, 4})
fmt.Println(os.Getpid(), pids, hits)`)
	f := strings.Fields(strings.Trim(strings.ReplaceAll(c.out.stdout.String(), "[", " "), "]\n "))
	if len(f) != 6 || f[5] != "0" {
		t.Fatalf("pids: %q", c.out.stdout.String())
	}
	if f[0] != strconv.Itoa(workerPID(e)) {
		t.Errorf("the worker is %d, the cell says %s", workerPID(e), f[0])
	}
	for _, p := range f[1:5] {
		if p == f[0] {
			t.Errorf("an input ran in the worker: %q", c.out.stdout.String())
		}
	}
	// No inputs, no children.
	if c := mustOK(t, e, 6, "procs.Map(4, square, nil)"); c.text() != "[] <nil>" {
		t.Errorf("no inputs: %q", c.text())
	}
	// A redefined function is the one the children run.
	if c := mustOK(t, e, 7, "func square(x int) int { return -x }\nprocs.Map(2, square, []int{1, 2})"); c.text() != "[-1 -2] <nil>" {
		t.Errorf("redefined: %q", c.text())
	}
	// A function that calls procs.Map, declared with the function it maps.
	if c := mustOK(t, e, 8, "func cube(x int) int { return x * x * x }\nfunc cubes(n int) ([]int, error) { in := make([]int, n); for i := range in { in[i] = i }; return procs.Map(2, cube, in) }\ncubes(4)"); c.text() != "[0 1 8 27] <nil>" {
		t.Errorf("in a function: %q", c.text())
	}
	assertNoChildren(t, e)
}

// assertNoChildren checks that the worker has no child left, zombie or not.
func assertNoChildren(t *testing.T, e *Engine) {
	t.Helper()
	pid := workerPID(e)
	deadline := time.Now().Add(3 * time.Second)
	for {
		ds := proctree.Descendants(pid)
		if len(ds) == 0 {
			return
		}
		if time.Now().After(deadline) {
			var states []string
			for _, d := range ds {
				states = append(states, fmt.Sprint(d, proctree.Stat(d)[:1]))
			}
			t.Fatalf("the worker still has children: %v", states)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestProcsFailuresAreReportedWithTheirInputs(t *testing.T) {
	e := newProcsEngine(t)
	mustOK(t, e, 1, `func risky(x int) (int, error) {
	switch x {
	case 2:
		panic(fmt.Sprintf("boom %d", x))
	case 4:
		os.Exit(7)
	case 6:
		return 0, fmt.Errorf("six is bad")
	case 8:
		var m map[string]int
		m["x"] = 1
	}
	return x * 10, nil
}`)
	c := mustOK(t, e, 2, `res, err := procs.Map(2, risky, []int{1, 2, 3, 4, 5, 6, 7, 8, 9})
fmt.Println(res)
fmt.Println(err)
var pe *procs.Error
var f *procs.Failure
fmt.Println(errors.As(err, &pe), len(pe.Failures), errors.As(err, &f), f.Index, f.Input, f.Kind)`)
	out := c.out.stdout.String()
	for _, want := range []string{
		"[10 0 30 0 50 0 70 0 90]\n",
		"procs.Map: 4 of 9 inputs failed:\n",
		"  inputs[1] = 2: panic: boom 2 (in risky, which starts at cell 1, line 1)\n",
		"  inputs[3] = 4: os.Exit(7) was called: the process ended\n",
		"  inputs[5] = 6: six is bad\n",
		"  inputs[7] = 8: panic: assignment to entry in nil map (in risky, which starts at cell 1, line 1)\n",
		"true 4 true 1 2 panic\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	// The one-value form panics, once every input is done.
	c = execCells(t, e, 3, "r := procs.Map(2, risky, []int{1, 2, 3})")[0]
	if c.res.Err == nil || c.res.Err.Name != "panic" || !strings.Contains(c.res.Err.Value, "procs.Map: 1 of 3 inputs failed: inputs[1] = 2: panic: boom 2 (in risky, which starts at cell 1, line 1)") {
		t.Errorf("one-value form: %+v", c.res.Err)
	}
	// A fatal runtime error ends the child, not the worker.
	mustOK(t, e, 4, `func crash(x int) int {
	if x == 1 {
		m := map[int]int{}
		for i := 0; i < 4; i++ {
			go func() { for j := 0; ; j++ { m[j] = j } }()
		}
		time.Sleep(5 * time.Second)
	}
	return x
}`)
	c = mustOK(t, e, 5, "procs.Map(2, crash, []int{0, 1, 2})")
	if !strings.HasPrefix(c.text(), "[0 0 2] procs.Map: 1 of 3 inputs failed: inputs[1] = 1: fatal error: concurrent map writes") {
		t.Errorf("fatal error: %q", c.text())
	}
	// A goroutine's panic in a child fails its input.
	c = mustOK(t, e, 6, `func bg(x int) int {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if x == 1 {
			panic("in a goroutine")
		}
	}()
	wg.Wait()
	return x
}
procs.Map(1, bg, []int{0, 1, 2})`)
	if !strings.HasPrefix(c.text(), "[0 0 2] procs.Map: 1 of 3 inputs failed: inputs[1] = 1: panic: in a goroutine (in the goroutine started at cell 6, line 4: go func() { … }())") {
		t.Errorf("goroutine panic: %q", c.text())
	}
	assertNoChildren(t, e)
}

func TestProcsStructsCrossBothWays(t *testing.T) {
	e := newProcsEngine(t)
	mustOK(t, e, 1, `type Point struct {
	X, Y  float64
	Label string
	Tags  []string
	Attrs map[string]int
}
func (p Point) String() string { return fmt.Sprintf("%s(%g,%g)", p.Label, p.X, p.Y) }
type Moved struct {
	From, To Point
	Dist     float64
}
func move(p Point) Moved {
	q := Point{X: p.X + 3, Y: p.Y + 4, Label: p.Label + "'", Tags: append(p.Tags, "moved"), Attrs: map[string]int{"n": len(p.Tags)}}
	return Moved{From: p, To: q, Dist: math.Hypot(q.X-p.X, q.Y-p.Y)}
}`)
	c := mustOK(t, e, 2, `ms := procs.Map(2, move, []Point{{X: 1, Y: 2, Label: "a"}, {X: -1, Y: 0, Label: "b", Tags: []string{"t"}}})
for _, m := range ms { fmt.Println(m.From, m.To, m.Dist, m.To.Tags, m.To.Attrs) }`)
	want := "a(1,2) a'(4,6) 5 [moved] map[n:0]\nb(-1,0) b'(2,4) 5 [t moved] map[n:1]\n"
	if got := c.out.stdout.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestProcsRefusals(t *testing.T) {
	e := newProcsEngine(t)
	mustOK(t, e, 1, "func two(a, b int) int { return a + b }\nfunc one(x int) int { return x }\nk := 3\nfunc usesK(x int) int { return x * k }")
	for i, tc := range []struct{ code, want string }{
		{"procs.Map(2, func(x int) int { return x }, []int{1})", "procs.Map: the function must be one declared in the session"},
		{"f := one\nprocs.Map(2, f, []int{1})", "a function literal, a variable or a method cannot be sent to another process"},
		{"procs.Map(2, two, []int{1})", "procs.Map: two takes 2 parameters"},
		{"procs.Map(2, usesK, []int{1})", "procs.Map: usesK uses k, set by a statement (k := ...) of the notebook"},
		{"func ch(c chan int) int { return 1 }\nprocs.Map(2, ch, []chan int{make(chan int)})", "inputs[0] = 0x"},
		{"func fn(x int) func() { return func() {} }\nprocs.Map(2, fn, []int{1})", "the result cannot cross back as JSON: json: unsupported type: func()"},
	} {
		c := execCells(t, e, 2+i, tc.code)[0]
		got := c.text()
		if c.res.Err != nil {
			got = c.res.Err.Value
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.code, got, tc.want)
		}
	}
}

func TestProcsInterruptKillsTheChildren(t *testing.T) {
	e := newProcsEngine(t)
	mustOK(t, e, 1, "func spin(x int) int { for { x++ } }\nn := 42")
	done := make(chan cellRun, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		r := &record{}
		done <- cellRun{e.Execute(ctx, "procs.Map(2, spin, []int{1, 2, 3})", 2, r), r}
	}()
	pid := workerPID(e)
	deadline := time.Now().Add(10 * time.Second)
	for len(proctree.Descendants(pid)) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no children started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cancel()
	var c cellRun
	select {
	case c = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the cell did not stop")
	}
	if c.res.Err == nil || c.res.Err.Name != "interrupted" || strings.Contains(c.res.Err.Value, "restarted") {
		t.Fatalf("not a plain interrupt: %+v", c.res.Err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the interrupt took %v", d)
	}
	assertNoChildren(t, e)
	if c := mustOK(t, e, 3, "n"); c.text() != "42" {
		t.Errorf("the session was lost: %q", c.text())
	}
}

func TestProcsTimingCountsTheChildren(t *testing.T) {
	e := newProcsEngine(t)
	mustOK(t, e, 1, "func burn(n int) int { s := 0; for i := 0; i < n; i++ { s += i % 7 }; return s }")
	// Calibrate: about a second of CPU per input.
	c := mustOK(t, e, 2, "burn(200000)")
	cpu := time.Duration(c.res.Timing.UserNS + c.res.Timing.SysNS)
	n := int(200000 * float64(time.Second) / float64(max(cpu, time.Millisecond)))
	busy0 := machineBusy()
	c = mustOK(t, e, 3, fmt.Sprintf("procs.Map(2, burn, []int{%d, %d})", n, n))
	tm := c.res.Timing
	machine := float64(machineBusy()-busy0) / float64(tm.WallNS)
	used := time.Duration(tm.UserNS + tm.SysNS)
	cores := float64(used) / float64(tm.WallNS)
	t.Logf("wall %v, CPU %v: %.2f cores busy (the machine: %.2f)", time.Duration(tm.WallNS), used, cores, machine)
	if used < time.Second { // about 2 s, calibrated; the worker alone used little
		t.Errorf("the cell's CPU time is %v, want about 2 s: the children's CPU time is not counted", used)
	}
	// Other programs may take the cores (tests share the machine): then
	// the machine was saturated. One child at a time would keep at most
	// one core busy.
	if cores < 1.2 && machine < float64(runtime.NumCPU())-0.5 {
		t.Errorf("%.2f cores busy, want about 2 (the children ran one at a time)", cores)
	}
}

// machineBusy is the CPU time all processes of the machine used so far.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var total, idle int64
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		if i < 8 {
			total += v
		}
		if i == 3 || i == 4 {
			idle += v
		}
	}
	return time.Duration(total-idle) * 10 * time.Millisecond // USER_HZ is 100
}

func TestProcsOutputAndDisplays(t *testing.T) {
	e := newProcsEngine(t)
	c := mustOK(t, e, 1, `func show(x int) int {
	fmt.Println("out", x)
	fmt.Fprintln(os.Stderr, "err", x)
	display.HTML(fmt.Sprintf("<b>%d</b>", x))
	return x
}
procs.Map(1, show, []int{1, 2})`)
	if got := c.out.stdout.String(); got != "out 1\nout 2\n" {
		t.Errorf("stdout %q", got)
	}
	if got := c.out.stderr.String(); got != "err 1\nerr 2\n" {
		t.Errorf("stderr %q", got)
	}
	if len(c.out.displays) != 2 || c.out.displays[1]["text/html"] != "<b>2</b>" {
		t.Errorf("displays %v", c.out.displays)
	}
}

// TestProcsMeasure measures the start of a child and a pool of 5 workers
// doing 10 jobs (go test -run TestProcsMeasure -v).
func TestProcsMeasure(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	e := newProcsEngine(t)
	mustOK(t, e, 1, "func square(x int) int { return x * x }\nfunc nap(x int) int { time.Sleep(500 * time.Millisecond); return x * x }\nfunc burn(n int) int { s := 0; for i := 0; i < n; i++ { s += i % 7 }; return s }")
	report := func(what string, c cellRun) {
		tm := c.res.Timing
		t.Logf("%-40s wall %8v  CPU %8v  %.2f cores", what, time.Duration(tm.WallNS).Round(time.Millisecond), time.Duration(tm.UserNS+tm.SysNS).Round(time.Millisecond), float64(tm.UserNS+tm.SysNS)/float64(tm.WallNS))
	}
	// About half a second of CPU per burn job.
	c := mustOK(t, e, 2, "burn(200000)")
	n := int(200000 * 0.5 * float64(time.Second) / float64(max(c.res.Timing.UserNS+c.res.Timing.SysNS, 1)))
	jobs := strings.TrimSuffix(strings.Repeat(strconv.Itoa(n)+", ", 10), ", ")
	for i := range 3 {
		report("one child, one input", mustOK(t, e, 3+i, "procs.Map(1, square, []int{1})"))
	}
	report("10 trivial jobs, 5 workers", mustOK(t, e, 10, "procs.Map(5, square, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})"))
	report("10 jobs sleeping 0.5 s, 5 workers", mustOK(t, e, 11, "procs.Map(5, nap, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})"))
	report("10 jobs of 0.5 s CPU, 5 workers", mustOK(t, e, 12, "procs.Map(5, burn, []int{"+jobs+"})"))
	report("10 jobs of 0.5 s CPU, in the worker", mustOK(t, e, 13, "for _, n := range []int{"+jobs+"} { burn(n) }"))
}

func TestProcsLargeValuesAndManyInputs(t *testing.T) {
	e := newProcsEngine(t)
	mustOK(t, e, 1, `func grow(s string) string {
	fmt.Print(strings.Repeat("o", 100000), "\n")
	return strings.Repeat(s, 20)
}
func inc(x int) int { return x + 1 }
func hog(x int) int { b := make([]byte, 1<<40); return len(b) + x }`)
	c := mustOK(t, e, 2, `big := procs.Map(3, grow, []string{strings.Repeat("a", 300000), "b", "c", "d"})
fmt.Println(len(big[0]), len(big[1]), big[3][:3])`)
	if got := c.out.stdout.String(); !strings.HasSuffix(got, "6000000 20 ddd\n") || strings.Count(got, "o") != 400000 {
		t.Errorf("large values: %d bytes, ending %q", len(got), got[max(len(got)-40, 0):])
	}
	start := time.Now()
	c = mustOK(t, e, 3, "in := make([]int, 1000)\nfor i := range in { in[i] = i }\nout := procs.Map(2, inc, in)\nfmt.Println(len(out), out[0], out[999])")
	if got := c.out.stdout.String(); got != "1000 1 1000\n" {
		t.Errorf("many inputs: %q", got)
	}
	t.Logf("1000 inputs over 2 workers: %v", time.Since(start))
	// Running out of memory fails the input, not the worker ("fatal
	// error: runtime: out of memory"; the race detector's runtime ends
	// the process with exit status 66).
	c = mustOK(t, e, 4, "procs.Map(2, hog, []int{1})")
	if !strings.HasPrefix(c.text(), "[0] procs.Map: 1 of 1 inputs failed: inputs[0] = 1: ") {
		t.Errorf("out of memory: %q", c.text())
	}
	t.Log(c.text())
}
