package worker

import (
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/wire"
)

// The interpreter places a panic in a function at the function's first
// statement (traefik/yaegi#1266). The trace must not show that statement
// as the one that panicked: it names each function where it starts.
func TestAPanicInAFunctionNamesTheFunctionNotAWrongLine(t *testing.T) {
	w := newBenchWorker(t)
	cells := []string{
		"func inner() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}",
		"func outer() {\n\tfmt.Print(\"\")\n\tinner()\n}",
	}
	for n, code := range cells {
		if res := w.execute(int64(n+1), wire.Execute{Code: code, Count: n + 1}); res.Err != nil {
			t.Fatalf("cell %q: %v", code, res.Err)
		}
	}
	res := w.execute(3, wire.Execute{Code: "x := 1\nouter()\n_ = x", Count: 3})
	if res.Err == nil {
		t.Fatal("outer() did not panic")
	}
	tb := strings.Join(res.Err.Traceback, "\n")
	for _, want := range []string{
		"in inner, which starts at cell 1, line 1\n   1 | func inner() {",
		"in outer, which starts at cell 2, line 1\n   1 | func outer() {",
		"in the cell at cell line 2:1", // the cell's own statement is known
		startsNote,
	} {
		if !strings.Contains(tb, want) {
			t.Errorf("the trace lacks %q:\n%s", want, tb)
		}
	}
	for _, wrong := range []string{"var m map[string]int", "fmt.Print(\"\")", "cell 1, line 2", "cell 2, line 2"} {
		if strings.Contains(tb, wrong) {
			t.Errorf("the trace shows %q, a line that did not panic:\n%s", wrong, tb)
		}
	}
	if !strings.Contains(res.Err.Value, "(in inner, which starts at cell 1, line 1)") {
		t.Errorf("value %q does not name inner", res.Err.Value)
	}
}

func TestAPanicInATopLevelStatementOfManyLinesNamesItsLines(t *testing.T) {
	w := newBenchWorker(t)
	res := w.execute(1, wire.Execute{Code: "var m map[string]int\nfor i := 0; i < 3; i++ {\n\tif i == 2 {\n\t\tm[\"a\"] = i\n\t}\n}", Count: 1})
	if res.Err == nil {
		t.Fatal("the loop did not panic")
	}
	tb := strings.Join(res.Err.Traceback, "\n")
	if !strings.Contains(tb, "in the cell at cell line 2:1, in the statement of lines 2-6") || !strings.Contains(tb, startsNote) {
		t.Errorf("trace:\n%s", tb)
	}
	if !strings.HasSuffix(res.Err.Value, "(cell line 2, in the statement of lines 2-6)") {
		t.Errorf("value %q", res.Err.Value)
	}
	// A statement of one line is exact: no range, no note.
	res = w.execute(2, wire.Execute{Code: "x := 1\nm[\"b\"] = x", Count: 2})
	if res.Err == nil {
		t.Fatal("the assignment did not panic")
	}
	tb = strings.Join(res.Err.Traceback, "\n")
	if !strings.Contains(tb, "in the cell at cell line 2:1\n") || strings.Contains(tb, "statement of lines") || strings.Contains(tb, startsNote) {
		t.Errorf("trace:\n%s", tb)
	}
}
