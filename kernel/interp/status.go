package interp

import (
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/proctree"
	"github.com/gocurrent/gocurrent/kernel/wire"
)

// Status describes the worker for the %status magic, with these keys:
//
//	worker_pid        int    pid of the current worker process
//	worker_alive      bool   false when it died and no request has started the next one yet
//	worker_rss_bytes  int64  its resident memory (0 when unknown or dead)
//	worker_uptime_ns  int64  how long it has run (0 when unknown)
//	worker_restarts   int    how many times a worker was replaced by a fresh one
func (e *Engine) Status() map[string]any {
	e.mu.Lock()
	p, restarts := e.w, e.restarts
	e.mu.Unlock()
	alive := true
	select {
	case <-p.dead:
		alive = false
	default:
	}
	pid := 0
	if p.cmd.Process != nil {
		pid = p.cmd.Process.Pid
	}
	var rss, up int64
	if alive && pid > 0 {
		rss = proctree.RSS(pid)
		up = int64(proctree.Uptime(pid))
	}
	return map[string]any{
		"worker_pid":       pid,
		"worker_alive":     alive,
		"worker_rss_bytes": rss,
		"worker_uptime_ns": up,
		"worker_restarts":  restarts,
	}
}

// Watch says how many goroutines the running cell has now, asking the
// worker (which answers at once, beside the cell), and which process the
// worker is.
func (e *Engine) Watch() engine.Live {
	live := engine.Live{Goroutines: -1}
	e.mu.Lock()
	p := e.w
	e.mu.Unlock()
	if p == nil || p.cmd.Process == nil {
		return live
	}
	select {
	case <-p.dead:
		return live
	default:
	}
	live.Pids = []int{p.cmd.Process.Pid}
	ch, err := e.call(p, e.id(), wire.Live{})
	if err != nil {
		return live
	}
	select {
	case ev := <-ch:
		if r, ok := ev.(wire.LiveResult); ok {
			live.Goroutines = r.Goroutines
		}
	case <-p.dead:
	case <-time.After(250 * time.Millisecond):
	}
	return live
}
