package worker

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/traefik/yaegi/interp"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
)

// run runs one cell and measures it.
func (s *session) run(ctx context.Context, code string, count int) engine.Result {
	if s.mod != nil {
		s.mod.plan = nil // plainCell below is this cell's
	}
	dropRoots(s.i) // yaegiroots.go
	dropScopeChildren(s.i)
	s.probes.drop(s.i.FileSet())
	s.late.cellStarted(count)
	s.count = count
	s.cur.Store(int64(count))
	s.code[count] = code
	u0, s0 := cpuTimes()
	ku0, ks0 := s.kernelCPU.get()
	g0 := runtime.NumGoroutine()
	l0 := s.live.Load()
	s.liveBase.Store(l0)
	c0 := goroutinesCreatedNow()
	e0 := s.evals
	start := time.Now()
	files := s.i.FileSet().Base()
	res := s.runCell(ctx, code)
	if s.plainCell() { // modern.go
		// A plain cell declares nothing and makes no function: no later
		// error or panic names its lines, so neither its source nor the
		// interpreter's files of it are kept, which grew the session by
		// about 250 bytes a cell.
		dropFilesFrom(s.i.FileSet(), files) // yaegiroots.go
		s.probes.dropped(s.i.FileSet())
		delete(s.code, count)
	}
	s.tell(nil) // imports the cell made without declaring anything
	// A goroutine of the cell may be panicking right now, its deferred
	// calls (a WaitGroup's Done) having let the cell end: its panic is
	// the cell's error. It may also have told its panic already, after
	// the cell's last evaluation had ended, so the fault is taken in any
	// case. The goroutine count alone can miss a cell's goroutine: the
	// worker's goroutines of the last cell may still be ending at g0.
	if runtime.NumGoroutine() > g0 || goroutinesCreatedNow()-c0 > s.evals-e0 {
		s.w.awaitPanics()
	}
	if e := s.w.takeFault(); e != nil && (res.Err == nil || res.Err.Name == "interrupted") {
		res.Err = e
	}
	s.panicTexts.apply(s, res.Err) // panictext.go
	wall := time.Since(start)
	u1, s1 := cpuTimes()
	ku1, ks1 := s.kernelCPU.get()
	u1, s1 = u1-(ku1-ku0), s1-(ks1-ks0) // not the cell's: the kernel's go list
	// The goroutines of go statements left running: the runtime's own
	// count also moves with goroutines of the runtime and of libraries
	// (a timer's, a finaliser's) that no cell started. A goroutine whose
	// deferred wg.Done let the cell end counts its own end just after,
	// in its supervision's deferred call: such goroutines get a moment.
	for deadline := time.Now().Add(2 * time.Millisecond); s.live.Load() > l0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Microsecond)
	}
	left := max(s.live.Load()-l0, 0)
	started := goroutinesCreatedNow() - c0
	res.Timing = engine.Timing{
		Engine:            "interp",
		WallNS:            wall.Nanoseconds(),
		UserNS:            (u1 - u0).Nanoseconds(),
		SysNS:             (s1 - s0).Nanoseconds(),
		GoroutinesStarted: max(started-(s.evals-e0), 0), // less those that ran the evaluations
		GoroutinesLeft:    left,
		GOMAXPROCS:        runtime.GOMAXPROCS(0),
	}
	return res
}

// cellGoroutines is how many goroutines the running cell has now: its own
// and those its go statements started that still run.
func (s *session) cellGoroutines() int64 {
	return 1 + max(s.live.Load()-s.liveBase.Load(), 0)
}

// isNilPanic reports whether a panic's value, as the interpreter passes it
// on, is the nil of panic(nil).
func isNilPanic(val any) bool {
	if val == nil {
		return true
	}
	rv, ok := val.(reflect.Value)
	if !ok {
		return false
	}
	if !rv.IsValid() {
		return true
	}
	switch rv.Kind() {
	case reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// autoImports are the standard packages that c uses by their usual names
// without importing them.
func (s *session) autoImports(c *cell.Cell) []cell.ImportSpec {
	var imports []cell.ImportSpec
	for _, name := range c.Free {
		if _, ok := s.imports[name]; ok {
			continue
		}
		if _, ok := s.names[name]; ok {
			continue
		}
		if path, ok := s.stdPkgs[name]; ok {
			imports = append(imports, cell.ImportSpec{Path: path})
		}
	}
	return imports
}

func (s *session) runCell(ctx context.Context, code string) (res engine.Result) {
	c, err := cell.Parse(code)
	if err != nil {
		return errResult(syntaxError(code, err))
	}
	if c.Program {
		return s.runProgram(ctx, c)
	}
	c = cell.VarsAsStatements(c) // kernel/rewrite's varstmts.go makes them x := v
	// Everything is checked before anything runs, so that a cell with an
	// error changes nothing.
	var imports []cell.ImportSpec
	for _, ch := range c.Chunks {
		imports = append(imports, ch.Imports...)
	}
	imports = append(imports, s.autoImports(c)...)
	if e := s.checkUndefined(code, c); e != nil {
		return errResult(e)
	}
	if e := s.checkRedeclaredTypes(code, c); e != nil {
		return errResult(e)
	}
	for _, im := range imports {
		if e := s.importPackage(code, im); e != nil {
			return errResult(e)
		}
	}
	if e := s.modernizeCell(code, c); e != nil { // modern.go
		return errResult(e)
	}
	s.top.reset()
	s.at.Store(0)
	for _, ch := range c.Chunks {
		if _, ok := ch.Node.(*ast.DeferStmt); ok {
			defer func() { res = s.runDefers(ctx, code, res) }()
			break
		}
	}
	var groups [][]cell.Chunk
	var final *cell.Chunk
	for _, ch := range hoist(c.Chunks) {
		switch {
		case ch.Kind == cell.Import:
			continue
		case ch.Kind == cell.Expr:
			final = &ch
			continue
		}
		n := len(groups)
		if n > 0 && (groups[n-1][0].Kind == cell.Decl) == (ch.Kind == cell.Decl) {
			groups[n-1] = append(groups[n-1], ch)
		} else {
			groups = append(groups, []cell.Chunk{ch})
		}
	}
	s.cellConsts = map[string]bool{}
	for _, ch := range c.Chunks {
		if gd, ok := ch.Node.(*ast.GenDecl); ok && gd.Tok == token.CONST {
			for _, n := range ch.Names {
				s.cellConsts[n] = true
			}
		}
	}
	for _, g := range splitRuns(groups) {
		if e := s.evalGroup(ctx, code, g); e != nil {
			return errResult(e)
		}
		redefined := s.remember(g)
		for name := range s.printers(g) {
			redefined[name] = true
		}
		s.noteTextTypes(g) // modern_lib.go
		s.tell(g)          // replay.go
		s.refreshTwins(redefined)
		if e := s.recompileCallers(ctx, redefined, g); e != nil {
			return errResult(e)
		}
	}
	if final == nil {
		return engine.Result{}
	}
	fin := *final
	var twins map[string]bool
	if e := s.evalInstances(ctx, code, []cell.Chunk{fin}); e != nil { // modern.go
		return errResult(e)
	}
	fin.Src, twins = s.supervise(s.modernSrc(fin), false, s.count, fin.Line, nil)
	s.ensureTwins(twins)
	data, e := s.evalFinal(ctx, code, &fin)
	if e != nil {
		return errResult(e)
	}
	return engine.Result{Data: data}
}

// splitRuns splits each group of statements into runs of statements that
// declare session variables (x := ...) and runs that declare none.
func splitRuns(groups [][]cell.Chunk) [][]cell.Chunk {
	var out [][]cell.Chunk
	for _, g := range groups {
		if g[0].Kind == cell.Decl {
			out = append(out, g)
			continue
		}
		start := 0
		for k := 1; k <= len(g); k++ {
			if k == len(g) || (len(g[k].Names) > 0) != (len(g[start].Names) > 0) {
				out = append(out, g[start:k])
				start = k
			}
		}
	}
	return out
}

// evalGroup evaluates a group of chunks. Statements that declare no
// session variable run inside a function of their own: the interpreter
// copies the whole frame a function literal is evaluated in (yaegi
// v0.16.0, interp/run.go getFunc), and at the top level that is the
// session's frame, which grows with every cell; each go func(){...}() of
// a top-level loop would copy it again and keep the copy, so memory grew
// with the square of the session's length.
func (s *session) evalGroup(ctx context.Context, code string, g []cell.Chunk) *engine.Error {
	if e := s.evalInstances(ctx, code, g); e != nil { // modern.go
		return e
	}
	// A plain cell's statements (kernel/rewrite, plain.go) make no
	// function literal and cannot panic: they run where they are, without
	// the marks of where the cell's flow is, whose calls' arguments would
	// take slots of the session's frame for good.
	plain := s.plainCell() // modern.go
	src := s.assembleSupervised(g, !plain)
	if plain {
		_, e := s.evalHere(ctx, code, src)
		return e
	}
	if g[0].Kind == cell.Decl || len(g[0].Names) > 0 || !strings.HasPrefix(src, ";") {
		_, e := s.eval(ctx, code, src)
		return e
	}
	// The function's header takes the first line, which assemble leaves
	// empty but for the ";", so the statements keep their lines. The
	// functions made of its go statements' literals follow it. Every
	// group declares the function again under the same name: the
	// interpreter gives a new name a slot of the session's frame for
	// good, and makes a new, one longer copy of that frame at every
	// evaluation after the frame grew (yaegi v0.16.0, resizeFrame), so
	// that a cell's time grew with the number of cells before it.
	// Goroutines still running an earlier declaration keep it.
	body, lits := s.hoistGoLiterals(src[1:]) // golits.go
	if e := s.declare(ctx, code, "func "+runPrefix+"() {"+body+"\n}"+lits); e != nil {
		return e
	}
	_, e := s.eval(ctx, code, ";"+runPrefix+"()")
	return e
}

// runPrefix names the function that runs a group of a cell's statements.
const runPrefix = "_gocurrentRun"

// assembleSupervised assembles a group of chunks with their go statements
// supervised, evaluating first the twins they need of earlier functions
// and appending those of functions the group declares.
func (s *session) assembleSupervised(g []cell.Chunk, marks bool) string {
	funcs := map[string]*cell.FuncDecl{}
	for _, ch := range g {
		if fd, ok := ch.Node.(*ast.FuncDecl); ok && fd.Recv == nil {
			if d := cell.ParseFunc(ch.Src); d != nil {
				funcs[fd.Name.Name] = d
			}
		}
	}
	out := make([]cell.Chunk, len(g))
	need := map[string]bool{}
	for k, ch := range g {
		src, twins := s.supervise(s.modernSrc(ch), ch.Kind == cell.Decl, s.count, ch.Line, funcs)
		ch.Src = src
		out[k] = ch
		for t := range twins {
			need[t] = true
		}
	}
	var extra strings.Builder
	for _, name := range sortedKeys(need) {
		if fd := funcs[name]; fd != nil {
			extra.WriteString("\n" + twinSource(name, fd))
			s.twins[name] = fd.Src
			delete(need, name)
		}
	}
	s.ensureTwins(need)
	return assemble(out, marks) + extra.String()
}

// refreshTwins evaluates again the twins of redefined functions, before
// their callers are compiled again.
func (s *session) refreshTwins(redefined map[string]bool) {
	stale := map[string]bool{}
	for name := range redefined {
		if _, ok := s.twins[name]; ok {
			stale[name] = true
		}
	}
	s.ensureTwins(stale)
}

// hoist moves each declaration that uses a variable defined by a later
// statement of the same cell (x := ... after a func that reads x) to just
// after that statement: Go allows that order at package level, but the
// interpreter runs the cell's pieces in order.
func hoist(chunks []cell.Chunk) []cell.Chunk {
	out := append([]cell.Chunk(nil), chunks...)
	for i := 0; i < len(out); i++ {
		ch := out[i]
		if ch.Kind != cell.Decl {
			continue
		}
		after := -1
		for j := i + 1; j < len(out); j++ {
			if out[j].Kind != cell.Stmt {
				continue
			}
			for _, f := range ch.Free {
				if slices.Contains(out[j].Names, f.Name) {
					after = j
				}
			}
		}
		if after < 0 {
			continue
		}
		// Move chunk i to just after chunk after.
		copy(out[i:after], out[i+1:after+1])
		out[after] = ch
		i--
	}
	return out
}

// runDefers runs the cell's top-level defers, last first, after the cell
// ended with res. As main's deferred calls do, they may recover the
// cell's panic: recover() in them returns its value, and the cell then
// ends without the error. A panic of a deferred call (the recovered
// panic again, or another) ends the cell with that panic; the deferred
// calls before it in the list do not run.
func (s *session) runDefers(ctx context.Context, code string, res engine.Result) engine.Result {
	s.top.start(res.Err != nil)
	_, e := s.eval(ctx, code, ";for _gocurrentI := len(_gocurrentDefers) - 1; _gocurrentI >= 0; _gocurrentI-- {\n\t_gocurrentDefers[_gocurrentI]()\n}")
	_, _ = s.evalQuiet("_gocurrentDefers = nil")
	recovered := s.top.finish()
	switch {
	case e != nil:
		return errResult(e)
	case recovered:
		return engine.Result{}
	}
	return res
}

func errResult(e *engine.Error) engine.Result { return engine.Result{Err: e} }

// assemble puts chunks back at their own lines, so the interpreter's
// positions are the cell's: a chunk on cell line L lands on line L+1 (the
// interpreter puts its own prefix on line 1, which would shift columns).
// With marks, each statement is preceded by a mark of where the cell's
// flow is (for panics).
func assemble(chunks []cell.Chunk, marks bool) string {
	var b strings.Builder
	line, col := 1, 1
	if len(chunks) > 0 && chunks[0].Kind != cell.Decl {
		// yaegi decides by the first token how to parse a source, and a
		// statement starting with "func" (a function literal called at
		// once) sends it down a path that runs the statement again in
		// later evaluations: an empty statement first avoids that.
		b.WriteString(";")
		col++
	}
	for _, ch := range chunks {
		if line == ch.Line+1 {
			b.WriteString(";")
			col++
		}
		if marks && line < ch.Line+1 && ch.Kind != cell.Decl && ch.Kind != cell.Import {
			// Where the cell's own flow is: the interpreter places a
			// panic of some statements (a send, a map assignment) at the
			// statement before. On the line above, so that columns stay.
			fmt.Fprintf(&b, ";%s.At(%d, %d)", supImport, ch.Line, ch.Col)
		}
		for line < ch.Line+1 {
			b.WriteByte('\n')
			line++
			col = 1
		}
		for col < ch.Col {
			b.WriteByte(' ')
			col++
		}
		src := ch.Src
		if _, ok := ch.Node.(*ast.DeferStmt); ok {
			// yaegi keeps a top-level defer in the session's frame and
			// runs it again after every later evaluation; the cell's
			// defers are collected and run once when the cell ends
			// (the rewriting has copied the values the call uses into
			// variables of their own before the defer keyword).
			src = collectDefer(ch.Src)
		} else if blankAssign(ch) {
			// yaegi fails to compile "_ = a / b" (a CFG panic); an
			// assignment to a throwaway interface{} variable behaves the
			// same.
			_, rest, _ := strings.Cut(src, "=")
			src = "_gocurrentBlank =" + rest
		}
		b.WriteString(src)
		line += strings.Count(src, "\n")
		if i := strings.LastIndex(src, "\n"); i >= 0 {
			col = len(src) - i
		} else {
			col += len(src)
		}
	}
	return b.String()
}

// blankAssign reports whether ch is "_ = expr".
func blankAssign(ch cell.Chunk) bool {
	as, ok := ch.Node.(*ast.AssignStmt)
	if !ok || as.Tok != token.ASSIGN || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return false
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	return ok && id.Name == "_" && strings.HasPrefix(strings.TrimSpace(ch.Src), "_")
}

// placed returns src so that it starts on cell line line (see assemble
// for the leading empty statement).
func placed(src string, line int) string {
	if line == 0 {
		return ";" + src
	}
	return ";" + strings.Repeat("\n", line) + src
}

// remember records the names chunks declared, and returns the functions
// among them that replace earlier definitions.
func (s *session) remember(chunks []cell.Chunk) map[string]bool {
	redefined := map[string]bool{}
	for _, ch := range chunks {
		kind := "var"
		switch n := ch.Node.(type) {
		case *ast.FuncDecl:
			kind = "func"
		case *ast.GenDecl:
			kind = n.Tok.String()
		}
		for _, name := range ch.Names {
			if _, method, ok := strings.Cut(name, "."); ok {
				s.methods[method] = true
			}
			if kind == "func" && s.names[name] == "func" && s.decls[name] != ch.Src {
				redefined[name] = true
			}
			s.names[name] = kind
			s.declCell[name], s.declLine[name] = s.count, ch.Line
			if ch.Kind == cell.Decl {
				if _, seen := s.decls[name]; !seen {
					s.order = append(s.order, name)
				}
				s.decls[name] = ch.Src
				s.uses[name] = nil
				for _, f := range ch.Free {
					s.uses[name] = append(s.uses[name], f.Name)
				}
			}
		}
		for _, t := range ch.Types {
			s.types[t] = ch.Src
			s.names[t] = "type"
		}
	}
	return redefined
}

// recompileCallers evaluates again the session's functions that call a
// redefined function, directly or through others: the interpreter binds a
// call to the function that existed when the caller was compiled, and a
// redefinition must take effect everywhere.
func (s *session) recompileCallers(ctx context.Context, redefined map[string]bool, group []cell.Chunk) *engine.Error {
	if len(redefined) == 0 {
		return nil
	}
	inGroup := map[string]bool{}
	for _, ch := range group {
		for _, n := range ch.Names {
			inGroup[n] = true
		}
	}
	done := map[string]bool{}
	for _, name := range s.order {
		if !redefined[name] || inGroup[name] || s.names[name] != "func" {
			continue
		}
		// A printer of the session's (see printers), not in the group:
		// evaluated again as it is.
		if e := s.recompile(ctx, name); e != nil {
			return e
		}
		done[name] = true
	}
	for changed := true; changed; {
		changed = false
		for _, name := range s.order {
			if inGroup[name] || done[name] || s.names[name] != "func" {
				continue
			}
			for _, u := range s.uses[name] {
				if !redefined[u] {
					continue
				}
				if e := s.recompile(ctx, name); e != nil {
					return e
				}
				done[name], redefined[name], changed = true, true, true
				break
			}
		}
	}
	return nil
}

// recompile evaluates the session's function name again, rewritten for
// the session as it is now.
func (s *session) recompile(ctx context.Context, name string) *engine.Error {
	src, twins := s.supervise(s.modernDecl(ctx, s.decls[name]), true, s.declCell[name], s.declLine[name], nil)
	s.ensureTwins(twins)
	_, e := s.eval(ctx, s.code[s.declCell[name]], strings.Repeat("\n", max(s.declLine[name], 1))+src)
	return e
}

// printers returns, when the declarations of group give a type a String
// or Error method, the session's functions of earlier cells that call fmt
// or log: the rewriting gives fmt the values of an empty interface type
// with the methods of the session's types that exist when it runs (see
// kernel/rewrite/anyprint.go), and these functions must know the new one.
func (s *session) printers(group []cell.Chunk) map[string]bool {
	text, inGroup := false, map[string]bool{}
	for _, ch := range group {
		for _, n := range ch.Names {
			inGroup[n] = true
			if _, m, ok := strings.Cut(n, "."); ok && (m == "String" || m == "Error") {
				text = true
			}
		}
	}
	if !text {
		return nil
	}
	// Methods, which the kernel does not evaluate again on their own, are
	// left alone, and so are the functions methods call, which
	// recompileCallers would take them to.
	calledByMethods := map[string]bool{}
	for _, name := range s.order {
		if strings.Contains(name, ".") {
			for _, u := range s.uses[name] {
				calledByMethods[u] = true
			}
		}
	}
	out := map[string]bool{}
	for _, name := range s.order {
		if inGroup[name] || s.names[name] != "func" || strings.Contains(name, ".") || calledByMethods[name] {
			continue
		}
		for _, u := range s.uses[name] {
			p := s.imports[u]
			if p == "" && s.names[u] == "" {
				p = u // imported by the kernel when a cell used it
			}
			if p == "fmt" || p == "log" {
				out[name] = true
				break
			}
		}
	}
	return out
}

// checkUndefined reports the first identifier that nothing defines: not
// the cell, the session, the builtins or the standard library. The
// interpreter's own message for some of these is misleading ("constant
// definition loop").
func (s *session) checkUndefined(code string, c *cell.Cell) *engine.Error {
	inCell := map[string]bool{}
	for _, ch := range c.Chunks {
		for _, n := range ch.Names {
			inCell[n] = true
		}
		for _, t := range ch.Types {
			inCell[t] = true
		}
		for _, im := range ch.Imports {
			inCell[im.ImportName()] = true
		}
	}
	for _, ch := range c.Chunks {
		for _, id := range ch.Free {
			_, session := s.names[id.Name]
			_, imported := s.imports[id.Name]
			_, std := s.stdPkgs[id.Name]
			kernel := strings.HasPrefix(id.Name, "_gocurrent") // the kernel's own (measure.go)
			if inCell[id.Name] || session || imported || std || kernel || slices.Contains(cell.Builtins, id.Name) {
				continue
			}
			return positioned("compile error", code, id.Line, id.Col, "undefined: "+id.Name)
		}
	}
	return nil
}

// checkRedeclaredTypes refuses a type declaration that changes a type the
// session already has: the interpreter would keep the old definition.
func (s *session) checkRedeclaredTypes(code string, c *cell.Cell) *engine.Error {
	for _, ch := range c.Chunks {
		for _, t := range ch.Types {
			old, ok := s.types[t]
			if ok && old != ch.Src {
				return positioned("redeclared type", code, ch.Line, 1,
					fmt.Sprintf("type %s is already declared in this session with a different definition, and the interpreter cannot change a type in place: give the new type another name, or restart the kernel to start over", t))
			}
		}
	}
	return nil
}

func (s *session) importPackage(code string, im cell.ImportSpec) *engine.Error {
	name := im.ImportName()
	if name == "_" || name == "." {
		return nil
	}
	if old, ok := s.imports[name]; ok {
		if old == im.Path {
			return nil // importing again is harmless
		}
		return &engine.Error{Name: "import error", Value: fmt.Sprintf("%s is already imported as %q in this session; import %q under another name, as in: import %s2 %q", name, old, im.Path, name, im.Path)}
	}
	src := fmt.Sprintf("import %s %q", name, im.Path)
	if _, err := s.i.Eval(src); err != nil {
		return &engine.Error{Name: "import error", Value: fmt.Sprintf("import %q: %v", im.Path, err)}
	}
	s.imports[name] = im.Path
	s.imported(name, im.Path)
	return nil
}

// eval evaluates src, whose lines are the cell's plus one, and turns every
// failure into an error in cell coordinates.
func (s *session) eval(ctx context.Context, code, src string) (v reflect.Value, e *engine.Error) {
	defer func() {
		if r := recover(); r != nil {
			// Some compile errors panic out of yaegi instead of returning.
			msg := fmt.Sprintf("the interpreter could not compile this cell (%v); rewriting the statement usually helps", r)
			e = &engine.Error{Name: "compile error", Value: msg, Traceback: []string{red("compile error") + ": " + msg}}
		}
	}()
	s.evals++
	s.late.ownGoroutine()      // EvalWithContext evaluates on a goroutine of its own
	src = s.procs.prepare(src) // procs.go
	v, err := s.i.EvalWithContext(ctx, src)
	if errors.Is(err, context.Canceled) {
		s.sel.interrupted() // the interpreter stopped the evaluation: wake its selects too
		s.stopped.mark()    // and every interpreted goroutine (deadlock.go)
	}
	if err == nil {
		return v, nil
	}
	return v, s.describe(ctx, code, err)
}

// declare evaluates src, which only declares functions: nothing in it
// runs, so the interpreter compiles it on this goroutine (evalHere).
func (s *session) declare(ctx context.Context, code, src string) *engine.Error {
	_, e := s.evalHere(ctx, code, src)
	return e
}

// evalHere evaluates src on this goroutine, for code that cannot block,
// loop or panic: a declaration of functions, or a plain cell's statements
// and value (kernel/rewrite, plain.go). eval's EvalWithContext would start
// a goroutine, grow its stack and wait for it, which cost a trivial cell
// a fifth to a third of the worker's time in a running kernel. A panic of
// the compiler is reported as eval reports it. Starting no goroutine, it
// does not count in s.evals, which run subtracts from the goroutines a
// cell started.
func (s *session) evalHere(ctx context.Context, code, src string) (v reflect.Value, e *engine.Error) {
	src = s.procs.prepare(src) // procs.go
	v, err := func() (v reflect.Value, err error) {
		defer func() {
			if r := recover(); r != nil {
				var pc [64]uintptr
				n := runtime.Callers(1, pc[:])
				err = interp.Panic{Value: r, Callers: pc[:n], Stack: debug.Stack()}
			}
		}()
		return s.i.Eval(src)
	}()
	if err == nil {
		return v, nil
	}
	return v, s.describe(ctx, code, err)
}

func (s *session) runProgram(ctx context.Context, c *cell.Cell) engine.Result {
	i, err := s.newInterpreter()
	if err != nil {
		return errResult(&engine.Error{Name: "internal error", Value: err.Error()})
	}
	old := s.i
	s.i = i
	s.inProgram.Store(true)
	defer func() {
		s.i = old
		s.inProgram.Store(false)
	}()
	// The program's lines are the cell's plus one, as for other cells.
	if _, e := s.eval(ctx, c.Source, "\n"+c.Body); e != nil {
		return errResult(e)
	}
	return engine.Result{}
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// collectDefer turns the top-level defer statement in src (after the
// statements the rewriting put before it) into an addition to the cell's
// deferred calls.
func collectDefer(src string) string {
	var sc scanner.Scanner
	fset := token.NewFileSet()
	sc.Init(fset.AddFile("", -1, len(src)), []byte(src), nil, 0)
	for {
		pos, tok, _ := sc.Scan()
		if tok == token.EOF {
			return src
		}
		if tok == token.DEFER {
			at := fset.Position(pos).Offset
			call := strings.TrimSpace(src[at+len("defer"):])
			return src[:at] + "_gocurrentDefers = append(_gocurrentDefers, func() { " + call + " })"
		}
	}
}
