package interp

import (
	"context"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/wire"
)

// User expressions: the user_expressions of an execute_request, evaluated
// in the session after the cell (see engine.Evaluator).

var _ engine.Evaluator = (*Engine)(nil)

// Evaluate asks the worker to evaluate exprs in the session. When the
// worker does not answer, or ctx is cancelled first, every expression gets
// an error.
func (e *Engine) Evaluate(ctx context.Context, exprs map[string]string) map[string]engine.ExprResult {
	out := make(map[string]engine.ExprResult, len(exprs))
	if len(exprs) == 0 {
		return out
	}
	type answer struct {
		res wire.EvaluateResult
		ok  bool
	}
	ch := make(chan answer, 1)
	go func() {
		res, ok := ask[wire.EvaluateResult](e, wire.Evaluate{Exprs: exprs})
		ch <- answer{res, ok}
	}()
	why := ""
	select {
	case a := <-ch:
		if a.ok && a.res.Values != nil {
			return a.res.Values
		}
		why = "the worker did not answer"
	case <-ctx.Done():
		why = "the request was interrupted"
	}
	for name := range exprs {
		out[name] = exprError("worker error", why)
	}
	return out
}

// exprError is an expression's error.
func exprError(name, msg string) engine.ExprResult {
	return engine.ExprResult{Err: &engine.Error{Name: name, Value: msg, Traceback: []string{engine.Red(name) + ": " + msg}}}
}
