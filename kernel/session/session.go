// Package session answers Jupyter requests: execute, complete, inspect,
// is_complete, history, comm_info, comm_open, kernel_info, interrupt and
// shutdown. It turns them into calls of an engine.Engine and publishes what
// the engine produces, in the order the protocol wants: status busy, the
// request's outputs, the reply, status idle.
package session

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/heapkeep"
	"github.com/gocurrent/gocurrent/kernel/jupyter"
	"github.com/gocurrent/gocurrent/kernel/magic"
	"github.com/gocurrent/gocurrent/kernel/pending"
)

// Conn is what the handlers need of the protocol edge: jupyter.Sockets,
// or an in-process stand-in for running notebooks headless.
type Conn interface {
	Reply(parent *jupyter.Message, msgType string, content any, metadata map[string]any) error
	Publish(parent *jupyter.Message, msgType string, content any, metadata map[string]any) error
	SendStdin(parent *jupyter.Message, msgType string, content any) (jupyter.Header, error)
}

// Info describes the kernel for kernel_info_reply.
type Info struct {
	Version string // gocurrent's version
}

// Engines are what runs cells: Cells runs every cell and answers
// completion and inspection; Programs, when not nil, builds cells as
// programs with the Go toolchain (%%native, a cell that is a whole program,
// --native measuring).
type Engines struct {
	Cells    engine.Engine
	Programs engine.Programs
}

// Kernel holds a session's state and handles its requests.
type Kernel struct {
	conn    Conn
	eng     engine.Engine
	waiting pending.Cells // declaration cells waiting for later cells' names
	magics  *magic.Magics
	info    Info
	history *History
	logf    func(format string, args ...any)

	mu       sync.Mutex
	count    int                      // execution count
	parents  map[int]*jupyter.Message // execute requests by count, for late output
	running  *runningCell             // the cell being run, to interrupt (interrupt.go)
	pending  *pendingInterrupt        // an interrupt for a cell queued when it came
	timing   bool                     // show the timing line
	inputs   chan *jupyter.Message
	shutdown chan bool // restart flag of a shutdown request

	shell    chan shellRequest
	received uint64 // shell requests dispatched so far; under mu

	busy atomic.Int64 // requests between their busy and idle status
}

// shellRequest is a shell request waiting for its turn, numbered in the
// order the kernel received it.
type shellRequest struct {
	m   *jupyter.Message
	seq uint64
}

// New makes a kernel. history may be nil (no persistent history).
func New(conn Conn, engines Engines, info Info, history *History, logf func(string, ...any)) *Kernel {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if history == nil {
		history = NewMemoryHistory()
	}
	k := &Kernel{
		conn:     conn,
		eng:      engines.Cells,
		info:     info,
		history:  history,
		logf:     logf,
		parents:  map[int]*jupyter.Message{},
		timing:   true,
		inputs:   make(chan *jupyter.Message, 1),
		shutdown: make(chan bool, 1),
		shell:    make(chan shellRequest, 1024),
	}
	k.magics = magic.New(engines.Cells, engines.Programs, k)
	return k
}

// Shutdown delivers the restart flag of a shutdown_request once the reply
// has been sent; the kernel process should then end.
func (k *Kernel) Shutdown() <-chan bool { return k.shutdown }

// Late publishes output that a goroutine printed after its cell ended,
// marked with that cell, as the engine reports it.
func (k *Kernel) Late(name, text string, from int) {
	k.mu.Lock()
	parent := k.parents[from]
	k.mu.Unlock()
	if from > 0 {
		text = markLate(text, from)
	}
	_ = k.conn.Publish(parent, "stream", map[string]any{"name": name, "text": text}, nil)
}

// LateDisplay publishes what a goroutine displayed after its cell ended, as
// output of that cell (frontends show it there).
func (k *Kernel) LateDisplay(data, metadata map[string]any, id string, update bool, from int) {
	k.mu.Lock()
	parent := k.parents[from]
	k.mu.Unlock()
	(&output{k: k, parent: parent}).Display(data, metadata, id, update)
}

// markLate prefixes each line with the cell it came from.
func markLate(text string, from int) string {
	prefix := fmt.Sprintf("[from cell %d] ", from)
	lines := strings.SplitAfter(text, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		if !strings.HasPrefix(l, "[from cell ") { // marked by the worker already
			b.WriteString(prefix)
		}
		b.WriteString(l)
	}
	return b.String()
}

// Serve handles messages until in closes or ctx ends. Control requests are
// answered at once; shell requests one at a time, in order, on their own
// goroutine; stdin replies go to the cell waiting for input. When no shell
// request has come for heapkeep.IdleAfter, the kernel gives the operating
// system back the heap the requests before left.
func (k *Kernel) Serve(ctx context.Context, in <-chan *jupyter.Message) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var heap heapkeep.Keeper
		idle := time.NewTimer(heapkeep.IdleAfter)
		defer idle.Stop()
		for {
			select {
			case r, ok := <-k.shell:
				if !ok {
					return
				}
				idle.Stop()
				k.handleShell(ctx, r)
				idle.Reset(heapkeep.IdleAfter)
			case <-idle.C:
				heap.ReturnIdle()
			case <-ctx.Done():
				return
			}
		}
	}()
	defer wg.Wait()
	defer close(k.shell)
	for {
		select {
		case m, ok := <-in:
			if !ok {
				return
			}
			k.Dispatch(ctx, m)
		case <-ctx.Done():
			return
		}
	}
}

// Dispatch routes one incoming message.
func (k *Kernel) Dispatch(ctx context.Context, m *jupyter.Message) {
	switch m.Channel {
	case jupyter.Control:
		k.handleControl(ctx, m)
	case jupyter.Stdin:
		if m.Header.MsgType != "input_reply" {
			// Nothing else may come on stdin; a frontend that sends
			// something else should learn why it gets no answer.
			k.logf("unexpected %q on stdin (only input_reply is accepted): dropped", m.Header.MsgType)
			return
		}
		select {
		case k.inputs <- m:
		default:
			k.logf("input_reply with no cell waiting for input: dropped")
		}
	default:
		if m.Header.MsgType == "interrupt_request" {
			// Accepted on shell too, for clients that send it there;
			// answered at once, not behind the running cell.
			k.handleControl(ctx, m)
			return
		}
		k.mu.Lock()
		k.received++
		r := shellRequest{m: m, seq: k.received}
		k.mu.Unlock()
		select {
		case k.shell <- r:
		default:
			k.logf("shell queue full: %s request dropped", m.Header.MsgType)
		}
	}
}

func (k *Kernel) status(parent *jupyter.Message, state string) {
	// Counted before publishing: a subscriber welcomed in between is
	// told the new state and then gets this message, in that order.
	if state == "busy" {
		k.busy.Add(1)
	} else {
		k.busy.Add(-1)
	}
	_ = k.conn.Publish(parent, "status", map[string]any{"execution_state": state}, nil)
}

// Welcome is the message a new iopub subscriber receives first: a status
// with the kernel's execution state now (busy while any request is being
// handled), without a parent. A browser that opens a notebook subscribes
// while the server's first kernel_info_request is being answered; without
// it, the status messages of that request could both go out before the
// subscription, and the notebook would show the kernel's state as unknown
// until the next request.
func (k *Kernel) Welcome() (msgType string, content any) {
	state := "idle"
	if k.busy.Load() > 0 {
		state = "busy"
	}
	return "status", map[string]any{"execution_state": state}
}

// flusher is a Conn whose iopub messages are sent asynchronously.
type flusher interface {
	Flush(timeout time.Duration)
}

// flush waits until the iopub messages published so far are written (up
// to half a second, for a subscriber that reads slowly).
func (k *Kernel) flush() {
	if f, ok := k.conn.(flusher); ok {
		f.Flush(500 * time.Millisecond)
	}
}

func (k *Kernel) reply(parent *jupyter.Message, msgType string, content any, metadata map[string]any) {
	// Everything a request produced goes out before its reply: clients
	// take the reply (and the idle after it) as the end of the outputs.
	k.flush()
	if err := k.conn.Reply(parent, msgType, content, metadata); err != nil {
		k.logf("reply %s: %v", msgType, err)
	}
}

func (k *Kernel) handleControl(ctx context.Context, m *jupyter.Message) {
	k.status(m, "busy")
	defer k.status(m, "idle")
	switch t := m.Header.MsgType; t {
	case "kernel_info_request":
		k.reply(m, "kernel_info_reply", k.kernelInfo(), nil)
	case "interrupt_request":
		k.interrupt(m)
		k.reply(m, "interrupt_reply", map[string]any{"status": "ok"}, nil)
	case "shutdown_request":
		var req struct {
			Restart bool `json:"restart"`
		}
		_ = json.Unmarshal(m.Content, &req)
		k.interrupt(nil)
		k.reply(m, "shutdown_reply", map[string]any{"status": "ok", "restart": req.Restart}, nil)
		// The kernel process ends in both cases, as IPython's does: on a
		// restart the client starts a new process.
		select {
		case k.shutdown <- req.Restart:
		default:
		}
	case "debug_request":
		k.reply(m, "debug_reply", map[string]any{"status": "error", "ename": "not supported", "evalue": "gocurrent has no debugger"}, nil)
	default:
		k.unknown(m)
	}
}

// unknown answers a message of a type the kernel does not handle. The
// messaging spec names no reply for that, but a client that sent a
// request waits for its reply: a request (the type ends in _request) gets
// the matching _reply with status error, so the client learns at once.
// Anything else has no reply type and is only logged.
func (k *Kernel) unknown(m *jupyter.Message) {
	t := m.Header.MsgType
	if !strings.HasSuffix(t, "_request") {
		k.logf("unknown message type %q on %s (msg_id %q): ignored, it is not a request", t, m.Channel, m.Header.MsgID)
		return
	}
	k.logf("unknown message type %q on %s (msg_id %q): answered with an error", t, m.Channel, m.Header.MsgID)
	k.reply(m, strings.TrimSuffix(t, "_request")+"_reply", map[string]any{
		"status": "error", "ename": "unknown request", "evalue": fmt.Sprintf("gocurrent does not handle %s", t), "traceback": []string{},
	}, nil)
}

// badRequest answers a request whose content lacks a field it needs, or
// has one of the wrong type, with its _reply and status error, the problem
// in evalue, and logs it. The messaging spec makes these fields required
// and names no other answer; dropping the request would leave the client
// waiting for a reply that never comes, and guessing a value (cursor 0, no
// code) would answer a question the client did not ask. extra adds fields
// the reply type always carries (execution_count for execute_reply).
func (k *Kernel) badRequest(m *jupyter.Message, problem string, extra map[string]any) {
	t := m.Header.MsgType
	k.logf("bad %s on %s (msg_id %q): %s: answered with an error", t, m.Channel, m.Header.MsgID, problem)
	content := map[string]any{"status": "error", "ename": "bad request", "evalue": t + ": " + problem, "traceback": []string{}}
	for key, v := range extra {
		content[key] = v
	}
	k.reply(m, strings.TrimSuffix(t, "_request")+"_reply", content, nil)
}

// decodeRequest unmarshals m's content into req, after checking that each
// of the required fields is there and not null. On failure it has answered
// with badRequest and returns false.
func (k *Kernel) decodeRequest(m *jupyter.Message, req any, required ...string) bool {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(m.Content, &fields); err != nil {
		k.badRequest(m, fmt.Sprintf("content is not a JSON object: %v", err), nil)
		return false
	}
	for _, f := range required {
		if v, ok := fields[f]; !ok || string(v) == "null" {
			k.badRequest(m, fmt.Sprintf("the required field %s is missing", f), nil)
			return false
		}
	}
	if err := json.Unmarshal(m.Content, req); err != nil {
		k.badRequest(m, fmt.Sprintf("invalid field: %v", err), nil)
		return false
	}
	return true
}

// checkExecute reports whether an execute_request has its code; when it
// has not, it answers with an error and the execution count unchanged:
// nothing ran, so nothing is counted. (Before, a request without code ran
// an empty cell and answered ok.) The rest of the content is decoded, and
// checked, by execute.
func (k *Kernel) checkExecute(m *jupyter.Message) bool {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(m.Content, &fields); err == nil {
		if v, ok := fields["code"]; ok && string(v) != "null" {
			return true
		}
	}
	k.badRequest(m, "the required field code is missing", map[string]any{"execution_count": k.ExecutionCount()})
	return false
}

// clampCursor makes a cursor position (in code points) one that exists in
// code: a cursor before the start is the start, one beyond the end is the
// end. The engine indexes the code with it, and a negative cursor made the
// worker process panic, losing the session's values without a word.
func clampCursor(code string, cursor int) int {
	return max(0, min(cursor, utf8.RuneCountInString(code)))
}

func (k *Kernel) handleShell(ctx context.Context, r shellRequest) {
	m := r.m
	k.status(m, "busy")
	idle := true
	var after func()
	defer func() {
		if idle {
			k.status(m, "idle")
		}
		if after != nil {
			// The idle is what the client waits for: it goes out
			// before the history's file write, not after it.
			k.flush()
			after()
		}
	}()
	switch t := m.Header.MsgType; t {
	case "kernel_info_request":
		k.reply(m, "kernel_info_reply", k.kernelInfo(), nil)
	case "execute_request":
		if !k.checkExecute(m) {
			return
		}
		var n int
		if n, after = k.execute(ctx, r); n > 0 {
			// The failed cell ends (idle) before the requests queued
			// behind it are answered, as in IPython.
			idle = false
			k.status(m, "idle")
			k.abortQueued(n)
		}
	case "complete_request":
		k.complete(m)
	case "inspect_request":
		k.inspect(m)
	case "is_complete_request":
		k.isComplete(m)
	case "history_request":
		// hist_access_type decides what the request means; with another
		// value than the spec's three the kernel answered ok with an empty
		// history, which a client cannot tell from "no history".
		var req struct {
			Access *string `json:"hist_access_type"`
		}
		if !k.decodeRequest(m, &req, "hist_access_type") {
			return
		}
		switch *req.Access {
		case "range", "tail", "search":
			k.historyRequest(m)
		default:
			k.badRequest(m, fmt.Sprintf("hist_access_type %q is none of range, tail, search", *req.Access), nil)
		}
	case "comm_info_request":
		k.reply(m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}}, nil)
	case "comm_open":
		var req struct {
			CommID string `json:"comm_id"`
			Target string `json:"target_name"`
		}
		_ = json.Unmarshal(m.Content, &req)
		// No comm targets are registered: close the comm, as the
		// protocol asks for unknown targets.
		_ = k.conn.Publish(m, "comm_close", map[string]any{"comm_id": req.CommID, "data": map[string]any{}}, nil)
	case "comm_msg", "comm_close":
		// Nothing is open.
	case "shutdown_request", "interrupt_request", "debug_request":
		k.handleControl(ctx, m)
	default:
		k.unknown(m)
	}
}

// abortQueued answers the n requests that were waiting behind a cell that
// failed with stop_on_error, as IPython does: execute requests among them
// are not run. Requests that arrive later run as usual.
func (k *Kernel) abortQueued(n int) {
	for ; n > 0; n-- {
		select {
		case r, ok := <-k.shell:
			if !ok {
				return
			}
			m := r.m
			if m.Header.MsgType != "execute_request" {
				k.handleShell(context.Background(), r)
				continue
			}
			k.status(m, "busy")
			k.reply(m, "execute_reply", map[string]any{"status": "aborted", "execution_count": k.ExecutionCount()}, nil)
			k.status(m, "idle")
		default:
			return
		}
	}
}

// ExecutionCount is the execution count of the cell being run, or else of
// the last one.
func (k *Kernel) ExecutionCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.count
}

func (k *Kernel) kernelInfo() map[string]any {
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       jupyter.ProtocolVersion,
		"implementation":         "gocurrent",
		"implementation_version": k.info.Version,
		"language_info": map[string]any{
			"name":               "go",
			"version":            strings.TrimPrefix(runtime.Version(), "go"),
			"mimetype":           "text/x-go",
			"file_extension":     ".go",
			"codemirror_mode":    "go",
			"pygments_lexer":     "go",
			"nbconvert_exporter": "script",
		},
		"banner": fmt.Sprintf("gocurrent %s: Go %s for Jupyter, made for concurrency (goroutines, locks, processes).\nEvery cell reports wall time, CPU time and cores busy. %%help lists the magics.", k.info.Version, strings.TrimPrefix(runtime.Version(), "go")),
		"help_links": []map[string]string{
			{"text": "Go documentation", "url": "https://go.dev/doc/"},
			{"text": "Go standard library", "url": "https://pkg.go.dev/std"},
			{"text": "Effective Go", "url": "https://go.dev/doc/effective_go"},
			{"text": "The Go memory model", "url": "https://go.dev/ref/mem"},
		},
	}
}

// cursorRequest is the content of complete_request and inspect_request.
// code and cursor_pos are required; a null cursor_pos means the end of the
// code, as ipykernel takes it.
type cursorRequest struct {
	Code   string `json:"code"`
	Cursor *int   `json:"cursor_pos"`
	Detail int    `json:"detail_level"`
}

func (k *Kernel) decodeCursorRequest(m *jupyter.Message) (req cursorRequest, cursor int, ok bool) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(m.Content, &fields); err == nil {
		if _, ok := fields["cursor_pos"]; !ok {
			k.badRequest(m, "the required field cursor_pos is missing", nil)
			return req, 0, false
		}
	}
	if !k.decodeRequest(m, &req, "code") {
		return req, 0, false
	}
	cursor = utf8.RuneCountInString(req.Code)
	if req.Cursor != nil {
		cursor = clampCursor(req.Code, *req.Cursor)
	}
	return req, cursor, true
}

func (k *Kernel) complete(m *jupyter.Message) {
	req, cursor, ok := k.decodeCursorRequest(m)
	if !ok {
		return
	}
	c := k.eng.Complete(req.Code, cursor)
	if c.Matches == nil {
		c.Matches = []string{}
	}
	metadata := map[string]any{}
	if len(c.Types) == len(c.Matches) && len(c.Matches) > 0 {
		// The kind of each match, in the form IPython sends, which
		// JupyterLab shows beside the match.
		types := make([]map[string]any, len(c.Matches))
		for i, text := range c.Matches {
			types[i] = map[string]any{"start": c.Start, "end": c.End, "text": text, "type": c.Types[i]}
		}
		metadata["_jupyter_types_experimental"] = types
	}
	k.reply(m, "complete_reply", map[string]any{
		"status": "ok", "matches": c.Matches, "cursor_start": c.Start, "cursor_end": c.End, "metadata": metadata,
	}, nil)
}

func (k *Kernel) inspect(m *jupyter.Message) {
	req, cursor, ok := k.decodeCursorRequest(m)
	if !ok {
		return
	}
	in := k.eng.Inspect(req.Code, cursor, req.Detail)
	data := map[string]any{}
	if in.Found {
		data["text/plain"] = in.Text
	}
	k.reply(m, "inspect_reply", map[string]any{"status": "ok", "found": in.Found, "data": data, "metadata": map[string]any{}}, nil)
}

func (k *Kernel) isComplete(m *jupyter.Message) {
	var req struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(m.Content, &req)
	status, indent := cell.IsComplete(req.Code)
	content := map[string]any{"status": string(status)}
	if status == cell.Incomplete {
		content["indent"] = indent
	}
	k.reply(m, "is_complete_reply", content, nil)
}
