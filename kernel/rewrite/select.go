package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
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

// selectStmt rewrites select statement n into a switch on the native
// select (see above).
func (r *rewriter) selectStmt(n *ast.SelectStmt) {
	if len(n.Body.List) == 0 {
		return // select {}: blocks forever, with no cases to share
	}
	line := func(p token.Pos) int { return r.w.fset.Position(p).Line }
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
		return r.w.typeString(c.Elem(), false)
	}
	for i, st := range n.Body.List {
		cc, ok := st.(*ast.CommClause)
		if !ok || line(cc.Case) != line(cc.Colon) {
			return
		}
		head := fmt.Sprintf("case %d:", i)
		switch comm := cc.Comm.(type) {
		case nil:
			args = append(args, func() string { return NativeAlias + ".Default()" })
			head = "default:"
		case *ast.SendStmt:
			t, ok := elem(comm.Chan)
			if !ok {
				return
			}
			args = append(args, func() string {
				return fmt.Sprintf("%s.Send(%s, []%s{%s})", NativeAlias, r.span(comm.Chan), t, r.span(comm.Value))
			})
		case *ast.ExprStmt:
			u, ok := ast.Unparen(comm.X).(*ast.UnaryExpr)
			if !ok || u.Op != token.ARROW {
				return
			}
			args = append(args, func() string { return fmt.Sprintf("%s.Recv(%s, nil)", NativeAlias, r.span(u.X)) })
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
			args = append(args, func() string { return fmt.Sprintf("%s.Recv(%s, &%s)", NativeAlias, r.span(u.X), v) })
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
				lhs[j] = r.Src[r.off(l.Pos()):r.off(l.End())]
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
				r.Add(r.off(cc.Case), r.off(cc.Colon)+1, func() string {
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
		r.Add(r.off(cc.Case), r.off(cc.Colon)+1, func() string { return h })
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
	r.Add(r.off(n.Select), r.off(n.Select)+len("select"), func() string {
		ok := "nil"
		if okVar != "" {
			ok = "&" + okVar
		}
		var b strings.Builder
		fmt.Fprintf(&b, "switch %s.Select(%s", NativeAlias, ok)
		for _, a := range args {
			b.WriteString(", ")
			b.WriteString(a())
		}
		b.WriteString(")")
		return b.String()
	})
}
