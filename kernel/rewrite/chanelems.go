package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// Range over a slice, array or map of channels with an element variable:
// the interpreter (yaegi v0.16.0) loses the element (it panics), and the
// loop reads each element by its index or key instead.

// rangeChanElems rewrites a range over a slice, array or map of channels
// with an element variable, which the interpreter gets wrong, as a loop
// over the indexes (or keys) that reads each element:
//
//	for i, c := range xs {  ->  for S, I := xs, 0; I < len(S); I++ { i, c := I, S[I];
//	for k, c := range m {   ->  for K := range m { k, c := K, m[K];
func (r *rewriter) rangeChanElems(n *ast.RangeStmt) {
	_, isMap := r.typeOf(n.X).Underlying().(*types.Map)
	lhs := func() string {
		if n.Key == nil {
			return "_, " + r.span(n.Value)
		}
		return r.span(n.Key) + ", " + r.span(n.Value)
	}
	op := ":="
	if n.Tok == token.ASSIGN {
		op = "="
	}
	r.Add(r.off(n.For), r.off(n.Body.Lbrace)+1, func() string {
		if isMap {
			k := r.newName("K")
			x := r.span(n.X)
			return fmt.Sprintf("for %s := range %s { %s %s %s, %s[%s];", k, x, lhs(), op, k, x, k)
		}
		sl, i := r.newName("S"), r.newName("I")
		return fmt.Sprintf("for %s, %s := %s, 0; %s < len(%s); %s++ { %s %s %s, %s[%s];", sl, i, r.span(n.X), i, sl, i, lhs(), op, i, sl, i)
	})
}
