package session

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/jupyter"
)

// statusEngine is the fake engine with a worker to report.
type statusEngine struct {
	*fakeEngine
}

func (statusEngine) Status() map[string]any {
	return map[string]any{
		"worker_pid":       4242,
		"worker_alive":     true,
		"worker_rss_bytes": int64(40 << 20),
		"worker_uptime_ns": int64(90 * time.Second),
		"worker_restarts":  3,
		"kernel_pid":       -1, // may not hide the kernel's own
	}
}

// serveEngine runs a kernel on eng; the returned function sends a request
// and returns what the kernel sent for it, up to its idle status.
func serveEngine(t *testing.T, eng engine.Engine) func(*jupyter.Message) []sent {
	conn := &recConn{}
	in := start(t, New(conn, Engines{Cells: eng}, Info{Version: "test"}, nil, t.Logf), 16)
	return func(m *jupyter.Message) []sent {
		in <- m
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
}

func execReq(code string) *jupyter.Message {
	return request(jupyter.Shell, "execute_request", map[string]any{"code": code})
}

// replyOf returns the execute_reply and the stdout text among msgs.
func replyOf(t *testing.T, msgs []sent) (sent, string) {
	t.Helper()
	var reply *sent
	var stdout strings.Builder
	for i, m := range msgs {
		switch m.msgType {
		case "execute_reply":
			reply = &msgs[i]
		case "stream":
			if m.content["name"] == "stdout" {
				stdout.WriteString(m.content["text"].(string))
			}
		}
	}
	if reply == nil {
		t.Fatalf("no execute_reply among %v", types(msgs))
	}
	return *reply, stdout.String()
}

func TestStatusMagic(t *testing.T) {
	send := serveEngine(t, statusEngine{&fakeEngine{}})
	send(execReq("print one"))
	send(execReq("2"))
	reply, out := replyOf(t, send(execReq("%status")))
	if reply.content["status"] != "ok" {
		t.Fatalf("reply = %v", reply.content)
	}
	st, ok := reply.metadata["status"].(map[string]any)
	if !ok {
		t.Fatalf("metadata = %v, want a status map", reply.metadata)
	}
	if _, ok := reply.metadata["timing"]; !ok {
		t.Errorf("metadata lost its timing: %v", reply.metadata)
	}
	if st["kernel_pid"] != os.Getpid() {
		t.Errorf("kernel_pid = %v, want %d (the engine may not override it)", st["kernel_pid"], os.Getpid())
	}
	if st["cells_executed"] != 3 {
		t.Errorf("cells_executed = %v, want 3", st["cells_executed"])
	}
	if g, ok := st["kernel_goroutines"].(int); !ok || g < 2 || g > runtime.NumGoroutine()+10 {
		t.Errorf("kernel_goroutines = %v", st["kernel_goroutines"])
	}
	for _, key := range []string{"kernel_uptime_ns", "kernel_heap_inuse_bytes", "kernel_rss_bytes"} {
		if n, ok := st[key].(int64); !ok || n <= 0 {
			t.Errorf("%s = %v (%T), want a positive int64", key, st[key], st[key])
		}
	}
	if st["worker_pid"] != 4242 || st["worker_restarts"] != 3 || st["worker_rss_bytes"] != int64(40<<20) {
		t.Errorf("worker fields = %v", st)
	}
	for _, want := range []string{
		"kernel pid ", "kernel uptime ", "cells executed ", "kernel goroutines ", "kernel heap in use ", "kernel RSS ",
		"worker pid          4242\n", "worker uptime       1m30s\n", "worker RSS          40.0 MiB\n", "worker restarts     3\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "alive") || strings.Contains(out, "counted since") {
		t.Errorf("table shows internal keys:\n%s", out)
	}
	if strings.Contains(out, "»") {
		t.Errorf("a magic has no timing line:\n%s", out)
	}

	// Other cells carry no status.
	reply, _ = replyOf(t, send(execReq("print two")))
	if _, ok := reply.metadata["status"]; ok {
		t.Errorf("an ordinary cell's metadata has a status: %v", reply.metadata)
	}

	// Arguments are refused.
	reply, _ = replyOf(t, send(execReq("%status now")))
	if reply.content["status"] != "error" || !strings.Contains(reply.content["evalue"].(string), "usage: %status") {
		t.Errorf("%%status now: %v", reply.content)
	}
}

func TestStatusMagicWithoutEngineStatus(t *testing.T) {
	send := serveEngine(t, &fakeEngine{})
	msgs := send(request(jupyter.Shell, "execute_request", map[string]any{"code": "%status", "silent": true}))
	reply, out := replyOf(t, msgs)
	if out != "" {
		t.Errorf("silent %%status printed %q", out)
	}
	st, ok := reply.metadata["status"].(map[string]any)
	if !ok || st["kernel_pid"] != os.Getpid() {
		t.Fatalf("metadata = %v", reply.metadata)
	}
	if _, ok := st["worker_pid"]; ok {
		t.Errorf("worker fields without an engine that reports them: %v", st)
	}
	_, out = replyOf(t, send(execReq("%status")))
	if !strings.Contains(out, "worker") || !strings.Contains(out, "reports no status") {
		t.Errorf("table = %q", out)
	}
}
