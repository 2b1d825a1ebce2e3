package interp

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gocurrent/gocurrent/kernel/proctree"
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
		rss = procRSS(pid)
		up = int64(procUptime(pid))
	}
	return map[string]any{
		"worker_pid":       pid,
		"worker_alive":     alive,
		"worker_rss_bytes": rss,
		"worker_uptime_ns": up,
		"worker_restarts":  restarts,
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
	f := proctree.Stat(pid)
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
