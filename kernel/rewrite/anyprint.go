package rewrite

import (
	"fmt"
	"go/ast"
	"go/types"
	"sort"
	"strings"
)

// Values of the session's types with a String or Error method in an
// empty interface. The interpreter (yaegi v0.16.0) keeps such a value in
// a variable of type any without its methods, or with a reference to
// the expression that made it, which fmt reads again in the frame that
// prints it: fmt printed the fields ({3}), <nil>, or a panic of the
// String method where Go prints the method's text. A value given to fmt
// as it is, of its own type, prints right.
//
//   - An argument of an empty interface type of a formatting call of fmt
//     or log, printed with a verb that calls the method (%v, %s, %q, %x,
//     %X, and Print and Println), is given to fmt through an interface
//     variable of error or fmt.Stringer when it holds a value of such a
//     type, which makes a value that keeps its method:
//
//     fmt.Println(a)  ->  fmt.Println(func(x any) any { if v, ok := x.(fault); ok { var s fmt.Stringer = v; return s }; return x }(a))
//
//   - panic's argument of an empty interface type goes through the same
//     expression, for the kernel's message of an uncaught panic.
//   - Such a value in an element, a map entry or a field of an empty
//     interface type is not reached: a slice, array, map or struct that
//     holds values of an empty interface type is refused as a formatting
//     call's argument (anyInside), and so is an argument of an empty
//     interface type printed with a format that is not a constant
//     (anyFormatArgs).
//   - A value of such a type that the interpreter cannot tell from another
//     (type State int, from int) is refused wherever it becomes an empty
//     interface, but as a formatting call's argument.

// textMethodType is a session type with a String or Error method: its
// name in rewritten code, and the interface fmt calls it through.
type textMethodType struct {
	expr  string // the type as rewritten code writes it (T, *T)
	iface string // error, or fmt.Stringer as rewritten code writes it
}

// textMethodTypes are the session's package-level types (T and *T) with
// a String or Error method that the interpreter tells from every other
// type a value may have.
func (r *rewriter) textMethodTypes() []textMethodType {
	if r.chk.pkg == nil {
		return nil
	}
	var out []textMethodType
	scope := r.chk.pkg.Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() || types.IsInterface(tn.Type()) {
			continue
		}
		if nt, ok := tn.Type().(*types.Named); !ok || nt.TypeParams().Len() > 0 {
			continue
		}
		for _, t := range []types.Type{tn.Type(), types.NewPointer(tn.Type())} {
			ms := types.NewMethodSet(t)
			iface := ""
			switch {
			case ms.Lookup(nil, "Error") != nil:
				iface = "error"
			case ms.Lookup(nil, "String") != nil:
				iface = r.w.qualifier(types.NewPackage("fmt", "fmt")) + ".Stringer"
			default:
				continue
			}
			if r.textPartner(t) != "" {
				continue
			}
			if s, ok := r.w.typeString(t, false); ok {
				out = append(out, textMethodType{s, iface})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].expr < out[j].expr })
	return out
}

// methodVerbs are the verbs fmt prints a value with by its String or
// Error method.
const methodVerbs = "vsqxX"

// anyPrintArgs gives fmt the arguments of a formatting call that are of
// an empty interface type through anyText, when the session has types
// with a String or Error method.
func (r *rewriter) anyPrintArgs(n *ast.CallExpr) {
	if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && len(n.Args) == 1 && !r.inGeneric(n) {
		if _, builtin := r.info.Uses[id].(*types.Builtin); builtin && id.Name == "panic" {
			r.anyPanic(n.Args[0])
		}
		return
	}
	path, name, ok := r.pkgMember(n.Fun)
	if !ok {
		return
	}
	skip, ok := printFuncs[path][name]
	if !ok || r.inGeneric(n) || len(n.Args) <= skip {
		return
	}
	args := n.Args[skip:]
	calls := make([]bool, len(args)) // the argument is printed by its method
	if strings.HasSuffix(name, "f") {
		_, format, fargs, ok := r.formatCall(n)
		if !ok {
			r.anyFormatArgs(n, args)
			return
		}
		args = fargs
		calls = make([]bool, len(args))
		other := make([]bool, len(args))
		verbs, _ := formatVerbs(format)
		for _, v := range verbs {
			if v.arg >= len(args) {
				continue
			}
			flags := format[strings.LastIndexByte(format[:v.at], '%')+1 : v.at]
			if strings.ContainsRune(methodVerbs, v.verb) && !(v.verb == 'v' && strings.Contains(flags, "#")) {
				calls[v.arg] = true
			} else {
				other[v.arg] = true
			}
		}
		for i := range calls {
			calls[i] = calls[i] && !other[i]
		}
	} else {
		for i := range calls {
			calls[i] = true
		}
	}
	var tts []textMethodType
	for i, a := range args {
		t := r.typeOf(a)
		if !calls[i] || t == nil {
			continue
		}
		if it, ok := t.Underlying().(*types.Interface); !ok || !it.Empty() {
			continue
		}
		if tts == nil {
			// Even with none: the value may be of a type given a String
			// or Error method later, which the native PlainAny knows.
			tts = r.textMethodTypes()
		}
		a := a
		r.Add(r.off(a.Pos()), r.off(a.End()), func() string { return anyText(tts, r.span(a)) })
	}
}

// anyPanic gives panic a value of an empty interface type through
// anyText: the kernel prints an uncaught panic's value with its String or
// Error method, as Go does (panic(recover()) after a recover).
func (r *rewriter) anyPanic(a ast.Expr) {
	t := r.typeOf(a)
	if t == nil {
		return
	}
	if it, ok := t.Underlying().(*types.Interface); !ok || !it.Empty() {
		return
	}
	if tts := r.textMethodTypes(); len(tts) > 0 {
		r.Add(r.off(a.Pos()), r.off(a.End()), func() string { return anyText(tts, r.span(a)) })
	}
}

// anyFormatArgs refuses the arguments of an empty interface type of a
// formatting call whose format is not a constant, when the session has
// types with a String or Error method: which verb prints them, and so
// whether fmt calls the method, is known only when the call runs.
func (r *rewriter) anyFormatArgs(n *ast.CallExpr, args []ast.Expr) {
	for _, a := range args {
		t := r.typeOf(a)
		if t == nil {
			continue
		}
		if it, ok := t.Underlying().(*types.Interface); !ok || !it.Empty() {
			continue
		}
		tts := r.textMethodTypes()
		if len(tts) == 0 {
			return
		}
		r.failf(a, "a value of type %s printed with a format that is not a constant, while the session has types with a String or Error method (%s): the interpreter's fmt would print such a value without its method; write the format as a constant, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
			types.TypeString(t, r.w.userQualifier), textTypeNames(tts))
		return
	}
}

// textTypeNames lists the types of tts for a message.
func textTypeNames(tts []textMethodType) string {
	seen := map[string]bool{}
	var names []string
	for _, t := range tts {
		if n := strings.TrimPrefix(t.expr, "*"); !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// anyInside refuses a formatted value a of type t that holds values of
// an empty interface type (in elements, map keys or fields, through
// pointers at the top), when the session has types with a String or
// Error method: fmt would print such a value in them without its method.
func (r *rewriter) anyInside(a ast.Expr, t types.Type) {
	if !hiddenAny(t, true, map[types.Type]bool{}) {
		return
	}
	tts := r.textMethodTypes()
	if len(tts) == 0 {
		return
	}
	r.failf(a, "fmt would print the values of types with a String or Error method (%s) that this %s may hold in an empty interface without their method: the interpreter keeps such a value there without its methods; print the values one by one, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
		textTypeNames(tts), types.TypeString(t, r.w.userQualifier))
}

// hiddenAny reports whether fmt meets a value of an empty interface type
// inside a value of type t.
func hiddenAny(t types.Type, top bool, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if it, ok := t.Underlying().(*types.Interface); ok {
		return !top && it.Empty()
	}
	if !top && hasPrintMethod(t) {
		return false
	}
	if nt, ok := t.(*types.Named); ok && nt.Obj().Pkg() != nil && nt.Obj().Pkg().Path() != "main" {
		return false // formatted by its own package's code
	}
	switch u := t.Underlying().(type) {
	case *types.Slice:
		return hiddenAny(u.Elem(), false, seen)
	case *types.Array:
		return hiddenAny(u.Elem(), false, seen)
	case *types.Map:
		return hiddenAny(u.Key(), false, seen) || hiddenAny(u.Elem(), false, seen)
	case *types.Pointer:
		return top && hiddenAny(u.Elem(), false, seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if hiddenAny(u.Field(i).Type(), false, seen) {
				return true
			}
		}
	}
	return false
}

// anyText is the expression that gives the value of x, of type any, to
// fmt with its String or Error method when it is of one of tts.
func anyText(tts []textMethodType, x string) string {
	var b strings.Builder
	b.WriteString("func(_gocurrentX any) any { ")
	for _, t := range tts {
		fmt.Fprintf(&b, "if _gocurrentV, _gocurrentOK := _gocurrentX.(%s); _gocurrentOK { var _gocurrentI %s = _gocurrentV; return _gocurrentI }; ", t.expr, t.iface)
	}
	// Any other value: native code checks that no value of the session
	// is hidden inside it (an []any held in an any).
	fmt.Fprintf(&b, "return %s.PlainAny(_gocurrentX) }(%s)", NativeAlias, x)
	return b.String()
}

// anyValues refuses the values of n of a session type with a String or
// Error method that become empty interfaces where the interpreter cannot
// tell their type from another (see the top of this file).
func (r *rewriter) anyValues(n ast.Node) {
	if r.inGeneric(n) {
		return
	}
	r.valuesInto(n, func(e ast.Expr, target types.Type, _ bool) { r.anyValue(e, target) })
}

// anyValue refuses e, which becomes a value of type target, when the
// interpreter cannot tell its type from another one there.
func (r *rewriter) anyValue(e ast.Expr, target types.Type) {
	if e == nil || target == nil {
		return
	}
	it, ok := target.Underlying().(*types.Interface)
	if !ok || !it.Empty() {
		return
	}
	t := r.typeOf(e)
	if t == nil || types.IsInterface(t) || !hasTextMethod(t) || !sessionNamed(t) {
		return
	}
	name := types.TypeString(t, r.w.userQualifier)
	method := "String"
	if types.NewMethodSet(t).Lookup(nil, "Error") != nil {
		method = "Error"
	}
	if other := r.textPartner(t); other != "" {
		r.failf(e, "a value of type %s in an empty interface (%s): the interpreter cannot tell %s from %s there, and fmt would print it without its %s method; print it as a %s, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
			name, types.TypeString(target, r.w.userQualifier), name, other, method, name)
	}
}

// textPartner is a type the interpreter cannot tell from t, or from the
// type t points to, at run time ("" if none): int for type State int and
// *State.
func (r *rewriter) textPartner(t types.Type) string {
	if other := r.namedPartner(t); other != "" {
		return other
	}
	if p, ok := t.(*types.Pointer); ok {
		if other := r.namedPartner(p.Elem()); other != "" {
			return "*" + strings.TrimPrefix(other, "*")
		}
	}
	return ""
}

// sessionNamed reports whether t is a named type of the session's
// package, or a pointer to one.
func sessionNamed(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	nt, ok := types.Unalias(t).(*types.Named)
	return ok && nt.Obj().Pkg() != nil && nt.Obj().Pkg().Path() == "main"
}
