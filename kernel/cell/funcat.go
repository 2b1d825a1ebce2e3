package cell

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
)

// FuncAt finds the innermost function of the cell source src, a
// declaration or a literal, whose body holds the cell position line:col,
// and returns the cell line of its func keyword and its name ("" for a
// literal). ok is false when no function's body holds the position, or src
// does not parse.
//
// The interpreter places a panic in a function at the function's first
// statement, not at the statement that panicked (traefik/yaegi#1266): the
// worker uses FuncAt to name the function and the line it starts on
// instead of a line it cannot vouch for.
func FuncAt(src string, line, col int) (funcLine int, name string, ok bool) {
	c, err := Parse(src)
	if err != nil {
		return 0, "", false
	}
	type found struct {
		line int
		name string
	}
	var best *found
	within := func(lb, rb token.Position, shiftL, shiftR int) bool {
		after := line > lb.Line || line == lb.Line && col > lb.Column-shiftL
		before := line < rb.Line || line == rb.Line && col < rb.Column-shiftR
		return after && before
	}
	visit := func(root ast.Node, pos func(token.Pos) (token.Position, int)) {
		ast.Inspect(root, func(n ast.Node) bool {
			var body *ast.BlockStmt
			var fn token.Pos
			var fname string
			switch n := n.(type) {
			case *ast.FuncDecl:
				body, fn, fname = n.Body, n.Type.Func, n.Name.Name
			case *ast.FuncLit:
				body, fn = n.Body, n.Type.Func
			}
			if body == nil {
				return true
			}
			lb, sl := pos(body.Lbrace)
			rb, sr := pos(body.Rbrace)
			if within(lb, rb, sl, sr) {
				// Inspect goes from outer to inner: the last found is
				// the innermost.
				p, _ := pos(fn)
				best = &found{p.Line, fname}
			}
			return true
		})
	}
	switch {
	case c.CellMagic != nil:
		return 0, "", false
	case c.Program:
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "cell.go", c.Body, parser.SkipObjectResolution)
		if err != nil {
			return 0, "", false
		}
		visit(f, func(p token.Pos) (token.Position, int) { return rawPosition(fset, p), 0 })
	default:
		for i := range c.Chunks {
			ch := &c.Chunks[i]
			if ch.Node == nil {
				continue
			}
			visit(ch.Node, func(p token.Pos) (token.Position, int) { return rawPosition(ch.fset, p), ch.shift(p) })
		}
	}
	if best == nil {
		return 0, "", false
	}
	return best.line, best.name, true
}

// StatementEnd returns the cell line where the top-level statement of the
// cell source src that starts on line ends: line itself for a statement
// of one line, or when no top-level statement starts there.
func StatementEnd(src string, line int) int {
	c, err := Parse(src)
	if err != nil || c.CellMagic != nil || c.Program {
		return line
	}
	for _, ch := range c.Chunks {
		if ch.Line == line {
			return ch.Line + strings.Count(strings.TrimRight(ch.Src, "\n \t"), "\n")
		}
	}
	return line
}
