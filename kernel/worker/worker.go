package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/unrestricted"

	"github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/exepages"
	"github.com/gocurrent/gocurrent/kernel/heapkeep"
	"github.com/gocurrent/gocurrent/kernel/ledger"
	"github.com/gocurrent/gocurrent/kernel/proctree"
	"github.com/gocurrent/gocurrent/kernel/wire"
)

// DisplayPath is the import path of the display package in cells.
const DisplayPath = "gocurrent/display"

// worker is the state of the worker process.
type worker struct {
	stdio                 // the cells' output pipes (stdio.go)
	markers  wire.Markers // sync markers
	events   eventWriter
	eventsMu sync.Mutex
	seq      int64 // last sync marker; under eventsMu

	inputs      chan wire.Input // input replies
	inputWarned atomic.Bool     // the running cell was told that no input comes
	dog         watchdog        // deadlock.go

	mu       sync.Mutex
	cancel   context.CancelFunc // of the running cell
	cur      int64              // id of the running execute request
	last     int64              // id of the last cell started
	early    int64              // id of a cell interrupted before it started
	faultErr *engine.Error      // why the running cell was stopped, if not by an interrupt

	sess *session
	mem  memoryKeeper // memory.go
}

// eventWriter writes the worker's events: to the kernel, or to the pool
// of a child of procs.Map (poolEvents, procs.go).
type eventWriter interface {
	Write(wire.Envelope[wire.Event]) error
}

// Run is the worker process's main function (the gocurrent binary started
// with the hidden argument wire.WorkerCommand). It returns when the
// kernel closes the request pipe. A cell still running then is not waited
// for: the kernel is stopping the worker, or it died (killed with SIGKILL,
// its end of the pipe closes with it) and nothing would read the cell's
// output or interrupt it. The worker exits at once; the programs its cells
// started go first, running cell or not.
func Run() error {
	labelWorker() // every goroutine the worker starts is labelled its own (goroutines.go)
	w := &worker{inputs: make(chan wire.Input, 1), markers: wire.MarkersFromEnv()}
	// The requests are read through the runtime's poller: a read that
	// blocks in the system would hold a thread, and the runtime would
	// wake another for each request's work.
	_ = syscall.SetNonblock(3, true)
	cellErr := os.NewFile(5, "cell-stderr")
	reqs := os.NewFile(3, "requests")
	evs := os.NewFile(4, "events")
	if cellErr == nil || reqs == nil || evs == nil {
		return errors.New("worker: file descriptors 3, 4 and 5 must be open (the worker is started by the kernel)")
	}
	// Programs the cell starts inherit only standard input and output.
	for _, fd := range []int{3, 4, 5} {
		syscall.CloseOnExec(fd)
	}
	w.setStdio(os.Stdout, cellErr)
	limitMemory()
	w.events = wire.NewWriter[wire.Event](evs)
	w.startWatchdog() // deadlock.go
	s, err := newSession(w)
	if err != nil {
		return fmt.Errorf("worker: start interpreter: %w", err)
	}
	w.sess = s
	s.declared = func(d ledger.Delta) { w.send(0, wire.Declared{Delta: d}) }
	w.send(0, wire.Ready{InputFunc: inputFunc()})
	releaseStartPages()

	work := make(chan wire.Envelope[wire.Request], 16)
	go func() {
		defer func() {
			proctree.KillDescendants(os.Getpid())
			if w.busy() {
				os.Exit(0)
			}
			close(work)
		}()
		rd := wire.NewRequestReader(reqs)
		for {
			m, err := rd.Read()
			if errors.Is(err, wire.ErrMalformed) {
				fmt.Fprintf(os.Stderr, "gocurrent worker: bad request: %v\n", err)
				continue
			}
			if err != nil {
				return
			}
			switch r := m.Body.(type) {
			case wire.Interrupt:
				w.interrupt(m.ID)
			case wire.Live:
				n := int64(-1) // no cell runs in the worker
				if w.busy() {
					n = s.cellGoroutines()
				}
				w.send(m.ID, wire.LiveResult{Goroutines: n})
			case wire.Input:
				select {
				case w.inputs <- r:
				default:
				}
			default:
				work <- m
			}
		}
	}()
	// Fires when no request has come for idleAfter. Its channel starts
	// no goroutine, which cells would count as their own.
	idle := time.NewTimer(heapkeep.IdleAfter)
	for {
		var m wire.Envelope[wire.Request]
		select {
		case <-idle.C:
			w.mem.whenIdle() // memory.go
			continue
		case next, ok := <-work:
			if !ok {
				return nil
			}
			m = next
		}
		idle.Stop()
		id := m.ID
		switch r := m.Body.(type) {
		case wire.Execute:
			res := w.execute(id, r)
			w.sendSynced(id, wire.ExecuteResult{Result: res})
			w.mem.afterCell() // memory.go
		case wire.Measure:
			w.sendSynced(id, wire.MeasureResult{Measurement: w.measureIn(id, r)}) // measure.go
			w.mem.afterCell()
		case wire.Declarations:
			w.send(id, wire.DeclarationsResult{Declarations: s.declarations()})
		case wire.Replay:
			var failed []ledger.Failure
			w.asCell(id, 0, func(ctx context.Context) { failed = s.replay(ctx, r.Decls) }) // replay.go
			w.sendSynced(id, wire.ReplayResult{Failures: failed})
		case wire.Goroutines:
			w.send(id, wire.GoroutinesResult{Text: w.listGoroutines()})
		case wire.Complete:
			w.send(id, wire.CompleteResult{Completion: s.complete(r.Code, r.Cursor)})
		case wire.Inspect:
			w.send(id, wire.InspectResult{Inspection: s.inspect(r.Code, r.Cursor, r.Detail)})
		case wire.Evaluate:
			w.send(id, wire.EvaluateResult{Values: s.evaluate(r.Exprs)}) // evaluate.go
		}
		idle.Reset(heapkeep.IdleAfter)
	}
}

func (w *worker) execute(id int64, r wire.Execute) engine.Result {
	var res engine.Result
	w.asCell(id, r.Count, func(ctx context.Context) {
		res = w.sess.run(ctx, r.Code, r.Count)
	})
	return res
}

// asCell runs f as the cell of request id, with execution count count:
// interruptible, watched for deadlocks, its goroutines labelled with the
// cell.
func (w *worker) asCell(id int64, count int, f func(ctx context.Context)) {
	ctx, cancel := context.WithCancel(context.Background())
	w.mu.Lock()
	w.cancel, w.cur, w.last, w.faultErr = cancel, id, id, nil
	if w.early == id {
		cancel() // interrupted while it waited for its turn
	}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		w.cancel, w.cur, w.faultErr = nil, 0, nil
		w.mu.Unlock()
		cancel()
	}()
	w.restoreStdio()
	w.inputWarned.Store(false)
	// Drop an input reply left over from an earlier cell.
	select {
	case <-w.inputs:
	default:
	}
	defer w.startWatch(ctx, count)() // deadlock.go
	// The cell's goroutines inherit the label of the cell, which says in
	// the deadlock report and %goroutines where they come from.
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(labelCell, strconv.Itoa(count))))
	defer pprof.SetGoroutineLabels(workerLabels())
	f(ctx)
	if w.sess != nil {
		w.sess.late.cellEnded() // what the cell's goroutines print now is late
	}
}

// busy reports whether a cell is running.
func (w *worker) busy() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cancel != nil
}

// interrupt stops the running cell, its goroutines and the processes it
// started, if that cell is the one of request id. An interrupt for a cell
// not started yet (the kernel sends it right after the cell's request)
// stops that cell as it starts; one that arrives after its cell ended
// stops nothing.
func (w *worker) interrupt(id int64) {
	w.mu.Lock()
	if id > w.last {
		w.early = id
	}
	running := w.cancel != nil && w.cur == id
	if running {
		w.cancel()
	}
	w.mu.Unlock()
	if running {
		w.sess.procs.interrupt() // procs.go
		proctree.ReapLater(proctree.KillDescendants(os.Getpid()))
	}
}

// fault stops the running cell because of e (a panic in one of its
// goroutines, a deadlock); the cell's error will be e. It reports false
// when no cell is running.
func (w *worker) fault(e *engine.Error) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel == nil {
		return false
	}
	if w.faultErr == nil {
		w.faultErr = e
	}
	w.cancel()
	return true
}

// takeFault returns why the running cell was stopped, if fault stopped it.
func (w *worker) takeFault() *engine.Error {
	w.mu.Lock()
	defer w.mu.Unlock()
	e := w.faultErr
	w.faultErr = nil
	return e
}

func (w *worker) currentID() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.cur
}

// send sends ev, of request id (0: none).
func (w *worker) send(id int64, ev wire.Event) {
	w.eventsMu.Lock()
	defer w.eventsMu.Unlock()
	if err := w.events.Write(wire.Envelope[wire.Event]{ID: id, Body: ev}); err != nil {
		fmt.Fprintf(os.Stderr, "gocurrent worker: send event: %v\n", err)
	}
}

// sendSynced writes a sync marker to both output pipes, then sends ev with
// the marker's number, so that the kernel shows ev after all output
// written before it.
func (w *worker) sendSynced(id int64, ev wire.Event) {
	w.eventsMu.Lock()
	defer w.eventsMu.Unlock()
	w.seq++
	m := w.markers.Marker(w.seq)
	_, _ = w.ownOut.Write(m)
	_, _ = w.ownErr.Write(m)
	if err := w.events.Write(wire.Envelope[wire.Event]{ID: id, Seq: w.seq, Body: ev}); err != nil {
		fmt.Fprintf(os.Stderr, "gocurrent worker: send event: %v\n", err)
	}
}

func (w *worker) display(b display.Bundle) {
	ev := wire.Display{Data: b.Data, Metadata: b.Metadata, ID: b.ID, Update: b.Update}
	if w.sess != nil {
		if from, late := w.sess.late.from(); late {
			ev.From = from // a goroutine of an earlier cell: shown as that cell's
		}
	}
	w.sendSynced(w.currentID(), ev)
}

func (w *worker) clear(wait bool) {
	w.sendSynced(w.currentID(), wire.Clear{Wait: wait})
}

// input asks the kernel for a line of input and waits for it.
func (w *worker) input(prompt string) (string, error) {
	w.sendSynced(w.currentID(), wire.Prompt{Prompt: prompt})
	r, ok := <-w.inputs
	if !ok || r.Err != "" {
		if r.NoInput {
			return "", fmt.Errorf("input: %w", engine.ErrNoInput)
		}
		return "", fmt.Errorf("input: %s", r.Err)
	}
	return r.Text, nil
}

// inputReader is the cell's standard input as fmt.Scan sees it: each time
// its buffer runs dry it asks the frontend for a line.
type inputReader struct {
	w   *worker
	buf []byte
}

func (r *inputReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		line, err := r.w.input("")
		if err != nil {
			// As a program run with no input (go run < /dev/null)
			// reads end of file; where the frontend gives none, the
			// user is told why, once a cell.
			if errors.Is(err, engine.ErrNoInput) && !r.w.inputWarned.Swap(true) {
				fmt.Fprintf(r.w.stderr, "gocurrent: %v, so standard input reads as empty (EOF), as under go run < /dev/null\n", err)
			}
			return 0, io.EOF
		}
		r.buf = []byte(line + "\n")
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// exitText names a call that ends a program: os.Exit(3), log.Fatal (exit
// status 1).
func exitText(call string, code int) string {
	if call == "os.Exit" {
		return fmt.Sprintf("os.Exit(%d)", code)
	}
	return fmt.Sprintf("%s (exit status %d)", call, code)
}

// goexitPanic unwinds a cell whose own flow called runtime.Goexit.
type goexitPanic struct{}

// goexit replaces runtime.Goexit in cells: on the cell's own goroutine it
// unwinds with goexitPanic, which ends the cell with an error (the
// interpreter would go on after it); elsewhere it is runtime.Goexit.
func goexit() {
	if onCellFlow(ownStack()) {
		panic(goexitPanic{})
	}
	runtime.Goexit()
}

// ownStack is the calling goroutine's stack.
func ownStack() string {
	buf := make([]byte, 64<<10)
	return string(buf[:runtime.Stack(buf, false)])
}

// onCellFlow reports whether stack is that of a cell's own flow (the
// interpreter's evaluation of the cell), not of a goroutine it started.
func onCellFlow(stack string) bool {
	return strings.Contains(stack, "yaegi/interp.(*Interpreter).Execute(")
}

// exitPanic unwinds a cell that called os.Exit or log.Fatal.
type exitPanic struct {
	call string
	code int
}

// exit replaces os.Exit in cells. On the cell's own goroutine, and on
// goroutines started by go statements of cells (which are supervised, see
// supervise.go), it unwinds with exitPanic: the cell ends with an error and
// the session is kept. From other goroutines (started by library code,
// such as an HTTP handler's) there is no way to stop just that goroutine,
// so it tells the kernel and ends the worker with the code, as Go would.
func (w *worker) exit(call string, code int) {
	stack := ownStack()
	if onCellFlow(stack) ||
		(w.sess != nil && !w.sess.inProgram.Load() && strings.Contains(stack, "\ncreated by github.com/traefik/yaegi/interp.")) {
		panic(exitPanic{call: call, code: code})
	}
	w.sendSynced(w.currentID(), wire.Exit{Code: code, Call: call})
	os.Exit(code)
}

// symbols returns the standard library as the interpreter sees it, with
// os.Exit and log.Fatal replaced and the display package added.
func (w *worker) symbols(d *display.Display) []interp.Exports {
	exit := func(code int) { w.exit("os.Exit", code) }
	fatal := func(call string, msg string) {
		if !strings.HasSuffix(msg, "\n") {
			msg += "\n"
		}
		_, _ = io.WriteString(w.stderr, msg)
		w.exit(call, 1)
	}
	overrides := interp.Exports{
		"os/os": {
			"Exit":   reflect.ValueOf(exit),
			"Stdout": reflect.ValueOf(&w.stdout).Elem(),
			"Stderr": reflect.ValueOf(&w.stderr).Elem(),
		},
		"runtime/runtime": {
			"Goexit": reflect.ValueOf(goexit),
		},
		"log/log": {
			"Fatal":   reflect.ValueOf(func(v ...any) { fatal("log.Fatal", fmt.Sprint(v...)) }),
			"Fatalf":  reflect.ValueOf(func(f string, v ...any) { fatal("log.Fatalf", fmt.Sprintf(f, v...)) }),
			"Fatalln": reflect.ValueOf(func(v ...any) { fatal("log.Fatalln", fmt.Sprintln(v...)) }),
		},
	}
	return []interp.Exports{stdlib.Symbols, unrestricted.Symbols, overrides, d.Symbols(DisplayPath)}
}

// limitMemory caps the worker's heap (and that of the programs it starts)
// with RLIMIT_DATA, so that a cell that allocates without end gets Go's
// "fatal error: out of memory" instead of pushing the machine into swap or
// the kernel's OOM killer: half the machine's memory, or
// GOCURRENT_WORKER_MEMORY_MB megabytes.
func limitMemory() {
	limit := uint64(0)
	if mb, err := strconv.ParseUint(os.Getenv("GOCURRENT_WORKER_MEMORY_MB"), 10, 64); err == nil && mb > 0 {
		limit = mb << 20
	} else if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb uint64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			limit = kb << 10 / 2
		}
	}
	if limit == 0 {
		return
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_DATA, &rl); err == nil && rl.Cur > limit {
		rl.Cur = limit
		if err := syscall.Setrlimit(syscall.RLIMIT_DATA, &rl); err != nil {
			fmt.Fprintf(os.Stderr, "gocurrent worker: limit memory: %v\n", err)
		}
	}
}

// releaseStartPages gives back the executable's pages that the start-up
// read (exepages): the interpreter's symbol tables are built by code that
// will not run again.
func releaseStartPages() {
	if _, err := exepages.Release(); err != nil {
		fmt.Fprintf(os.Stderr, "gocurrent worker: %v\n", err)
	}
}
