package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// Plain cells.
//
// Most of a trivial cell's time in the worker went to its type check
// (parsing the session's declarations it uses, go/types) although nothing
// in it could be rewritten: x = 2, n++, total += x * 2, or x + 1. Such a
// cell is plain when it is made only of:
//
//   - assignments with = or an operator (+=, ...), one variable on each
//     side, increments and decrements, and expression statements;
//   - literals of numbers, strings and runes, parentheses, and unary and
//     binary operators other than the receive <- and the address &, and
//     other than / and % (an integer division by zero panics) and the
//     shifts (a shift by a negative count panics);
//   - names of session variables a statement declared (x := ..., var x
//     T), whose type is a boolean, a string or a number (not a named
//     type, which may have methods), as the check of their cell typed
//     them; true and false.
//
// Every rewrite (visit in rewriter.go) needs something else: a call, a
// selector, an index, a function literal, a composite literal, an
// interface, a declaration, a statement with a body, or several
// variables in one assignment. The check of a plain cell finds nothing
// the interpreter does not find too (checkRefusal looks for channel
// sends), and a plain cell declares nothing whose type the next checks
// need. So Cell returns an empty plan for it without a check.
//
// A plain cell cannot panic and makes no function literal: the worker
// runs its statements where they are, at the session's top level, not in
// a function of their own (kernel/worker, evalGroup), and shows its value
// as the evaluation gives it, held in no variable (evalFinal).

// plain reports whether cell c of session s is plain.
func (w *Rewriter) plain(s *Session, c *cell.Cell) bool {
	if len(c.Chunks) == 0 {
		return false
	}
	for i := range c.Chunks {
		ch := &c.Chunks[i]
		if (ch.Kind != cell.Stmt && ch.Kind != cell.Expr) || len(ch.Names) > 0 || ch.Node == nil {
			return false
		}
		if !w.plainNode(s, ch.Node) {
			return false
		}
	}
	return true
}

// plainNode reports whether n is a statement or expression a plain cell
// may hold, with all it contains.
func (w *Rewriter) plainNode(s *Session, n ast.Node) bool {
	switch n := n.(type) {
	case *ast.AssignStmt:
		if n.Tok == token.DEFINE || mayPanic(n.Tok) || len(n.Lhs) != 1 || len(n.Rhs) != 1 {
			return false
		}
		if _, ok := n.Lhs[0].(*ast.Ident); !ok {
			return false
		}
		return w.plainNode(s, n.Lhs[0]) && w.plainNode(s, n.Rhs[0])
	case *ast.IncDecStmt:
		_, ok := n.X.(*ast.Ident)
		return ok && w.plainNode(s, n.X)
	case *ast.ExprStmt:
		return w.plainNode(s, n.X)
	case *ast.ParenExpr:
		return w.plainNode(s, n.X)
	case *ast.UnaryExpr:
		return n.Op != token.ARROW && n.Op != token.AND && w.plainNode(s, n.X)
	case *ast.BinaryExpr:
		return !mayPanic(n.Op) && w.plainNode(s, n.X) && w.plainNode(s, n.Y)
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		return w.plainName(s, n.Name)
	}
	return false
}

// mayPanic reports whether op panics with some operands of basic types.
func mayPanic(op token.Token) bool {
	switch op {
	case token.QUO, token.REM, token.SHL, token.SHR,
		token.QUO_ASSIGN, token.REM_ASSIGN, token.SHL_ASSIGN, token.SHR_ASSIGN:
		return true
	}
	return false
}

// plainName reports whether name, in a plain cell, is a session variable
// of a basic type or one of the constants true and false.
func (w *Rewriter) plainName(s *Session, name string) bool {
	if s.Names[name] != "var" || s.Decls[name] != "" {
		_, declared := s.Names[name]
		return !declared && (name == "true" || name == "false")
	}
	t, ok := w.varTypes[name].(*types.Basic)
	return ok && t.Kind() != types.Invalid && t.Kind() != types.UnsafePointer && t.Info()&types.IsUntyped == 0
}
