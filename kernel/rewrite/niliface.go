package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
)

// Nil pointers of the session's types in interfaces. In Go an interface
// that holds a nil *T is not nil (it has a type); the interpreter (yaegi
// v0.16.0) makes a nil interface of it, so
//
//	func get() error { var e *MyErr; return e }   // get() != nil is false
//
// It cannot hold such a value, so where a value of a nil-able session type
// (a pointer to one, or one made of a pointer, slice, map, function or
// channel) becomes an interface, the value is checked when the cell runs:
// a nil one stops the cell with a panic that says so, any other goes on as
// before. A conversion of nil itself ((*T)(nil)) is refused before the cell
// runs.

// nilIfaceCheck checks e, which becomes a value of type target.
func (r *rewriter) nilIfaceCheck(e ast.Expr, target types.Type) {
	if e == nil || target == nil || !types.IsInterface(target) || r.inGeneric(e) {
		return
	}
	t := r.typeOf(e)
	if t == nil || types.IsInterface(t) || !nilableSessionType(t) || nonNil(e) {
		return
	}
	if tv, ok := r.info.Types[e]; ok && tv.IsNil() {
		return
	}
	name := types.TypeString(t, r.w.userQualifier)
	if call, ok := ast.Unparen(e).(*ast.CallExpr); ok && len(call.Args) == 1 {
		if tv, ok := r.info.Types[call.Fun]; ok && tv.IsType() {
			if av, ok := r.info.Types[call.Args[0]]; ok && av.IsNil() {
				r.failf(e, "a nil %s in an interface: the interpreter makes a nil interface of it, where Go's interface holds the type and is not nil; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native", name)
				return
			}
		}
	}
	ts, ok := r.w.typeString(t, false)
	if !ok {
		return
	}
	msg := fmt.Sprintf("not supported by the interpreter: a nil %s was put into an interface (%s); the interpreter would make a nil interface of it, where Go's holds the type and is not nil; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
		name, types.TypeString(target, r.w.userQualifier))
	v := r.newName("N")
	// Into a non-empty interface (error has its own way, errors.go) the
	// value goes through a variable of that interface: the interpreter
	// hands a session value to native code without its methods otherwise
	// (see nativeIfaceArg).
	ret, result := v, ts
	if it, ok := target.Underlying().(*types.Interface); ok && !it.Empty() && types.Implements(t, it) && !types.Identical(target, types.Universe.Lookup("error").Type()) {
		if is, ok := r.w.typeString(target, false); ok {
			ret, result = fmt.Sprintf("func() %s { var %sI %s = %s; return %sI }()", is, v, is, v, v), is
		}
	}
	r.Add(r.off(e.Pos()), r.off(e.End()), func() string {
		return fmt.Sprintf("func() %s { %s := %s; if %s == nil { panic(%s) }; return %s }()", result, v, r.span(e), v, strconv.Quote(msg), ret)
	})
}

// nilableSessionType reports whether t is a type of the session (or a
// pointer to one) whose values may be nil.
func nilableSessionType(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		nt, isNamed := p.Elem().(*types.Named)
		return isNamed && nt.Obj().Pkg() != nil && nt.Obj().Pkg().Path() == "main"
	}
	nt, ok := t.(*types.Named)
	if !ok || nt.Obj().Pkg() == nil || nt.Obj().Pkg().Path() != "main" {
		return false
	}
	switch nt.Underlying().(type) {
	case *types.Pointer, *types.Slice, *types.Map, *types.Signature, *types.Chan:
		return true
	}
	return false
}

// nonNil reports whether e is never nil: an address, a composite or
// function literal, new or make.
func nonNil(e ast.Expr) bool {
	switch x := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		return x.Op == token.AND
	case *ast.CompositeLit, *ast.FuncLit:
		return true
	case *ast.CallExpr:
		if id, ok := ast.Unparen(x.Fun).(*ast.Ident); ok && (id.Name == "new" || id.Name == "make") {
			return true
		}
	}
	return false
}

// nilIfaces checks the values of n that become interfaces: assigned,
// declared, returned, passed, put into composite literals or sent.
func (r *rewriter) nilIfaces(n ast.Node) {
	r.valuesInto(n, func(e ast.Expr, target types.Type, nativeArg bool) {
		if nativeArg {
			if t := r.typeOf(e); t == nil || types.NewMethodSet(t).Len() == 0 {
				return // native code sees no methods, and nil either way
			}
		}
		r.nilIfaceCheck(e, target)
	})
}

// nativeCallee reports whether f is a function or method of another
// package than the session's.
func (r *rewriter) nativeCallee(f ast.Expr) bool {
	switch f := ast.Unparen(f).(type) {
	case *ast.SelectorExpr:
		if _, _, ok := r.pkgMember(f); ok {
			return true
		}
		if sel, ok := r.info.Selections[f]; ok {
			return sel.Obj().Pkg() != nil && sel.Obj().Pkg().Path() != "main"
		}
	}
	return false
}
