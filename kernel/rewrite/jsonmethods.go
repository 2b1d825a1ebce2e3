package rewrite

import (
	"go/ast"
	"go/types"
	"strings"
)

// encoding/json and the methods of the session's types. The interpreter
// (yaegi v0.16.0) gives values of the session's types to native code
// without their methods (github.com/traefik/yaegi/issues/435), so
// json.Marshal, MarshalIndent, Encoder.Encode, Unmarshal and
// Decoder.Decode ignore their MarshalJSON, MarshalText, UnmarshalJSON and
// UnmarshalText methods and encode the fields instead. A call whose value
// holds such a type (or an interface that may hold one) is refused.

// jsonMethods are the methods encoding/json calls.
var jsonMethods = []string{"MarshalJSON", "MarshalText", "UnmarshalJSON", "UnmarshalText"}

// jsonCall refuses an encoding/json call whose value may hold a session
// type with a method that json would call.
func (r *rewriter) jsonCall(n *ast.CallExpr) {
	var arg ast.Expr
	decode := false
	if path, name, ok := r.pkgMember(n.Fun); ok {
		if path != "encoding/json" {
			return
		}
		switch name {
		case "Marshal", "MarshalIndent":
			if len(n.Args) > 0 {
				arg = n.Args[0]
			}
		case "Unmarshal":
			if len(n.Args) > 1 {
				arg, decode = n.Args[1], true
			}
		}
	} else if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok {
		if s, ok := r.info.Selections[sel]; ok && s.Obj().Pkg() != nil && s.Obj().Pkg().Path() == "encoding/json" &&
			(sel.Sel.Name == "Encode" || sel.Sel.Name == "Decode") && len(n.Args) == 1 {
			arg, decode = n.Args[0], sel.Sel.Name == "Decode"
		}
	}
	if arg == nil || r.inGeneric(n) {
		return
	}
	t := r.typeOf(arg)
	if t == nil {
		return
	}
	if name := r.jsonMethodType(t, decode, map[types.Type]bool{}); name != "" {
		r.failf(arg, "encoding/json with a value that holds %s, which has a method json calls (%s): the interpreter gives values of the session's types to native code without their methods, so json would encode or decode the fields instead; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
			name, strings.Join(jsonMethods, ", "))
		return
	}
	if name := renamedFields(t); name != "" { // fmtverbs.go
		r.failf(arg, "encoding/json with a value that holds %s, a struct with unexported fields: the interpreter renames them (x becomes Xx), so json would encode or decode them as exported fields; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native", name)
	}
}

// jsonMethodType returns the name of a session type with a json method
// that a value of type t may hold ("" if none). Decoding into an
// interface makes maps, slices and basic values only.
func (r *rewriter) jsonMethodType(t types.Type, decode bool, seen map[types.Type]bool) string {
	if seen[t] {
		return ""
	}
	seen[t] = true
	if nt, ok := t.(*types.Named); ok {
		if nt.Obj().Pkg() == nil || nt.Obj().Pkg().Path() != "main" {
			if _, isIface := nt.Underlying().(*types.Interface); !isIface {
				return "" // encoded by its own package's methods
			}
		} else if hasJSONMethod(nt) {
			return nt.Obj().Name()
		}
	}
	switch u := t.Underlying().(type) {
	case *types.Interface:
		if decode {
			return ""
		}
		return r.sessionJSONType()
	case *types.Pointer:
		return r.jsonMethodType(u.Elem(), decode, seen)
	case *types.Slice:
		return r.jsonMethodType(u.Elem(), decode, seen)
	case *types.Array:
		return r.jsonMethodType(u.Elem(), decode, seen)
	case *types.Map:
		if k := r.jsonMethodType(u.Key(), decode, seen); k != "" {
			return k
		}
		return r.jsonMethodType(u.Elem(), decode, seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if f := r.jsonMethodType(u.Field(i).Type(), decode, seen); f != "" {
				return f
			}
		}
	}
	return ""
}

// sessionJSONType returns a session type with a json method, for a value
// of an interface type ("" if the session has none).
func (r *rewriter) sessionJSONType() string {
	for _, name := range sortedKeys(r.chk.s.Names) {
		if t, m, ok := strings.Cut(name, "."); ok {
			for _, jm := range jsonMethods {
				if m == jm {
					return t
				}
			}
		}
	}
	if r.chk.pkg != nil {
		scope := r.chk.pkg.Scope()
		for _, name := range scope.Names() {
			if tn, ok := scope.Lookup(name).(*types.TypeName); ok {
				if nt, ok := tn.Type().(*types.Named); ok && hasJSONMethod(nt) {
					return tn.Name()
				}
			}
		}
	}
	return ""
}

// hasJSONMethod reports whether t or *t has a method json calls.
func hasJSONMethod(t *types.Named) bool {
	for _, mt := range []types.Type{t, types.NewPointer(t)} {
		ms := types.NewMethodSet(mt)
		for _, m := range jsonMethods {
			if ms.Lookup(nil, m) != nil {
				return true
			}
		}
	}
	return false
}
