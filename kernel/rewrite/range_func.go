package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// Range over functions (Go 1.23), which the interpreter (yaegi v0.16.0)
// does not know. The loop's body becomes a function literal given to the
// sequence as its yield function; break, continue, return and goto in the
// body are translated as the spec says (branch.go has the branches), and
// defer in the body, which would run when the literal returns, is refused.
// A sequence that calls its yield function again after the body returned
// false, or after the loop ended, panics with Go's runtime error (the
// native RangeContinued raises it).

// rangeFunc: for k, v := range seq { body } ->
//
//	{ var J, D int; (seq)(func(k K, v V) bool { if D != 0 { RangeContinued(D) }; body; return true }); D = 2; if J == 1 { ... } }
func (r *rewriter) rangeFunc(n *ast.RangeStmt, li *loopInfo) {
	sig, _ := r.typeOf(n.X).Underlying().(*types.Signature)
	if sig == nil || sig.Params().Len() != 1 {
		return
	}
	yield, _ := sig.Params().At(0).Type().Underlying().(*types.Signature)
	if yield == nil {
		return
	}
	params := yield.Params()
	generic := r.inGeneric(n)
	var ptypes []string
	for i := 0; i < params.Len(); i++ {
		s, ok := r.w.typeString(params.At(i).Type(), generic)
		if !ok {
			r.failf(n.X, "range over a function whose values have a type declared inside a function; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native")
			return
		}
		ptypes = append(ptypes, s)
	}
	exprs := []ast.Expr{n.Key, n.Value}
	var names, assign []string
	var lhs []ast.Expr
	for i := range ptypes {
		var e ast.Expr
		if i < 2 {
			e = exprs[i]
		}
		id, isID := e.(*ast.Ident)
		switch {
		case e == nil || (isID && id.Name == "_"):
			names = append(names, "_ "+ptypes[i])
		case n.Tok == token.DEFINE && isID:
			names = append(names, id.Name+" "+ptypes[i])
		default:
			p := r.newName("Y")
			names = append(names, p+" "+ptypes[i])
			lhs = append(lhs, e)
			assign = append(assign, p)
		}
	}
	li.exitVar = r.newName("J")
	li.doneVar = r.newName("D")
	if lab, ok := r.parent[n].(*ast.LabeledStmt); ok {
		// The label's loop is gone: the body's branches to it became
		// returns.
		r.Add(r.off(lab.Pos()), r.off(lab.Colon)+1, func() string { return "" })
	}
	body := n.Body
	x := n.X
	r.Add(r.off(n.Pos()), r.off(n.End()), func() string {
		var b strings.Builder
		b.WriteString("{ ")
		if len(li.exits) > 0 {
			fmt.Fprintf(&b, "var %s int; ", li.exitVar)
		}
		fmt.Fprintf(&b, "var %s int; ", li.doneVar)
		b.WriteString(li.resDecl)
		seq := r.span(x)
		switch ast.Unparen(x).(type) {
		case *ast.Ident, *ast.SelectorExpr, *ast.CallExpr, *ast.IndexExpr, *ast.IndexListExpr, *ast.FuncLit:
			// Without parentheses: the interpreter's call of (f)(y),
			// for a declared f that ignores a result of y, panics.
		default:
			seq = "(" + seq + ")"
		}
		fmt.Fprintf(&b, "%s(func(%s) bool { if %s != 0 { %s.RangeContinued(%s) };", seq, strings.Join(names, ", "), li.doneVar, NativeAlias, li.doneVar)
		if len(lhs) > 0 {
			var ls []string
			for _, e := range lhs {
				ls = append(ls, r.span(e))
			}
			fmt.Fprintf(&b, " %s = %s;", strings.Join(ls, ", "), strings.Join(assign, ", "))
		}
		b.WriteString(r.Render(r.off(body.Lbrace)+1, r.off(body.Rbrace)))
		// A semicolon: the body may end on its own line or not.
		fmt.Fprintf(&b, "; return true }); %s = 2", li.doneVar)
		for i, act := range li.exits {
			fmt.Fprintf(&b, "; if %s == %d { %s }", li.exitVar, i+1, act)
		}
		b.WriteString(" }")
		return b.String()
	})
}

// returnStmt rewrites a return inside the body of a range over a
// function: the body is a function literal, so the return stores the
// results, leaves it, and returns after the loop.
func (r *rewriter) returnStmt(n *ast.ReturnStmt) {
	inner := r.rangeFuncAround(n, true)
	if inner == nil {
		return
	}
	fn := r.loops[inner].fn
	var sig *types.Signature
	switch f := fn.(type) {
	case *ast.FuncDecl:
		if obj, ok := r.info.Defs[f.Name].(*types.Func); ok {
			sig = obj.Type().(*types.Signature)
		}
	case *ast.FuncLit:
		sig, _ = r.typeOf(f).(*types.Signature)
	}
	if sig == nil {
		r.failf(n, "return inside a range over a function, in a function whose result types the kernel does not know; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native")
		return
	}
	// The outermost range-over-function loop of the function declares
	// where the results wait.
	outer := inner
	for p := r.rangeFuncAround(inner, true); p != nil; p = r.rangeFuncAround(p, true) {
		outer = p
	}
	oli := r.loops[outer]
	res := sig.Results()
	named := res.Len() > 0 && res.At(0).Name() != "" && res.At(0).Name() != "_"
	var targets []string
	if res.Len() > 0 {
		if named {
			for i := 0; i < res.Len(); i++ {
				targets = append(targets, res.At(i).Name())
			}
		} else {
			if oli.results == nil {
				for i := 0; i < res.Len(); i++ {
					t, ok := r.w.typeString(res.At(i).Type(), r.inGeneric(n))
					if !ok {
						r.failf(n, "return inside a range over a function, of a type declared inside a function; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native")
						return
					}
					v := r.newName("R")
					oli.results = append(oli.results, v)
					oli.resDecl += fmt.Sprintf("var %s %s; ", v, t)
				}
			}
			targets = oli.results
		}
	}
	final := "return"
	if res.Len() > 0 && !named {
		final = "return " + strings.Join(targets, ", ")
	}
	// From the innermost loop outwards: each loop's function returns
	// false, and after the loop the next one out does the same, until
	// the last returns from the function.
	act := final
	var chain []*ast.RangeStmt
	for p := inner; p != nil; p = r.rangeFuncAround(p, true) {
		chain = append(chain, p)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		li := r.loops[chain[i]]
		li.exits = append(li.exits, act)
		act = li.leave(len(li.exits))
	}
	r.Add(r.off(n.Pos()), r.off(n.End()), func() string {
		if len(n.Results) == 0 {
			return act
		}
		var vals []string
		for _, e := range n.Results {
			vals = append(vals, r.span(e))
		}
		store := fmt.Sprintf("%s = %s; ", strings.Join(targets, ", "), strings.Join(vals, ", "))
		if len(vals) > 1 {
			// Through temporaries of the result types: the interpreter
			// loses values in a, b = x, f() (see parallelAssign).
			var tmps, conv []string
			for i, v := range vals {
				ts, _ := r.w.typeString(res.At(i).Type(), true)
				tmps = append(tmps, fmt.Sprintf("_gocurrentT%d", i))
				conv = append(conv, parenType(ts)+"("+v+")")
			}
			store = fmt.Sprintf("%s := %s; %s = %s; ", strings.Join(tmps, ", "), strings.Join(conv, ", "), strings.Join(targets, ", "), strings.Join(tmps, ", "))
		}
		return "{ " + store + strings.TrimPrefix(act, "{ ")
	})
}

// leave is the statement that leaves the body of a range over a function
// by exit (0: a break, which needs nothing done after the loop).
func (li *loopInfo) leave(exit int) string {
	if exit == 0 {
		return fmt.Sprintf("{ %s = 1; return false }", li.doneVar)
	}
	return fmt.Sprintf("{ %s = %d; %s = 1; return false }", li.exitVar, exit, li.doneVar)
}
