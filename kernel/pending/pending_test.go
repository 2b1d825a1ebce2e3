package pending

import (
	"slices"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

// The errors as the two engines report them.
func TestUndefinedOnly(t *testing.T) {
	for _, c := range []struct {
		name string
		tb   []string
		want []string
		ok   bool
	}{
		{"interpreter", []string{"\x1b[0;31mcompile error\x1b[0m at cell line 1:41: undefined: helper", "   1 | f()", "     | ^"}, []string{"helper"}, true},
		{"interpreter method", []string{"\x1b[0;31mcompile error\x1b[0m at cell line 1:1: b.get undefined (type *B has no field or method get, but does have method Get)"}, []string{"get"}, true},
		{"yaegi", []string{"\x1b[0;31mcompile error\x1b[0m at cell line 1:85: undefined selector: move"}, []string{"move"}, true},
		{"compiled, several", []string{"\x1b[0;31mcompile error\x1b[0m at cell line 1:32: b.move undefined (type *Bank has no field or method move)", "   1 | x", "cell[2]:1:41: undefined: helper", "cell[2]:3:1: undefined: helper"}, []string{"move", "helper"}, true},
		{"another error too", []string{"\x1b[0;31mcompile error\x1b[0m at cell line 1:41: undefined: helper", "cell[2]:2:24: cannot use \"s\" (untyped string constant) as int value in variable declaration"}, nil, false},
		{"a package's name", []string{"\x1b[0;31mcompile error\x1b[0m at cell line 1:3: undefined: fmt.Prinln"}, nil, false},
		{"no position", []string{"compile error"}, nil, false},
	} {
		got, ok := undefinedOnly(&engine.Error{Name: "compile error", Traceback: c.tb})
		if ok != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("%s: %q %v, want %q %v", c.name, got, ok, c.want, c.ok)
		}
	}
	if _, ok := undefinedOnly(&engine.Error{Name: "panic", Traceback: []string{"cell line 1:1: undefined: x"}}); ok {
		t.Error("a panic is not a compile error")
	}
}

func TestDeclarations(t *testing.T) {
	names, only := declarations("import \"fmt\"\n\ntype T struct{}\n\nfunc (T) M() { fmt.Println(u()) }\n\nvar x, y = 1, 2")
	if !only || !slices.Equal(names, []string{"T", "T.M", "x", "y"}) {
		t.Errorf("declarations: %q %v", names, only)
	}
	if names, only := declarations("func f() {}\nn := f()"); only || !slices.Equal(names, []string{"f", "n"}) {
		t.Errorf("a cell with a statement: %q %v, want f and n, and not declarations only", names, only)
	}
	if !overlaps([]string{"M"}, []string{"T.M"}) || overlaps([]string{"N"}, []string{"T.M"}) {
		t.Error("a wanted method name matches a declared T.M, and only it")
	}
}
