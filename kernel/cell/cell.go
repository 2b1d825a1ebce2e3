// Package cell splits the source of a notebook cell into the parts the
// kernel treats differently: magics, imports, declarations, statements and
// a final expression whose value is displayed. It uses go/scanner and
// go/parser only; it knows nothing about how the parts are evaluated.
//
// A cell is Go without a package clause, with imports, declarations and
// statements in any order. Parse cuts it at top-level statement boundaries
// (the semicolons Go's scanner inserts at line ends) and classifies each
// piece by its syntax, keeping the line where it starts so errors can be
// reported in the cell's own line numbers.
package cell

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"slices"
	"sort"
	"strings"
)

// Kind says what a chunk of a cell is.
type Kind int

// The kinds of chunk.
const (
	Import Kind = iota // an import declaration
	Decl               // a func, method, type, var or const declaration
	Stmt               // a statement
	Expr               // the cell's final expression, whose value is shown
)

func (k Kind) String() string {
	switch k {
	case Import:
		return "import"
	case Decl:
		return "decl"
	case Stmt:
		return "stmt"
	case Expr:
		return "expr"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ImportSpec is one imported package.
type ImportSpec struct {
	Name string // explicit name, or "" for the package's own name
	Path string
}

// Chunk is one top-level piece of a cell.
type Chunk struct {
	Kind Kind
	Src  string // the chunk's source text
	Line int    // the cell line (1-based) where Src starts
	Col  int    // the column (1-based, in bytes) where Src starts on Line
	// Names are the identifiers the chunk declares at session level:
	// functions, types, variables and constants; methods appear as T.M.
	Names []string
	// Types are the names of the types the chunk declares.
	Types []string
	// Imports are the packages an Import chunk imports.
	Imports []ImportSpec
	// Free are the identifiers the chunk uses but does not declare (not
	// counting selectors and field names): names from earlier cells,
	// packages, builtins, or mistakes.
	Free []Ident
	// Node is the parsed chunk: an *ast.GenDecl or *ast.FuncDecl for
	// Import and Decl, an ast.Stmt for Stmt, an ast.Expr for Expr. Its
	// positions belong to the chunk's own file set and are not meaningful
	// outside this package.
	Node ast.Node

	fset   *token.FileSet // of Node
	prefix int            // bytes before the chunk on its first line in fset
}

// shift is how many columns the wrapper added before pos.
func (ch *Chunk) shift(pos token.Pos) int {
	if rawPosition(ch.fset, pos).Line == 1 {
		return ch.prefix
	}
	return 0
}

// Ident is an identifier at a cell position.
type Ident struct {
	Name      string
	Line, Col int
}

// Magic is a line of the form %name args, or a first line %%name args.
type Magic struct {
	Name string // without the % signs
	Args string
	Line int
}

// Cell is a parsed cell.
type Cell struct {
	Source string
	// CellMagic is set when the first non-blank line is %%name; Body is then
	// the rest of the cell, and Chunks are not filled in.
	CellMagic *Magic
	Body      string
	// BodyLine is the cell line where Body starts.
	BodyLine int
	// Magics are the line magics, in order; their lines are blanked in the
	// Go source so that line numbers stay the cell's own.
	Magics []Magic
	// Help is the name asked about by ?name, name? or ??name, when that is
	// the whole cell.
	Help string
	// Program is set when the cell is a complete program: a package main
	// clause and a func main.
	Program bool
	// Chunks are the pieces of Go source in order.
	Chunks []Chunk
	// Free are identifiers used as X in X.Sel that nothing in the cell
	// declares: the candidates for automatic imports.
	Free []string
}

// Error is a syntax error at a position in the cell.
type Error struct {
	Line, Col int
	Msg       string
	// AtEOF is set when the error is that the source ended too early, which
	// means the cell is incomplete rather than wrong.
	AtEOF bool
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Parse parses a cell. A syntax error is returned as *Error with the cell's
// own line and column.
func Parse(src string) (*Cell, error) {
	c := &Cell{Source: src}
	if h, ok := helpRequest(src); ok {
		c.Help = h
		return c, nil
	}
	lines := strings.Split(src, "\n")
	first := true
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if first && t == "" {
			continue
		}
		if first && strings.HasPrefix(t, "%%") {
			name, args, _ := strings.Cut(strings.TrimPrefix(t, "%%"), " ")
			c.CellMagic = &Magic{Name: name, Args: strings.TrimSpace(args), Line: i + 1}
			c.Body = strings.Join(lines[i+1:], "\n")
			c.BodyLine = i + 2
			return c, nil
		}
		first = false
		if strings.HasPrefix(l, "%") && !strings.HasPrefix(l, "%%") {
			name, args, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(l), "%"), " ")
			c.Magics = append(c.Magics, Magic{Name: name, Args: strings.TrimSpace(args), Line: i + 1})
			lines[i] = ""
		}
	}
	gosrc := strings.Join(lines, "\n")
	if isProgram(gosrc) {
		c.Program = true
		c.Body = gosrc
		c.BodyLine = 1
		return c, nil
	}
	chunks, err := split(gosrc)
	if err != nil {
		return nil, err
	}
	declared := map[string]bool{}
	free := map[string]bool{}
	for i := range chunks {
		ch := &chunks[i]
		if err := classify(ch, i == len(chunks)-1); err != nil {
			return nil, err
		}
		for _, n := range ch.Names {
			declared[n] = true
		}
		for _, im := range ch.Imports {
			declared[importName(im)] = true
		}
		ch.Free = freeIdents(ch)
		for _, f := range freeSelectors(ch.Node) {
			free[f] = true
		}
	}
	for f := range free {
		if !declared[f] {
			c.Free = append(c.Free, f)
		}
	}
	sort.Strings(c.Free)
	c.Chunks = chunks
	return c, nil
}

// PlainGo reports whether src is Go code alone, with no help request, no
// magic and no package clause of a whole program: Parse would find only
// chunks in it. It reads no more than the lines' first characters and the
// package clause, so that the kernel can hand such a cell to the engine
// without parsing it (the engine parses it). A false answer may be wrong
// the other way (an indented line starting with %), never this one.
func PlainGo(src string) bool {
	if _, ok := helpRequest(src); ok {
		return false
	}
	for _, l := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "%") {
			return false
		}
	}
	return !isProgram(src)
}

// importName is the name an import binds: its explicit name or the last
// element of its path.
func importName(im ImportSpec) string {
	if im.Name != "" {
		return im.Name
	}
	p := im.Path
	if i := strings.LastIndex(p, "/"); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// ImportName is the name an import binds in the cell.
func (im ImportSpec) ImportName() string { return importName(im) }

func helpRequest(src string) (string, bool) {
	t := strings.TrimSpace(src)
	if strings.Contains(t, "\n") || t == "" {
		return "", false
	}
	var name string
	switch {
	case strings.HasPrefix(t, "??"):
		name = t[2:]
	case strings.HasPrefix(t, "?"):
		name = t[1:]
	case strings.HasSuffix(t, "??"):
		name = t[:len(t)-2]
	case strings.HasSuffix(t, "?"):
		name = t[:len(t)-1]
	default:
		return "", false
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", false
	}
	for _, r := range name {
		if r != '.' && r != '_' && !isLetterOrDigit(r) {
			return "", false
		}
	}
	return name, true
}

func isLetterOrDigit(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127
}

func isProgram(src string) bool {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.PackageClauseOnly)
	if err != nil || f.Name.Name != "main" {
		return false
	}
	f, err = parser.ParseFile(fset, "", src, 0)
	if err != nil {
		// A program with an error still is a program: the compiler reports.
		return true
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
			return true
		}
	}
	return false
}

// split cuts src at top-level semicolons (explicit or inserted at line ends).
func split(src string) ([]Chunk, error) {
	fset := token.NewFileSet()
	file := fset.AddFile("cell.go", -1, len(src))
	var s scanner.Scanner
	var serr *Error
	s.Init(file, []byte(src), func(pos token.Position, msg string) {
		if serr == nil {
			// pos obeys line directives; its offset does not.
			p := rawPosition(fset, file.Pos(pos.Offset))
			serr = &Error{Line: p.Line, Col: p.Column, Msg: msg, AtEOF: pos.Offset >= len(src) || strings.Contains(msg, "not terminated")}
		}
	}, 0)
	var chunks []Chunk
	var starts []int // the chunks' offsets
	depth := 0
	start := -1 // offset of the first token of the current chunk
	end := 0
	var lastPos token.Pos
	// The semicolons in the header of a for, if or switch statement do not
	// end the statement: header is the depth of such a header until its {.
	header := -1
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		lastPos = pos
		off := file.Offset(pos)
		switch tok {
		case token.FOR, token.IF, token.SWITCH:
			if header < 0 {
				header = depth
			}
		case token.LBRACE:
			if header == depth {
				header = -1
			}
			depth++
		case token.LPAREN, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
			if depth < 0 {
				p := rawPosition(fset, pos)
				return nil, &Error{Line: p.Line, Col: p.Column, Msg: "unexpected " + tok.String() + " with nothing open before it"}
			}
		}
		if tok == token.SEMICOLON && depth <= 0 && (header < 0 || lit == "\n") {
			header = -1
			if start >= 0 {
				stop := off
				if lit == "\n" || off >= len(src) {
					stop = end
				}
				pos := rawPosition(fset, file.Pos(start))
				chunks = append(chunks, Chunk{Src: src[start:stop], Line: pos.Line, Col: pos.Column})
				starts = append(starts, start)
			}
			start = -1
			continue
		}
		if start < 0 {
			start = off
		}
		end = min(off+tokenLen(src, off, tok, lit), len(src))
	}
	if serr != nil {
		return nil, serr
	}
	if depth > 0 {
		p := rawPosition(fset, lastPos)
		return nil, &Error{Line: p.Line, Col: p.Column, Msg: "unclosed bracket at end of cell", AtEOF: true}
	}
	if start >= 0 {
		pos := rawPosition(fset, file.Pos(start))
		chunks = append(chunks, Chunk{Src: src[start:end], Line: pos.Line, Col: pos.Column})
		starts = append(starts, start)
	}
	for i := range chunks {
		prev := 0
		if i > 0 {
			prev = starts[i-1] + len(chunks[i-1].Src)
		}
		if at := directivesBefore(src, prev, starts[i]); at < starts[i] {
			chunks[i].Src = src[at : starts[i]+len(chunks[i].Src)]
			pos := rawPosition(fset, file.Pos(at))
			chunks[i].Line, chunks[i].Col = pos.Line, pos.Column
		}
	}
	return chunks, nil
}

// directivesBefore is where the comment lines right above offset start
// begin (prev is where the previous chunk ends), when they hold compiler
// directives such as //go:noinline: a chunk starts with them, so that a
// compiled build obeys them. Otherwise it is start.
func directivesBefore(src string, prev, start int) int {
	lineStart := strings.LastIndexByte(src[:start], '\n') + 1
	if lineStart < prev || strings.TrimSpace(src[lineStart:start]) != "" {
		return start
	}
	at, found := start, false
	for lineStart > prev {
		end := lineStart - 1 // the newline ending the line above
		begin := strings.LastIndexByte(src[:end], '\n') + 1
		if begin < prev {
			break
		}
		line := strings.TrimSpace(src[begin:end])
		if !strings.HasPrefix(line, "//") {
			break
		}
		if strings.HasPrefix(line, "//go:") {
			at, found = begin+strings.Index(src[begin:end], "//"), true
		}
		lineStart = begin
	}
	if !found {
		return start
	}
	return at
}

// rawPosition is the position of pos in fset, ignoring line directives
// (//line f:n and /*line f:n:c*/ comments): a cell's positions are its own
// lines and columns, whatever its comments say. Without this, a directive
// moved chunks to lines that are not in the cell, and a chunk's column
// could drop below 1 (a panic in the wrappers' strings.Repeat).
func rawPosition(fset *token.FileSet, pos token.Pos) token.Position {
	return fset.PositionFor(pos, false)
}

// tokenLen is the length in src of the token tok at offset off, whose
// literal is lit. The scanner drops the carriage returns from a raw string
// literal (a cell with Windows line endings has them), so that lit is
// shorter than the source: a raw string lasts up to its closing backquote.
func tokenLen(src string, off int, tok token.Token, lit string) int {
	if tok == token.STRING && strings.HasPrefix(lit, "`") {
		if i := strings.IndexByte(src[off+1:], '`'); i >= 0 {
			return i + 2
		}
	}
	if lit != "" {
		return len(lit)
	}
	return len(tok.String())
}

// classify fills in Kind, Node, Names, Types and Imports of ch.
func classify(ch *Chunk, last bool) error {
	first := firstToken(ch.Src)
	switch first {
	case token.IMPORT, token.TYPE, token.VAR, token.CONST, token.FUNC:
		f, err := parseDecl(ch)
		if err == nil {
			d := f.Decls[0]
			ch.Node = d
			if first == token.IMPORT {
				ch.Kind = Import
				for _, im := range f.Imports {
					spec := ImportSpec{Path: strings.Trim(im.Path.Value, "\"`")}
					if im.Name != nil {
						spec.Name = im.Name.Name
					}
					ch.Imports = append(ch.Imports, spec)
				}
				return nil
			}
			ch.Kind = Decl
			ch.Names, ch.Types = declNames(d)
			return nil
		}
		if first != token.FUNC {
			return err
		}
		// A func literal: fall through to statements.
	}
	stmt, err := parseStmt(ch)
	if err != nil {
		return err
	}
	ch.Node = stmt
	ch.Kind = Stmt
	if es, ok := stmt.(*ast.ExprStmt); ok && last {
		ch.Kind = Expr
		ch.Node = es.X
	}
	if as, ok := stmt.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
		for _, l := range as.Lhs {
			if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
				ch.Names = append(ch.Names, id.Name)
			}
		}
	}
	return nil
}

func firstToken(src string) token.Token {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), nil, 0)
	_, tok, _ := s.Scan()
	return tok
}

// parseDecl parses the chunk as a file-level declaration.
func parseDecl(ch *Chunk) (*ast.File, error) {
	// "package p;" shares the first line, so the chunk keeps its own line
	// numbers after Line-1 newlines; columns on its first line shift by
	// the prefix, which errorAt takes back.
	const prefix = "package p;"
	src := prefix + strings.Repeat("\n", ch.Line-1) + strings.Repeat(" ", ch.Col-1) + ch.Src
	ch.fset, ch.prefix = token.NewFileSet(), len(prefix)
	f, err := parser.ParseFile(ch.fset, "", src, parser.DeclarationErrors)
	if err != nil {
		return nil, errorAt(err, src, ch.Line, ch.Col, len(prefix), len(src), ch.Src)
	}
	if len(f.Decls) != 1 {
		return nil, &Error{Line: ch.Line, Col: 1, Msg: "expected one declaration"}
	}
	return f, nil
}

// parseStmt parses the chunk as one statement inside a function body.
func parseStmt(ch *Chunk) (ast.Stmt, error) {
	const prefix = "package p;func _(){"
	src := prefix + strings.Repeat("\n", ch.Line-1) + strings.Repeat(" ", ch.Col-1) + ch.Src + "\n}"
	ch.fset, ch.prefix = token.NewFileSet(), len(prefix)
	f, err := parser.ParseFile(ch.fset, "", src, 0)
	if err != nil {
		return nil, errorAt(err, src, ch.Line, ch.Col, len(prefix), len(src)-2, ch.Src)
	}
	body := f.Decls[0].(*ast.FuncDecl).Body.List
	if len(body) != 1 {
		return nil, &Error{Line: ch.Line, Col: 1, Msg: "expected one statement"}
	}
	return body[0], nil
}

// errorAt converts a parser error in the wrapped source to *Error.
// Positions on line 1 of the wrapped source are shifted by the prefix
// length when the chunk starts on the cell's first line.
func errorAt(err error, wrapped string, line, col0, prefixLen, eofOffset int, chunk string) error {
	endLine := line + strings.Count(chunk, "\n")
	endCol := len(chunk) - strings.LastIndex(chunk, "\n")
	if !strings.Contains(chunk, "\n") {
		endCol += col0 - 1
	}
	var list scanner.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return &Error{Line: line, Col: 1, Msg: err.Error()}
	}
	e := list[0]
	// The error's line and column obey line directives (//line f:n) in
	// the cell; its offset does not, and gives the cell's own position.
	before := wrapped[:min(max(e.Pos.Offset, 0), len(wrapped))]
	e.Pos.Line = 1 + strings.Count(before, "\n")
	e.Pos.Column = len(before) - strings.LastIndex(before, "\n")
	col := e.Pos.Column
	if e.Pos.Line == 1 {
		col -= prefixLen
		if col < 1 {
			col = 1
		}
	}
	atEOF := e.Pos.Offset >= eofOffset || strings.Contains(e.Msg, "EOF")
	if e.Pos.Offset >= eofOffset {
		// The error is at the wrapper's closing brace: the chunk ended
		// too early. Report it at the chunk's end.
		return &Error{Line: endLine, Col: endCol, Msg: strings.ReplaceAll(e.Msg, "'}'", "end of cell"), AtEOF: true}
	}
	return &Error{Line: e.Pos.Line, Col: col, Msg: e.Msg, AtEOF: atEOF}
}

func declNames(d ast.Decl) (names, types []string) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv != nil && len(d.Recv.List) > 0 {
			return []string{recvTypeName(d.Recv.List[0].Type) + "." + d.Name.Name}, nil
		}
		return []string{d.Name.Name}, nil
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				names = append(names, s.Name.Name)
				types = append(types, s.Name.Name)
			case *ast.ValueSpec:
				for _, n := range s.Names {
					if n.Name != "_" {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	return names, types
}

func recvTypeName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return "?"
		}
	}
}

// freeSelectors returns the identifiers X of selector expressions X.Sel in
// n that are not bound inside n (by go/parser's object resolution) and not
// shadowed by a local declaration.
func freeSelectors(n ast.Node) []string {
	if n == nil {
		return nil
	}
	var out []string
	ast.Inspect(n, func(n ast.Node) bool {
		se, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := se.X.(*ast.Ident); ok && id.Obj == nil {
			out = append(out, id.Name)
		}
		return true
	})
	return out
}

// freeIdents lists the identifiers in ch that go/parser could not resolve
// within the chunk, with their cell positions. Selectors, struct literal
// field names, labels and the names a declaration declares are not
// counted.
func freeIdents(ch *Chunk) []Ident {
	if ch.Node == nil || ch.Kind == Import {
		return nil
	}
	// Re-parse to get positions: the chunk's nodes carry offsets of a
	// wrapped source, whose first line is the only one shifted.
	skip := map[*ast.Ident]bool{}
	ast.Inspect(ch.Node, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			skip[n.Sel] = true
		case *ast.CompositeLit:
			for _, e := range n.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						skip[id] = true
					}
				}
			}
		case *ast.BranchStmt:
			if n.Label != nil {
				skip[n.Label] = true
			}
		case *ast.LabeledStmt:
			skip[n.Label] = true
		case *ast.FuncDecl:
			skip[n.Name] = true
			skipReceiverTypeParams(n, skip)
		case *ast.Field:
			// Field and method names in struct and interface types.
			for _, id := range n.Names {
				skip[id] = true
			}
		}
		return true
	})
	var out []Ident
	ast.Inspect(ch.Node, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || skip[id] || id.Obj != nil || id.Name == "_" {
			return true
		}
		p := rawPosition(ch.fset, id.Pos())
		out = append(out, Ident{Name: id.Name, Line: p.Line, Col: p.Column - ch.shift(id.Pos())})
		return true
	})
	return out
}

// skipReceiverTypeParams marks the uses of the type parameters a method
// of a generic type names in its receiver (func (s *Stack[T]) Push(v T)):
// the parser resolves no object for them.
func skipReceiverTypeParams(fd *ast.FuncDecl, skip map[*ast.Ident]bool) {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return
	}
	t := fd.Recv.List[0].Type
	if st, ok := t.(*ast.StarExpr); ok {
		t = st.X
	}
	var params []ast.Expr
	switch x := t.(type) {
	case *ast.IndexExpr:
		params = []ast.Expr{x.Index}
	case *ast.IndexListExpr:
		params = x.Indices
	}
	names := map[string]bool{}
	for _, p := range params {
		if id, ok := p.(*ast.Ident); ok && id.Name != "_" {
			names[id.Name] = true
		}
	}
	if len(names) == 0 {
		return
	}
	ast.Inspect(fd, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && names[id.Name] && id.Obj == nil {
			skip[id] = true
		}
		return true
	})
}

// VarsAsStatements returns c with the var declarations with values that
// follow its statements made statements themselves (of kind Stmt): Go
// sets them where they are written, as in a function body, after the
// statements before them, where a package variable's value would be set
// before any statement runs.
func VarsAsStatements(c *Cell) *Cell {
	var out *Cell
	stmts := false
	for i, ch := range c.Chunks {
		switch ch.Kind {
		case Stmt, Expr:
			stmts = true
		case Decl:
			gd, ok := ch.Node.(*ast.GenDecl)
			if !stmts || !ok || gd.Tok != token.VAR || slices.ContainsFunc(gd.Specs, func(s ast.Spec) bool { return len(s.(*ast.ValueSpec).Values) == 0 }) {
				continue
			}
			if out == nil {
				cp := *c
				cp.Chunks = slices.Clone(c.Chunks)
				out = &cp
			}
			out.Chunks[i].Kind = Stmt
		}
	}
	if out == nil {
		return c
	}
	return out
}
