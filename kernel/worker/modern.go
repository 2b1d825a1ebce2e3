package worker

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/rewrite"
)

// Modern Go in the interpreter.
//
// Before a cell runs, package rewrite type-checks it and rewrites what the
// interpreter (yaegi v0.16.0) would get wrong into code it gets right (see
// its documentation). This file wires it to the session: it tells the
// rewriting the session's declarations and which symbols the interpreter
// has, and evaluates in the interpreter the instances of generic functions
// the rewritten cells call, and the standard packages they name by
// rewrite.StdAliasName. GOCURRENT_MODERN=off runs cells as written;
// GOCURRENT_MODERN_LOG=file appends to file what the interpreter is given.

// nativePath is the import path of the native helpers (println, clear).
const nativePath = rewrite.NativePath

// nativeAlias is the name rewritten cells use for the native helpers.
const nativeAlias = rewrite.NativeAlias

// modern is a session's state for rewriting cells.
type modern struct {
	rw        *rewrite.Rewriter
	plan      *rewrite.Plan              // of the cell being evaluated
	done      map[*rewrite.Instance]bool // instances the interpreter has
	aliasDone map[string]bool            // standard packages imported under their alias
	symbols   map[string]map[string]bool // the interpreter's symbols, by import path
	s         *session
}

// kernelCPU is the CPU time of child processes the kernel ran for itself
// (go list), which getrusage counts among the cell's children.
type kernelCPU struct {
	user, sys atomic.Int64 // nanoseconds
}

func (k *kernelCPU) add(st *os.ProcessState) {
	if k != nil && st != nil {
		k.user.Add(st.UserTime().Nanoseconds())
		k.sys.Add(st.SystemTime().Nanoseconds())
	}
}

func (k *kernelCPU) get() (user, sys time.Duration) {
	return time.Duration(k.user.Load()), time.Duration(k.sys.Load())
}

func (s *session) modernState() *modern {
	if s.mod == nil {
		m := &modern{done: map[*rewrite.Instance]bool{}, aliasDone: map[string]bool{}, s: s}
		m.rw = rewrite.New(m, s.kernelCPU.add)
		s.mod = m
	}
	return s.mod
}

// Has reports whether the interpreter has path.name (rewrite.Host).
func (m *modern) Has(path, name string) bool {
	if m.symbols == nil {
		m.symbols = map[string]map[string]bool{}
		for _, e := range m.s.exports {
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

// Supervise starts the body of a goroutine of a rewritten go statement
// (rewrite.Host), as supervise.go does.
func (m *modern) Supervise(c, line int, text string) string {
	id := m.s.sites.add(site{cell: c, line: line, text: shorten(text)})
	m.s.sites.rewrote(c, line)
	return fmt.Sprintf("%s.Start(%d); defer %s(%d); ", supImport, id, recoverInnerFn, id)
}

// rewriteSession is what the rewriting reads of the session.
func (s *session) rewriteSession() *rewrite.Session {
	return &rewrite.Session{Imports: s.imports, Names: s.names, Decls: s.decls, Uses: s.uses, Order: s.order,
		DeclCell: s.declCell, DeclLine: s.declLine, StdPkgs: s.stdPkgs, Cell: s.count}
}

// modernizeCell rewrites the chunks of cell c for the interpreter; the
// rewritten sources are then given by modernSrc. It returns an error for
// a construct the interpreter cannot run faithfully.
func (s *session) modernizeCell(code string, c *cell.Cell) (e *engine.Error) {
	if os.Getenv("GOCURRENT_MODERN") == "off" {
		return nil // cells run as written (to compare, or to rule the rewriting out)
	}
	m := s.modernState()
	m.plan = nil
	defer func() {
		if r := recover(); r != nil {
			// A bug in the rewriting must not take the cell down: run it
			// as written.
			if path := os.Getenv("GOCURRENT_MODERN_LOG"); path != "" {
				if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
					fmt.Fprintf(f, "=== rewriting panicked: %v\n%s\n", r, debug.Stack())
					f.Close()
				}
			}
			m.plan = nil
			e = nil
		}
	}()
	plan, err := m.rw.Cell(s.rewriteSession(), c)
	if err != nil {
		return positioned("not supported by the interpreter", code, err.Line, err.Col, err.Msg)
	}
	m.plan = plan
	if e := undefinedMethod(code, c, plan.CheckErrs); e != nil {
		return e
	}
	if e := checkRefusal(code, plan); e != nil {
		return e
	}
	if path := os.Getenv("GOCURRENT_MODERN_LOG"); path != "" && len(plan.Out) > 0 {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			plan.Log(f, c)
			f.Close()
		}
	}
	return nil
}

// modernSrc returns the source of chunk ch as rewritten for the
// interpreter.
func (s *session) modernSrc(ch cell.Chunk) string {
	if s.mod == nil {
		return ch.Src
	}
	return s.mod.plan.Src(ch)
}

// plainCell reports whether the cell being run is plain (kernel/rewrite,
// plain.go): it makes no function literal, cannot panic, and its value is
// a boolean, a string or a number.
func (s *session) plainCell() bool {
	return s.mod != nil && s.mod.plan != nil && s.mod.plan.Plain
}

// evalInstances evaluates the instances of generic functions the chunks
// of g call, before g is evaluated.
func (s *session) evalInstances(ctx context.Context, code string, g []cell.Chunk) *engine.Error {
	if s.mod == nil || s.mod.plan == nil {
		return nil
	}
	var need []*rewrite.Instance
	for _, ch := range g {
		need = append(need, s.mod.plan.Needs[rewrite.Pos{Line: ch.Line, Col: ch.Col}]...)
	}
	return s.mod.evalNeeded(need)
}

// evalNeeded evaluates the instances in need and those they call that the
// interpreter does not have yet, those they call first.
func (m *modern) evalNeeded(need []*rewrite.Instance) *engine.Error {
	s := m.s
	if err := m.importAliases(); err != nil {
		return err
	}
	var todo []*rewrite.Instance
	seen := map[*rewrite.Instance]bool{}
	var walk func(in *rewrite.Instance)
	walk = func(in *rewrite.Instance) {
		if in == nil || m.done[in] || seen[in] {
			return
		}
		seen[in] = true
		for _, n := range in.Needs {
			walk(n)
		}
		todo = append(todo, in)
	}
	for _, in := range need {
		walk(in)
	}
	for i, in := range todo {
		// On the lines of its generic declaration, so that a panic in it
		// shows the declaration's line.
		// Its go statements are supervised as the cell's are.
		src, twins := s.supervise(in.Src, true, s.count, max(in.Line, 1), nil)
		s.ensureTwins(twins)
		_, err := s.evalQuiet(strings.Repeat("\n", max(in.Line, 1)) + src)
		if err != nil && strings.Contains(err.Error(), "undefined: _gocurrent") {
			// Instances that call each other: all at once.
			var all []string
			for _, x := range todo[i:] {
				all = append(all, x.Src)
			}
			if _, err = s.evalQuiet(strings.Join(all, "\n")); err == nil {
				for _, x := range todo[i:] {
					m.evaluated(x)
				}
				return nil
			}
		}
		if err != nil {
			msg := fmt.Sprintf("the interpreter could not compile %s (an instance of a generic function): %v; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%%%native", in.Name, err)
			return &engine.Error{Name: "not supported by the interpreter", Value: msg, Traceback: []string{red("not supported by the interpreter") + ": " + msg}}
		}
		m.evaluated(in)
	}
	return nil
}

// evaluated records that the interpreter has instance in.
func (m *modern) evaluated(in *rewrite.Instance) {
	s := m.s
	m.done[in] = true
	if in.Cell > 0 {
		// A panic in it shows the cell of its generic declaration.
		s.declCell[in.Name], s.declLine[in.Name] = in.Cell, in.Line
		s.names[in.Name] = "func"
	}
}

// importAliases imports in the interpreter the standard packages rewritten
// code names by rewrite.StdAliasName, and the native helpers.
func (m *modern) importAliases() *engine.Error {
	paths := append([]string{nativePath}, m.rw.Aliases()...)
	for _, path := range paths {
		if m.aliasDone[path] {
			continue
		}
		name := rewrite.StdAliasName(path)
		if path == nativePath {
			name = nativeAlias
		}
		if _, err := m.s.evalQuiet(fmt.Sprintf("import %s %q", name, path)); err != nil {
			msg := fmt.Sprintf("import %q: %v", path, err)
			return &engine.Error{Name: "import error", Value: msg, Traceback: []string{red("import error") + ": " + msg}}
		}
		m.aliasDone[path] = true
	}
	return nil
}

// modernDecl returns session declaration src rewritten for the
// interpreter, with the instances it calls evaluated: for recompiling a
// caller of a redefined function.
func (s *session) modernDecl(ctx context.Context, src string) string {
	m := s.modernState()
	c, err := cell.Parse(src)
	if err != nil || len(c.Chunks) != 1 {
		return src
	}
	save := m.plan
	defer func() { m.plan = save }()
	if e := s.modernizeCell(src, c); e != nil {
		return src
	}
	ch := c.Chunks[0]
	if e := s.evalInstances(ctx, src, []cell.Chunk{ch}); e != nil {
		return src
	}
	return s.modernSrc(ch)
}

var noMethod = regexp.MustCompile(`undefined \(type .* has no field or method \w+(, but [^)]*)?\)$`)

// undefinedMethod is the compile error of a cell of declarations with a
// method that uses a field or method its type does not have (yet: a later
// cell may declare the method). The interpreter would add the method to
// its type before it found the error, and keep a broken method that later
// declarations of it do not replace; the type check finds the error first.
func undefinedMethod(code string, c *cell.Cell, errs []error) *engine.Error {
	var method *cell.Chunk
	for i, ch := range c.Chunks {
		switch ch.Kind {
		case cell.Import:
		case cell.Decl:
			if fd, ok := ch.Node.(*ast.FuncDecl); ok && fd.Recv != nil && method == nil {
				method = &c.Chunks[i]
			}
		default:
			return nil
		}
	}
	if method == nil {
		return nil
	}
	for _, err := range errs {
		var te types.Error
		if !errors.As(err, &te) || !noMethod.MatchString(te.Msg) {
			continue
		}
		return positioned("compile error", code, method.Line, method.Col, te.Msg)
	}
	return nil
}

// refusedByCheck matches type errors Go reports and the interpreter does
// not: it runs such a cell, and fails later, or not at all, where Go
// refuses to build it.
var refusedByCheck = regexp.MustCompile(`cannot send to receive-only channel`)

// checkRefusal is the compile error of a cell the type check found one
// of refusedByCheck's errors in, at the error's place in the cell.
func checkRefusal(code string, plan *rewrite.Plan) *engine.Error {
	for i, err := range plan.CheckErrs {
		var te types.Error
		if !errors.As(err, &te) || !refusedByCheck.MatchString(te.Msg) || i >= len(plan.CheckPos) || plan.CheckPos[i].Line == 0 {
			continue
		}
		return positioned("compile error", code, plan.CheckPos[i].Line, plan.CheckPos[i].Col, te.Msg)
	}
	return nil
}
