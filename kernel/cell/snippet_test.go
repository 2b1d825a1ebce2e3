package cell

import "testing"

func TestSnippets(t *testing.T) {
	s, err := ParseSnippet("x := 1\ngo f(x)")
	if err != nil || !s.Stmts {
		t.Fatalf("statements: %v, %+v", err, s)
	}
	if got := s.Text(s.File.Decls[0]); got != "" {
		t.Errorf("the added function's text = %q, want none", got)
	}
	s, err = ParseSnippet("type T int\nfunc (T) M() {}")
	if err != nil || s.Stmts || len(s.File.Decls) != 2 {
		t.Fatalf("declarations: %v, %+v", err, s)
	}
	if got := s.Text(s.File.Decls[1]); got != "func (T) M() {}" {
		t.Errorf("Text = %q", got)
	}
	if _, err := ParseDecls("x := 1"); err == nil {
		t.Error("ParseDecls took a statement")
	}
	if _, err := ParseStmts("func f() {}"); err == nil {
		t.Error("ParseStmts took a function declaration")
	}
	fd := ParseFunc("func double(n int) int {\n\treturn 2 * n\n}")
	if fd == nil || fd.Func.Name.Name != "double" || fd.Text(fd.Func.Type.Params) != "(n int)" {
		t.Fatalf("ParseFunc = %+v", fd)
	}
	for _, src := range []string{"var x = 1", "func f() {}\nfunc g() {}", "f()"} {
		if ParseFunc(src) != nil {
			t.Errorf("ParseFunc(%q) is not nil", src)
		}
	}
}

// PlainGo never calls a cell plain that Parse finds a magic, a help
// request or a program in.
func TestPlainGo(t *testing.T) {
	for _, src := range []string{
		"x := 1", "func f() {}\nf()", "fmt.Println(100 % 7)", "s := \"?\"", "", "// just a comment",
	} {
		c, err := Parse(src)
		if !PlainGo(src) {
			t.Errorf("PlainGo(%q) = false", src)
		}
		if err == nil && (c.Help != "" || c.CellMagic != nil || len(c.Magics) > 0 || c.Program) {
			t.Errorf("PlainGo(%q) but Parse found %+v", src, c)
		}
	}
	for _, src := range []string{
		"%timeit x := 1", "\n%%native\nfunc main() {}", "x := 1\n%timing off", "fmt.Println?", "?fmt",
		"package main\n\nfunc main() {}", "// a program\npackage main\nfunc main() {}", "x := 1\n  %indented",
	} {
		if PlainGo(src) {
			t.Errorf("PlainGo(%q) = true", src)
		}
	}
}
