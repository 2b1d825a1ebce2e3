package compiled

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

// recorder is an engine.Output that keeps what it is given.
type recorder struct {
	mu     sync.Mutex
	stdout strings.Builder
	stderr strings.Builder
}

func (r *recorder) Stream(name, text string, from int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "stderr" {
		r.stderr.WriteString(text)
		return
	}
	r.stdout.WriteString(text)
}
func (r *recorder) Display(data, metadata map[string]any, id string, update bool) {}
func (r *recorder) Clear(wait bool)                                               {}
func (r *recorder) Input(prompt string, password bool) (string, error)            { return "", engine.ErrNoInput }

// run runs cells in one session and returns each cell's stdout, value and
// error.
type outcome struct {
	stdout, stderr, value string
	err                   *engine.Error
}

func runCells(t *testing.T, e *Engine, cells ...string) []outcome {
	t.Helper()
	var out []outcome
	for i, c := range cells {
		var r recorder
		res := e.Execute(context.Background(), c, i+1, &r)
		o := outcome{stdout: r.stdout.String(), stderr: r.stderr.String(), err: res.Err}
		if v, ok := res.Data["text/plain"].(string); ok {
			o.value = v
		}
		out = append(out, o)
	}
	return out
}

// TestSessionKeepsValues runs cells that declare a type with unexported
// fields and methods, start goroutines that use it, and reach its fields
// and methods from later cells.
func TestSessionKeepsValues(t *testing.T) {
	e := New(Options{Logf: t.Logf})
	defer e.Close()
	got := runCells(t, e, `
type account struct {
	name    string
	balance int
	mu      sync.Mutex
}

func (a *account) deposit(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.balance += n
}

func (a *account) String() string { return fmt.Sprintf("%s: %d", a.name, a.balance) }

const workers = 100`, `
acct := &account{name: "alice"}
var wg sync.WaitGroup
for range workers {
	wg.Add(1)
	go func() { defer wg.Done(); acct.deposit(1) }()
}
wg.Wait()
acct.balance`, `
fmt.Printf("%T %v %+v\n", *acct, acct.name, acct.balance)
acct.deposit(5)
acct`, `
var s fmt.Stringer = acct
_, ok := s.(*account)
fmt.Println(ok, s)
panic("boom")`)
	want := []outcome{
		{},
		{value: "100"},
		{stdout: "main.account alice 100\n", value: "alice: 105"},
		{stdout: "true alice: 105\n"},
	}
	for i := range want {
		g := got[i]
		if i < 3 && g.err != nil {
			t.Fatalf("cell %d: %v %v", i+1, g.err, g.err.Traceback)
		}
		if g.stdout != want[i].stdout || g.value != want[i].value {
			t.Errorf("cell %d: stdout %q value %q, want %q and %q", i+1, g.stdout, g.value, want[i].stdout, want[i].value)
		}
	}
	if e := got[3].err; e == nil || e.Name != "panic" || e.Value != "boom" || !strings.Contains(strings.Join(e.Traceback, "\n"), "cell[4]:5") {
		t.Errorf("cell 4: error %+v, want the panic boom at cell[4]:5", e)
	}
}

// TestExportedNamesAndStatements runs cells with exported variables and
// functions (which a plugin would take for its own symbols), assignments
// to map elements and fields, and a range over a function of an earlier
// cell.
func TestExportedNamesAndStatements(t *testing.T) {
	e := New(Options{Logf: t.Logf})
	defer e.Close()
	got := runCells(t, e, `
var Limit = 3
func Count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}
type Box struct{ V int }
Total := 0
m := map[string]int{}
m["a"] = 1
b := Box{}
b.V = 2`, `
for v := range Count(Limit) {
	Total += v
}
Total + m["a"] + b.V`)
	for i, g := range got {
		if g.err != nil {
			t.Fatalf("cell %d: %v %v", i+1, g.err, g.err.Traceback)
		}
	}
	if got[1].value != "6" {
		t.Errorf("cell 2 = %q, want 6", got[1].value)
	}
}

// TestGenericsAndEmbedding reaches unexported fields and methods of a
// generic type and of an embedded struct from a later cell, and calls a
// generic function of an earlier cell.
func TestGenericsAndEmbedding(t *testing.T) {
	b, err := os.ReadFile("convert/testdata/generics.cells")
	if err != nil {
		t.Fatal(err)
	}
	e := New(Options{Logf: t.Logf})
	defer e.Close()
	got := runCells(t, e, strings.Split(string(b), "-- cell --\n")...)
	for i, g := range got {
		if g.err != nil {
			t.Fatalf("cell %d: %v %v", i+1, g.err, g.err.Traceback)
		}
	}
	if want := "2 true 1 [1]\n2 2\n"; got[1].stdout != want || got[1].value != `["1" "2"]` {
		t.Errorf("cell 2: stdout %q value %q, want %q and [\"1\" \"2\"]", got[1].stdout, got[1].value, want)
	}
}

// TestDeadlockKeepsTheSession runs a cell whose goroutines all block: it
// fails as a deadlock, and the session's values stay.
func TestDeadlockKeepsTheSession(t *testing.T) {
	e := New(Options{Logf: t.Logf})
	defer e.Close()
	got := runCells(t, e, `
kept := 7
var mu sync.Mutex
mu.Lock()
ch := make(chan int)
go func() { mu.Lock(); ch <- 1 }()
select {
case <-ch:
case <-time.After(300 * time.Millisecond):
	fmt.Println("timed out, as go run would")
}
<-ch`, `kept * 6`)
	if e := got[0].err; e == nil || e.Name != "deadlock" {
		t.Fatalf("cell 1: error %+v, want a deadlock", e)
	}
	if got[0].stdout != "timed out, as go run would\n" {
		t.Errorf("cell 1 printed %q", got[0].stdout)
	}
	if got[1].err != nil || got[1].value != "42" {
		t.Errorf("cell 2: %q %v, want 42", got[1].value, got[1].err)
	}
}

// TestWithoutACompilerTheCellSaysWhatToInstall runs a cell where the C
// compiler plugins need is missing: the cell fails at once, naming what
// to install and the interpreted kernel.
func TestWithoutACompilerTheCellSaysWhatToInstall(t *testing.T) {
	t.Setenv("CC", "no-such-cc")
	e := New(Options{Logf: t.Logf})
	defer e.Close()
	got := runCells(t, e, "x := 1")
	err := got[0].err
	if err == nil || err.Name != "no toolchain" || !strings.Contains(err.Value, "no-such-cc") ||
		!strings.Contains(err.Value, "apt-get install gcc") || !strings.Contains(err.Value, "interpreted kernel") {
		t.Errorf("error %+v, want one that names the missing compiler, how to install it and the interpreted kernel", err)
	}
}

// TestImportsThatDoNotExist: a cell that imports a package the toolchain
// cannot find fails, whether it uses the package or only imports it for
// later cells, and the session goes on.
func TestImportsThatDoNotExist(t *testing.T) {
	e := New(Options{Logf: t.Logf})
	defer e.Close()
	got := runCells(t, e, `import "nope/x"`, `import "nope/x"
fmt.Println(x.A)`, `import "container/ring"
r := ring.New(3)
r.Len()`)
	for i := range 2 {
		if e := got[i].err; e == nil || !strings.Contains(e.Value, `import "nope/x": package nope/x is not in std`) {
			t.Errorf("cell %d: error %+v, want the import of nope/x refused", i+1, e)
		}
	}
	if got[2].err != nil || got[2].value != "3" {
		t.Errorf("cell 3: value %q error %+v, want 3", got[2].value, got[2].err)
	}
}
