package rewrite

import (
	"go/ast"
	"go/types"
)

// Printing values that hold Stringers. fmt in the interpreter (yaegi
// v0.16.0) sees the methods of the values it is given only
// (github.com/traefik/yaegi/issues/435), and would print the fields of a
// session type's values inside a slice, map, array or struct instead of
// calling their String or Error method: such a call is refused with a
// message.

// printFuncs are the functions that format their arguments as fmt does,
// and how many leading arguments are not values (a writer, a format).
var printFuncs = map[string]map[string]int{
	"fmt": {"Print": 0, "Println": 0, "Printf": 1, "Sprint": 0, "Sprintln": 0, "Sprintf": 1,
		"Fprint": 1, "Fprintln": 1, "Fprintf": 2, "Errorf": 1, "Append": 1, "Appendln": 1, "Appendf": 2},
	"log": {"Print": 0, "Println": 0, "Printf": 1, "Fatal": 0, "Fatalln": 0, "Fatalf": 1,
		"Panic": 0, "Panicln": 0, "Panicf": 1},
}

// printArgs refuses a value printed with fmt that holds, inside a slice,
// map, array or struct, values of a session type with a String or Error
// method: fmt in the interpreter sees the methods of direct arguments only,
// and would print the inner values' fields instead.
func (r *rewriter) printArgs(n *ast.CallExpr) {
	path, name, ok := r.pkgMember(n.Fun)
	if !ok {
		return
	}
	skip, ok := printFuncs[path][name]
	if !ok || r.inGenericFunc(n) {
		return
	}
	for i, a := range n.Args {
		if i < skip {
			continue
		}
		t := r.typeOf(a)
		if t == nil || r.printGenericResult(n, name, i, a, t) || hasPrintMethod(t) { // print_elems.go
			continue
		}
		if inner := hiddenStringer(t, true, map[types.Type]bool{}); inner != nil {
			if r.printElems(n, name, i, a, t) { // print_elems.go
				continue
			}
			r.failf(a, "fmt would print the %s values inside this %s without their %s method: the interpreter's fmt sees the methods of the values it is given, not of those inside them; print them one by one, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
				inner.Obj().Name(), types.TypeString(t, r.w.userQualifier), printMethodName(inner))
			return
		}
		r.anyInside(a, t) // anyprint.go
	}
}

func hasPrintMethod(t types.Type) bool {
	ms := types.NewMethodSet(t)
	for _, m := range []string{"String", "Error", "Format", "GoString"} {
		if ms.Lookup(nil, m) != nil {
			return true
		}
	}
	return false
}

func printMethodName(t types.Type) string {
	if types.NewMethodSet(types.NewPointer(t)).Lookup(nil, "Error") != nil {
		return "Error"
	}
	return "String"
}

// hiddenStringer returns a session type with a printing method that fmt
// would meet inside t (nil if none).
func hiddenStringer(t types.Type, top bool, seen map[types.Type]bool) *types.Named {
	if seen[t] {
		return nil
	}
	seen[t] = true
	named := func(t types.Type) *types.Named {
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		nt, _ := t.(*types.Named)
		return nt
	}
	if nt := named(t); nt != nil && !top && hasPrintMethod(t) {
		if nt.Obj().Pkg() != nil && nt.Obj().Pkg().Path() == "main" {
			return nt
		}
		return nil
	}
	if nt, ok := t.(*types.Named); ok && nt.Obj().Pkg() != nil && nt.Obj().Pkg().Path() != "main" {
		return nil // formatted by its own package's code
	}
	switch u := t.Underlying().(type) {
	case *types.Slice:
		return hiddenStringer(u.Elem(), false, seen)
	case *types.Array:
		return hiddenStringer(u.Elem(), false, seen)
	case *types.Map:
		if k := hiddenStringer(u.Key(), false, seen); k != nil {
			return k
		}
		return hiddenStringer(u.Elem(), false, seen)
	case *types.Pointer:
		if top {
			return hiddenStringer(u.Elem(), false, seen)
		}
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if s := hiddenStringer(u.Field(i).Type(), false, seen); s != nil {
				return s
			}
		}
	}
	return nil
}

// userQualifier names packages in messages as the user's code does.
func (w *Rewriter) userQualifier(p *types.Package) string {
	if p.Path() == "main" {
		return ""
	}
	return p.Name()
}
