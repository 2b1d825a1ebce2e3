package proctree

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// RSS is the resident memory of a process in bytes, from
// /proc/PID/status (Linux); 0 where that is not available.
func RSS(pid int) int64 {
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

// Uptime is how long a process has run, from its start time in
// /proc/PID/stat and the system's uptime (Linux); 0 where that is not
// available.
func Uptime(pid int) time.Duration {
	f := Stat(pid)
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
