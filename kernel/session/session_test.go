package session

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/jupyter"
)

// fakeEngine runs "cells" of a tiny language: "print X" streams X,
// "fail" fails, "slow" takes a while, anything else is its own result.
type fakeEngine struct {
	mu         sync.Mutex
	started    int // "slow" cells started
	interrupts int // cells whose context was cancelled
}

func (f *fakeEngine) counts() (started, interrupts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started, f.interrupts
}

func (f *fakeEngine) Execute(ctx context.Context, code string, count int, out engine.Output) engine.Result {
	t := engine.Timing{Engine: "fake", WallNS: 1000, UserNS: 500, GOMAXPROCS: 2}
	switch {
	case strings.HasPrefix(code, "print "):
		out.Stream("stdout", strings.TrimPrefix(code, "print ")+"\n", 0)
		return engine.Result{Timing: t}
	case strings.HasPrefix(code, "printpart "): // no newline at the end
		out.Stream("stdout", strings.TrimPrefix(code, "printpart "), 0)
		return engine.Result{Timing: t}
	case strings.HasPrefix(code, "printvalue "): // a line, then a value
		out.Stream("stdout", strings.TrimPrefix(code, "printvalue ")+"\n", 0)
		return engine.Result{Data: map[string]any{"text/plain": "42"}, Timing: t}
	case strings.HasPrefix(code, "printslow "): // a line, a pause, a line
		out.Stream("stdout", "first\n", 0)
		time.Sleep(200 * time.Millisecond)
		out.Stream("stdout", strings.TrimPrefix(code, "printslow ")+"\n", 0)
		return engine.Result{Timing: t}
	case code == "fail":
		time.Sleep(50 * time.Millisecond)
		return engine.Result{Err: &engine.Error{Name: "panic", Value: "boom", Traceback: []string{"panic: boom"}}, Timing: t}
	case code == "failslow": // fails after the live status showed
		time.Sleep(liveAfter + liveEvery + 100*time.Millisecond)
		return engine.Result{Err: &engine.Error{Name: "panic", Value: "late", Traceback: []string{"panic: late"}}, Timing: t}
	case code == "slow":
		// Runs until interrupted, or for a second.
		f.mu.Lock()
		f.started++
		f.mu.Unlock()
		select {
		case <-ctx.Done():
			f.mu.Lock()
			f.interrupts++
			f.mu.Unlock()
			return engine.Result{Err: &engine.Error{Name: "interrupted", Value: "stopped"}, Timing: t}
		case <-time.After(time.Second):
		}
		return engine.Result{Data: map[string]any{"text/plain": "slow done"}, Timing: t}
	}
	return engine.Result{Data: map[string]any{"text/plain": code}, Timing: t}
}

func (f *fakeEngine) Complete(code string, cursor int) engine.Completion {
	return engine.Completion{Matches: []string{"x"}, Start: cursor, End: cursor}
}

func (f *fakeEngine) Inspect(code string, cursor, detail int) engine.Inspection {
	return engine.Inspection{Found: code == "known", Text: "doc of " + code}
}

func (f *fakeEngine) Restart() error { return nil }
func (f *fakeEngine) Close() error   { return nil }

type sent struct {
	kind, msgType string
	parent        string
	content       map[string]any
	metadata      map[string]any
}

// recConn records what the kernel sends, in order.
type recConn struct {
	mu   sync.Mutex
	msgs []sent
}

func (c *recConn) add(kind string, parent *jupyter.Message, msgType string, content any, md map[string]any) {
	b, _ := json.Marshal(content)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	p := ""
	if parent != nil {
		p = parent.Header.MsgID
	}
	c.mu.Lock()
	c.msgs = append(c.msgs, sent{kind, msgType, p, m, md})
	c.mu.Unlock()
}

func (c *recConn) Reply(parent *jupyter.Message, msgType string, content any, md map[string]any) error {
	c.add("reply", parent, msgType, content, md)
	return nil
}

func (c *recConn) Publish(parent *jupyter.Message, msgType string, content any, md map[string]any) error {
	c.add("pub", parent, msgType, content, md)
	return nil
}

func (c *recConn) SendStdin(parent *jupyter.Message, msgType string, content any) (jupyter.Header, error) {
	return jupyter.Header{}, fmt.Errorf("no stdin")
}

func (c *recConn) of(id string) []sent {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []sent
	for _, m := range c.msgs {
		if m.parent == id {
			out = append(out, m)
		}
	}
	return out
}

var nextID int

func request(ch jupyter.Channel, msgType string, content map[string]any) *jupyter.Message {
	nextID++
	h := jupyter.Header{MsgID: fmt.Sprintf("m%d", nextID), MsgType: msgType, Session: "s", Version: "5.3"}
	raw, _ := json.Marshal(h)
	c, _ := json.Marshal(content)
	return &jupyter.Message{Channel: ch, Header: h, RawHeader: raw, Content: c}
}

// start serves k's requests until the test ends; they are sent on the
// channel it returns, which holds buffered of them.
func start(t *testing.T, k *Kernel, buffered int) chan *jupyter.Message {
	in := make(chan *jupyter.Message, buffered)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { k.Serve(ctx, in); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return in
}

// serve runs a kernel and returns a function that sends a request and
// waits until its idle status.
func serve(t *testing.T) (*recConn, *fakeEngine, func(*jupyter.Message) []sent, chan<- *jupyter.Message) {
	conn := &recConn{}
	eng := &fakeEngine{}
	in := start(t, New(conn, Engines{Cells: eng}, Info{Version: "test"}, nil, t.Logf), 16)
	wait := func(m *jupyter.Message) []sent {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			msgs := conn.of(m.Header.MsgID)
			if n := len(msgs); n > 0 && msgs[n-1].msgType == "status" && msgs[n-1].content["execution_state"] == "idle" {
				return msgs
			}
			time.Sleep(2 * time.Millisecond)
		}
		t.Fatalf("no idle status for %s", m.Header.MsgType)
		return nil
	}
	send := func(m *jupyter.Message) []sent {
		in <- m
		return wait(m)
	}
	return conn, eng, send, in
}

func types(msgs []sent) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.kind+":"+m.msgType)
	}
	return out
}

func TestExecuteOrder(t *testing.T) {
	_, _, send, _ := serve(t)
	msgs := send(request(jupyter.Shell, "execute_request", map[string]any{"code": "print hi"}))
	// The cell's last line and the timing line go out as one message.
	want := []string{"pub:status", "pub:execute_input", "pub:stream", "reply:execute_reply", "pub:status"}
	if fmt.Sprint(types(msgs)) != fmt.Sprint(want) {
		t.Fatalf("messages = %v, want %v", types(msgs), want)
	}
	reply := msgs[3]
	if reply.content["status"] != "ok" || reply.content["execution_count"] != 1.0 {
		t.Errorf("reply = %v", reply.content)
	}
	timing, ok := reply.metadata["timing"].(engine.Timing)
	if !ok || timing.Engine != "fake" || timing.WallNS != 1000 {
		t.Errorf("reply metadata = %v", reply.metadata)
	}
	if text := msgs[2].content["text"].(string); !strings.HasPrefix(text, "hi\n» wall") || strings.Count(text, "\n") != 2 {
		t.Errorf("stream = %q, want the line and the timing line", text)
	}
}

// The timing line joins the cell's last text only where that changes
// nothing a frontend shows: after a whole line, with nothing between.
func TestTimingLineJoinsTheLastLineOnly(t *testing.T) {
	_, _, send, _ := serve(t)
	for _, c := range []struct {
		code  string
		want  []string // the messages between execute_input and the reply
		texts []string // the texts of the streams, the timing line cut to "»"
	}{
		{"printpart hi", []string{"stream", "stream"}, []string{"hi", "\n»"}},
		{"printvalue hi", []string{"stream", "execute_result", "stream"}, []string{"hi\n", "»"}},
		{"printslow last", []string{"stream", "stream"}, []string{"first\n", "last\n»"}},
	} {
		msgs := send(request(jupyter.Shell, "execute_request", map[string]any{"code": c.code}))
		var got, texts []string
		for _, m := range msgs[2 : len(msgs)-2] {
			got = append(got, m.msgType)
			if m.msgType == "stream" {
				text := m.content["text"].(string)
				if i := strings.Index(text, "»"); i >= 0 {
					text = text[:i+len("»")]
				}
				texts = append(texts, text)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || fmt.Sprintf("%q", texts) != fmt.Sprintf("%q", c.texts) {
			t.Errorf("%s: %v %q, want %v %q", c.code, got, texts, c.want, c.texts)
		}
	}
}

func TestErrorHasOneOutput(t *testing.T) {
	_, _, send, _ := serve(t)
	msgs := send(request(jupyter.Shell, "execute_request", map[string]any{"code": "fail"}))
	want := []string{"pub:status", "pub:execute_input", "pub:error", "reply:execute_reply", "pub:status"}
	if fmt.Sprint(types(msgs)) != fmt.Sprint(want) {
		t.Fatalf("messages = %v, want %v", types(msgs), want)
	}
	// The error is what the engine said, without the timing line, which
	// is in the reply's metadata.
	if tb := fmt.Sprint(msgs[2].content["traceback"]); tb != "[panic: boom]" || msgs[3].content["status"] != "error" || msgs[3].content["ename"] != "panic" {
		t.Errorf("error = %v, reply = %v", msgs[2].content, msgs[3].content)
	}
	if _, ok := msgs[3].metadata["timing"]; !ok {
		t.Errorf("reply metadata %v has no timing", msgs[3].metadata)
	}
}

func TestLongErrorCellShowsItsTimingInItsLiveStatus(t *testing.T) {
	_, _, send, _ := serve(t)
	msgs := send(request(jupyter.Shell, "execute_request", map[string]any{"code": "failslow"}))
	var lives []sent
	var errs []sent
	for _, m := range msgs {
		switch m.msgType {
		case "display_data", "update_display_data":
			lives = append(lives, m)
		case "error":
			errs = append(errs, m)
		}
	}
	if len(lives) < 2 || len(errs) != 1 {
		t.Fatalf("messages = %v, want the live status shown and updated, and one error", types(msgs))
	}
	last := lives[len(lives)-1]
	data, _ := last.content["data"].(map[string]any)
	if text, _ := data["text/plain"].(string); last.msgType != "update_display_data" || !strings.HasPrefix(text, "» wall") {
		t.Errorf("the live status ends as %s %v, want the timing line", last.msgType, last.content)
	}
	if tb := fmt.Sprint(errs[0].content["traceback"]); strings.Contains(tb, "wall") {
		t.Errorf("the traceback has the timing line: %s", tb)
	}
}

func TestStopOnErrorAbortsQueued(t *testing.T) {
	conn, _, _, in := serve(t)
	first := request(jupyter.Shell, "execute_request", map[string]any{"code": "fail"})
	second := request(jupyter.Shell, "execute_request", map[string]any{"code": "6*7"})
	third := request(jupyter.Shell, "execute_request", map[string]any{"code": "print later"})
	in <- first
	in <- second
	in <- third
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && len(conn.of(third.Header.MsgID)) < 3 {
		time.Sleep(2 * time.Millisecond)
	}
	for _, m := range []*jupyter.Message{second, third} {
		msgs := conn.of(m.Header.MsgID)
		if len(msgs) != 3 || msgs[1].content["status"] != "aborted" {
			t.Errorf("queued request got %v", types(msgs))
		}
	}
}

func TestSilentAndStoreHistory(t *testing.T) {
	_, _, send, _ := serve(t)
	msgs := send(request(jupyter.Shell, "execute_request", map[string]any{"code": "print quiet", "silent": true}))
	if fmt.Sprint(types(msgs)) != "[pub:status reply:execute_reply pub:status]" {
		t.Errorf("silent cell sent %v", types(msgs))
	}
	send(request(jupyter.Shell, "execute_request", map[string]any{"code": "1", "store_history": false}))
	msgs = send(request(jupyter.Shell, "execute_request", map[string]any{"code": "2"}))
	for _, m := range msgs {
		if m.msgType == "execute_reply" && m.content["execution_count"] != 1.0 {
			t.Errorf("execution count = %v, want 1 (silent and store_history=false do not count)", m.content["execution_count"])
		}
	}
}

func TestControlAndMisc(t *testing.T) {
	_, eng, send, _ := serve(t)
	msgs := send(request(jupyter.Control, "kernel_info_request", nil))
	if fmt.Sprint(types(msgs)) != "[pub:status reply:kernel_info_reply pub:status]" {
		t.Fatalf("kernel_info on control: %v", types(msgs))
	}
	li := msgs[1].content["language_info"].(map[string]any)
	if li["name"] != "go" || li["mimetype"] != "text/x-go" || li["file_extension"] != ".go" {
		t.Errorf("language_info = %v", li)
	}
	// An interrupt while no cell runs is answered and forgotten.
	for _, ch := range []jupyter.Channel{jupyter.Shell, jupyter.Control} {
		if msgs := send(request(ch, "interrupt_request", nil)); fmt.Sprint(types(msgs)) != "[pub:status reply:interrupt_reply pub:status]" {
			t.Errorf("interrupt on %s: %v", ch, types(msgs))
		}
	}
	if _, n := eng.counts(); n != 0 {
		t.Errorf("interrupts = %d, want 0", n)
	}
	msgs = send(request(jupyter.Shell, "comm_open", map[string]any{"comm_id": "c1", "target_name": "nobody"}))
	if fmt.Sprint(types(msgs)) != "[pub:status pub:comm_close pub:status]" || msgs[1].content["comm_id"] != "c1" {
		t.Errorf("comm_open: %v", types(msgs))
	}
	msgs = send(request(jupyter.Shell, "is_complete_request", map[string]any{"code": "func f() {"}))
	if msgs[1].content["status"] != "incomplete" {
		t.Errorf("is_complete = %v", msgs[1].content)
	}
	msgs = send(request(jupyter.Shell, "execute_request", map[string]any{"code": "?known"}))
	pl := msgs[len(msgs)-2].content["payload"].([]any)
	if len(pl) != 1 || pl[0].(map[string]any)["source"] != "page" {
		t.Errorf("help payload = %v", msgs[len(msgs)-2].content)
	}
	msgs = send(request(jupyter.Shell, "frobnicate_request", nil))
	if msgs[1].msgType != "frobnicate_reply" || msgs[1].content["status"] != "error" {
		t.Errorf("unknown request: %v", types(msgs))
	}
}

func TestHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h", "history.jsonl")
	h, err := OpenHistory(path)
	if err != nil {
		t.Fatal(err)
	}
	h.Add(1, "6*7", "42")
	h.Add(2, "x := 1", "")
	h.Add(3, "6*7", "42")
	h2, err := OpenHistory(path)
	if err != nil {
		t.Fatal(err)
	}
	if h2.Session() != h.Session()+1 {
		t.Errorf("next session = %d, want %d", h2.Session(), h.Session()+1)
	}
	h2.Add(1, "6*8", "48")
	if got := h2.Tail(2); len(got) != 2 || got[0].Input != "6*7" || got[1].Input != "6*8" {
		t.Errorf("tail = %+v", got)
	}
	if got := h2.Range(h.Session(), 2, 3); len(got) != 1 || got[0].Input != "x := 1" {
		t.Errorf("range = %+v", got)
	}
	if got := h2.Search("6*", 0, false); len(got) != 3 {
		t.Errorf("search = %+v", got)
	}
	if got := h2.Search("6\\*7", 0, true); len(got) != 0 {
		t.Errorf("glob with a backslash matched %+v", got)
	}
	if got := h2.Search("6*", 0, true); len(got) != 2 {
		t.Errorf("unique search = %+v", got)
	}
	if got := h2.Search("6*", 1, false); len(got) != 1 || got[0].Input != "6*8" {
		t.Errorf("search n=1 = %+v", got)
	}
}

// An interrupt stops the cell running when it arrives, and no later one:
// not the next cell, and not a cell whose request its client sent after
// the interrupt (the control socket may be read after the shell socket).
func TestInterruptOnlyTheRunningCell(t *testing.T) {
	conn, eng, send, in := serve(t)
	wait := func(m *jupyter.Message) []sent {
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
			msgs := conn.of(m.Header.MsgID)
			if n := len(msgs); n > 0 && msgs[n-1].msgType == "status" && msgs[n-1].content["execution_state"] == "idle" {
				return msgs
			}
		}
		t.Fatalf("no idle status for %s", m.Header.MsgType)
		return nil
	}
	at := func(m *jupyter.Message, date time.Time) *jupyter.Message {
		m.Header.Date = date.UTC().Format("2006-01-02T15:04:05.000000Z")
		return m
	}
	waitStarted := func(n int) {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if started, _ := eng.counts(); started >= n {
				return
			}
		}
		t.Fatalf("the slow cell %d did not start", n)
	}

	// Sent while the cell runs: it stops.
	cell := at(request(jupyter.Shell, "execute_request", map[string]any{"code": "slow"}), time.Now())
	in <- cell
	waitStarted(1)
	send(at(request(jupyter.Control, "interrupt_request", nil), time.Now()))
	if msgs := wait(cell); msgs[len(msgs)-2].content["status"] != "error" {
		t.Fatalf("interrupted cell: %v", msgs)
	}
	if _, n := eng.counts(); n != 1 {
		t.Fatalf("interrupts = %d, want 1", n)
	}

	// Sent before the cell's request, handled after it started: the
	// cell runs to its end.
	early := at(request(jupyter.Control, "interrupt_request", nil), time.Now())
	cell = at(request(jupyter.Shell, "execute_request", map[string]any{"code": "slow"}), time.Now().Add(time.Millisecond))
	in <- cell
	waitStarted(2)
	send(early)
	msgs := wait(cell)
	if _, n := eng.counts(); n != 1 {
		t.Fatalf("an interrupt sent before the cell stopped it (interrupts = %d)", n)
	}
	if last := msgs[len(msgs)-2]; last.msgType != "execute_reply" || last.content["status"] != "ok" {
		t.Fatalf("cell after an earlier interrupt: %v", types(msgs))
	}

	// Sent after the cell's request, read before it: the cell stops as
	// it starts.
	cell = at(request(jupyter.Shell, "execute_request", map[string]any{"code": "slow"}), time.Now())
	send(at(request(jupyter.Control, "interrupt_request", nil), time.Now().Add(time.Millisecond)))
	in <- cell
	if msgs := wait(cell); msgs[len(msgs)-2].content["status"] != "error" {
		t.Fatalf("a cell sent before an interrupt read first ran on: %v", types(msgs))
	}
	if _, n := eng.counts(); n != 2 {
		t.Fatalf("interrupts = %d, want 2", n)
	}
	// That interrupt is gone: the next cell runs.
	cell = at(request(jupyter.Shell, "execute_request", map[string]any{"code": "slow"}), time.Now())
	if msgs := send(cell); msgs[len(msgs)-2].content["status"] != "ok" {
		t.Fatalf("the cell after: %v", types(msgs))
	}

	// The same, from another client session: taken in order of arrival.
	cell = at(request(jupyter.Shell, "execute_request", map[string]any{"code": "slow"}), time.Now())
	in <- cell
	waitStarted(5)
	other := at(request(jupyter.Control, "interrupt_request", nil), time.Now().Add(-time.Hour))
	other.Header.Session = "another client"
	send(other)
	wait(cell)
	if _, n := eng.counts(); n != 3 {
		t.Fatalf("interrupt of another session: interrupts = %d, want 3", n)
	}
}
