package rewrite

import (
	"go/constant"
	"go/types"
	"strconv"
	"strings"
)

// Types written as source for rewritten code.

// typeString renders t as source for the session's code: other packages'
// names by the session's import names or StdAliasName (imported as
// needed), the session's own types by name. It fails for types declared
// inside functions, unexported types of other packages and, unless
// params, type parameters.
func (w *Rewriter) typeString(t types.Type, params bool) (string, bool) {
	ok := true
	var walk func(t types.Type)
	seen := map[types.Type]bool{}
	walk = func(t types.Type) {
		if seen[t] || !ok {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Named:
			obj := t.Obj()
			if obj.Pkg() != nil {
				if obj.Parent() != obj.Pkg().Scope() {
					ok = false // declared inside a function
					return
				}
				if obj.Pkg().Path() != "main" && !obj.Exported() {
					ok = false
					return
				}
				if strings.HasPrefix(obj.Pkg().Path(), "gocurrent") {
					ok = false
					return
				}
			}
			if targs := t.TypeArgs(); targs != nil {
				for i := 0; i < targs.Len(); i++ {
					walk(targs.At(i))
				}
			}
		case *types.Alias:
			walk(types.Unalias(t))
		case *types.TypeParam:
			if !params {
				ok = false
			}
		case *types.Pointer, *types.Slice, *types.Array, *types.Map, *types.Chan, *types.Signature, *types.Struct:
			eachPart(t, walk)
		case *types.Interface:
			for i := 0; i < t.NumExplicitMethods(); i++ {
				walk(t.ExplicitMethod(i).Type())
			}
			for i := 0; i < t.NumEmbeddeds(); i++ {
				walk(t.EmbeddedType(i))
			}
		case *types.Union:
			for i := 0; i < t.Len(); i++ {
				walk(t.Term(i).Type())
			}
		case *types.Basic:
			if t.Kind() == types.Invalid {
				ok = false
			}
		case *types.Tuple:
			ok = false
		}
	}
	walk(t)
	if !ok {
		return "", false
	}
	return types.TypeString(t, w.qualifier), true
}

// qualifier names other packages in rewritten code: by names of their
// own, which no cell's variable hides.
func (w *Rewriter) qualifier(p *types.Package) string {
	if p.Path() == "main" {
		return ""
	}
	if p.Path() == NativePath {
		return NativeAlias
	}
	if lp, ok := w.lib.pkgs[p.Path()]; ok {
		return lp.alias
	}
	w.stdAlias[p.Path()] = true
	return StdAliasName(p.Path())
}

// parenType puts a type in parentheses where a conversion needs them.
func parenType(t string) string {
	if strings.HasPrefix(t, "func") || strings.HasPrefix(t, "*") || strings.HasPrefix(t, "<-") || strings.HasPrefix(t, "chan") {
		return "(" + t + ")"
	}
	return t
}

// constantText is the source of a constant value of the type tv has.
func constantText(tv types.TypeAndValue, w *Rewriter) (string, bool) {
	v := tv.Value
	b, isBasic := tv.Type.(*types.Basic)
	var lit string
	switch v.Kind() {
	case constant.Int:
		lit = v.ExactString()
		if isBasic && b.Kind() == types.UntypedRune {
			return "rune(" + lit + ")", true
		}
	case constant.Float:
		f, _ := constant.Float64Val(v)
		lit = strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(lit, ".eEIN") {
			lit += ".0"
		}
	case constant.String:
		lit = strconv.Quote(constant.StringVal(v))
	default:
		return "", false
	}
	if isBasic && b.Info()&types.IsUntyped != 0 {
		return lit, true
	}
	t, ok := w.typeString(tv.Type, false)
	if !ok {
		return "", false
	}
	return parenType(t) + "(" + lit + ")", true
}

// madeOf reports whether t, or a type it is made of, is one that found
// reports; found also tells whether to look into the parts of a type it
// does not report (eachPart's, and a named type's type arguments).
func madeOf(t types.Type, found func(t types.Type) (yes, look bool)) bool {
	seen := map[types.Type]bool{}
	var walk func(t types.Type) bool
	walk = func(t types.Type) bool {
		if t == nil || seen[t] {
			return false
		}
		seen[t] = true
		yes, look := found(t)
		if yes || !look {
			return yes
		}
		hit := false
		visit := func(p types.Type) {
			if !hit {
				hit = walk(p)
			}
		}
		switch t := t.(type) {
		case *types.Named:
			for i := range t.TypeArgs().Len() {
				visit(t.TypeArgs().At(i))
			}
		case *types.Alias:
			visit(types.Unalias(t))
		default:
			eachPart(t, visit)
		}
		return hit
	}
	return walk(t)
}

// eachPart calls f on each type that composite type t is made of: the
// element of a pointer, slice, array or channel, the key and element of a
// map, the parameters and results of a signature, the fields of a struct.
func eachPart(t types.Type, f func(types.Type)) {
	switch t := t.(type) {
	case *types.Pointer:
		f(t.Elem())
	case *types.Slice:
		f(t.Elem())
	case *types.Array:
		f(t.Elem())
	case *types.Map:
		f(t.Key())
		f(t.Elem())
	case *types.Chan:
		f(t.Elem())
	case *types.Signature:
		for i := 0; i < t.Params().Len(); i++ {
			f(t.Params().At(i).Type())
		}
		for i := 0; i < t.Results().Len(); i++ {
			f(t.Results().At(i).Type())
		}
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			f(t.Field(i).Type())
		}
	}
}
