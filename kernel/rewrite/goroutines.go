package rewrite

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// Go statements and WaitGroup.Go. The interpreter (yaegi v0.16.0)
// evaluates the function of "go f()()" in the new goroutine, so a go
// statement's function and arguments are passed as parameters of a
// literal; wg.Go (Go 1.25) becomes Add, a go statement and Done. Both
// start the goroutine's body with the Host's supervision.

// goStmt gives the kernel's supervision of go statements a go statement
// it can keep faithful: the interpreter evaluates the function of "go
// f()()" in the new goroutine, so "go g(x)" rewritten with a function
// that returns a closure read x late, in a loop the next iteration's.
// Passing the function and its arguments as parameters of a literal
// evaluates them in the go statement, as Go does:
//
//	go output(c)  ->  go func(F func(<-chan int), A0 <-chan int) { F(A0) }(output, c)
//
// Calls of the session's own functions are left to the supervision, which
// calls their twins with the arguments directly.
func (r *rewriter) goStmt(n *ast.GoStmt) {
	call := n.Call
	fun := ast.Unparen(call.Fun)
	if _, ok := fun.(*ast.FuncLit); ok {
		return
	}
	if len(call.Args) == 1 {
		if t, ok := r.typeOf(call.Args[0]).(*types.Tuple); ok && t.Len() != 1 {
			return // f(g()) with several results
		}
	}
	if id, ok := fun.(*ast.Ident); ok {
		if obj, ok := r.info.Uses[id].(*types.Func); ok && obj.Pkg() != nil && obj.Pkg().Path() == "main" &&
			obj.Parent() == obj.Pkg().Scope() && obj.Type().(*types.Signature).TypeParams().Len() == 0 {
			if _, inst := r.info.Instances[id]; !inst {
				return
			}
		}
	}
	sig, ok := r.typeOf(call.Fun).(*types.Signature)
	if !ok {
		return
	}
	generic := r.inGeneric(n)
	ft, ok := r.w.typeString(sig, generic)
	if !ok {
		return
	}
	params := sig.Params()
	var ptypes []string
	for i := range call.Args {
		var t types.Type
		switch {
		case sig.Variadic() && i >= params.Len()-1 && !call.Ellipsis.IsValid():
			t = params.At(params.Len() - 1).Type().(*types.Slice).Elem()
		case i < params.Len():
			t = params.At(i).Type()
		default:
			return
		}
		s, ok := r.w.typeString(t, generic)
		if !ok {
			return
		}
		ptypes = append(ptypes, s)
	}
	f := r.newName("F")
	r.Add(r.off(call.Pos()), r.off(call.End()), func() string {
		var ps, as, vals []string
		ps = append(ps, f+" "+ft)
		vals = append(vals, r.span(call.Fun))
		for i, a := range call.Args {
			p := fmt.Sprintf("%sA%d", f, i)
			ps = append(ps, p+" "+ptypes[i])
			as = append(as, p)
			vals = append(vals, r.span(a))
		}
		ell := ""
		if call.Ellipsis.IsValid() {
			ell = "..."
		}
		return fmt.Sprintf("func(%s) { %s%s(%s%s) }(%s)", strings.Join(ps, ", "), r.supervision(n), f, strings.Join(as, ", "), ell, strings.Join(vals, ", "))
	})
}

// supervision starts the body of a goroutine that go statement n starts,
// as the Host's supervision of go statements does, but naming the
// statement as the user wrote it: the kernel supervises the rewritten
// statement again, and the inner recovery, this one, reports a panic
// first.
func (r *rewriter) supervision(n ast.Node) string {
	c := r.chk.s.Cell
	if r.it.inst != nil && r.it.inst.Cell > 0 {
		c = r.it.inst.Cell
	}
	line, _ := r.cellPos(n.Pos())
	return r.w.host.Supervise(c, line, r.Src[r.off(n.Pos()):r.off(n.End())])
}

// waitGroupGo rewrites wg.Go(f) (Go 1.25) so that the goroutine is
// supervised as those of go statements are.
func (r *rewriter) waitGroupGo(n *ast.ExprStmt) {
	call, ok := n.X.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Go" {
		return
	}
	s, ok := r.info.Selections[sel]
	if !ok {
		return
	}
	fn, ok := s.Obj().(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "sync" {
		return
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil || !strings.HasSuffix(recv.Type().String(), "sync.WaitGroup") {
		return
	}
	addr := "&"
	if t := r.typeOf(sel.X); t != nil {
		if _, isPtr := t.Underlying().(*types.Pointer); isPtr {
			addr = ""
		}
	}
	w, f := r.newName("W"), r.newName("F")
	x, arg := sel.X, call.Args[0]
	r.Add(r.off(n.Pos()), r.off(n.End()), func() string {
		return fmt.Sprintf("{ %s, %s := %s%s, %s; %s.Add(1); go func() { %sdefer %s.Done(); %s() }() }",
			w, f, addr, r.span(x), r.span(arg), w, r.supervision(n), w, f)
	})
}
