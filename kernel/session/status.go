package session

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// processStart is when the kernel process started (package initialisation
// runs first thing).
var processStart = time.Now()

// Health is the kernel process's part of what %status reports, as numbers
// for execute_reply metadata.status.
func (k *Kernel) Health() map[string]any {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := map[string]any{
		"kernel_pid":              os.Getpid(),
		"kernel_uptime_ns":        time.Since(processStart).Nanoseconds(),
		"cells_executed":          k.ExecutionCount(),
		"kernel_goroutines":       runtime.NumGoroutine(),
		"kernel_heap_inuse_bytes": int64(ms.HeapInuse),
		"kernel_rss_bytes":        selfRSS(),
	}
	return st
}

// selfRSS is the kernel's resident memory in bytes, from /proc/self/statm
// (Linux); 0 where that is not available.
func selfRSS() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b)) // size resident shared text lib data dt, in pages
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// SetMetadata adds a key to the cell's execute_reply metadata. Magics call
// it on the request's goroutine, before the reply is built.
func (o *output) SetMetadata(key string, v any) {
	if o.metadata == nil {
		o.metadata = map[string]any{}
	}
	o.metadata[key] = v
}
