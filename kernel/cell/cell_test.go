package cell

import (
	"errors"
	"reflect"
	"testing"
)

func kinds(c *Cell) []string {
	var out []string
	for _, ch := range c.Chunks {
		out = append(out, ch.Kind.String()+"@"+itoa(ch.Line)+":"+ch.Src)
	}
	return out
}

func itoa(i int) string { return string(rune('0' + i)) }

func TestParseChunks(t *testing.T) {
	tests := []struct {
		src  string
		want []string
	}{
		{"6*7", []string{"expr@1:6*7"}},
		{"x := 1\nx", []string{"stmt@1:x := 1", "expr@2:x"}},
		{"import \"fmt\"\nfunc f() int {\n\treturn 1\n}\nfmt.Println(f())", []string{
			"import@1:import \"fmt\"", "decl@2:func f() int {\n\treturn 1\n}", "expr@5:fmt.Println(f())"}},
		{"func() { x++ }()", []string{"expr@1:func() { x++ }()"}},
		{"for i := 0; i < 3; i++ {\n}\n", []string{"stmt@1:for i := 0; i < 3; i++ {\n}"}},
		{"if a := f(); a > 1 {\n} else if b := 2; b > a {\n}\nswitch x := 1; x {\n}", []string{"stmt@1:if a := f(); a > 1 {\n} else if b := 2; b > a {\n}", "stmt@4:switch x := 1; x {\n}"}},
		{"a := 1; b := 2", []string{"stmt@1:a := 1", "stmt@1:b := 2"}},
		{"type T struct{ A int }\nfunc (t *T) M() {}\nvar v T", []string{
			"decl@1:type T struct{ A int }", "decl@2:func (t *T) M() {}", "decl@3:var v T"}},
		{"// comment only\n", nil},
		{"x := []int{\n1,\n2,\n}\nx", []string{"stmt@1:x := []int{\n1,\n2,\n}", "expr@5:x"}},
		// Windows line endings: the raw string keeps its carriage return.
		{"x := `a\r\nb`\r\nx", []string{"stmt@1:x := `a\r\nb`", "expr@3:x"}},
	}
	for _, tt := range tests {
		c, err := Parse(tt.src)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.src, err)
			continue
		}
		if got := kinds(c); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestNamesAndFree(t *testing.T) {
	c, err := Parse("import str \"strings\"\ntype T int\nfunc (T) M() {}\nvar a, b = 1, 2\nx, _ := strconv.Atoi(\"1\")\nfmt.Println(str.ToUpper(\"a\"), x.Y, os.Args)\nfunc g() { time := 3; _ = time.X }")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ch := range c.Chunks {
		names = append(names, ch.Names...)
	}
	if want := []string{"T", "T.M", "a", "b", "x", "g"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
	if want := []string{"fmt", "os", "strconv"}; !reflect.DeepEqual(c.Free, want) {
		t.Errorf("free = %q, want %q", c.Free, want)
	}
	if c.Chunks[0].Imports[0] != (ImportSpec{Name: "str", Path: "strings"}) {
		t.Errorf("imports = %+v", c.Chunks[0].Imports)
	}
}

func TestColumns(t *testing.T) {
	c, err := Parse("x := 1; undefinedX\n  y := x")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Chunks[1].Free; len(got) != 1 || got[0] != (Ident{Name: "undefinedX", Line: 1, Col: 9}) {
		t.Errorf("free = %+v", got)
	}
	if c.Chunks[1].Col != 9 || c.Chunks[2].Col != 3 {
		t.Errorf("columns = %d, %d", c.Chunks[1].Col, c.Chunks[2].Col)
	}
	// Line directives do not move positions off the cell's own lines.
	c, err = Parse("//line a.go:100\nx := 1\n/*line b.go:7:7*/y")
	if err != nil {
		t.Fatal(err)
	}
	if ch := c.Chunks[1]; ch.Line != 3 || ch.Col != 18 || len(ch.Free) != 1 || ch.Free[0] != (Ident{Name: "y", Line: 3, Col: 18}) {
		t.Errorf("after line directives: chunk %d:%d, free %+v", ch.Line, ch.Col, ch.Free)
	}
	_, err = Parse("a := 1; b := := 2")
	var e *Error
	if !errors.As(err, &e) || e.Line != 1 || e.Col != 14 {
		t.Errorf("error = %v", err)
	}
}

func TestMagicsHelpProgram(t *testing.T) {
	c, err := Parse("%timing off\nx := 1\n%time x++\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Magics) != 2 || c.Magics[0] != (Magic{Name: "timing", Args: "off", Line: 1}) || c.Magics[1].Line != 3 || c.Magics[1].Args != "x++" {
		t.Errorf("magics = %+v", c.Magics)
	}
	if len(c.Chunks) != 1 || c.Chunks[0].Line != 2 {
		t.Errorf("chunks = %+v", c.Chunks)
	}
	c, _ = Parse("\n%%native -race\nfunc main() {}\n")
	if c.CellMagic == nil || c.CellMagic.Name != "native" || c.CellMagic.Args != "-race" || c.BodyLine != 3 {
		t.Errorf("cell magic = %+v line %d", c.CellMagic, c.BodyLine)
	}
	for _, src := range []string{"?fmt.Println", "fmt.Println?", "??strings", "  x?  "} {
		c, err := Parse(src)
		if err != nil || c.Help == "" {
			t.Errorf("Parse(%q): help %q, err %v", src, c.Help, err)
		}
	}
	c, _ = Parse("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) }\n")
	if !c.Program {
		t.Error("program not recognised")
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		src       string
		line, col int
		eof       bool
	}{
		{"x := )", 1, 6, false},
		{"a := 1\nb := := 2", 2, 6, false},
		{"func f() {", 1, 10, true},
		{"x := \"abc", 1, 6, true},
		{"if x {\n", 1, 6, true},
		{"var x int = ", 1, 12, true},
	}
	for _, tt := range tests {
		_, err := Parse(tt.src)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) error = %v, want *Error", tt.src, err)
			continue
		}
		if e.Line != tt.line || e.Col != tt.col || e.AtEOF != tt.eof {
			t.Errorf("Parse(%q) = %d:%d eof=%v (%s), want %d:%d eof=%v", tt.src, e.Line, e.Col, e.AtEOF, e.Msg, tt.line, tt.col, tt.eof)
		}
	}
}

func TestIsComplete(t *testing.T) {
	tests := []struct {
		src    string
		status Completeness
		indent string
	}{
		{"x := 1", Complete, ""},
		{"func f() {", Incomplete, "\t"},
		{"for {\n\tif x {", Incomplete, "\t\t"},
		{"x := )", Invalid, ""},
		{"}", Invalid, ""},
		{"f(x))", Invalid, ""},
		{"", Complete, ""},
		{"%timing on", Complete, ""},
		{"\f", Invalid, ""},
	}
	for _, tt := range tests {
		s, ind := IsComplete(tt.src)
		if s != tt.status || ind != tt.indent {
			t.Errorf("IsComplete(%q) = %s %q, want %s %q", tt.src, s, ind, tt.status, tt.indent)
		}
	}
}

// The type parameters a method's receiver names are not free.
func TestReceiverTypeParamsAreNotFree(t *testing.T) {
	c, err := Parse("func (s *stack[T]) push(v T) { var z T; _ = z; s.items = append(s.items, v) }\nfunc (p pair[K, V]) get(k K) V { return p.m[k] }")
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range c.Chunks {
		for _, f := range ch.Free {
			if f.Name != "append" && f.Name != "stack" && f.Name != "pair" {
				t.Errorf("chunk %q: %s is free", ch.Src, f.Name)
			}
		}
	}
}

// A function keeps the compiler directives written above it, with the
// comment lines between them and it; other comments stay out.
func TestDirectivesStayWithTheirFunction(t *testing.T) {
	c, err := Parse("x := 1\n// spin burns CPU.\n//\n//go:noinline\n// (kept whole)\nfunc spin() {}\n// a plain comment\nfunc plain() {}\n  //go:nosplit\nfunc indented() {}")
	if err != nil {
		t.Fatal(err)
	}
	got := kinds(c)
	want := []string{
		"stmt@1:x := 1",
		"decl@4://go:noinline\n// (kept whole)\nfunc spin() {}",
		"decl@8:func plain() {}",
		"decl@9://go:nosplit\nfunc indented() {}",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunks\n%q\nwant\n%q", got, want)
	}
	if col := c.Chunks[3].Col; col != 3 {
		t.Errorf("column of the indented directive: %d, want 3", col)
	}
}
