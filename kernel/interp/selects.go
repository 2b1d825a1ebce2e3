package interp

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"reflect"
	"strings"
	"sync"
)

// Select statements.
//
// The interpreter (yaegi v0.16.0, interp/run.go, func _select) builds the
// reflect.SelectCase slice of a select statement once, when it compiles
// the statement, and fills it in place each time the statement runs. Two
// goroutines running the same select at once (three workers of a
// pipeline stage, each in `select { case out <- n*n: ... }`) overwrite
// each other's cases: one sends the other's value, or sends on a channel
// another goroutine closed. No upstream issue covers it, and no newer tag
// fixes it, so before a cell runs every select statement is rewritten
// into a switch on a native select whose cases are built per call:
//
//	select {               var V0 T; var OK bool; switch M.Select(&OK, M.Recv(c, &V0), M.Send(out, []U{x}), M.Default()) {
//	case v, ok := <-c:     case 0: v, ok := V0, OK
//	case out <- x:         case 1:
//	default:               default:
//	}                      }
//
// Channel operands and sent values are evaluated once, in source order,
// as Go specifies; the left-hand side of a receive assignment only when
// its case is chosen. A sent value goes through a one-element slice of
// the channel's element type, and a received one through a variable of
// that type, so that interpreted interface types (which the interpreter
// represents by a struct of its own) cross unchanged. A select whose
// element types cannot be written at that place (a type declared inside
// another function) or whose cases span lines is left as written.

// selectOps are the native select of rewritten cells.
type selectOps struct {
	mu   sync.Mutex
	stop chan struct{} // closed when an evaluation is interrupted
}

// selCase is one case of a rewritten select.
type selCase struct {
	sc  reflect.SelectCase
	dst reflect.Value // where a receive stores its value, if anywhere
}

// interrupted wakes every select blocked since the last interrupt, as the
// interpreter wakes its own: the interpreter stops their goroutines at the
// next statement (it has already moved to a new run id).
func (o *selectOps) interrupted() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stop != nil {
		close(o.stop)
		o.stop = nil
	}
}

func (o *selectOps) stopChan() chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.stop == nil {
		o.stop = make(chan struct{})
	}
	return o.stop
}

// recv is a receive case; dst is nil or a pointer to a variable of the
// channel's element type.
func (o *selectOps) recv(ch, dst any) selCase {
	c := selCase{sc: reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)}}
	if dst != nil {
		c.dst = reflect.ValueOf(dst).Elem()
	}
	return c
}

// send is a send case; v is a one-element slice holding the value.
func (o *selectOps) send(ch, v any) selCase {
	c := reflect.ValueOf(ch)
	x := reflect.ValueOf(v).Index(0)
	if c.IsValid() {
		if et := c.Type().Elem(); !x.Type().AssignableTo(et) && x.Type().ConvertibleTo(et) {
			x = x.Convert(et)
		}
	}
	return selCase{sc: reflect.SelectCase{Dir: reflect.SelectSend, Chan: c, Send: x}}
}

func (o *selectOps) dflt() selCase {
	return selCase{sc: reflect.SelectCase{Dir: reflect.SelectDefault}}
}

// selectIndex runs the select and returns the index of the chosen case,
// or -1 when an interrupt woke it.
func (o *selectOps) selectIndex(ok *bool, cases ...selCase) int {
	sc := make([]reflect.SelectCase, len(cases), len(cases)+1)
	blocking := true
	for i, c := range cases {
		sc[i] = c.sc
		if c.sc.Dir == reflect.SelectDefault {
			blocking = false
		}
	}
	if blocking {
		sc = append(sc, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(o.stopChan())})
	}
	i, v, recvOK := reflect.Select(sc)
	if i == len(cases) {
		return -1
	}
	if c := cases[i]; c.sc.Dir == reflect.SelectRecv {
		if c.dst.IsValid() {
			if !v.Type().AssignableTo(c.dst.Type()) && v.Type().ConvertibleTo(c.dst.Type()) {
				v = v.Convert(c.dst.Type())
			}
			c.dst.Set(v)
		}
		if ok != nil {
			*ok = recvOK
		}
	}
	return i
}

// symbols are the helpers rewritten selects call, in the native package.
func (o *selectOps) symbols() map[string]reflect.Value {
	return map[string]reflect.Value{
		"Select":  reflect.ValueOf(o.selectIndex),
		"Recv":    reflect.ValueOf(o.recv),
		"Send":    reflect.ValueOf(o.send),
		"Default": reflect.ValueOf(o.dflt),
	}
}

// selectStub declares the helpers for go/types.
const selectStub = `
type Case struct{}
func Select(ok *bool, cases ...Case) int { return 0 }
func Recv(ch, dst any) Case { return Case{} }
func Send(ch, v any) Case { return Case{} }
func Default() Case { return Case{} }
`

// selectStmt rewrites select statement n into a switch on the native
// select (see above).
func (r *rewriter) selectStmt(n *ast.SelectStmt) {
	if len(n.Body.List) == 0 {
		return // select {}: blocks forever, with no cases to share
	}
	line := func(p token.Pos) int { return r.m.fset.Position(p).Line }
	type recvVar struct{ name, typ string }
	var (
		args  []func() string
		vars  []recvVar
		heads []string
		okVar string
	)
	elem := func(ch ast.Expr) (string, bool) {
		t := r.typeOf(ch)
		if t == nil {
			return "", false
		}
		c, ok := t.Underlying().(*types.Chan)
		if !ok {
			return "", false
		}
		return r.m.typeString(c.Elem(), false)
	}
	for i, st := range n.Body.List {
		cc, ok := st.(*ast.CommClause)
		if !ok || line(cc.Case) != line(cc.Colon) {
			return
		}
		head := fmt.Sprintf("case %d:", i)
		switch comm := cc.Comm.(type) {
		case nil:
			args = append(args, func() string { return nativeAlias + ".Default()" })
			head = "default:"
		case *ast.SendStmt:
			t, ok := elem(comm.Chan)
			if !ok {
				return
			}
			args = append(args, func() string {
				return fmt.Sprintf("%s.Send(%s, []%s{%s})", nativeAlias, r.span(comm.Chan), t, r.span(comm.Value))
			})
		case *ast.ExprStmt:
			u, ok := ast.Unparen(comm.X).(*ast.UnaryExpr)
			if !ok || u.Op != token.ARROW {
				return
			}
			args = append(args, func() string { return fmt.Sprintf("%s.Recv(%s, nil)", nativeAlias, r.span(u.X)) })
		case *ast.AssignStmt:
			if len(comm.Rhs) != 1 || len(comm.Lhs) > 2 {
				return
			}
			u, ok := ast.Unparen(comm.Rhs[0]).(*ast.UnaryExpr)
			if !ok || u.Op != token.ARROW {
				return
			}
			t, ok := elem(u.X)
			if !ok {
				return
			}
			v := r.newName("SelV")
			vars = append(vars, recvVar{v, t})
			args = append(args, func() string { return fmt.Sprintf("%s.Recv(%s, &%s)", nativeAlias, r.span(u.X), v) })
			rhs := []string{v}
			if len(comm.Lhs) == 2 {
				if okVar == "" {
					okVar = r.newName("SelOK")
				}
				rhs = append(rhs, okVar)
			}
			lhs := make([]string, len(comm.Lhs))
			blank := true
			for j, l := range comm.Lhs {
				lhs[j] = r.src[r.off(l.Pos()):r.off(l.End())]
				if id, isID := l.(*ast.Ident); !isID || id.Name != "_" {
					blank = false
				}
			}
			switch {
			case comm.Tok == token.DEFINE && blank:
			case comm.Tok == token.DEFINE:
				head += fmt.Sprintf(" %s := %s;", strings.Join(lhs, ", "), strings.Join(rhs, ", "))
			default:
				// Rendered with the edits inside (an index expression
				// may hold a rewritten call).
				lhsNodes := comm.Lhs
				prefix := head
				head = ""
				r.add(r.off(cc.Case), r.off(cc.Colon)+1, func() string {
					parts := make([]string, len(lhsNodes))
					for j, l := range lhsNodes {
						parts[j] = r.span(l)
					}
					return fmt.Sprintf("%s %s = %s;", prefix, strings.Join(parts, ", "), strings.Join(rhs, ", "))
				})
			}
		default:
			return
		}
		heads = append(heads, head)
	}
	for i, st := range n.Body.List {
		if heads[i] == "" {
			continue
		}
		cc := st.(*ast.CommClause)
		h := heads[i]
		r.add(r.off(cc.Case), r.off(cc.Colon)+1, func() string { return h })
	}
	if len(vars) > 0 || okVar != "" {
		// The variables come before the statement (and its labels): the
		// interpreter does not evaluate a switch's tag when the switch
		// has an init statement.
		var decl strings.Builder
		for _, v := range vars {
			fmt.Fprintf(&decl, "var %s %s; ", v.name, v.typ)
		}
		if okVar != "" {
			fmt.Fprintf(&decl, "var %s bool; ", okVar)
		}
		var at ast.Node = n
		for {
			lab, ok := r.parent[at].(*ast.LabeledStmt)
			if !ok {
				break
			}
			at = lab
		}
		r.insert(r.off(at.Pos()), decl.String())
	}
	r.add(r.off(n.Select), r.off(n.Select)+len("select"), func() string {
		ok := "nil"
		if okVar != "" {
			ok = "&" + okVar
		}
		var b strings.Builder
		fmt.Fprintf(&b, "switch %s.Select(%s", nativeAlias, ok)
		for _, a := range args {
			b.WriteString(", ")
			b.WriteString(a())
		}
		b.WriteString(")")
		return b.String()
	})
}

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
	ft, ok := r.m.typeString(t, false)
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
	r.add(r.off(n.Pos()), r.off(n.End()), func() string {
		return fmt.Sprintf("(func() %s { %s := %s(%s); return %s.%s }())", ft, v, deref, r.span(n.X), v, n.Sel.Name)
	})
}

// unnamedParams names the unnamed parameters of a function with a body
// "_". The interpreter (yaegi v0.16.0) gives an unnamed parameter no slot
// in the function's frame while its body's symbols of other packages
// still count it, so func w(int) int { return os.Getpid() } panicked with
// "reflect.Set: value of type int is not assignable to type func() int";
// func w(_ int) runs.
func (r *rewriter) unnamedParams(ft *ast.FuncType, body *ast.BlockStmt) {
	if body == nil || ft.Params == nil {
		return
	}
	for _, f := range ft.Params.List {
		if len(f.Names) == 0 {
			r.insert(r.off(f.Type.Pos()), "_ ")
		}
	}
}
