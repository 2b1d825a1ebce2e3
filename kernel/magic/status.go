package magic

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/sigfig"
)

// showStatus prints the %status table and puts its numbers in the
// reply's metadata: the kernel's own, and the engine's where it reports
// them (the interpreter's worker process).
func (m *Magics) showStatus(out Output) {
	st := m.sess.Health()
	if r, ok := m.cells.(engine.StatusReporter); ok {
		for key, v := range r.Status() {
			if _, taken := st[key]; !taken {
				st[key] = v
			}
		}
	}
	out.Stream("stdout", formatStatus(st), 0)
	out.SetMetadata("status", st)
}

// statusRows are the known keys in the order they are shown, with labels.
var statusRows = []struct{ key, label string }{
	{"kernel_pid", "kernel pid"},
	{"kernel_uptime_ns", "kernel uptime"},
	{"cells_executed", "cells executed"},
	{"kernel_goroutines", "kernel goroutines"},
	{"kernel_heap_inuse_bytes", "kernel heap in use"},
	{"kernel_rss_bytes", "kernel RSS"},
	{"worker_pid", "worker pid"},
	{"worker_uptime_ns", "worker uptime"},
	{"worker_rss_bytes", "worker RSS"},
	{"worker_restarts", "worker restarts"},
}

// formatStatus writes st as a two-column table.
func formatStatus(st map[string]any) string {
	type row struct{ label, value string }
	var rows []row
	shown := map[string]bool{"worker_alive": true}
	for _, r := range statusRows {
		v, ok := st[r.key]
		if !ok {
			continue
		}
		shown[r.key] = true
		rows = append(rows, row{r.label, statusValue(r.key, v, st)})
	}
	var rest []string
	for key := range st {
		if !shown[key] {
			rest = append(rest, key)
		}
	}
	sort.Strings(rest)
	for _, key := range rest {
		rows = append(rows, row{strings.ReplaceAll(key, "_", " "), fmt.Sprint(st[key])})
	}
	if _, ok := st["worker_pid"]; !ok {
		rows = append(rows, row{"worker", "(this engine reports no status)"})
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r.label))
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%-*s  %s\n", width, r.label, r.value)
	}
	return b.String()
}

func statusValue(key string, v any, st map[string]any) string {
	n, isNum := asInt64(v)
	switch {
	case key == "worker_pid" && st["worker_alive"] == false:
		return fmt.Sprintf("%v (exited; the next cell starts a fresh worker)", v)
	case strings.HasSuffix(key, "_ns") && isNum:
		if n == 0 && strings.HasPrefix(key, "worker_") {
			return "-"
		}
		return formatUptime(time.Duration(n))
	case strings.HasSuffix(key, "_bytes") && isNum:
		if n == 0 && strings.HasPrefix(key, "worker_") {
			return "-"
		}
		return formatBytes(n)
	}
	return fmt.Sprint(v)
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case uint64:
		return int64(n), true
	case float64:
		return int64(n), true
	}
	return 0, false
}

// formatUptime: "12.3 s" under a minute, then "3m12s", "2h5m0s".
func formatUptime(d time.Duration) string {
	if d < time.Minute {
		return sigfig.Duration(d)
	}
	return d.Round(time.Second).String()
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
