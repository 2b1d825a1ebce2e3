package cell

import (
	"go/ast"
	"go/parser"
	"go/token"
)

// Snippet is a piece of Go source parsed on its own, outside any cell: a
// declaration the session keeps, a chunk about to be rewritten. The parser
// needs a package clause, and statements need a function around them:
// what was added before the source is Base bytes long, and Offset gives
// positions in the source itself.
type Snippet struct {
	Src   string
	File  *ast.File
	Fset  *token.FileSet
	Base  int  // bytes added before Src
	Stmts bool // Src was parsed as statements (else as declarations)
}

// Parse modes of snippets.
const (
	declPrefix = "package p;"
	stmtPrefix = "package p;func _(){"
	stmtSuffix = "\n}"
)

// ParseDecls parses src as top-level declarations.
func ParseDecls(src string) (*Snippet, error) {
	return parseSnippet(src, true)
}

// ParseStmts parses src as statements, the body of a function.
func ParseStmts(src string) (*Snippet, error) {
	return parseSnippet(src, false)
}

// ParseSnippet parses src as top-level declarations or, failing that, as
// statements.
func ParseSnippet(src string) (*Snippet, error) {
	if s, err := parseSnippet(src, true); err == nil {
		return s, nil
	}
	return parseSnippet(src, false)
}

func parseSnippet(src string, decl bool) (*Snippet, error) {
	prefix, suffix := declPrefix, ""
	if !decl {
		prefix, suffix = stmtPrefix, stmtSuffix
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", prefix+src+suffix, 0)
	if err != nil {
		return nil, err
	}
	return &Snippet{Src: src, File: f, Fset: fset, Base: len(prefix), Stmts: !decl}, nil
}

// Offset is the byte offset in Src of pos.
func (s *Snippet) Offset(pos token.Pos) int {
	return s.Fset.Position(pos).Offset - s.Base
}

// Text is the source of n; "" if n is not in Src (it is in what was
// added around it).
func (s *Snippet) Text(n ast.Node) string {
	from, to := s.Offset(n.Pos()), s.Offset(n.End())
	if from < 0 || to > len(s.Src) || from > to {
		return ""
	}
	return s.Src[from:to]
}

// FuncDecl is a function declaration parsed on its own.
type FuncDecl struct {
	*Snippet
	Func *ast.FuncDecl
}

// ParseFunc parses src as one function (or method) declaration; nil if it
// is not one.
func ParseFunc(src string) *FuncDecl {
	s, err := ParseDecls(src)
	if err != nil || len(s.File.Decls) != 1 {
		return nil
	}
	fd, ok := s.File.Decls[0].(*ast.FuncDecl)
	if !ok {
		return nil
	}
	return &FuncDecl{Snippet: s, Func: fd}
}
