package session

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/jupyter"
	"github.com/gocurrent/gocurrent/kernel/magic"
)

type executeRequest struct {
	Code         string         `json:"code"`
	Silent       bool           `json:"silent"`
	StoreHistory *bool          `json:"store_history"`
	UserExprs    map[string]any `json:"user_expressions"`
	AllowStdin   *bool          `json:"allow_stdin"`
	StopOnError  *bool          `json:"stop_on_error"`
}

// output publishes a cell's output on iopub with the execute request as
// parent.
type output struct {
	k      *Kernel
	parent *jupyter.Message
	stdin  bool
	silent bool
	done   chan struct{} // closed when the cell has ended

	mu      sync.Mutex
	midLine bool // the last stdout text did not end a line
	// With hold set (the cell shows a timing line), stdout text waits up
	// to holdFor in held before it is published, so that the cell's last
	// text and its timing line go out as one message: most cells print
	// and end within that time. Any other output publishes it first.
	hold  bool
	held  string
	timer *time.Timer

	metadata map[string]any // execute_reply metadata set by magics (%status)
}

// holdFor is how long stdout text may wait to be published with the
// timing line; the text of a running cell comes from the engines in
// pieces at most every 50 ms anyway.
const holdFor = 20 * time.Millisecond

// stopHold stops the timer of the held text; o.mu is held.
func (o *output) stopHold() {
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
}

// publishHeld publishes the held stdout text; o.mu is held.
func (o *output) publishHeld() {
	o.stopHold()
	if o.held != "" {
		_ = o.k.conn.Publish(o.parent, "stream", map[string]any{"name": "stdout", "text": o.held}, nil)
		o.held = ""
	}
}

// flushHeld publishes the held stdout text, before other output.
func (o *output) flushHeld() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.publishHeld()
}

// takeHeld returns the held stdout text, now no longer held, if it ends a
// line; otherwise it publishes it and returns "".
func (o *output) takeHeld() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !strings.HasSuffix(o.held, "\n") {
		o.publishHeld()
		return ""
	}
	text := o.held
	o.held = ""
	o.stopHold()
	return text
}

// AtLineStart reports whether the last stdout text ended a line.
func (o *output) AtLineStart() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.midLine
}

func (o *output) Stream(name, text string, from int) {
	if o.silent {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if name == "stdout" && text != "" {
		o.midLine = !strings.HasSuffix(text, "\n")
		if o.hold {
			o.held += text
			if o.timer == nil {
				o.timer = time.AfterFunc(holdFor, o.flushHeld)
			}
			return
		}
	}
	o.publishHeld()
	_ = o.k.conn.Publish(o.parent, "stream", map[string]any{"name": name, "text": text}, nil)
}

func (o *output) Display(data, metadata map[string]any, id string, update bool) {
	if o.silent {
		return
	}
	o.flushHeld()
	if metadata == nil {
		metadata = map[string]any{}
	}
	content := map[string]any{"data": data, "metadata": metadata, "transient": map[string]any{}}
	if id != "" {
		content["transient"] = map[string]any{"display_id": id}
	}
	t := "display_data"
	if update {
		t = "update_display_data"
	}
	_ = o.k.conn.Publish(o.parent, t, content, nil)
}

func (o *output) Clear(wait bool) {
	if o.silent {
		return
	}
	o.flushHeld()
	_ = o.k.conn.Publish(o.parent, "clear_output", map[string]any{"wait": wait}, nil)
}

// Input asks the frontend for a line with an input_request on stdin.
func (o *output) Input(prompt string, password bool) (string, error) {
	if !o.stdin {
		return "", engine.ErrNoInput
	}
	o.flushHeld() // the prompt comes after what was printed
	// Forget a reply left over from an earlier request.
	select {
	case <-o.k.inputs:
	default:
	}
	if _, err := o.k.conn.SendStdin(o.parent, "input_request", map[string]any{"prompt": prompt, "password": password}); err != nil {
		return "", fmt.Errorf("send input_request: %w", err)
	}
	var m *jupyter.Message
	select {
	case m = <-o.k.inputs:
	case <-o.done:
		return "", fmt.Errorf("the cell ended while waiting for input")
	}
	var rep struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(m.Content, &rep); err != nil {
		return "", fmt.Errorf("input_reply: %w", err)
	}
	return rep.Value, nil
}

// execute runs an execute_request. When the cell failed with
// stop_on_error, it returns how many requests were queued before its reply
// was sent: those are aborted, and requests sent after the reply are not.
//
// after, when not nil, is to be called once the request's status idle is
// written: it writes the cell to the history (a file write, a tenth of a
// trivial cell's time in the kernel), which the client does not wait for.
func (k *Kernel) execute(ctx context.Context, r shellRequest) (abort int, after func()) {
	m := r.m
	var req executeRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		k.reply(m, "execute_reply", map[string]any{"status": "error", "ename": "bad request", "evalue": err.Error(), "traceback": []string{}, "execution_count": k.ExecutionCount()}, nil)
		return 0, after
	}
	store := req.StoreHistory == nil || *req.StoreHistory
	if req.Silent {
		store = false
	}
	k.mu.Lock()
	if store {
		k.count++
	}
	count := k.count
	if !req.Silent {
		k.parents[count] = m
		delete(k.parents, count-100)
	}
	showTiming := k.timing
	k.mu.Unlock()
	if !req.Silent {
		_ = k.conn.Publish(m, "execute_input", map[string]any{"code": req.Code, "execution_count": count}, nil)
	}
	out := &output{k: k, parent: m, stdin: req.AllowStdin == nil || *req.AllowStdin, silent: req.Silent, done: make(chan struct{}),
		hold: showTiming && !req.Silent}
	defer close(out.done)
	ctx, cellDone := k.startCell(ctx, r) // interrupt.go
	defer cellDone()

	stopLive := func(string) {}
	if showTiming && !req.Silent {
		stopLive = k.watchCell(m, time.Now()) // live.go
	}
	res, handled := k.magics.Run(ctx, req.Code, out)
	if !handled {
		res = k.waiting.Execute(ctx, k.eng.Execute, req.Code, count, out)
	}
	timingLine := ""
	if showTiming && res.Timing.Engine != "" {
		timingLine = magic.FormatTiming(res.Timing)
	}
	if res.Err != nil {
		// The error is the cell's one output, as it is what Go prints;
		// a cell that ran long enough to show its live status shows the
		// timing line there, above the error.
		stopLive(timingLine)
	} else {
		stopLive("")
	}
	if store {
		// Written after the reply and the status idle, before the next
		// request is read.
		text := resultText(res)
		after = func() { k.history.Add(count, req.Code, text) }
	}
	metadata := map[string]any{"timing": res.Timing}
	maps.Copy(metadata, out.metadata)
	content := map[string]any{"execution_count": count, "payload": payload(res), "user_expressions": map[string]any{}}
	if res.Err != nil {
		tb := res.Err.Traceback
		if len(tb) == 0 {
			tb = []string{res.Err.Name + ": " + res.Err.Value}
		}
		out.flushHeld()
		if !req.Silent {
			_ = k.conn.Publish(m, "error", map[string]any{"ename": res.Err.Name, "evalue": res.Err.Value, "traceback": tb}, nil)
		}
		content["status"] = "error"
		content["ename"] = res.Err.Name
		content["evalue"] = res.Err.Value
		content["traceback"] = tb
		if req.StopOnError == nil || *req.StopOnError {
			abort = len(k.shell)
		}
		k.reply(m, "execute_reply", content, metadata)
		return abort, after
	}
	if !req.Silent {
		if res.Data != nil {
			out.flushHeld()
			_ = k.conn.Publish(m, "execute_result", map[string]any{"execution_count": count, "data": res.Data, "metadata": map[string]any{}}, nil)
		}
		if timingLine != "" {
			// A stream, not a display: every frontend shows it, and
			// display_data stays for what the cell displays. It goes
			// in one message with the cell's last line of text if that
			// is still held, which frontends show the same way.
			text := timingLine + "\n"
			if !out.AtLineStart() {
				text = "\n" + text
			}
			_ = k.conn.Publish(m, "stream", map[string]any{"name": "stdout", "text": out.takeHeld() + text}, nil)
		}
	}
	out.flushHeld()
	content["user_expressions"] = k.userExpressions(ctx, req.UserExprs) // userexpr.go
	content["status"] = "ok"
	k.reply(m, "execute_reply", content, metadata)
	return 0, after
}

func payload(res engine.Result) []map[string]any {
	if res.Payload == nil {
		return []map[string]any{}
	}
	return res.Payload
}

func resultText(res engine.Result) string {
	if res.Err != nil {
		return res.Err.Name + ": " + res.Err.Value
	}
	if t, ok := res.Data["text/plain"].(string); ok {
		return t
	}
	return ""
}

// SetTiming shows or hides the timing line under each cell (%timing).
func (k *Kernel) SetTiming(on bool) {
	k.mu.Lock()
	k.timing = on
	k.mu.Unlock()
}
