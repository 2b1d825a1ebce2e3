package cell

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"testing"
)

// offsetAt returns the byte offset of line:col (both 1-based, col in
// bytes) in the lines of a source, or -1 if that position is not in it.
// The column just after a line's last byte is in the source: it is where
// an error at the end of a line or of the cell is reported.
func offsetAt(lines []string, line, col int) int {
	if line < 1 || line > len(lines) || col < 1 || col > len(lines[line-1])+1 {
		return -1
	}
	off := 0
	for _, l := range lines[:line-1] {
		off += len(l) + 1
	}
	return off + col - 1
}

// isFuncBody reports whether src, which has no line magics, is a valid
// function body for go/parser (with declaration errors).
func isFuncBody(src string) bool {
	for _, l := range strings.Split(src, "\n") {
		if strings.HasPrefix(l, "%") || strings.HasPrefix(strings.TrimSpace(l), "%%") {
			return false
		}
	}
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p;func _(){\n"+src+"\n}", parser.DeclarationErrors)
	// One declaration: src did not close the function and start another.
	return err == nil && len(f.Decls) == 1
}

// FuzzParse checks Parse and IsComplete against their documented
// contracts on arbitrary cells:
//   - Parse never panics, and an error is an *Error at a position in the
//     cell;
//   - a cell that is a valid function body is a valid cell;
//   - IsComplete agrees with Parse: Complete when Parse succeeds,
//     Incomplete (indenting with tabs) exactly when the error is AtEOF,
//     Invalid otherwise;
//   - magics are at lines that start with %;
//   - chunks come in order without overlapping, each Src is the Go source
//     (the cell with its magic lines blanked) at the chunk's Line:Col,
//     only the last chunk can be Expr, and Node has the type Kind says;
//   - each free identifier is at its Line:Col in the cell, and Cell.Free
//     is sorted without duplicates;
//   - a trailing newline changes nothing.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"6*7", "x := 1\nx", "func f() {", "%%time\nx", "import \"fmt\"\nfmt.Println(1)", "package main\nfunc main(){}", "?x", "a := []int{\n1,\n}",
		"%timing on\nx := `a\n%b`\nx", "type T struct{ A int }\nfunc (t T) M() { fmt.Println(t.A) }\nvar v T; v.M()",
		"for i := 0; i < 3; i++ {\n\tif x := i; x > 1 {\n\t\tfmt.Println(x)\n\t}\n}", "s := \"a;b\" /* c\n */; r := 'x'\ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := Parse(src)
		status, indent := IsComplete(src)
		lines := strings.Split(src, "\n")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not *Error", err)
			}
			if offsetAt(lines, e.Line, e.Col) < 0 {
				t.Errorf("error %v is outside the cell (%d lines)", e, len(lines))
			}
			if isFuncBody(src) {
				t.Errorf("Parse rejects a valid function body: %v", e)
			}
			switch {
			case e.AtEOF && (status != Incomplete || strings.Trim(indent, "\t") != ""):
				t.Errorf("Parse error %v is at EOF, but IsComplete = %s %q", e, status, indent)
			case !e.AtEOF && (status != Invalid || indent != ""):
				t.Errorf("Parse error %v is not at EOF, but IsComplete = %s %q", e, status, indent)
			}
			return
		}
		if status != Complete || indent != "" {
			t.Errorf("Parse succeeded, but IsComplete = %s %q", status, indent)
		}
		if c.Source != src {
			t.Errorf("Source = %q", c.Source)
		}
		if c.Help != "" || c.CellMagic != nil || c.Program {
			if len(c.Chunks) > 0 {
				t.Errorf("help %q, cell magic %v or program %v with chunks %+v", c.Help, c.CellMagic, c.Program, c.Chunks)
			}
			return
		}
		gosrc := slices.Clone(lines)
		for _, m := range c.Magics {
			if m.Line < 1 || m.Line > len(lines) || !strings.HasPrefix(lines[m.Line-1], "%") {
				t.Fatalf("magic %+v is not at a line starting with %%", m)
			}
			gosrc[m.Line-1] = ""
		}
		joined := strings.Join(gosrc, "\n")
		end := 0 // where the previous chunk ends
		for i, ch := range c.Chunks {
			off := offsetAt(gosrc, ch.Line, ch.Col)
			if off < end || ch.Src == "" || !strings.HasPrefix(joined[off:], ch.Src) {
				t.Fatalf("chunk %d at %d:%d (offset %d, previous chunk ends at %d) %q is not the source there", i, ch.Line, ch.Col, off, end, ch.Src)
			}
			end = off + len(ch.Src)
			var ok bool
			switch ch.Kind {
			case Import:
				d, isGen := ch.Node.(*ast.GenDecl)
				ok = isGen && d.Tok == token.IMPORT
			case Decl:
				switch d := ch.Node.(type) {
				case *ast.GenDecl:
					ok = d.Tok != token.IMPORT
				case *ast.FuncDecl:
					ok = true
				}
			case Stmt:
				_, ok = ch.Node.(ast.Stmt)
			case Expr:
				_, ok = ch.Node.(ast.Expr)
				ok = ok && i == len(c.Chunks)-1
			}
			if !ok {
				t.Fatalf("chunk %d of %d %q: kind %s with node %T", i, len(c.Chunks), ch.Src, ch.Kind, ch.Node)
			}
			for _, id := range ch.Free {
				if off := offsetAt(gosrc, id.Line, id.Col); off < 0 || !strings.HasPrefix(joined[off:], id.Name) {
					t.Errorf("chunk %q: free identifier %s is not at %d:%d", ch.Src, id.Name, id.Line, id.Col)
				}
			}
		}
		if !slices.IsSorted(c.Free) || len(slices.Compact(slices.Clone(c.Free))) != len(c.Free) {
			t.Errorf("Free %q is not sorted and unique", c.Free)
		}

		c2, err := Parse(src + "\n")
		if err != nil {
			t.Fatalf("Parse succeeds without a trailing newline, fails with it: %v", err)
		}
		if len(c2.Chunks) != len(c.Chunks) {
			t.Fatalf("a trailing newline changes %d chunks to %d", len(c.Chunks), len(c2.Chunks))
		}
		for i, ch := range c.Chunks {
			ch2 := c2.Chunks[i]
			if ch.Kind != ch2.Kind || ch.Src != ch2.Src || ch.Line != ch2.Line || ch.Col != ch2.Col {
				t.Errorf("a trailing newline changes chunk %d from %s %d:%d %q to %s %d:%d %q", i, ch.Kind, ch.Line, ch.Col, ch.Src, ch2.Kind, ch2.Line, ch2.Col, ch2.Src)
			}
		}
	})
}
