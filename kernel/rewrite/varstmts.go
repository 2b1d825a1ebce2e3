package rewrite

import (
	"go/ast"
	"go/token"
	"strings"
)

// A var declaration with values among the cell's statements (the worker
// makes those that follow statements statements). The interpreter (yaegi
// v0.16.0) takes a var declaration at the top level for a package
// variable, whose value it cannot compute from the variables of
// statements ("variable definition loop"); a short variable declaration
// of the same value is a statement, which it runs where it is written:
//
//	var s fmt.Stringer = acct  ->  s := *new(fmt.Stringer); s = acct
//	var a, b = f()             ->  a, b := f()

// varsInOrder rewrites the var declarations with values at the top level
// of a statement item.
func (r *rewriter) varsInOrder() {
	if r.it.decl {
		return
	}
	for _, n := range r.it.nodes {
		ds, ok := n.(*ast.DeclStmt)
		if !ok {
			continue
		}
		gd, ok := ds.Decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		var stmts []string
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Values) == 0 || (vs.Type != nil && len(vs.Values) != len(vs.Names)) {
				return // left as it is
			}
			var names, vals, zeros []string
			blank := true
			for _, id := range vs.Names {
				names = append(names, id.Name)
				blank = blank && id.Name == "_"
			}
			for _, v := range vs.Values {
				vals = append(vals, r.span(v))
			}
			lhs := strings.Join(names, ", ")
			switch {
			case blank:
				stmts = append(stmts, lhs+" = "+strings.Join(vals, ", "))
			case vs.Type != nil:
				// Declared with their type, then assigned: the interpreter
				// fails to convert a session value to an interface in
				// x := (I)(v).
				for range vs.Names {
					zeros = append(zeros, "*new("+r.span(vs.Type)+")")
				}
				stmts = append(stmts, lhs+" := "+strings.Join(zeros, ", "), lhs+" = "+strings.Join(vals, ", "))
			default:
				stmts = append(stmts, lhs+" := "+strings.Join(vals, ", "))
			}
		}
		// The same number of lines, for the positions after it.
		r.replace(gd, strings.Join(stmts, "; ")+strings.Repeat("\n", strings.Count(r.Src[r.off(gd.Pos()):r.off(gd.End())], "\n")))
	}
}
