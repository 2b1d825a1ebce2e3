package compiled

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// procsDecls are the declarations of the procs.Map tests: one function of
// each form, one that fails in every way, and one that changes a global.
const procsDecls = `var counter = 10

type point struct{ X, Y int }

func square(x int) int { return x * x }

func half(x int) (int, error) {
	if x%2 == 1 {
		return 0, fmt.Errorf("%d is odd", x)
	}
	return x / 2, nil
}

func shout(s string) { fmt.Println("child says", s) }

func risky(x int) int {
	if x == 3 {
		panic("no threes")
	}
	if x == 4 {
		os.Exit(3)
	}
	return x
}

func bump(x int) int { counter += x; return counter }

func norm(p point) int { return p.X*p.X + p.Y*p.Y }`

// TestProcsMap runs procs.Map in a compiled session: the two forms of
// the call, the three forms of function, typed results, structs, the
// children's own globals and output, and failures.
func TestProcsMap(t *testing.T) {
	e := New(Options{Logf: t.Logf})
	defer e.Close()
	got := runCells(t, e, procsDecls,
		`counter = 1000
r := procs.Map(2, square, []int{1, 2, 3})
fmt.Println(r[0] + r[1] + r[2])
h, err := procs.Map(2, half, []int{2, 3, 4})
fmt.Println(h, err)
var pe *procs.Error
fmt.Println(errors.As(err, &pe), len(pe.Failures), pe.Failures[0].Index, pe.Failures[0].Kind)
s, err := procs.Map(1, shout, []string{"a", "b"})
fmt.Println(len(s), err)
b, _ := procs.Map(1, bump, []int{1, 2})
fmt.Println(b, counter)
fmt.Println(procs.Map(2, norm, []point{{3, 4}, {1, 1}}))`,
		`out, err := procs.Map(2, risky, []int{1, 2, 3, 4, 5})
fmt.Println(out)
fmt.Println(err)`,
		`func cubes(in []int) []int { return procs.Map(0, func(x int) int { return x * x * x }, in) }`,
		`one := procs.Map(2, risky, []int{3, 1})`,
		`f := square
procs.Map(1, f, []int{1})`,
		`func pair(a, b int) int { return a + b }
procs.Map(1, pair, []int{1})`,
		`fmt.Println(r, counter)`,
		`k := 3
func useK(x int) int { return x + k }`,
		`func viaUseK(x int) int { return useK(x) }
procs.Map(1, viaUseK, []int{1})`,
		`m := 2
func useM(x int) int { return x * m }
procs.Map(1, useM, []int{1})`,
	)
	for i, o := range got {
		t.Logf("cell %d: stdout %q stderr %q err %v", i+1, o.stdout, o.stderr, o.err)
	}
	want := "14\n[1 0 2] procs.Map: 1 of 3 inputs failed: inputs[1] = 3: 3 is odd\ntrue 1 1 error\n" +
		"child says a\nchild says b\n2 <nil>\n[11 13] 1000\n[25 2] <nil>\n"
	if got[1].err != nil || got[1].stdout != want {
		t.Errorf("cell 2: %v\n%s\nwant\n%s", got[1].err, got[1].stdout, want)
	}
	want = "[1 2 0 0 5]\nprocs.Map: 2 of 5 inputs failed:\n  inputs[2] = 3: panic: no threes (in risky at cell 1, line 18)\n" +
		"  inputs[3] = 4: the process ended with exit status 3\n"
	if got[2].err != nil || got[2].stdout != want {
		t.Errorf("cell 3: %v\n%s\nwant\n%s", got[2].err, got[2].stdout, want)
	}
	refusal := "procs.Map: the function must be one declared in the session (func name(x In) Out)"
	if err := got[3].err; err == nil || err.Name != "compile error" || !strings.HasPrefix(err.Value, "cell line 1:50: "+refusal) {
		t.Errorf("cell 4: a function literal: %v", err)
	}
	if err := got[4].err; err == nil || err.Name != "panic" || !strings.HasPrefix(err.Value, "procs.Map: 1 of 2 inputs failed: inputs[0] = 3: panic: no threes") {
		t.Errorf("cell 5: the one-value form: %v", err)
	}
	if err := got[5].err; err == nil || !strings.HasPrefix(err.Value, "cell line 2:14: "+refusal) {
		t.Errorf("cell 6: a variable: %v", err)
	}
	if err := got[6].err; err == nil || !strings.HasPrefix(err.Value, "cell line 2:14: procs.Map: pair takes 2 parameters") {
		t.Errorf("cell 7: two parameters: %v", err)
	}
	if got[7].stdout != "[1 4 9] 1000\n" {
		t.Errorf("cell 8: %q", got[7].stdout)
	}
	if err := got[9].err; err == nil || !strings.HasPrefix(err.Value, "cell line 2:14: procs.Map: viaUseK uses k, set by a statement (k := ...) of the notebook") {
		t.Errorf("cell 10: a variable of a statement, through a function: %v", err)
	}
	if err := got[10].err; err == nil || !strings.HasPrefix(err.Value, "cell line 3:14: procs.Map: useM uses m, set by a statement (m := ...)") {
		t.Errorf("cell 11: a variable of the cell's statements: %v", err)
	}
}

// TestProcsMapInterrupt interrupts a long procs.Map: its children are
// killed, and the session goes on with its values.
func TestProcsMapInterrupt(t *testing.T) {
	e := New(Options{Logf: t.Logf})
	defer e.Close()
	runCells(t, e, `func nap(x int) int { time.Sleep(time.Hour); return x }
k := 7`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var r recorder
	go func() {
		defer close(done)
		res := e.Execute(ctx, `procs.Map(2, nap, []int{1, 2, 3})`, 2, &r)
		if res.Err == nil || res.Err.Name != "interrupted" {
			t.Errorf("interrupted Map: %v", res.Err)
		}
	}()
	pid := 0
	for i := 0; i < 100 && len(hostChildren(pid)) < 2; i++ {
		time.Sleep(100 * time.Millisecond)
		if p, ok := e.Status()["worker_pid"].(int); ok {
			pid = p
		}
	}
	if n := len(hostChildren(pid)); n != 2 {
		t.Fatalf("%d children running, want 2", n)
	}
	cancel()
	<-done
	for i := 0; i < 50 && len(hostChildren(pid)) > 0; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	if left := hostChildren(pid); len(left) > 0 {
		t.Errorf("children left: %v", left)
	}
	var after recorder
	res := e.Execute(context.Background(), `fmt.Println(k)`, 3, &after)
	if res.Err != nil || after.stdout.String() != "7\n" {
		t.Errorf("after the interrupt: %v %q", res.Err, after.stdout.String())
	}
	// The timing counts the children's CPU time: the parent only waits.
	res = e.Execute(context.Background(), `func burn(x int) int {
	s := 0
	for i := range 300_000_000 {
		s += i ^ x
	}
	return s
}
burnt := procs.Map(2, burn, []int{1, 2})`, 4, &after)
	if cpu := res.Timing.UserNS + res.Timing.SysNS; res.Err != nil || cpu < 100e6 {
		t.Errorf("a Map that computes: %v, CPU %d ns", res.Err, cpu)
	}
}

// hostChildren lists the child processes of process pid.
func hostChildren(pid int) []string {
	if pid == 0 {
		return nil
	}
	var pids []string
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		pids = append(pids, strings.Fields(string(b))...)
	}
	return pids
}
