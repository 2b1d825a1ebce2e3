// Package rewrite turns a Go cell into code the interpreter (yaegi
// v0.16.0) runs as Go would.
//
// The interpreter knows the language and the standard library of Go 1.22,
// with gaps: no range over integers or functions, no per-iteration loop
// variables, no min, max or clear, break and continue in select cases that
// go to the wrong place, generic type inference that assigns type
// arguments by position, generic calls that crash it in x := f(y), no iter
// package and a slices package without Sort or Max.
//
// Before a cell runs, the kernel type-checks it with go/types (the
// toolchain's Go, against the session's declarations and the types of its
// variables) and rewrites what the interpreter would get wrong into code it
// gets right, keeping every statement on its line (columns move on
// rewritten lines only):
//
//   - for i := range n                -> for V, N := T(0), n; V < N; V++ { i := V; ... }
//   - for x := range seq              -> seq(func(x T) bool { ...; return true }), with
//     break, continue and return translated as the spec says
//   - loops whose body captures its variables get a fresh copy per iteration
//   - break and continue inside select cases become if true { break L }
//   - min(a, b), max, clear, print, println, wg.Go(f)
//   - every call of a generic function becomes a call of a copy of it with
//     the type arguments filled in (an instance), which the interpreter
//     runs as ordinary code; slices, maps, cmp, iter and sync.OnceValue
//     come from the library in lib/*.go.txt the same way
//   - iter.Seq[T] becomes func(yield func(T) bool)
//
// What cannot be rewritten faithfully (a standard library function newer
// than the interpreter's and not in the library, defer inside a range over
// a function, a generic call whose type arguments are local types) stops
// the cell before it runs, with an error that names the construct and
// suggests the compiled kernel or %%native.
//
// The package is pure source to source: the session around a cell comes in
// as plain data (Session) and a Host that answers for the interpreter, and
// the rewritten chunks and the instances to declare go out as a Plan. One
// file per workaround, or per small group, each naming the interpreter's
// bug it works around.
package rewrite

import (
	"fmt"
	"go/token"
	"go/types"
	"io"
	"os"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/exportdata"
)

// NativePath is the import path of the native helpers (println, clear,
// the native select) that rewritten code calls.
const NativePath = "gocurrent/modern"

// NativeAlias is the name rewritten cells use for the native helpers.
const NativeAlias = "_gocurrentM"

// StdAliasName is the name rewritten code uses for standard package path.
func StdAliasName(path string) string {
	return "_gocurrentP_" + strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(path)
}

// Session is what the rewriting of a cell reads of the session around it.
type Session struct {
	Imports  map[string]string   // bound name -> import path
	Names    map[string]string   // declared name -> kind ("func", "type", "var", ...)
	Decls    map[string]string   // declared name -> source of its declaration
	Uses     map[string][]string // declared name -> identifiers its declaration uses
	Order    []string            // declared names, in the order first declared
	DeclCell map[string]int      // declared name -> cell that declared it last
	DeclLine map[string]int      // declared name -> its line in that cell
	StdPkgs  map[string]string   // package name -> import path, for auto imports
	Cell     int                 // execution count of the cell being rewritten
}

// Host answers for the interpreter.
type Host interface {
	// Has reports whether the interpreter has path.name.
	Has(path, name string) bool
	// Supervise returns the statements that start the body of a goroutine
	// started by the go statement text on line of cell, as the kernel's
	// supervision of go statements does.
	Supervise(cell, line int, text string) string
}

// Instance is a generic function with its type arguments filled in.
type Instance struct {
	Name  string
	Key   string      // the function and its type arguments
	Text  string      // before rewriting
	Src   string      // rewritten, for the interpreter
	Needs []*Instance // the instances it calls
	Cell  int         // cell and line of the generic declaration, for panics
	Line  int
}

// Pos is the line and column where a chunk of a cell starts.
type Pos struct{ Line, Col int }

// Plan is the rewriting of one cell.
type Plan struct {
	Out       map[Pos]string      // rewritten source of the cell's chunks
	Needs     map[Pos][]*Instance // instances each chunk calls
	Created   []*Instance         // instances made for the cell's chunks
	CheckErrs []error             // the first errors the type check found
	CheckPos  []Pos               // where each of CheckErrs is in the cell (zero: elsewhere)
	// Plain says the cell is plain (plain.go): nothing in it was checked
	// or rewritten, it makes no function and cannot panic.
	Plain bool
}

func newPlan() *Plan {
	return &Plan{Out: map[Pos]string{}, Needs: map[Pos][]*Instance{}}
}

// Src returns the source of chunk ch as rewritten for the interpreter.
func (p *Plan) Src(ch cell.Chunk) string {
	if p != nil {
		if out, ok := p.Out[Pos{ch.Line, ch.Col}]; ok {
			return out
		}
	}
	return ch.Src
}

// Log writes the rewritten chunks of cell c and the instances they made,
// to see what the interpreter is given.
func (p *Plan) Log(w io.Writer, c *cell.Cell) {
	fmt.Fprintf(w, "=== cell\n")
	for _, e := range p.CheckErrs {
		fmt.Fprintf(w, "check: %v\n", e)
	}
	for _, ch := range c.Chunks {
		if out, ok := p.Out[Pos{ch.Line, ch.Col}]; ok {
			fmt.Fprintf(w, "--- line %d\n%s\n", ch.Line, out)
		}
	}
	seen := map[*Instance]bool{}
	var walk func(in *Instance)
	walk = func(in *Instance) {
		if seen[in] {
			return
		}
		seen[in] = true
		fmt.Fprintf(w, "--- instance %s\n%s\n", in.Name, in.Src)
		for _, n := range in.Needs {
			walk(n)
		}
	}
	for _, in := range p.Created {
		walk(in)
	}
}

// Error is a construct the interpreter cannot run faithfully, at a cell
// position.
type Error struct {
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Rewriter is a session's state for rewriting cells: the types of its
// variables, the instances made so far, the names it generated.
type Rewriter struct {
	host      Host
	fset      *token.FileSet
	imp       *exportdata.Importer
	lib       *library
	varTypes  map[string]types.Type // session variable -> its type, from the check of its cell
	insts     map[string]*Instance  // by key: function and type arguments
	ninst     int
	nlabel    int                       // generated names
	stdAlias  map[string]bool           // standard packages rewritten code names by StdAliasName
	funcs     map[*types.Func]*funcSite // generic functions of the last check, by object
	names     map[string][]string       // declaration source -> the names it declares
	cellVars  map[string]types.Type     // the cell's variables, for its declarations that use them
	seenTypes map[string]typeEntry      // types the session's checks saw, by identity (identity.go)
	ctxKeys   map[string]string         // context key types used, by identity: their classes
	// parsed are the files the checks of the last cell parsed into
	// fset, removed from it when the next cell is rewritten: the file
	// set would otherwise keep every check's line tables for the whole
	// session.
	parsed []*token.File
}

// New returns the rewriting state of a session whose interpreter host
// answers for; spent is given the state of every go command run for the
// type check (its CPU time is the kernel's, not the cell's).
func New(host Host, spent func(*os.ProcessState)) *Rewriter {
	fset := token.NewFileSet()
	w := &Rewriter{
		host:     host,
		fset:     fset,
		imp:      exportdata.New(fset, spent),
		varTypes: map[string]types.Type{},
		insts:    map[string]*Instance{},
		stdAlias: map[string]bool{},
		names:    map[string][]string{},
	}
	// The packages cells use most, in one go list.
	w.imp.Prepare([]string{"cmp", "iter", "sort", "sync", "fmt", "time", "sync/atomic", "strings", "strconv",
		"os", "os/exec", "math", "math/rand", "runtime", "errors", "context", "slices", "maps", "io", "bytes"})
	w.lib = loadLibrary(w.imp)
	return w
}

// Aliases lists the standard packages rewritten code names by
// StdAliasName, which the interpreter must import under those names.
func (w *Rewriter) Aliases() []string { return sortedKeys(w.stdAlias) }

// Cell rewrites the chunks of cell c for the interpreter. It returns an
// error for a construct the interpreter cannot run faithfully.
func (w *Rewriter) Cell(s *Session, c *cell.Cell) (*Plan, *Error) {
	for _, f := range w.parsed {
		w.fset.RemoveFile(f)
	}
	w.parsed = w.parsed[:0]
	plan := newPlan()
	if w.plain(s, c) { // plain.go
		w.cellVars = nil
		plan.Plain = true
		return plan, nil
	}
	var items []*item
	for i := range c.Chunks {
		ch := &c.Chunks[i]
		if ch.Kind == cell.Import {
			continue
		}
		items = append(items, &item{src: ch.Src, decl: ch.Kind == cell.Decl, chunk: ch, line0: ch.Line})
	}
	if len(items) == 0 {
		return plan, nil
	}
	imports := w.cellImports(s, c)
	w.cellVars = nil
	chk := w.newCheck(s, imports, items, c)
	if chk == nil {
		return plan, nil
	}
	defined := w.recordVars(chk)
	// Declarations that use the cell's own variables (x := 1; var y =
	// x + 1) see them only at package level: check again with them there.
	for _, it := range items {
		if !it.decl {
			continue
		}
		for _, f := range it.chunk.Free {
			if _, ok := defined[f.Name]; ok {
				w.cellVars = defined
			}
		}
	}
	if w.cellVars != nil {
		for _, it := range items {
			it.nodes = nil
		}
		if chk = w.newCheck(s, imports, items, c); chk == nil {
			return plan, nil
		}
	}
	w.noteTypes(chk)
	if err := w.initOrder(chk); err != nil { // initorder.go
		return newPlan(), err
	}
	var pending []*Instance
	for _, it := range items {
		r := newRewriter(chk, it)
		out, needs, err := r.rewrite()
		if err != nil {
			return newPlan(), err
		}
		key := Pos{it.chunk.Line, it.chunk.Col}
		plan.Out[key] = out
		plan.Needs[key] = needs
		pending = append(pending, r.created...)
	}
	if err := w.finishInstances(s, imports, c, pending); err != nil {
		return newPlan(), err
	}
	plan.Created = pending
	plan.CheckErrs, plan.CheckPos = chk.errs, chk.pos
	return plan, nil
}

// finishInstances rewrites the instances created for a cell, and those
// they create in turn.
func (w *Rewriter) finishInstances(s *Session, imports map[string]string, c *cell.Cell, pending []*Instance) *Error {
	for round := 0; len(pending) > 0; round++ {
		if round > 20 {
			return &Error{Line: 1, Col: 1, Msg: "generic functions instantiate each other without end; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%native"}
		}
		var items, all []*item
		for _, in := range pending {
			items = append(items, &item{src: in.Text, decl: true, inst: in, line0: in.Line})
		}
		// The cell's declarations, which instances may use.
		all = append(all, items...)
		for i := range c.Chunks {
			if ch := &c.Chunks[i]; ch.Kind == cell.Decl {
				all = append(all, &item{src: ch.Src, decl: true, chunk: ch, line0: ch.Line})
			}
		}
		chk := w.newCheck(s, imports, all, c)
		if chk == nil {
			return &Error{Line: 1, Col: 1, Msg: "the kernel could not type-check the instances of generic functions; run the cell in the compiled kernel \"Go (gocurrent, compiled)\" or with %%native"}
		}
		pending = nil
		for _, it := range items {
			r := newRewriter(chk, it)
			out, needs, err := r.rewrite()
			if err != nil {
				err.Msg = fmt.Sprintf("in %s: %s", it.inst.Name, err.Msg)
				err.Line, err.Col = 1, 1
				return err
			}
			it.inst.Src, it.inst.Needs = out, needs
			pending = append(pending, r.created...)
		}
	}
	return nil
}
