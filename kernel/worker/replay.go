package worker

import (
	"context"
	"go/ast"
	"slices"
	"sort"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/ledger"
)

// The worker's side of the session's ledger (package ledger): it tells the
// kernel each declaration a cell made as soon as the session has it (a
// "declared" event), so that the kernel's ledger outlives a worker that
// dies later in the same cell; and it declares again what a fresh worker
// is given to replay.

// declaredKind is the kind of declaration a chunk makes.
func declaredKind(ch cell.Chunk) string {
	switch n := ch.Node.(type) {
	case *ast.FuncDecl:
		return "func"
	case *ast.GenDecl:
		return n.Tok.String()
	}
	return "var"
}

// tell sends the kernel what chunks, just remembered, declared, with the
// imports made since the last time.
func (s *session) tell(chunks []cell.Chunk) {
	if s.declared == nil {
		return
	}
	d := ledger.Delta{Cell: s.count, Imports: s.newImports}
	s.newImports = nil
	for _, ch := range chunks {
		if len(ch.Names) == 0 {
			continue
		}
		if ch.Kind != cell.Decl {
			d.Vars = append(d.Vars, ch.Names...)
			continue
		}
		d.Decls = append(d.Decls, ledger.Entry{Names: slices.Clone(ch.Names), Kind: declaredKind(ch), Src: ch.Src, Cell: s.count, Line: ch.Line, Col: ch.Col})
	}
	if len(d.Imports) > 0 || len(d.Decls) > 0 || len(d.Vars) > 0 {
		s.declared(d)
	}
}

// imported records an import for the next tell.
func (s *session) imported(name, path string) {
	if s.declared == nil {
		return
	}
	if s.newImports == nil {
		s.newImports = map[string]string{}
	}
	s.newImports[name] = path
}

// replay declares again, in a fresh session, the imports and declarations
// of rp, each cell's at its lines; it returns those that failed. A cell
// whose declarations fail together is tried again one declaration at a
// time, so that each that can be declared is.
func (s *session) replay(ctx context.Context, rp ledger.Replay) []ledger.Failure {
	var failed []ledger.Failure
	names := make([]string, 0, len(rp.Imports))
	for name := range rp.Imports {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		im := cell.ImportSpec{Name: name, Path: rp.Imports[name]}
		if e := s.importPackage("", im); e != nil {
			failed = append(failed, ledger.Failure{Names: []string{name}, Err: e.Value})
		}
	}
	s.tell(nil)
	for _, c := range rp.Cells {
		if ctx.Err() != nil {
			for _, d := range c.Decls {
				failed = append(failed, ledger.Failure{Cell: c.Cell, Line: d.Line, Names: d.Names, Err: "not declared again: the replay was stopped"})
			}
			continue
		}
		if s.replayCell(ctx, c.Cell, c.Decls) == nil {
			continue
		}
		for _, d := range c.Decls {
			if e := s.replayCell(ctx, c.Cell, []ledger.Entry{d}); e != nil {
				failed = append(failed, ledger.Failure{Cell: c.Cell, Line: d.Line, Names: d.Names, Err: replayError(e)})
			}
		}
	}
	return failed
}

// replayCell runs decls as cell count.
func (s *session) replayCell(ctx context.Context, count int, decls []ledger.Entry) *engine.Error {
	code := ledger.Code(decls)
	s.count = count
	s.cur.Store(int64(count))
	s.code[count] = code
	return s.runCell(ctx, code).Err
}

// replayError is the reason a declaration failed, in one line, without
// its position (the failure has the cell and line).
func replayError(e *engine.Error) string {
	v, _, _ := strings.Cut(e.Value, "\n")
	if rest, ok := strings.CutPrefix(v, "cell line "); ok {
		if _, msg, ok := strings.Cut(rest, ": "); ok {
			v = msg
		}
	}
	return v
}
