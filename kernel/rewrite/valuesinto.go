package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
)

// valuesInto calls visit for each value that n gives a place of a type of
// its own: assigned, declared, returned, sent, put into a composite
// literal, converted, or passed to a function other than fmt's and log's
// print functions (which get their arguments with their methods and print
// a nil pointer as <nil>). nativeArg says the value is an argument of a
// function of another package than the session's.
func (r *rewriter) valuesInto(n ast.Node, visit func(e ast.Expr, target types.Type, nativeArg bool)) {
	switch n := n.(type) {
	case *ast.AssignStmt:
		if n.Tok == token.ASSIGN && len(n.Lhs) == len(n.Rhs) {
			for i, l := range n.Lhs {
				visit(n.Rhs[i], r.typeOf(l), false)
			}
		}
	case *ast.ValueSpec:
		if n.Type != nil && len(n.Values) == len(n.Names) {
			for _, v := range n.Values {
				visit(v, r.typeOf(n.Type), false)
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
				visit(e, sig.Results().At(i).Type(), false)
			}
		}
	case *ast.SendStmt:
		if t := r.typeOf(n.Chan); t != nil {
			if ch, ok := t.Underlying().(*types.Chan); ok {
				visit(n.Value, ch.Elem(), false)
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
							visit(kv.Value, f.Type(), false)
						}
					}
				} else if i < u.NumFields() {
					visit(el, u.Field(i).Type(), false)
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
						visit(kv.Key, key, false)
					}
					visit(kv.Value, elem, false)
				} else {
					visit(el, elem, false)
				}
			}
		}
	case *ast.CallExpr:
		if tv, ok := r.info.Types[n.Fun]; ok && tv.IsType() {
			if len(n.Args) == 1 {
				visit(n.Args[0], tv.Type, false)
			}
			return
		}
		if path, name, ok := r.pkgMember(n.Fun); ok {
			if _, isPrint := printFuncs[path][name]; isPrint {
				return
			}
		}
		sig, _ := r.typeOf(n.Fun).(*types.Signature)
		if sig == nil || n.Ellipsis.IsValid() {
			return
		}
		params := sig.Params()
		native := r.nativeCallee(n.Fun)
		for i, a := range n.Args {
			switch {
			case sig.Variadic() && i >= params.Len()-1:
				visit(a, params.At(params.Len()-1).Type().(*types.Slice).Elem(), native)
			case i < params.Len():
				visit(a, params.At(i).Type(), native)
			}
		}
	}
}
