package rewrite

import (
	"fmt"
	"go/ast"
	"go/types"
	"sort"
	"strings"
)

// Session values and interfaces.
//
// Type assertions to interfaces of values in an empty interface. The
// interpreter (yaegi v0.16.0) keeps a value of a session type in an empty
// interface without its methods, so asserting it to an interface
// (var a any = acct; a.(fmt.Stringer), a.(error), a.(Shape)) fails, and a
// type switch takes default, where Go matches; its assertions to the
// session's concrete types are right. The rewriting tries the session's
// types that implement the interface first:
//
//	s, ok := a.(Shape)  ->  s, ok := func(x any) (Shape, bool) { if v, ok := x.(rect); ok { return v, true }; ...; v, ok := x.(Shape); return v, ok }(a)

// anyAssertion rewrites a type assertion to an interface of a value of an
// empty interface type.
func (r *rewriter) anyAssertion(n *ast.TypeAssertExpr) {
	if n.Type == nil {
		return // a type switch's
	}
	comma := false
	switch p := r.parent[n].(type) {
	case *ast.AssignStmt:
		comma = len(p.Lhs) == 2 && len(p.Rhs) == 1
	case *ast.ValueSpec:
		comma = len(p.Names) == 2 && len(p.Values) == 1
	}
	x := n.X
	text, ok := r.anyAssert(n, r.typeOf(x), func() string { return r.span(x) }, r.typeOf(n.Type), comma)
	if !ok {
		if comma {
			r.nilSafeAssertion(n)
		}
		return
	}
	r.Add(r.off(n.Pos()), r.off(n.End()), text)
}

// nilSafeAssertion rewrites v, ok := x.(I), of an interface value x to an
// interface type I, so that a nil x gives nil, false: the interpreter
// panicked ("reflect: call of reflect.Value.Type on zero Value").
//
//	e, ok := r.(error)  ->  e, ok := func(x any) (error, bool) { if x == nil { return nil, false }; v, ok := x.(error); return v, ok }(r)
func (r *rewriter) nilSafeAssertion(n *ast.TypeAssertExpr) {
	xt, it := r.typeOf(n.X), r.typeOf(n.Type)
	if xt == nil || it == nil || !types.IsInterface(xt) || !types.IsInterface(it) || r.inGeneric(n) {
		return
	}
	xs, ok := r.w.typeString(xt, false)
	is, ok2 := r.w.typeString(it, false)
	if !ok || !ok2 {
		return
	}
	x := n.X
	r.Add(r.off(n.Pos()), r.off(n.End()), func() string {
		return fmt.Sprintf("func(_gocurrentX %s) (%s, bool) { if _gocurrentX == nil { return nil, false }; _gocurrentV, _gocurrentOK := _gocurrentX.(%s); return _gocurrentV, _gocurrentOK }(%s)",
			xs, is, is, r.span(x))
	})
}

// anyAssert is the text of the assertion x.(it) (with its ok when comma)
// that tries the session's types implementing it first, when x (of type
// xt, written xs) is of an empty interface type and it a non-empty
// interface that some of the session's types implement; at is the node a
// refusal points at.
func (r *rewriter) anyAssert(at ast.Node, xt types.Type, xs func() string, it types.Type, comma bool) (func() string, bool) {
	if xt == nil || it == nil || r.inGeneric(at) {
		return nil, false
	}
	xi, ok := xt.Underlying().(*types.Interface)
	ii, ok2 := it.Underlying().(*types.Interface)
	if !ok || !ok2 || !xi.Empty() || ii.Empty() {
		return nil, false
	}
	impls := r.implementers(at, ii)
	if len(impls) == 0 {
		return nil, false
	}
	is, ok := r.w.typeString(it, false)
	if !ok {
		return nil, false
	}
	return func() string {
		var b strings.Builder
		if comma {
			fmt.Fprintf(&b, "func(_gocurrentX any) (%s, bool) { if _gocurrentX == nil { return nil, false }; ", is)
		} else {
			fmt.Fprintf(&b, "func(_gocurrentX any) %s { ", is)
		}
		for _, t := range impls {
			if comma {
				fmt.Fprintf(&b, "if _gocurrentV, _gocurrentOK := _gocurrentX.(%s); _gocurrentOK { return _gocurrentV, true }; ", t)
			} else {
				fmt.Fprintf(&b, "if _gocurrentV, _gocurrentOK := _gocurrentX.(%s); _gocurrentOK { return _gocurrentV }; ", t)
			}
		}
		if comma {
			fmt.Fprintf(&b, "_gocurrentV, _gocurrentOK := _gocurrentX.(%s); return _gocurrentV, _gocurrentOK }(%s)", is, xs())
		} else {
			fmt.Fprintf(&b, "return _gocurrentX.(%s) }(%s)", is, xs())
		}
		return b.String()
	}, true
}

// implementers are the session's package-level types (T or *T) that
// implement iface, as the cell writes them. A type that the interpreter
// cannot tell from another type a value may hold is refused.
func (r *rewriter) implementers(at ast.Node, iface *types.Interface) []string {
	if r.chk.pkg == nil {
		return nil
	}
	var out []string
	scope := r.chk.pkg.Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() || types.IsInterface(tn.Type()) {
			continue
		}
		if nt, ok := tn.Type().(*types.Named); ok && nt.TypeParams().Len() > 0 {
			continue
		}
		for _, t := range []types.Type{tn.Type(), types.NewPointer(tn.Type())} {
			if !types.Implements(t, iface) {
				continue
			}
			if other := r.namedPartner(t); other != "" {
				r.identityFail(at, "a type assertion to an interface", typeIdentity(t), other)
				return nil
			}
			if s, ok := r.w.typeString(t, false); ok {
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}

// namedPartner is a named type (int, or a type of the session) that the
// interpreter cannot tell from t at run time, which a value in an empty
// interface may be ("" if none): x.(T) would match its values too. Unnamed
// composite types of the same shape are left out: values of them are
// rare, and Go's assertion to an interface fails for them, which the
// session type's assertion would not.
func (r *rewriter) namedPartner(t types.Type) string {
	if hasTypeParam(t) {
		return ""
	}
	for _, other := range r.w.sameClass(typeClass(t), typeIdentity(t), types.NewInterfaceType(nil, nil)) {
		unnamed := strings.TrimPrefix(other, "*")
		if !strings.HasPrefix(unnamed, "[") && !strings.HasPrefix(unnamed, "struct{") && !strings.HasPrefix(unnamed, "map[") &&
			!strings.HasPrefix(unnamed, "func(") && !strings.HasPrefix(unnamed, "chan ") && !strings.HasPrefix(unnamed, "<-chan ") {
			return other
		}
	}
	return ""
}

// ifaceConversion rewrites the conversion of a value of a session type to
// an interface type, I(v): the interpreter makes of it an interface value
// that later type assertions to other interfaces do not match (any(v) of
// a Named(person{}) fails .(Greeter)), where an assignment makes a right
// one:
//
//	Named(p)  ->  func() Named { var v Named = p; return v }()
func (r *rewriter) ifaceConversion(n *ast.CallExpr) {
	if len(n.Args) != 1 || n.Ellipsis.IsValid() {
		return
	}
	tv, ok := r.info.Types[n.Fun]
	if !ok || !tv.IsType() || !types.IsInterface(tv.Type) {
		return
	}
	at := r.typeOf(n.Args[0])
	if at == nil || types.IsInterface(at) || !interpretedType(at) {
		return
	}
	r.throughIface(n, n.Args[0], tv.Type)
}

// nativeIfaceArg passes a value a of the session's type at to a native
// function's parameter of the non-empty interface type pt through an
// interface variable: the interpreter hands it over without its methods
// otherwise (sort.Sort(list), heap.Push(h, x): "reflect: Call using
// []int as type sort.Interface"), while a value that comes out of an
// interface variable keeps them.
//
//	sort.Sort(l)  ->  sort.Sort(func() sort.Interface { var v sort.Interface = l; return v }())
//
// Values that may be nil (pointers, slices, maps) are left to the check
// that they are not, which does the same (niliface.go), and variadic
// arguments to variadic.go.
func (r *rewriter) nativeIfaceArg(a ast.Expr, pt, at types.Type) {
	it, ok := pt.Underlying().(*types.Interface)
	if nilableSessionType(at) || !ok || it.Empty() || !types.Implements(at, it) {
		return
	}
	r.throughIface(a, a, pt)
}

// throughIface replaces n with the value v put into a variable of the
// interface type it, which the interpreter makes right where a conversion
// or a native call's parameter would not.
func (r *rewriter) throughIface(n ast.Node, v ast.Expr, it types.Type) {
	t, ok := r.w.typeString(it, false)
	if !ok {
		return
	}
	r.Add(r.off(n.Pos()), r.off(n.End()), func() string {
		return "func() " + t + " { var _gocurrentV " + t + " = " + r.span(v) + "; return _gocurrentV }()"
	})
}
