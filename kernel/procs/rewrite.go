package procs

import (
	"fmt"
	"go/ast"
	"slices"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/procs/pool"
)

// The typing of procs.Map calls: each call procs.Map(w, fn, in) whose fn
// names a function of the session becomes a call of a helper made for fn
// (see the package comment).

// Prepare is called before each evaluation of src in the session: it
// takes a snapshot of the declarations for the pools (when the procs
// package is imported) and returns src with its procs.Map calls
// rewritten.
func (p *Pools) Prepare(src string) string {
	var pkgNames []string
	for name, path := range p.s.Imports() {
		if path == Path {
			pkgNames = append(pkgNames, name)
		}
	}
	if len(pkgNames) == 0 {
		return src
	}
	snap := p.s.Snapshot()
	p.mu.Lock()
	p.snap = &snap
	p.mu.Unlock()
	if !strings.Contains(src, "Map") {
		return src
	}
	return p.rewrite(src, pkgNames)
}

// rewrite replaces procs.Map in calls procs.Map(w, fn, in) whose fn names
// a function of the session (or of src) by the helper made for fn.
func (p *Pools) rewrite(src string, pkgNames []string) string {
	sn, err := cell.ParseSnippet(src)
	if err != nil {
		return src // the interpreter reports it
	}
	f, decl, off := sn.File, !sn.Stmts, sn.Offset
	edits := cell.NewEdits(src)
	edited := 0
	var extra strings.Builder
	written := map[string]bool{} // helpers in extra, by function
	multi := TwoValued(f)
	MapCalls(f, pkgNames, func(call *ast.CallExpr, _ *ast.SelectorExpr) {
		fn, ok := call.Args[1].(*ast.Ident)
		if !ok {
			return
		}
		var fd *cell.FuncDecl
		switch {
		case fn.Obj == nil:
			if fsrc := p.s.FuncSource(fn.Name); fsrc != "" {
				fd = cell.ParseFunc(fsrc)
			}
		case fn.Obj.Kind == ast.Fun:
			// A function declared in src itself.
			if d, ok := fn.Obj.Decl.(*ast.FuncDecl); ok && d.Recv == nil {
				fd = cell.ParseFunc(src[off(d.Pos()):off(d.End())])
			}
		}
		if fd == nil {
			return
		}
		helper, reason := helperSource(fn.Name, fd)
		text := helperFn + fn.Name
		if !multi[call] {
			text = mustFn + fn.Name
		}
		p.ensureImported()
		switch {
		case reason != "":
			text = fmt.Sprintf("%s.Reject(%q)", rtName, reason)
		case decl:
			// Declared with src, in the same evaluation: fn, or the
			// types it uses, may be declared by src.
			if !written[fn.Name] { // one helper for all calls of fn
				extra.WriteString(helper + ";")
				written[fn.Name] = true
			}
			p.helpers[fn.Name] = ""
		default:
			p.ensureHelper(fn.Name, fd, helper)
		}
		edits.Put(off(call.Fun.Pos()), off(call.Fun.End()), text)
		edited++
	})
	if edited == 0 {
		return src
	}
	edits.Order()
	src = edits.Render(0, len(src))
	// The helpers go on the first line, which holds none of the cell's
	// code (the session's evaluation adds that line), so that the cell's
	// lines stay where they are and a panic passing through a helper
	// shows no line of its own.
	return extra.String() + src
}

// MapCalls calls each for every call name.Map(w, fn, in) under root
// whose name is one of pkgNames and not declared in root.
func MapCalls(root ast.Node, pkgNames []string, each func(call *ast.CallExpr, sel *ast.SelectorExpr)) {
	ast.Inspect(root, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 3 || call.Ellipsis.IsValid() {
			return true
		}
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Map" {
			return true
		}
		if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Obj == nil && slices.Contains(pkgNames, pkg.Name) {
			each(call, sel)
		}
		return true
	})
}

// TwoValued finds the expressions under root whose two results are both
// used (x, err := procs.Map(...), return procs.Map(...),
// f(procs.Map(...)), a statement); elsewhere a call has one value, the
// results, and panics when an input failed, as x.(T) does where
// x, ok := x.(T) would report.
func TwoValued(root ast.Node) map[ast.Expr]bool {
	multi := map[ast.Expr]bool{}
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if len(n.Rhs) == 1 && len(n.Lhs) == 2 {
				multi[ast.Unparen(n.Rhs[0])] = true
			}
		case *ast.ValueSpec:
			if len(n.Values) == 1 && len(n.Names) == 2 {
				multi[ast.Unparen(n.Values[0])] = true
			}
		case *ast.ReturnStmt:
			if len(n.Results) == 1 {
				multi[ast.Unparen(n.Results[0])] = true
			}
		case *ast.CallExpr:
			if len(n.Args) == 1 {
				multi[ast.Unparen(n.Args[0])] = true
			}
		case *ast.ExprStmt:
			multi[ast.Unparen(n.X)] = true
		}
		return true
	})
	return multi
}

// ensureImported imports the runtime of the rewritten calls.
func (p *Pools) ensureImported() {
	if p.imported {
		return
	}
	if err := p.s.Eval(fmt.Sprintf("import %s %q", rtName, rtPath)); err == nil {
		p.imported = true
	}
}

// ensureHelper evaluates the helper of function name, unless the one there
// was made from the same declaration.
func (p *Pools) ensureHelper(name string, fd *cell.FuncDecl, helper string) {
	if p.helpers[name] == fd.Src {
		return
	}
	p.ensureImported()
	if err := p.s.Eval(helper); err == nil {
		p.helpers[name] = fd.Src
	}
}

// sig is the signature of a function procs.Map calls: func(In) Results,
// where Results is Out, (Out, error), or nothing (Out is then struct{}).
type sig struct {
	In, Out string
	Results string // as written, with a leading space; "" for none
}

// signature reads the signature of function name, or says why procs.Map
// cannot call it.
func signature(name string, fd *cell.FuncDecl) (s sig, reason string) {
	d, text := fd.Func, fd.Text
	params, results := d.Type.Params, d.Type.Results
	shape := ShapeOf(d.Type)
	if reason := shape.Refusal(name); reason != "" {
		return s, reason
	}
	s.In, s.Out = text(params.List[0].Type), "struct{}"
	switch shape.Results {
	case 1:
		s.Out, s.Results = text(results.List[0].Type), " "+text(results)
	case 2:
		s.Out, s.Results = text(results.List[0].Type), " "+text(results)
	}
	if s.In == "" || s.Out == "" {
		return s, "the declaration of " + name + " could not be read"
	}
	return s, ""
}

// ShapeOf reads the shape of a function's signature, as written.
func ShapeOf(ft *ast.FuncType) pool.Shape {
	params, results := ft.Params, ft.Results
	shape := pool.Shape{Generic: ft.TypeParams.NumFields() > 0, Params: params.NumFields(), Results: results.NumFields()}
	if shape.Params == 1 {
		_, shape.Variadic = params.List[0].Type.(*ast.Ellipsis)
	}
	if shape.Results == 2 {
		id, ok := results.List[len(results.List)-1].Type.(*ast.Ident)
		shape.ErrorLast = ok && id.Name == "error"
	}
	return shape
}

// helperSource returns the helpers that type procs.Map for function name
// (the two-value and the one-value form), or why procs.Map cannot call
// it.
func helperSource(name string, fd *cell.FuncDecl) (src, reason string) {
	s, reason := signature(name, fd)
	if reason != "" {
		return "", reason
	}
	plist := fmt.Sprintf("(_gocurrentW int, _gocurrentF func(%s)%s, _gocurrentIn []%s)", s.In, s.Results, s.In)
	return fmt.Sprintf("func %s%s%s ([]%s, error) { var _gocurrentOut []%s; _gocurrentErr := %s.Map(_gocurrentW, %q, _gocurrentIn, &_gocurrentOut); return _gocurrentOut, _gocurrentErr }; "+
		"func %s%s%s []%s { var _gocurrentOut []%s; %s.Must(%s.Map(_gocurrentW, %q, _gocurrentIn, &_gocurrentOut)); return _gocurrentOut }",
		helperFn, name, plist, s.Out, s.Out, rtName, name,
		mustFn, name, plist, s.Out, s.Out, rtName, rtName, name), ""
}
