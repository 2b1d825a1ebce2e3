package rewrite

import (
	"go/ast"
	"go/types"
	"strings"
)

// What fmt and encoding/json see of the session's types, besides %T
// (typefmt.go) and json's methods (jsonmethods.go):
//
//   - The interpreter (yaegi v0.16.0) renames the unexported fields of the
//     session's struct types (x becomes Xx) so that reflect can set them:
//     %+v and %#v would print the new names, and encoding/json would
//     encode and decode the fields as exported ones. Refused.
//   - It hands fmt a value of a session type with a String or Error
//     method inside a struct of its own that carries the method: verbs
//     that do not call the method (%d, %5.2f, %c) would print that struct
//     ({3 5303552}). The argument becomes its underlying basic value,
//     which is what Go prints.

// numberVerbs are the verbs fmt applies to a value without calling its
// String or Error method.
const numberVerbs = "bcdoOUeEfFgGt"

// valueVerbs rewrites or refuses the verbs of a formatting call that the
// interpreter's session types would print differently.
func (r *rewriter) valueVerbs(n *ast.CallExpr) {
	_, format, args, ok := r.formatCall(n) // typefmt.go
	if !ok {
		return
	}
	verbs, _ := formatVerbs(format)
	for _, v := range verbs {
		if v.arg >= len(args) {
			continue
		}
		a := args[v.arg]
		t := r.typeOf(a)
		if t == nil || types.IsInterface(t) {
			continue
		}
		flags := format[strings.LastIndexByte(format[:v.at], '%')+1 : v.at]
		if v.verb == 'v' && strings.ContainsAny(flags, "+#") && !hasTextMethod(t) && !r.numbers[a] {
			if s := renamedFields(t); s != "" {
				r.failf(a, "%%%sv of a value of type %s prints the names of the fields of %s, and the interpreter renames its unexported fields (x becomes Xx); print the fields you need, or run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
					flags, types.TypeString(t, r.w.userQualifier), s)
				return
			}
		}
		if strings.ContainsRune(numberVerbs, v.verb) && !r.numbers[a] {
			if basic, ok := wrappedBasic(t); ok {
				if r.numbers == nil {
					r.numbers = map[ast.Expr]bool{}
				}
				r.numbers[a] = true // not an error for errorArgs any more
				r.wrap(a, basic+"(", ")")
			}
		}
	}
}

// hasTextMethod reports whether fmt prints a value of type t with its
// String or Error method.
func hasTextMethod(t types.Type) bool {
	ms := types.NewMethodSet(t)
	return ms.Lookup(nil, "String") != nil || ms.Lookup(nil, "Error") != nil
}

// wrappedBasic is the basic type underlying t, when t is a session type
// with a String or Error method that the interpreter hands to fmt in a
// struct of its own.
func wrappedBasic(t types.Type) (string, bool) {
	nt, ok := types.Unalias(t).(*types.Named)
	if !ok || nt.Obj().Pkg() == nil || nt.Obj().Pkg().Path() != "main" || !hasTextMethod(t) {
		return "", false
	}
	b, ok := nt.Underlying().(*types.Basic)
	if !ok {
		return "", false
	}
	return b.Name(), true
}

// renamedFields is the name of a session struct type with unexported
// fields that a value of type t holds ("" if none).
func renamedFields(t types.Type) string {
	seen := map[types.Type]bool{}
	var walk func(t types.Type) string
	walk = func(t types.Type) string {
		t = types.Unalias(t)
		if seen[t] {
			return ""
		}
		seen[t] = true
		if nt, ok := t.(*types.Named); ok && (nt.Obj().Pkg() == nil || nt.Obj().Pkg().Path() != "main") {
			return "" // a native type prints its own fields
		}
		switch u := t.Underlying().(type) {
		case *types.Pointer:
			return walk(u.Elem())
		case *types.Slice:
			return walk(u.Elem())
		case *types.Array:
			return walk(u.Elem())
		case *types.Map:
			if k := walk(u.Key()); k != "" {
				return k
			}
			return walk(u.Elem())
		case *types.Struct:
			for i := range u.NumFields() {
				if f := u.Field(i); !f.Exported() && f.Name() != "_" {
					return types.TypeString(t, func(*types.Package) string { return "" })
				}
			}
			for i := range u.NumFields() {
				if s := walk(u.Field(i).Type()); s != "" {
					return s
				}
			}
		}
		return ""
	}
	return walk(t)
}
