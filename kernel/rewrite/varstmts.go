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
//	var a, b = f()             ->  _gocurrentMV_a, _gocurrentMV_b := f(); a, b := _gocurrentMV_a, _gocurrentMV_b (see resultsOneByOne)

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
			case len(vs.Names) > 1 && len(vs.Values) == 1 && isCall(vs.Values[0]):
				// Several variables from one call: see resultsOneByOne.
				ids := make([]ast.Expr, len(vs.Names))
				for i, id := range vs.Names {
					ids[i] = id
				}
				temps, names, values, _ := r.resultHolders(ids)
				stmts = append(stmts, strings.Join(temps, ", ")+" := "+vals[0], strings.Join(names, ", ")+" := "+strings.Join(values, ", "))
			default:
				stmts = append(stmts, lhs+" := "+strings.Join(vals, ", "))
			}
		}
		// The same number of lines, for the positions after it.
		r.replace(gd, strings.Join(stmts, "; ")+strings.Repeat("\n", strings.Count(r.Src[r.off(gd.Pos()):r.off(gd.End())], "\n")))
	}
}

// Several session variables that a statement takes from one call (yaegi
// v0.16.0): a function declared in a later cell that reads one of them,
// when called from another function declared after it (as the worker runs
// a cell's statements), reads a zero value: a nil dereference, or
// "reflect: call of reflect.Value.Method on zero Value". Variables that
// take a value each are read right, so the call's results go through
// variables of their own first:
//
//	ctx, cancel := context.WithCancel(bg)  ->  _gocurrentMV_ctx, _gocurrentMV_cancel := context.WithCancel(bg); ctx, cancel := _gocurrentMV_ctx, _gocurrentMV_cancel
//	f, _ := os.Open(name)                  ->  _gocurrentMV_f, _ := os.Open(name); f := _gocurrentMV_f

// mvPrefix names the variables that hold a call's results first.
const mvPrefix = "_gocurrentMV_"

// resultsOneByOne rewrites the statements at the top level of a statement
// item that declare several variables from one call.
func (r *rewriter) resultsOneByOne() {
	if r.it.decl {
		return
	}
	for _, n := range r.it.nodes {
		as, ok := n.(*ast.AssignStmt)
		if !ok || as.Tok != token.DEFINE || len(as.Lhs) < 2 || len(as.Rhs) != 1 {
			continue
		}
		if !isCall(as.Rhs[0]) {
			continue
		}
		temps, names, values, ok := r.resultHolders(as.Lhs)
		if !ok {
			continue
		}
		r.Put(r.off(as.Lhs[0].Pos()), r.off(as.TokPos), strings.Join(temps, ", ")+" ")
		r.insert(r.off(as.End()), "; "+strings.Join(names, ", ")+" := "+strings.Join(values, ", "))
	}
}

func isCall(e ast.Expr) bool {
	_, ok := ast.Unparen(e).(*ast.CallExpr)
	return ok
}

// resultHolders returns, for the names on the left of a definition, the
// variables that hold the call's results first ("_" stays "_"), and the
// names and values of the definition that follows; ok is false when
// there is nothing to define (all names blank) or a name is not one.
func (r *rewriter) resultHolders(lhs []ast.Expr) (temps, names, values []string, ok bool) {
	for _, e := range lhs {
		id, isID := e.(*ast.Ident)
		if !isID {
			return nil, nil, nil, false
		}
		if id.Name == "_" {
			temps = append(temps, "_")
			continue
		}
		temps = append(temps, mvPrefix+id.Name)
		names = append(names, id.Name)
		values = append(values, mvPrefix+id.Name)
	}
	return temps, names, values, len(names) > 0
}
