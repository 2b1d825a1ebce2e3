package rewrite

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// The standard library of Go 1.23 and later. The interpreter (yaegi
// v0.16.0) has the symbols of Go 1.22's standard library without its
// generic functions: a member the Host says it lacks, and the library has
// no replacement for, is refused with a message; iter.Seq and iter.Seq2
// become the function types they stand for.

// selector checks that a package member exists in the interpreter, and
// points library functions at the library.
func (r *rewriter) selector(n *ast.SelectorExpr) {
	id, ok := n.X.(*ast.Ident)
	if !ok {
		return
	}
	pn, ok := r.info.Uses[id].(*types.PkgName)
	if !ok {
		return
	}
	path := pn.Imported().Path()
	name := n.Sel.Name
	if _, isInst := r.info.Instances[n.Sel]; isInst {
		switch obj := r.info.Uses[n.Sel].(type) {
		case *types.Func:
			return // instantiate handles it
		case *types.TypeName:
			if lp := r.w.lib.byStd[path]; lp != nil && lp.types[obj.Name()] != nil {
				return // instantiateType handles it
			}
		}
	}
	if lp := r.w.lib.pkgs[path]; lp != nil {
		// A function of the library named by an instance (errors.Is
		// calling itself): its copy too.
		if fn, ok := r.info.Uses[n.Sel].(*types.Func); ok && fn.Type().(*types.Signature).TypeParams().Len() == 0 {
			if in := r.instanceOf(n, fn, nil); in != nil {
				r.replace(n, in.Name)
			}
			return
		}
	}
	if r.w.host.Has(path, name) {
		return
	}
	if path == "iter" && (name == "Seq" || name == "Seq2") {
		return // iterType handles it
	}
	obj := pn.Imported().Scope().Lookup(name)
	if obj == nil {
		return // not in Go either: the interpreter reports it
	}
	if r.inGenericFunc(n) {
		return
	}
	r.failf(n, "%s.%s is not in the interpreter's standard library (that of Go 1.22, without its generic functions and types), and the kernel has no replacement for it; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native", pn.Imported().Name(), name)
}

// iterType rewrites iter.Seq[T] and iter.Seq2[K, V] as the function types
// they stand for: the interpreter's generic types are fragile.
func (r *rewriter) iterType(n ast.Expr, indices []ast.Expr) {
	var x ast.Expr
	switch n := n.(type) {
	case *ast.IndexExpr:
		x = n.X
	case *ast.IndexListExpr:
		x = n.X
	}
	path, name, ok := r.pkgMember(x)
	if !ok || path != "iter" {
		return
	}
	if (name == "Seq" && len(indices) == 1) || (name == "Seq2" && len(indices) == 2) {
		conv := false
		if call, ok := r.parent[n].(*ast.CallExpr); ok && call.Fun == n {
			conv = true
		}
		r.Add(r.off(n.Pos()), r.off(n.End()), func() string {
			var ts []string
			for _, e := range indices {
				ts = append(ts, r.span(e))
			}
			t := fmt.Sprintf("func(yield func(%s) bool)", strings.Join(ts, ", "))
			if conv {
				t = "(" + t + ")"
			}
			return t
		})
	}
}
