package convert

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/compiled/host/proto"
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
	if p.inCell() && p.chunk.Kind != cell.Decl {
		// A return of the cell's statements (main's body) ends Run.
		for _, root := range p.nodes {
			ast.Inspect(root, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					return false
				case *ast.ReturnStmt:
					if len(n.Results) == 0 {
						off := cv.off(p, n.Pos())
						p.edits.Put(off, off+len("return"), "return nil, false")
					}
				}
				return true
			})
		}
	}
	cv.checkWaits(p)
	for _, root := range p.nodes {
		ast.Inspect(root, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				cv.ident(p, n)
			case *ast.SelectorExpr:
				if cv.timer(p, n) {
					return false
				}
				return cv.selector(p, n)
			case *ast.CompositeLit:
				cv.literal(p, n, parents)
			case *ast.GenDecl:
				if p.inCell() && p.chunk.Kind == cell.Decl {
					cv.raceDecl(p, n)
				}
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
	if obj := cv.info.Defs[id]; obj != nil && cv.renamedMethod(obj) {
		p.edits.Put(start, end, MethodName(id.Name))
		return
	}
	if obj := cv.info.Uses[id]; obj != nil && cv.renamedMethod(obj) {
		p.edits.Put(start, end, MethodName(id.Name))
		return
	}
	if obj := cv.info.Defs[id]; obj != nil && !isEmbedded(obj) {
		if cv.hoistedObjs[obj] && cv.raceVar(obj) {
			p.edits.Put(start, end, deref(obj))
			return
		}
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
	if cv.raceVar(obj) {
		p.edits.Put(start, end, deref(obj))
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

// isEmbedded reports whether obj is an embedded field, whose identifier
// also uses the type it names.
func isEmbedded(obj types.Object) bool {
	v, ok := obj.(*types.Var)
	return ok && v.Embedded()
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

// memberHook is how the cell reaches the hook of an unexported member of
// the session type named (of an earlier cell): kind P for a field, M for
// a method.
func (cv *converter) memberHook(kind string, named *types.Named, member string) string {
	_, d := cv.sessionName(named.Obj())
	cv.cells[d.Cell] = true
	tname := named.Obj().Name()
	cv.aliases[tname] = true
	args := ""
	if named.TypeArgs().Len() > 0 {
		var as []string
		for i := range named.TypeArgs().Len() {
			as = append(as, cv.typeString(named.TypeArgs().At(i)))
		}
		args = "[" + strings.Join(as, ", ") + "]"
	}
	return "(" + cellPkg(d.Cell) + "." + HookType + "_" + kind + "_" + tname + "_" + member + args + "{})"
}

// foreign is the session type of an earlier cell whose unexported member
// name is, if it is one.
func (cv *converter) foreign(t types.Type, name string) *types.Named {
	if ast.IsExported(name) {
		return nil
	}
	named, d := cv.sessionType(t)
	if d == nil {
		return nil
	}
	return named
}

// selector rewrites a selection that reaches an unexported field of a
// session type of an earlier cell, at its end or on the way through
// embedded fields. (Unexported methods are exported under MethodName.)
func (cv *converter) selector(p *part, sel *ast.SelectorExpr) bool {
	s := cv.info.Selections[sel]
	if s == nil || s.Kind() == types.MethodExpr {
		return true
	}
	// The steps: the embedded fields on the way, then the member.
	type step struct {
		owner types.Type // the type the step selects from
		name  string
		field *types.Var
	}
	var steps []step
	t := s.Recv()
	foreign := false
	for i, idx := range s.Index() {
		base := t
		if pt, ok := types.Unalias(base).Underlying().(*types.Pointer); ok {
			base = pt.Elem()
		}
		if i == len(s.Index())-1 && s.Kind() == types.MethodVal {
			steps = append(steps, step{name: cv.methodName(s.Obj())})
			break
		}
		st, ok := base.Underlying().(*types.Struct)
		if !ok {
			return true
		}
		f := st.Field(idx)
		steps = append(steps, step{owner: base, name: f.Name(), field: f})
		if cv.foreign(base, f.Name()) != nil {
			foreign = true
		}
		t = f.Type()
	}
	if !foreign {
		return true
	}
	x := sel.X
	start, end := cv.off(p, sel.Pos()), cv.off(p, sel.End())
	xt := cv.info.Types[x]
	p.edits.Add(start, end, func() string {
		cur := cv.render(p, x)
		curType := xt.Type
		addressable := xt.Addressable()
		for _, st := range steps {
			_, isPtr := types.Unalias(curType).Underlying().(*types.Pointer)
			if st.field == nil { // the method, last
				return cur + "." + st.name
			}
			if named := cv.foreign(st.owner, st.name); named != nil {
				addr := cur
				switch {
				case isPtr:
				case addressable:
					addr = "&" + cur
				default:
					cv.needRef = true
					addr = "gocurrent_ref(" + cur + ")"
				}
				cur = "(*" + cv.memberHook("P", named, st.name) + ".Get(" + addr + "))"
				addressable = true
			} else {
				cur = cur + "." + st.name
				addressable = addressable || isPtr
			}
			curType = st.field.Type()
		}
		return cur
	})
	return true
}

// MethodName is what an unexported method of a session type is called
// in the cells' packages: exported, since an unexported method name
// belongs to its package, and a type of one cell could then neither
// satisfy an interface of another cell with unexported methods nor be
// called from another cell.
func MethodName(name string) string { return proto.MethodPrefix + name }

// methodName is what the method obj is called in the output.
func (cv *converter) methodName(obj types.Object) string {
	if cv.renamedMethod(obj) {
		return MethodName(obj.Name())
	}
	return obj.Name()
}

// renamedMethod reports whether obj is an unexported method of a session
// type or interface, which the output exports under MethodName.
func (cv *converter) renamedMethod(obj types.Object) bool {
	f, ok := obj.(*types.Func)
	if !ok || f.Exported() || f.Name() == "_" || f.Pkg() != cv.pkg {
		return false
	}
	sig, ok := f.Type().(*types.Signature)
	return ok && sig.Recv() != nil
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
	tname := cv.typeString(named)
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
		b.WriteString("func() (gocurrent_v " + tname + ") { ")
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
				b.WriteString("*" + cv.memberHook("P", named, field) + ".Get(&gocurrent_v) = ")
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
func LocalName(name string) string { return proto.LocalPrefix + name }

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
	return p != nil && (p.inCell() || p.hoist || cv.copies[p.name])
}

// topDefines are the statements that declare variables at the top level
// of the cell's statements (x := ..., var x = ...), with their parts.
func (cv *converter) topDefines(each func(p *part, st ast.Stmt)) {
	for _, p := range cv.stmts {
		if p.chunk.Kind != cell.Stmt {
			continue
		}
		for _, n := range p.nodes {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if n.Tok == token.DEFINE {
					each(p, n)
				}
			case *ast.DeclStmt:
				if gd, ok := n.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
					each(p, n)
				}
			}
		}
	}
}

// definedVars are the variables st declares (not those it assigns again).
func (cv *converter) definedVars(st ast.Stmt) []types.Object {
	var ids []*ast.Ident
	switch st := st.(type) {
	case *ast.AssignStmt:
		for _, l := range st.Lhs {
			if id, ok := l.(*ast.Ident); ok {
				ids = append(ids, id)
			}
		}
	case *ast.DeclStmt:
		for _, spec := range st.Decl.(*ast.GenDecl).Specs {
			ids = append(ids, spec.(*ast.ValueSpec).Names...)
		}
	}
	var objs []types.Object
	for _, id := range ids {
		if id.Name == "_" {
			continue
		}
		if obj := cv.info.Defs[id]; obj != nil {
			objs = append(objs, obj)
		}
	}
	return objs
}

// findHoisted finds the variables the cell's statements declare at their
// top level.
func (cv *converter) findHoisted() {
	cv.hoistedObjs = map[types.Object]bool{}
	cv.topDefines(func(_ *part, st ast.Stmt) {
		for _, obj := range cv.definedVars(st) {
			cv.hoistedObjs[obj] = true
		}
	})
}

// hoist turns the variables the cell's statements declare at their top
// level into package variables: x := f() becomes x = f(), and var x T = v
// becomes x = v (nothing, without a value).
func (cv *converter) hoist() {
	cv.topDefines(func(p *part, st ast.Stmt) {
		for _, obj := range cv.definedVars(st) {
			cv.hoisted = append(cv.hoisted, hoisted{name: obj.Name(), typ: obj.Type()})
		}
		switch st := st.(type) {
		case *ast.AssignStmt:
			off := cv.off(p, st.TokPos)
			p.edits.Put(off, off+2, "=")
		case *ast.DeclStmt:
			p.edits.Add(cv.off(p, st.Pos()), cv.off(p, st.End()), func() string {
				var assigns []string
				for _, spec := range st.Decl.(*ast.GenDecl).Specs {
					vs := spec.(*ast.ValueSpec)
					if len(vs.Values) == 0 {
						continue // the package variable starts at zero
					}
					var names, vals []string
					for _, id := range vs.Names {
						names = append(names, cv.render(p, id))
					}
					for _, v := range vs.Values {
						vals = append(vals, cv.render(p, v))
					}
					assigns = append(assigns, strings.Join(names, ", ")+" = "+strings.Join(vals, ", "))
				}
				return strings.Join(assigns, "; ")
			})
		}
	})
}
