package rewrite

import (
	"go/ast"
	"go/types"
	"strings"
)

// Values of the session's types given to a native variadic function of
// interfaces. The interpreter (yaegi v0.16.0) passes each variadic
// argument as it is, without the methods that make it the interface, so
// io.MultiWriter(w, os.Stdout) with a session type's w panics in reflect
// ("cannot use *struct { ... } as type io.Writer"). Given as a slice of the
// interface, the values keep their methods:
//
//	io.MultiWriter(w, os.Stdout)  ->  io.MultiWriter([]io.Writer{w, os.Stdout}...)

// variadicIfaces rewrites a call of a native variadic function whose
// variadic parameter is a non-empty interface and whose variadic arguments
// include a value of a session type.
func (r *rewriter) variadicIfaces(n *ast.CallExpr) {
	if n.Ellipsis.IsValid() || r.inGeneric(n) || !r.nativeCallee(n.Fun) {
		return
	}
	if path, name, ok := r.pkgMember(n.Fun); ok {
		if _, isPrint := printFuncs[path][name]; isPrint {
			return
		}
	}
	sig, _ := r.typeOf(n.Fun).(*types.Signature)
	if sig == nil || !sig.Variadic() {
		return
	}
	elem := sig.Params().At(sig.Params().Len() - 1).Type().(*types.Slice).Elem()
	if iface := ifaceOf(elem); iface == nil || iface.Empty() {
		return
	}
	first := sig.Params().Len() - 1
	if len(n.Args) <= first {
		return
	}
	session := false
	for _, a := range n.Args[first:] {
		if t := r.typeOf(a); t != nil && !types.IsInterface(t) && len(mainTypeNames(t)) > 0 {
			session = true
		}
	}
	ts, ok := r.w.typeString(elem, false)
	if !session || !ok {
		return
	}
	args := n.Args[first:]
	start, end := r.off(args[0].Pos()), r.off(args[len(args)-1].End())
	r.Add(start, end, func() string {
		var parts []string
		for _, a := range args {
			parts = append(parts, r.span(a))
		}
		return "[]" + ts + "{" + strings.Join(parts, ", ") + "}..."
	})
}
