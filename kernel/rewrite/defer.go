package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// Deferred calls. Go evaluates the function value and the arguments of a
// deferred call when the defer statement runs; the interpreter (yaegi
// v0.16.0) evaluates them when the deferred call runs, so
//
//	x := 1; defer fmt.Println(x); x = 2
//
// printed 2, a deferred w.Print() used the receiver's last value, and a
// deferred call in a loop saw the last iteration's values only. The
// values are copied into variables of their own at the defer statement,
// and the deferred call becomes a function literal that calls with them:
//
//	defer f(a, b)   ->   D1, D2 := a, b; defer func() { f(D1, D2) }()
//
// A defer whose values cannot change before the function returns (no
// arguments, constants, variables declared in the cell and never assigned
// again, outside loops) is left alone. In a loop the copies would not
// help (the interpreter keeps one variable per declaration in a frame, so
// every iteration's deferred call would read the last copy): a deferred
// call in a loop whose values can change is refused.

// deferStmt copies the values of a deferred call at the defer statement.
func (r *rewriter) deferStmt(n *ast.DeferStmt) {
	call := n.Call
	if r.inGeneric(n) || r.rangeFuncAround(n, true) != nil {
		return
	}
	inLoop := r.inLoop(n)
	var parts []ast.Expr // the expressions to copy, in source order
	var prefix []string  // what the copy of each is: "" or "&" or "*"
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		if v, ok := r.info.Uses[f].(*types.Var); ok && !r.stable(f, v, inLoop) {
			parts, prefix = append(parts, f), append(prefix, "")
		}
	case *ast.SelectorExpr:
		sel, ok := r.info.Selections[f]
		if !ok || sel.Kind() != types.MethodVal {
			break
		}
		xt := r.typeOf(f.X)
		if xt == nil {
			return
		}
		_, xPtr := xt.Underlying().(*types.Pointer)
		id, isID := ast.Unparen(f.X).(*ast.Ident)
		if recvIsPtr(sel) && !xPtr && !types.IsInterface(xt) {
			// The method is called on the variable's address, which
			// stays the same.
			if root := rootIdent(f.X); !isID && addressable(f.X) && (root == nil || !r.stableIdent(root, inLoop)) {
				parts, prefix = append(parts, f.X), append(prefix, "&")
			}
			break
		}
		p := ""
		if !recvIsPtr(sel) && xPtr && len(sel.Index()) == 1 {
			p = "*" // the value the pointer points to, copied now
		} else if isID && r.stableIdent(id, inLoop) {
			break
		}
		parts, prefix = append(parts, f.X), append(prefix, p)
	}
	if len(parts) == 0 {
		if _, isLit := ast.Unparen(call.Fun).(*ast.FuncLit); !isLit && !r.isCallable(call.Fun) {
			return // a conversion, or an expression the check did not type
		}
	}
	for _, a := range call.Args {
		if !r.stableExpr(a, inLoop) {
			parts, prefix = append(parts, a), append(prefix, "")
		}
	}
	if inLoop && r.literalUsesLoopVars(call) {
		r.failf(n, "defer in a loop, of a function literal that uses variables declared in the loop: the interpreter makes the function value when the deferred call runs, so every deferred call would see the last iteration's variables; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native")
		return
	}
	if len(parts) == 0 {
		return
	}
	if inLoop {
		r.failf(n, "defer in a loop, of a call whose values can change between iterations: the interpreter keeps a reference to the variables a deferred call uses and reads them when the call runs, so every deferred call would see the last iteration's values; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native")
		return
	}
	names := make([]string, len(parts))
	for i := range parts {
		names[i] = r.newName("D")
	}
	start, end := r.off(n.Pos()), r.off(n.End())
	r.Add(start, end, func() string {
		var b strings.Builder
		b.WriteString(strings.Join(names, ", "))
		b.WriteString(" := ")
		for i, p := range parts {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(prefix[i] + r.span(p))
		}
		b.WriteString("; defer func() { ")
		pos := r.off(call.Pos())
		for i, p := range parts {
			b.WriteString(r.Render(pos, r.off(p.Pos())))
			b.WriteString(names[i])
			pos = r.off(p.End())
		}
		b.WriteString(r.Render(pos, end))
		b.WriteString(" }()")
		return b.String()
	})
}

// literalUsesLoopVars reports whether a function literal in call uses a
// variable declared inside a loop around call (in the same function),
// outside the literal: each iteration has its own, which the deferred
// literal would not see.
func (r *rewriter) literalUsesLoopVars(call *ast.CallExpr) bool {
	var loops []ast.Node
outer:
	for p := r.parent[call]; p != nil; p = r.parent[p] {
		switch p.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			loops = append(loops, p)
		case *ast.FuncLit, *ast.FuncDecl:
			break outer
		}
	}
	found := false
	ast.Inspect(call, func(n ast.Node) bool {
		lit, ok := n.(*ast.FuncLit)
		if !ok || found {
			return !found
		}
		ast.Inspect(lit.Body, func(m ast.Node) bool {
			id, ok := m.(*ast.Ident)
			if !ok || found {
				return !found
			}
			v, ok := r.info.Uses[id].(*types.Var)
			if !ok || (v.Pos() >= lit.Pos() && v.Pos() < lit.End()) {
				return true
			}
			for _, l := range loops {
				if v.Pos() >= l.Pos() && v.Pos() < l.End() {
					found = true
				}
			}
			return true
		})
		return false
	})
	return found
}

// isCallable reports whether f is a function value (not a type, for a
// conversion).
func (r *rewriter) isCallable(f ast.Expr) bool {
	tv, ok := r.info.Types[f]
	if !ok || tv.IsType() {
		return false
	}
	_, isSig := tv.Type.Underlying().(*types.Signature)
	return isSig || tv.IsBuiltin()
}

func recvIsPtr(sel *types.Selection) bool {
	fn, ok := sel.Obj().(*types.Func)
	if !ok {
		return false
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return false
	}
	_, ptr := recv.Type().(*types.Pointer)
	return ptr
}

// addressable reports whether e is a variable, a field of one, or an
// element of an array variable or of a slice.
func addressable(e ast.Expr) bool {
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		return true
	case *ast.SelectorExpr:
		return addressable(x.X)
	case *ast.IndexExpr:
		return true
	case *ast.StarExpr:
		return true
	}
	return false
}

// inLoop reports whether n is inside a loop of its function.
func (r *rewriter) inLoop(n ast.Node) bool {
	for p := r.parent[n]; p != nil; p = r.parent[p] {
		switch p.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return true
		case *ast.FuncLit, *ast.FuncDecl:
			return false
		}
	}
	return false
}

// stableExpr reports whether e has the same value at the defer statement
// and when the function returns: a constant, nil, a function literal, or
// operators on those and on stable variables.
func (r *rewriter) stableExpr(e ast.Expr, inLoop bool) bool {
	if tv, ok := r.info.Types[e]; ok && (tv.Value != nil || tv.IsNil()) {
		return true
	}
	switch x := e.(type) {
	case *ast.ParenExpr:
		return r.stableExpr(x.X, inLoop)
	case *ast.FuncLit:
		return true
	case *ast.Ident:
		v, ok := r.info.Uses[x].(*types.Var)
		return ok && r.stable(x, v, inLoop)
	case *ast.UnaryExpr:
		return x.Op != token.ARROW && x.Op != token.AND && r.stableExpr(x.X, inLoop)
	case *ast.BinaryExpr:
		return r.stableExpr(x.X, inLoop) && r.stableExpr(x.Y, inLoop)
	}
	return false
}

// stable reports whether variable v, used at id, keeps its value: it is
// declared in the item, outside a loop, and never assigned, incremented
// or taken the address of after its declaration.
func (r *rewriter) stable(id *ast.Ident, v *types.Var, inLoop bool) bool {
	if inLoop || v.Pkg() == nil || v.Parent() == v.Pkg().Scope() || v.IsField() {
		return false
	}
	declared := false
	var nodes []ast.Node
	for _, it := range r.chk.items {
		if it == r.it || (it.chunk != nil && r.it.chunk != nil) {
			nodes = append(nodes, it.nodes...)
		}
	}
	for _, top := range nodes {
		if v.Pos() >= top.Pos() && v.Pos() < top.End() {
			declared = true
		}
	}
	if !declared {
		return false
	}
	changed := false
	mark := func(e ast.Expr) {
		if x := r.valueRoot(e); x != nil && r.info.Uses[x] == v {
			changed = true
		}
	}
	for _, top := range nodes {
		ast.Inspect(top, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for _, l := range n.Lhs {
					mark(l)
				}
			case *ast.IncDecStmt:
				mark(n.X)
			case *ast.UnaryExpr:
				if n.Op == token.AND {
					mark(n.X)
				}
			case *ast.RangeStmt:
				if n.Tok == token.ASSIGN {
					mark(n.Key)
					if n.Value != nil {
						mark(n.Value)
					}
				}
			case *ast.SelectorExpr:
				// a pointer method may change the variable
				if sel, ok := r.info.Selections[n]; ok && sel.Kind() == types.MethodVal && recvIsPtr(sel) {
					mark(n.X)
				}
			}
			return !changed
		})
	}
	return !changed
}

// stableIdent reports whether id is a variable that keeps its value.
func (r *rewriter) stableIdent(id *ast.Ident, inLoop bool) bool {
	v, ok := r.info.Uses[id].(*types.Var)
	return ok && r.stable(id, v, inLoop)
}

// rootIdent is the variable a selector or index expression starts from.
func rootIdent(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// valueRoot is the variable that e is part of (e itself, a field or an
// array element of it), or nil when e is reached through a pointer, a
// slice or a map.
func (r *rewriter) valueRoot(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.SelectorExpr:
			if t := r.typeOf(x.X); t == nil || !isValue(t) {
				return nil
			}
			e = x.X
		case *ast.IndexExpr:
			if t := r.typeOf(x.X); t == nil || !isValue(t) {
				return nil
			}
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// isValue reports whether a variable of type t holds its fields or
// elements itself (a struct or an array).
func isValue(t types.Type) bool {
	switch t.Underlying().(type) {
	case *types.Struct, *types.Array:
		return true
	}
	return false
}
