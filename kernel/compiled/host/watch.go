package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gocurrent/gocurrent/kernel/compiled/host/proto"
	"github.com/gocurrent/gocurrent/kernel/compiled/host/rt"
	"github.com/gocurrent/gocurrent/kernel/stacks"
)

// cellsPrefix starts the names of the cells' functions.
const cellsPrefix = "gocurrent.session/cells/"

// hostGoroutines are the ids of the host's own goroutines, which each
// adds when it starts (with hostGoroutine) and removes when it ends.
var hostGoroutines sync.Map

// hostGoroutine records the calling goroutine as the host's; the
// returned function forgets it.
func hostGoroutine() func() {
	id := rt.GoroutineID()
	hostGoroutines.Store(id, true)
	return func() { hostGoroutines.Delete(id) }
}

// cellGoroutines counts the goroutines that run a cell's code or that a
// cell's code started (runtime.NumGoroutine in cells): the host's own,
// and a cell's runner that has left the cell, are not a program's.
func cellGoroutines() int {
	n := 0
	for _, g := range stacks.Parse(stacks.All()) {
		if strings.HasPrefix(g.CreatedBy, cellsPrefix) || slices.ContainsFunc(g.Frames, func(f stacks.Frame) bool { return strings.HasPrefix(f.Func, cellsPrefix) }) {
			n++
		}
	}
	return n
}

// blockedStates are the goroutine states in which only another goroutine
// can wake a goroutine up.
var blockedStates = []string{
	"chan receive", "chan send", "select", "sync.Mutex.Lock", "sync.RWMutex.Lock",
	"sync.RWMutex.RLock", "sync.WaitGroup.Wait", "sync.Cond.Wait", "semacquire",
}

func blocked(state string) bool {
	return slices.ContainsFunc(blockedStates, func(s string) bool { return strings.HasPrefix(state, s) })
}

// sessionGoroutines are the goroutines of the session's cells (all but
// the host's own).
func sessionGoroutines() []stacks.Goroutine {
	var out []stacks.Goroutine
	for _, g := range stacks.Parse(stacks.All()) {
		if _, ok := hostGoroutines.Load(g.ID); ok {
			continue
		}
		out = append(out, g)
	}
	return out
}

// where describes a goroutine: its state and its innermost frame in a
// cell.
func where(g stacks.Goroutine) string {
	for _, f := range g.Frames {
		if strings.HasPrefix(f.File, "cell[") {
			return fmt.Sprintf("%s at %s:%d", g.State, f.File, f.Line)
		}
	}
	return g.State
}

// interrupt ends the cell if its goroutine waits (the session gives up on
// it: it ends when it next passes a check); a cell that computes cannot be
// stopped so, and the kernel is told.
func (c *cell) interrupt(out *sender) {
	id := c.gid.Load()
	for _, g := range sessionGoroutines() {
		if g.ID != id {
			continue
		}
		if g.State == "running" || g.State == "runnable" {
			break
		}
		rt.Abandon(id)
		c.stop <- proto.Reply{Loaded: true, Interrupted: true, Where: where(g)}
		return
	}
	out.send(proto.Message{Kind: "running"})
}

// watchdog ends the cell when every goroutine of the session is blocked
// (on channels, locks, WaitGroups, selects) with no timer pending that
// could wake one, and still so a moment later: as Go reports "all
// goroutines are asleep", but here the session goes on, with the cell's
// goroutine given up. It looks only while the process is nearly idle.
func watchdog(c *cell, ended chan struct{}) {
	defer hostGoroutine()()
	var prev []int64
	whileRunning(ended, 100*time.Millisecond, func(idle bool) bool {
		if !idle || rt.TimersPending() {
			prev = nil
			return true
		}
		var ids []int64
		var lines []string
		for _, g := range sessionGoroutines() {
			if !blocked(g.State) {
				prev = nil
				return true
			}
			ids = append(ids, g.ID)
			lines = append(lines, fmt.Sprintf("goroutine %d: %s", g.ID, where(g)))
		}
		if len(ids) == 0 || rt.TimersPending() || !slices.Equal(ids, prev) {
			prev = ids
			return true
		}
		rt.Abandon(c.gid.Load())
		c.stop <- proto.Reply{Loaded: true, Deadlock: strings.Join(lines, "\n")}
		return false
	})
}

// describeGoroutines lists the session's goroutines: what each does now,
// where in a cell, and which cell's function started it.
func describeGoroutines() string {
	gs := sessionGoroutines()
	if len(gs) == 0 {
		return "No goroutines: the cells left none running.\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d goroutines of the session:\n", len(gs))
	for _, g := range gs {
		fmt.Fprintf(&b, "  goroutine %d", g.ID)
		if n := len(g.Frames); n > 0 {
			fmt.Fprintf(&b, " runs %s", cellFunc(g.Frames[n-1].Func))
		}
		if g.CreatedBy != "" {
			fmt.Fprintf(&b, ", started by %s", cellFunc(g.CreatedBy))
		}
		fmt.Fprintf(&b, ": %s\n", where(g))
	}
	return b.String()
}

// cellFunc names a function of a cell as the cell does: "cell 3" for the
// cell's own statements, "worker (cell 2)" for a function it declares.
func cellFunc(fn string) string {
	rest, ok := strings.CutPrefix(fn, cellsPrefix)
	if !ok {
		return fn
	}
	pkg, name, _ := strings.Cut(rest, ".")
	n := strings.TrimPrefix(pkg, "c")
	if name == "Gocurrent.Run" || strings.HasPrefix(name, "Gocurrent.Run.") {
		return "cell " + n
	}
	return proto.WrittenName(name) + " (cell " + n + ")"
}
