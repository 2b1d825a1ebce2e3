package magic

import (
	"fmt"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

// FormatTiming is the one-line timing summary shown under a cell.
func FormatTiming(t engine.Timing) string {
	cpu := time.Duration(t.UserNS + t.SysNS)
	wall := time.Duration(t.WallNS)
	run := wall - time.Duration(t.BuildNS) // a native cell's CPU is its run's
	cores := 0.0
	if run > 0 {
		cores = float64(cpu) / float64(run)
	}
	wallText := FormatDuration(wall)
	if t.BuildNS > 0 {
		wallText += fmt.Sprintf(" (build %s, run %s)", FormatDuration(time.Duration(t.BuildNS)), FormatDuration(run))
	}
	s := fmt.Sprintf("⏱ wall %s · CPU %s (user %s, sys %s) · %.2f cores busy · GOMAXPROCS %d · %s",
		wallText, FormatDuration(cpu), FormatDuration(time.Duration(t.UserNS)), FormatDuration(time.Duration(t.SysNS)),
		cores, t.GOMAXPROCS, t.Engine)
	if t.GoroutinesStarted > 0 || t.GoroutinesLeft > 0 {
		s += fmt.Sprintf(" · goroutines: %d started, %d still running", t.GoroutinesStarted, t.GoroutinesLeft)
	}
	return s
}

// FormatDuration writes d with three significant digits, as IPython does:
// 1.21 s, 620 ms, 8 µs.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0 s"
	}
	s := d.Seconds()
	var v float64
	var unit string
	switch {
	case s >= 1:
		v, unit = s, "s"
	case s >= 1e-3:
		v, unit = s*1e3, "ms"
	case s >= 1e-6:
		v, unit = s*1e6, "µs"
	default:
		v, unit = s*1e9, "ns"
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}
