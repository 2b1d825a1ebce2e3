package session

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/jupyter"
)

// flushConn is a recConn whose iopub is flushed: each Flush is recorded
// among the messages, as "flush" with the number of entries the history
// file held at that moment.
type flushConn struct {
	recConn
	history string
}

func (c *flushConn) Flush(time.Duration) {
	b, _ := os.ReadFile(c.history)
	c.add("flush", nil, fmt.Sprint(bytes.Count(b, []byte("\n"))), nil, nil)
}

// A cell's history entry is written once its status idle has gone out: the
// client waits for the idle, not for the file.
func TestHistoryWrittenAfterTheIdleIsOut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.jsonl")
	h, err := OpenHistory(path)
	if err != nil {
		t.Fatal(err)
	}
	conn := &flushConn{history: path}
	in := start(t, New(conn, Engines{Cells: &fakeEngine{}}, Info{Version: "test"}, h, t.Logf), 1)

	m := request(jupyter.Shell, "execute_request", map[string]any{"code": "1"})
	in <- m
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if b, _ := os.ReadFile(path); bytes.Count(b, []byte("\n")) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cell was not written to the history")
		}
	}
	conn.mu.Lock()
	msgs := append([]sent(nil), conn.msgs...)
	conn.mu.Unlock()
	idle := -1
	for i, s := range msgs {
		if s.kind == "pub" && s.parent == m.Header.MsgID && s.msgType == "status" && s.content["execution_state"] == "idle" {
			idle = i
		}
	}
	if idle < 0 {
		t.Fatalf("no status idle: %v", types(msgs))
	}
	if idle+1 >= len(msgs) || msgs[idle+1].kind != "flush" || msgs[idle+1].msgType != "0" {
		t.Fatalf("after the status idle, want a flush with the history still empty; messages: %v", types(msgs))
	}
}
