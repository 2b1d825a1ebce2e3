package cell

import "testing"

func TestFuncAtFindsTheInnermostFunction(t *testing.T) {
	src := "x := 1\n" + // 1
		"func risky(n int) int {\n" + // 2
		"\tswitch n {\n" + // 3
		"\tcase 2:\n" + // 4
		"\t\tpanic(\"two\")\n" + // 5
		"\t}\n" + // 6
		"\treturn n\n" + // 7
		"}\n" + // 8
		"go func() { for {\n" + // 9
		"\tfmt.Println(func() int { return x }())\n" + // 10
		"} }()\n" + // 11
		"fmt.Println(x)" // 12
	for _, tc := range []struct {
		line, col int
		funcLine  int
		name      string
		ok        bool
	}{
		{3, 2, 2, "risky", true}, // the first statement of risky
		{5, 3, 2, "risky", true}, // deeper in risky
		{9, 13, 9, "", true},     // the go statement's literal
		{10, 28, 10, "", true},   // the literal inside it
		{10, 2, 9, "", true},     // the outer literal, outside the inner one
		{1, 1, 0, "", false},     // the cell's own statement
		{12, 1, 0, "", false},    // the cell's own statement
		{2, 1, 0, "", false},     // the func keyword is not in the body
	} {
		line, name, ok := FuncAt(src, tc.line, tc.col)
		if line != tc.funcLine || name != tc.name || ok != tc.ok {
			t.Errorf("FuncAt(%d:%d) = %d %q %v, want %d %q %v", tc.line, tc.col, line, name, ok, tc.funcLine, tc.name, tc.ok)
		}
	}
}

func TestFuncAtInAProgramAndWithMagics(t *testing.T) {
	prog := "package main\n\nfunc main() {\n\tpanic(1)\n}\n"
	if line, name, ok := FuncAt(prog, 4, 2); line != 3 || name != "main" || !ok {
		t.Errorf("program: %d %q %v", line, name, ok)
	}
	withMagic := "%time\nfunc f() {\n\tpanic(1)\n}\nf()"
	if line, name, ok := FuncAt(withMagic, 3, 2); line != 2 || name != "f" || !ok {
		t.Errorf("with a line magic: %d %q %v", line, name, ok)
	}
	if _, _, ok := FuncAt("func f() {", 1, 10); ok {
		t.Error("a cell that does not parse: found a function")
	}
}

func TestStatementEnd(t *testing.T) {
	src := "x := 1\nfor i := 0; i < 3; i++ {\n\tx += i\n}\nfmt.Println(x,\n\t2)\n"
	for _, tc := range []struct{ line, want int }{{1, 1}, {2, 4}, {3, 3}, {5, 6}, {9, 9}} {
		if got := StatementEnd(src, tc.line); got != tc.want {
			t.Errorf("StatementEnd(%d) = %d, want %d", tc.line, got, tc.want)
		}
	}
}
