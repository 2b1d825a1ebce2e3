package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// Assignments the interpreter (yaegi v0.16.0) gets wrong: a, b = x, f()
// zeroes x's destination, "return <-c" and "s[i] = <-c" lose the value,
// and "v, ok := <-c" (or m[k], x.(T)) at a cell's top level panics.

// parallelAssign rewrites a, b = x, f(): when a value on the right is a
// call or a receive, the interpreter assigns only those and zeroes the
// others. The values go through new variables first (a := with calls is
// right), constants stay where they are:
//
//	a, b = x, f()  ->  { T0, T1 := x, f(); a, b = T0, T1 }
func (r *rewriter) parallelAssign(n *ast.AssignStmt) {
	if n.Tok != token.ASSIGN || len(n.Lhs) < 2 || len(n.Lhs) != len(n.Rhs) {
		return
	}
	switch r.parent[n].(type) {
	case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
	case nil:
		// A statement of the cell's top level.
	default:
		return // a for loop's post statement, an if's init: left as is
	}
	if c, ok := r.parent[n].(*ast.CommClause); ok && c.Comm == n {
		return
	}
	risky := false
	for _, e := range n.Rhs {
		ast.Inspect(e, func(x ast.Node) bool {
			switch x := x.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CallExpr:
				risky = true
			case *ast.UnaryExpr:
				if x.Op == token.ARROW {
					risky = true
				}
			}
			return !risky
		})
	}
	if !risky {
		return
	}
	type part struct {
		e     ast.Expr
		fixed bool // a constant or nil
	}
	var parts []part
	for _, e := range n.Rhs {
		tv := r.info.Types[e]
		parts = append(parts, part{e, tv.Value != nil || tv.IsNil()})
	}
	r.Add(r.off(n.Pos()), r.off(n.End()), func() string {
		var tmps, vals, rhs, lhs []string
		for _, l := range n.Lhs {
			lhs = append(lhs, r.span(l))
		}
		for _, p := range parts {
			if p.fixed {
				rhs = append(rhs, r.span(p.e))
				continue
			}
			t := r.newName("T")
			tmps = append(tmps, t)
			vals = append(vals, r.span(p.e))
			rhs = append(rhs, t)
		}
		return fmt.Sprintf("{ %s := %s; %s = %s }", strings.Join(tmps, ", "), strings.Join(vals, ", "), strings.Join(lhs, ", "), strings.Join(rhs, ", "))
	})
}

// parenReceives puts receive operations that are whole values of an
// assignment or a return in parentheses: the interpreter loses the value
// of "return <-c" and of "s[i] = <-c" (it panics or stores nothing), and
// gets the parenthesized forms right.
func (r *rewriter) parenReceives(es []ast.Expr) {
	for _, e := range es {
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.ARROW {
			r.wrap(u, "(", ")")
		}
	}
}

// topCommaOk rewrites "v, ok := <-c" (and m[k], x.(T)) at the cell's top
// level, where the interpreter panics ("nil type"), as the call of a
// function that does the same inside:
//
//	v, ok := func() (T, bool) { v, ok := <-c; return v, ok }()
func (r *rewriter) topCommaOk(n *ast.AssignStmt) {
	if r.it.chunk == nil || r.it.decl || n.Tok != token.DEFINE || len(n.Lhs) != 2 || len(n.Rhs) != 1 {
		return
	}
	top := false
	for _, x := range r.it.nodes {
		if x == n {
			top = true
		}
	}
	if !top {
		return
	}
	rhs := ast.Unparen(n.Rhs[0])
	switch x := rhs.(type) {
	case *ast.UnaryExpr:
		if x.Op != token.ARROW {
			return
		}
	case *ast.IndexExpr:
		if t := r.typeOf(x.X); t == nil {
			return
		} else if _, isMap := t.Underlying().(*types.Map); !isMap {
			return
		}
	case *ast.TypeAssertExpr:
	default:
		return
	}
	t := r.typeOf(rhs)
	if tup, isTuple := t.(*types.Tuple); isTuple && tup.Len() == 2 {
		t = tup.At(0).Type() // the check records the comma-ok pair
	}
	if t == nil {
		return
	}
	ts, ok := r.w.typeString(t, false)
	if !ok {
		return
	}
	r.Add(r.off(rhs.Pos()), r.off(rhs.End()), func() string {
		return fmt.Sprintf("func() (%s, bool) { _gocurrentA, _gocurrentB := %s; return _gocurrentA, _gocurrentB }()", ts, r.span(rhs))
	})
}
