package rewrite

import (
	"go/ast"
	"go/types"
)

// The builtins of Go 1.21 that the interpreter (yaegi v0.16.0) lacks: min
// and max (github.com/traefik/yaegi/issues/1674) become calls of instances
// of the library's Min and Max, or their value when constant; clear becomes
// a call of the native helpers. print and println, which the interpreter
// writes elsewhere than the cell's standard error, become native helpers
// too.

// builtinCall rewrites the builtins the interpreter lacks or gets wrong,
// and runtime.NumGoroutine, which would count the kernel's own goroutines:
// the native helper counts the cells' (the running cell's own as a
// program's main goroutine).
func (r *rewriter) builtinCall(n *ast.CallExpr) {
	if path, name, ok := r.pkgMember(n.Fun); ok && path == "runtime" && name == "NumGoroutine" {
		r.replace(n.Fun, NativeAlias+".NumGoroutine")
		return
	}
	id, ok := ast.Unparen(n.Fun).(*ast.Ident)
	if !ok {
		return
	}
	if b, isBuiltin := r.info.Uses[id].(*types.Builtin); !isBuiltin {
		if r.info.Uses[id] != nil || r.w.lib == nil {
			return
		}
		// Without types: a builtin unless the session declares the name.
		if _, declared := r.chk.s.Names[id.Name]; declared {
			return
		}
	} else if b.Name() != id.Name {
		return
	}
	switch id.Name {
	case "print", "println":
		name := "Print"
		if id.Name == "println" {
			name = "Println"
		}
		r.replace(n.Fun, NativeAlias+"."+name)
	case "clear":
		r.replace(n.Fun, NativeAlias+".Clear")
	case "recover":
		// The interpreter's index panics say what reflect says ("reflect:
		// slice index out of range"), not Go's runtime error with the
		// index and length: a recovered one stops the cell instead of
		// being taken for Go's (worker's Recovered).
		r.wrap(n, NativeAlias+".Recovered(", ")")
	case "min", "max":
		r.minMax(n, id.Name)
	}
}

// minMax rewrites min and max: a constant call becomes its value, any
// other a call of an instance of the library's Min or Max.
func (r *rewriter) minMax(n *ast.CallExpr, name string) {
	tv, ok := r.info.Types[n]
	if ok && tv.Value != nil {
		if lit, ok := constantText(tv, r.w); ok {
			r.replace(n, lit)
			return
		}
	}
	t := r.typeOf(n)
	if t == nil {
		return
	}
	lib := r.w.lib.pkgs["gocurrent_builtin"]
	fn := "Min"
	if name == "max" {
		fn = "Max"
	}
	obj, _ := lib.pkg.Scope().Lookup(fn).(*types.Func)
	if b, ok := t.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		t = types.Default(t)
	}
	in := r.instanceOf(n, obj, []types.Type{t})
	if in == nil {
		return
	}
	r.replace(n.Fun, in.Name)
}
