package interp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"os"
	"runtime/debug"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
)

// Modern Go in the interpreter.
//
// The interpreter (yaegi v0.16.0) knows the language and the standard
// library of Go 1.22, with gaps: no range over integers or functions, no
// per-iteration loop variables, no min, max or clear, break and continue in
// select cases that go to the wrong place, generic type inference that
// assigns type arguments by position, generic calls that crash it in
// x := f(y), no iter package and a slices package without Sort or Max.
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
//     come from the library in modern_lib_*.go.txt the same way
//   - iter.Seq[T] becomes func(yield func(T) bool)
//
// What cannot be rewritten faithfully (a standard library function newer
// than the interpreter's and not in the library, defer inside a range over
// a function, a generic call whose type arguments are local types) stops
// the cell before it runs, with an error that names the construct and
// suggests %%native.

// modern is a session's state for rewriting cells.
type modern struct {
	fset      *token.FileSet
	imp       *exportImporter
	lib       *library
	varTypes  map[string]types.Type // session variable -> its type, from the check of its cell
	insts     map[string]*instance  // by key: function and type arguments
	ninst     int
	nlabel    int                        // generated names
	out       map[[2]int]string          // rewritten source of the cell's chunks, by line and column
	needs     map[[2]int][]*instance     // instances each chunk calls
	stdAlias  map[string]bool            // standard packages rewritten code names by stdAliasName
	aliasDone map[string]bool            // those imported in the interpreter
	funcs     map[*types.Func]*funcSite  // generic functions of the last check, by object
	names     map[string][]string        // declaration source -> the names it declares
	cellVars  map[string]types.Type      // the cell's variables, for its declarations that use them
	symbols   map[string]map[string]bool // the interpreter's symbols, by import path
}

// instance is a generic function with its type arguments filled in.
type instance struct {
	name  string
	key   string
	text  string // before rewriting
	src   string // rewritten, for the interpreter
	needs []*instance
	done  bool // evaluated in the interpreter
	cell  int  // cell and line of the generic declaration, for panics
	line  int
}

// funcSite is where a generic function is declared.
type funcSite struct {
	decl *ast.FuncDecl
	src  string      // the text of the file that holds it
	tf   *token.File // that file
	info *types.Info
	lib  *libPkg // the library package, for library functions
	hash string  // of the declaration, for session functions
	cell int     // cell and line of a session function's declaration
	line int
}

func (s *session) modernState() *modern {
	if s.mod == nil {
		fset := token.NewFileSet()
		m := &modern{
			fset:      fset,
			imp:       newExportImporter(fset),
			varTypes:  map[string]types.Type{},
			insts:     map[string]*instance{},
			stdAlias:  map[string]bool{},
			aliasDone: map[string]bool{},
			names:     map[string][]string{},
		}
		m.imp.spent = &s.kernelCPU
		// The packages cells use most, in one go list.
		m.imp.prepare([]string{"cmp", "iter", "sort", "sync", "fmt", "time", "sync/atomic", "strings", "strconv",
			"os", "os/exec", "math", "math/rand", "runtime", "errors", "context", "slices", "maps", "io", "bytes"})
		m.lib = loadLibrary(m.imp)
		s.mod = m
	}
	return s.mod
}

// item is a piece of source the check sees and the rewriting changes: a
// chunk of the cell, a session declaration, or an instance.
type item struct {
	src   string
	file  *token.File
	base  int // offset of src in file
	decl  bool
	chunk *cell.Chunk
	inst  *instance
	nodes []ast.Node // its top-level nodes in the check's syntax tree
	line0 int        // the cell line of its first line
}

// check is one type check of a cell with the session around it.
type check struct {
	m     *modern
	s     *session
	info  *types.Info
	items []*item
	files []*ast.File
	srcs  map[*token.File]string // the text of each file
	errs  []error                // the first errors the check found
	pkg   *types.Package         // the session's package, as checked
}

// modernizeCell rewrites the chunks of cell c for the interpreter; the
// rewritten sources are then given by modernSrc. It returns an error for
// a construct the interpreter cannot run faithfully.
func (s *session) modernizeCell(code string, c *cell.Cell) (e *engine.Error) {
	if os.Getenv("GOCURRENT_MODERN") == "off" {
		return nil // cells run as written (to compare, or to rule the rewriting out)
	}
	m := s.modernState()
	m.out = map[[2]int]string{}
	m.needs = map[[2]int][]*instance{}
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
			m.out = map[[2]int]string{}
			m.needs = map[[2]int][]*instance{}
			e = nil
		}
	}()
	var items []*item
	for i := range c.Chunks {
		ch := &c.Chunks[i]
		if ch.Kind == cell.Import {
			continue
		}
		items = append(items, &item{src: ch.Src, decl: ch.Kind == cell.Decl, chunk: ch, line0: ch.Line})
	}
	if len(items) == 0 {
		return nil
	}
	imports := m.cellImports(s, c)
	m.cellVars = nil
	chk := m.newCheck(s, imports, items, c)
	if chk == nil {
		return nil
	}
	defined := m.recordVars(chk)
	// Declarations that use the cell's own variables (x := 1; var y =
	// x + 1) see them only at package level: check again with them there.
	for _, it := range items {
		if !it.decl {
			continue
		}
		for _, f := range it.chunk.Free {
			if _, ok := defined[f.Name]; ok {
				m.cellVars = defined
			}
		}
	}
	if m.cellVars != nil {
		for _, it := range items {
			it.nodes = nil
		}
		if chk = m.newCheck(s, imports, items, c); chk == nil {
			return nil
		}
	}
	var pending []*instance
	for _, it := range items {
		r := newRewriter(chk, it)
		out, needs, err := r.rewrite()
		if err != nil {
			return positioned("not supported by the interpreter", code, err.line, err.col, err.msg)
		}
		key := [2]int{it.chunk.Line, it.chunk.Col}
		m.out[key] = out
		m.needs[key] = needs
		pending = append(pending, r.created...)
	}
	if err := m.finishInstances(s, imports, c, pending); err != nil {
		return positioned("not supported by the interpreter", code, err.line, err.col, err.msg)
	}
	if path := os.Getenv("GOCURRENT_MODERN_LOG"); path != "" {
		m.log(path, c, pending, chk.errs)
	}
	return nil
}

// log appends the rewritten cell and its new instances to file path
// (GOCURRENT_MODERN_LOG), to see what the interpreter is given.
func (m *modern) log(path string, c *cell.Cell, created []*instance, errs []error) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "=== cell\n")
	for _, e := range errs {
		fmt.Fprintf(f, "check: %v\n", e)
	}
	for _, ch := range c.Chunks {
		if out, ok := m.out[[2]int{ch.Line, ch.Col}]; ok {
			fmt.Fprintf(f, "--- line %d\n%s\n", ch.Line, out)
		}
	}
	seen := map[*instance]bool{}
	var walk func(in *instance)
	walk = func(in *instance) {
		if seen[in] {
			return
		}
		seen[in] = true
		fmt.Fprintf(f, "--- instance %s\n%s\n", in.name, in.src)
		for _, n := range in.needs {
			walk(n)
		}
	}
	for _, in := range created {
		walk(in)
	}
}

// finishInstances rewrites the instances created for a cell, and those
// they create in turn.
func (m *modern) finishInstances(s *session, imports map[string]string, c *cell.Cell, pending []*instance) *rewriteError {
	for round := 0; len(pending) > 0; round++ {
		if round > 20 {
			return &rewriteError{line: 1, col: 1, msg: "generic functions instantiate each other without end; run the cell with %%native"}
		}
		var items, all []*item
		for _, in := range pending {
			items = append(items, &item{src: in.text, decl: true, inst: in, line0: in.line})
		}
		// The cell's declarations, which instances may use.
		all = append(all, items...)
		for i := range c.Chunks {
			if ch := &c.Chunks[i]; ch.Kind == cell.Decl {
				all = append(all, &item{src: ch.Src, decl: true, chunk: ch, line0: ch.Line})
			}
		}
		chk := m.newCheck(s, imports, all, c)
		if chk == nil {
			return &rewriteError{line: 1, col: 1, msg: "the kernel could not type-check the instances of generic functions; run the cell with %%native"}
		}
		pending = nil
		for _, it := range items {
			r := newRewriter(chk, it)
			out, needs, err := r.rewrite()
			if err != nil {
				err.msg = fmt.Sprintf("in %s: %s", it.inst.name, err.msg)
				err.line, err.col = 1, 1
				return err
			}
			it.inst.src, it.inst.needs = out, needs
			pending = append(pending, r.created...)
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
	if out, ok := s.mod.out[[2]int{ch.Line, ch.Col}]; ok {
		return out
	}
	return ch.Src
}

// evalInstances evaluates the instances of generic functions the chunks
// of g call, before g is evaluated.
func (s *session) evalInstances(ctx context.Context, code string, g []cell.Chunk) *engine.Error {
	if s.mod == nil {
		return nil
	}
	var need []*instance
	for _, ch := range g {
		need = append(need, s.mod.needs[[2]int{ch.Line, ch.Col}]...)
	}
	return s.mod.evalNeeded(s, need)
}

// evalNeeded evaluates the instances in need and those they call that the
// interpreter does not have yet, those they call first.
func (m *modern) evalNeeded(s *session, need []*instance) *engine.Error {
	if err := m.importAliases(s); err != nil {
		return err
	}
	var todo []*instance
	seen := map[*instance]bool{}
	var walk func(in *instance)
	walk = func(in *instance) {
		if in == nil || in.done || seen[in] {
			return
		}
		seen[in] = true
		for _, n := range in.needs {
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
		src, twins := s.supervise(in.src, true, s.count, max(in.line, 1), nil)
		s.ensureTwins(twins)
		_, err := s.evalQuiet(strings.Repeat("\n", max(in.line, 1)) + src)
		if err != nil && strings.Contains(err.Error(), "undefined: _gocurrent") {
			// Instances that call each other: all at once.
			var all []string
			for _, x := range todo[i:] {
				all = append(all, x.src)
			}
			if _, err = s.evalQuiet(strings.Join(all, "\n")); err == nil {
				for _, x := range todo[i:] {
					m.evaluated(s, x)
				}
				return nil
			}
		}
		if err != nil {
			msg := fmt.Sprintf("the interpreter could not compile %s (an instance of a generic function): %v; run the cell with %%%%native", in.name, err)
			return &engine.Error{Name: "not supported by the interpreter", Value: msg, Traceback: []string{red("not supported by the interpreter") + ": " + msg}}
		}
		m.evaluated(s, in)
	}
	return nil
}

// evaluated records that the interpreter has instance in.
func (m *modern) evaluated(s *session, in *instance) {
	in.done = true
	if in.cell > 0 {
		// A panic in it shows the cell of its generic declaration.
		s.declCell[in.name], s.declLine[in.name] = in.cell, in.line
		s.names[in.name] = "func"
	}
}

// importAliases imports in the interpreter the standard packages rewritten
// code names by stdAliasName.
func (m *modern) importAliases(s *session) *engine.Error {
	m.stdAlias[nativePath] = true
	for _, path := range sortedKeys(m.stdAlias) {
		if m.aliasDone[path] {
			continue
		}
		name := stdAliasName(path)
		if path == nativePath {
			name = nativeAlias
		}
		if _, err := s.evalQuiet(fmt.Sprintf("import %s %q", name, path)); err != nil {
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
	save, saveNeeds := m.out, m.needs
	defer func() { m.out, m.needs = save, saveNeeds }()
	if e := s.modernizeCell(src, c); e != nil {
		return src
	}
	ch := c.Chunks[0]
	if e := s.evalInstances(ctx, src, []cell.Chunk{ch}); e != nil {
		return src
	}
	return s.modernSrc(ch)
}

// cellImports are the imports the check of cell c needs: the session's,
// the cell's own and the automatic ones, by name.
func (m *modern) cellImports(s *session, c *cell.Cell) map[string]string {
	imports := map[string]string{}
	for name, path := range s.imports {
		imports[name] = path
	}
	for _, ch := range c.Chunks {
		for _, im := range ch.Imports {
			if n := im.ImportName(); n != "_" && n != "." {
				imports[n] = im.Path
			}
		}
	}
	for _, name := range c.Free {
		if _, ok := imports[name]; ok {
			continue
		}
		if _, ok := s.names[name]; ok {
			continue
		}
		if path, ok := s.stdPkgs[name]; ok {
			imports[name] = path
		}
	}
	return imports
}

// stdAliasName is the name rewritten code uses for standard package path.
func stdAliasName(path string) string {
	return "_gocurrentP_" + strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(path)
}

// newCheck type-checks items (the cell's chunks, or instances) with the
// session's declarations and variables. It returns nil when the check
// could not be set up at all.
func (m *modern) newCheck(s *session, imports map[string]string, items []*item, c *cell.Cell) *check {
	if m.lib.err != nil {
		return nil
	}
	// What the cell declares hides the session's declarations of the
	// same names.
	cellNames := map[string]bool{}
	for _, ch := range c.Chunks {
		for _, n := range ch.Names {
			cellNames[n] = true
		}
		for _, t := range ch.Types {
			cellNames[t] = true
		}
	}
	var paths []string
	for _, p := range imports {
		paths = append(paths, p)
	}
	used := m.usedNames(s, c, items)
	// The session's variables, with the types their cells gave them.
	var vars strings.Builder
	for _, name := range sortedKeys(m.cellVars) {
		if t, ok := m.typeString(m.cellVars[name], false); ok {
			fmt.Fprintf(&vars, "var %s %s\n", name, t)
		}
	}
	for _, name := range sortedKeys(m.varTypes) {
		if cellNames[name] || s.names[name] != "var" || s.decls[name] != "" || !used[name] {
			continue
		}
		t, ok := m.typeString(m.varTypes[name], false)
		if !ok {
			continue
		}
		fmt.Fprintf(&vars, "var %s %s\n", name, t)
	}
	for p := range m.stdAlias {
		if p != nativePath {
			paths = append(paths, p)
		}
	}
	m.imp.prepare(paths)

	header := m.header(imports)
	chk := &check{m: m, s: s, info: newInfo(), srcs: map[*token.File]string{}}
	parse := func(name, src string) *ast.File {
		f, err := parser.ParseFile(m.fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return nil
		}
		chk.files = append(chk.files, f)
		chk.srcs[m.fset.File(f.Pos())] = src
		return f
	}
	// The session's declarations the cell uses, in one file or, if that
	// does not parse, one file each.
	var decls []string
	seen := map[string]bool{}
	for _, name := range s.order {
		src, ok := s.decls[name]
		if !ok || seen[src] || cellNames[name] || !used[name] {
			continue
		}
		hidden := false
		for _, n := range m.declNames(src) {
			if cellNames[n] {
				hidden = true
			}
		}
		if hidden {
			continue
		}
		seen[src] = true
		decls = append(decls, src)
	}
	if parse("session.go", header+strings.Join(decls, "\n")) == nil {
		for i, d := range decls {
			parse(fmt.Sprintf("session%d.go", i), header+d)
		}
	}
	parse("vars.go", header+vars.String())

	// The cell: declarations at package level, statements in a function.
	var b strings.Builder
	b.WriteString(header)
	var stmts, others []*item
	for _, it := range items {
		if it.decl {
			others = append(others, it)
		} else {
			stmts = append(stmts, it)
		}
	}
	offs := map[*item]int{}
	for _, it := range others {
		offs[it] = b.Len()
		b.WriteString(it.src)
		b.WriteString("\n")
	}
	if len(stmts) > 0 {
		b.WriteString("func _gocurrentCheck() {\n")
		for _, it := range stmts {
			offs[it] = b.Len()
			b.WriteString(it.src)
			b.WriteString("\n")
		}
		b.WriteString("}\n")
	}
	f := parse("cell.go", b.String())
	if f == nil {
		return nil
	}
	tf := m.fset.File(f.Pos())
	for _, it := range items {
		it.file, it.base = tf, offs[it]
		end := it.base + len(it.src)
		inside := func(n ast.Node) bool {
			o := tf.Offset(n.Pos())
			return o >= it.base && o < end
		}
		for _, d := range f.Decls {
			if inside(d) {
				it.nodes = append(it.nodes, d)
			}
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "_gocurrentCheck" && fd.Body != nil {
				for _, st := range fd.Body.List {
					if inside(st) {
						it.nodes = append(it.nodes, st)
					}
				}
			}
		}
		chk.items = append(chk.items, it)
	}
	conf := types.Config{Importer: &libImporter{std: m.imp, lib: m.lib}, Error: func(err error) {
		if msg := err.Error(); len(chk.errs) < 20 && !strings.Contains(msg, "imported and not used") &&
			!strings.Contains(msg, "imported as") && !strings.Contains(msg, "declared and not used") {
			chk.errs = append(chk.errs, err)
		}
	}}
	func() {
		defer func() { _ = recover() }()
		chk.pkg, _ = conf.Check("main", m.fset, chk.files, chk.info)
	}()
	m.indexFuncs(s, chk)
	return chk
}

// header is the package clause and imports of every file of a check.
func (m *modern) header(imports map[string]string) string {
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n")
	for _, name := range sortedKeys(imports) {
		fmt.Fprintf(&b, "\t%s %q\n", name, imports[name])
	}
	for _, p := range sortedKeys(m.lib.pkgs) {
		fmt.Fprintf(&b, "\t%s %q\n", m.lib.pkgs[p].alias, p)
	}
	fmt.Fprintf(&b, "\t%s %q\n", nativeAlias, nativePath)
	for _, p := range sortedKeys(m.stdAlias) {
		if p != nativePath {
			fmt.Fprintf(&b, "\t%s %q\n", stdAliasName(p), p)
		}
	}
	b.WriteString(")\n\n")
	return b.String()
}

// declNames returns the names a declaration declares.
func (m *modern) declNames(src string) []string {
	if names, ok := m.names[src]; ok {
		return names
	}
	var out []string
	if c, err := cell.Parse(src); err == nil {
		for _, ch := range c.Chunks {
			out = append(out, ch.Names...)
		}
	}
	m.names[src] = out
	return out
}

// usedNames returns the session names the check of items needs: those the
// cell and the items use, those these use in turn, the methods of the
// types among them, and the types of the variables among them. The check
// leaves out the rest of the session, so that its cost follows the cell,
// not the session's length.
func (m *modern) usedNames(s *session, c *cell.Cell, items []*item) map[string]bool {
	used := map[string]bool{}
	var todo []string
	add := func(n string) {
		if !used[n] {
			used[n] = true
			todo = append(todo, n)
		}
	}
	for _, ch := range c.Chunks {
		for _, f := range ch.Free {
			add(f.Name)
		}
	}
	for _, it := range items {
		if it.inst != nil {
			for _, n := range identsOf(it.src) {
				add(n)
			}
		}
	}
	methods := map[string][]string{}
	for _, name := range s.order {
		if t, _, ok := strings.Cut(name, "."); ok {
			methods[t] = append(methods[t], name)
		}
	}
	for len(todo) > 0 {
		n := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, u := range s.uses[n] {
			add(u)
		}
		for _, meth := range methods[n] {
			add(meth)
		}
		if t, ok := m.varTypes[n]; ok && s.names[n] == "var" {
			for _, tn := range mainTypeNames(t) {
				add(tn)
			}
		}
	}
	return used
}

// identsOf lists the identifiers in src.
func identsOf(src string) []string {
	var sc scanner.Scanner
	fset := token.NewFileSet()
	sc.Init(fset.AddFile("", -1, len(src)), []byte(src), nil, 0)
	var out []string
	for {
		_, tok, lit := sc.Scan()
		if tok == token.EOF {
			return out
		}
		if tok == token.IDENT {
			out = append(out, lit)
		}
	}
}

// mainTypeNames lists the session types t is made of.
func mainTypeNames(t types.Type) []string {
	var out []string
	seen := map[types.Type]bool{}
	var walk func(t types.Type)
	walk = func(t types.Type) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Named:
			if t.Obj().Pkg() != nil && t.Obj().Pkg().Path() == "main" {
				out = append(out, t.Obj().Name())
			}
			if targs := t.TypeArgs(); targs != nil {
				for i := 0; i < targs.Len(); i++ {
					walk(targs.At(i))
				}
			}
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Chan:
			walk(t.Elem())
		case *types.Signature:
			for i := 0; i < t.Params().Len(); i++ {
				walk(t.Params().At(i).Type())
			}
			for i := 0; i < t.Results().Len(); i++ {
				walk(t.Results().At(i).Type())
			}
		case *types.Struct:
			for i := 0; i < t.NumFields(); i++ {
				walk(t.Field(i).Type())
			}
		}
	}
	walk(t)
	return out
}

// indexFuncs finds the generic functions the check's files declare.
func (m *modern) indexFuncs(s *session, chk *check) {
	m.funcs = map[*types.Func]*funcSite{}
	for _, f := range chk.files {
		tf := m.fset.File(f.Pos())
		src := chk.srcs[tf]
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Type.TypeParams.NumFields() == 0 {
				continue
			}
			obj, _ := chk.info.Defs[fd.Name].(*types.Func)
			if obj == nil {
				continue
			}
			site := &funcSite{decl: fd, src: src, tf: tf, info: chk.info}
			sum := sha256.Sum256([]byte(src[tf.Offset(fd.Pos()):tf.Offset(fd.End())]))
			site.hash = hex.EncodeToString(sum[:6])
			name := fd.Name.Name
			if c, ok := s.declCell[name]; ok && s.decls[name] != "" {
				site.cell, site.line = c, s.declLine[name]
			}
			for _, it := range chk.items {
				o := tf.Offset(fd.Pos())
				if it.chunk != nil && it.file == tf && o >= it.base && o < it.base+len(it.src) {
					site.cell = s.count
					site.line = it.chunk.Line + strings.Count(it.src[:o-it.base], "\n")
				}
			}
			m.funcs[obj] = site
		}
	}
}

// recordVars keeps the types of the variables the cell's statements
// declare, for the checks of later cells, and returns them.
func (m *modern) recordVars(chk *check) map[string]types.Type {
	defined := map[string]types.Type{}
	for _, it := range chk.items {
		if it.decl || it.chunk == nil || len(it.chunk.Names) == 0 {
			continue
		}
		for _, n := range it.nodes {
			var ids []*ast.Ident
			switch st := n.(type) {
			case *ast.AssignStmt:
				if st.Tok == token.DEFINE {
					for _, l := range st.Lhs {
						if id, ok := l.(*ast.Ident); ok {
							ids = append(ids, id)
						}
					}
				}
			case *ast.DeclStmt:
				if gd, ok := st.Decl.(*ast.GenDecl); ok && gd.Tok == token.VAR {
					for _, sp := range gd.Specs {
						ids = append(ids, sp.(*ast.ValueSpec).Names...)
					}
				}
			}
			for _, id := range ids {
				if obj, ok := chk.info.Defs[id].(*types.Var); ok && id.Name != "_" {
					if t := obj.Type(); t != nil && t != types.Typ[types.Invalid] {
						m.varTypes[id.Name] = t
						defined[id.Name] = t
					}
				}
			}
		}
	}
	return defined
}

// typeString renders t as source for the session's code: other packages'
// names by the session's import names or stdAliasName (imported as
// needed), the session's own types by name. It fails for types declared
// inside functions, unexported types of other packages and, unless
// params, type parameters.
func (m *modern) typeString(t types.Type, params bool) (string, bool) {
	ok := true
	var walk func(t types.Type)
	seen := map[types.Type]bool{}
	walk = func(t types.Type) {
		if seen[t] || !ok {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Named:
			obj := t.Obj()
			if obj.Pkg() != nil {
				if obj.Parent() != obj.Pkg().Scope() {
					ok = false // declared inside a function
					return
				}
				if obj.Pkg().Path() != "main" && !obj.Exported() {
					ok = false
					return
				}
				if strings.HasPrefix(obj.Pkg().Path(), "gocurrent") {
					ok = false
					return
				}
			}
			if targs := t.TypeArgs(); targs != nil {
				for i := 0; i < targs.Len(); i++ {
					walk(targs.At(i))
				}
			}
		case *types.Alias:
			walk(types.Unalias(t))
		case *types.TypeParam:
			if !params {
				ok = false
			}
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Chan:
			walk(t.Elem())
		case *types.Signature:
			for i := 0; i < t.Params().Len(); i++ {
				walk(t.Params().At(i).Type())
			}
			for i := 0; i < t.Results().Len(); i++ {
				walk(t.Results().At(i).Type())
			}
		case *types.Struct:
			for i := 0; i < t.NumFields(); i++ {
				walk(t.Field(i).Type())
			}
		case *types.Interface:
			for i := 0; i < t.NumExplicitMethods(); i++ {
				walk(t.ExplicitMethod(i).Type())
			}
			for i := 0; i < t.NumEmbeddeds(); i++ {
				walk(t.EmbeddedType(i))
			}
		case *types.Union:
			for i := 0; i < t.Len(); i++ {
				walk(t.Term(i).Type())
			}
		case *types.Basic:
			if t.Kind() == types.Invalid {
				ok = false
			}
		case *types.Tuple:
			ok = false
		}
	}
	walk(t)
	if !ok {
		return "", false
	}
	return types.TypeString(t, m.qualifier), true
}

// qualifier names other packages in rewritten code: by names of their
// own, which no cell's variable hides.
func (m *modern) qualifier(p *types.Package) string {
	if p.Path() == "main" {
		return ""
	}
	if p.Path() == nativePath {
		return nativeAlias
	}
	if lp, ok := m.lib.pkgs[p.Path()]; ok {
		return lp.alias
	}
	m.stdAlias[p.Path()] = true
	return stdAliasName(p.Path())
}
