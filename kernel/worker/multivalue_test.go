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
