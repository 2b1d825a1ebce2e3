package rewrite

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// methodValue binds a method value of a session type to its receiver
// when it is evaluated, as Go does. The interpreter (yaegi v0.16.0,
// interp/run.go, getMethod) keeps a reference to the variable the
// receiver was read from and reads it when the method is called, so
//
//	for i := 0; i < 4; i++ { w := W{i}; go w.Run(out) }
//
// ran every goroutine on the last w, and f := w.M; w = other; f() called
// M on other. No upstream issue covers it. Each method value becomes a
// function literal, called at once, that copies the receiver (or takes
// its address, for a pointer method of an addressable value) into a
// variable of its own and returns the method value of that variable:
//
//	w.Run   ->   (func() func(chan int) { r := w; return r.Run }())
//
// A method called at once (w.Run(out)) is left alone, except in a go
// statement, whose function value is bound when the statement runs.
func (r *rewriter) methodValue(n *ast.SelectorExpr) {
	sel, ok := r.info.Selections[n]
	if !ok || sel.Kind() != types.MethodVal {
		return
	}
	var child ast.Node = n
	p := r.parent[n]
	for {
		pe, isParen := p.(*ast.ParenExpr)
		if !isParen {
			break
		}
		child, p = pe, r.parent[pe]
	}
	if call, isCall := p.(*ast.CallExpr); isCall && call.Fun == child {
		if _, inGo := r.parent[call].(*ast.GoStmt); !inGo {
			return
		}
	}
	fn, ok := sel.Obj().(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "main" {
		return // native methods are bound by reflection, when evaluated
	}
	t := r.typeOf(n)
	xt := r.typeOf(n.X)
	if t == nil || xt == nil || r.inGeneric(n) {
		return
	}
	ft, ok := r.w.typeString(t, false)
	if !ok {
		return
	}
	recv := fn.Type().(*types.Signature).Recv()
	_, recvPtr := recv.Type().(*types.Pointer)
	_, xPtr := xt.Underlying().(*types.Pointer)
	deref := ""
	switch {
	case types.IsInterface(xt) || len(sel.Index()) > 1:
	case recvPtr && !xPtr:
		deref = "&"
	case !recvPtr && xPtr:
		deref = "*"
	}
	v := r.newName("R")
	r.Add(r.off(n.Pos()), r.off(n.End()), func() string {
		return fmt.Sprintf("(func() %s { %s := %s(%s); return %s.%s }())", ft, v, deref, r.span(n.X), v, n.Sel.Name)
	})
}

// methodExpr rewrites a method expression of a session type, which the
// interpreter (yaegi v0.16.0) calls without its receiver ("reflect: Call
// with too many input arguments"), into a function literal that calls the
// method:
//
//	(*T).Inc  ->  func(_gocurrentP0 *T) { _gocurrentP0.Inc() }
func (r *rewriter) methodExpr(n *ast.SelectorExpr) {
	sel, ok := r.info.Selections[n]
	if !ok || sel.Kind() != types.MethodExpr || !interpretedType(sel.Recv()) || r.inGeneric(n) {
		return
	}
	sig, ok := r.typeOf(n).(*types.Signature)
	if !ok || sig.Params().Len() == 0 {
		return
	}
	var params, args []string
	for i := range sig.Params().Len() {
		t := sig.Params().At(i).Type()
		name := fmt.Sprintf("_gocurrentP%d", i)
		if sig.Variadic() && i == sig.Params().Len()-1 {
			elem, ok := r.w.typeString(t.(*types.Slice).Elem(), false)
			if !ok {
				return
			}
			params, args = append(params, name+" ..."+elem), append(args, name+"...")
			continue
		}
		ts, ok := r.w.typeString(t, false)
		if !ok {
			return
		}
		params, args = append(params, name+" "+ts), append(args, name)
	}
	results := ""
	if sig.Results().Len() > 0 {
		var rs []string
		for i := range sig.Results().Len() {
			ts, ok := r.w.typeString(sig.Results().At(i).Type(), false)
			if !ok {
				return
			}
			rs = append(rs, ts)
		}
		results = " (" + strings.Join(rs, ", ") + ")"
	}
	ret := ""
	if results != "" {
		ret = "return "
	}
	r.replace(n, fmt.Sprintf("func(%s)%s { %s%s.%s(%s) }", strings.Join(params, ", "), results, ret, args[0], n.Sel.Name, strings.Join(args[1:], ", ")))
}
