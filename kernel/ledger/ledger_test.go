package ledger

import (
	"reflect"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

func TestDeclarationsAndReplay(t *testing.T) {
	l := New()
	if !l.Empty() {
		t.Fatal("a new ledger is not empty")
	}
	g1 := Entry{Names: []string{"g"}, Kind: "func", Src: "func g() int { return 1 }", Cell: 1, Line: 2, Col: 1}
	l.Apply(Delta{Cell: 1, Imports: map[string]string{"fmt": "fmt"}, Decls: []Entry{g1}})
	l.Apply(Delta{Cell: 2, Vars: []string{"x", "n"}})
	ab := Entry{Names: []string{"a", "b"}, Kind: "var", Src: "var a, b = 1, 2", Cell: 3, Line: 1, Col: 1}
	f := Entry{Names: []string{"f"}, Kind: "func", Src: "func f() int {\n\treturn g()\n}", Cell: 3, Line: 3, Col: 1}
	own := Entry{Names: []string{"_gocurrentTimed1"}, Kind: "func", Src: "func _gocurrentTimed1() {}", Cell: 3, Line: 7, Col: 1}
	l.Apply(Delta{Cell: 3, Decls: []Entry{ab, f, own}})
	g2 := Entry{Names: []string{"g"}, Kind: "func", Src: "func g() int { return 2 }", Cell: 4, Line: 1, Col: 1}
	xdecl := Entry{Names: []string{"x"}, Kind: "var", Src: "var x int", Cell: 4, Line: 2, Col: 1}
	l.Apply(Delta{Cell: 4, Decls: []Entry{g2, xdecl}})

	want := engine.Declarations{
		Imports: map[string]string{"fmt": "fmt"},
		Decls: []engine.Declaration{
			{Names: []string{"g"}, Src: g2.Src, Cell: 4, Line: 1}, // the last g, where the first was declared
			{Names: []string{"a", "b"}, Src: ab.Src, Cell: 3, Line: 1},
			{Names: []string{"f"}, Src: f.Src, Cell: 3, Line: 3},
			{Names: []string{"x"}, Src: xdecl.Src, Cell: 4, Line: 2},
		},
		Vars: []string{"n"}, // x is declared now
	}
	if got := l.Declarations(); !reflect.DeepEqual(got, want) {
		t.Errorf("Declarations() =\n%+v\nwant\n%+v", got, want)
	}

	r := l.Replay()
	// The first g is declared again later: only the last is given.
	wantCells := []ReplayCell{{Cell: 3, Decls: []Entry{ab, f}}, {Cell: 4, Decls: []Entry{g2, xdecl}}}
	if !reflect.DeepEqual(r.Cells, wantCells) || r.Imports["fmt"] != "fmt" {
		t.Errorf("Replay() = %+v", r)
	}

	l.Reset()
	if !l.Empty() || len(l.Declarations().Decls) != 0 || len(l.Declarations().Vars) != 0 {
		t.Errorf("after Reset: %+v", l.Declarations())
	}
}

func TestCode(t *testing.T) {
	for _, c := range []struct {
		decls []Entry
		want  string
	}{
		{[]Entry{{Src: "func f() {\n}", Line: 2, Col: 1}, {Src: "type T int", Line: 5, Col: 1}},
			"\nfunc f() {\n}\n\ntype T int"},
		// Two declarations on one line keep their columns.
		{[]Entry{{Src: "var a = 1", Line: 1, Col: 1}, {Src: "var b = 2", Line: 1, Col: 12}},
			"var a = 1; var b = 2"},
		// One that starts where another ends.
		{[]Entry{{Src: "func f() {\n}", Line: 1, Col: 1}, {Src: "var x = 1", Line: 2, Col: 4}},
			"func f() {\n}; var x = 1"},
		// One after a statement on its line (the statement is not kept).
		{[]Entry{{Src: "const c = 3", Line: 3, Col: 8}}, "\n\n       const c = 3"},
	} {
		if got := Code(c.decls); got != c.want {
			t.Errorf("Code(%+v) = %q, want %q", c.decls, got, c.want)
		}
	}
}
