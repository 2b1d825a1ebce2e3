package worker

import (
	"context"
	"fmt"
	"go/parser"
	"time"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
)

// User expressions: the user_expressions of an execute_request, evaluated
// in the session after the cell (see engine.Evaluator).

// evaluateTimeout bounds the evaluation of all the user expressions of one
// request. An evaluation still running then is stopped as an interrupt
// stops a cell, goroutines that cells left running included.
const evaluateTimeout = 10 * time.Second

// evaluate evaluates each of exprs, in the order of their names, as the
// final expression of a cell is: a value is shown by the same MIME bundle
// (a session type's String method included). What the session records of
// cells (the execution count, their sources, the names they declared)
// does not change; a package an expression names is imported, as a cell
// would import it.
func (s *session) evaluate(exprs map[string]string) map[string]engine.ExprResult {
	ctx, cancel := context.WithTimeout(context.Background(), evaluateTimeout)
	defer cancel()
	out := make(map[string]engine.ExprResult, len(exprs))
	for _, name := range sortedKeys(exprs) {
		out[name] = s.evaluateOne(ctx, exprs[name])
	}
	s.tell(nil) // packages the expressions imported (replay.go)
	return out
}

func (s *session) evaluateOne(ctx context.Context, expr string) engine.ExprResult {
	if ctx.Err() != nil {
		return exprError("timeout", fmt.Sprintf("the user expressions did not finish within %v", evaluateTimeout))
	}
	if _, err := parser.ParseExpr(expr); err != nil {
		return exprError("syntax error", err.Error())
	}
	c, err := cell.Parse(expr)
	if err != nil {
		return engine.ExprResult{Err: syntaxError(expr, err)}
	}
	if c.Program || c.CellMagic != nil || len(c.Magics) > 0 || c.Help != "" || len(c.Chunks) != 1 || c.Chunks[0].Kind != cell.Expr {
		return exprError("syntax error", "not an expression")
	}
	if e := s.checkUndefined(expr, c); e != nil {
		return engine.ExprResult{Err: e}
	}
	for _, im := range s.autoImports(c) {
		if e := s.importPackage(expr, im); e != nil {
			return engine.ExprResult{Err: e}
		}
	}
	// The rewriting's record of the cell's chunks is the expression's
	// while it is evaluated.
	if m := s.mod; m != nil {
		save := m.plan
		defer func() { m.plan = save }()
	}
	if e := s.modernizeCell(expr, c); e != nil { // modern.go
		return engine.ExprResult{Err: e}
	}
	fin := c.Chunks[0]
	if e := s.evalInstances(ctx, expr, []cell.Chunk{fin}); e != nil {
		return engine.ExprResult{Err: e}
	}
	src, twins := s.supervise(s.modernSrc(fin), false, s.count, fin.Line, nil)
	fin.Src = src
	s.ensureTwins(twins)
	data, e := s.evalFinal(ctx, expr, &fin)
	if e != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return exprError("timeout", fmt.Sprintf("the user expressions did not finish within %v", evaluateTimeout))
		}
		return engine.ExprResult{Err: e}
	}
	if data == nil {
		data = map[string]any{}
	}
	return engine.ExprResult{Data: data}
}

func exprError(name, msg string) engine.ExprResult {
	return engine.ExprResult{Err: &engine.Error{Name: name, Value: msg, Traceback: []string{red(name) + ": " + msg}}}
}
