package rewrite

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// The rewriter of one item (a chunk of a cell, or an instance): it finds
// the loops and their kinds first, then makes the edits of every pass in
// one walk of the syntax tree (visit), and renders them.

// loopKind is how a loop is rewritten.
type loopKind int

const (
	loopPlain     loopKind = iota
	loopRangeInt           // for i := range n
	loopRangeFunc          // for x := range seq
	loopCopy               // the body captures the loop's variables
	loopChanElems          // for i, c := range xs, where the elements are channels
)

// loopInfo is what the rewriting decided for a loop.
type loopInfo struct {
	kind     loopKind
	vars     []string // loopCopy: the loop's variables, and the names that hold them between iterations
	holders  []string
	copyBack bool   // loopCopy of a three-clause loop whose body assigns its variables
	exitVar  string // loopRangeFunc: the variable that says which exit the body took
	doneVar  string // loopRangeFunc: 1 once the body returned false, 2 once the loop ended
	exits    []string
	results  []string // loopRangeFunc: variables for the results of return statements in the body
	resDecl  string   // their declarations
	fn       ast.Node // the function that holds the loop
}

// rewriter rewrites one item.
type rewriter struct {
	*cell.Edits // the item's source and its edits
	chk         *check
	w           *Rewriter
	info        *types.Info
	it          *item
	needs       []*Instance
	created     []*Instance
	err         *Error
	parent      map[ast.Node]ast.Node
	loops       map[ast.Node]*loopInfo // ForStmt, RangeStmt and SelectStmt
	labels      map[ast.Node]string    // statements the rewriting labelled
	numbers     map[ast.Expr]bool      // arguments fmt gets as their basic values (fmtverbs.go) or element by element (print_elems.go)
}

func newRewriter(chk *check, it *item) *rewriter {
	return &rewriter{Edits: cell.NewEdits(it.src), chk: chk, w: chk.w, info: chk.info, it: it,
		parent: map[ast.Node]ast.Node{}, loops: map[ast.Node]*loopInfo{}, labels: map[ast.Node]string{}}
}

func (r *rewriter) off(p token.Pos) int { return r.it.file.Offset(p) - r.it.base }

// failf records the first construct that cannot be rewritten.
func (r *rewriter) failf(at ast.Node, format string, args ...any) {
	if r.err != nil {
		return
	}
	line, col := 1, 1
	if at != nil {
		line, col = r.cellPos(at.Pos())
	}
	r.err = &Error{Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// cellPos is the cell line and column of pos.
func (r *rewriter) cellPos(pos token.Pos) (line, col int) {
	p := r.it.file.Position(pos)
	first := r.it.file.Position(r.it.file.Pos(r.it.base))
	line = r.it.line0 + p.Line - first.Line
	col = p.Column
	if p.Line == first.Line && r.it.chunk != nil {
		col = p.Column - first.Column + r.it.chunk.Col
	}
	return line, col
}

func (r *rewriter) replace(n ast.Node, text string) {
	r.Put(r.off(n.Pos()), r.off(n.End()), text)
}

func (r *rewriter) insert(at int, text string) { r.Put(at, at, text) }

// wrap puts n between before and after.
func (r *rewriter) wrap(n ast.Node, before, after string) {
	r.Add(r.off(n.Pos()), r.off(n.End()), func() string { return before + r.span(n) + after })
}

func (r *rewriter) span(n ast.Node) string { return r.Render(r.off(n.Pos()), r.off(n.End())) }

// rewrite returns the item's source rewritten, and the instances it calls.
func (r *rewriter) rewrite() (string, []*Instance, *Error) {
	for _, n := range r.it.nodes {
		r.index(n)
	}
	for _, n := range r.it.nodes {
		r.classify(n)
	}
	for _, n := range r.it.nodes {
		r.visit(n)
	}
	r.varsInOrder()     // varstmts.go
	r.resultsOneByOne() // varstmts.go
	if r.err != nil {
		if r.inGenericFunc(nil) {
			// A generic function runs only through its instances, which
			// are checked on their own.
			r.err = nil
		} else {
			return "", nil, r.err
		}
	}
	r.Order()
	return r.Render(0, len(r.Src)), r.needs, nil
}

// index records every node's parent.
func (r *rewriter) index(root ast.Node) {
	var stack []ast.Node
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if len(stack) > 0 {
			r.parent[n] = stack[len(stack)-1]
		}
		stack = append(stack, n)
		return true
	})
}

// inGenericFunc reports whether the item is (or n is inside) the
// declaration of a generic function.
func (r *rewriter) inGenericFunc(n ast.Node) bool {
	if n == nil {
		for _, top := range r.it.nodes {
			if fd, ok := top.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Type.TypeParams.NumFields() > 0 {
				return true
			}
		}
		return false
	}
	for ; n != nil; n = r.parent[n] {
		if fd, ok := n.(*ast.FuncDecl); ok {
			return fd.Recv == nil && fd.Type.TypeParams.NumFields() > 0
		}
	}
	return false
}

// inGeneric reports whether n is inside a generic function or a method of
// a generic type, where types may be type parameters.
func (r *rewriter) inGeneric(n ast.Node) bool {
	for ; n != nil; n = r.parent[n] {
		if fd, ok := n.(*ast.FuncDecl); ok {
			if fd.Type.TypeParams.NumFields() > 0 {
				return true
			}
			if fd.Recv != nil && len(fd.Recv.List) > 0 {
				t := fd.Recv.List[0].Type
				if st, ok := t.(*ast.StarExpr); ok {
					t = st.X
				}
				switch t.(type) {
				case *ast.IndexExpr, *ast.IndexListExpr:
					return true
				}
			}
			return false
		}
	}
	return false
}

func (r *rewriter) newName(prefix string) string {
	r.w.nlabel++
	return fmt.Sprintf("_gocurrent%s%d", prefix, r.w.nlabel)
}

// typeOf returns the type of e, or nil when the check does not know it.
func (r *rewriter) typeOf(e ast.Expr) types.Type {
	t := r.info.TypeOf(e)
	if t == nil || t == types.Typ[types.Invalid] {
		return nil
	}
	return t
}

// enclosingFunc is the function literal or declaration that holds n (nil
// at the cell's top level).
func (r *rewriter) enclosingFunc(n ast.Node) ast.Node {
	for p := r.parent[n]; p != nil; p = r.parent[p] {
		switch p.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return p
		}
	}
	return nil
}

// visit makes the edits for root and everything in it.
func (r *rewriter) visit(root ast.Node) {
	ast.Inspect(root, func(n ast.Node) bool {
		r.nilIfaces(n)      // niliface.go
		r.anyValues(n)      // anyprint.go
		r.valueErrors(n)    // errors.go
		r.typeIdentities(n) // identity.go
		switch n := n.(type) {
		case *ast.RangeStmt:
			r.rangeStmt(n)
		case *ast.ForStmt:
			r.forStmt(n)
		case *ast.BranchStmt:
			r.branchStmt(n)
		case *ast.GoStmt:
			r.goStmt(n)
		case *ast.TypeAssertExpr:
			r.anyAssertion(n) // ifacevalues.go
		case *ast.TypeSwitchStmt:
			r.typeSwitch(n)
		case *ast.SelectStmt:
			r.selectStmt(n) // select.go
		case *ast.GenDecl:
			r.constDecl(n) // consts.go
		case *ast.FuncDecl:
			r.unnamedParams(n.Type, n.Body) // params.go
		case *ast.FuncLit:
			r.unnamedParams(n.Type, n.Body)
		case *ast.ReturnStmt:
			r.parenReceives(n.Results)
			r.returnStmt(n)
		case *ast.DeferStmt:
			if c := r.rangeFuncAround(n, true); c != nil {
				r.failf(n, "defer inside a range over a function: the interpreter runs the loop's body as a function, so the call would run too early; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native")
			}
			r.deferStmt(n) // defer.go
		case *ast.ExprStmt:
			r.waitGroupGo(n)
		case *ast.CallExpr:
			r.builtinCall(n)
			r.funcLitArgs(n)
			r.printArgs(n)
			r.typeVerbs(n)       // typefmt.go
			r.valueVerbs(n)      // fmtverbs.go
			r.anyPrintArgs(n)    // anyprint.go
			r.ifaceConversion(n) // ifacevalues.go
			r.jsonCall(n)        // jsonmethods.go
			r.variadicIfaces(n)  // variadic.go
			r.errorsCall(n)
			r.errorArgs(n)
		case *ast.AssignStmt:
			r.pkgVarTargets(n) // pkgvars.go
			r.topCommaOk(n)
			r.parallelAssign(n)
			if len(n.Lhs) == len(n.Rhs) {
				if _, inSelect := r.parent[n].(*ast.CommClause); !inSelect {
					r.parenReceives(n.Rhs)
				}
			}
		case *ast.Ident:
			r.instantiate(n)
		case *ast.SelectorExpr:
			r.pkgVarRead(n) // pkgvars.go
			r.selector(n)
			r.methodValue(n) // method_value.go
			r.methodExpr(n)
		case *ast.IndexExpr:
			r.iterType(n, []ast.Expr{n.Index})
		case *ast.IndexListExpr:
			r.iterType(n, n.Indices)
		}
		return true
	})
}

// classify decides how each loop is rewritten.
func (r *rewriter) classify(root ast.Node) {
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.RangeStmt:
			r.loops[n] = r.classifyRange(n)
		case *ast.ForStmt:
			r.loops[n] = r.classifyFor(n)
		case *ast.SelectStmt:
			r.loops[n] = &loopInfo{}
		}
		return true
	})
}

func (r *rewriter) classifyRange(n *ast.RangeStmt) *loopInfo {
	li := &loopInfo{fn: r.enclosingFunc(n)}
	t := r.typeOf(n.X)
	if t == nil {
		// Without types, only a constant integer is known for sure.
		if lit, ok := ast.Unparen(n.X).(*ast.BasicLit); ok && lit.Kind == token.INT {
			li.kind = loopRangeInt
		}
		return li
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		if u.Info()&types.IsInteger != 0 {
			li.kind = loopRangeInt
			return li
		}
	case *types.Signature:
		li.kind = loopRangeFunc
		return li
	}
	if id, ok := n.Value.(*ast.Ident); ok && id.Name != "_" {
		// The interpreter's range over a slice, array or map of channels
		// loses the element (it panics).
		var elem types.Type
		switch u := t.Underlying().(type) {
		case *types.Slice:
			elem = u.Elem()
		case *types.Array:
			elem = u.Elem()
		case *types.Map:
			if _, simple := ast.Unparen(n.X).(*ast.Ident); simple {
				elem = u.Elem()
			}
		}
		if elem != nil {
			if _, isChan := elem.Underlying().(*types.Chan); isChan {
				li.kind = loopChanElems
				return li
			}
		}
	}
	if n.Tok == token.DEFINE && r.captures(n.Body, r.rangeVars(n)) {
		li.kind = loopCopy
		for _, e := range []ast.Expr{n.Key, n.Value} {
			if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
				li.vars = append(li.vars, id.Name)
				li.holders = append(li.holders, r.newName("V"))
			}
		}
	}
	return li
}

func (r *rewriter) rangeVars(n *ast.RangeStmt) map[string]bool {
	vars := map[string]bool{}
	for _, e := range []ast.Expr{n.Key, n.Value} {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
			vars[id.Name] = true
		}
	}
	return vars
}

func (r *rewriter) classifyFor(n *ast.ForStmt) *loopInfo {
	li := &loopInfo{fn: r.enclosingFunc(n)}
	init, ok := n.Init.(*ast.AssignStmt)
	if !ok || init.Tok != token.DEFINE {
		return li
	}
	vars := map[string]bool{}
	for _, l := range init.Lhs {
		if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
			vars[id.Name] = true
		}
	}
	if len(vars) == 0 || !r.captures(n.Body, vars) {
		return li
	}
	li.kind = loopCopy
	for _, l := range init.Lhs {
		if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
			li.vars = append(li.vars, id.Name)
			li.holders = append(li.holders, r.newName("V"))
		}
	}
	li.copyBack = r.assigns(n.Body, vars)
	return li
}

// rangeFuncAround returns the innermost range-over-function loop whose
// body holds n in the same function (nil if none).
func (r *rewriter) rangeFuncAround(n ast.Node, sameFunc bool) *ast.RangeStmt {
	for c, p := n, r.parent[n]; p != nil; c, p = p, r.parent[p] {
		switch p := p.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			if sameFunc {
				return nil
			}
		case *ast.RangeStmt:
			if li := r.loops[p]; li != nil && li.kind == loopRangeFunc && c == p.Body {
				return p
			}
		}
	}
	return nil
}

// rangeStmt rewrites range loops over integers and functions, and those
// whose body captures the loop variables.
func (r *rewriter) rangeStmt(n *ast.RangeStmt) {
	li := r.loops[n]
	switch li.kind {
	case loopRangeInt:
		r.rangeInt(n, li)
	case loopRangeFunc:
		r.rangeFunc(n, li)
	case loopChanElems:
		r.rangeChanElems(n)
	case loopCopy:
		var ids []*ast.Ident
		for _, e := range []ast.Expr{n.Key, n.Value} {
			if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
				ids = append(ids, id)
			}
		}
		for i, id := range ids {
			r.replace(id, li.holders[i])
		}
		r.insert(r.off(n.Body.Lbrace)+1, fmt.Sprintf(" %s := %s;", strings.Join(li.vars, ", "), strings.Join(li.holders, ", ")))
	}
}

// pkgMember tells whether x names a member of an imported package (pkg.Name),
// and returns the package's path and the member's name.
func (r *rewriter) pkgMember(x ast.Expr) (path, name string, ok bool) {
	sel, ok := x.(*ast.SelectorExpr)
	if !ok {
		return "", "", false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return "", "", false
	}
	pn, ok := r.info.Uses[id].(*types.PkgName)
	if !ok {
		return "", "", false
	}
	return pn.Imported().Path(), sel.Sel.Name, true
}
