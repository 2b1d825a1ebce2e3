package rewrite

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// The type check of a cell: the cell's declarations at package level and
// its statements in a function, with the session's declarations that it
// uses and its variables (with the types the checks of their cells gave
// them) around it.

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

// item is a piece of source the check sees and the rewriting changes: a
// chunk of the cell, a session declaration, or an instance.
type item struct {
	src   string
	file  *token.File
	base  int // offset of src in file
	decl  bool
	chunk *cell.Chunk
	inst  *Instance
	nodes []ast.Node // its top-level nodes in the check's syntax tree
	line0 int        // the cell line of its first line
}

// check is one type check of a cell with the session around it.
type check struct {
	w     *Rewriter
	s     *Session
	info  *types.Info
	items []*item
	files []*ast.File
	srcs  map[*token.File]string // the text of each file
	errs  []error                // the first errors the check found
	pos   []Pos                  // where each of errs is in the cell (zero: elsewhere)
	pkg   *types.Package         // the session's package, as checked
}

// cellPos is where in the cell a type error is: zero when it is not in
// one of the cell's own chunks.
func (chk *check) cellPos(err error) Pos {
	var te types.Error
	if !errors.As(err, &te) || te.Fset == nil {
		return Pos{}
	}
	tf := te.Fset.File(te.Pos)
	for _, it := range chk.items {
		if it.chunk == nil || it.inst != nil || it.file == nil || it.file != tf {
			continue
		}
		o := tf.Offset(te.Pos)
		if o < it.base || o >= it.base+len(it.src) {
			continue
		}
		p, first := tf.Position(te.Pos), tf.Position(tf.Pos(it.base))
		line, col := it.line0+p.Line-first.Line, p.Column
		if p.Line == first.Line {
			col = p.Column - first.Column + it.chunk.Col
		}
		return Pos{line, col}
	}
	return Pos{}
}

// cellImports are the imports the check of cell c needs: the session's,
// the cell's own and the automatic ones, by name.
func (w *Rewriter) cellImports(s *Session, c *cell.Cell) map[string]string {
	imports := map[string]string{}
	for name, path := range s.Imports {
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
		if _, ok := s.Names[name]; ok {
			continue
		}
		if path, ok := s.StdPkgs[name]; ok {
			imports[name] = path
		}
	}
	return imports
}

// newCheck type-checks items (the cell's chunks, or instances) with the
// session's declarations and variables. It returns nil when the check
// could not be set up at all.
func (w *Rewriter) newCheck(s *Session, imports map[string]string, items []*item, c *cell.Cell) *check {
	if w.lib.err != nil {
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
	used := w.usedNames(s, c, items)
	// The session's variables, with the types their cells gave them.
	var vars strings.Builder
	for _, name := range sortedKeys(w.cellVars) {
		if t, ok := w.typeString(w.cellVars[name], false); ok {
			fmt.Fprintf(&vars, "var %s %s\n", name, t)
		}
	}
	for _, name := range sortedKeys(w.varTypes) {
		if cellNames[name] || s.Names[name] != "var" || s.Decls[name] != "" || !used[name] {
			continue
		}
		t, ok := w.typeString(w.varTypes[name], false)
		if !ok {
			continue
		}
		fmt.Fprintf(&vars, "var %s %s\n", name, t)
	}
	for p := range w.stdAlias {
		if p != NativePath {
			paths = append(paths, p)
		}
	}
	w.imp.Prepare(paths)

	chk := &check{w: w, s: s, info: newInfo(), srcs: map[*token.File]string{}}
	parse := func(name, src string) *ast.File {
		f, err := parser.ParseFile(w.fset, name, src, parser.SkipObjectResolution)
		var tf *token.File
		if f != nil {
			tf = w.fset.File(f.Package)
		}
		if tf != nil {
			w.parsed = append(w.parsed, tf)
		}
		if err != nil || tf == nil {
			return nil
		}
		chk.files = append(chk.files, f)
		chk.srcs[tf] = src
		return f
	}
	// The session's declarations the cell uses, in one file or, if that
	// does not parse, one file each.
	var decls []string
	seen := map[string]bool{}
	for _, name := range s.Order {
		src, ok := s.Decls[name]
		if !ok || seen[src] || cellNames[name] || !used[name] {
			continue
		}
		hidden := false
		for _, n := range w.declNames(src) {
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
	if all := strings.Join(decls, "\n"); parse("session.go", w.header(imports, all)+all) == nil {
		for i, d := range decls {
			parse(fmt.Sprintf("session%d.go", i), w.header(imports, d)+d)
		}
	}
	varsSrc := vars.String()
	parse("vars.go", w.header(imports, varsSrc)+varsSrc)

	// The cell: declarations at package level, statements in a function.
	var b strings.Builder
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
	header := w.header(imports, b.String())
	for it := range offs {
		offs[it] += len(header)
	}
	f := parse("cell.go", header+b.String())
	if f == nil {
		return nil
	}
	tf := w.fset.File(f.Pos())
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
	conf := types.Config{Importer: &libImporter{std: w.imp, lib: w.lib}, Error: func(err error) {
		if msg := err.Error(); len(chk.errs) < 20 && !strings.Contains(msg, "imported and not used") &&
			!strings.Contains(msg, "imported as") && !strings.Contains(msg, "declared and not used") {
			chk.errs = append(chk.errs, err)
			chk.pos = append(chk.pos, chk.cellPos(err))
		}
	}}
	func() {
		defer func() { _ = recover() }()
		chk.pkg, _ = conf.Check("main", w.fset, chk.files, chk.info)
	}()
	w.indexFuncs(s, chk)
	return chk
}

// header is the package clause and the imports of a file of a check
// whose declarations are body: those of imports, of the library's
// packages and of the standard packages under their aliases whose names
// body mentions. An import the file does not use would only be an error
// to report and drop, and each costs parsing.
func (w *Rewriter) header(imports map[string]string, body string) string {
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n")
	for _, name := range sortedKeys(imports) {
		if mentions(body, name) {
			fmt.Fprintf(&b, "\t%s %q\n", name, imports[name])
		}
	}
	for _, p := range sortedKeys(w.lib.pkgs) {
		if alias := w.lib.pkgs[p].alias; mentions(body, alias) {
			fmt.Fprintf(&b, "\t%s %q\n", alias, p)
		}
	}
	if mentions(body, NativeAlias) {
		fmt.Fprintf(&b, "\t%s %q\n", NativeAlias, NativePath)
	}
	for _, p := range sortedKeys(w.stdAlias) {
		if alias := StdAliasName(p); p != NativePath && mentions(body, alias) {
			fmt.Fprintf(&b, "\t%s %q\n", alias, p)
		}
	}
	b.WriteString(")\n\n")
	return b.String()
}

// mentions reports whether src has name as a whole word: an identifier
// of that name, or text that may hold one (a comment, a string), so that
// an import src could use is never left out.
func mentions(src, name string) bool {
	for i := 0; ; {
		j := strings.Index(src[i:], name)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(name)
		if (j == 0 || !isIdentByte(src[j-1])) && (end == len(src) || !isIdentByte(src[end])) {
			return true
		}
		i = j + 1
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// declNames returns the names a declaration declares.
func (w *Rewriter) declNames(src string) []string {
	if names, ok := w.names[src]; ok {
		return names
	}
	var out []string
	if c, err := cell.Parse(src); err == nil {
		for _, ch := range c.Chunks {
			out = append(out, ch.Names...)
		}
	}
	w.names[src] = out
	return out
}

// usedNames returns the session names the check of items needs: those the
// cell and the items use, those these use in turn, the methods of the
// types among them, and the types of the variables among them. The check
// leaves out the rest of the session, so that its cost follows the cell,
// not the session's length.
func (w *Rewriter) usedNames(s *Session, c *cell.Cell, items []*item) map[string]bool {
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
	for _, name := range s.Order {
		if t, m, ok := strings.Cut(name, "."); ok {
			methods[t] = append(methods[t], name)
			if m == "String" || m == "Error" {
				// A value of an empty interface type may hold one
				// (anyprint.go).
				add(t)
			}
		}
	}
	for len(todo) > 0 {
		n := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		for _, u := range s.Uses[n] {
			add(u)
		}
		for _, meth := range methods[n] {
			add(meth)
		}
		if t, ok := w.varTypes[n]; ok && s.Names[n] == "var" {
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
		default:
			eachPart(t, walk)
		}
	}
	walk(t)
	return out
}

// indexFuncs finds the generic functions the check's files declare.
func (w *Rewriter) indexFuncs(s *Session, chk *check) {
	w.funcs = map[*types.Func]*funcSite{}
	for _, f := range chk.files {
		tf := w.fset.File(f.Pos())
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
			if c, ok := s.DeclCell[name]; ok && s.Decls[name] != "" {
				site.cell, site.line = c, s.DeclLine[name]
			}
			for _, it := range chk.items {
				o := tf.Offset(fd.Pos())
				if it.chunk != nil && it.file == tf && o >= it.base && o < it.base+len(it.src) {
					site.cell = s.Cell
					site.line = it.chunk.Line + strings.Count(it.src[:o-it.base], "\n")
				}
			}
			w.funcs[obj] = site
		}
	}
}

// recordVars keeps the types of the variables the cell's statements
// declare, for the checks of later cells, and returns them.
func (w *Rewriter) recordVars(chk *check) map[string]types.Type {
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
						w.varTypes[id.Name] = t
						defined[id.Name] = t
					}
				}
			}
		}
	}
	return defined
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
