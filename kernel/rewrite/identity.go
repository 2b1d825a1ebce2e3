package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"
)

// The identity of the session's types. The interpreter (yaegi v0.16.0)
// makes a session type out of the reflect type of its underlying type, so
// two types with identical underlying types (type A struct{} and type B
// struct{}; type N int and int) are one type to it at run time: any(A{})
// is a B, any(N(2)) is an int, any(A{}) == any(B{}), context.Background()
// with a value for key A{} has it for key B{} too, and a map[any] holds one
// entry for both. Its type switch also misses cases of the session's types
// where its type assertions match them.
//
// The rewriting keeps, across the session's cells, the types that its
// checks saw and the runtime type the interpreter makes of each (its
// class: the type with the session's named types replaced by their
// underlying types). A construct whose result depends on telling apart two
// types of the same class is refused before the cell runs: a type
// assertion or type switch case whose type shares its class with another
// type the value may hold, a comparison of interfaces that may hold two
// such types, a map with interface keys that may, and a context key of a
// session type that shares its class with another key type used. A type
// switch with a case of a session type otherwise becomes type assertions
// (typeswitch.go).

// typeEntry is a type the session's checks saw.
type typeEntry struct {
	class   string   // the runtime type the interpreter makes of it
	methods []string // the names of its methods
}

// noteTypes records the types check chk saw: the session's and the cell's
// named types and the types of its expressions.
func (w *Rewriter) noteTypes(chk *check) {
	if w.seenTypes == nil {
		w.seenTypes = map[string]typeEntry{}
	}
	add := func(t types.Type) {
		t = types.Unalias(t)
		if t == nil || types.IsInterface(t) {
			return
		}
		switch t := t.(type) {
		case *types.Tuple, *types.TypeParam:
			return
		case *types.Basic:
			if t.Info()&types.IsUntyped != 0 || t.Kind() == types.Invalid {
				return
			}
		}
		if hasTypeParam(t) {
			return
		}
		id := typeIdentity(t)
		if _, ok := w.seenTypes[id]; ok && !isMainNamed(t) {
			return
		}
		var methods []string
		ms := types.NewMethodSet(t)
		for i := 0; i < ms.Len(); i++ {
			methods = append(methods, ms.At(i).Obj().Name())
		}
		w.seenTypes[id] = typeEntry{class: typeClass(t), methods: methods}
	}
	for _, obj := range chk.info.Defs {
		if tn, ok := obj.(*types.TypeName); ok && !tn.IsAlias() {
			add(tn.Type())
			// Pointers to it may come later, from code checked now.
			add(types.NewPointer(tn.Type()))
		}
	}
	for _, tv := range chk.info.Types {
		add(tv.Type)
	}
}

// isMainNamed reports whether t is a named type of the session.
func isMainNamed(t types.Type) bool {
	nt, ok := t.(*types.Named)
	return ok && nt.Obj().Pkg() != nil && nt.Obj().Pkg().Path() == "main"
}

// hasTypeParam reports whether t is made of a type parameter.
func hasTypeParam(t types.Type) bool {
	return madeOf(t, func(t types.Type) (bool, bool) {
		switch t := t.(type) {
		case *types.TypeParam:
			return true, false
		case *types.Named:
			return t.TypeParams().Len() > t.TypeArgs().Len(), true
		}
		return false, true
	})
}

// typeIdentity names t as Go tells types apart.
func typeIdentity(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string { return p.Path() })
}

// typeClass names the runtime type the interpreter makes of t: t with the
// session's named types replaced by their underlying types.
func typeClass(t types.Type) string {
	var b strings.Builder
	inProgress := map[*types.Named]bool{}
	var walk func(t types.Type)
	list := func(n int, at func(int) types.Type) {
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			walk(at(i))
		}
	}
	walk = func(t types.Type) {
		switch t := types.Unalias(t).(type) {
		case *types.Named:
			if !isMainNamed(t) {
				b.WriteString(typeIdentity(t))
				return
			}
			if inProgress[t] {
				b.WriteString("@")
				return
			}
			inProgress[t] = true
			walk(t.Underlying())
			delete(inProgress, t)
		case *types.Basic:
			b.WriteString(types.Typ[t.Kind()].Name())
		case *types.Pointer:
			b.WriteString("*")
			walk(t.Elem())
		case *types.Slice:
			b.WriteString("[]")
			walk(t.Elem())
		case *types.Array:
			b.WriteString("[" + strconv.FormatInt(t.Len(), 10) + "]")
			walk(t.Elem())
		case *types.Map:
			b.WriteString("map[")
			walk(t.Key())
			b.WriteString("]")
			walk(t.Elem())
		case *types.Chan:
			b.WriteString([]string{"chan ", "chan<- ", "<-chan "}[t.Dir()])
			walk(t.Elem())
		case *types.Signature:
			b.WriteString("func(")
			list(t.Params().Len(), func(i int) types.Type { return t.Params().At(i).Type() })
			if t.Variadic() {
				b.WriteString("...")
			}
			b.WriteString(")(")
			list(t.Results().Len(), func(i int) types.Type { return t.Results().At(i).Type() })
			b.WriteString(")")
		case *types.Struct:
			b.WriteString("struct{")
			for i := 0; i < t.NumFields(); i++ {
				if i > 0 {
					b.WriteString("; ")
				}
				b.WriteString(t.Field(i).Name() + " ")
				walk(t.Field(i).Type())
			}
			b.WriteString("}")
		default:
			b.WriteString(typeIdentity(t))
		}
	}
	walk(t)
	return b.String()
}

// holds reports whether a value of interface iface (nil: any) may hold a
// value of a type with methods.
func holds(iface *types.Interface, methods []string) bool {
	if iface == nil {
		return true
	}
	for i := 0; i < iface.NumMethods(); i++ {
		name := iface.Method(i).Name()
		found := false
		for _, m := range methods {
			if m == name {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// ifaceOf is the interface of t, nil if t is not one.
func ifaceOf(t types.Type) *types.Interface {
	if t == nil {
		return nil
	}
	iface, _ := t.Underlying().(*types.Interface)
	return iface
}

// sameClass returns the types the session's checks saw (or the predeclared
// type) of class, other than the one named not, that a value of iface
// may hold, in order.
func (w *Rewriter) sameClass(class, not string, iface *types.Interface) []string {
	var out []string
	if obj, ok := types.Universe.Lookup(class).(*types.TypeName); ok && class != not {
		if _, basic := obj.Type().(*types.Basic); basic && holds(iface, nil) {
			out = append(out, class)
		}
	}
	for id, e := range w.seenTypes {
		if id != not && id != class && e.class == class && holds(iface, e.methods) {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// partner returns a type other than t, of t's class, that a value of
// interface iface may hold ("" if none).
func (r *rewriter) partner(t types.Type, iface *types.Interface) string {
	if t == nil || types.IsInterface(t) || hasTypeParam(t) {
		return ""
	}
	if others := r.w.sameClass(typeClass(t), typeIdentity(t), iface); len(others) > 0 {
		return others[0]
	}
	return ""
}

// ambiguous returns two types of one class that values of interfaces a
// and b may hold, one each ("" if none).
func (r *rewriter) ambiguous(a, b *types.Interface) (string, string) {
	byClass := map[string][]string{}
	for id, e := range r.w.seenTypes {
		if holds(a, e.methods) || holds(b, e.methods) {
			byClass[e.class] = append(byClass[e.class], id)
		}
	}
	for _, class := range sortedKeys(byClass) {
		ids := byClass[class]
		if obj, ok := types.Universe.Lookup(class).(*types.TypeName); ok && holds(a, nil) && holds(b, nil) {
			if _, basic := obj.Type().(*types.Basic); basic {
				ids = append(ids, class)
			}
		}
		sort.Strings(ids)
		for _, x := range ids {
			for _, y := range ids {
				if x == y {
					continue
				}
				if xe, ok := r.w.seenTypes[x]; (ok && holds(a, xe.methods) || !ok && holds(a, nil)) && r.heldBy(b, y) {
					return x, y
				}
			}
		}
	}
	return "", ""
}

// heldBy reports whether a value of interface iface may hold a value of
// the type named id.
func (r *rewriter) heldBy(iface *types.Interface, id string) bool {
	if e, ok := r.w.seenTypes[id]; ok {
		return holds(iface, e.methods)
	}
	return holds(iface, nil)
}

// shortName is a type's name as the session writes it.
func shortName(id string) string {
	return strings.ReplaceAll(id, "main.", "")
}

// identityFail refuses construct at n, which would tell apart types a and
// b of one class.
func (r *rewriter) identityFail(n ast.Node, construct, a, b string) {
	r.failf(n, "%s: the interpreter makes %s and %s one type at run time (their underlying types are identical), so it cannot tell their values apart; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native",
		construct, shortName(a), shortName(b))
}

// typeIdentities refuses the constructs of n that tell apart types the
// interpreter makes one.
func (r *rewriter) typeIdentities(n ast.Node) {
	if r.inGeneric(n) {
		return
	}
	switch n := n.(type) {
	case *ast.TypeAssertExpr:
		if n.Type == nil {
			return
		}
		t := r.typeOf(n.Type)
		if p := r.partner(t, ifaceOf(r.typeOf(n.X))); p != "" {
			r.identityFail(n, "type assertion to "+types.TypeString(t, r.w.userQualifier), typeIdentity(t), p)
		}
	case *ast.TypeSwitchStmt:
		x := switched(n)
		if x == nil {
			return
		}
		iface := ifaceOf(r.typeOf(x))
		for _, st := range n.Body.List {
			cc, ok := st.(*ast.CaseClause)
			if !ok {
				continue
			}
			for _, e := range cc.List {
				if tv, ok := r.info.Types[e]; ok && tv.IsType() {
					if p := r.partner(tv.Type, iface); p != "" {
						r.identityFail(e, "type switch case "+types.TypeString(tv.Type, r.w.userQualifier), typeIdentity(tv.Type), p)
						return
					}
				}
			}
		}
	case *ast.BinaryExpr:
		if n.Op == token.EQL || n.Op == token.NEQ {
			r.compareIdentity(n, n.X, n.Y)
		}
	case *ast.SwitchStmt:
		if n.Tag == nil || !types.IsInterface(r.typeOf(n.Tag)) {
			return
		}
		for _, st := range n.Body.List {
			if cc, ok := st.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					r.compareIdentity(e, n.Tag, e)
				}
			}
		}
	case *ast.IndexExpr:
		if m, ok := underlying(r.typeOf(n.X)).(*types.Map); ok {
			r.mapKeys(n, m)
		}
	case *ast.CompositeLit:
		if m, ok := underlying(r.typeOf(n)).(*types.Map); ok && len(n.Elts) > 0 {
			r.mapKeys(n, m)
		}
	case *ast.CallExpr:
		if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && id.Name == "delete" && len(n.Args) == 2 {
			if _, builtin := r.info.Uses[id].(*types.Builtin); builtin {
				if m, ok := underlying(r.typeOf(n.Args[0])).(*types.Map); ok {
					r.mapKeys(n, m)
				}
			}
		}
		r.contextKey(n)
	}
}

// underlying is t's underlying type (nil for nil).
func underlying(t types.Type) types.Type {
	if t == nil {
		return nil
	}
	return t.Underlying()
}

// compareIdentity refuses x == y (at n) where the result depends on
// telling apart two types of one class.
func (r *rewriter) compareIdentity(n ast.Node, x, y ast.Expr) {
	for _, e := range []ast.Expr{x, y} {
		if tv, ok := r.info.Types[e]; !ok || tv.IsNil() {
			return
		}
	}
	xt, yt := r.typeOf(x), r.typeOf(y)
	xi, yi := types.IsInterface(xt), types.IsInterface(yt)
	switch {
	case !xi && !yi:
		return
	case xi && yi:
		if a, b := r.ambiguous(ifaceOf(xt), ifaceOf(yt)); a != "" {
			r.identityFail(n, "comparison of interface values", a, b)
		}
	default:
		t, iface := xt, yt
		if xi {
			t, iface = yt, xt
		}
		if p := r.partner(t, ifaceOf(iface)); p != "" {
			r.identityFail(n, "comparison of an interface value with a value of type "+types.TypeString(t, r.w.userQualifier), typeIdentity(t), p)
		}
	}
}

// mapKeys refuses the use (at n) of map m whose keys are interfaces that
// may hold two types of one class.
func (r *rewriter) mapKeys(n ast.Node, m *types.Map) {
	if !types.IsInterface(m.Key()) {
		return
	}
	if a, b := r.ambiguous(ifaceOf(m.Key()), ifaceOf(m.Key())); a != "" {
		r.identityFail(n, "a map with keys of type "+types.TypeString(m.Key(), r.w.userQualifier), a, b)
	}
}

// contextKey refuses context.WithValue and Context.Value with a key whose
// type shares its class with another key type used in the session.
func (r *rewriter) contextKey(n *ast.CallExpr) {
	var key ast.Expr
	if path, name, ok := r.pkgMember(n.Fun); ok {
		if path == "context" && name == "WithValue" && len(n.Args) == 3 {
			key = n.Args[1]
		}
	} else if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && sel.Sel.Name == "Value" && len(n.Args) == 1 {
		if s, ok := r.info.Selections[sel]; ok && s.Obj().Pkg() != nil && s.Obj().Pkg().Path() == "context" {
			key = n.Args[0]
		}
	}
	if key == nil {
		return
	}
	t := r.typeOf(key)
	if t == nil {
		return
	}
	if types.IsInterface(t) {
		if a, b := r.ambiguous(ifaceOf(t), nil); a != "" {
			r.identityFail(key, "a context key of type "+types.TypeString(t, r.w.userQualifier), a, b)
		}
		return
	}
	if tv, ok := r.info.Types[key]; ok && tv.Type != nil {
		if b, ok := tv.Type.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
			t = types.Default(b)
		}
	}
	id, class := typeIdentity(t), typeClass(t)
	if r.w.ctxKeys == nil {
		r.w.ctxKeys = map[string]string{}
	}
	for _, other := range sortedKeys(r.w.ctxKeys) {
		if other != id && r.w.ctxKeys[other] == class {
			r.identityFail(key, "a context key of type "+shortName(id)+", with keys of type "+shortName(other)+" in use", id, other)
			return
		}
	}
	r.w.ctxKeys[id] = class
}
