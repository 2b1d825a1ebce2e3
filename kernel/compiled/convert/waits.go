package convert

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// Waiting. A goroutine the session gave up on (a cell interrupted or
// deadlocked while it waited) ends when it wakes: after each statement
// that can wait (a channel operation, a select, a range over a channel,
// time.Sleep, a Wait, Lock, RLock or Acquire method, running a command),
// the cell calls the session runtime's Check. Timers the cells start go
// through the runtime too, which tells the deadlock watchdog that a
// goroutine waiting for one is not stuck.

// runtimeName is the name the cell's package imports the session runtime
// under.
const runtimeName = "gocurrent_rt"

// timerFuncs are the functions that start timers, by package, and the
// runtime's function for each (and runtime.NumGoroutine, which the
// runtime counts without the host's goroutines).
var timerFuncs = map[string]map[string]string{
	"time":    {"After": "After", "NewTimer": "NewTimer", "AfterFunc": "AfterFunc", "Tick": "Tick", "NewTicker": "NewTicker"},
	"context": {"WithTimeout": "WithTimeout", "WithDeadline": "WithDeadline"},
	// Not a timer: the session's goroutines, without the host's.
	"runtime": {"NumGoroutine": "NumGoroutine"},
}

// waitMethods are methods that wait, whatever their receiver.
var waitMethods = []string{"Wait", "Lock", "RLock", "Acquire"}

// timer rewrites a use of a function that starts a timer; it reports
// whether it did.
func (cv *converter) timer(p *part, sel *ast.SelectorExpr) bool {
	fn, ok := cv.info.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false
	}
	if sig := fn.Type().(*types.Signature); sig.Recv() != nil {
		return cv.timerReset(p, sel, fn)
	}
	name, ok := timerFuncs[fn.Pkg().Path()][fn.Name()]
	if !ok {
		return false
	}
	if _, isPkg := cv.info.Uses[identOf(sel.X)].(*types.PkgName); !isPkg {
		return false
	}
	cv.needRT = true
	p.edits.Put(cv.off(p, sel.Pos()), cv.off(p, sel.End()), runtimeName+"."+name)
	return true
}

// timerReset rewrites t.Reset(d) of a *time.Timer.
func (cv *converter) timerReset(p *part, sel *ast.SelectorExpr, fn *types.Func) bool {
	if fn.Name() != "Reset" || fn.Pkg().Path() != "time" {
		return false
	}
	recv := fn.Type().(*types.Signature).Recv().Type()
	if pt, ok := recv.(*types.Pointer); !ok || types.TypeString(pt.Elem(), nil) != "time.Timer" {
		return false
	}
	call := cv.callOf(p, sel)
	if call == nil {
		return false
	}
	cv.needRT = true
	x := sel.X
	p.edits.Add(cv.off(p, sel.Pos()), cv.off(p, call.Lparen)+1, func() string {
		return runtimeName + ".ResetTimer(" + cv.render(p, x) + ", "
	})
	return true
}

// callOf is the call whose function sel is, if any.
func (cv *converter) callOf(p *part, sel *ast.SelectorExpr) *ast.CallExpr {
	var found *ast.CallExpr
	for _, root := range p.nodes {
		ast.Inspect(root, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok && c.Fun == sel {
				found = c
			}
			return found == nil
		})
	}
	return found
}

func identOf(e ast.Expr) *ast.Ident {
	id, _ := e.(*ast.Ident)
	return id
}

// checkWaits puts a Check after each statement of p that can wait.
func (cv *converter) checkWaits(p *part) {
	after := func(s ast.Stmt) {
		off := cv.off(p, s.End())
		p.edits.Put(off, off, "; "+runtimeName+".Check()")
		cv.needRT = true
	}
	atStart := func(pos token.Pos) {
		off := cv.off(p, pos)
		p.edits.Put(off, off, " "+runtimeName+".Check();")
		cv.needRT = true
	}
	// The last statement of a function body is left alone: it may be the
	// terminating statement the function needs (a select whose cases all
	// return), and the function ends after it anyway.
	bodies := map[*ast.BlockStmt]bool{}
	list := func(stmts []ast.Stmt, body bool) {
		for i, s := range stmts {
			if cv.waits(s) && !(body && i == len(stmts)-1) {
				after(s)
			}
		}
	}
	for _, root := range p.nodes {
		if s, ok := root.(ast.Stmt); ok && p.inCell() && p.chunk.Kind == cell.Stmt && cv.waits(s) {
			after(s) // a top-level statement of the cell (the final expression ends Run)
		}
		ast.Inspect(root, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Body != nil {
					bodies[n.Body] = true
				}
			case *ast.FuncLit:
				bodies[n.Body] = true
			case *ast.BlockStmt:
				list(n.List, bodies[n])
			case *ast.CaseClause:
				list(n.Body, false)
			case *ast.CommClause:
				atStart(n.Colon + 1)
				list(n.Body, false)
			case *ast.RangeStmt:
				if _, ok := cv.typeOf(n.X).(*types.Chan); ok {
					atStart(n.Body.Lbrace + 1)
				}
			}
			return true
		})
	}
}

func (cv *converter) typeOf(e ast.Expr) types.Type {
	t := cv.info.TypeOf(e)
	if t == nil {
		return nil
	}
	return t.Underlying()
}

// waits reports whether the statement s can wait, other than in the
// statements it holds.
func (cv *converter) waits(s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.SendStmt, *ast.SelectStmt:
		return true
	case *ast.RangeStmt:
		_, ok := cv.typeOf(s.X).(*types.Chan)
		return ok
	case *ast.ExprStmt:
		if c, ok := s.X.(*ast.CallExpr); ok {
			if id, ok := c.Fun.(*ast.Ident); ok {
				if _, builtin := cv.info.Uses[id].(*types.Builtin); builtin && id.Name == "panic" {
					return false // a terminating statement, which ends the goroutine's way anyway
				}
			}
		}
		return cv.waitExpr(s.X)
	case *ast.AssignStmt:
		return slices.ContainsFunc(s.Rhs, cv.waitExpr)
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok {
			return slices.ContainsFunc(gd.Specs, func(sp ast.Spec) bool {
				vs, ok := sp.(*ast.ValueSpec)
				return ok && slices.ContainsFunc(vs.Values, cv.waitExpr)
			})
		}
	}
	return false
}

// waitExpr reports whether evaluating e can wait: a receive, or a call
// that waits, at its top (not inside a function literal).
func (cv *converter) waitExpr(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				found = true
			}
		case *ast.CallExpr:
			if cv.waitCall(n) {
				found = true
			}
		}
		return !found
	})
	return found
}

func (cv *converter) waitCall(c *ast.CallExpr) bool {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	fn, ok := cv.info.Uses[sel.Sel].(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() == nil {
		return fn.Pkg().Path() == "time" && fn.Name() == "Sleep"
	}
	if slices.Contains(waitMethods, fn.Name()) {
		return true
	}
	return fn.Pkg().Path() == "os/exec" && slices.Contains([]string{"Run", "Output", "CombinedOutput"}, fn.Name())
}
