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
	switch n := n.(type) {
	case *ast.AssignStmt:
		if n.Tok == token.ASSIGN && len(n.Lhs) == len(n.Rhs) {
			for i, l := range n.Lhs {
				r.nilIfaceCheck(n.Rhs[i], r.typeOf(l))
			}
		}
	case *ast.ValueSpec:
		if n.Type != nil && len(n.Values) == len(n.Names) {
			for _, v := range n.Values {
				r.nilIfaceCheck(v, r.typeOf(n.Type))
			}
		}
	case *ast.ReturnStmt:
		var sig *types.Signature
		switch f := r.enclosingFunc(n).(type) {
		case *ast.FuncLit:
			sig, _ = r.typeOf(f).(*types.Signature)
		case *ast.FuncDecl:
			if obj, ok := r.info.Defs[f.Name].(*types.Func); ok {
				sig, _ = obj.Type().(*types.Signature)
			}
		}
		if sig != nil && sig.Results().Len() == len(n.Results) {
			for i, e := range n.Results {
				r.nilIfaceCheck(e, sig.Results().At(i).Type())
			}
		}
	case *ast.SendStmt:
		if ch, ok := r.typeOf(n.Chan).(*types.Chan); ok {
			r.nilIfaceCheck(n.Value, ch.Elem())
		} else if t := r.typeOf(n.Chan); t != nil {
			if ch, ok := t.Underlying().(*types.Chan); ok {
				r.nilIfaceCheck(n.Value, ch.Elem())
			}
		}
	case *ast.CompositeLit:
		t := r.typeOf(n)
		if t == nil {
			return
		}
		switch u := t.Underlying().(type) {
		case *types.Struct:
			for i, el := range n.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						if f, ok := r.info.Uses[id].(*types.Var); ok {
							r.nilIfaceCheck(kv.Value, f.Type())
						}
					}
				} else if i < u.NumFields() {
					r.nilIfaceCheck(el, u.Field(i).Type())
				}
			}
		case *types.Slice, *types.Array, *types.Map:
			var key, elem types.Type
			switch u := u.(type) {
			case *types.Slice:
				elem = u.Elem()
			case *types.Array:
				elem = u.Elem()
			case *types.Map:
				key, elem = u.Key(), u.Elem()
			}
			for _, el := range n.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					if key != nil {
						r.nilIfaceCheck(kv.Key, key)
					}
					r.nilIfaceCheck(kv.Value, elem)
				} else {
					r.nilIfaceCheck(el, elem)
				}
			}
		}
	case *ast.CallExpr:
		if tv, ok := r.info.Types[n.Fun]; ok && tv.IsType() {
			if len(n.Args) == 1 {
				r.nilIfaceCheck(n.Args[0], tv.Type)
			}
			return
		}
		if path, name, ok := r.pkgMember(n.Fun); ok {
			if _, isPrint := printFuncs[path][name]; isPrint {
				return // fmt prints a nil pointer as <nil> either way
			}
		}
		sig, _ := r.typeOf(n.Fun).(*types.Signature)
		if sig == nil || n.Ellipsis.IsValid() {
			return
		}
		params := sig.Params()
		native := r.nativeCallee(n.Fun)
		for i, a := range n.Args {
			if t := r.typeOf(a); native && (t == nil || types.NewMethodSet(t).Len() == 0) {
				continue // native code sees no methods, and nil either way
			}
			switch {
			case sig.Variadic() && i >= params.Len()-1:
				r.nilIfaceCheck(a, params.At(params.Len()-1).Type().(*types.Slice).Elem())
			case i < params.Len():
				r.nilIfaceCheck(a, params.At(i).Type())
			}
		}
	}
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
