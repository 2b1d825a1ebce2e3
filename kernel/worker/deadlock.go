package worker

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/traefik/yaegi/interp"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/stacks"
)

// Deadlock detection.
//
// Go reports "all goroutines are asleep" only when the whole program is
// stuck, which never happens in a worker that waits for requests. The
// worker does the same check for the cell: while a cell runs, a watchdog
// looks at all goroutines now and then, and when every goroutine of the
// session is blocked on a channel, a lock, a WaitGroup or a select, no
// timer is pending that could wake one, and that is still so a moment
// later, nothing can ever make progress: the cell is stopped with an error
// that says where each goroutine is blocked. Goroutines sleeping, waiting
// for input, for the network, a file or a child process are not blocked
// in this sense.
//
// The interpreter's stop frees goroutines blocked on channels; goroutines
// blocked in a lock or a WaitGroup stay blocked, using no CPU, and
// %goroutines lists them.

// blockedStates are the goroutine states (as tracebacks name them) in which
// only another goroutine can wake a goroutine up.
var blockedStates = []string{
	"chan receive", "chan send", "select", "sync.Mutex.Lock", "sync.RWMutex.Lock",
	"sync.RWMutex.RLock", "sync.WaitGroup.Wait", "sync.Cond.Wait", "semacquire",
}

// stoppedGoroutines are the goroutines running interpreted code when the
// interpreter stopped an evaluation (an interrupt, or a fault of the cell):
// the stop reaches every goroutine of the session, which ends at its next
// interpreted instruction, once the call it is in returns (a time.Sleep of
// an hour, a lock). Such a goroutine wakes no one: the watchdog leaves it
// out (%goroutines still lists those that stay blocked).
type stoppedGoroutines struct {
	mu  sync.Mutex
	ids map[int64]bool
}

// mark records the goroutines running interpreted code now, and forgets
// those that have ended.
func (st *stoppedGoroutines) mark() {
	ids := map[int64]bool{}
	for _, g := range allGoroutines() {
		for _, f := range g.funcs {
			if strings.HasPrefix(f, "github.com/traefik/yaegi/interp.") {
				ids[g.id] = true
				break
			}
		}
	}
	st.mu.Lock()
	st.ids = ids
	st.mu.Unlock()
}

func (st *stoppedGoroutines) has(id int64) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.ids[id]
}

// awaitPanics waits, for up to 200 ms, until no goroutine of the session
// is panicking, so that the panic is reported before the cell's result.
func (w *worker) awaitPanics() {
	if runtime.NumGoroutine() > maxWatched {
		return
	}
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) {
		panicking := false
		for _, g := range allGoroutines() {
			if w.kind(g) != "worker" && slices.Contains(g.funcs, "panic") {
				panicking = true
				break
			}
		}
		if !panicking {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// timers remembers when the timers cells create fire, so that a goroutine
// waiting for one is not taken for deadlocked. Timer.Reset is not seen
// (the interpreter calls methods of library types directly).
type timers struct {
	until   atomic.Int64 // the latest deadline, in Unix nanoseconds
	tickers atomic.Int64 // tickers alive
	// signals holds the channels that signal.Notify delivers to: a
	// goroutine waiting on one waits for a signal, not for nothing.
	signals   map[chan<- os.Signal]bool
	signalsMu sync.Mutex
	contexts  atomic.Int64 // signal.NotifyContext contexts not stopped
	// callback, if set, wraps the functions of time.AfterFunc (to know
	// the cell of the goroutine that runs them, see origins.callback).
	callback func(func()) func()
}

func (t *timers) add(d time.Duration) {
	at := time.Now().Add(d).UnixNano()
	for {
		old := t.until.Load()
		if at <= old || t.until.CompareAndSwap(old, at) {
			return
		}
	}
}

func (t *timers) pending() bool {
	t.signalsMu.Lock()
	waitSignal := len(t.signals) > 0 || t.contexts.Load() > 0
	t.signalsMu.Unlock()
	return waitSignal || t.tickers.Load() > 0 || time.Now().UnixNano() < t.until.Load()+int64(50*time.Millisecond)
}

// symbols wraps the functions of time and context that start timers.
func (t *timers) symbols() interp.Exports {
	ticker := func(tk *time.Ticker) *time.Ticker {
		t.tickers.Add(1)
		runtime.SetFinalizer(tk, func(*time.Ticker) { t.tickers.Add(-1) })
		return tk
	}
	return interp.Exports{
		"time/time": {
			"After":    reflect.ValueOf(func(d time.Duration) <-chan time.Time { t.add(d); return time.After(d) }),
			"NewTimer": reflect.ValueOf(func(d time.Duration) *time.Timer { t.add(d); return time.NewTimer(d) }),
			"AfterFunc": reflect.ValueOf(func(d time.Duration, f func()) *time.Timer {
				t.add(d)
				if t.callback != nil {
					f = t.callback(f)
				}
				return time.AfterFunc(d, f)
			}),
			"NewTicker": reflect.ValueOf(func(d time.Duration) *time.Ticker { return ticker(time.NewTicker(d)) }),
			// A channel from Tick cannot be watched for its end: it
			// counts as a ticker for the rest of the session.
			"Tick": reflect.ValueOf(func(d time.Duration) <-chan time.Time { t.tickers.Add(1); return time.Tick(d) }),
		},
		"os/signal/signal": {
			"Notify": reflect.ValueOf(func(c chan<- os.Signal, sig ...os.Signal) {
				t.signalsMu.Lock()
				if t.signals == nil {
					t.signals = map[chan<- os.Signal]bool{}
				}
				t.signals[c] = true
				t.signalsMu.Unlock()
				signal.Notify(c, sig...)
			}),
			"Stop": reflect.ValueOf(func(c chan<- os.Signal) {
				signal.Stop(c)
				t.signalsMu.Lock()
				delete(t.signals, c)
				t.signalsMu.Unlock()
			}),
			"NotifyContext": reflect.ValueOf(func(p context.Context, sig ...os.Signal) (context.Context, context.CancelFunc) {
				ctx, stop := signal.NotifyContext(p, sig...)
				t.contexts.Add(1)
				var once sync.Once
				return ctx, func() {
					once.Do(func() { t.contexts.Add(-1) })
					stop()
				}
			}),
		},
		"context/context": {
			"WithTimeout": reflect.ValueOf(func(p context.Context, d time.Duration) (context.Context, context.CancelFunc) {
				t.add(d)
				return context.WithTimeout(p, d)
			}),
			"WithDeadline": reflect.ValueOf(func(p context.Context, at time.Time) (context.Context, context.CancelFunc) {
				t.add(time.Until(at))
				return context.WithDeadline(p, at)
			}),
			"WithTimeoutCause": reflect.ValueOf(func(p context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc) {
				t.add(d)
				return context.WithTimeoutCause(p, d, cause)
			}),
			"WithDeadlineCause": reflect.ValueOf(func(p context.Context, at time.Time, cause error) (context.Context, context.CancelFunc) {
				t.add(time.Until(at))
				return context.WithDeadlineCause(p, at, cause)
			}),
		},
	}
}

// maxWatched is the number of goroutines above which the watchdog does not
// look (listing them all would cost more than it is worth).
const maxWatched = 10000

// firstLook is how long a cell runs before the watchdog first looks for a
// deadlock; it then looks every 200 ms, and every second after 5 s.
const firstLook = 100 * time.Millisecond

// watchdog is the worker's goroutine that looks for a deadlock of the
// running cell. It waits on a timer that every cell arms and disarms, so a
// cell that ends within half of firstLook wakes no goroutine for it and
// starts none, which the runtime's count of goroutines created would show
// as the cell's.
type watchdog struct {
	once  sync.Once
	timer *time.Timer

	mu    sync.Mutex
	ctx   context.Context // of the armed cell
	count int
	start time.Time
}

// startWatchdog starts the watchdog's goroutine if it is not running yet.
// Run starts it before the session, among the worker's own goroutines.
func (w *worker) startWatchdog() {
	d := &w.dog
	d.once.Do(func() {
		d.timer = time.NewTimer(time.Hour)
		d.timer.Stop()
		if w.sess != nil {
			w.sess.late.ownGoroutine()
		}
		go func() {
			for range d.timer.C {
				d.mu.Lock()
				ctx, count, start := d.ctx, d.count, d.start
				d.mu.Unlock()
				w.watch(ctx, count, start)
			}
		}()
	})
}

// startWatch arms the watchdog for the running cell, of execution count
// count, until ctx ends; it returns what disarms it. The watchdog wakes
// when the cell has run for half of firstLook, to measure the CPU the cell
// uses in the other half.
func (w *worker) startWatch(ctx context.Context, count int) (stop func()) {
	w.startWatchdog()
	d := &w.dog
	d.mu.Lock()
	d.ctx, d.count, d.start = ctx, count, time.Now()
	d.mu.Unlock()
	d.timer.Reset(firstLook / 2)
	return func() { d.timer.Stop() }
}

// watch looks for a deadlock of the running cell, which started at start,
// until ctx ends; count is the cell's execution count.
func (w *worker) watch(ctx context.Context, count int, start time.Time) {
	delay := firstLook - time.Since(start)
	var prev []int64 // ids of the blocked goroutines at the last look
	u0, s0 := cpuTimes()
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		// A worker that used more than a tenth of a core since the last
		// look is not deadlocked, and is not worth stopping to look at.
		u1, s1 := cpuTimes()
		busy := (u1-u0)+(s1-s0) > delay/10
		u0, s0 = u1, s1
		if time.Since(start) > 5*time.Second {
			delay = time.Second
		} else {
			delay = 200 * time.Millisecond
		}
		if busy {
			prev = nil
			continue
		}
		ids := w.deadlocked()
		if ids == nil {
			prev = nil
			continue
		}
		if !slicesEqual(ids, prev) {
			prev = ids
			continue
		}
		w.fault(w.deadlockError(count))
		return
	}
}

// deadlocked returns the ids of the session's goroutines when all of them
// are blocked, else nil.
func (w *worker) deadlocked() []int64 {
	if runtime.NumGoroutine() > maxWatched || w.sess.timers.pending() {
		return nil
	}
	var ids []int64
	for _, g := range allGoroutines() {
		if w.sess.stopped.has(g.id) {
			continue // it ends when it wakes, and wakes no one
		}
		switch w.kind(g) {
		case "worker":
			continue
		case "blocked":
			ids = append(ids, g.id)
		default:
			return nil
		}
	}
	if w.sess.timers.pending() { // a timer started while we looked
		return nil
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func slicesEqual(a, b []int64) bool {
	if len(a) != len(b) || a == nil {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// deadlockError describes the deadlock of cell count.
func (w *worker) deadlockError(count int) *engine.Error {
	groups := w.groups()
	e := &engine.Error{Name: "deadlock", Value: "all goroutines started by this cell are blocked"}
	e.Traceback = []string{red("deadlock") + ": all goroutines started by this cell are blocked"}
	others := 0
	for _, g := range groups {
		if g.cell != count {
			others += g.count
			continue
		}
		e.Traceback = append(e.Traceback, "  "+w.describeGroup(g, count))
	}
	if others > 0 {
		e.Traceback = append(e.Traceback, fmt.Sprintf("  (and %d goroutine(s) of earlier cells, blocked too)", others))
	}
	e.Traceback = append(e.Traceback,
		"(the cell was stopped, as an interrupt would stop it; the session's values are kept. Goroutines blocked in a lock or a WaitGroup stay blocked, using no CPU: %goroutines lists them)")
	return e
}

// group is goroutines that started at the same place and are in the same
// state.
type group struct {
	count     int
	cell      int  // cell that was running when they started; 0 if unknown
	site      int  // their go statement; -1 for a cell's own flow or code of a library
	main      bool // a cell's own flow
	state     string
	createdBy string
}

// groups lists the session's goroutines by where they started and what
// they do now. Labels (set by supervised go statements and inherited by
// the goroutines they start) say where each started; the goroutine profile
// gives labels, a traceback gives states, and their stacks match them up.
func (w *worker) groups() []group {
	if runtime.NumGoroutine() > maxDetailed {
		return profileGroups(profile(), mainFunc(), inputFunc())
	}
	var out []group
	index := map[group]int{}
	for _, g := range allGoroutines() {
		k := w.kind(g)
		if k == "worker" {
			continue
		}
		gr := group{site: -1, state: describeState(g, k), createdBy: g.creator}
		gr.cell, _ = strconv.Atoi(g.labels[labelCell])
		if s, ok := g.labels[labelSite]; ok {
			gr.site, _ = strconv.Atoi(s)
		}
		if gr.site < 0 {
			gr.main = strings.Contains(strings.Join(g.funcs, " "), "yaegi/interp.(*Interpreter).EvalWithContext.func")
		}
		if gr.site >= 0 || gr.main {
			gr.createdBy = ""
		}
		key := gr
		if i, ok := index[key]; ok {
			out[i].count++
			continue
		}
		gr.count = 1
		index[key] = len(out)
		out = append(out, gr)
	}
	sortGroups(out)
	return out
}

// maxDetailed is the number of goroutines above which groups reads only
// the goroutine profile, which aggregates goroutines with the same stack:
// listing each goroutine's state would take seconds.
const maxDetailed = 2000

// profileGroups makes groups from the goroutine profile alone: states are
// told from the stacks. main and input name the functions of the worker's
// main goroutine and of the wait for input.
func profileGroups(records []stacks.Record, main, input string) []group {
	var out []group
	index := map[group]int{}
	for _, r := range records {
		if !cellRecord(r, main, input) {
			continue
		}
		funcs := r.Funcs()
		gr := group{site: -1, state: describeState(goroutine{funcs: funcs}, "profile")}
		gr.cell, _ = strconv.Atoi(r.Labels[labelCell])
		if s, ok := r.Labels[labelSite]; ok {
			gr.site, _ = strconv.Atoi(s)
		} else {
			gr.main = slices.ContainsFunc(funcs, func(f string) bool {
				return strings.HasPrefix(f, "github.com/traefik/yaegi/interp.(*Interpreter).EvalWithContext.func")
			})
		}
		if i, ok := index[gr]; ok {
			out[i].count += r.Count
			continue
		}
		index[gr] = len(out)
		gr.count = r.Count
		out = append(out, gr)
	}
	sortGroups(out)
	return out
}

func sortGroups(out []group) {
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].cell != out[j].cell {
			return out[i].cell < out[j].cell
		}
		return out[i].main && !out[j].main
	})
}

// describeGroup tells where a group of goroutines started and what they
// do, as seen from cell count.
func (w *worker) describeGroup(g group, count int) string {
	n := "1 goroutine"
	if g.count > 1 {
		n = fmt.Sprintf("%d goroutines", g.count)
	}
	var from string
	switch {
	case g.main && g.cell == count:
		from = "the cell itself"
	case g.main && g.cell > 0:
		from = fmt.Sprintf("the flow of cell %d (stopped)", g.cell)
	case g.site >= 0:
		st, _ := w.sess.sites.get(g.site)
		place := fmt.Sprintf("cell %d, line %d", st.cell, st.line)
		if st.cell == count {
			place = fmt.Sprintf("cell line %d", st.line)
		}
		from = fmt.Sprintf("%s started at %s (%s)", n, place, st.text)
		if g.cell > 0 && g.cell != st.cell {
			from += fmt.Sprintf(" during cell %d", g.cell)
		}
	case g.createdBy != "":
		from = fmt.Sprintf("%s started by %s", n, g.createdBy)
		if g.cell > 0 {
			from += fmt.Sprintf(" during cell %d", g.cell)
		}
	default:
		from = n
	}
	return from + ": " + g.state
}

// describeState says what goroutine g waits for, in Go's words.
func describeState(g goroutine, kind string) string {
	if kind == "input" {
		return "waiting for input"
	}
	for _, f := range g.funcs {
		switch {
		case strings.HasPrefix(f, "github.com/traefik/yaegi/interp.recv"):
			return "blocked in a channel receive"
		case strings.HasPrefix(f, "github.com/traefik/yaegi/interp.rangeChan"):
			return "blocked in a channel receive (for range)"
		case strings.HasPrefix(f, "github.com/traefik/yaegi/interp.send"):
			return "blocked in a channel send"
		case strings.HasPrefix(f, "github.com/traefik/yaegi/interp._select"):
			if g.state == "select (no cases)" {
				return "blocked forever in an empty select"
			}
			return "blocked in a select"
		case strings.HasPrefix(f, "sync.(*") && !strings.Contains(f, "Slow") && !strings.HasSuffix(f, ".func1"):
			// sync.(*Mutex).Lock -> sync.Mutex.Lock
			name := strings.NewReplacer("(*", "", ")", "").Replace(f)
			switch kind {
			case "blocked":
				return "blocked in " + name
			case "profile":
				return "in " + name
			}
		case kind == "profile" && f == "time.Sleep":
			return "sleeping"
		}
	}
	switch {
	case kind == "blocked":
		return "blocked (" + g.state + ")"
	case g.state == "running" || g.state == "runnable":
		return "running"
	case g.state == "sleep":
		return "sleeping"
	case g.state == "IO wait":
		return "waiting for input/output"
	case g.state == "syscall":
		return "in a system call"
	}
	return g.state
}

// listGoroutines describes the goroutines cells left running, for
// %goroutines.
func (w *worker) listGoroutines() string {
	groups := w.groups()
	total := 0
	for _, g := range groups {
		total += g.count
	}
	if total == 0 {
		return "No goroutines of cells are running.\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d goroutine(s) started by cells are still there:\n", total)
	for _, g := range groups {
		where := w.describeGroup(g, 0)
		if g.cell > 0 && !strings.Contains(where, "cell ") {
			where = fmt.Sprintf("cell %d: %s", g.cell, where)
		}
		fmt.Fprintf(&b, "  %s\n", where)
	}
	return b.String()
}
