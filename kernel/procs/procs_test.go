package procs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/engine"
)

// A test binary started with Command is a child of the pools the tests
// run, with a fake loader.
func init() {
	if len(os.Args) > 1 && os.Args[1] == Command {
		os.Exit(RunChild(fakeLoader{}))
	}
}

const fakeKeyEnv = "FAKE_SYNC_KEY"

// fakeMarker is the sync marker of the fake session: "<sync:KEY>".
func fakeMarker(key string) string { return "<sync:" + key + ">" }

// fakeLoader loads functions by name, written in Go below; st.Src is
// only checked to hold the function's declaration.
type fakeLoader struct{}

func (fakeLoader) Load(st *Setup, c *Child) (Func, error) {
	if !strings.Contains(st.Src, "func "+st.Fn+"(") {
		return nil, fmt.Errorf("no declaration of %s in %q", st.Fn, st.Src)
	}
	if st.Fn == "broken" {
		return nil, errors.New("broken cannot load")
	}
	key := os.Getenv(fakeKeyEnv)
	return &fakeFunc{name: st.Fn, c: c, marker: fakeMarker(key)}, nil
}

type fakeFunc struct {
	name   string
	c      *Child
	marker string
}

func (f *fakeFunc) Call(t *Task) Result {
	var x int
	if err := json.Unmarshal(t.In, &x); err != nil {
		return Result{Kind: "decode", Message: err.Error()}
	}
	t.Start()
	defer t.Settle()
	switch f.name {
	case "square":
		// Text with a marker in the middle, which the parent takes out.
		fmt.Fprintf(f.c.Stdout, "out %d%s\n", x, f.marker)
		fmt.Fprintf(f.c.Stderr, "err %s%d\n", f.marker, x)
		fmt.Fprintf(f.c.Events, `{"op":"display","data":{"text/plain":"%d"}}`+"\n", x)
	case "risky":
		switch x {
		case 2:
			return Result{Kind: "panic", Message: fmt.Sprintf("panic: boom %d", x)}
		case 4:
			fmt.Fprintf(f.c.Events, `{"op":"exit","code":7,"call":"os.Exit"}`+"\n")
			os.Exit(7)
		case 6:
			return Result{Kind: "error", Message: "six is bad"}
		case 8:
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Minute)
		case 10:
			f.c.Fault("panic", "panic: in a goroutine", nil)
		}
	case "spin":
		for {
			time.Sleep(time.Millisecond)
		}
	}
	return Result{Out: json.RawMessage(fmt.Sprint(x * x))}
}

// fakeSession is a session with the functions of fakeFunc declared.
type fakeSession struct {
	imports map[string]string
	decls   []engine.Declaration
	vars    []string
	uses    map[string][]string

	mu       sync.Mutex
	evals    []string
	stdout   bytes.Buffer
	stderr   bytes.Buffer
	displays []display.Bundle
	keys     []string
}

func newFakeSession() *fakeSession {
	s := &fakeSession{imports: map[string]string{"procs": Path, "strings": "strings"}, uses: map[string][]string{}}
	for _, src := range []string{
		"func square(x int) int { return x * x }",
		"func risky(x int) (int, error) { return x * x, nil }",
		"func spin(x int) int { for {} }",
		"func broken(x int) int { return x }",
		"func two(a, b int) int { return a + b }",
	} {
		name := strings.TrimPrefix(src[:strings.Index(src, "(")], "func ")
		s.decls = append(s.decls, engine.Declaration{Names: []string{name}, Src: src, Cell: 1, Line: 1 + len(s.decls)})
	}
	return s
}

func (s *fakeSession) Imports() map[string]string { return s.imports }

func (s *fakeSession) Snapshot() Snapshot {
	kinds := map[string]string{}
	for _, d := range s.decls {
		for _, n := range d.Names {
			kinds[n] = "func"
			if strings.HasPrefix(d.Src, "type ") {
				kinds[n] = "type"
			}
		}
	}
	for _, v := range s.vars {
		kinds[v] = "var"
	}
	return Snapshot{Decls: engine.Declarations{Imports: s.imports, Decls: s.decls, Vars: s.vars}, Uses: s.uses, Kinds: kinds}
}

func (s *fakeSession) FuncSource(name string) string {
	for _, d := range s.decls {
		if d.Names[0] == name {
			return d.Src
		}
	}
	return ""
}

func (s *fakeSession) Eval(src string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evals = append(s.evals, src)
	return nil
}

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (s *fakeSession) Stdout() io.Writer { return lockedBuffer{&s.mu, &s.stdout} }
func (s *fakeSession) Stderr() io.Writer { return lockedBuffer{&s.mu, &s.stderr} }

func (s *fakeSession) Display(b display.Bundle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.displays = append(s.displays, b)
}

func (s *fakeSession) Clear(bool) {}

func (s *fakeSession) NewMarkers() Markers {
	key := fmt.Sprintf("k%d", time.Now().UnixNano())
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	m := []byte(fakeMarker(key))
	return Markers{
		Env: fakeKeyEnv + "=" + key,
		Parse: func(b []byte) (before, rest []byte, ok bool, partial int) {
			if i := bytes.Index(b, m); i >= 0 {
				return b[:i], b[i+len(m):], true, 0
			}
			for k := min(len(m)-1, len(b)); k > 0; k-- {
				if bytes.HasSuffix(b, m[:k]) {
					return b, nil, false, k
				}
			}
			return b, nil, false, 0
		},
	}
}

// newPools returns pools of a fake session, with its snapshot taken.
func newPools(t *testing.T) (*Pools, *fakeSession) {
	// Children of a race-enabled test binary would sleep a second when
	// they exit (the race detector's atexit_sleep_ms).
	t.Setenv("GORACE", "atexit_sleep_ms=0")
	s := newFakeSession()
	p := New(s)
	p.Prepare("x := 1")
	return p, s
}

// children lists the test process's child processes, zombies included.
func children() []string {
	var pids []string
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", os.Getpid()))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		pids = append(pids, strings.Fields(string(b))...)
	}
	return pids
}

// assertNoChildren checks that the test process has no child left,
// zombie or not.
func assertNoChildren(t *testing.T) {
	t.Helper()
	if pids := children(); len(pids) > 0 {
		t.Errorf("children left: %v", pids)
	}
}

func TestMapResultsOutputAndDisplays(t *testing.T) {
	p, s := newPools(t)
	var out []int
	if err := p.mapByName(3, "square", []int{1, 2, 3, 4, 5, 6, 7, 8, 9}, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, []int{1, 4, 9, 16, 25, 36, 49, 64, 81}) {
		t.Errorf("results %v", out)
	}
	for i := 1; i <= 9; i++ {
		if !strings.Contains(s.stdout.String(), fmt.Sprintf("out %d\n", i)) || !strings.Contains(s.stderr.String(), fmt.Sprintf("err %d\n", i)) {
			t.Errorf("output of input %d missing:\n%s\n%s", i, s.stdout.String(), s.stderr.String())
		}
	}
	if strings.Contains(s.stdout.String()+s.stderr.String(), "<sync") {
		t.Errorf("markers forwarded:\n%s\n%s", s.stdout.String(), s.stderr.String())
	}
	if len(s.displays) != 9 {
		t.Errorf("%d displays", len(s.displays))
	}
	// Each call hands its children a key of its own.
	if err := p.mapByName(1, "square", []int{1}, &out); err != nil {
		t.Fatal(err)
	}
	if len(s.keys) != 2 || s.keys[0] == s.keys[1] {
		t.Errorf("keys %v", s.keys)
	}
	// No inputs, no children.
	if err := p.mapByName(2, "square", []int(nil), &out); err != nil || len(out) != 0 {
		t.Errorf("no inputs: %v %v", out, err)
	}
	assertNoChildren(t)
}

func TestMapFailures(t *testing.T) {
	p, _ := newPools(t)
	var out []int
	err := p.mapByName(2, "risky", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, &out)
	if !reflect.DeepEqual(out, []int{1, 0, 9, 0, 25, 0, 49, 0, 81, 0, 121}) {
		t.Errorf("results %v", out)
	}
	var pe *Error
	if !errors.As(err, &pe) || pe.Inputs != 11 {
		t.Fatalf("error %v", err)
	}
	var got []string
	for _, f := range pe.Failures {
		got = append(got, fmt.Sprintf("%d %v %s %s", f.Index, f.Input, f.Kind, f.Message))
	}
	want := []string{
		"1 2 panic panic: boom 2",
		"3 4 exit os.Exit(7) was called: the process ended",
		"5 6 error six is bad",
		"7 8 killed the process was killed by signal killed",
		"9 10 panic panic: in a goroutine",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("failures:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "procs.Map: 5 of 11 inputs failed:\n  inputs[1] = 2: panic: boom 2\n") {
		t.Errorf("message %q", msg)
	}
	var f *Failure
	if !errors.As(err, &f) || f.Index != 1 {
		t.Errorf("errors.As finds %v", f)
	}
	assertNoChildren(t)
}

func TestMapRefusals(t *testing.T) {
	p, s := newPools(t)
	var out []int
	for _, tc := range []struct{ fn, want string }{
		{"broken", "procs.Map: a child process could not load the session's declarations: broken cannot load"},
		{"two", "procs.Map: two takes 2 parameters"},
		{"nothing", "procs.Map: nothing is not a function declared in this session"},
	} {
		if err := p.mapByName(2, tc.fn, []int{1, 2}, &out); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.fn, err, tc.want)
		}
	}
	if err := p.mapByName(2, "square", 3, &out); err == nil || err.Error() != "procs.Map: the inputs must be a slice, not int" {
		t.Errorf("not a slice: %v", err)
	}
	s.vars, s.uses["square"] = []string{"k"}, []string{"k"}
	p.Prepare("")
	if err := p.mapByName(2, "square", []int{1}, &out); err == nil || !strings.Contains(err.Error(), "square uses k, set by a statement (k := ...)") {
		t.Errorf("statement variable: %v", err)
	}
	assertNoChildren(t)
}

func TestInterruptKillsTheChildren(t *testing.T) {
	p, _ := newPools(t)
	done := make(chan error, 1)
	go func() {
		var out []int
		done <- p.mapByName(2, "spin", []int{1, 2, 3}, &out)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(children()) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no children started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.Interrupt()
	select {
	case err := <-done:
		if err == nil || err.Error() != "procs.Map: interrupted" {
			t.Errorf("error %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the pool did not stop")
	}
	assertNoChildren(t)
}

func TestPrepareRewritesMapCalls(t *testing.T) {
	s := newFakeSession()
	p := New(s)
	for _, tc := range []struct{ src, want string }{
		{"r := procs.Map(2, square, in)", "r := _gocurrentProcsMust_square(2, square, in)"},
		{"r, err := procs.Map(2, square, in)", "r, err := _gocurrentProcsMap_square(2, square, in)"},
		{"procs.Map(2, two, in)", `_gocurrentProcsRT.Reject("two takes 2 parameters: procs.Map calls a function of one parameter (put several values in a struct)")(2, two, in)`},
		{"procs.Map(2, func(x int) int { return x }, in)", "procs.Map(2, func(x int) int { return x }, in)"},
		{"func cube(x int) int { return x * x * x }\nfunc cubes(in []int) []int { return procs.Map(2, cube, in) }",
			"func _gocurrentProcsMap_cube(_gocurrentW int, _gocurrentF func(int) int, _gocurrentIn []int) ([]int, error) { var _gocurrentOut []int; _gocurrentErr := _gocurrentProcsRT.Map(_gocurrentW, \"cube\", _gocurrentIn, &_gocurrentOut); return _gocurrentOut, _gocurrentErr }; " +
				"func _gocurrentProcsMust_cube(_gocurrentW int, _gocurrentF func(int) int, _gocurrentIn []int) []int { var _gocurrentOut []int; _gocurrentProcsRT.Must(_gocurrentProcsRT.Map(_gocurrentW, \"cube\", _gocurrentIn, &_gocurrentOut)); return _gocurrentOut };" +
				"func cube(x int) int { return x * x * x }\nfunc cubes(in []int) []int { return _gocurrentProcsMap_cube(2, cube, in) }"},
	} {
		if got := p.Prepare(tc.src); got != tc.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tc.src, got, tc.want)
		}
	}
	// The runtime is imported once, the helper of square made once.
	var imports, helpers int
	for _, e := range s.evals {
		if strings.HasPrefix(e, "import _gocurrentProcsRT") {
			imports++
		}
		if strings.HasPrefix(e, "func _gocurrentProcsMap_square(") {
			helpers++
		}
	}
	if imports != 1 || helpers != 1 {
		t.Errorf("%d imports, %d helpers of square: %q", imports, helpers, s.evals)
	}
	// Without the procs package, nothing changes.
	s.imports = map[string]string{}
	if got := p.Prepare("procs.Map(2, square, in)"); got != "procs.Map(2, square, in)" {
		t.Errorf("not imported: %s", got)
	}
}

func TestSetupHasWhatTheFunctionUses(t *testing.T) {
	s := newFakeSession()
	s.imports["math"] = "math"
	s.decls = []engine.Declaration{
		{Names: []string{"Point"}, Src: "type Point struct{ X, Y float64 }", Cell: 1, Line: 1},
		{Names: []string{"Point.Len"}, Src: "func (p Point) Len() float64 {\n\treturn math.Hypot(p.X, p.Y)\n}", Cell: 1, Line: 2},
		{Names: []string{"other"}, Src: "func other(x int) int { return x }", Cell: 2, Line: 1},
		{Names: []string{"length"}, Src: "func length(p Point) float64 { return p.Len() }", Cell: 3, Line: 4},
	}
	s.uses = map[string][]string{"length": {"Point"}, "Point.Len": {"math", "Point"}}
	p := New(s)
	p.Prepare("")
	st, err := p.setup("length")
	if err != nil {
		t.Fatal(err)
	}
	want := "import math \"math\"\n\ntype Point struct{ X, Y float64 }\n\nfunc (p Point) Len() float64 {\n\treturn math.Hypot(p.X, p.Y)\n}\n\nfunc length(p Point) float64 { return p.Len() }\n"
	if st.Fn != "length" || st.Src != want {
		t.Errorf("setup %q:\n%s", st.Fn, st.Src)
	}
	for line, where := range map[int]string{3: "cell 1, line 1", 6: "cell 1, line 3", 9: "cell 3, line 4", 20: "line 20 of the declarations"} {
		if got := st.Where(line); got != where {
			t.Errorf("line %d is %q, want %q", line, got, where)
		}
	}
}
