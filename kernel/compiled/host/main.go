// Command host is the process of a compiled session: the kernel writes it
// into the session's module and builds it there, and it loads each cell,
// built as a plugin, into itself and runs it, so that the values and
// goroutines of earlier cells stay alive for later ones.
//
// It reads requests on file descriptor 4, one JSON object a line (run a
// cell, or a line of input for it), and writes messages on file
// descriptor 3: what cells display, when a cell waits for input, and how
// each cell ended. What cells print goes to its standard output and error as it
// is; before each message it writes a marker to both, so that the kernel
// shows the message after what was printed before it.
//
// Started with pool.Command, it is a child process of procs.Map: it opens
// the plugin of the cell that called Map and calls the function on the
// inputs its parent sends (procsrt.RunChild).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"plugin"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/compiled/host/display"
	"github.com/gocurrent/gocurrent/kernel/compiled/host/procsrt"
	"github.com/gocurrent/gocurrent/kernel/compiled/host/proto"
	"github.com/gocurrent/gocurrent/kernel/compiled/host/rt"
	core "github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/procs/pool"
)

// sender writes the messages, from any goroutine.
type sender struct {
	mu     sync.Mutex
	enc    *json.Encoder
	sync   int64
	stdout *os.File // the host's own, whatever cells make os.Stdout
	stderr *os.File
	muted  bool // displays are dropped
}

// mute drops what cells print and display, or stops dropping it.
func (s *sender) mute(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.muted = on
	if !on {
		os.Stdout, os.Stderr = s.stdout, s.stderr
		return
	}
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stdout, os.Stderr = null, null
	}
}

func (s *sender) send(m proto.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.muted && m.Kind != "done" && m.Kind != "input" && m.Kind != "running" {
		return
	}
	s.sync++
	m.Sync = s.sync
	fmt.Fprintf(s.stdout, proto.Marker, m.Sync)
	fmt.Fprintf(s.stderr, proto.Marker, m.Sync)
	if err := s.enc.Encode(m); err != nil {
		os.Exit(2)
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == pool.Command {
		os.Exit(procsrt.RunChild(func(path string) error { _, err := plugin.Open(path); return err }))
	}
	hostGoroutine()
	rt.SetGoroutineCounter(cellGoroutines)
	out := &sender{enc: json.NewEncoder(os.NewFile(3, "messages")), stdout: os.Stdout, stderr: os.Stderr}
	show := func(b core.Bundle) { out.send(proto.Message{Kind: "display", Bundle: &b}) }
	clear := func(wait bool) { out.send(proto.Message{Kind: "clear", Wait: wait}) }
	display.Current = core.New(show, clear)
	wd, _ := os.Getwd() // the session's module, where the kernel starts the host
	procsrt.Attach(filepath.Join(wd, "plug"), show, clear)
	in := &stdin{}
	var current atomic.Pointer[cell]
	runs := make(chan proto.Request)
	go readRequests(runs, in, &current, out)
	for req := range runs {
		c := &cell{req: req, done: make(chan proto.Reply, 1), stop: make(chan proto.Reply, 1)}
		current.Store(c)
		r := run(c, in, out)
		current.Store(nil)
		out.send(proto.Message{Kind: "done", Done: &r})
	}
}

// readRequests reads the kernel's requests: cells to run go to runs, the
// rest is done at once.
func readRequests(runs chan<- proto.Request, in *stdin, current *atomic.Pointer[cell], out *sender) {
	hostGoroutine()
	sc := bufio.NewScanner(os.NewFile(4, "requests"))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var req proto.Request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			fmt.Fprintln(os.Stderr, "gocurrent host: bad proto.Request:", err)
			os.Exit(2)
		}
		switch req.Kind {
		case "input":
			in.feed(req.Text)
		case "eof":
			in.end()
		case "interrupt":
			if c := current.Load(); c != nil {
				c.interrupt(out)
			}
			procsrt.Interrupt()
		case "goroutines":
			out.send(proto.Message{Kind: "goroutines", Text: describeGoroutines()})
		case "live":
			n := int64(-1) // no cell runs
			if c := current.Load(); c != nil {
				n = max(int64(runtime.NumGoroutine())-c.base.Load(), 1)
			}
			out.send(proto.Message{Kind: "live", N: n})
		default:
			runs <- req
		}
	}
	os.Exit(0) // the kernel is gone
}

// cell is a cell being run.
type cell struct {
	req  proto.Request
	gid  atomic.Int64     // its goroutine's id
	done chan proto.Reply // how it ended, from its goroutine
	stop chan proto.Reply // how it ended, when the session gave up on it
	// base is the goroutines of the host that are not the cell's while
	// it runs: those before it and the two that watch it.
	base atomic.Int64
}

// run loads the cell's plugin and runs the cell on a goroutine of its
// own, until it ends or the session gives up on it (an interrupt while it
// waits, or a deadlock).
func run(c *cell, in *stdin, out *sender) (r proto.Reply) {
	before := runtime.NumGoroutine()
	c.base.Store(int64(before) + 2) // and the two watchers below
	u0, s0 := cellCPU()
	start := time.Now()
	ended := make(chan struct{})
	in.fresh()
	var watchers sync.WaitGroup
	watchers.Go(func() { in.watch(ended, func() { out.send(proto.Message{Kind: "input"}) }) })
	watchers.Go(func() { watchdog(c, ended) })
	go runCell(c, out)
	select {
	case r = <-c.done:
	case r = <-c.stop:
	}
	close(ended)
	watchers.Wait() // not counted as the cell's goroutines
	r.Cell = c.req.Cell
	r.GOMAXPROCS = runtime.GOMAXPROCS(0)
	r.GoroutinesBefore = before
	r.WallNS = time.Since(start).Nanoseconds()
	u1, s1 := cellCPU()
	r.UserNS, r.SysNS = u1-u0, s1-s0
	r.GoroutinesAfter = runtime.NumGoroutine()
	return r
}

// runCell is the goroutine of a cell: it loads the cell's plugin (whose
// packages' initialisation is the cell's too) and runs it.
func runCell(c *cell, out *sender) {
	c.gid.Store(rt.GoroutineID())
	var r proto.Reply
	finished := false
	defer func() {
		if v := recover(); v != nil {
			if bp, ok := v.(benchPanic); ok {
				r.Panic, r.Stack = rt.PanicText(bp.value), bp.stack
			} else {
				r.Panic = rt.PanicText(v)
				r.Stack = string(debug.Stack())
			}
		} else if !finished && r.Error == "" {
			r.Panic = "runtime.Goexit called by the cell"
		}
		c.done <- r
	}()
	p, err := plugin.Open(c.req.Plugin)
	if err != nil {
		r.Error = err.Error()
		return
	}
	r.Loaded = true
	sym, err := p.Lookup("Run")
	if err != nil {
		r.Error = err.Error()
		return
	}
	cellRun, ok := sym.(func() (any, bool))
	if !ok {
		r.Error = fmt.Sprintf("the cell's Run is a %T", sym)
		return
	}
	if c.req.Kind == "measure" {
		var bench func(*testing.B)
		if sym, err := p.Lookup("Bench"); err == nil {
			bench, _ = sym.(func(*testing.B))
		}
		r.Measure, r.MeasureError = measure(c.req, c, cellRun, bench, out)
	} else if v, has := cellRun(); has {
		r.Value = core.Value(v)
	}
	finished = true
}

// cpu is the process's user and system CPU time so far.
func cpu() (user, sys int64) { return usage(syscall.RUSAGE_SELF) }

// cellCPU is the CPU time a cell is charged so far: the process's and
// that of its children waited for (procs.Map's, the commands cells run).
func cellCPU() (user, sys int64) {
	u, s := usage(syscall.RUSAGE_SELF)
	cu, cs := usage(syscall.RUSAGE_CHILDREN)
	return u + cu, s + cs
}

func usage(who int) (user, sys int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0, 0
	}
	return ru.Utime.Nano(), ru.Stime.Nano()
}
