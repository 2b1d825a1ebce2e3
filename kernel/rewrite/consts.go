package rewrite

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// Constant declarations of several names that use iota. The interpreter
// (yaegi v0.16.0) counts iota once per name, not once per line, in a spec
// of several names (a, b = iota, iota*10 then c, d = iota, iota*10 gave c
// and d 2 and 20, not 1 and 10), and fails with "constant definition loop"
// where such a spec is repeated implicitly (c, d alone). From the first
// such spec on, every spec of the block is written with its values, which
// go/types has computed:
//
//	const (            const (
//		a, b = iota, iota * 10    ->    a, b = 0, 0
//		c, d                            c, d = 1, 10
//	)                  )

// constDecl writes the values of the specs of const declaration n from
// its first spec of several names that uses iota on.
func (r *rewriter) constDecl(n *ast.GenDecl) {
	if n.Tok != token.CONST {
		return
	}
	var last []ast.Expr // the values a spec without values repeats
	from := -1
	for i, s := range n.Specs {
		vs, ok := s.(*ast.ValueSpec)
		if !ok {
			return
		}
		if len(vs.Values) > 0 {
			last = vs.Values
		}
		if from < 0 && len(vs.Names) > 1 && usesIota(last) {
			from = i
		}
	}
	if from < 0 {
		return
	}
	for _, s := range n.Specs[from:] {
		vs := s.(*ast.ValueSpec)
		vals := make([]string, len(vs.Names))
		for j, name := range vs.Names {
			c, ok := r.info.Defs[name].(*types.Const)
			if !ok {
				return
			}
			v, ok := constLiteral(c, r.w)
			if !ok {
				return
			}
			vals[j] = v
		}
		names := make([]string, len(vs.Names))
		for j, name := range vs.Names {
			names[j] = name.Name
		}
		end := vs.End()
		if len(vs.Values) == 0 && vs.Type != nil {
			end = vs.Type.End()
		}
		r.Put(r.off(vs.Pos()), r.off(end), strings.Join(names, ", ")+" = "+strings.Join(vals, ", "))
	}
}

// usesIota reports whether one of exprs uses iota.
func usesIota(exprs []ast.Expr) bool {
	found := false
	for _, e := range exprs {
		ast.Inspect(e, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == "iota" {
				found = true
			}
			return !found
		})
	}
	return found
}

// constLiteral is the value of c as a constant expression of c's type:
// a literal of its kind for an untyped constant, a conversion of one for a
// typed constant.
func constLiteral(c *types.Const, w *Rewriter) (string, bool) {
	b, basic := c.Type().(*types.Basic)
	if basic && b.Kind() == types.UntypedRune {
		if r, ok := constant.Int64Val(c.Val()); ok && r >= 0 && r <= 0x10FFFF {
			return strconv.QuoteRune(rune(r)), true
		}
		return "", false
	}
	if basic && b.Kind() == types.UntypedBool || (basic && b.Kind() == types.Bool) {
		return c.Val().ExactString(), true
	}
	if c.Val().Kind() == constant.Float && basic && b.Info()&types.IsUntyped != 0 {
		// An exact fraction of untyped floats (25.0/2), not of integers.
		num, den := constant.Num(c.Val()), constant.Denom(c.Val())
		if den.ExactString() == "1" {
			return num.ExactString() + ".0", true
		}
		return "(" + num.ExactString() + ".0/" + den.ExactString() + ")", true
	}
	return constantText(types.TypeAndValue{Type: c.Type(), Value: c.Val()}, w)
}
