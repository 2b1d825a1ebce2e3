package worker

import (
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
