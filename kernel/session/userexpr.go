package session

import (
	"context"
	"fmt"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

// userExpressions evaluates the user_expressions of an execute_request
// whose cell succeeded, as ipykernel does, and returns the execute_reply's
// user_expressions: by the request's names, {"status": "ok", "data":
// bundle, "metadata": {}} or {"status": "error", "ename", "evalue",
// "traceback"}. The engine evaluates them without output and without
// counting them as a cell (engine.Evaluator); an engine that cannot, or
// an expression that is not a string, gets an error entry.
func (k *Kernel) userExpressions(ctx context.Context, exprs map[string]any) map[string]any {
	out := make(map[string]any, len(exprs))
	if len(exprs) == 0 {
		return out
	}
	ev, ok := k.eng.(engine.Evaluator)
	texts := map[string]string{}
	for name, x := range exprs {
		switch text, isText := x.(string); {
		case !isText:
			out[name] = exprErrorEntry(&engine.Error{Name: "bad request", Value: fmt.Sprintf("user expression %q is not a string", name)})
		case !ok:
			out[name] = exprErrorEntry(&engine.Error{Name: "not supported", Value: "this engine does not evaluate user expressions"})
		default:
			texts[name] = text
		}
	}
	if len(texts) == 0 {
		return out
	}
	results := ev.Evaluate(ctx, texts)
	for name := range texts {
		r, found := results[name]
		switch {
		case !found:
			out[name] = exprErrorEntry(&engine.Error{Name: "engine error", Value: "the engine gave no result for this expression"})
		case r.Err != nil:
			out[name] = exprErrorEntry(r.Err)
		default:
			data := r.Data
			if data == nil {
				data = map[string]any{}
			}
			out[name] = map[string]any{"status": "ok", "data": data, "metadata": map[string]any{}}
		}
	}
	return out
}

// exprErrorEntry is the user_expressions entry of an expression that
// failed.
func exprErrorEntry(e *engine.Error) map[string]any {
	tb := e.Traceback
	if len(tb) == 0 {
		tb = []string{e.Name + ": " + e.Value}
	}
	return map[string]any{"status": "error", "ename": e.Name, "evalue": e.Value, "traceback": tb}
}
