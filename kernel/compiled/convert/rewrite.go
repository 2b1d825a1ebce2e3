package convert

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// rewrite edits the cell's parts (and the session's generic functions the
// cell copies) so that they reach earlier cells' names through their
// packages.
func (cv *converter) rewrite() {
	cv.findHoisted()
	done := map[*part]bool{}
	var todo []*part
	for _, p := range cv.parts {
		if p.inCell() {
			todo = append(todo, p)
		}
	}
	for len(todo) > 0 {
		p := todo[0]
		todo = todo[1:]
		if done[p] {
			continue
		}
		done[p] = true
		before := len(cv.copies)
		cv.rewritePart(p)
		if len(cv.copies) != before {
			for _, q := range cv.parts {
				if !q.inCell() && cv.copies[q.name] && !done[q] {
					todo = append(todo, q)
				}
			}
		}
	}
	cv.hoist()
	for _, p := range cv.parts {
		p.edits.Order()
	}
}

// rewritePart edits one part.
func (cv *converter) rewritePart(p *part) {
	parents := map[ast.Node]ast.Node{}
	for _, root := range p.nodes {
		var stack []ast.Node
		ast.Inspect(root, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			if len(stack) > 0 {
				parents[n] = stack[len(stack)-1]
			}
			stack = append(stack, n)
			return true
		})
	}
	for _, root := range p.nodes {
		ast.Inspect(root, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				cv.ident(p, n)
			case *ast.SelectorExpr:
				return cv.selector(p, n, parents)
			case *ast.CompositeLit:
				cv.literal(p, n, parents)
			}
			return true
		})
	}
}

// render is the text of n in p, with the edits inside it.
func (cv *converter) render(p *part, n ast.Node) string {
	return p.edits.Render(cv.off(p, n.Pos()), cv.off(p, n.End()))
}

// ident rewrites a use of a session name.
func (cv *converter) ident(p *part, id *ast.Ident) {
	start, end := cv.off(p, id.Pos()), cv.off(p, id.End())
	if obj := cv.info.Defs[id]; obj != nil {
		if cv.renamed(obj) {
			p.edits.Put(start, end, LocalName(id.Name))
		}
		return
	}
	obj := cv.info.Uses[id]
	if pn, ok := obj.(*types.PkgName); ok {
		cv.used[id.Name] = pn.Imported().Path()
		return
	}
	if cv.renamed(obj) {
		p.edits.Put(start, end, LocalName(id.Name))
		return
	}
	name, d := cv.sessionName(obj)
	if d == nil {
		return
	}
	switch d.Kind {
	case Var:
		p.edits.Put(start, end, "(*"+cv.hook(d.Cell)+".V_"+name+"())")
	case Func:
		if d.Generic {
			cv.copies[name] = true
			if ast.IsExported(name) {
				p.edits.Put(start, end, LocalName(name))
			}
			return
		}
		p.edits.Put(start, end, cv.hook(d.Cell)+".F_"+name+"()")
	case Type, Const:
		cv.aliases[name] = true
		cv.cells[d.Cell] = true
	}
}

// sessionType is the session type (of an earlier cell) that t is or
// points to.
func (cv *converter) sessionType(t types.Type) (*types.Named, *Name) {
	if pt, ok := t.(*types.Pointer); ok {
		t = pt.Elem()
	}
	named, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return nil, nil
	}
	_, d := cv.sessionName(named.Obj())
	if d == nil || d.Kind != Type {
		return nil, nil
	}
	return named, d
}

// selector rewrites the selection of an unexported field or method of a
// session type.
func (cv *converter) selector(p *part, sel *ast.SelectorExpr, parents map[ast.Node]ast.Node) bool {
	s := cv.info.Selections[sel]
	if s == nil || s.Obj().Exported() {
		return true
	}
	var owner types.Type
	switch obj := s.Obj().(type) {
	case *types.Var:
		// The field belongs to the struct the last step of the path reaches.
		if len(s.Index()) != 1 {
			if _, d := cv.sessionType(s.Recv()); d != nil {
				cv.fail(sel.Sel.Pos(), "the field %s is promoted through an embedded field of a type of an earlier cell: compiled sessions cannot reach it yet; name the embedded field (x.Inner.%s) or use the compiled kernel's %%%%native", sel.Sel.Name, sel.Sel.Name)
			}
			return true
		}
		owner = s.Recv()
	case *types.Func:
		sig := obj.Type().(*types.Signature)
		if sig.Recv() == nil {
			return true
		}
		owner = sig.Recv().Type()
	}
	named, d := cv.sessionType(owner)
	if d == nil {
		return true
	}
	if named.TypeArgs().Len() > 0 || named.TypeParams().Len() > 0 {
		cv.fail(sel.Sel.Pos(), "%s.%s is an unexported member of the generic type %s of cell %d: compiled sessions cannot reach it from a later cell yet; use it in its own cell", named.Obj().Name(), sel.Sel.Name, named.Obj().Name(), d.Cell)
		return true
	}
	tname := named.Obj().Name()
	cv.aliases[tname] = true
	hook := cv.hook(d.Cell)
	x := sel.X
	xt := cv.info.Types[x]
	xIsPtr := false
	if _, ok := xt.Type.Underlying().(*types.Pointer); ok {
		xIsPtr = true
	}
	start, end := cv.off(p, sel.Pos()), cv.off(p, sel.End())
	switch s.Kind() {
	case types.FieldVal:
		p.edits.Add(start, end, func() string {
			return "(*" + hook + ".P_" + tname + "_" + sel.Sel.Name + "(" + cv.address(p, x, xIsPtr, xt) + "))"
		})
	case types.MethodVal:
		call, ok := parents[sel].(*ast.CallExpr)
		if !ok || call.Fun != sel {
			cv.fail(sel.Sel.Pos(), "the method value %s.%s of type %s (cell %d) is unexported: compiled sessions can call it from a later cell but not take its value yet; write func() { x.%s() } instead", tname, sel.Sel.Name, tname, d.Cell, sel.Sel.Name)
			return true
		}
		_, ptrRecv := s.Obj().Type().(*types.Signature).Recv().Type().(*types.Pointer)
		lparen := cv.off(p, call.Lparen)
		p.edits.Add(start, lparen+1, func() string {
			var recv string
			switch {
			case ptrRecv:
				recv = cv.address(p, x, xIsPtr, xt)
			case xIsPtr:
				recv = "*" + cv.render(p, x)
			default:
				recv = cv.render(p, x)
			}
			sep := ""
			if len(call.Args) > 0 {
				sep = ", "
			}
			return hook + ".M_" + tname + "_" + sel.Sel.Name + "()(" + recv + sep
		})
	case types.MethodExpr:
		cv.fail(sel.Sel.Pos(), "the method expression %s.%s names an unexported method of a type of cell %d: compiled sessions cannot reach it from a later cell yet", tname, sel.Sel.Name, d.Cell)
	}
	return true
}

// address is the text of a pointer to x.
func (cv *converter) address(p *part, x ast.Expr, isPtr bool, xt types.TypeAndValue) string {
	switch {
	case isPtr:
		return cv.render(p, x)
	case xt.Addressable():
		return "&" + cv.render(p, x)
	}
	cv.needRef = true
	return "gocurrent_ref(" + cv.render(p, x) + ")"
}

// literal rewrites a composite literal of a session struct type with
// unexported fields into a function that sets them through the type's
// cell.
func (cv *converter) literal(p *part, lit *ast.CompositeLit, parents map[ast.Node]ast.Node) {
	tv := cv.info.Types[lit]
	if tv.Type == nil {
		return
	}
	ptr := false
	t := tv.Type
	if pt, ok := t.(*types.Pointer); ok { // an elided &T{...}
		t, ptr = pt.Elem(), true
	}
	named, d := cv.sessionType(t)
	if d == nil {
		return
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		return
	}
	private := false
	for i := range st.NumFields() {
		if !st.Field(i).Exported() {
			private = true
		}
	}
	if !private || len(lit.Elts) == 0 {
		return
	}
	if named.TypeArgs().Len() > 0 {
		cv.fail(lit.Pos(), "a literal of the generic type %s of cell %d sets unexported fields: compiled sessions cannot do that from a later cell yet", named.Obj().Name(), d.Cell)
		return
	}
	tname := named.Obj().Name()
	cv.aliases[tname] = true
	hook := cv.hook(d.Cell)
	amp, isAmp := parents[lit].(*ast.UnaryExpr)
	if isAmp && amp.Op != token.AND {
		isAmp = false
	}
	start, end := cv.off(p, lit.Pos()), cv.off(p, lit.End())
	if isAmp {
		start = cv.off(p, amp.Pos())
	}
	p.edits.Add(start, end, func() string {
		var b strings.Builder
		wrap := ptr || isAmp
		if wrap {
			cv.needRef = true
			b.WriteString("gocurrent_ref(")
		}
		b.WriteString("func() (gocurrent_v " + tname + ") { gocurrent_h := " + hook + "; _ = gocurrent_h; ")
		for i, e := range lit.Elts {
			field := ""
			val := e
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				field = kv.Key.(*ast.Ident).Name
				val = kv.Value
			} else {
				field = st.Field(i).Name()
			}
			if ast.IsExported(field) {
				b.WriteString("gocurrent_v." + field + " = ")
			} else {
				b.WriteString("*gocurrent_h.P_" + tname + "_" + field + "(&gocurrent_v) = ")
			}
			b.WriteString(cv.render(p, val))
			b.WriteString("; ")
		}
		b.WriteString("return }()")
		if wrap {
			b.WriteString(")")
		}
		return b.String()
	})
}

// LocalName is what an exported package-level variable or function of a
// cell is called in its package: a package named main cannot export them
// (they would be taken for the plugin's own symbols).
func LocalName(name string) string { return "gocurrent_" + name }

// renamed reports whether obj is an exported variable or function that
// the cell's package declares, under LocalName.
func (cv *converter) renamed(obj types.Object) bool {
	if obj == nil || !obj.Exported() {
		return false
	}
	switch obj := obj.(type) {
	case *types.Var:
		if cv.hoistedObjs[obj] {
			return true
		}
	case *types.Func:
		if obj.Type().(*types.Signature).Recv() != nil {
			return false
		}
	default:
		return false
	}
	if obj.Parent() != cv.pkg.Scope() {
		return false
	}
	p := cv.partOf(obj.Pos())
	return p != nil && (p.inCell() || cv.copies[p.name])
}

// findHoisted finds the variables the cell's statements declare at their
// top level.
func (cv *converter) findHoisted() {
	cv.hoistedObjs = map[types.Object]bool{}
	for _, p := range cv.stmts {
		if p.chunk.Kind != cell.Stmt {
			continue
		}
		for _, n := range p.nodes {
			as, ok := n.(*ast.AssignStmt)
			if !ok || as.Tok != token.DEFINE {
				continue
			}
			for _, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok {
					if obj := cv.info.Defs[id]; obj != nil && id.Name != "_" {
						cv.hoistedObjs[obj] = true
					}
				}
			}
		}
	}
}

// hoist turns the variables the cell's statements declare at their top
// level into package variables: x := f() becomes x = f().
func (cv *converter) hoist() {
	for _, p := range cv.stmts {
		if p.chunk.Kind != cell.Stmt {
			continue
		}
		for _, n := range p.nodes {
			as, ok := n.(*ast.AssignStmt)
			if !ok || as.Tok != token.DEFINE {
				continue
			}
			for _, l := range as.Lhs {
				id, ok := l.(*ast.Ident)
				if !ok {
					continue
				}
				if obj := cv.info.Defs[id]; obj != nil && id.Name != "_" {
					cv.hoisted = append(cv.hoisted, hoisted{name: id.Name, typ: obj.Type()})
				}
			}
			off := cv.off(p, as.TokPos)
			p.edits.Put(off, off+2, "=")
		}
	}
}
