package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// Per-iteration loop variables (Go 1.22).
//
// The interpreter (yaegi v0.16.0) has one variable per loop, as Go before
// 1.22: a closure or a pointer made in the body sees the last iteration's
// value (github.com/traefik/yaegi/issues/1713; the support proposed in
// github.com/traefik/yaegi/pull/1645 was not released). A loop whose body
// may keep its variables beyond the iteration gets a fresh copy of them in
// each iteration, copied back when the body changes them:
//
//	for i := 0; i < n; i++ { ... }  ->  for V := 0; V < n; V++ { i := V; ...; V = i }
//
// Function literals passed as arguments inside loops are put in
// parentheses (funcLitArgs).

// captures reports whether body may keep a variable of vars beyond the
// iteration: a function literal, or its address.
func (r *rewriter) captures(body ast.Node, vars map[string]bool) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			found = true
		case *ast.UnaryExpr:
			if n.Op == token.AND && usesAny(n.X, vars) {
				found = true
			}
		}
		return !found
	})
	return found
}

// assigns reports whether body may change a variable of vars.
func (r *rewriter) assigns(body ast.Node, vars map[string]bool) bool {
	found := false
	base := func(e ast.Expr) bool {
		for {
			switch x := e.(type) {
			case *ast.Ident:
				return vars[x.Name]
			case *ast.SelectorExpr:
				e = x.X
			case *ast.IndexExpr:
				if _, ok := x.X.(*ast.Ident); ok {
					if t := r.typeOf(x.X); t != nil {
						if _, isArr := t.Underlying().(*types.Array); !isArr {
							return false
						}
					}
				}
				e = x.X
			case *ast.ParenExpr:
				e = x.X
			default:
				return false
			}
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok != token.DEFINE {
				for _, l := range n.Lhs {
					if base(l) {
						found = true
					}
				}
			}
		case *ast.IncDecStmt:
			if base(n.X) {
				found = true
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND && usesAny(n.X, vars) {
				found = true
			}
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN && (base(n.Key) || (n.Value != nil && base(n.Value))) {
				found = true
			}
		}
		return !found
	})
	return found
}

func usesAny(e ast.Node, vars map[string]bool) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && vars[id.Name] {
			found = true
		}
		return !found
	})
	return found
}

// forStmt gives a three-clause loop whose body captures its variables a
// fresh copy of them in each iteration (Go 1.22).
func (r *rewriter) forStmt(n *ast.ForStmt) {
	li := r.loops[n]
	if li.kind != loopCopy {
		return
	}
	init := n.Init.(*ast.AssignStmt)
	holder := map[string]string{}
	for i, v := range li.vars {
		holder[v] = li.holders[i]
	}
	for _, l := range init.Lhs {
		if id, ok := l.(*ast.Ident); ok && holder[id.Name] != "" {
			r.replace(id, holder[id.Name])
		}
	}
	var loopObjs []types.Object
	for _, l := range init.Lhs {
		if id, ok := l.(*ast.Ident); ok {
			if obj := r.info.Defs[id]; obj != nil {
				loopObjs = append(loopObjs, obj)
			}
		}
	}
	for _, part := range []ast.Node{n.Cond, n.Post} {
		if part == nil {
			continue
		}
		r.renameUses(part, holder, loopObjs)
	}
	r.insert(r.off(n.Body.Lbrace)+1, fmt.Sprintf(" %s := %s;", strings.Join(li.vars, ", "), strings.Join(li.holders, ", ")))
	if li.copyBack {
		r.insert(r.off(n.Body.Rbrace), fmt.Sprintf(" %s = %s;", strings.Join(li.holders, ", "), strings.Join(li.vars, ", ")))
	}
}

// renameUses renames in n the uses of the loop's variables.
func (r *rewriter) renameUses(n ast.Node, holder map[string]string, objs []types.Object) {
	skip := map[*ast.Ident]bool{}
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.SelectorExpr:
			skip[x.Sel] = true
		case *ast.KeyValueExpr:
			if id, ok := x.Key.(*ast.Ident); ok {
				skip[id] = true
			}
		case *ast.Ident:
			h := holder[x.Name]
			if h == "" || skip[x] {
				return true
			}
			if obj := r.info.Uses[x]; obj != nil && len(objs) > 0 && !slices.Contains(objs, obj) {
				return true
			}
			r.replace(x, h)
		}
		return true
	})
}

// funcLitArgs puts function literals passed as arguments inside loops in
// parentheses: the interpreter turns a literal argument of a native
// function (sync.OnceFunc, time.AfterFunc) into a function that reads the
// loop's variables when it runs, not the iteration's, unless the literal
// is first a value of its own.
func (r *rewriter) funcLitArgs(n *ast.CallExpr) {
	inLoop := false
	for p := r.parent[n]; p != nil && !inLoop; p = r.parent[p] {
		switch p.(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			inLoop = true
		case *ast.FuncDecl:
			return
		}
	}
	if !inLoop {
		return
	}
	for _, a := range n.Args {
		if lit, ok := a.(*ast.FuncLit); ok {
			r.wrap(lit, "(", ")")
		}
	}
}
