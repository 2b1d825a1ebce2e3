package rewrite

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// Errors of the session's types.
//
// The interpreter (yaegi v0.16.0) gives a value of an interpreted type to
// native code without its methods (as with fmt's Stringer,
// github.com/traefik/yaegi/issues/435): errors.Is, As and Unwrap miss the
// Unwrap, Is and As methods of the session's errors in a chain, errors.As
// panics on a target of a session type, and fmt.Errorf("%w", &MyErr{})
// does not wrap. errors.Is, As and Unwrap become calls of the library's
// copies (lib/errors.go.txt), and values of the session's error types given
// to native functions go through the library's AsError.

// errorsCall rewrites errors.Is, errors.As and errors.Unwrap as calls of
// the library's copies in interpreted code: the native functions cannot
// see the methods (Unwrap, Is, As) of the session's values in a chain,
// and errors.As panics on a target of the session's types.
func (r *rewriter) errorsCall(n *ast.CallExpr) {
	path, name, ok := r.pkgMember(n.Fun)
	if !ok || path != "errors" {
		return
	}
	lib := r.w.lib.pkgs["gocurrent_errors"]
	var targs []types.Type
	switch name {
	case "Is", "Unwrap":
	case "As":
		if len(n.Args) != 2 {
			return
		}
		ptr, ok := r.typeOf(n.Args[1]).(*types.Pointer)
		if !ok {
			return // any: the native As checks it
		}
		targs = []types.Type{ptr.Elem()}
	default:
		return
	}
	obj, _ := lib.pkg.Scope().Lookup(name).(*types.Func)
	if in := r.instanceOf(n, obj, targs); in != nil {
		r.replace(n.Fun, in.Name)
	}
}

// interpretedType reports whether values of t are made by the
// interpreter: a type of the session, a pointer to one, or an interface
// of the session's or written out.
func interpretedType(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	switch t := t.(type) {
	case *types.Named:
		return t.Obj().Pkg() != nil && t.Obj().Pkg().Path() == "main"
	case *types.Interface:
		return !t.Empty()
	}
	return false
}

// sessionErrorCases lists, as type assertions, the session's
// types that have the method the library's function calls (SessionUnwrap:
// Unwrap, SessionIs: Is, SessionAs: As).
func (r *rewriter) sessionErrorCases(fn string) string {
	if r.chk.pkg == nil {
		return ""
	}
	scope := r.chk.pkg.Scope()
	var b strings.Builder
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		nt, ok := tn.Type().(*types.Named)
		if !ok || nt.TypeParams().Len() > 0 {
			continue
		}
		if _, isIface := nt.Underlying().(*types.Interface); isIface {
			continue
		}
		for _, t := range []types.Type{nt, types.NewPointer(nt)} {
			ms := types.NewMethodSet(t)
			expr := name
			if _, ptr := t.(*types.Pointer); ptr {
				expr = "*" + name
			}
			switch fn {
			case "SessionUnwrap":
				if sel := ms.Lookup(nil, "Unwrap"); sel != nil {
					sig := sel.Type().(*types.Signature)
					if sig.Params().Len() == 0 && sig.Results().Len() == 1 {
						if _, many := sig.Results().At(0).Type().(*types.Slice); many {
							fmt.Fprintf(&b, "\tif x, ok := err.(%s); ok {\n\t\treturn nil, x.Unwrap(), true\n\t}\n", expr)
						} else {
							fmt.Fprintf(&b, "\tif x, ok := err.(%s); ok {\n\t\treturn x.Unwrap(), nil, true\n\t}\n", expr)
						}
					}
				}
			case "SessionIs":
				if sel := ms.Lookup(nil, "Is"); sel != nil && sel.Type().(*types.Signature).Params().Len() == 1 {
					fmt.Fprintf(&b, "\tif x, ok := err.(%s); ok {\n\t\treturn x.Is(target)\n\t}\n", expr)
				}
			case "SessionAs":
				if sel := ms.Lookup(nil, "As"); sel != nil && sel.Type().(*types.Signature).Params().Len() == 1 {
					fmt.Fprintf(&b, "\tif x, ok := err.(%s); ok {\n\t\treturn x.As(target)\n\t}\n", expr)
				}
			}
		}
	}
	return b.String()
}

// sessionErrorFunc writes the library's SessionUnwrap, SessionIs or
// SessionAs for the session's types (cases from sessionErrorCases).
func sessionErrorFunc(fn, name, cases string) string {
	if cases == "" {
		switch fn {
		case "SessionUnwrap":
			return fmt.Sprintf("func %s(err error) (error, []error, bool) { return nil, nil, false }", name)
		case "SessionIs":
			return fmt.Sprintf("func %s(err, target error) bool { return false }", name)
		}
		return fmt.Sprintf("func %s(err error, target any) bool { return false }", name)
	}
	// Type assertions, not a type switch: the interpreter's type switch on
	// an error misses the session's types.
	switch fn {
	case "SessionUnwrap":
		return fmt.Sprintf("func %s(err error) (error, []error, bool) {\n%s\treturn nil, nil, false\n}", name, cases)
	case "SessionIs":
		return fmt.Sprintf("func %s(err, target error) bool {\n%s\treturn false\n}", name, cases)
	}
	return fmt.Sprintf("func %s(err error, target any) bool {\n%s\treturn false\n}", name, cases)
}

// errorArgs passes values of the session's error types through the
// library's AsError where a native function takes an interface: the
// interpreter gives such a value to native code without its Error method
// (fmt.Errorf("%w", &MyErr{}) does not wrap it, fmt.Println prints its
// fields), unless it comes out of a function as an error.
func (r *rewriter) errorArgs(n *ast.CallExpr) {
	var sig *types.Signature
	target := -1 // errors.As's target, a pointer to the type it looks for
	switch f := ast.Unparen(n.Fun).(type) {
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			if pn, ok := r.info.Uses[id].(*types.PkgName); ok {
				p := pn.Imported().Path()
				if r.w.lib.pkgs[p] != nil || p == NativePath {
					return
				}
				if p == "errors" && f.Sel.Name == "As" {
					target = 1
				}
				sig, _ = r.typeOf(f).(*types.Signature)
				break
			}
		}
		if sel, ok := r.info.Selections[f]; ok {
			if fn, ok := sel.Obj().(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() != "main" {
				sig, _ = r.typeOf(f).(*types.Signature)
			}
		}
	}
	if sig == nil || n.Ellipsis.IsValid() {
		return
	}
	params := sig.Params()
	for i, a := range n.Args {
		var pt types.Type
		switch {
		case sig.Variadic() && i >= params.Len()-1:
			pt = params.At(params.Len() - 1).Type().(*types.Slice).Elem()
		case i < params.Len():
			pt = params.At(i).Type()
		default:
			return
		}
		if _, ok := pt.Underlying().(*types.Interface); !ok {
			continue
		}
		at := r.typeOf(a)
		if at == nil || r.numbers[a] || i == target {
			continue
		}
		if _, isIface := at.Underlying().(*types.Interface); isIface || !interpretedType(at) {
			continue
		}
		if types.NewMethodSet(at).Lookup(nil, "Error") == nil {
			if !sig.Variadic() || i < params.Len()-1 {
				r.nativeIfaceArg(a, pt, at) // ifacevalues.go
			}
			continue
		}
		lib := r.w.lib.pkgs["gocurrent_errors"]
		obj, _ := lib.pkg.Scope().Lookup("AsError").(*types.Func)
		if in := r.instanceOf(a, obj, nil); in != nil {
			r.wrap(a, in.Name+"(", ")")
		}
	}
}

// valueErrors refuses, in a cell's code, what the interpreter's errors of
// a session type that is not a pointer (type StatusError struct{...} with
// func (e StatusError) Error()) would get wrong: an error does not match
// an assertion to such a type (err.(StatusError) fails, a type switch
// takes default), and errors.As with a pointer to one reports false or
// panics.
func (r *rewriter) valueErrors(n ast.Node) {
	if r.it.inst != nil || r.inGeneric(n) {
		return
	}
	switch n := n.(type) {
	case *ast.TypeAssertExpr:
		if n.Type != nil {
			r.valueErrorTarget(n.Type, r.typeOf(n.X), r.typeOf(n.Type), "a type assertion of an error to")
		}
	case *ast.TypeSwitchStmt:
		x := switched(n)
		if x == nil {
			return
		}
		for _, s := range n.Body.List {
			if cc, ok := s.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					r.valueErrorTarget(e, r.typeOf(x), r.typeOf(e), "a type switch on an error with a case of")
				}
			}
		}
	case *ast.CallExpr:
		if path, name, ok := r.pkgMember(n.Fun); ok && path == "errors" && name == "As" && len(n.Args) == 2 {
			if p, ok := r.typeOf(n.Args[1]).(*types.Pointer); ok {
				r.valueErrorTarget(n.Args[1], types.Universe.Lookup("error").Type(), p.Elem(), "errors.As with a target of")
			}
		}
	}
}

// valueErrorTarget refuses what, of a value of type x, when x is error
// and t a session type that is not a pointer and has the Error method.
func (r *rewriter) valueErrorTarget(at ast.Node, x, t types.Type, what string) {
	if x == nil || t == nil || !types.Identical(x, types.Universe.Lookup("error").Type()) {
		return
	}
	nt, ok := types.Unalias(t).(*types.Named)
	if !ok || nt.Obj().Pkg() == nil || nt.Obj().Pkg().Path() != "main" || types.IsInterface(nt) {
		return
	}
	if types.NewMethodSet(nt).Lookup(nil, "Error") == nil {
		return
	}
	name := nt.Obj().Name()
	r.failf(at, "%s type %s: the interpreter's errors of %s, a type that is not a pointer, do not match it (the assertion fails, errors.As reports false); give %s's methods a pointer receiver and use *%s, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
		what, name, name, name, name)
}
