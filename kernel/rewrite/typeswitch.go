package rewrite

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"
)

// Type switches. The interpreter's (yaegi v0.16.0) type switch misses an
// interface case for a value of the standard library and a case of the
// session's types for a value in an interface (related upstream:
// github.com/traefik/yaegi/issues/1315, github.com/traefik/yaegi/issues/1322,
// github.com/traefik/yaegi/issues/1337); its type assertions are right.

// typeSwitch rewrites a type switch as an expression switch on the results
// of type assertions: the interpreter's type switch misses an interface
// case for a value of the standard library (case error: for errors.New's)
// and a case of the session's types for a value in an interface (case
// *MyErr: for an error), where its type assertions are right. Its type
// assertions to the session's interfaces panic, where its type switches
// are right: those cases keep a type switch of their own.
//
//	switch x := v.(type) {  ->  switch S := v; { default: var B1, B2 bool; if S != nil { if _, ok := S.(T); ok { B1 = true }; switch S.(type) { case I: B2 = true } }; switch {
//	case T:                 ->  case B1: x := S.(T); _ = x;
//	case I:                 ->  case B2: switch x := S.(type) { case I: _ = x;
//	case nil:               ->  case S == nil: x := S; _ = x;
//	}                       ->  } } }
func (r *rewriter) typeSwitch(n *ast.TypeSwitchStmt) {
	var x ast.Expr
	bind := ""
	switch a := n.Assign.(type) {
	case *ast.AssignStmt:
		if len(a.Lhs) != 1 || len(a.Rhs) != 1 {
			return
		}
		id, ok := a.Lhs[0].(*ast.Ident)
		ta, ok2 := a.Rhs[0].(*ast.TypeAssertExpr)
		if !ok || !ok2 {
			return
		}
		if id.Name != "_" {
			bind = id.Name
		}
		x = ta.X
	case *ast.ExprStmt:
		ta, ok := a.X.(*ast.TypeAssertExpr)
		if !ok {
			return
		}
		x = ta.X
	default:
		return
	}
	_, labeled := r.parent[n].(*ast.LabeledStmt)
	if n.Init != nil && labeled {
		return // a block around it would take its label
	}
	// Only where the interpreter may go wrong: an interface of another
	// package among the cases, or a switch on a non-empty interface.
	needed := false
	if t := r.typeOf(x); t != nil {
		if it, ok := t.Underlying().(*types.Interface); ok && !it.Empty() {
			needed = true
		}
	}
	type caseInfo struct {
		cc     *ast.CaseClause
		conds  []string
		kind   int // 0: assertion binds, 1: the session's interface (nested type switch), 2: no single type
		typ    string
		assert string // the assertion that binds, for kind 0 ("" for S.(typ))
	}
	xt := r.typeOf(x)
	sv := r.newName("S")
	var cases []*caseInfo
	var pre []string
	for _, st := range n.Body.List {
		cc, ok := st.(*ast.CaseClause)
		if !ok {
			continue
		}
		ci := &caseInfo{cc: cc, kind: 2}
		for _, t := range cc.List {
			if id, ok := t.(*ast.Ident); ok && id.Name == "nil" {
				if _, isNil := r.info.Uses[id].(*types.Nil); isNil {
					ci.conds = append(ci.conds, sv+" == nil")
					continue
				}
			}
			tt := r.typeOf(t)
			if tt == nil {
				return
			}
			b := r.newName("B")
			ts := r.Src[r.off(t.Pos()):r.off(t.End())]
			subject := func() string { return sv }
			if test, ok := r.anyAssert(t, xt, subject, tt, true); ok { // ifacevalues.go
				bindText, _ := r.anyAssert(t, xt, subject, tt, false)
				pre = append(pre, fmt.Sprintf("if _, ok := %s; ok { %s = true }", test(), b))
				needed = true
				if len(cc.List) == 1 {
					ci.kind, ci.typ, ci.assert = 0, ts, bindText()
				}
				ci.conds = append(ci.conds, b)
				continue
			}
			if it, isIface := tt.Underlying().(*types.Interface); isIface && interpretedType(tt) {
				// With a variable: without one, the interpreter's type
				// switch misses the session's interfaces too.
				pre = append(pre, fmt.Sprintf("switch %sV := %s.(type) { case %s: %s = true; _ = %sV }", b, sv, ts, b, b))
				if bind == "" {
					needed = true
				}
				if len(cc.List) == 1 {
					ci.kind, ci.typ = 1, ts
				}
			} else {
				if isIface && !it.Empty() {
					needed = true
				}
				if !isIface && len(mainTypeNames(tt)) > 0 {
					// The interpreter's type switch misses some cases of
					// the session's types that its assertions match.
					needed = true
				}
				pre = append(pre, fmt.Sprintf("if _, ok := %s.(%s); ok { %s = true }", sv, ts, b))
				if len(cc.List) == 1 {
					ci.kind, ci.typ = 0, ts
				}
			}
			ci.conds = append(ci.conds, b)
		}
		cases = append(cases, ci)
	}
	if !needed {
		return
	}
	var bools []string
	for _, ci := range cases {
		for _, c := range ci.conds {
			if strings.HasPrefix(c, "_gocurrentB") {
				bools = append(bools, c)
			}
		}
	}
	init := n.Init
	r.Add(r.off(n.Switch), r.off(n.Body.Lbrace)+1, func() string {
		var b strings.Builder
		if init != nil {
			fmt.Fprintf(&b, "{ %s; ", r.span(init))
		}
		fmt.Fprintf(&b, "switch %s := %s; { default: ", sv, r.span(x))
		if len(bools) > 0 {
			fmt.Fprintf(&b, "var %s bool; if %s != nil { %s }; ", strings.Join(bools, ", "), sv, strings.Join(pre, "; "))
		}
		b.WriteString("switch {")
		return b.String()
	})
	closing := " }"
	if init != nil {
		closing += " }"
	}
	r.insert(r.off(n.Body.Rbrace)+1, closing)
	for _, ci := range cases {
		ci := ci
		r.Add(r.off(ci.cc.Case), r.off(ci.cc.Colon)+1, func() string {
			head := "default:"
			if len(ci.cc.List) > 0 {
				head = "case " + strings.Join(ci.conds, " || ") + ":"
			}
			switch {
			case ci.kind == 1:
				v := bind
				if v == "" {
					v = sv + "V"
				}
				return fmt.Sprintf("%s switch %s := %s.(type) { case %s: _ = %s;", head, v, sv, ci.typ, v)
			case bind == "":
				return head
			case ci.kind == 0 && ci.assert != "":
				return fmt.Sprintf("%s %s := %s; _ = %s;", head, bind, ci.assert, bind)
			case ci.kind == 0:
				return fmt.Sprintf("%s %s := %s.(%s); _ = %s;", head, bind, sv, ci.typ, bind)
			}
			return fmt.Sprintf("%s %s := %s; _ = %s;", head, bind, sv, bind)
		})
		if ci.kind == 1 {
			// Close the nested type switch at the end of the clause.
			end := r.off(ci.cc.Colon) + 1
			if len(ci.cc.Body) > 0 {
				end = r.off(ci.cc.Body[len(ci.cc.Body)-1].End())
			}
			r.insert(end, " }")
		}
	}
}

// switched is the value a type switch switches on (v in switch v.(type)
// or switch x := v.(type)), or nil.
func switched(n *ast.TypeSwitchStmt) ast.Expr {
	var ta *ast.TypeAssertExpr
	switch a := n.Assign.(type) {
	case *ast.AssignStmt:
		if len(a.Rhs) == 1 {
			ta, _ = a.Rhs[0].(*ast.TypeAssertExpr)
		}
	case *ast.ExprStmt:
		ta, _ = a.X.(*ast.TypeAssertExpr)
	}
	if ta == nil {
		return nil
	}
	return ta.X
}
