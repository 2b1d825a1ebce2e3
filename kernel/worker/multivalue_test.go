package worker

import (
	"go/token"
	"reflect"
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/wire"
)

// Variables a statement takes from one call (x, err := f()) are read right
// by a function of a later cell that the cell's statements call (yaegi
// v0.16.0 read them as zero values there; kernel/rewrite, resultsOneByOne).
func TestVariablesFromOneCallAreReadByLaterFunctions(t *testing.T) {
	cases := []struct {
		cells []string
		want  string
	}{
		{[]string{"import \"context\"\nctx, cancel := context.WithCancel(context.Background())", "func waiter() string { <-ctx.Done(); return ctx.Err().Error() }", "cancel()\ns := \"\"\ns = waiter()\ns"}, `"context canceled"`},
		{[]string{"import \"os\"\nf, _ := os.Open(\"/etc/hostname\")", "func name() string { return f.Name() }", "n := \"\"\nn = name()\nn"}, `"/etc/hostname"`},
		{[]string{"import \"os\"\nr, w, err := os.Pipe()", "func both() bool { return r != nil && w != nil && err == nil }", "ok := false\nok = both()\nok"}, "true"},
	}
	for i, c := range cases {
		w := newBenchWorker(t)
		var got any
		for k, code := range c.cells {
			res := w.execute(int64(k+1), wire.Execute{Code: code, Count: k + 1})
			if res.Err != nil {
				t.Fatalf("case %d, cell %d: %s", i, k+1, res.Err.Value)
			}
			got = res.Data["text/plain"]
		}
		if got != c.want {
			t.Errorf("case %d: %v, want %s", i, got, c.want)
		}
	}
}

// Plain cells (kernel/rewrite, plain.go) run at the session's top level,
// without a check: what they assign is what functions of other cells
// read, and their values show as Go prints them.
func TestPlainCellsAssignWhatFunctionsRead(t *testing.T) {
	w := newBenchWorker(t)
	cells := []struct{ code, want string }{
		{"x := 1\ns := \"a\"\nf := 0.5\nok := false", ""},
		{"func get() int { return x }\nfunc text() string { return s }", ""},
		{"x = 5", ""},
		{"x += 2", ""},
		{"x++\ns = s + \"b\"", ""},
		{"get()", "8"},
		{"text()", `"ab"`},
		{"f = -f * 3\nf", "-1.5"},
		{"ok = !ok && x > 7\nok", "true"},
		{"x * 2", "16"},
	}
	for i, c := range cells {
		res := w.execute(int64(i+1), wire.Execute{Code: c.code, Count: i + 1})
		if res.Err != nil {
			t.Fatalf("cell %d %q: %s", i+1, c.code, res.Err.Value)
		}
		if got, _ := res.Data["text/plain"].(string); got != c.want {
			t.Errorf("cell %d %q: %q, want %q", i+1, c.code, got, c.want)
		}
		if plain := w.sess.mod.plan.Plain; plain != (i >= 2 && i != 5 && i != 6) {
			t.Errorf("cell %d %q: plain %v", i+1, c.code, plain)
		}
	}
}

// A plain cell's value is shown as Go prints it. Statements, and values
// that are a name or a literal, take no slot of the interpreter's session
// frame: the frame stays as long, so a cell's time does not grow with the
// cells before it (yaegi v0.16.0 copies the whole frame at each
// evaluation after it grew). The value of an operation (x * 2) still
// takes one.
func TestPlainCellsShowTheirValuesAndKeepTheFrame(t *testing.T) {
	w := newBenchWorker(t)
	if res := w.execute(1, wire.Execute{Code: "x := 1\nf := 0.5\nvar r rune = 'b'", Count: 1}); res.Err != nil {
		t.Fatal(res.Err.Value)
	}
	values := []struct{ code, want string }{
		{"1", "1"}, {"1.5", "1.5"}, {"'a'", "97"}, {`"a" + "b"`, `"ab"`}, {"2 > 1", "true"},
		{"1e100", "1e+100"}, {"1 + 2i", "(1+2i)"}, {"-f", "-0.5"}, {"r + 1", "99"}, {"x + 'a'", "98"}, {"3.0 * x", "3"},
	}
	count := 2
	for _, c := range values {
		res := w.execute(int64(count), wire.Execute{Code: c.code, Count: count})
		count++
		if res.Err != nil {
			t.Fatalf("%q: %s", c.code, res.Err.Value)
		}
		if got, _ := res.Data["text/plain"].(string); got != c.want {
			t.Errorf("%q shows %q, want %q", c.code, got, c.want)
		}
	}
	frame := reflect.ValueOf(w.sess.i).Elem().FieldByName("frame")
	if !frame.IsValid() || frame.IsNil() || !frame.Elem().FieldByName("data").IsValid() {
		t.Fatal("the interpreter has no frame.data: another yaegi version? Check evalGroup's comment")
	}
	before := frame.Elem().FieldByName("data").Len()
	for k := 0; k < 50; k++ {
		for _, code := range []string{"x = 2", "x++", "x = x * 2", "1", "x", "x = len(\"ab\")", "for i := 0; i < 2; i++ {\n\tx += i\n}"} {
			if res := w.execute(int64(count), wire.Execute{Code: code, Count: count}); res.Err != nil {
				t.Fatalf("%q: %s", code, res.Err.Value)
			}
			count++
		}
	}
	if after := frame.Elem().FieldByName("data").Len(); after != before {
		t.Errorf("350 trivial cells grew the session's frame from %d to %d slots", before, after)
	}

	// Nothing of a plain cell is kept: no later error names its lines.
	files := func() (n int) {
		w.sess.i.FileSet().Iterate(func(*token.File) bool { n++; return true })
		return n
	}
	// The probes of the cells above are dropped when the next cell
	// starts (yaegiroots.go): count after one plain cell.
	if res := w.execute(int64(count), wire.Execute{Code: "x = 2", Count: count}); res.Err != nil {
		t.Fatal(res.Err.Value)
	}
	count++
	files0, code0 := files(), len(w.sess.code)
	for k := 0; k < 20; k++ {
		for _, code := range []string{"x = 2", "x++", "1", "x", "x * 2", `"a" + "b"`} {
			if res := w.execute(int64(count), wire.Execute{Code: code, Count: count}); res.Err != nil {
				t.Fatalf("%q: %s", code, res.Err.Value)
			}
			count++
		}
	}
	if n := files(); n != files0 {
		t.Errorf("120 plain cells left the interpreter's file set with %d files, from %d", n, files0)
	}
	if n := len(w.sess.code); n != code0 {
		t.Errorf("120 plain cells left %d cells' sources, from %d", n, code0)
	}
	// A cell after them still names its own lines in a panic.
	res := w.execute(int64(count), wire.Execute{Code: "x = 1\nvar zs []int\n_ = zs[x]", Count: count})
	if res.Err == nil || !strings.Contains(strings.Join(res.Err.Traceback, "\n"), "_ = zs[x]") {
		t.Errorf("the panic after plain cells does not show its line: %+v", res.Err)
	}
}
