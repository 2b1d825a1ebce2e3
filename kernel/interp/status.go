package interp

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Status describes the worker for the %status magic, with these keys:
//
//	worker_pid                     int    pid of the current worker process
//	worker_alive                   bool   false when it died and no request has started the next one yet
//	worker_rss_bytes               int64  its resident memory (0 when unknown or dead)
//	worker_uptime_ns               int64  how long it has run (0 when unknown)
//	worker_restarts                int    how many times a worker was replaced by a fresh one
//	worker_restarts_counted_since  string when counting began (RFC 3339)
//
// The supervisor keeps no count of its restarts, so Status counts them
// itself: the first call starts watching the engine's worker, and every
// replacement from then on is counted (deaths in a cell, interrupts that
// had to kill the worker, Restart). Restarts before the first call are not
// known; worker_restarts_counted_since says when counting began.
func (e *Engine) Status() map[string]any {
	rw := e.restartWatch()
	e.mu.Lock()
	p := e.w
	e.mu.Unlock()
	rw.observe(p)
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
		rss = procRSS(pid)
		up = int64(procUptime(pid))
	}
	rw.mu.Lock()
	restarts, since := rw.restarts, rw.since
	rw.mu.Unlock()
	return map[string]any{
		"worker_pid":                    pid,
		"worker_alive":                  alive,
		"worker_rss_bytes":              rss,
		"worker_uptime_ns":              up,
		"worker_restarts":               restarts,
		"worker_restarts_counted_since": since.Format(time.RFC3339),
	}
}

// restartWatch counts the replacements of one engine's worker.
type restartWatch struct {
	mu       sync.Mutex
	since    time.Time
	seen     *proc // the newest worker seen
	restarts int
}

// observe notes that p is the engine's worker, counting a replacement if
// it is new, and returns the newest worker seen.
func (rw *restartWatch) observe(p *proc) *proc {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if p != rw.seen {
		rw.seen = p
		rw.restarts++
	}
	return rw.seen
}

// restartWatches holds the watch of each engine that was asked for its
// status (an Engine has no field for it).
var restartWatches sync.Map // *Engine → *restartWatch

func (e *Engine) restartWatch() *restartWatch {
	if v, ok := restartWatches.Load(e); ok {
		return v.(*restartWatch)
	}
	e.mu.Lock()
	first := e.w
	e.mu.Unlock()
	v, loaded := restartWatches.LoadOrStore(e, &restartWatch{since: time.Now(), seen: first})
	rw := v.(*restartWatch)
	if !loaded {
		go e.watchRestarts(rw)
	}
	return rw
}

// watchRestarts waits for each worker to die, then for the engine to
// replace it, and counts the replacement (unless Status saw it first). The
// engine replaces a worker that died in a cell at once, and one that died
// between cells at the next request, so after a death it polls: often at
// first, then slowly. A worker replaced within one poll of its own start
// would be missed; in the kernel a replacement must first load the
// interpreter and run a request before it can die, which takes longer.
func (e *Engine) watchRestarts(rw *restartWatch) {
	for {
		rw.mu.Lock()
		p := rw.seen
		rw.mu.Unlock()
		<-p.dead
		dead := time.Now()
		for {
			wait := 10 * time.Millisecond
			if time.Since(dead) > 2*time.Second {
				wait = 100 * time.Millisecond
			}
			time.Sleep(wait)
			e.mu.Lock()
			q := e.w
			e.mu.Unlock()
			if rw.observe(q) != p {
				break
			}
		}
	}
}

// procRSS is the resident memory of a process in bytes, from
// /proc/PID/status (Linux); 0 where that is not available.
func procRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(v) // "12345 kB"
			if len(f) == 0 {
				return 0
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// procUptime is how long a process has run, from its start time in
// /proc/PID/stat and the system's uptime (Linux); 0 where that is not
// available.
func procUptime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0
	}
	// Field 22 of the line, starttime, in clock ticks after boot; f
	// starts at field 3.
	ticks, err := strconv.ParseInt(f[19], 10, 64)
	if err != nil {
		return 0
	}
	u, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0
	}
	uf := strings.Fields(string(u))
	if len(uf) == 0 {
		return 0
	}
	secs, err := strconv.ParseFloat(uf[0], 64)
	if err != nil {
		return 0
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	d := time.Duration(secs*float64(time.Second)) - time.Duration(ticks)*tick
	return max(d, 0)
}
