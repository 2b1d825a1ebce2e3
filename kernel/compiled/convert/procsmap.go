package convert

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/procs"
	"github.com/gocurrent/gocurrent/kernel/procs/pool"
)

// procs.Map. Go cannot declare one Map for the three forms of function
// it takes (returning a value, a value and an error, or nothing), used
// with one value or two, so before the cell is checked each call
// procs.Map(w, fn, in) whose fn names a function of the session becomes a
// call of the procs package's helper for that form and use (MV2, MV1, ME2,
// ME1, MN2, MN1: names as long as Map, so that the cell's columns stay
// where they are); what the call's statement uses decides one value or
// two, as in the interpreted kernel (procs.TwoValued). Once checked, the
// fn of each helper call must be a function declared in the session (not
// a local variable of the same name), and the cell's package registers
// it in its initialiser (RV, RE, RN) under the key "CELL/NAME", by which
// a child process that opens the cell's plugin finds it.

// procsPkg is the name cells import the procs package by.
const procsPkg = "procs"

// procsHelpers are the helpers' names: "M", the form, the number of
// values.
var procsHelpers = []string{"MV2", "MV1", "ME2", "ME1", "MN2", "MN1"}

// procsCall is a helper call to register, with its cell part.
type procsCall struct {
	p    *part
	fn   *ast.Ident
	form byte // 'V', 'E' or 'N'
	pkg  string
}

// typeProcsMap rewrites the cell's procs.Map calls into calls of the
// helpers; it refuses calls whose fn is not a function of the session.
func (cv *converter) typeProcsMap() error {
	path := cv.s.Std[procsPkg]
	if path == "" || cv.s.Names[procsPkg] != nil || (cv.s.Imports[procsPkg] != "" && cv.s.Imports[procsPkg] != path) {
		return nil
	}
	if !slices.ContainsFunc(cv.c.Chunks, func(ch cell.Chunk) bool { return strings.Contains(ch.Src, procsPkg+".Map") }) {
		return nil
	}
	c := *cv.c // the chunks change: the caller's cell does not
	c.Chunks = slices.Clone(c.Chunks)
	cv.c = &c
	var errs Errors
	cells := map[string]*ast.FuncDecl{} // functions the cell declares
	for i := range cv.c.Chunks {
		ch := &cv.c.Chunks[i]
		for _, im := range ch.Imports {
			if im.ImportName() == procsPkg && im.Path != path {
				return nil
			}
		}
		if fd, ok := ch.Node.(*ast.FuncDecl); ok && fd.Recv == nil && ch.Kind == cell.Decl {
			cells[fd.Name.Name] = fd
		}
		if slices.Contains(ch.Names, procsPkg) {
			return nil
		}
	}
	for i := range cv.c.Chunks {
		ch := &cv.c.Chunks[i]
		if ch.Kind == cell.Import || !strings.Contains(ch.Src, procsPkg+".Map") {
			continue
		}
		prefix, text := "package p\n", "package p\n"+ch.Src
		if ch.Kind != cell.Decl { // statements, in a function
			prefix += "func _() {\n"
			text = prefix + ch.Src + "\n}"
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "", text, 0)
		if err != nil {
			continue // the check reports it
		}
		off := func(pos token.Pos) int { return fset.Position(pos).Offset - len(prefix) }
		multi := procs.TwoValued(f)
		src := []byte(ch.Src)
		procs.MapCalls(f, []string{procsPkg}, func(call *ast.CallExpr, sel *ast.SelectorExpr) {
			refuse := func(reason string) {
				line, col := chunkPosition(ch, off(call.Args[1].Pos()))
				errs = append(errs, &Error{File: CellFile(cv.n), Line: line, Col: col, Msg: "procs.Map: " + reason})
			}
			fn, ok := call.Args[1].(*ast.Ident)
			var ft *ast.FuncType
			if ok && (fn.Obj == nil || fn.Obj.Kind == ast.Fun) {
				if fd := cells[fn.Name]; fd != nil {
					ft = fd.Type
				} else if d := cv.s.Names[fn.Name]; d != nil && d.Kind == Func {
					if fd := cell.ParseFunc(d.Src); fd != nil && fd.Func.Recv == nil {
						ft = fd.Func.Type
					}
				}
			}
			if ft == nil {
				refuse(pool.Reject)
				return
			}
			shape := procs.ShapeOf(ft)
			if reason := shape.Refusal(fn.Name); reason != "" {
				refuse(reason)
				return
			}
			helper := []byte("MN2")
			switch shape.Results {
			case 1:
				helper[1] = 'V'
			case 2:
				helper[1] = 'E'
			}
			if !multi[call] {
				helper[2] = '1'
			}
			copy(src[off(sel.Sel.Pos()):], helper)
		})
		ch.Src = string(src)
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// chunkPosition is the cell line and column of offset off of chunk ch.
func chunkPosition(ch *cell.Chunk, off int) (line, col int) {
	before := ch.Src[:off]
	nl := strings.LastIndexByte(before, '\n')
	if nl < 0 {
		return ch.Line, ch.Col + off
	}
	return ch.Line + strings.Count(before, "\n"), off - nl
}

// procsCalls finds the helper calls of the cell's parts, once checked,
// and refuses those whose fn is not a function of the session.
func (cv *converter) procsCalls() []procsCall {
	var calls []procsCall
	for _, p := range cv.parts {
		if !p.inCell() {
			continue
		}
		for _, root := range p.nodes {
			ast.Inspect(root, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || len(call.Args) != 3 {
					return true
				}
				sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
				if !ok || !slices.Contains(procsHelpers, sel.Sel.Name) {
					return true
				}
				pkg, ok := cv.info.Uses[identOf(sel.X)].(*types.PkgName)
				if !ok || pkg.Imported().Path() != cv.s.Std[procsPkg] {
					return true
				}
				fn, ok := call.Args[1].(*ast.Ident)
				obj, isFunc := cv.info.Uses[fn].(*types.Func)
				if !ok || !isFunc || obj.Parent() != cv.pkg.Scope() {
					cv.fail(call.Args[1].Pos(), "procs.Map: %s", pool.Reject)
					return true
				}
				if vars := cv.stmtVarsOf(obj); len(vars) > 0 {
					cv.fail(call.Args[1].Pos(), "%s", pool.StatementVars(fn.Name, vars))
					return true
				}
				calls = append(calls, procsCall{p: p, fn: fn, form: sel.Sel.Name[1], pkg: pkg.Name()})
				return true
			})
		}
	}
	return calls
}

// procsInit is the initialiser that registers the functions the cell's
// helper calls send to child processes ("" if there are none).
func (cv *converter) procsInit(calls []procsCall) string {
	regs := map[string]string{}
	for _, c := range calls {
		key := fmt.Sprintf("%d/%s", cv.n, c.fn.Name)
		regs[key] = fmt.Sprintf("\t%s.R%c(%q, %s)\n", c.pkg, c.form, key, cv.render(c.p, c.fn))
	}
	if len(regs) == 0 {
		return ""
	}
	keys := make([]string, 0, len(regs))
	for k := range regs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("\n// The functions procs.Map sends to child processes.\nfunc init() {\n")
	for _, k := range keys {
		b.WriteString(regs[k])
	}
	b.WriteString("}\n")
	return b.String()
}

// procsErrors names the helpers procs.Map in the check's errors.
func procsErrors(err error) error {
	es, ok := err.(Errors)
	if !ok {
		return err
	}
	for _, e := range es {
		for _, h := range procsHelpers {
			e.Msg = strings.ReplaceAll(e.Msg, procsPkg+"."+h, procsPkg+".Map")
		}
	}
	return es
}

// stmtVarsOf lists the variables set by statements of the notebook (x :=
// ... at a cell's top level) that fn uses, directly or through the
// session's functions and methods: a child, which runs no statement,
// would see their zero values.
func (cv *converter) stmtVarsOf(fn *types.Func) []string {
	decls := map[types.Object]*ast.FuncDecl{}
	for _, d := range cv.file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			if obj := cv.info.Defs[fd.Name]; obj != nil {
				decls[obj] = fd
			}
		}
	}
	seen := map[types.Object]bool{}
	found := map[string]bool{}
	var walk func(obj types.Object)
	walk = func(obj types.Object) {
		fd := decls[obj]
		if fd == nil || seen[obj] {
			return
		}
		seen[obj] = true
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			switch used := cv.info.Uses[id].(type) {
			case *types.Func:
				walk(used.Origin())
			case *types.Var:
				if used.Parent() != cv.pkg.Scope() {
					return true
				}
				p := cv.partOf(used.Pos())
				if cv.hoistedObjs[used] || (p != nil && p.hoist) {
					found[used.Name()] = true
				} else if _, d := cv.sessionName(used); d != nil && d.Stmt {
					found[used.Name()] = true
				}
			}
			return true
		})
	}
	walk(fn)
	vars := make([]string, 0, len(found))
	for v := range found {
		vars = append(vars, v)
	}
	sort.Strings(vars)
	return vars
}
