package magic

import (
	"fmt"
	"runtime"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/sigfig"
)

// FormatTiming is the one-line timing summary shown under a cell. It
// starts with », which every font has (Latin-1), and its parts are
// separated by middle dots (Latin-1 too).
func FormatTiming(t engine.Timing) string {
	cpu := time.Duration(t.UserNS + t.SysNS)
	wall := time.Duration(t.WallNS)
	run := wall - time.Duration(t.BuildNS) // a native cell's CPU is its run's
	cores := 0.0
	if run > 0 {
		cores = float64(cpu) / float64(run)
	}
	wallText := sigfig.Duration(wall)
	if t.BuildNS > 0 {
		wallText += fmt.Sprintf(" (build %s, run %s)", sigfig.Duration(time.Duration(t.BuildNS)), sigfig.Duration(run))
	}
	busy := fmt.Sprintf("%.2f cores busy", cores)
	if n := runtime.NumCPU(); cores > float64(n)+0.05 {
		// More CPU than the cores can give: the CPU clock of a short
		// cell is coarse. Shown as measured, and said so.
		busy += fmt.Sprintf(" (more than the %d cores: CPU time this short is measured coarsely)", n)
	}
	s := fmt.Sprintf("» wall %s · CPU %s (user %s, sys %s) · %s · GOMAXPROCS %d · %s",
		wallText, sigfig.Duration(cpu), sigfig.Duration(time.Duration(t.UserNS)), sigfig.Duration(time.Duration(t.SysNS)),
		busy, t.GOMAXPROCS, t.Engine)
	if t.GoroutinesStarted > 0 || t.GoroutinesLeft > 0 {
		s += fmt.Sprintf(" · goroutines: %d started, %d still running", t.GoroutinesStarted, t.GoroutinesLeft)
	}
	if t.Note != "" {
		s += " · " + t.Note
	}
	return s
}
