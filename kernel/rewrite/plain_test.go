package rewrite

import (
	"testing"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// A cell is plain (no check, no rewriting) only when nothing in it could
// be rewritten: assignments and operators on session variables of basic
// types.
func TestPlainCells(t *testing.T) {
	s := newTestSession()
	setup := []string{
		"x := 1\ns := \"a\"\nf := 1.5\nok := true\nvar e error\nm := map[string]int{}",
		"type Celsius float64\nc := Celsius(1)",
		"var declared = 3", // alone in its cell: a declaration, not a statement
	}
	for i, code := range setup {
		s.Cell = i + 1
		c, err := cell.Parse(code)
		if err != nil {
			t.Fatal(err)
		}
		c = cell.VarsAsStatements(c)
		s.imports(c)
		if _, e := s.w.Cell(&s.Session, c); e != nil {
			t.Fatalf("setup cell %d: %s", i+1, e.Msg)
		}
		s.remember(c)
	}
	cases := []struct {
		code  string
		plain bool
	}{
		{"x = 2", true},
		{"1", true},
		{"x", true},
		{"x++", true},
		{"x += 2 * (x - 1)", true},
		{"s = s + \"b\"", true},
		{"ok = !ok && x > 1", true},
		{"f = -f * 2", true},
		{"f = -f / 2", false}, // a division may panic
		{"x %= 3", false},     // and a remainder
		{"x = x << x", false}, // and a shift
		{"x = 2\nx * 3", true},
		{"ok = true", true},
		{"y := 2", false},            // declares a variable
		{"x, x = 1, 2", false},       // several in one assignment
		{"e = nil", false},           // an interface
		{"c = 2", false},             // a named type: it may have methods
		{"declared = 4", false},      // declared by a declaration: its type is not recorded
		{"x = len(s)", false},        // a call
		{"m[\"a\"] = 1", false},      // an index
		{"x = unknown", false},       // not a session variable
		{"p := &x", false},           // the address
		{"fmt.Println(x)", false},    // a call and a selector
		{"for x < 3 { x++ }", false}, // a statement with a body
		{"func() { x = 2 }()", false},
		{"func g() {}", false},
	}
	for _, c := range cases {
		cl, err := cell.Parse(c.code)
		if err != nil {
			t.Fatalf("%q: %v", c.code, err)
		}
		cl = cell.VarsAsStatements(cl)
		if got := s.w.plain(&s.Session, cl); got != c.plain {
			t.Errorf("plain(%q) = %v, want %v", c.code, got, c.plain)
		}
	}
	// A plain cell gets an empty plan, and the next cell's check still
	// knows the session's variables.
	cl, _ := cell.Parse("x = 3")
	plan, e := s.w.Cell(&s.Session, cl)
	if e != nil || len(plan.Out) > 0 || len(plan.CheckErrs) > 0 {
		t.Fatalf("plain cell: plan %+v, error %v", plan, e)
	}
	cl, _ = cell.Parse("var q fmt.Stringer\n_ = q\nfmt.Println(x + 1)")
	s.imports(cl)
	if _, e := s.w.Cell(&s.Session, cl); e != nil {
		t.Fatalf("cell after a plain one: %s", e.Msg)
	}
}
