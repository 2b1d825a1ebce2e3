package worker

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
)

// Supervision of the goroutines that cells start.
//
// In the interpreter, a panic in a goroutine started by interpreted code
// ends the whole process. Before a cell is evaluated, every go statement in
// it is rewritten so that the goroutine's outermost function recovers the
// panic and reports it (with the go statement that started it), the way a
// panic in the cell itself is reported:
//
//	go f(a, b)             ->  go _gocurrentGo_f(SITE, a, b)
//	go func(x T) {...}(a)  ->  go func(x T) { START; DEFER; ... }(a)
//	go s.run(a)            ->  go func() func() { f, a0 := s.run, a; return func() { START; DEFER; f(a0) } }()()
//
// where _gocurrentGo_f is a twin of the session function f with the same
// parameters, START labels the goroutine with its cell and go statement
// (for the deadlock report and %goroutines), and DEFER recovers. The
// function and arguments are still evaluated by the go statement, as Go
// specifies, and the rewritten text keeps every line where it was.
//
// This costs about 2-3 µs per goroutine start in the interpreter (plain
// starts cost about 2 µs); native cells are not rewritten.

// Names the rewritten cells use; probeSource defines them.
const (
	supImport = "_gocurrentSup"
	recoverFn = "_gocurrentRecover"
	// recoverInnerFn recovers in a goroutine the rewriting supervises
	// inside one the kernel supervises again: it reports a panic, and
	// leaves the counting of the goroutine's end to the outer one.
	recoverInnerFn = "_gocurrentRecoverInner"
	twinPrefix     = "_gocurrentGo_"
	// SupervisePath is the import path of the worker's supervision hooks.
	supervisePath = "gocurrent/supervise"
)

// site is one go statement of a cell.
type site struct {
	cell int    // execution count of the cell that holds it
	line int    // its line in that cell
	text string // the statement, on one line and shortened
}

// sites numbers the go statements of the session and labels the goroutines
// they start.
type sites struct {
	mu     sync.Mutex
	list   []site
	byKey  map[site]int
	labels sync.Map // site<<32 | cell -> context.Context with pprof labels
	lines  map[[2]int]bool
	cell   func() int
}

func newSites(cell func() int) *sites {
	return &sites{byKey: map[site]int{}, cell: cell, lines: map[[2]int]bool{}}
}

func (ss *sites) add(s site) int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if id, ok := ss.byKey[s]; ok {
		return id
	}
	ss.list = append(ss.list, s)
	ss.byKey[s] = len(ss.list) - 1
	return len(ss.list) - 1
}

// rewrote records that a go statement on line of cell was rewritten: the
// interpreter's columns on that line are not the cell's.
func (ss *sites) rewrote(cell, line int) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.lines[[2]int{cell, line}] = true
}

// shifted reports whether columns on line of cell are not the cell's.
func (ss *sites) shifted(cell, line int) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.lines[[2]int{cell, line}]
}

func (ss *sites) get(id int) (site, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if id < 0 || id >= len(ss.list) {
		return site{}, false
	}
	return ss.list[id], true
}

// start labels the calling goroutine with the running cell and its go
// statement; the labels pass on to the goroutines it starts in turn.
func (ss *sites) start(id int) {
	cell := ss.cell()
	key := int64(id)<<32 | int64(cell)
	ctx, ok := ss.labels.Load(key)
	if !ok {
		ctx, _ = ss.labels.LoadOrStore(key, pprof.WithLabels(context.Background(),
			pprof.Labels(labelCell, strconv.Itoa(cell), labelSite, strconv.Itoa(id))))
	}
	pprof.SetGoroutineLabels(ctx.(context.Context))
}

// Goroutine label keys.
const (
	labelCell = "cell"
	labelSite = "site"
)

// superviseSymbols are the hooks the rewritten cells call.
func (s *session) superviseSymbols() interp.Exports {
	return interp.Exports{supervisePath + "/supervise": {
		// Spawned counts a goroutine as its go statement starts it, as
		// runtime.NumGoroutine does; Ended, deferred in it, as it ends.
		"Spawned": reflect.ValueOf(func() { s.live.Add(1) }),
		// At records the line and column of the cell's top-level
		// statement that starts now (see assemble).
		"At": reflect.ValueOf(func(line, col int) { s.at.Store(int64(line)<<32 | int64(col)) }),
		"Start": reflect.ValueOf(func(id int) {
			s.late.goroutineStarted()
			s.sites.start(id)
			s.timer.started(id)
		}),
		"Panicked":   reflect.ValueOf(s.goroutinePanicked),
		"Ended":      reflect.ValueOf(func() { s.live.Add(-1) }),
		"TimerStart": reflect.ValueOf(s.timer.timerStart),
		"TimerStop":  reflect.ValueOf(s.timer.timerStop),
	}}
}

// superviseSource declares what rewritten cells call.
const superviseSource = `import ` + supImport + ` "` + supervisePath + `"

func ` + recoverFn + `(site int) {
	` + supImport + `.Ended()
	if r := recover(); r != nil {
		` + supImport + `.Panicked(site, r, _gocurrentPanicText(r))
	}
}

func ` + recoverInnerFn + `(site int) {
	if r := recover(); r != nil {
		` + supImport + `.Panicked(site, r, _gocurrentPanicText(r))
	}
}

func _gocurrentPanicText(r interface{}) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case interface{ String() string }:
		return v.String()
	}
	return ""
}`

// goRewriter rewrites the go statements of one chunk of source.
type goRewriter struct {
	s     *session
	sn    *cell.Snippet // the chunk, parsed
	edits *cell.Edits   // the rewriting of its go statements
	cell  int           // the cell the chunk belongs to
	line0 int           // the cell line of the chunk's first line
	stmts []*ast.GoStmt
	local map[string]bool           // names the chunk declares inside functions or as variables
	funcs map[string]*cell.FuncDecl // functions the cell declares
	twins map[string]bool           // twins the rewritten text calls
}

// supervise returns src with its go statements rewritten, and the session
// functions whose twins it calls. src is a declaration when decl is true,
// else statements or an expression; it starts on line line0 of cell cell.
// funcs are the functions the cell being evaluated declares.
func (s *session) supervise(src string, decl bool, count, line0 int, funcs map[string]*cell.FuncDecl) (string, map[string]bool) {
	if !strings.Contains(src, "go") {
		return src, nil
	}
	parse := cell.ParseStmts
	if decl {
		parse = cell.ParseDecls
	}
	sn, err := parse(src)
	if err != nil {
		return src, nil // the interpreter reports it
	}
	r := &goRewriter{s: s, sn: sn, edits: cell.NewEdits(src), cell: count, line0: line0,
		local: map[string]bool{}, funcs: funcs, twins: map[string]bool{}}
	ast.Inspect(sn.File, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.GoStmt:
			r.stmts = append(r.stmts, n)
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						r.local[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				r.local[id.Name] = true
			}
		case *ast.Field:
			for _, id := range n.Names {
				r.local[id.Name] = true
			}
		}
		return true
	})
	if len(r.stmts) == 0 {
		return src, nil
	}
	for _, g := range r.stmts {
		r.edits.Add(r.off(g.Pos()), r.off(g.End()), func() string { return r.goStmt(g) })
	}
	r.edits.Order()
	return r.text(0, len(src)), r.twins
}

func (r *goRewriter) off(p token.Pos) int { return r.sn.Offset(p) }

func (r *goRewriter) span(n ast.Node) string { return r.text(r.off(n.Pos()), r.off(n.End())) }

// text returns the chunk's src[from:to] with the go statements in it
// rewritten.
func (r *goRewriter) text(from, to int) string { return r.edits.Render(from, to) }

// goStmt rewrites one go statement (see the package comment above).
func (r *goRewriter) goStmt(g *ast.GoStmt) string {
	call := g.Call
	line := r.line0 + r.sn.Fset.Position(g.Pos()).Line - 1
	id := r.s.sites.add(site{cell: r.cell, line: line, text: r.s.statementText(r.cell, line, r.sn.Src[r.off(g.Pos()):r.off(g.End())])})
	r.s.sites.rewrote(r.cell, line)
	prologue := fmt.Sprintf("%s.Start(%d); defer %s(%d); ", supImport, id, recoverFn, id)
	args := r.text(r.off(call.Lparen), r.off(call.Rparen)+1) // "(...)", with any "..."
	fun := ast.Unparen(call.Fun)

	spawned := supImport + ".Spawned(); "
	if lit, ok := fun.(*ast.FuncLit); ok {
		// The prologue goes at the top of the literal's own body: the
		// goroutine runs no frame of the kernel's, which would cost every
		// goroutine another interpreted call (about 0.4 KB).
		brace := r.off(lit.Body.Lbrace) + 1
		return fmt.Sprintf("%sgo %s%s%s%s", spawned, r.text(r.off(call.Fun.Pos()), brace), prologue, r.text(brace, r.off(call.Fun.End())), args)
	}
	if fn, ok := fun.(*ast.Ident); ok && r.twinnable(fn.Name, call) {
		r.twins[fn.Name] = true
		sep := ""
		if len(call.Args) > 0 {
			sep = ", "
		}
		return fmt.Sprintf("%sgo %s%s(%d%s%s", spawned, twinPrefix, fn.Name, id, sep, args[1:])
	}
	// Anything else: evaluate what the go statement evaluates now, and
	// call it in a supervised goroutine.
	var names, values, callArgs []string
	funText := r.span(call.Fun)
	if r.needsHoist(fun) {
		names, values = append(names, "_gocurrentF"), append(values, funText)
		funText = "_gocurrentF"
	}
	for i, a := range call.Args {
		if r.constant(a) {
			callArgs = append(callArgs, r.span(a))
			continue
		}
		n := fmt.Sprintf("_gocurrentA%d", i)
		names, values, callArgs = append(names, n), append(values, r.span(a)), append(callArgs, n)
	}
	ell := ""
	if call.Ellipsis.IsValid() {
		ell = "..."
	}
	body := fmt.Sprintf("%s%s(%s%s)", prologue, funText, strings.Join(callArgs, ", "), ell)
	if len(names) == 0 {
		return fmt.Sprintf("%sgo func() { %s }()", spawned, body)
	}
	return fmt.Sprintf("%sgo func() func() { %s := %s; return func() { %s } }()()",
		spawned, strings.Join(names, ", "), strings.Join(values, ", "), body)
}

// twinnable reports whether "go name(...)" can call a twin of name: a
// function of the cell or the session, not generic, not shadowed here, and
// not called with a single call as its arguments (f(g()) may spread
// several results, which a twin's extra parameter forbids).
func (r *goRewriter) twinnable(name string, call *ast.CallExpr) bool {
	if r.local[name] {
		return false
	}
	fd := r.funcs[name]
	if fd == nil {
		fd = r.s.funcDecl(name)
	}
	if fd == nil || fd.Func.Recv != nil || fd.Func.Type.TypeParams.NumFields() > 0 {
		return false
	}
	if len(call.Args) == 1 {
		if _, ok := call.Args[0].(*ast.CallExpr); ok {
			return false
		}
	}
	return true
}

// params returns a parameter list with fresh names and the arguments that
// pass them on.
func (r *goRewriter) params(fl *ast.FieldList) (params, args string) {
	var ps, as []string
	if fl == nil {
		return "", ""
	}
	k := 0
	for _, f := range fl.List {
		n := max(len(f.Names), 1)
		typ := r.sn.Src[r.off(f.Type.Pos()):r.off(f.Type.End())]
		for range n {
			name := fmt.Sprintf("_gocurrentP%d", k)
			k++
			ps = append(ps, name+" "+typ)
			if _, ok := f.Type.(*ast.Ellipsis); ok {
				name += "..."
			}
			as = append(as, name)
		}
	}
	return strings.Join(ps, ", "), strings.Join(as, ", ")
}

// needsHoist reports whether the function of a go statement must be
// evaluated before the goroutine starts: anything but a builtin, a
// function of the session or a package, or an instance of a generic one.
func (r *goRewriter) needsHoist(f ast.Expr) bool {
	switch x := f.(type) {
	case *ast.Ident:
		if r.local[x.Name] {
			return true
		}
		return !(r.s.names[x.Name] == "func" || r.funcs[x.Name] != nil ||
			(r.s.names[x.Name] == "" && slices.Contains(cell.Builtins, x.Name)))
	case *ast.SelectorExpr:
		return !r.isPackage(x.X)
	case *ast.IndexExpr:
		return r.needsHoist(x.X)
	case *ast.IndexListExpr:
		return r.needsHoist(x.X)
	}
	return true
}

func (r *goRewriter) isPackage(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	if !ok || r.local[id.Name] {
		return false
	}
	if _, ok := r.s.imports[id.Name]; ok {
		return true
	}
	_, std := r.s.stdPkgs[id.Name]
	return std && r.s.names[id.Name] == ""
}

// constant reports whether e may be evaluated later without changing its
// value: literals, constants, package members, function literals. Such
// arguments are not copied into variables, which would give untyped
// constants a default type the function may not take.
func (r *goRewriter) constant(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit, *ast.FuncLit:
		return true
	case *ast.Ident:
		if r.local[x.Name] {
			return false
		}
		switch x.Name {
		case "nil", "true", "false", "iota":
			return r.s.names[x.Name] == ""
		}
		return r.s.names[x.Name] == "const" || r.s.cellConsts[x.Name]
	case *ast.SelectorExpr:
		return r.isPackage(x.X)
	case *ast.ParenExpr:
		return r.constant(x.X)
	case *ast.UnaryExpr:
		return x.Op != token.AND && x.Op != token.ARROW && r.constant(x.X)
	case *ast.BinaryExpr:
		return r.constant(x.X) && r.constant(x.Y)
	}
	return false
}

// statementText is how a go statement on line of cell is shown: as the
// user wrote it (src, what the supervision sees, may have been rewritten
// before), else src.
func (s *session) statementText(cell, line int, src string) string {
	lines := strings.Split(s.code[cell], "\n")
	if line >= 1 && line <= len(lines) {
		l := lines[line-1]
		if i := strings.Index(l, "go "); i >= 0 {
			text := strings.TrimSpace(l[i:])
			if strings.Count(src, "\n") > 0 || strings.Count(text, "{") > strings.Count(text, "}") {
				text += " … " + strings.TrimSpace(src[strings.LastIndex(src, "\n")+1:])
			}
			return shorten(text)
		}
	}
	return shorten(src)
}

// shorten puts a go statement on one line of at most 60 characters: a
// statement of several lines shows its first and last lines.
func shorten(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 1 {
		s = strings.TrimSpace(lines[0]) + " … " + strings.TrimSpace(lines[len(lines)-1])
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:59]) + "…"
	}
	return s
}

// twinSource is the twin of function name: it starts a supervised
// goroutine that calls name with the same arguments.
func twinSource(name string, fd *cell.FuncDecl) string {
	r := &goRewriter{sn: fd.Snippet}
	params, args := r.params(fd.Func.Type.Params)
	if params != "" {
		params = ", " + params
	}
	return fmt.Sprintf("func %s%s(_gocurrentSite int%s) { %s.Start(_gocurrentSite); defer %s(_gocurrentSite); %s(%s) }",
		twinPrefix, name, params, supImport, recoverFn, name, args)
}

// funcDecl returns the session's declaration of function name.
func (s *session) funcDecl(name string) *cell.FuncDecl {
	if s.names[name] != "func" {
		return nil
	}
	src := s.decls[name]
	if fd, ok := s.parsed[name]; ok && fd.Src == src {
		return fd
	}
	fd := cell.ParseFunc(src)
	if fd != nil {
		s.parsed[name] = fd
	}
	return fd
}

// ensureTwins evaluates the twins of the session functions named, where
// they are missing or their function changed.
func (s *session) ensureTwins(names map[string]bool) {
	for _, name := range sortedKeys(names) {
		fd := s.funcDecl(name)
		if fd == nil {
			continue
		}
		if s.twins[name] == fd.Src {
			continue
		}
		if _, err := s.evalQuiet(twinSource(name, fd)); err == nil {
			s.twins[name] = fd.Src
		}
	}
}

// goroutinePanicked is called by a supervised goroutine that recovered r.
// A goroutine of the running cell stops the cell with the panic as its
// error (as Go would end the program); a goroutine of an earlier cell
// reports the panic as that cell's late output.
func (s *session) goroutinePanicked(id int, r any, text string) {
	st, _ := s.sites.get(id)
	frames := s.filter.take(currentGoroutineID())
	from, late := s.late.from()
	var e *engine.Error
	if ex, ok := r.(exitPanic); ok {
		e = &engine.Error{Name: "exit", Value: fmt.Sprintf("%s was called in the goroutine started at %s: %s", exitText(ex.call, ex.code), s.where(st, from, late), st.text)}
		e.Traceback = []string{red(exitText(ex.call, ex.code)) + " in a goroutine: " + e.Value}
	} else {
		var val any = r
		if text != "" {
			val = text // the Error or String method of a type of the session
		}
		e = s.panicError(st.cell, val, frames)
		if rv, ok := r.(reflect.Value); ok && text == "" {
			s.panicTexts.later(e, rv) // panictext.go
		}
		e.Value += fmt.Sprintf(" (in the goroutine started at %s: %s)", s.where(st, from, late), st.text)
		e.Traceback = slices.Insert(e.Traceback, 1, fmt.Sprintf("  in the goroutine started at %s: %s", s.where(st, from, late), st.text))
		// The go statement's line, unless the next frame, its function
		// literal, shows it.
		literal := len(e.Traceback) > 2 && strings.HasSuffix(e.Traceback[2], "which starts at "+s.where(st, from, late))
		if ls := cell.SourceLines(s.code[st.cell], st.line, 1); len(ls) > 0 && !literal {
			e.Traceback = slices.Insert(e.Traceback, 2, ls[0])
		}
		if strings.HasPrefix(st.text, "go func") && !slices.Contains(e.Traceback, startsNote) {
			// The literal's own frame recovered the panic, so the
			// interpreter named none of its lines.
			e.Traceback = slices.Insert(e.Traceback, len(e.Traceback)-1, startsNote)
		}
		e.Traceback[0] = red("panic in goroutine") + strings.TrimPrefix(e.Traceback[0], red("panic"))
	}
	if !late && s.w.fault(e) {
		return
	}
	// No cell of its own is running: tell it as late output.
	e.Traceback[len(e.Traceback)-1] = "(the goroutine's panic was caught; the session's values are kept)"
	_, _ = fmt.Fprintln(s.filter.w, strings.Join(e.Traceback, "\n"))
}

// where tells the go statement's place for a user looking at cell from.
func (s *session) where(st site, from int, late bool) string {
	cur := s.count
	if late {
		cur = from
	}
	if st.cell == cur {
		return fmt.Sprintf("cell line %d", st.line)
	}
	return fmt.Sprintf("cell %d, line %d", st.cell, st.line)
}
