package interp

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	e := newEngine(t)
	st := e.Status()
	pid, _ := st["worker_pid"].(int)
	if pid <= 0 || pid == os.Getpid() || st["worker_alive"] != true {
		t.Fatalf("status = %v", st)
	}
	if rss, _ := st["worker_rss_bytes"].(int64); rss < 1<<20 {
		t.Errorf("worker_rss_bytes = %v, want at least 1 MiB", st["worker_rss_bytes"])
	}
	if up, _ := st["worker_uptime_ns"].(int64); up < 0 || up > int64(time.Hour) {
		t.Errorf("worker_uptime_ns = %v", st["worker_uptime_ns"])
	}
	if st["worker_restarts"] != 0 {
		t.Errorf("worker_restarts = %v before any restart", st["worker_restarts"])
	}

	// A fatal error in a cell, then an explicit restart: two new workers.
	var r record
	res := e.Execute(context.Background(), "m := map[int]int{}\nfor i := 0; i < 4; i++ {\n\tgo func() { for j := 0; ; j++ { m[j] = j } }()\n}\ntime.Sleep(5 * time.Second)", 1, &r)
	if res.Err == nil || res.Err.Name != "fatal error" {
		t.Fatalf("fatal cell: %+v", res.Err)
	}
	if got := e.Status()["worker_restarts"]; got != 1 {
		t.Errorf("worker_restarts = %v after a fatal error, want 1", got)
	}
	if err := e.Restart(); err != nil {
		t.Fatal(err)
	}
	st = e.Status()
	if st["worker_restarts"] != 2 {
		t.Errorf("worker_restarts = %v, want 2", st["worker_restarts"])
	}
	if st["worker_pid"] == pid || st["worker_alive"] != true {
		t.Errorf("after restarts: %v (first worker was %d)", st, pid)
	}
}
