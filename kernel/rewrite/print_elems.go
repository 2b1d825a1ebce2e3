package rewrite

import (
	"go/ast"
	"go/types"
	"strings"
)

// A slice or array of a session type with a String or Error method,
// printed whole by %v, %s or a Print function: fmt in the interpreter
// would print the elements' fields (see printArgs), so the argument
// becomes a native Stringer that prints "[" and each element as fmt
// prints it when it is given the element itself, separated by spaces, and
// "]" -- what Go prints.

// printElems rewrites argument i of the print call n, of type t, when it
// is such a slice or array and fmt would print it with its verb %v, %+v or
// %s without other flags; it reports whether it did.
func (r *rewriter) printElems(n *ast.CallExpr, name string, i int, a ast.Expr, t types.Type) bool {
	var elem types.Type
	switch u := t.Underlying().(type) {
	case *types.Slice:
		elem = u.Elem()
	case *types.Array:
		elem = u.Elem()
	default:
		return false
	}
	if nt, ok := t.(*types.Named); ok && nt.Obj().Pkg() != nil && nt.Obj().Pkg().Path() != "main" {
		return false
	}
	if b, ok := elem.Underlying().(*types.Basic); ok && b.Kind() == types.Uint8 {
		return false // %s prints a byte slice as text
	}
	if !elemPrinted(elem) {
		return false
	}
	if strings.HasSuffix(name, "f") {
		// %+v calls the methods as %v does.
		uses, ok := r.argVerbs(n, i, func(verb rune, flags string) bool {
			return (verb == 'v' || verb == 's') && (flags == "" || flags == "+" && verb == 'v')
		})
		if !ok || uses != 1 {
			return false
		}
	}
	el := "_gocurrentElems[_gocurrentI]"
	if types.NewMethodSet(elem).Lookup(nil, "Error") != nil {
		// An error goes to fmt as errorArgs (errors.go) hands it.
		in := r.asError(a)
		if in == "" {
			return false
		}
		el = in + "(" + el + ")"
	}
	if r.numbers == nil {
		r.numbers = map[ast.Expr]bool{}
	}
	r.numbers[a] = true // printed by its elements' methods: not for valueVerbs
	r.w.stdAlias["fmt"] = true
	r.wrap(a, "func() "+StdAliasName("fmt")+".Stringer { _gocurrentElems := ",
		"; return "+NativeAlias+".Elems(len(_gocurrentElems), func(_gocurrentI int) string { return "+StdAliasName("fmt")+".Sprint("+el+") }) }()")
	return true
}

// asError is the name of the library's AsError function, which hands
// the interpreter's fmt an error of a session type ("" if it is missing).
func (r *rewriter) asError(at ast.Expr) string {
	lib := r.w.lib.pkgs["gocurrent_errors"]
	obj, _ := lib.pkg.Scope().Lookup("AsError").(*types.Func)
	if in := r.instanceOf(at, obj, nil); in != nil {
		return in.Name
	}
	return ""
}

// elemPrinted reports whether fmt prints an element of type t with its
// String or Error method: a session type (or a pointer to one) that has
// one.
func elemPrinted(t types.Type) bool {
	nt, ok := types.Unalias(t).(*types.Named)
	if p, isPtr := types.Unalias(t).(*types.Pointer); isPtr {
		nt, ok = types.Unalias(p.Elem()).(*types.Named)
	}
	if !ok || nt.Obj().Pkg() == nil || nt.Obj().Pkg().Path() != "main" {
		return false
	}
	return hasTextMethod(t)
}

// The result of a generic function, or of a method of a generic type,
// of a session type with a String or Error method, given straight to fmt:
// the interpreter hands fmt the value without its methods ({a 3} where Go
// prints a(3)). A conversion to its own type gives fmt the methods.

// printGenericResult converts argument i of the print call n, of type t,
// to t when it is such a result and fmt calls its method; it reports
// whether it did.
func (r *rewriter) printGenericResult(n *ast.CallExpr, name string, i int, a ast.Expr, t types.Type) bool {
	if !elemPrinted(t) || !r.genericResult(a) {
		return false
	}
	if strings.HasSuffix(name, "f") {
		if _, ok := r.argVerbs(n, i, func(verb rune, _ string) bool { return strings.ContainsRune("vsq", verb) }); !ok {
			return false
		}
	}
	conv := parenType(types.TypeString(t, r.w.qualifier))
	if types.NewMethodSet(t).Lookup(nil, "Error") != nil {
		// What errorArgs (errors.go) does to an error, after the
		// conversion.
		in := r.asError(a)
		if in == "" {
			return false
		}
		if r.numbers == nil {
			r.numbers = map[ast.Expr]bool{}
		}
		r.numbers[a] = true // done: not an error for errorArgs any more
		r.wrap(a, in+"("+conv+"(", "))")
		return true
	}
	r.wrap(a, conv+"(", ")")
	return true
}

// genericResult reports whether e is a call of a generic function or of a
// method of a generic type.
func (r *rewriter) genericResult(e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	fun := ast.Unparen(call.Fun)
	switch f := fun.(type) {
	case *ast.IndexExpr:
		fun = f.X
	case *ast.IndexListExpr:
		fun = f.X
	}
	switch f := fun.(type) {
	case *ast.Ident:
		_, ok := r.info.Instances[f]
		return ok
	case *ast.SelectorExpr:
		if _, ok := r.info.Instances[f.Sel]; ok {
			return true
		}
		if sel, ok := r.info.Selections[f]; ok {
			if fn, ok := sel.Obj().(*types.Func); ok {
				return fn.Origin() != fn
			}
		}
	}
	return false
}

// argVerbs reports how many verbs of the formatting call n (a constant
// format without explicit argument indexes) format its argument i, and
// whether each of them, with its flags, passes accept.
func (r *rewriter) argVerbs(n *ast.CallExpr, i int, accept func(verb rune, flags string) bool) (int, bool) {
	_, format, args, ok := r.formatCall(n)
	if !ok {
		return 0, false
	}
	verbs, indexed := formatVerbs(format)
	if indexed {
		return 0, false
	}
	uses := 0
	for _, v := range verbs {
		if v.arg != i-(len(n.Args)-len(args)) {
			continue
		}
		uses++
		if !accept(v.verb, format[strings.LastIndexByte(format[:v.at], '%')+1:v.at]) {
			return uses, false
		}
	}
	return uses, true
}
