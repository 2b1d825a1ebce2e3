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
	// A declaration may use one the ledger lists after it (declared
	// again later): those that fail are tried again while others succeed.
	pending := rp.Cells
	var last []ledger.Failure
	for len(pending) > 0 && ctx.Err() == nil {
		var again []ledger.ReplayCell
		last = nil
		progress := false
		for _, c := range pending {
			e := s.replayCell(ctx, c.Cell, c.Decls)
			if e == nil {
				progress = true
				continue
			}
			for _, d := range c.Decls {
				if len(c.Decls) > 1 {
					if e = s.replayCell(ctx, c.Cell, []ledger.Entry{d}); e == nil {
						progress = true
						continue
					}
				}
				again = append(again, ledger.ReplayCell{Cell: c.Cell, Decls: []ledger.Entry{d}})
				last = append(last, ledger.Failure{Cell: c.Cell, Line: d.Line, Names: d.Names, Err: replayError(e)})
			}
		}
		pending = again
		if !progress {
			break
		}
	}
	if ctx.Err() != nil {
		last = nil
		for _, c := range pending {
			for _, d := range c.Decls {
				last = append(last, ledger.Failure{Cell: c.Cell, Line: d.Line, Names: d.Names, Err: "not declared again: the replay was stopped"})
			}
		}
	}
	// Errors and panics in the declarations show their cells' lines.
	for _, c := range rp.Cells {
		s.code[c.Cell] = ledger.Code(c.Decls)
	}
	failed = append(failed, last...)
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
