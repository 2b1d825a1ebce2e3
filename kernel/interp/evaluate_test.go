package interp

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestEvaluate: user expressions see the session's values and show them
// as a cell's final expression is shown; a bad one gets an error and
// changes nothing; the session's record of its cells stays as it was.
func TestEvaluate(t *testing.T) {
	e := newEngine(t)
	ctx := context.Background()
	for i, code := range []string{
		"type celsius float64\nfunc (c celsius) String() string { return fmt.Sprintf(\"%.1f°C\", float64(c)) }",
		"x := 5\nt := celsius(21.5)\nfunc boom() int { panic(\"boom\") }",
	} {
		var r record
		if res := e.Execute(ctx, code, i+1, &r); res.Err != nil {
			t.Fatalf("cell %d: %s: %s", i+1, res.Err.Name, res.Err.Value)
		}
	}
	before, err := e.Declarations()
	if err != nil {
		t.Fatal(err)
	}
	got := e.Evaluate(ctx, map[string]string{
		"answer":  "6*7",
		"double":  "x*2",
		"temp":    "t",
		"upper":   `strings.ToUpper("go")`,
		"min":     "min(x, 3)",
		"undef":   "y + 1",
		"syntax":  "x +",
		"stmt":    "x := 1",
		"panic":   "boom()",
		"noValue": `fmt.Sprint()`,
		"gc":      "runtime.GC()",
	})
	want := map[string]string{
		"answer":  "42",
		"double":  "10",
		"temp":    "21.5°C",
		"upper":   `"GO"`,
		"min":     "3",
		"noValue": `""`,
	}
	for name, text := range want {
		r := got[name]
		if r.Err != nil || r.Data["text/plain"] != text {
			t.Errorf("%s: got %v (error %v), want %q", name, r.Data, r.Err, text)
		}
	}
	for name, ename := range map[string]string{"undef": "compile error", "syntax": "syntax error", "stmt": "syntax error", "panic": "panic"} {
		if r := got[name]; r.Err == nil || r.Err.Name != ename || len(r.Err.Traceback) == 0 {
			t.Errorf("%s: got %v (error %+v), want a %s", name, r.Data, r.Err, ename)
		}
	}
	if r := got["gc"]; r.Err != nil || len(r.Data) != 0 {
		t.Errorf("gc: got %v (error %v), want no data", r.Data, r.Err)
	}
	if len(got) != 11 {
		t.Errorf("got %d results, want 11", len(got))
	}
	after, err := e.Declarations()
	if err != nil {
		t.Fatal(err)
	}
	// Only the import of strings, which the expression named, is new.
	if fmt.Sprint(before.Decls, before.Vars) != fmt.Sprint(after.Decls, after.Vars) || after.Imports["strings"] != "strings" {
		t.Errorf("declarations changed:\n%v\n%v", before, after)
	}
	// The session goes on: the next cell sees x unchanged, and a panic in
	// a function shows the cell that declared it.
	var r record
	res := e.Execute(ctx, "fmt.Println(x)\nboom()", 3, &r)
	if r.stdout.String() != "5\n" || res.Err == nil || res.Err.Name != "panic" || !strings.Contains(strings.Join(res.Err.Traceback, "\n"), "cell 2, line 3") {
		t.Errorf("next cell printed %q, error %+v", r.stdout.String(), res.Err)
	}
	if got := e.Evaluate(ctx, nil); len(got) != 0 {
		t.Errorf("no expressions: got %v", got)
	}
}

// TestProbeKeepsNativeAlias: showing a value through the probe of display
// methods (a session type has a String method, the value's type has none)
// leaves the native helpers' package name alone, which instances of
// generic functions (min) use.
func TestProbeKeepsNativeAlias(t *testing.T) {
	runModernCells(t, []modernCell{
		{code: "type celsius float64\nfunc (c celsius) String() string { return \"c\" }\nx := 5"},
		{code: "x * 2"},
		{code: "fmt.Println(min(x, 3), max(2.5, 1))", stdout: "3 2.5\n"},
	})
}
