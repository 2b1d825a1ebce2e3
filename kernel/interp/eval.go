package interp

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/traefik/yaegi/interp"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/ledger"
)

// session is the interpreter and what the kernel knows about the names
// declared in it.
type session struct {
	w       *worker
	i       *interp.Interpreter
	disp    *display.Display
	filter  *panicFilter
	exports []interp.Exports

	imports map[string]string   // bound name -> import path
	names   map[string]string   // declared name -> kind ("func", "type", "var", ...)
	decls   map[string]string   // declared name -> source of its declaration
	types   map[string]string   // type name -> source of its declaration
	uses    map[string][]string // declared name -> identifiers its declaration uses
	order   []string            // declared names, in the order first declared
	methods map[string]bool     // names of the methods the session's types declare

	stdPkgs map[string]string // package name -> import path, for auto imports

	evals int64 // evaluations so far; each runs on a goroutine of its own

	late *origins // which cell started the goroutines still running

	count      int                  // execution count of the cell being evaluated
	cur        atomic.Int64         // the same, for goroutines
	code       map[int]string       // source of each cell, by execution count
	declCell   map[string]int       // declared name -> cell that declared it last
	declLine   map[string]int       // declared name -> its line in that cell
	sites      *sites               // go statements, for supervised goroutines
	twins      map[string]string    // function -> declaration its twin was made from
	parsed     map[string]*funcDecl // function -> its parsed declaration
	cellConsts map[string]bool      // constants the cell being evaluated declares
	runs       int                  // functions made to run statements (see evalGroup)
	inProgram  atomic.Bool          // a program cell runs, in an interpreter of its own
	timers     timers               // timers cells started, for the deadlock watchdog
	stopped    stoppedGoroutines    // goroutines the interpreter stopped, for the watchdog
	panicTexts panicTexts           // goroutine panics whose text the cell's end tells (panictext.go)
	mod        *modern              // rewriting of modern Go (modern.go)
	procs      *procsState          // process pools of procs.Map (procs.go)
	sel        selectOps            // the native select of rewritten cells (selects.go)
	timer      timer                // runs of measured cells (measure.go)
	kernelCPU  kernelCPU            // CPU of the kernel's own child processes (modern.go)
	declared   func(ledger.Delta)   // tells the kernel what a cell declared, or nil (replay.go)
	newImports map[string]string    // imports made since the last tell
}

func newSession(w *worker) (*session, error) {
	s := &session{
		w:        w,
		imports:  map[string]string{},
		names:    map[string]string{},
		decls:    map[string]string{},
		types:    map[string]string{},
		uses:     map[string][]string{},
		methods:  map[string]bool{},
		code:     map[int]string{},
		declCell: map[string]int{},
		declLine: map[string]int{},
		twins:    map[string]string{},
		parsed:   map[string]*funcDecl{},
	}
	s.sites = newSites(func() int { return int(s.cur.Load()) })
	s.disp = display.New(w.display, w.clear)
	s.late = newOrigins()
	s.timers.callback = s.late.callback
	s.filter = &panicFilter{w: &markingWriter{w: cellStream{&w.stderr}, o: s.late}}
	s.exports = append(w.symbols(s.disp), s.superviseSymbols(), s.timers.symbols(), s.modernSymbols())
	s.exports = append(s.exports, s.initProcs()) // procs.go
	s.stdPkgs = packageNames(s.exports)
	i, err := s.newInterpreter()
	if err != nil {
		return nil, err
	}
	s.i = i
	for _, src := range []string{probeSource, superviseSource} {
		if _, err := i.Eval(src); err != nil {
			return nil, fmt.Errorf("define the kernel's helpers: %w", err)
		}
	}
	if os.Getenv("GOCURRENT_MODERN") != "off" {
		// The type check's export data, found now rather than in the
		// first cell (which would show it in its wall time).
		s.modernState()
	}
	return s, nil
}

func (s *session) newInterpreter() (*interp.Interpreter, error) {
	i := interp.New(interp.Options{
		Stdin:        &inputReader{w: s.w},
		Stdout:       &markingWriter{w: cellStream{&s.w.stdout}, o: s.late},
		Stderr:       s.filter,
		Unrestricted: true,
		GoPath:       os.DevNull,
	})
	for _, e := range s.exports {
		if err := i.Use(e); err != nil {
			return nil, fmt.Errorf("load symbols: %w", err)
		}
	}
	return i, nil
}

// probeSource defines the function that finds rich representations of
// values of interpreted types, whose methods reflection cannot see.
const probeSource = `var _gocurrentBlank interface{}

var _gocurrentDefers []func()

func _gocurrentProbe(x interface{}) (string, string) {
	switch h := x.(type) {
	case interface{ HTML() string }:
		return "text/html", h.HTML()
	case interface{ SVG() string }:
		return "image/svg+xml", h.SVG()
	case interface{ Markdown() string }:
		return "text/markdown", h.Markdown()
	case error:
		return "text/plain", h.Error()
	case interface{ String() string }:
		return "text/plain", h.String()
	}
	return "", ""
}`

// packageNames maps each package name in the symbol tables to its import
// path; where names collide, the shorter path wins (math/rand over
// crypto/rand, text/template over html/template).
func packageNames(exports []interp.Exports) map[string]string {
	out := map[string]string{}
	for _, e := range exports {
		for key := range e {
			i := strings.LastIndex(key, "/")
			if i < 0 {
				continue
			}
			path, name := key[:i], key[i+1:]
			if strings.Contains(path, "internal") || strings.HasPrefix(path, "syscall/") {
				continue
			}
			if old, ok := out[name]; !ok || len(path) < len(old) || (len(path) == len(old) && path < old) {
				out[name] = path
			}
		}
	}
	return out
}

// metric names for counting goroutines.
const goroutinesCreated = "/sched/goroutines-created:goroutines"

func goroutinesCreatedNow() int64 {
	sample := []metrics.Sample{{Name: goroutinesCreated}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(sample[0].Value.Uint64())
}

func cpuTimes() (user, sys time.Duration) {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	user = time.Duration(self.Utime.Nano() + children.Utime.Nano())
	sys = time.Duration(self.Stime.Nano() + children.Stime.Nano())
	return user, sys
}

// run runs one cell and measures it.
func (s *session) run(ctx context.Context, code string, count int) engine.Result {
	s.late.cellStarted(count)
	s.count = count
	s.cur.Store(int64(count))
	s.code[count] = code
	u0, s0 := cpuTimes()
	ku0, ks0 := s.kernelCPU.get()
	g0 := runtime.NumGoroutine()
	c0 := goroutinesCreatedNow()
	e0 := s.evals
	start := time.Now()
	res := s.runCell(ctx, code)
	s.tell(nil) // imports the cell made without declaring anything
	if runtime.NumGoroutine() > g0 {
		// A goroutine of the cell may be panicking right now, its
		// deferred calls (a WaitGroup's Done) having let the cell end:
		// its panic is the cell's error.
		s.w.awaitPanics()
		if e := s.w.takeFault(); e != nil && (res.Err == nil || res.Err.Name == "interrupted") {
			res.Err = e
		}
	}
	s.panicTexts.apply(s, res.Err) // panictext.go
	wall := time.Since(start)
	u1, s1 := cpuTimes()
	ku1, ks1 := s.kernelCPU.get()
	u1, s1 = u1-(ku1-ku0), s1-(ks1-ks0) // not the cell's: the kernel's go list
	left := runtime.NumGoroutine() - g0
	if left < 0 {
		left = 0
	}
	started := goroutinesCreatedNow() - c0
	res.Timing = engine.Timing{
		Engine:            "interp",
		WallNS:            wall.Nanoseconds(),
		UserNS:            (u1 - u0).Nanoseconds(),
		SysNS:             (s1 - s0).Nanoseconds(),
		GoroutinesStarted: max(started-(s.evals-e0), 0), // less those that ran the evaluations
		GoroutinesLeft:    int64(left),
		GOMAXPROCS:        runtime.GOMAXPROCS(0),
	}
	return res
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

func (s *session) runCell(ctx context.Context, code string) engine.Result {
	c, err := cell.Parse(code)
	if err != nil {
		return errResult(syntaxError(code, err))
	}
	if c.Program {
		return s.runProgram(ctx, c)
	}
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
	for _, ch := range c.Chunks {
		if _, ok := ch.Node.(*ast.DeferStmt); ok {
			defer s.runDefers()
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
		s.tell(g) // replay.go
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
	src := s.assembleSupervised(g)
	if g[0].Kind == cell.Decl || len(g[0].Names) > 0 || !strings.HasPrefix(src, ";") {
		_, e := s.eval(ctx, code, src)
		return e
	}
	s.runs++
	name := fmt.Sprintf("%s%d", runPrefix, s.runs)
	// The function's header takes the first line, which assemble leaves
	// empty but for the ";", so the statements keep their lines.
	if _, e := s.eval(ctx, code, "func "+name+"() {"+src[1:]+"\n}"); e != nil {
		return e
	}
	_, e := s.eval(ctx, code, ";"+name+"()")
	return e
}

// runPrefix names the functions that run a cell's statements.
const runPrefix = "_gocurrentRun"

// assembleSupervised assembles a group of chunks with their go statements
// supervised, evaluating first the twins they need of earlier functions
// and appending those of functions the group declares.
func (s *session) assembleSupervised(g []cell.Chunk) string {
	funcs := map[string]*funcDecl{}
	for _, ch := range g {
		if fd, ok := ch.Node.(*ast.FuncDecl); ok && fd.Recv == nil {
			if d := parseFuncDecl(ch.Src); d != nil {
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
			s.twins[name] = fd.src
			delete(need, name)
		}
	}
	s.ensureTwins(need)
	return assemble(out) + extra.String()
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

// runDefers runs the cell's top-level defers, last first.
func (s *session) runDefers() {
	_, _ = s.evalQuiet(";for _gocurrentI := len(_gocurrentDefers) - 1; _gocurrentI >= 0; _gocurrentI-- {\n\t_gocurrentDefers[_gocurrentI]()\n}\n_gocurrentDefers = nil")
}

func errResult(e *engine.Error) engine.Result { return engine.Result{Err: e} }

// assemble puts chunks back at their own lines, so the interpreter's
// positions are the cell's: a chunk on cell line L lands on line L+1 (the
// interpreter puts its own prefix on line 1, which would shift columns).
func assemble(chunks []cell.Chunk) string {
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
			// (their arguments are evaluated then, not at the defer).
			call := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(ch.Src), "defer"))
			src = "_gocurrentDefers = append(_gocurrentDefers, func() { " + call + " })"
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
				src, twins := s.supervise(s.modernDecl(ctx, s.decls[name]), true, s.declCell[name], s.declLine[name], nil)
				s.ensureTwins(twins)
				if _, e := s.eval(ctx, s.code[s.declCell[name]], strings.Repeat("\n", max(s.declLine[name], 1))+src); e != nil {
					return e
				}
				done[name], redefined[name], changed = true, true, true
				break
			}
		}
	}
	return nil
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
			if inCell[id.Name] || session || imported || std || kernel || slices.Contains(builtins, id.Name) {
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

var posRE = regexp.MustCompile(`^(?:[^:\s]*\.go:)?(\d+):(\d+): `)

func (s *session) describe(ctx context.Context, code string, err error) *engine.Error {
	var p interp.Panic
	if errors.As(err, &p) {
		if ex, ok := p.Value.(exitPanic); ok {
			return &engine.Error{Name: "exit", Value: fmt.Sprintf("%s was called: the cell stopped there (the session is kept)", exitText(ex.call, ex.code)),
				Traceback: []string{red(exitText(ex.call, ex.code)) + ": the cell stopped; the session's values are kept"}}
		}
		if _, ok := p.Value.(goexitPanic); ok {
			msg := "runtime.Goexit was called in the cell's own flow: its deferred calls ran and the cell stopped there. " +
				"In a program, main would wait for its other goroutines and then crash with " +
				"\"fatal error: no goroutines (main called runtime.Goexit) - deadlock!\"; the session's values are kept"
			return &engine.Error{Name: "goexit", Value: msg, Traceback: []string{red("runtime.Goexit") + ": " + msg}}
		}
		// The frames the evaluation's goroutine printed while the panic
		// unwound it; p.Stack is that goroutine's stack.
		gid, _ := parseGoroutineID(p.Stack)
		val := p.Value
		if rv, ok := val.(reflect.Value); ok {
			if text, ok := s.sessionText(rv); ok { // panictext.go
				val = text
			}
		}
		if isNilPanic(val) {
			val = "panic called with nil argument" // Go 1.21's runtime.PanicNilError
		}
		return s.panicError(s.count, val, s.filter.take(gid))
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		if e := s.w.takeFault(); e != nil {
			return e
		}
		return &engine.Error{Name: "interrupted", Value: "the cell was interrupted; the session's values are kept",
			Traceback: []string{red("Interrupted") + ": the cell was stopped; the session's values are kept"}}
	}
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		return positioned("syntax error", code, list[0].Pos.Line-1, list[0].Pos.Column, list[0].Msg)
	}
	msg := err.Error()
	if m := posRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		return positioned("compile error", code, line-1, col, msg[len(m[0]):])
	}
	return &engine.Error{Name: "compile error", Value: msg, Traceback: []string{red("compile error") + ": " + msg}}
}

// panicError describes the panic val, with the interpreter's trace of
// positions; frames in functions of earlier cells show those cells' lines,
// other frames those of cell cell.
func (s *session) panicError(cell int, val any, frames []frame) *engine.Error {
	msg := fmt.Sprint(val)
	if err, ok := val.(error); ok {
		msg = err.Error()
	}
	if strings.HasPrefix(msg, "reflect: call of reflect.Value.") && strings.HasSuffix(msg, " on zero Value") {
		msg = "runtime error: invalid memory address or nil pointer dereference"
	}
	if goMsg, ok := reflectPanics[msg]; ok {
		// The interpreter's reflection message for what compiled Go
		// reports as a runtime error.
		msg = goMsg
	}
	e := &engine.Error{Name: "panic", Value: msg}
	e.Traceback = append(e.Traceback, red("panic")+": "+msg)
	first := true
	for _, f := range frames {
		if f.line < 1 {
			continue
		}
		c := s.frameCell(f, cell)
		where := fmt.Sprintf("cell line %d", f.line)
		if c != s.count {
			where = fmt.Sprintf("cell %d, line %d", c, f.line)
		}
		if first {
			e.Value = fmt.Sprintf("%s (%s)", msg, where)
			first = false
		}
		if s.sites.shifted(c, f.line) {
			// A rewritten go statement moved the columns of this line.
			e.Traceback = append(e.Traceback, fmt.Sprintf("  in %s at %s", funcName(f.fn), where))
			if ls := sourceLines(s.code[c], f.line, 1); len(ls) > 0 {
				e.Traceback = append(e.Traceback, ls[0])
			}
			continue
		}
		e.Traceback = append(e.Traceback, fmt.Sprintf("  in %s at %s:%d", funcName(f.fn), where, f.col))
		e.Traceback = append(e.Traceback, sourceLines(s.code[c], f.line, f.col)...)
	}
	e.Traceback = append(e.Traceback, "(the session's values are kept)")
	return e
}

// funcName is how a user names the function of an interpreter's frame.
func funcName(fn string) string {
	fn = strings.TrimPrefix(fn, "main.")
	if strings.HasPrefix(fn, runPrefix) {
		if strings.Contains(fn, ".func") {
			return "a function literal"
		}
		return "the cell"
	}
	if fn == "func" || strings.HasPrefix(fn, "func.") || fn == "" {
		return "a function literal"
	}
	if fn == "main" {
		return "the cell"
	}
	return fn
}

// frameCell returns the cell whose source holds a frame of the
// interpreter's panic trace: the declaring cell of a session function, else
// cell.
func (s *session) frameCell(f frame, cell int) int {
	name := strings.TrimPrefix(f.fn, "main.")
	if c, ok := s.declCell[name]; ok && s.names[name] == "func" {
		return c
	}
	return cell
}

func (s *session) evalFinal(ctx context.Context, code string, ch *cell.Chunk) (map[string]any, *engine.Error) {
	src := ch.Src
	if call, ok := ch.Node.(*ast.CallExpr); ok {
		nout := -1
		if lit, ok := call.Fun.(*ast.FuncLit); ok {
			nout = lit.Type.Results.NumFields()
		} else if id, ok := call.Fun.(*ast.Ident); ok && noValueBuiltins[id.Name] && s.names[id.Name] == "" {
			nout = 0
		} else if isSimpleFunc(call.Fun) {
			if fv, e := s.evalQuiet(funcText(ch.Src, call)); e == nil && fv.IsValid() && fv.Kind() == reflect.Func {
				nout = fv.Type().NumOut()
			}
		}
		switch {
		case nout == 0 || isOutputCall(call.Fun):
			_, e := s.eval(ctx, code, placed(src, ch.Line))
			return nil, e
		case nout >= 2:
			vars := make([]string, nout)
			for k := range vars {
				vars[k] = fmt.Sprintf("_gocurrentV%d", k)
			}
			// The assignment goes on the line before, so positions in src
			// stay the cell's.
			assign := strings.Join(vars, ", ") + " :=\n" + src
			if _, e := s.eval(ctx, code, placed(assign, ch.Line-1)); e != nil {
				return nil, e
			}
			var parts []string
			for _, v := range vars {
				val, _ := s.evalQuiet(v)
				parts = append(parts, s.text(val, v))
			}
			return map[string]any{"text/plain": strings.Join(parts, " ")}, nil
		}
	}
	v, e := s.eval(ctx, code, placed("_gocurrentV0 :=\n"+src, ch.Line-1))
	if e != nil {
		// Not a value (a type name, a package, nil, a call with no
		// result): run it as a statement, which reports a real problem.
		if _, e2 := s.eval(ctx, code, placed(src, ch.Line)); e2 != nil || e.Name == "panic" || e.Name == "interrupted" || e.Name == "exit" {
			if e2 != nil && e.Name == "compile error" {
				return nil, e2
			}
			return nil, e
		}
		return nil, nil
	}
	return s.bundle(v, "_gocurrentV0"), nil
}

// bundle makes the MIME bundle showing v, held in the interpreter variable
// name.
func (s *session) bundle(v reflect.Value, name string) map[string]any {
	if !v.IsValid() {
		return nil
	}
	if v.CanInterface() {
		if b, ok := v.Interface().(display.Bundle); ok {
			return b.Data
		}
	}
	// Methods of interpreted types are invisible to reflection: ask the
	// interpreter, first by calling the session's own methods on the value
	// (which works for every named type), then with a type switch.
	// Only the session's own methods can be invisible, so with none of
	// these declared there is nothing to ask (and no evaluation to pay).
	var mime, text string
	if s.declaresDisplayMethod() {
		mime, text = s.callMethods(name)
		if mime == "" {
			mime, text = s.probe(name)
		}
	}
	switch mime {
	case "text/html", "image/svg+xml", "text/markdown":
		return map[string]any{mime: text, "text/plain": fmt.Sprintf("%v", safeInterface(v))}
	case "text/plain":
		return map[string]any{"text/plain": text}
	}
	if !v.CanInterface() {
		return map[string]any{"text/plain": v.String()}
	}
	return display.Value(v.Interface())
}

func (s *session) text(v reflect.Value, name string) string {
	b := s.bundle(v, name)
	if t, ok := b["text/plain"].(string); ok {
		return t
	}
	return "<nil>"
}

func safeInterface(v reflect.Value) any {
	if v.CanInterface() {
		return v.Interface()
	}
	return v.String()
}

// displayMethods are the methods that choose how a value is shown, best
// first.
var displayMethods = []struct{ method, mime string }{
	{"HTML", "text/html"}, {"SVG", "image/svg+xml"}, {"Markdown", "text/markdown"},
	{"Error", "text/plain"}, {"String", "text/plain"},
}

// callMethods calls on the value held in name the first display method
// that some type of the session declares and that the value has.
func (s *session) callMethods(name string) (mime, text string) {
	for _, dm := range displayMethods {
		if !s.methods[dm.method] {
			continue
		}
		v, err := s.evalQuiet(name + "." + dm.method + "()")
		if err == nil && v.IsValid() && v.Kind() == reflect.String {
			return dm.mime, v.String()
		}
	}
	return "", ""
}

// declaresDisplayMethod reports whether a type of the session has one of
// the displayMethods.
func (s *session) declaresDisplayMethod() bool {
	for _, dm := range displayMethods {
		if s.methods[dm.method] {
			return true
		}
	}
	return false
}

func (s *session) probe(name string) (mime, text string) {
	// Not _gocurrentM: that is the native helpers' package (nativeAlias).
	if _, err := s.evalQuiet("_gocurrentProbeM, _gocurrentProbeT := _gocurrentProbe(" + name + ")"); err != nil {
		return "", ""
	}
	m, _ := s.evalQuiet("_gocurrentProbeM")
	t, _ := s.evalQuiet("_gocurrentProbeT")
	if !m.IsValid() || !t.IsValid() {
		return "", ""
	}
	return m.String(), t.String()
}

// evalQuiet evaluates src for the kernel's own purposes, turning any
// failure, a panic included, into an error.
func (s *session) evalQuiet(src string) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return s.i.Eval(src)
}

// reflectPanics translates the interpreter's reflection panics into the
// runtime errors compiled Go reports for the same mistakes.
var reflectPanics = map[string]string{
	"reflect: slice index out of range":                  "runtime error: index out of range",
	"reflect: array index out of range":                  "runtime error: index out of range",
	"reflect: string index out of range":                 "runtime error: index out of range",
	"reflect: call of reflect.Value.Field on zero Value": "runtime error: invalid memory address or nil pointer dereference",
	"reflect: call of reflect.Value.Elem on zero Value":  "runtime error: invalid memory address or nil pointer dereference",
}

// noValueBuiltins are the builtin functions that return nothing.
var noValueBuiltins = map[string]bool{"panic": true, "print": true, "println": true, "close": true, "delete": true, "clear": true}

// isSimpleFunc reports whether f names a function without side effects
// of its own: an identifier or a chain of selectors on one.
func isSimpleFunc(f ast.Expr) bool {
	for {
		switch x := f.(type) {
		case *ast.Ident:
			return true
		case *ast.SelectorExpr:
			f = x.X
		default:
			return false
		}
	}
}

func funcText(src string, call *ast.CallExpr) string {
	// Positions in the chunk's file set are offset by the parser's
	// wrapper; the function is the text before the call's parenthesis.
	i := strings.Index(src, "(")
	if i < 0 {
		return src
	}
	return strings.TrimSpace(src[:i])
}

// isOutputCall tells calls whose results are about what they wrote
// (fmt.Println's byte count and error), which a notebook does not show.
func isOutputCall(f ast.Expr) bool {
	name := ""
	switch x := f.(type) {
	case *ast.Ident:
		name = x.Name
	case *ast.SelectorExpr:
		name = x.Sel.Name
	}
	for _, p := range []string{"Print", "Fprint", "Write", "Scan", "Sscan", "Fscan"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
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

// positioned makes an error at a cell position, with the offending line and
// a caret under the column.
func positioned(name, code string, line, col int, msg string) *engine.Error {
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	e := &engine.Error{Name: name, Value: fmt.Sprintf("cell line %d:%d: %s", line, col, msg)}
	e.Traceback = append([]string{red(name) + fmt.Sprintf(" at cell line %d:%d: %s", line, col, msg)}, sourceLines(code, line, col)...)
	return e
}

func syntaxError(code string, err error) *engine.Error {
	var ce *cell.Error
	if errors.As(err, &ce) {
		return positioned("syntax error", code, ce.Line, ce.Col, ce.Msg)
	}
	return &engine.Error{Name: "syntax error", Value: err.Error(), Traceback: []string{err.Error()}}
}

// sourceLines shows line of code with a caret under col.
func sourceLines(code string, line, col int) []string {
	lines := strings.Split(code, "\n")
	if line < 1 || line > len(lines) {
		return nil
	}
	l := strings.ReplaceAll(lines[line-1], "\t", "    ")
	// Columns count bytes; tabs were widened to four spaces.
	pre := lines[line-1]
	if col-1 <= len(pre) {
		pre = pre[:col-1]
	}
	width := len([]rune(strings.ReplaceAll(pre, "\t", "    ")))
	return []string{
		fmt.Sprintf("%4d | %s", line, l),
		fmt.Sprintf("     | %s%s", strings.Repeat(" ", width), green("^")),
	}
}

func red(s string) string   { return "\x1b[0;31m" + s + "\x1b[0m" }
func green(s string) string { return "\x1b[0;32m" + s + "\x1b[0m" }

// panicFilter is the interpreter's standard error. It passes text through
// to the cell's stderr, except the interpreter's own trace lines of a
// panic ("L:C: panic: f(...)"), which it keeps to build the error.
type panicFilter struct {
	w  io.Writer
	mu sync.Mutex
	fs []frame
}

type frame struct {
	line, col int
	fn        string
	gid       int64 // the goroutine that panicked
}

var panicLineRE = regexp.MustCompile(`^(?:[^:\s]*\.go:)?(\d+):(\d+): panic(?:: (.*))?\n?$`)

func (f *panicFilter) Write(p []byte) (int, error) {
	if m := panicLineRE.FindSubmatch(p); m != nil {
		line, _ := strconv.Atoi(string(m[1]))
		col, _ := strconv.Atoi(string(m[2]))
		f.mu.Lock()
		fr := frame{line: line - 1, col: col, fn: strings.TrimSuffix(string(m[3]), "(...)"), gid: currentGoroutineID()}
		f.fs = append(f.fs, fr)
		if len(f.fs) > maxFrames {
			f.fs = f.fs[len(f.fs)-maxFrames:]
		}
		f.mu.Unlock()
		return len(p), nil
	}
	return f.w.Write(p)
}

// maxFrames bounds the frames kept of panics nobody asked about (panics
// recovered by the cell's own code also leave frames). Frames are taken by
// goroutine, never cleared wholesale: a goroutine's panic may unwind while
// the cell goes on to its next evaluation.
const maxFrames = 1000

// take removes and returns the frames of goroutine gid.
func (f *panicFilter) take(gid int64) []frame {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out, rest []frame
	for _, fr := range f.fs {
		if fr.gid == gid {
			out = append(out, fr)
		} else {
			rest = append(rest, fr)
		}
	}
	f.fs = rest
	return out
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
