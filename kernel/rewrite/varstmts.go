package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
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

// ifaceConversion rewrites the conversion of a value of a session type to
// an interface type, I(v): the interpreter makes of it an interface value
// that later type assertions to other interfaces do not match (any(v) of
// a Named(person{}) fails .(Greeter)), where an assignment makes a right
// one:
//
//	Named(p)  ->  func() Named { var v Named = p; return v }()
func (r *rewriter) ifaceConversion(n *ast.CallExpr) {
	if len(n.Args) != 1 || n.Ellipsis.IsValid() {
		return
	}
	tv, ok := r.info.Types[n.Fun]
	if !ok || !tv.IsType() || !types.IsInterface(tv.Type) {
		return
	}
	at := r.typeOf(n.Args[0])
	if at == nil || types.IsInterface(at) || !interpretedType(at) {
		return
	}
	t, ok := r.w.typeString(tv.Type, false)
	if !ok {
		return
	}
	arg := n.Args[0]
	r.Add(r.off(n.Pos()), r.off(n.End()), func() string {
		return "func() " + t + " { var _gocurrentV " + t + " = " + r.span(arg) + "; return _gocurrentV }()"
	})
}

// nativeIfaceArg passes a value a of the session's type at to a native
// function's parameter of the non-empty interface type pt through an
// interface variable: the interpreter hands it over without its methods
// otherwise (sort.Sort(list), heap.Push(h, x): "reflect: Call using
// []int as type sort.Interface"), while a value that comes out of an
// interface variable keeps them.
//
//	sort.Sort(l)  ->  sort.Sort(func() sort.Interface { var v sort.Interface = l; return v }())
//
// Values that may be nil (pointers, slices, maps) are left to the check
// that they are not, which does the same (niliface.go), and variadic
// arguments to variadic.go.
func (r *rewriter) nativeIfaceArg(a ast.Expr, pt, at types.Type) {
	it, ok := pt.Underlying().(*types.Interface)
	if nilableSessionType(at) || !ok || it.Empty() || !types.Implements(at, it) {
		return
	}
	t, ok := r.w.typeString(pt, false)
	if !ok {
		return
	}
	r.Add(r.off(a.Pos()), r.off(a.End()), func() string {
		return "func() " + t + " { var _gocurrentV " + t + " = " + r.span(a) + "; return _gocurrentV }()"
	})
}
