package interp

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// rewriteError is a construct the interpreter cannot run faithfully, at
// a cell position.
type rewriteError struct {
	line, col int
	msg       string
}

// edit replaces src[start:end] of an item (an insertion when start ==
// end) with what text returns; text renders the parts it keeps with
// rewriter.render, so that edits nest.
type edit struct {
	start, end int
	seq        int
	text       func() string
}

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
	exits    []string
	results  []string // loopRangeFunc: variables for the results of return statements in the body
	resDecl  string   // their declarations
	fn       ast.Node // the function that holds the loop
}

// rewriter rewrites one item.
type rewriter struct {
	chk     *check
	m       *modern
	info    *types.Info
	it      *item
	src     string
	edits   []*edit
	needs   []*instance
	created []*instance
	err     *rewriteError
	parent  map[ast.Node]ast.Node
	loops   map[ast.Node]*loopInfo // ForStmt, RangeStmt and SelectStmt
	labels  map[ast.Node]string    // statements the rewriting labelled
	active  map[*edit]bool         // edits being rendered
	emitted map[*edit]bool         // insertions rendered
}

func newRewriter(chk *check, it *item) *rewriter {
	return &rewriter{chk: chk, m: chk.m, info: chk.info, it: it, src: it.src,
		parent: map[ast.Node]ast.Node{}, loops: map[ast.Node]*loopInfo{}, labels: map[ast.Node]string{},
		active: map[*edit]bool{}, emitted: map[*edit]bool{}}
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
	r.err = &rewriteError{line: line, col: col, msg: fmt.Sprintf(format, args...)}
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

func (r *rewriter) add(start, end int, text func() string) {
	r.edits = append(r.edits, &edit{start: start, end: end, seq: len(r.edits), text: text})
}

func (r *rewriter) replace(n ast.Node, text string) {
	r.add(r.off(n.Pos()), r.off(n.End()), func() string { return text })
}

func (r *rewriter) insert(at int, text string) {
	r.add(at, at, func() string { return text })
}

// render returns src[from:to] with the edits inside it applied. An edit
// being rendered is not applied again inside itself (two edits of the same
// range nest), and an insertion at either end of the range is applied once,
// by the first rendering that reaches it.
func (r *rewriter) render(from, to int) string {
	var b strings.Builder
	pos := from
	for _, e := range r.edits {
		if e.start < pos || e.end > to || e.start < from || r.active[e] || r.emitted[e] {
			continue
		}
		b.WriteString(r.src[pos:e.start])
		if e.start == e.end {
			r.emitted[e] = true
		}
		r.active[e] = true
		b.WriteString(e.text())
		delete(r.active, e)
		pos = e.end
	}
	b.WriteString(r.src[pos:to])
	return b.String()
}

// wrap puts n between before and after.
func (r *rewriter) wrap(n ast.Node, before, after string) {
	r.add(r.off(n.Pos()), r.off(n.End()), func() string { return before + r.span(n) + after })
}

func (r *rewriter) span(n ast.Node) string { return r.render(r.off(n.Pos()), r.off(n.End())) }

// rewrite returns the item's source rewritten, and the instances it calls.
func (r *rewriter) rewrite() (string, []*instance, *rewriteError) {
	for _, n := range r.it.nodes {
		r.index(n)
	}
	for _, n := range r.it.nodes {
		r.classify(n)
	}
	for _, n := range r.it.nodes {
		r.visit(n)
	}
	if r.err != nil {
		if r.inGenericFunc(nil) {
			// A generic function runs only through its instances, which
			// are checked on their own.
			r.err = nil
		} else {
			return "", nil, r.err
		}
	}
	sort.SliceStable(r.edits, func(i, j int) bool {
		a, b := r.edits[i], r.edits[j]
		if a.start != b.start {
			return a.start < b.start
		}
		if (a.start == a.end) != (b.start == b.end) {
			return a.start == a.end // insertions first
		}
		if a.end != b.end {
			return a.end > b.end // the outer edit first
		}
		return a.seq < b.seq
	})
	return r.render(0, len(r.src)), r.needs, nil
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
	r.m.nlabel++
	return fmt.Sprintf("_gocurrent%s%d", prefix, r.m.nlabel)
}

// typeOf returns the type of e, or nil when the check does not know it.
func (r *rewriter) typeOf(e ast.Expr) types.Type {
	t := r.info.TypeOf(e)
	if t == nil || t == types.Typ[types.Invalid] {
		return nil
	}
	return t
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
		switch n := n.(type) {
		case *ast.RangeStmt:
			r.rangeStmt(n)
		case *ast.ForStmt:
			r.forStmt(n)
		case *ast.BranchStmt:
			r.branchStmt(n)
		case *ast.GoStmt:
			r.goStmt(n)
		case *ast.TypeSwitchStmt:
			r.typeSwitch(n)
		case *ast.SelectStmt:
			r.selectStmt(n) // selects.go
		case *ast.FuncDecl:
			r.unnamedParams(n.Type, n.Body) // selects.go
		case *ast.FuncLit:
			r.unnamedParams(n.Type, n.Body)
		case *ast.ReturnStmt:
			r.parenReceives(n.Results)
			r.returnStmt(n)
		case *ast.DeferStmt:
			if c := r.rangeFuncAround(n, true); c != nil {
				r.failf(n, "defer inside a range over a function: the interpreter runs the loop's body as a function, so the call would run too early; run the cell with %%%%native")
			}
		case *ast.ExprStmt:
			r.waitGroupGo(n)
		case *ast.CallExpr:
			r.builtinCall(n)
			r.funcLitArgs(n)
			r.printArgs(n)
			r.errorsCall(n)
			r.errorArgs(n)
		case *ast.AssignStmt:
			r.pkgVarTargets(n) // modern_pkgvars.go
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
			r.pkgVarRead(n) // modern_pkgvars.go
			r.selector(n)
			r.methodValue(n) // selects.go
		case *ast.IndexExpr:
			r.iterType(n, []ast.Expr{n.Index})
		case *ast.IndexListExpr:
			r.iterType(n, n.Indices)
		}
		return true
	})
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

// rangeInt: for k := range n { -> for V, N := T(0), n; V < N; V++ { k := V;
func (r *rewriter) rangeInt(n *ast.RangeStmt, li *loopInfo) {
	typ := "int"
	if t := r.typeOf(n.X); t != nil {
		if b, ok := t.(*types.Basic); !ok || b.Info()&types.IsUntyped == 0 {
			s, ok := r.m.typeString(t, r.inGeneric(n))
			if !ok {
				r.failf(n.X, "range over a value of a type declared inside a function; run the cell with %%%%native")
				return
			}
			typ = s
		}
	}
	v, lim := r.newName("I"), r.newName("N")
	start, lbrace := r.off(n.For), r.off(n.Body.Lbrace)
	x := n.X
	r.add(start, lbrace+1, func() string {
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

// parenType puts a type in parentheses where a conversion needs them.
func parenType(t string) string {
	if strings.HasPrefix(t, "func") || strings.HasPrefix(t, "*") || strings.HasPrefix(t, "<-") || strings.HasPrefix(t, "chan") {
		return "(" + t + ")"
	}
	return t
}

// rangeFunc: for k, v := range seq { body } ->
//
//	{ var J int; (seq)(func(k K, v V) bool { body; return true }); if J == 1 { ... } }
func (r *rewriter) rangeFunc(n *ast.RangeStmt, li *loopInfo) {
	sig, _ := r.typeOf(n.X).Underlying().(*types.Signature)
	if sig == nil || sig.Params().Len() != 1 {
		return
	}
	yield, _ := sig.Params().At(0).Type().Underlying().(*types.Signature)
	if yield == nil {
		return
	}
	params := yield.Params()
	generic := r.inGeneric(n)
	var ptypes []string
	for i := 0; i < params.Len(); i++ {
		s, ok := r.m.typeString(params.At(i).Type(), generic)
		if !ok {
			r.failf(n.X, "range over a function whose values have a type declared inside a function; run the cell with %%%%native")
			return
		}
		ptypes = append(ptypes, s)
	}
	exprs := []ast.Expr{n.Key, n.Value}
	var names, assign []string
	var lhs []ast.Expr
	for i := range ptypes {
		var e ast.Expr
		if i < 2 {
			e = exprs[i]
		}
		id, isID := e.(*ast.Ident)
		switch {
		case e == nil || (isID && id.Name == "_"):
			names = append(names, "_ "+ptypes[i])
		case n.Tok == token.DEFINE && isID:
			names = append(names, id.Name+" "+ptypes[i])
		default:
			p := r.newName("Y")
			names = append(names, p+" "+ptypes[i])
			lhs = append(lhs, e)
			assign = append(assign, p)
		}
	}
	li.exitVar = r.newName("J")
	if lab, ok := r.parent[n].(*ast.LabeledStmt); ok {
		// The label's loop is gone: the body's branches to it became
		// returns.
		r.add(r.off(lab.Pos()), r.off(lab.Colon)+1, func() string { return "" })
	}
	body := n.Body
	x := n.X
	r.add(r.off(n.Pos()), r.off(n.End()), func() string {
		var b strings.Builder
		b.WriteString("{ ")
		if len(li.exits) > 0 {
			fmt.Fprintf(&b, "var %s int; ", li.exitVar)
		}
		b.WriteString(li.resDecl)
		fmt.Fprintf(&b, "(%s)(func(%s) bool {", r.span(x), strings.Join(names, ", "))
		if len(lhs) > 0 {
			var ls []string
			for _, e := range lhs {
				ls = append(ls, r.span(e))
			}
			fmt.Fprintf(&b, " %s = %s;", strings.Join(ls, ", "), strings.Join(assign, ", "))
		}
		b.WriteString(r.render(r.off(body.Lbrace)+1, r.off(body.Rbrace)))
		b.WriteString(" return true })")
		for i, act := range li.exits {
			fmt.Fprintf(&b, "; if %s == %d { %s }", li.exitVar, i+1, act)
		}
		b.WriteString(" }")
		return b.String()
	})
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

// branchStmt rewrites break and continue where the interpreter would go
// elsewhere than Go: out of a range-over-function body, out of a select
// case, or to a loop whose variables are copied back.
func (r *rewriter) branchStmt(n *ast.BranchStmt) {
	if n.Tok == token.GOTO && n.Label != nil {
		if rs := r.rangeFuncAround(n, true); rs != nil {
			inside := false
			ast.Inspect(rs.Body, func(x ast.Node) bool {
				if l, ok := x.(*ast.LabeledStmt); ok && l.Label.Name == n.Label.Name {
					inside = true
				}
				return !inside
			})
			if !inside {
				r.failf(n, "goto out of a range over a function: the interpreter runs the loop's body as a function, which a goto cannot leave; run the cell with %%%%native")
			}
		}
		return
	}
	if n.Tok != token.BREAK && n.Tok != token.CONTINUE {
		return
	}
	target, path := r.branchTarget(n)
	if target == nil {
		return
	}
	if text, changed := r.branchText(n.Tok, target, path, n); changed {
		r.replace(n, text)
	}
}

// branchTarget finds the statement a break or continue applies to, and
// the statements between (innermost first).
func (r *rewriter) branchTarget(n *ast.BranchStmt) (ast.Node, []ast.Node) {
	var path []ast.Node
	for p := r.parent[n]; p != nil; p = r.parent[p] {
		switch p := p.(type) {
		case *ast.FuncLit, *ast.FuncDecl:
			return nil, nil
		case *ast.LabeledStmt:
			if n.Label != nil && p.Label.Name == n.Label.Name {
				return p.Stmt, path
			}
		case *ast.ForStmt, *ast.RangeStmt:
			if n.Label == nil {
				return p, path
			}
		case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			if n.Label == nil && n.Tok == token.BREAK {
				return p, path
			}
		}
		path = append(path, p)
	}
	return nil, nil
}

// branchText is the statement that does what "tok [label]" does from
// inside path to target.
func (r *rewriter) branchText(tok token.Token, target ast.Node, path []ast.Node, orig *ast.BranchStmt) (string, bool) {
	// A range-over-function body on the way: leave its function, then
	// branch from where the loop was.
	for i, p := range path {
		rs, ok := p.(*ast.RangeStmt)
		if !ok || r.loops[rs] == nil || r.loops[rs].kind != loopRangeFunc {
			continue
		}
		li := r.loops[rs]
		// Only if the branch is inside its body (not in its range
		// expression).
		if i > 0 && path[i-1] != rs.Body {
			continue
		}
		act, _ := r.branchText(tok, target, path[i+1:], nil)
		li.exits = append(li.exits, act)
		return fmt.Sprintf("{ %s = %d; return false }", li.exitVar, len(li.exits)), true
	}
	if rs, ok := target.(*ast.RangeStmt); ok && r.loops[rs] != nil && r.loops[rs].kind == loopRangeFunc {
		if tok == token.CONTINUE {
			return "return true", true
		}
		return "return false", true
	}
	crossesSelect := false
	for _, p := range path {
		if _, ok := p.(*ast.SelectStmt); ok {
			crossesSelect = true
		}
	}
	if _, ok := target.(*ast.SelectStmt); ok {
		crossesSelect = true
	}
	var copyBack string
	if li := r.loops[target]; li != nil && li.kind == loopCopy && li.copyBack && tok == token.CONTINUE {
		if _, ok := target.(*ast.ForStmt); ok {
			copyBack = fmt.Sprintf("%s = %s; ", strings.Join(li.holders, ", "), strings.Join(li.vars, ", "))
		}
	}
	if !crossesSelect && copyBack == "" && orig != nil {
		return "", false
	}
	label := ""
	if crossesSelect || (orig != nil && orig.Label != nil) || orig == nil {
		label = r.labelOf(target)
	}
	stmt := tok.String()
	if label != "" {
		stmt += " " + label
	}
	if crossesSelect {
		return fmt.Sprintf("if true { %s%s }", copyBack, stmt), true
	}
	if copyBack != "" {
		return fmt.Sprintf("{ %s%s }", copyBack, stmt), true
	}
	return stmt, true
}

// labelOf returns the label of statement n, giving it one if it has none.
func (r *rewriter) labelOf(n ast.Node) string {
	if lab, ok := r.parent[n].(*ast.LabeledStmt); ok {
		return lab.Label.Name
	}
	if l, ok := r.labels[n]; ok {
		return l
	}
	l := r.newName("L")
	r.labels[n] = l
	r.insert(r.off(n.Pos()), l+": ")
	return l
}

// returnStmt rewrites a return inside the body of a range over a
// function: the body is a function literal, so the return stores the
// results, leaves it, and returns after the loop.
func (r *rewriter) returnStmt(n *ast.ReturnStmt) {
	inner := r.rangeFuncAround(n, true)
	if inner == nil {
		return
	}
	fn := r.loops[inner].fn
	var sig *types.Signature
	switch f := fn.(type) {
	case *ast.FuncDecl:
		if obj, ok := r.info.Defs[f.Name].(*types.Func); ok {
			sig = obj.Type().(*types.Signature)
		}
	case *ast.FuncLit:
		sig, _ = r.typeOf(f).(*types.Signature)
	}
	if sig == nil {
		r.failf(n, "return inside a range over a function, in a function whose result types the kernel does not know; run the cell with %%%%native")
		return
	}
	// The outermost range-over-function loop of the function declares
	// where the results wait.
	outer := inner
	for p := r.rangeFuncAround(inner, true); p != nil; p = r.rangeFuncAround(p, true) {
		outer = p
	}
	oli := r.loops[outer]
	res := sig.Results()
	named := res.Len() > 0 && res.At(0).Name() != "" && res.At(0).Name() != "_"
	var targets []string
	if res.Len() > 0 {
		if named {
			for i := 0; i < res.Len(); i++ {
				targets = append(targets, res.At(i).Name())
			}
		} else {
			if oli.results == nil {
				for i := 0; i < res.Len(); i++ {
					t, ok := r.m.typeString(res.At(i).Type(), r.inGeneric(n))
					if !ok {
						r.failf(n, "return inside a range over a function, of a type declared inside a function; run the cell with %%%%native")
						return
					}
					v := r.newName("R")
					oli.results = append(oli.results, v)
					oli.resDecl += fmt.Sprintf("var %s %s; ", v, t)
				}
			}
			targets = oli.results
		}
	}
	final := "return"
	if res.Len() > 0 && !named {
		final = "return " + strings.Join(targets, ", ")
	}
	// From the innermost loop outwards: each loop's function returns
	// false, and after the loop the next one out does the same, until
	// the last returns from the function.
	act := final
	var chain []*ast.RangeStmt
	for p := inner; p != nil; p = r.rangeFuncAround(p, true) {
		chain = append(chain, p)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		li := r.loops[chain[i]]
		li.exits = append(li.exits, act)
		act = fmt.Sprintf("{ %s = %d; return false }", li.exitVar, len(li.exits))
	}
	r.add(r.off(n.Pos()), r.off(n.End()), func() string {
		if len(n.Results) == 0 {
			return act
		}
		var vals []string
		for _, e := range n.Results {
			vals = append(vals, r.span(e))
		}
		store := fmt.Sprintf("%s = %s; ", strings.Join(targets, ", "), strings.Join(vals, ", "))
		if len(vals) > 1 {
			// Through temporaries of the result types: the interpreter
			// loses values in a, b = x, f() (see parallelAssign).
			var tmps, conv []string
			for i, v := range vals {
				ts, _ := r.m.typeString(res.At(i).Type(), true)
				tmps = append(tmps, fmt.Sprintf("_gocurrentT%d", i))
				conv = append(conv, parenType(ts)+"("+v+")")
			}
			store = fmt.Sprintf("%s := %s; %s = %s; ", strings.Join(tmps, ", "), strings.Join(conv, ", "), strings.Join(targets, ", "), strings.Join(tmps, ", "))
		}
		return "{ " + store + strings.TrimPrefix(act, "{ ")
	})
}

// builtinCall rewrites the builtins the interpreter lacks or gets wrong.
func (r *rewriter) builtinCall(n *ast.CallExpr) {
	id, ok := ast.Unparen(n.Fun).(*ast.Ident)
	if !ok {
		return
	}
	if b, isBuiltin := r.info.Uses[id].(*types.Builtin); !isBuiltin {
		if r.info.Uses[id] != nil || r.m.lib == nil {
			return
		}
		// Without types: a builtin unless the session declares the name.
		if _, declared := r.chk.s.names[id.Name]; declared {
			return
		}
	} else if b.Name() != id.Name {
		return
	}
	switch id.Name {
	case "print", "println":
		name := "Print"
		if id.Name == "println" {
			name = "Println"
		}
		r.replace(n.Fun, nativeAlias+"."+name)
	case "clear":
		r.replace(n.Fun, nativeAlias+".Clear")
	case "min", "max":
		r.minMax(n, id.Name)
	}
}

// minMax rewrites min and max: a constant call becomes its value, any
// other a call of an instance of the library's Min or Max.
func (r *rewriter) minMax(n *ast.CallExpr, name string) {
	tv, ok := r.info.Types[n]
	if ok && tv.Value != nil {
		if lit, ok := constantText(tv, r.m); ok {
			r.replace(n, lit)
			return
		}
	}
	t := r.typeOf(n)
	if t == nil {
		return
	}
	lib := r.m.lib.pkgs["gocurrent_builtin"]
	fn := "Min"
	if name == "max" {
		fn = "Max"
	}
	obj, _ := lib.pkg.Scope().Lookup(fn).(*types.Func)
	if b, ok := t.(*types.Basic); ok && b.Info()&types.IsUntyped != 0 {
		t = types.Default(t)
	}
	in := r.instanceOf(n, obj, []types.Type{t})
	if in == nil {
		return
	}
	r.replace(n.Fun, in.name)
}

// constantText is the source of a constant value of the type tv has.
func constantText(tv types.TypeAndValue, m *modern) (string, bool) {
	v := tv.Value
	b, isBasic := tv.Type.(*types.Basic)
	var lit string
	switch v.Kind() {
	case constant.Int:
		lit = v.ExactString()
		if isBasic && b.Kind() == types.UntypedRune {
			return "rune(" + lit + ")", true
		}
	case constant.Float:
		f, _ := constant.Float64Val(v)
		lit = strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(lit, ".eEIN") {
			lit += ".0"
		}
	case constant.String:
		lit = strconv.Quote(constant.StringVal(v))
	default:
		return "", false
	}
	if isBasic && b.Info()&types.IsUntyped != 0 {
		return lit, true
	}
	t, ok := m.typeString(tv.Type, false)
	if !ok {
		return "", false
	}
	return parenType(t) + "(" + lit + ")", true
}

// waitGroupGo rewrites wg.Go(f) (Go 1.25) so that the goroutine is
// supervised as those of go statements are.
func (r *rewriter) waitGroupGo(n *ast.ExprStmt) {
	call, ok := n.X.(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Go" {
		return
	}
	s, ok := r.info.Selections[sel]
	if !ok {
		return
	}
	fn, ok := s.Obj().(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "sync" {
		return
	}
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil || !strings.HasSuffix(recv.Type().String(), "sync.WaitGroup") {
		return
	}
	addr := "&"
	if t := r.typeOf(sel.X); t != nil {
		if _, isPtr := t.Underlying().(*types.Pointer); isPtr {
			addr = ""
		}
	}
	w, f := r.newName("W"), r.newName("F")
	x, arg := sel.X, call.Args[0]
	r.add(r.off(n.Pos()), r.off(n.End()), func() string {
		return fmt.Sprintf("{ %s, %s := %s%s, %s; %s.Add(1); go func() { %sdefer %s.Done(); %s() }() }",
			w, f, addr, r.span(x), r.span(arg), w, r.supervision(n), w, f)
	})
}

// instantiate replaces a use of a generic function by an instance.
func (r *rewriter) instantiate(id *ast.Ident) {
	inst, ok := r.info.Instances[id]
	if !ok {
		return
	}
	if tn, ok := r.info.Uses[id].(*types.TypeName); ok {
		r.instantiateType(id, tn, inst)
		return
	}
	obj, ok := r.info.Uses[id].(*types.Func)
	if !ok {
		return
	}
	// The expression to replace: the name, with its package and any
	// explicit type arguments.
	var e ast.Node = id
	if sel, ok := r.parent[id].(*ast.SelectorExpr); ok && sel.Sel == id {
		e = sel
	}
	switch p := r.parent[e].(type) {
	case *ast.IndexExpr:
		if p.X == e {
			e = p
		}
	case *ast.IndexListExpr:
		if p.X == e {
			e = p
		}
	}
	var targs []types.Type
	for i := 0; i < inst.TypeArgs.Len(); i++ {
		targs = append(targs, inst.TypeArgs.At(i))
	}
	in := r.instanceOf(id, obj, targs)
	if in == nil {
		return
	}
	r.replace(e, in.name)
}

// instanceOf returns the instance of generic function obj with targs,
// making it if needed; nil (and maybe a failure) if there can be none.
func (r *rewriter) instanceOf(at ast.Node, obj *types.Func, targs []types.Type) *instance {
	var site *funcSite
	pkg := ""
	if obj.Pkg() != nil {
		pkg = obj.Pkg().Path()
	}
	switch {
	case pkg == "main":
		site = r.m.funcs[obj.Origin()]
	default:
		lp := r.m.lib.pkgs[pkg]
		if lp == nil {
			lp = r.m.lib.byStd[pkg]
		}
		if lp != nil {
			if fd := lp.funcs[obj.Name()]; fd != nil {
				site = &funcSite{decl: fd, lib: lp, info: lp.info, tf: lp.fset.File(lp.file.Pos())}
				src, _ := libFiles.ReadFile(lp.fset.File(lp.file.Pos()).Name())
				site.src = string(src)
			}
		}
		if site == nil {
			r.failf(at, "%s.%s is not in the interpreter's standard library (that of Go 1.22, without its generic functions), and the kernel has no replacement for it; run the cell with %%%%native", obj.Pkg().Name(), obj.Name())
			return nil
		}
	}
	if site == nil {
		return nil
	}
	generic := r.inGeneric(at)
	var args []string
	for _, t := range targs {
		s, ok := r.m.typeString(t, false)
		if !ok {
			switch {
			case !generic:
				r.failf(at, "%s is called with a type declared inside a function, which the kernel cannot give the interpreter; declare the type at the top level of a cell, or run the cell with %%%%native", obj.Name())
			case site.lib != nil && !r.inGenericFunc(at):
				// A method of a generic type runs generically in the
				// interpreter, which has no generic library.
				r.failf(at, "%s.%s is used with the type parameters of a generic type's method, which the interpreter cannot run; write the method for a type without parameters, or run the cell with %%%%native", obj.Pkg().Name(), obj.Name())
			}
			return nil
		}
		args = append(args, s)
	}
	key := pkg + "." + obj.Name() + "#" + site.hash + "[" + strings.Join(args, ", ") + "]"
	var special string
	if site.lib != nil && site.lib.name == "gocurrent_errors" && strings.HasPrefix(obj.Name(), "Session") {
		// Written for the session's types, which change: the key
		// holds them.
		special = r.sessionErrorCases(obj.Name())
		key += special
	}
	if in, ok := r.m.insts[key]; ok {
		r.need(in)
		return in
	}
	r.m.ninst++
	prefix := "_gocurrent_" + obj.Name()
	if site.lib != nil {
		prefix = "_gocurrent_" + strings.TrimPrefix(site.lib.name, "gocurrent_") + "_" + obj.Name()
	}
	in := &instance{name: fmt.Sprintf("%s_%d", prefix, r.m.ninst), key: key, cell: site.cell, line: site.line}
	in.text = r.m.instanceText(site, in.name, args)
	if special != "" {
		in.text = sessionErrorFunc(obj.Name(), in.name, special)
	}
	r.m.insts[key] = in
	r.created = append(r.created, in)
	r.need(in)
	return in
}

func (r *rewriter) need(in *instance) {
	for _, x := range r.needs {
		if x == in {
			return
		}
	}
	r.needs = append(r.needs, in)
}

// instanceText copies a generic function's declaration with the type
// arguments in place of its type parameters, under a new name. Names of
// other packages become the kernel's aliases; the library's functions
// are named through the library's package.
func (m *modern) instanceText(site *funcSite, name string, args []string) string {
	fd := site.decl
	ic := &instCopy{m: m, site: site, params: map[types.Object]string{}}
	k := 0
	if tps := fd.Type.TypeParams; tps != nil {
		for _, f := range tps.List {
			for _, n := range f.Names {
				if obj := site.info.Defs[n]; obj != nil && k < len(args) {
					ic.params[obj] = args[k]
				}
				k++
			}
		}
	}
	if fd.Type.TypeParams != nil {
		ic.add(fd.Name.Pos(), fd.Type.TypeParams.End(), name)
	} else {
		ic.add(fd.Name.Pos(), fd.Name.End(), name)
	}
	ast.Inspect(fd.Type.Params, ic.visit)
	if fd.Type.Results != nil {
		ast.Inspect(fd.Type.Results, ic.visit)
	}
	if fd.Body != nil {
		ast.Inspect(fd.Body, ic.visit)
	}
	sort.Slice(ic.repls, func(i, j int) bool { return ic.repls[i].start < ic.repls[j].start })
	var b strings.Builder
	tf := site.tf
	pos := tf.Offset(fd.Pos())
	for _, x := range ic.repls {
		if x.start < pos {
			continue
		}
		b.WriteString(site.src[pos:x.start])
		b.WriteString(x.text)
		pos = x.end
	}
	b.WriteString(site.src[pos:tf.Offset(fd.End())])
	return b.String()
}

// instCopy collects the replacements of instanceText.
type instCopy struct {
	m      *modern
	site   *funcSite
	params map[types.Object]string
	repls  []struct {
		start, end int
		text       string
	}
}

func (ic *instCopy) add(start, end token.Pos, text string) {
	ic.repls = append(ic.repls, struct {
		start, end int
		text       string
	}{ic.site.tf.Offset(start), ic.site.tf.Offset(end), text})
}

// visit replaces an identifier that names a type parameter, another
// package, or a function of the library.
func (ic *instCopy) visit(x ast.Node) bool {
	info := ic.site.info
	switch x := x.(type) {
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			if pn, ok := info.Uses[id].(*types.PkgName); ok {
				ic.add(id.Pos(), id.End(), ic.m.qualifier(pn.Imported()))
				return false
			}
		}
	case *ast.CallExpr:
		// A conversion to a type parameter: T(x) -> (func() int)(x).
		if id, ok := ast.Unparen(x.Fun).(*ast.Ident); ok {
			if t, ok := ic.params[info.Uses[id]]; ok {
				ic.add(id.Pos(), id.End(), parenType(t))
				for _, a := range x.Args {
					ast.Inspect(a, ic.visit)
				}
				return false
			}
		}
	case *ast.Ident:
		obj := info.Uses[x]
		if obj == nil {
			return true
		}
		if t, ok := ic.params[obj]; ok {
			ic.add(x.Pos(), x.End(), t)
			return true
		}
		if lp := ic.site.lib; lp != nil && obj.Pkg() == lp.pkg && obj.Parent() == lp.pkg.Scope() {
			ic.add(x.Pos(), x.End(), lp.alias+"."+x.Name)
		}
	}
	return true
}

// selector checks that a package member exists in the interpreter, and
// points library functions at the library.
func (r *rewriter) selector(n *ast.SelectorExpr) {
	id, ok := n.X.(*ast.Ident)
	if !ok {
		return
	}
	pn, ok := r.info.Uses[id].(*types.PkgName)
	if !ok {
		return
	}
	path := pn.Imported().Path()
	name := n.Sel.Name
	if _, isInst := r.info.Instances[n.Sel]; isInst {
		switch obj := r.info.Uses[n.Sel].(type) {
		case *types.Func:
			return // instantiate handles it
		case *types.TypeName:
			if lp := r.m.lib.byStd[path]; lp != nil && lp.types[obj.Name()] != nil {
				return // instantiateType handles it
			}
		}
	}
	if lp := r.m.lib.pkgs[path]; lp != nil {
		// A function of the library named by an instance (errors.Is
		// calling itself): its copy too.
		if fn, ok := r.info.Uses[n.Sel].(*types.Func); ok && fn.Type().(*types.Signature).TypeParams().Len() == 0 {
			if in := r.instanceOf(n, fn, nil); in != nil {
				r.replace(n, in.name)
			}
			return
		}
	}
	if r.m.available(r.chk.s, path, name) {
		return
	}
	if path == "iter" && (name == "Seq" || name == "Seq2") {
		return // iterType handles it
	}
	obj := pn.Imported().Scope().Lookup(name)
	if obj == nil {
		return // not in Go either: the interpreter reports it
	}
	if r.inGenericFunc(n) {
		return
	}
	r.failf(n, "%s.%s is not in the interpreter's standard library (that of Go 1.22, without its generic functions and types), and the kernel has no replacement for it; run the cell with %%%%native", pn.Imported().Name(), name)
}

// available reports whether the interpreter has path.name.
func (m *modern) available(s *session, path, name string) bool {
	if m.symbols == nil {
		m.symbols = map[string]map[string]bool{}
		for _, e := range s.exports {
			for key, syms := range e {
				i := strings.LastIndex(key, "/")
				if i < 0 {
					continue
				}
				p := key[:i]
				if m.symbols[p] == nil {
					m.symbols[p] = map[string]bool{}
				}
				for n := range syms {
					m.symbols[p][n] = true
				}
			}
		}
	}
	if m.symbols[path][name] {
		return true
	}
	if gen := genericNames()[path]; gen[name] {
		// yaegi's own generic source: its types and constraints work;
		// its functions are replaced by the library's instances.
		return true
	}
	return false
}

// iterType rewrites iter.Seq[T] and iter.Seq2[K, V] as the function types
// they stand for: the interpreter's generic types are fragile.
func (r *rewriter) iterType(n ast.Expr, indices []ast.Expr) {
	var x ast.Expr
	switch n := n.(type) {
	case *ast.IndexExpr:
		x = n.X
	case *ast.IndexListExpr:
		x = n.X
	}
	sel, ok := x.(*ast.SelectorExpr)
	if !ok {
		return
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return
	}
	pn, ok := r.info.Uses[id].(*types.PkgName)
	if !ok || pn.Imported().Path() != "iter" {
		return
	}
	if (sel.Sel.Name == "Seq" && len(indices) == 1) || (sel.Sel.Name == "Seq2" && len(indices) == 2) {
		conv := false
		if call, ok := r.parent[n].(*ast.CallExpr); ok && call.Fun == n {
			conv = true
		}
		r.add(r.off(n.Pos()), r.off(n.End()), func() string {
			var ts []string
			for _, e := range indices {
				ts = append(ts, r.span(e))
			}
			t := fmt.Sprintf("func(yield func(%s) bool)", strings.Join(ts, ", "))
			if conv {
				t = "(" + t + ")"
			}
			return t
		})
	}
}

// parenReceives puts receive operations that are whole values of an
// assignment or a return in parentheses: the interpreter loses the value
// of "return <-c" and of "s[i] = <-c" (it panics or stores nothing), and
// gets the parenthesized forms right.
func (r *rewriter) parenReceives(es []ast.Expr) {
	for _, e := range es {
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.ARROW {
			r.wrap(u, "(", ")")
		}
	}
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

// topCommaOk rewrites "v, ok := <-c" (and m[k], x.(T)) at the cell's top
// level, where the interpreter panics ("nil type"), as the call of a
// function that does the same inside:
//
//	v, ok := func() (T, bool) { v, ok := <-c; return v, ok }()
func (r *rewriter) topCommaOk(n *ast.AssignStmt) {
	if r.it.chunk == nil || r.it.decl || n.Tok != token.DEFINE || len(n.Lhs) != 2 || len(n.Rhs) != 1 {
		return
	}
	top := false
	for _, x := range r.it.nodes {
		if x == n {
			top = true
		}
	}
	if !top {
		return
	}
	rhs := ast.Unparen(n.Rhs[0])
	switch x := rhs.(type) {
	case *ast.UnaryExpr:
		if x.Op != token.ARROW {
			return
		}
	case *ast.IndexExpr:
		if t := r.typeOf(x.X); t == nil {
			return
		} else if _, isMap := t.Underlying().(*types.Map); !isMap {
			return
		}
	case *ast.TypeAssertExpr:
	default:
		return
	}
	t := r.typeOf(rhs)
	if tup, isTuple := t.(*types.Tuple); isTuple && tup.Len() == 2 {
		t = tup.At(0).Type() // the check records the comma-ok pair
	}
	if t == nil {
		return
	}
	ts, ok := r.m.typeString(t, false)
	if !ok {
		return
	}
	r.add(r.off(rhs.Pos()), r.off(rhs.End()), func() string {
		return fmt.Sprintf("func() (%s, bool) { _gocurrentA, _gocurrentB := %s; return _gocurrentA, _gocurrentB }()", ts, r.span(rhs))
	})
}

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
	r.add(r.off(n.For), r.off(n.Body.Lbrace)+1, func() string {
		if isMap {
			k := r.newName("K")
			x := r.span(n.X)
			return fmt.Sprintf("for %s := range %s { %s %s %s, %s[%s];", k, x, lhs(), op, k, x, k)
		}
		sl, i := r.newName("S"), r.newName("I")
		return fmt.Sprintf("for %s, %s := %s, 0; %s < len(%s); %s++ { %s %s %s, %s[%s];", sl, i, r.span(n.X), i, sl, i, lhs(), op, i, sl, i)
	})
}

// goStmt gives the supervision rewriting (supervise.go) a go statement
// it can keep faithful: the interpreter evaluates the function of "go
// f()()" in the new goroutine, so "go g(x)" rewritten with a function
// that returns a closure read x late, in a loop the next iteration's.
// Passing the function and its arguments as parameters of a literal
// evaluates them in the go statement, as Go does:
//
//	go output(c)  ->  go func(F func(<-chan int), A0 <-chan int) { F(A0) }(output, c)
//
// Calls of the session's own functions are left to supervise.go, which
// calls their twins with the arguments directly.
func (r *rewriter) goStmt(n *ast.GoStmt) {
	call := n.Call
	fun := ast.Unparen(call.Fun)
	if _, ok := fun.(*ast.FuncLit); ok {
		return
	}
	if len(call.Args) == 1 {
		if t, ok := r.typeOf(call.Args[0]).(*types.Tuple); ok && t.Len() != 1 {
			return // f(g()) with several results
		}
	}
	if id, ok := fun.(*ast.Ident); ok {
		if obj, ok := r.info.Uses[id].(*types.Func); ok && obj.Pkg() != nil && obj.Pkg().Path() == "main" &&
			obj.Parent() == obj.Pkg().Scope() && obj.Type().(*types.Signature).TypeParams().Len() == 0 {
			if _, inst := r.info.Instances[id]; !inst {
				return
			}
		}
	}
	sig, ok := r.typeOf(call.Fun).(*types.Signature)
	if !ok {
		return
	}
	generic := r.inGeneric(n)
	ft, ok := r.m.typeString(sig, generic)
	if !ok {
		return
	}
	params := sig.Params()
	var ptypes []string
	for i := range call.Args {
		var t types.Type
		switch {
		case sig.Variadic() && i >= params.Len()-1 && !call.Ellipsis.IsValid():
			t = params.At(params.Len() - 1).Type().(*types.Slice).Elem()
		case i < params.Len():
			t = params.At(i).Type()
		default:
			return
		}
		s, ok := r.m.typeString(t, generic)
		if !ok {
			return
		}
		ptypes = append(ptypes, s)
	}
	f := r.newName("F")
	r.add(r.off(call.Pos()), r.off(call.End()), func() string {
		var ps, as, vals []string
		ps = append(ps, f+" "+ft)
		vals = append(vals, r.span(call.Fun))
		for i, a := range call.Args {
			p := fmt.Sprintf("%sA%d", f, i)
			ps = append(ps, p+" "+ptypes[i])
			as = append(as, p)
			vals = append(vals, r.span(a))
		}
		ell := ""
		if call.Ellipsis.IsValid() {
			ell = "..."
		}
		return fmt.Sprintf("func(%s) { %s%s(%s%s) }(%s)", strings.Join(ps, ", "), r.supervision(n), f, strings.Join(as, ", "), ell, strings.Join(vals, ", "))
	})
}

// supervision starts the body of a goroutine that go statement n starts,
// as supervise.go does, but naming the statement as the user wrote it:
// supervise.go supervises the rewritten statement again, and the inner
// recovery, this one, reports a panic first.
func (r *rewriter) supervision(n ast.Node) string {
	s := r.chk.s
	c := s.count
	if r.it.inst != nil && r.it.inst.cell > 0 {
		c = r.it.inst.cell
	}
	line, _ := r.cellPos(n.Pos())
	id := s.sites.add(site{cell: c, line: line, text: shorten(r.src[r.off(n.Pos()):r.off(n.End())])})
	s.sites.rewrote(c, line)
	return fmt.Sprintf("%s.Start(%d); defer %s(%d); ", supImport, id, recoverFn, id)
}

// instantiateType replaces a generic type of the library (atomic.Pointer)
// with an instance: the type and its methods, with the type arguments in
// place of the type parameters. Generic types of the session are left to
// the interpreter.
func (r *rewriter) instantiateType(id *ast.Ident, tn *types.TypeName, inst types.Instance) {
	if tn.Pkg() == nil {
		return
	}
	lp := r.m.lib.pkgs[tn.Pkg().Path()]
	if lp == nil {
		lp = r.m.lib.byStd[tn.Pkg().Path()]
	}
	if lp == nil || lp.types[tn.Name()] == nil {
		return
	}
	var e ast.Node = id
	if sel, ok := r.parent[id].(*ast.SelectorExpr); ok && sel.Sel == id {
		e = sel
	}
	switch p := r.parent[e].(type) {
	case *ast.IndexExpr:
		if p.X == e {
			e = p
		}
	case *ast.IndexListExpr:
		if p.X == e {
			e = p
		}
	}
	var args []string
	for i := 0; i < inst.TypeArgs.Len(); i++ {
		s, ok := r.m.typeString(inst.TypeArgs.At(i), false)
		if !ok {
			if !r.inGeneric(id) {
				r.failf(id, "%s.%s of a type declared inside a function cannot be given to the interpreter; declare the type at the top level of a cell, or run the cell with %%%%native", tn.Pkg().Name(), tn.Name())
			}
			return
		}
		args = append(args, s)
	}
	key := lp.name + "." + tn.Name() + "[" + strings.Join(args, ", ") + "]"
	in, ok := r.m.insts[key]
	if !ok {
		r.m.ninst++
		in = &instance{name: fmt.Sprintf("_gocurrent_%s_%s_%d", strings.TrimPrefix(lp.name, "gocurrent_"), tn.Name(), r.m.ninst), key: key}
		src, _ := libFiles.ReadFile(lp.fset.File(lp.file.Pos()).Name())
		in.text = r.m.typeInstanceText(lp, string(src), tn.Name(), in.name, args)
		r.m.insts[key] = in
		r.created = append(r.created, in)
	}
	r.need(in)
	r.replace(e, in.name)
}

// typeInstanceText copies a library type and its methods with the type
// arguments in place of the type parameters, under a new name.
func (m *modern) typeInstanceText(lp *libPkg, src, typeName, name string, args []string) string {
	tf := lp.fset.File(lp.file.Pos())
	site := &funcSite{lib: lp, info: lp.info, tf: tf, src: src}
	ts := lp.types[typeName]
	copyNode := func(start, end token.Pos, ic *instCopy, nodes ...ast.Node) string {
		for _, n := range nodes {
			if n != nil {
				ast.Inspect(n, ic.visit)
			}
		}
		sort.Slice(ic.repls, func(i, j int) bool { return ic.repls[i].start < ic.repls[j].start })
		var b strings.Builder
		pos := tf.Offset(start)
		for _, x := range ic.repls {
			if x.start < pos {
				continue
			}
			b.WriteString(src[pos:x.start])
			b.WriteString(x.text)
			pos = x.end
		}
		b.WriteString(src[pos:tf.Offset(end)])
		return b.String()
	}
	params := func(names []*ast.Ident) map[types.Object]string {
		out := map[types.Object]string{}
		for i, n := range names {
			if obj := lp.info.Defs[n]; obj != nil && i < len(args) {
				out[obj] = args[i]
			}
		}
		return out
	}
	var tparams []*ast.Ident
	for _, f := range ts.TypeParams.List {
		tparams = append(tparams, f.Names...)
	}
	ic := &instCopy{m: m, site: site, params: params(tparams)}
	ic.add(ts.Name.Pos(), ts.TypeParams.End(), name)
	text := "type " + copyNode(ts.Pos(), ts.End(), ic, ts.Type)
	for _, fd := range lp.methods[typeName] {
		recv := fd.Recv.List[0].Type
		if st, ok := recv.(*ast.StarExpr); ok {
			recv = st.X
		}
		var rparams []*ast.Ident
		switch x := recv.(type) {
		case *ast.IndexExpr:
			if id, ok := x.Index.(*ast.Ident); ok {
				rparams = append(rparams, id)
			}
		case *ast.IndexListExpr:
			for _, e := range x.Indices {
				if id, ok := e.(*ast.Ident); ok {
					rparams = append(rparams, id)
				}
			}
		}
		mc := &instCopy{m: m, site: site, params: params(rparams)}
		mc.add(recv.Pos(), recv.End(), name)
		text += "\n\n" + copyNode(fd.Pos(), fd.End(), mc, fd.Type, fd.Body)
	}
	return text
}

// printFuncs are the functions that format their arguments as fmt does,
// and how many leading arguments are not values (a writer, a format).
var printFuncs = map[string]map[string]int{
	"fmt": {"Print": 0, "Println": 0, "Printf": 1, "Sprint": 0, "Sprintln": 0, "Sprintf": 1,
		"Fprint": 1, "Fprintln": 1, "Fprintf": 2, "Errorf": 1, "Append": 1, "Appendln": 1, "Appendf": 2},
	"log": {"Print": 0, "Println": 0, "Printf": 1, "Fatal": 0, "Fatalln": 0, "Fatalf": 1,
		"Panic": 0, "Panicln": 0, "Panicf": 1},
}

// printArgs refuses a value printed with fmt that holds, inside a slice,
// map, array or struct, values of a session type with a String or Error
// method: fmt in the interpreter sees the methods of direct arguments only,
// and would print the inner values' fields instead.
func (r *rewriter) printArgs(n *ast.CallExpr) {
	sel, ok := n.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return
	}
	pn, ok := r.info.Uses[id].(*types.PkgName)
	if !ok {
		return
	}
	skip, ok := printFuncs[pn.Imported().Path()][sel.Sel.Name]
	if !ok || r.inGenericFunc(n) {
		return
	}
	for i, a := range n.Args {
		if i < skip {
			continue
		}
		t := r.typeOf(a)
		if t == nil || hasPrintMethod(t) {
			continue
		}
		if inner := hiddenStringer(t, true, map[types.Type]bool{}); inner != nil {
			r.failf(a, "fmt would print the %s values inside this %s without their %s method: the interpreter's fmt sees the methods of the values it is given, not of those inside them; print them one by one, or run the cell with %%%%native",
				inner.Obj().Name(), types.TypeString(t, r.m.userQualifier), printMethodName(inner))
			return
		}
	}
}

func hasPrintMethod(t types.Type) bool {
	ms := types.NewMethodSet(t)
	for _, m := range []string{"String", "Error", "Format", "GoString"} {
		if ms.Lookup(nil, m) != nil {
			return true
		}
	}
	return false
}

func printMethodName(t types.Type) string {
	if types.NewMethodSet(types.NewPointer(t)).Lookup(nil, "Error") != nil {
		return "Error"
	}
	return "String"
}

// hiddenStringer returns a session type with a printing method that fmt
// would meet inside t (nil if none).
func hiddenStringer(t types.Type, top bool, seen map[types.Type]bool) *types.Named {
	if seen[t] {
		return nil
	}
	seen[t] = true
	named := func(t types.Type) *types.Named {
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		nt, _ := t.(*types.Named)
		return nt
	}
	if nt := named(t); nt != nil && !top && hasPrintMethod(t) {
		if nt.Obj().Pkg() != nil && nt.Obj().Pkg().Path() == "main" {
			return nt
		}
		return nil
	}
	if nt, ok := t.(*types.Named); ok && nt.Obj().Pkg() != nil && nt.Obj().Pkg().Path() != "main" {
		return nil // formatted by its own package's code
	}
	switch u := t.Underlying().(type) {
	case *types.Slice:
		return hiddenStringer(u.Elem(), false, seen)
	case *types.Array:
		return hiddenStringer(u.Elem(), false, seen)
	case *types.Map:
		if k := hiddenStringer(u.Key(), false, seen); k != nil {
			return k
		}
		return hiddenStringer(u.Elem(), false, seen)
	case *types.Pointer:
		if top {
			return hiddenStringer(u.Elem(), false, seen)
		}
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if s := hiddenStringer(u.Field(i).Type(), false, seen); s != nil {
				return s
			}
		}
	}
	return nil
}

// userQualifier names packages in messages as the user's code does.
func (m *modern) userQualifier(p *types.Package) string {
	if p.Path() == "main" {
		return ""
	}
	return p.Name()
}

// parallelAssign rewrites a, b = x, f(): when a value on the right is a
// call or a receive, the interpreter assigns only those and zeroes the
// others. The values go through new variables first (a := with calls is
// right), constants stay where they are:
//
//	a, b = x, f()  ->  { T0, T1 := x, f(); a, b = T0, T1 }
func (r *rewriter) parallelAssign(n *ast.AssignStmt) {
	if n.Tok != token.ASSIGN || len(n.Lhs) < 2 || len(n.Lhs) != len(n.Rhs) {
		return
	}
	switch r.parent[n].(type) {
	case *ast.BlockStmt, *ast.CaseClause, *ast.CommClause:
	case nil:
		// A statement of the cell's top level.
	default:
		return // a for loop's post statement, an if's init: left as is
	}
	if c, ok := r.parent[n].(*ast.CommClause); ok && c.Comm == n {
		return
	}
	risky := false
	for _, e := range n.Rhs {
		ast.Inspect(e, func(x ast.Node) bool {
			switch x := x.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CallExpr:
				risky = true
			case *ast.UnaryExpr:
				if x.Op == token.ARROW {
					risky = true
				}
			}
			return !risky
		})
	}
	if !risky {
		return
	}
	type part struct {
		e     ast.Expr
		fixed bool // a constant or nil
	}
	var parts []part
	for _, e := range n.Rhs {
		tv := r.info.Types[e]
		parts = append(parts, part{e, tv.Value != nil || tv.IsNil()})
	}
	r.add(r.off(n.Pos()), r.off(n.End()), func() string {
		var tmps, vals, rhs, lhs []string
		for _, l := range n.Lhs {
			lhs = append(lhs, r.span(l))
		}
		for _, p := range parts {
			if p.fixed {
				rhs = append(rhs, r.span(p.e))
				continue
			}
			t := r.newName("T")
			tmps = append(tmps, t)
			vals = append(vals, r.span(p.e))
			rhs = append(rhs, t)
		}
		return fmt.Sprintf("{ %s := %s; %s = %s }", strings.Join(tmps, ", "), strings.Join(vals, ", "), strings.Join(lhs, ", "), strings.Join(rhs, ", "))
	})
}

// errorsCall rewrites errors.Is, errors.As and errors.Unwrap as calls of
// the library's copies in interpreted code: the native functions cannot
// see the methods (Unwrap, Is, As) of the session's values in a chain,
// and errors.As panics on a target of the session's types.
func (r *rewriter) errorsCall(n *ast.CallExpr) {
	sel, ok := n.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return
	}
	if pn, ok := r.info.Uses[id].(*types.PkgName); !ok || pn.Imported().Path() != "errors" {
		return
	}
	lib := r.m.lib.pkgs["gocurrent_errors"]
	var targs []types.Type
	switch sel.Sel.Name {
	case "Is", "Unwrap":
	case "As":
		if len(n.Args) != 2 {
			return
		}
		ptr, ok := r.typeOf(n.Args[1]).(*types.Pointer)
		if !ok {
			return // any: the native As checks it
		}
		targs = []types.Type{ptr.Elem()}
	default:
		return
	}
	obj, _ := lib.pkg.Scope().Lookup(sel.Sel.Name).(*types.Func)
	if in := r.instanceOf(n, obj, targs); in != nil {
		r.replace(n.Fun, in.name)
	}
}

// interpretedType reports whether values of t are made by the
// interpreter: a type of the session, a pointer to one, or an interface
// of the session's or written out.
func interpretedType(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	switch t := t.(type) {
	case *types.Named:
		return t.Obj().Pkg() != nil && t.Obj().Pkg().Path() == "main"
	case *types.Interface:
		return !t.Empty()
	}
	return false
}

// sessionErrorCases lists, as type assertions, the session's
// types that have the method the library's function calls (SessionUnwrap:
// Unwrap, SessionIs: Is, SessionAs: As).
func (r *rewriter) sessionErrorCases(fn string) string {
	if r.chk.pkg == nil {
		return ""
	}
	scope := r.chk.pkg.Scope()
	var b strings.Builder
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		nt, ok := tn.Type().(*types.Named)
		if !ok || nt.TypeParams().Len() > 0 {
			continue
		}
		if _, isIface := nt.Underlying().(*types.Interface); isIface {
			continue
		}
		for _, t := range []types.Type{nt, types.NewPointer(nt)} {
			ms := types.NewMethodSet(t)
			expr := name
			if _, ptr := t.(*types.Pointer); ptr {
				expr = "*" + name
			}
			switch fn {
			case "SessionUnwrap":
				if sel := ms.Lookup(nil, "Unwrap"); sel != nil {
					sig := sel.Type().(*types.Signature)
					if sig.Params().Len() == 0 && sig.Results().Len() == 1 {
						if _, many := sig.Results().At(0).Type().(*types.Slice); many {
							fmt.Fprintf(&b, "\tif x, ok := err.(%s); ok {\n\t\treturn nil, x.Unwrap(), true\n\t}\n", expr)
						} else {
							fmt.Fprintf(&b, "\tif x, ok := err.(%s); ok {\n\t\treturn x.Unwrap(), nil, true\n\t}\n", expr)
						}
					}
				}
			case "SessionIs":
				if sel := ms.Lookup(nil, "Is"); sel != nil && sel.Type().(*types.Signature).Params().Len() == 1 {
					fmt.Fprintf(&b, "\tif x, ok := err.(%s); ok {\n\t\treturn x.Is(target)\n\t}\n", expr)
				}
			case "SessionAs":
				if sel := ms.Lookup(nil, "As"); sel != nil && sel.Type().(*types.Signature).Params().Len() == 1 {
					fmt.Fprintf(&b, "\tif x, ok := err.(%s); ok {\n\t\treturn x.As(target)\n\t}\n", expr)
				}
			}
		}
	}
	return b.String()
}

// sessionErrorFunc writes the library's SessionUnwrap, SessionIs or
// SessionAs for the session's types (cases from sessionErrorCases).
func sessionErrorFunc(fn, name, cases string) string {
	if cases == "" {
		switch fn {
		case "SessionUnwrap":
			return fmt.Sprintf("func %s(err error) (error, []error, bool) { return nil, nil, false }", name)
		case "SessionIs":
			return fmt.Sprintf("func %s(err, target error) bool { return false }", name)
		}
		return fmt.Sprintf("func %s(err error, target any) bool { return false }", name)
	}
	// Type assertions, not a type switch: the interpreter's type switch on
	// an error misses the session's types.
	switch fn {
	case "SessionUnwrap":
		return fmt.Sprintf("func %s(err error) (error, []error, bool) {\n%s\treturn nil, nil, false\n}", name, cases)
	case "SessionIs":
		return fmt.Sprintf("func %s(err, target error) bool {\n%s\treturn false\n}", name, cases)
	}
	return fmt.Sprintf("func %s(err error, target any) bool {\n%s\treturn false\n}", name, cases)
}

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
		cc    *ast.CaseClause
		conds []string
		kind  int // 0: assertion binds, 1: the session's interface (nested type switch), 2: no single type
		typ   string
	}
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
			ts := r.src[r.off(t.Pos()):r.off(t.End())]
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
	r.add(r.off(n.Switch), r.off(n.Body.Lbrace)+1, func() string {
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
		r.add(r.off(ci.cc.Case), r.off(ci.cc.Colon)+1, func() string {
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

// errorArgs passes values of the session's error types through the
// library's AsError where a native function takes an interface: the
// interpreter gives such a value to native code without its Error method
// (fmt.Errorf("%w", &MyErr{}) does not wrap it, fmt.Println prints its
// fields), unless it comes out of a function as an error.
func (r *rewriter) errorArgs(n *ast.CallExpr) {
	var sig *types.Signature
	switch f := ast.Unparen(n.Fun).(type) {
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok {
			if pn, ok := r.info.Uses[id].(*types.PkgName); ok {
				p := pn.Imported().Path()
				if r.m.lib.pkgs[p] != nil || p == nativePath {
					return
				}
				sig, _ = r.typeOf(f).(*types.Signature)
				break
			}
		}
		if sel, ok := r.info.Selections[f]; ok {
			if fn, ok := sel.Obj().(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() != "main" {
				sig, _ = r.typeOf(f).(*types.Signature)
			}
		}
	}
	if sig == nil || n.Ellipsis.IsValid() {
		return
	}
	params := sig.Params()
	for i, a := range n.Args {
		var pt types.Type
		switch {
		case sig.Variadic() && i >= params.Len()-1:
			pt = params.At(params.Len() - 1).Type().(*types.Slice).Elem()
		case i < params.Len():
			pt = params.At(i).Type()
		default:
			return
		}
		if _, ok := pt.Underlying().(*types.Interface); !ok {
			continue
		}
		at := r.typeOf(a)
		if at == nil {
			continue
		}
		if _, isIface := at.Underlying().(*types.Interface); isIface || !interpretedType(at) {
			continue
		}
		if types.NewMethodSet(at).Lookup(nil, "Error") == nil {
			continue
		}
		lib := r.m.lib.pkgs["gocurrent_errors"]
		obj, _ := lib.pkg.Scope().Lookup("AsError").(*types.Func)
		if in := r.instanceOf(a, obj, nil); in != nil {
			r.wrap(a, in.name+"(", ")")
		}
	}
}
