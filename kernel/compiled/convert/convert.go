// Package convert turns a cell of a compiled session into the source of a
// Go package, one package per cell, that imports the packages of the
// earlier cells whose names it uses.
//
// The package of cell N has the import path MODULE/cells/cN and is
// compiled under the package name main (so that %T, %#v and panics name
// its types main.T, as `go run` does); the go command is told it is cN.
// A package named main cannot have exported package-level functions or
// variables (they would become plugin symbols), so a cell reaches what
// earlier cells declared through the methods of one exported type,
// Gocurrent, and through exported aliases:
//
//	type Gocurrent_T_point = point            // a type, under its own name
//	const Gocurrent_C_limit = limit           // a constant, still constant
//	func (Gocurrent) V_total() *int           // a variable, by its address
//	func (Gocurrent) F_work() func(int) int   // a function, as a value
//	func (Gocurrent) P_point_x(p *point) *int // an unexported field
//
// A later cell's uses of those names are rewritten to them. The names a
// cell's statements declare at its top level (x := f()) become package
// variables, so later cells see them too. Generic functions of earlier
// cells are copied into the cell that uses them. A method declared in a
// later cell than its type declares the type again (move.go); under the
// race detector, package variables live on the heap (race.go).
//
// To know what each identifier of a cell refers to, the cell is checked
// with go/types inside a file that declares the whole session again (the
// session's declarations as written, and its variables with their types).
//
// Calls procs.Map(w, fn, in) become calls of typed helpers before the
// check, and the cell's package registers their functions for the child
// processes (procsmap.go).
package convert

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// Kind is what a session name is.
type Kind int

// The kinds of session names.
const (
	Var Kind = iota
	Func
	Type
	Const
)

// Name is a name an earlier cell declared.
type Name struct {
	Kind Kind
	Cell int // the cell whose package declares it
	// Src declares the name again for the check of a later cell: the
	// declaration as written (with a type's methods), or "var x T" for a
	// variable.
	Src  string
	Line int // the cell line where Src starts (0 for a variable's)
	// Written is the cell where Src was written: Cell, or an earlier
	// cell when Cell declares the name again (see moveMethods).
	Written int
	// Generic is set for a generic function, which later cells copy.
	Generic bool
	// Stmt is set for a variable a statement of its cell declares (x := ...).
	Stmt bool
	// Imports are the imports Src needs, by name.
	Imports map[string]string

	typeParams, typeArgs string           // a generic type's "[K comparable, V any]" and "[K, V]"
	methods              map[string]place // where a type's methods were written, by T.M
}

// at is the cell file and line where the name's Src was written.
func (d *Name) at() (string, int) {
	p := d.place()
	return CellFile(p.file), p.line
}

// place is where the name's Src was written.
func (d *Name) place() place {
	if d.Written > 0 {
		return place{d.Written, max(d.Line, 1)}
	}
	return place{d.Cell, max(d.Line, 1)}
}

// Session is what the earlier cells of a session declared.
type Session struct {
	// Module is the session module's path; cell N's package is
	// Module/cells/cN.
	Module string
	// Imports are the packages earlier cells imported, by name.
	Imports map[string]string
	// Names are the latest declaration of every name.
	Names map[string]*Name
	// Std maps standard package names to paths, for automatic imports.
	Std map[string]string
	// Race keeps the cells' package variables on the heap, where the
	// race detector watches them (see raceVar).
	Race bool
}

// NewSession starts an empty session.
func NewSession(module string, std map[string]string) *Session {
	return &Session{Module: module, Imports: map[string]string{}, Names: map[string]*Name{}, Std: std}
}

// Unit is a cell converted to a package.
type Unit struct {
	Cell int
	Path string // the package's import path
	Src  string // the package's source, package clause "package cN"
	// Value is set when Run returns the cell's final expression.
	Value bool
	// Declared are the names the cell declares; Imports the imports it
	// adds to the session. The session takes both once the cell has run.
	Declared map[string]*Name
	Imports  map[string]string
	// Vars are the variables the cell's statements declare: values that
	// live only in the session process.
	Vars []string
	// Stmts are the cell's statements as written in Run, with the final
	// value's return an assignment to _: the body of a measuring loop.
	// Leaves says they return or defer, which a loop's body cannot.
	Stmts  string
	Leaves bool
}

// Apply adds what u declared to the session.
func (s *Session) Apply(u *Unit) {
	for n, p := range u.Imports {
		s.Imports[n] = p
	}
	for n, d := range u.Declared {
		s.Names[n] = d
	}
}

// Error is a cell that cannot be converted: a type error or a construct
// compiled sessions do not support, at a position of the cell (File names
// the cell: "cell[N]").
type Error struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg) }

// Errors are the first errors of a cell.
type Errors []*Error

func (es Errors) Error() string {
	var s []string
	for _, e := range es {
		s = append(s, e.Error())
	}
	return strings.Join(s, "\n")
}

// CellFile is the file name positions in cell n have.
func CellFile(n int) string { return "cell[" + strconv.Itoa(n) + "]" }

// HookType is the exported type through which later cells reach a cell's
// names.
const HookType = "Gocurrent"

// part is a piece of the check file: a chunk of the cell, or a session
// declaration.
type part struct {
	src   string
	base  int // offset of src in the check file
	chunk *cell.Chunk
	name  string // the session name a prelude part declares
	hoist bool   // a variable of the cell's statements, declared for its functions
	edits *cell.Edits
	nodes []ast.Node
}

// converter converts one cell.
type converter struct {
	s     *Session
	n     int
	c     *cell.Cell
	imp   types.Importer
	fset  *token.FileSet
	file  *ast.File
	info  *types.Info
	pkg   *types.Package
	parts []*part
	errs  Errors

	stmts       []*part               // the statement parts, in order
	imports     map[string]string     // every import the check has, by name
	added       map[string]string     // imports the cell adds to the session
	used        map[string]string     // imports the output needs, by name
	cells       map[int]bool          // earlier cells the output imports
	aliases     map[string]bool       // session types and constants the output names
	copies      map[string]bool       // generic functions copied into the output
	declared    map[string]*Name      // names the cell declares
	hoisted     []hoisted             // top-level variables of the statements
	hoistedObjs map[types.Object]bool // their objects in the check
	decls       map[types.Object]string
	final       ast.Expr
	assignFinal bool     // check the final expression as a value
	hoistDecls  []string // "var x T" of statement variables the cell's functions use
	needRef     bool
	needRT      bool // the output calls the session runtime
	// Declarations of earlier cells that the cell declares again (see
	// moveMethods): where they were written, and the variables among
	// them, with the cells whose values they take.
	origins map[*cell.Chunk]place
	carried map[string]int
	refs    map[int]bool // the gocurrent_refN functions the output needs
}

type hoisted struct {
	name string
	typ  types.Type
}

// Convert converts cell n (parsed as c) of session s; imp imports the
// standard library's packages for the check.
func Convert(s *Session, n int, c *cell.Cell, imp types.Importer) (*Unit, error) {
	cv := newConverter(s, n, c, imp)
	cv.c = cell.VarsAsStatements(cv.c) // var x = v after statements is set there
	if err := cv.moveMethods(); err != nil {
		return nil, err
	}
	if err := cv.typeProcsMap(); err != nil { // procsmap.go
		return nil, err
	}
	if err := cv.check(); err != nil {
		return nil, procsErrors(err)
	}
	cv.rewrite()
	calls := cv.procsCalls()
	if len(cv.errs) > 0 {
		return nil, cv.errs
	}
	u := cv.output()
	u.Src += cv.procsInit(calls)
	for _, v := range u.Vars {
		u.Declared[v].Stmt = true
	}
	return u, nil
}

func newConverter(s *Session, n int, c *cell.Cell, imp types.Importer) *converter {
	return &converter{s: s, n: n, c: c, imp: imp, fset: token.NewFileSet(),
		imports: map[string]string{}, added: map[string]string{}, used: map[string]string{},
		cells: map[int]bool{}, aliases: map[string]bool{}, copies: map[string]bool{},
		declared: map[string]*Name{}, decls: map[types.Object]string{}, refs: map[int]bool{}}
}

// TypeOf is the type of the expression expr in the session s, for
// completion and inspection.
func TypeOf(s *Session, expr string, imp types.Importer) (types.Type, error) {
	c, err := cell.Parse(expr)
	if err != nil {
		return nil, err
	}
	if len(c.Chunks) != 1 || c.Chunks[0].Kind != cell.Expr {
		return nil, fmt.Errorf("%q is not an expression", expr)
	}
	cv := newConverter(s, 0, c, imp)
	cv.assignFinal = true
	if err := cv.check(); err != nil {
		return nil, err
	}
	if cv.final == nil || cv.info.Types[cv.final].Type == nil {
		return nil, fmt.Errorf("%q has no type", expr)
	}
	return cv.info.Types[cv.final].Type, nil
}

// Members are the names of the fields and methods of a value of type t.
func Members(t types.Type) []string {
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if !seen[name] && name != "_" {
			seen[name] = true
			out = append(out, name)
		}
	}
	sets := []*types.MethodSet{types.NewMethodSet(t)}
	if _, isPtr := t.(*types.Pointer); !isPtr && !types.IsInterface(t) {
		sets = append(sets, types.NewMethodSet(types.NewPointer(t)))
	}
	for _, ms := range sets {
		for i := range ms.Len() {
			add(ms.At(i).Obj().Name())
		}
	}
	var fields func(t types.Type, depth int)
	fields = func(t types.Type, depth int) {
		if pt, ok := t.Underlying().(*types.Pointer); ok {
			t = pt.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok || depth > 4 {
			return
		}
		for i := range st.NumFields() {
			f := st.Field(i)
			add(f.Name())
			if f.Embedded() {
				fields(f.Type(), depth+1)
			}
		}
	}
	fields(t, 0)
	sort.Strings(out)
	return out
}

// check builds the check file and checks it.
func (cv *converter) check() error {
	redeclared := map[string]bool{}
	for i := range cv.c.Chunks {
		ch := &cv.c.Chunks[i]
		for _, n := range ch.Names {
			if !strings.Contains(n, ".") {
				redeclared[n] = true
			}
		}
		for _, im := range ch.Imports {
			name := im.ImportName()
			if name == "_" || name == "." {
				return &Error{File: CellFile(cv.n), Line: ch.Line, Col: ch.Col, Msg: fmt.Sprintf("import %s %q: compiled sessions import packages by name", name, im.Path)}
			}
			cv.imports[name] = im.Path
			cv.added[name] = im.Path
		}
	}
	for name, path := range cv.s.Imports {
		if _, ok := cv.imports[name]; !ok {
			cv.imports[name] = path
		}
	}
	for _, name := range cv.c.Free {
		if _, ok := cv.imports[name]; ok {
			continue
		}
		if _, ok := cv.s.Names[name]; ok || redeclared[name] {
			continue
		}
		if path, ok := cv.s.Std[name]; ok {
			cv.imports[name] = path
			cv.added[name] = path
		}
	}
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n")
	names := make([]string, 0, len(cv.imports))
	for name := range cv.imports {
		names = append(names, name)
	}
	for _, d := range cv.s.Names {
		for name, path := range d.Imports {
			if _, ok := cv.imports[name]; !ok {
				cv.imports[name] = path
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&b, "\t%s %q\n", name, cv.imports[name])
	}
	b.WriteString(")\n")
	add := func(p *part, file string, line, col int) {
		fmt.Fprintf(&b, "\n/*line %s:%d:%d*/", file, line, col)
		p.base = b.Len()
		b.WriteString(p.src)
		b.WriteString("\n")
		cv.parts = append(cv.parts, p)
	}
	snames := make([]string, 0, len(cv.s.Names))
	for name := range cv.s.Names {
		if !redeclared[name] {
			snames = append(snames, name)
		}
	}
	sort.Strings(snames)
	for _, name := range snames {
		d := cv.s.Names[name]
		file, line := d.at()
		add(&part{src: d.Src, name: name}, file, line, 1)
	}
	// Variables the cell's statements declare, which its functions use:
	// package variables in the cell's package, so declared here too.
	for _, v := range cv.hoistDecls {
		add(&part{src: v, hoist: true}, CellFile(cv.n), 1, 1)
	}
	for i := range cv.c.Chunks {
		ch := &cv.c.Chunks[i]
		if ch.Kind == cell.Decl {
			file, line, col := cv.where(ch)
			add(&part{src: ch.Src, chunk: ch}, file, line, col)
		}
	}
	b.WriteString("\nfunc gocurrent_cell() {\n")
	for i := range cv.c.Chunks {
		ch := &cv.c.Chunks[i]
		switch ch.Kind {
		case cell.Stmt:
			p := &part{src: ch.Src, chunk: ch}
			add(p, CellFile(cv.n), ch.Line, ch.Col)
			cv.stmts = append(cv.stmts, p)
		case cell.Expr:
			p := &part{src: ch.Src, chunk: ch}
			if cv.assignFinal || !isStmtExpr(ch.Node) {
				b.WriteString("_ = ")
			}
			add(p, CellFile(cv.n), ch.Line, ch.Col)
			cv.stmts = append(cv.stmts, p)
		}
	}
	b.WriteString("}\n")

	src := b.String()
	f, err := parser.ParseFile(cv.fset, "check.go", src, parser.SkipObjectResolution)
	if err != nil {
		return fmt.Errorf("parse the check of cell %d: %w", cv.n, err)
	}
	cv.file = f
	tf := cv.fset.File(f.Pos())
	for _, p := range cv.parts {
		p.edits = cell.NewEdits(p.src)
	}
	// Find each part's top-level nodes.
	find := func(n ast.Node) *part {
		off := tf.Offset(n.Pos())
		for _, p := range cv.parts {
			if off >= p.base && off < p.base+len(p.src)+1 {
				return p
			}
		}
		return nil
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "gocurrent_cell" {
			for _, st := range fd.Body.List {
				at := ast.Node(st)
				if as, ok := st.(*ast.AssignStmt); ok && isFinal(as) {
					at = as.Rhs[0] // a final expression, after "_ = "
				}
				if p := find(at); p != nil {
					p.nodes = append(p.nodes, st)
					if p.chunk.Kind == cell.Expr {
						switch st := st.(type) {
						case *ast.AssignStmt:
							cv.final = st.Rhs[0]
						case *ast.ExprStmt:
							cv.final = st.X
						}
					}
				}
			}
			continue
		}
		if p := find(d); p != nil {
			p.nodes = append(p.nodes, d)
		}
	}

	cv.info = &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
		Instances:  map[*ast.Ident]types.Instance{},
		Implicits:  map[ast.Node]types.Object{},
	}
	var errs Errors
	conf := types.Config{Importer: cv.imp, Error: func(err error) {
		te, ok := err.(types.Error)
		if !ok || te.Soft || len(errs) >= 10 {
			return
		}
		pos := cv.fset.Position(te.Pos)
		if pos.Filename != CellFile(cv.n) {
			return
		}
		errs = append(errs, &Error{File: pos.Filename, Line: pos.Line, Col: pos.Column, Msg: te.Msg})
	}}
	cv.pkg, _ = conf.Check("main", cv.fset, []*ast.File{f}, cv.info)
	if len(errs) > 0 && !cv.assignFinal && cv.final != nil {
		// A final conversion, such as celsius(20), looks like a call but
		// is a value: check it again as one.
		line := cv.fset.Position(cv.final.Pos()).Line
		for _, e := range errs {
			if e.Line == line && strings.HasSuffix(e.Msg, "is not used") {
				cv.assignFinal = true
				cv.parts, cv.stmts, cv.final = nil, nil, nil
				cv.fset = token.NewFileSet()
				return cv.check()
			}
		}
	}
	if len(errs) > 0 && cv.hoistDecls == nil {
		if decls := cv.usedDefines(errs); len(decls) > 0 {
			cv.hoistDecls = decls
			cv.parts, cv.stmts, cv.final = nil, nil, nil
			cv.fset = token.NewFileSet()
			return cv.check()
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// usedDefines declares again, as package variables, the variables of the
// cell's top-level x := ... that the errors say are undefined: the cell's
// functions use them, and they are package variables of the cell's
// package.
func (cv *converter) usedDefines(errs Errors) []string {
	undefined := map[string]bool{}
	for _, e := range errs {
		if name, ok := strings.CutPrefix(e.Msg, "undefined: "); ok {
			undefined[name] = true
		}
	}
	var decls []string
	cv.topDefines(func(_ *part, st ast.Stmt) {
		for _, obj := range cv.definedVars(st) {
			if undefined[obj.Name()] {
				decls = append(decls, "var "+obj.Name()+" "+cv.qualified(obj.Type(), map[string]string{}))
				delete(undefined, obj.Name())
			}
		}
	})
	return decls
}

// inCell reports whether p is a part of the cell (not of the session).
func (p *part) inCell() bool { return p.chunk != nil }

// partOf finds the part holding pos.
func (cv *converter) partOf(pos token.Pos) *part {
	off := cv.fset.File(cv.file.Pos()).Offset(pos)
	for _, p := range cv.parts {
		if off >= p.base && off <= p.base+len(p.src) {
			return p
		}
	}
	return nil
}

// off is pos as an offset in its part's source.
func (cv *converter) off(p *part, pos token.Pos) int {
	return cv.fset.File(cv.file.Pos()).Offset(pos) - p.base
}

// sessionName is the session name obj is, if it is one an earlier cell
// declared (a package-level object of a prelude part).
func (cv *converter) sessionName(obj types.Object) (string, *Name) {
	if obj == nil || obj.Pkg() != cv.pkg || obj.Parent() != cv.pkg.Scope() {
		return "", nil
	}
	p := cv.partOf(obj.Pos())
	if p == nil || p.inCell() || p.hoist {
		return "", nil
	}
	d := cv.s.Names[obj.Name()]
	if d == nil {
		return "", nil
	}
	return obj.Name(), d
}

func (cv *converter) fail(pos token.Pos, format string, args ...any) {
	p := cv.fset.Position(pos)
	cv.errs = append(cv.errs, &Error{File: p.Filename, Line: p.Line, Col: p.Column, Msg: fmt.Sprintf(format, args...)})
}

func cellPkg(n int) string { return "gocurrent_c" + strconv.Itoa(n) }

// hook is how the output reaches the hook of cell n.
func (cv *converter) hook(n int) string {
	cv.cells[n] = true
	// In parentheses: a composite literal in the header of an if, for or
	// switch statement needs them.
	return "(" + cellPkg(n) + "." + HookType + "{})"
}

// isFinal reports whether as is the "_ = " the check puts before a final
// expression that is not a statement of its own.
func isFinal(as *ast.AssignStmt) bool {
	if as.Tok != token.ASSIGN || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return false
	}
	id, ok := as.Lhs[0].(*ast.Ident)
	return ok && id.Name == "_"
}

// isStmtExpr reports whether the expression e can stand as a statement: a
// call or a receive.
func isStmtExpr(e ast.Node) bool {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return isStmtExpr(e.X)
	case *ast.CallExpr:
		return true
	case *ast.UnaryExpr:
		return e.Op == token.ARROW
	}
	return false
}
