package session

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/jupyter"
)

// evalEngine is the fake engine with user expressions: "6*7" is 42, an
// expression starting with "bad" fails, anything else is its own text.
type evalEngine struct {
	*fakeEngine
	mu    sync.Mutex
	calls []map[string]string
}

func (e *evalEngine) Evaluate(ctx context.Context, exprs map[string]string) map[string]engine.ExprResult {
	e.mu.Lock()
	e.calls = append(e.calls, exprs)
	e.mu.Unlock()
	out := map[string]engine.ExprResult{}
	for name, x := range exprs {
		switch {
		case x == "6*7":
			out[name] = engine.ExprResult{Data: map[string]any{"text/plain": "42"}}
		case len(x) >= 3 && x[:3] == "bad":
			out[name] = engine.ExprResult{Err: &engine.Error{Name: "compile error", Value: "undefined: " + x, Traceback: []string{"compile error: undefined: " + x}}}
		default:
			out[name] = engine.ExprResult{Data: map[string]any{"text/plain": x}}
		}
	}
	return out
}

func (e *evalEngine) evaluations() []map[string]string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]map[string]string(nil), e.calls...)
}

func executeReply(t *testing.T, msgs []sent) map[string]any {
	t.Helper()
	for _, m := range msgs {
		if m.msgType == "execute_reply" {
			return m.content
		}
	}
	t.Fatalf("no execute_reply in %v", types(msgs))
	return nil
}

func TestUserExpressions(t *testing.T) {
	eng := &evalEngine{fakeEngine: &fakeEngine{}}
	send := serveEngine(t, eng)
	exprs := map[string]any{"x": "6*7", "y": "bad y", "n": 3}
	msgs := send(request(jupyter.Shell, "execute_request", map[string]any{"code": "print hi", "user_expressions": exprs}))
	want := []string{"pub:status", "pub:execute_input", "pub:stream", "reply:execute_reply", "pub:status"}
	if fmt.Sprint(types(msgs)) != fmt.Sprint(want) {
		t.Errorf("messages = %v, want %v (user expressions publish nothing)", types(msgs), want)
	}
	reply := executeReply(t, msgs)
	ue, _ := reply["user_expressions"].(map[string]any)
	if got := fmt.Sprint(ue["x"]); got != "map[data:map[text/plain:42] metadata:map[] status:ok]" {
		t.Errorf("x = %s", got)
	}
	y, _ := ue["y"].(map[string]any)
	if y["status"] != "error" || y["ename"] != "compile error" || y["evalue"] != "undefined: bad y" || fmt.Sprint(y["traceback"]) != "[compile error: undefined: bad y]" {
		t.Errorf("y = %v", y)
	}
	if n, _ := ue["n"].(map[string]any); n["status"] != "error" || n["ename"] != "bad request" {
		t.Errorf("n = %v", ue["n"])
	}
	if reply["status"] != "ok" || reply["execution_count"] != 1.0 {
		t.Errorf("reply = %v", reply)
	}

	// A failed cell evaluates none.
	reply = executeReply(t, send(request(jupyter.Shell, "execute_request", map[string]any{"code": "fail", "user_expressions": map[string]any{"x": "6*7"}})))
	if fmt.Sprint(reply["user_expressions"]) != "map[]" || reply["status"] != "error" {
		t.Errorf("failed cell: reply = %v", reply)
	}
	if n := len(eng.evaluations()); n != 1 {
		t.Errorf("%d evaluations, want 1", n)
	}

	// A silent request evaluates them too, and publishes nothing.
	msgs = send(request(jupyter.Shell, "execute_request", map[string]any{"code": "print quiet", "silent": true, "user_expressions": map[string]any{"x": "6*7"}}))
	if fmt.Sprint(types(msgs)) != "[pub:status reply:execute_reply pub:status]" {
		t.Errorf("silent request sent %v", types(msgs))
	}
	reply = executeReply(t, msgs)
	if x, _ := reply["user_expressions"].(map[string]any)["x"].(map[string]any); x["status"] != "ok" {
		t.Errorf("silent request: user_expressions = %v", reply["user_expressions"])
	}

	// None asked: an empty map, and no evaluation.
	reply = executeReply(t, send(request(jupyter.Shell, "execute_request", map[string]any{"code": "1"})))
	if fmt.Sprint(reply["user_expressions"]) != "map[]" || reply["execution_count"] != 3.0 {
		t.Errorf("no user expressions: reply = %v", reply)
	}
	if n := len(eng.evaluations()); n != 2 {
		t.Errorf("%d evaluations, want 2", n)
	}
}

// TestUserExpressionsWithoutEvaluator: an engine that cannot evaluate
// gives each expression an error entry.
func TestUserExpressionsWithoutEvaluator(t *testing.T) {
	send := serveEngine(t, &fakeEngine{})
	reply := executeReply(t, send(request(jupyter.Shell, "execute_request", map[string]any{"code": "1", "user_expressions": map[string]any{"x": "6*7"}})))
	x, _ := reply["user_expressions"].(map[string]any)["x"].(map[string]any)
	if reply["status"] != "ok" || x["status"] != "error" || x["ename"] != "not supported" {
		t.Errorf("reply = %v", reply)
	}
}
