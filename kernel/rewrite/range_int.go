package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
)

// Range over integers (Go 1.22), which the interpreter (yaegi v0.16.0)
// does not know: github.com/traefik/yaegi/pull/1644 and
// github.com/traefik/yaegi/pull/1645 proposed it, neither was released.
// The loop becomes a three-clause loop over a variable of the integer's
// type.

// rangeInt: for k := range n { -> for V, N := T(0), n; V < N; V++ { k := V;
func (r *rewriter) rangeInt(n *ast.RangeStmt, li *loopInfo) {
	typ := "int"
	if t := r.typeOf(n.X); t != nil {
		if b, ok := t.(*types.Basic); !ok || b.Info()&types.IsUntyped == 0 {
			s, ok := r.w.typeString(t, r.inGeneric(n))
			if !ok {
				r.failf(n.X, "range over a value of a type declared inside a function; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native")
				return
			}
			typ = s
		}
	}
	v, lim := r.newName("I"), r.newName("N")
	start, lbrace := r.off(n.For), r.off(n.Body.Lbrace)
	x := n.X
	r.Add(start, lbrace+1, func() string {
		head := fmt.Sprintf("for %s, %s := %s(0), %s; %s < %s; %s++ {", v, lim, parenType(typ), r.span(x), v, lim, v)
		switch {
		case n.Key == nil:
		case n.Tok == token.DEFINE:
			if id, ok := n.Key.(*ast.Ident); !ok || id.Name != "_" {
				head += fmt.Sprintf(" %s := %s;", r.span(n.Key), v)
			}
		default:
			head += fmt.Sprintf(" %s = %s;", r.span(n.Key), v)
		}
		return head
	})
}
