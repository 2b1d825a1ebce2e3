package interp

import (
	"context"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/wire"
)

// crashCell ends the worker with a fatal error no recover catches.
const crashCell = "m := map[int]int{}\nfor i := 0; i < 4; i++ {\n\tgo func() { for j := 0; ; j++ { m[j] = j } }()\n}\ntime.Sleep(5 * time.Second)"

// The kernel's ledger lists what the worker has declared, as the worker
// itself does.
func TestLedgerMatchesWorker(t *testing.T) {
	e := newEngine(t)
	var r record
	for i, c := range []string{
		"import str \"strings\"\nx := 1",
		"type T struct{ n int }\nfunc (t T) N() int { return t.n }\nvar a, b = 1, 2",
		"const c = 3; var d = str.ToUpper(\"d\")",
		"func f() int { return c }\ny := f()",
		"func f() int { return c + 1 }", // redefined
		"fmt.Println(time.Now().Year() > 2000)",
	} {
		if res := e.Execute(context.Background(), c, i+1, &r); res.Err != nil {
			t.Fatalf("cell %d: %v", i+1, res.Err)
		}
	}
	res, ok := ask[wire.DeclarationsResult](e, wire.Declarations{})
	if !ok {
		t.Fatal("the worker did not list its declarations")
	}
	got, _ := e.Declarations()
	if !reflect.DeepEqual(got, res.Declarations) {
		t.Errorf("ledger:\n%+v\nworker:\n%+v", got, res.Declarations)
	}
	if got.Imports["str"] != "strings" || got.Imports["fmt"] != "fmt" || !reflect.DeepEqual(got.Vars, []string{"x", "y"}) {
		t.Errorf("declarations = %+v", got)
	}
}

// After the worker dies, a fresh one has the session's functions, types,
// constants and var declarations again; values computed by statements are
// gone, and declarations that used them are named.
func TestRestoreAfterDeath(t *testing.T) {
	e := newEngine(t)
	var r record
	for i, c := range []string{
		"type Counter struct{ n int }\nfunc (c *Counter) Inc() { c.n++ }",
		"var mu sync.Mutex\nvar total = 40\nfunc add(n int) { mu.Lock(); total += n; mu.Unlock() }",
		"kept := 2",
		"func usesKept() int {\n\treturn kept\n}",
		"total = 1000", // a value: lost
	} {
		if res := e.Execute(context.Background(), c, i+1, &r); res.Err != nil {
			t.Fatalf("cell %d: %v", i+1, res.Err)
		}
	}
	res := e.Execute(context.Background(), crashCell, 6, &r)
	if res.Err == nil || res.Err.Name != "fatal error" {
		t.Fatalf("crash result = %+v", res.Err)
	}
	for _, want := range []string{"values were lost", "declared again, except:", "usesKept (cell 4, line 1): undefined: kept"} {
		if !strings.Contains(res.Err.Value, want) {
			t.Errorf("death message lacks %q:\n%s", want, res.Err.Value)
		}
	}
	res = e.Execute(context.Background(), "c := &Counter{}\nc.Inc()\nadd(2)\nfmt.Println(c.n, total)", 7, &r)
	if res.Err != nil || !strings.HasSuffix(r.stdout.String(), "1 42\n") {
		t.Fatalf("after restore: %+v, stdout %q", res.Err, r.stdout.String())
	}
	if res := e.Execute(context.Background(), "kept", 8, &r); res.Err == nil || !strings.Contains(res.Err.Value, "undefined: kept") {
		t.Errorf("kept after restore = %+v", res)
	}
	// A restart forgets everything.
	if err := e.Restart(); err != nil {
		t.Fatal(err)
	}
	if res := e.Execute(context.Background(), "Counter{}", 9, &r); res.Err == nil || !strings.Contains(res.Err.Value, "undefined: Counter") {
		t.Errorf("Counter after restart = %+v", res)
	}
	if d, _ := e.Declarations(); len(d.Decls) != 0 {
		t.Errorf("declarations after restart = %+v", d)
	}
}

// A worker that dies between cells is replaced at once, with the session's
// declarations; the next cell is told.
func TestRestoreAfterIdleDeath(t *testing.T) {
	e := newEngine(t)
	var r record
	if res := e.Execute(context.Background(), "func twice(n int) int { return 2 * n }\nkept := 7", 1, &r); res.Err != nil {
		t.Fatal(res.Err)
	}
	e.mu.Lock()
	p := e.w
	e.mu.Unlock()
	if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.dead
	r = record{}
	res := e.Execute(context.Background(), "twice(21)", 2, &r)
	if res.Err != nil || res.Data["text/plain"] != "42" {
		t.Fatalf("after the death: %+v %v", res.Err, res.Data)
	}
	if msg := r.stderr.String(); !strings.Contains(msg, "died after cell 1 had finished") || !strings.Contains(msg, "declarations of earlier cells were declared again") {
		t.Errorf("the cell was told %q", msg)
	}
}

// Only the last declaration of each name is given again, and one that uses
// a declaration the ledger lists after it is declared once that one is.
func TestRestoreOrder(t *testing.T) {
	e := newEngine(t)
	var r record
	for i, c := range []string{
		"func g() int { return 1 }",
		"func f() int { return g() }",
		"func h() int { return 10 }",
		"func g() int { return h() + 1 }",
		"f()",
	} {
		if res := e.Execute(context.Background(), c, i+1, &r); res.Err != nil {
			t.Fatalf("cell %d: %v", i+1, res.Err)
		} else if i == 4 && res.Data["text/plain"] != "11" {
			t.Fatalf("f() = %v before the crash", res.Data)
		}
	}
	res := e.Execute(context.Background(), crashCell, 6, &r)
	if res.Err == nil || !strings.Contains(res.Err.Value, "declarations of earlier cells were declared again:") {
		t.Fatalf("crash result = %+v", res.Err)
	}
	if res := e.Execute(context.Background(), "f()", 7, &r); res.Err != nil || res.Data["text/plain"] != "11" {
		t.Errorf("f() after the restore = %v, %+v", res.Data, res.Err)
	}
}
