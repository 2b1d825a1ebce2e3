package interp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/ledger"
	"github.com/gocurrent/gocurrent/kernel/proctree"
	"github.com/gocurrent/gocurrent/kernel/wire"
)

// Options configure an Engine.
type Options struct {
	// Executable is the gocurrent binary to start workers from; empty
	// means the running one.
	Executable string
	// Late receives output that goroutines print after their cell ended,
	// with the execution count of that cell, and the report of a worker
	// that died between cells, with the count of the last cell it ran.
	Late func(name, text string, from int)
	// LateDisplay receives what a goroutine displays (the display
	// package) after its cell ended, with the execution count of that
	// cell.
	LateDisplay func(data, metadata map[string]any, id string, update bool, from int)
	// Logf logs problems of the kernel itself.
	Logf func(format string, args ...any)
	// InterruptGrace is how long an interrupted cell may take to stop
	// before the worker is restarted; 0 means 2 s.
	InterruptGrace time.Duration
}

// Engine runs cells in a worker process and restarts the worker when it
// dies. It implements engine.Engine.
type Engine struct {
	opt Options

	mu       sync.Mutex
	w        *proc
	nextID   int64
	lastRun  int    // execution count of the last cell started
	restarts int    // workers replaced by a fresh one
	lost     string // how the worker died since the last cell, to tell the next one

	ledger   *ledger.Ledger // the session's declarations (restore.go)
	restored restoreReport  // how the last restore of a fresh worker went
}

var _ engine.Engine = (*Engine)(nil)

// New starts an engine and its first worker.
func New(opt Options) (*Engine, error) {
	if opt.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find own executable to start workers: %w", err)
		}
		opt.Executable = exe
	}
	if opt.Logf == nil {
		opt.Logf = func(string, ...any) {}
	}
	if opt.Late == nil {
		opt.Late = func(string, string, int) {}
	}
	if opt.LateDisplay == nil {
		opt.LateDisplay = func(map[string]any, map[string]any, string, bool, int) {}
	}
	if opt.InterruptGrace == 0 {
		opt.InterruptGrace = 2 * time.Second
	}
	e := &Engine{opt: opt, ledger: ledger.New()}
	w, err := e.start()
	if err != nil {
		return nil, err
	}
	close(w.restoredCh) // nothing to restore
	e.w = w
	return e, nil
}

// proc is one worker process.
type proc struct {
	cmd  *exec.Cmd
	reqs *os.File
	enc  *wire.Writer[wire.Request]
	encM sync.Mutex

	// pump state
	mu      sync.Mutex
	out     engine.Output // the running cell's output, or nil
	count   int           // its execution count, or the last cell's
	waiters map[int64]chan wire.Result
	exitEv  *wire.Exit // os.Exit from a goroutine, announced before dying
	// inputFunc is where the worker waits for input (wire.Ready).
	inputFunc string
	// inCell is set while a cell waits for its result: a death then is
	// the cell's error. claimed is set once the death has been told
	// (see noticeIdleDeath); expected when the kernel ended the worker.
	inCell   bool
	claimed  bool
	expected atomic.Bool

	crash strings.Builder // what the runtime wrote on fd 2 (bounded)
	// stat is the worker's /proc/PID/stat, read at the start of each
	// cell (by one cell at a time) for the CPU a dying cell used.
	stat *proctree.StatFile

	ready chan struct{}
	// restoredCh is closed once the session's declarations were given
	// to this worker, if it replaced one that died (restore.go).
	restoredCh chan struct{}
	dead       chan struct{} // closed when the process has exited and all its output was read
	err        error         // how it exited
}

const maxCrashText = 256 << 10

// workerNice is the worker's scheduling priority (nice value).
const workerNice = 5

func (e *Engine) start() (*proc, error) {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	pipe := func() (r, w *os.File, err error) {
		r, w, err = os.Pipe()
		if err == nil {
			files = append(files, r, w)
		}
		return r, w, err
	}
	outR, outW, err1 := pipe()
	crashR, crashW, err2 := pipe()
	reqR, reqW, err3 := pipe()
	evR, evW, err4 := pipe()
	errR, errW, err5 := pipe()
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		closeAll()
		return nil, fmt.Errorf("start worker: pipes: %w", err)
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		closeAll()
		return nil, fmt.Errorf("start worker: %w", err)
	}
	cmd := exec.Command(e.opt.Executable, wire.WorkerCommand)
	cmd.Stdin = devnull
	cmd.Stdout = outW
	cmd.Stderr = crashW
	cmd.ExtraFiles = []*os.File{reqR, evW, errW}
	key := wire.NewSyncKey()
	cmd.Env = append(os.Environ(), "GOTRACEBACK=all", wire.SyncKeyEnv+"="+key)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		closeAll()
		devnull.Close()
		return nil, fmt.Errorf("start worker %s: %w", e.opt.Executable, err)
	}
	devnull.Close()
	// The worker runs a little below the kernel's priority, so that when
	// cells keep every core busy the kernel still answers heartbeats,
	// interrupts and other clients at once. Without other load this
	// changes no timing.
	if err := syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, workerNice); err != nil {
		e.opt.Logf("lower the worker's priority: %v", err)
	}
	for _, f := range []*os.File{outW, crashW, reqR, evW, errW} {
		f.Close()
	}
	p := &proc{
		cmd:     cmd,
		reqs:    reqW,
		enc:     wire.NewWriter[wire.Request](reqW),
		waiters: map[int64]chan wire.Result{},
		ready:   make(chan struct{}),
		dead:    make(chan struct{}),

		restoredCh: make(chan struct{}),
		stat:       proctree.OpenStat(cmd.Process.Pid),
	}
	go p.pump(e, wire.NewMarkers(key), outR, errR, crashR, evR)
	go func() {
		<-p.dead
		e.noticeIdleDeath(p)
	}()
	return p, nil
}

// send sends r, of request id.
func (p *proc) send(id int64, r wire.Request) error {
	p.encM.Lock()
	defer p.encM.Unlock()
	if err := p.enc.Write(wire.Envelope[wire.Request]{ID: id, Body: r}); err != nil {
		return fmt.Errorf("send %s request to worker: %w", r.Kind(), err)
	}
	return nil
}

// call sends r as request id and returns the channel its result will
// arrive on.
func (e *Engine) call(p *proc, id int64, r wire.Request) (chan wire.Result, error) {
	ch := make(chan wire.Result, 1)
	p.mu.Lock()
	p.waiters[id] = ch
	p.mu.Unlock()
	if err := p.send(id, r); err != nil {
		return nil, err
	}
	return ch, nil
}

// worker returns the live worker, starting a new one if the last one died,
// which is given the session's declarations again before anything else.
func (e *Engine) worker() (*proc, error) {
	e.mu.Lock()
	p := e.w
	select {
	case <-p.dead:
		w, err := e.start()
		if err != nil {
			e.mu.Unlock()
			return nil, err
		}
		e.w = w
		e.restarts++
		e.mu.Unlock()
		e.restore(w) // restore.go
		return w, nil
	default:
	}
	e.mu.Unlock()
	select {
	case <-p.restoredCh:
	case <-p.dead:
	}
	return p, nil
}

func (e *Engine) id() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextID++
	return e.nextID
}

// Execute runs one cell in the worker.
func (e *Engine) Execute(ctx context.Context, code string, count int, out engine.Output) engine.Result {
	ev, res := e.runCell(ctx, wire.Execute{Code: code, Count: count}, count, out)
	if ev != nil {
		return ev.(wire.ExecuteResult).Result
	}
	return res
}

// Measure runs a cell's statements again and again and times them (see
// measure.go).
func (e *Engine) Measure(ctx context.Context, spec engine.MeasureSpec, out engine.Output) engine.Measurement {
	mo := &mutable{out: out}
	ev, res := e.runCell(ctx, wire.Measure{Spec: spec}, spec.Count, mo)
	if m, ok := ev.(wire.MeasureResult); ok {
		return m.Measurement
	}
	if res.Err == nil {
		res.Err = &engine.Error{Name: "worker error", Value: "the worker did not answer the measure request"}
	}
	return engine.Measurement{Engine: "interp", Err: res.Err}
}

// mutable is an Output whose text can be dropped for a while (the repeated
// runs of a measured cell); displays still pass.
type mutable struct {
	out   engine.Output
	muted atomic.Bool
}

func (m *mutable) Stream(name, text string, from int) {
	if !m.muted.Load() || from != 0 {
		m.out.Stream(name, text, from)
	}
}
func (m *mutable) Display(data, md map[string]any, id string, update bool) {
	m.out.Display(data, md, id, update)
}
func (m *mutable) Clear(wait bool) { m.out.Clear(wait) }
func (m *mutable) Input(prompt string, password bool) (string, error) {
	return m.out.Input(prompt, password)
}

// runCell sends r, a request that runs the cell of execution count count,
// and waits for its result; when there is none (the worker died, or was
// killed because the cell would not stop), ev is nil and res says why.
func (e *Engine) runCell(ctx context.Context, r wire.Request, count int, out engine.Output) (ev wire.Result, res engine.Result) {
	start := time.Now()
	p, err := e.worker()
	if err != nil {
		return nil, engine.Result{Err: &engine.Error{Name: "worker error", Value: err.Error(), Traceback: []string{engine.Red("worker error") + ": " + err.Error()}}}
	}
	p.mu.Lock()
	p.out, p.count, p.inCell = out, count, true
	p.mu.Unlock()
	e.mu.Lock()
	e.lastRun = count
	e.mu.Unlock()
	e.TellLoss(out)
	defer func() {
		p.mu.Lock()
		if p.out == out {
			p.out = nil
		}
		p.mu.Unlock()
	}()
	var u0, s0 time.Duration // the worker's CPU times when the cell started
	died := func() engine.Result {
		p.claim()
		res := e.died(p, start)
		if st := p.cmd.ProcessState; st != nil {
			res.Timing.UserNS = max(int64(st.UserTime()-u0), 0)
			res.Timing.SysNS = max(int64(st.SystemTime()-s0), 0)
		}
		return res
	}
	id := e.id()
	ch, err := e.call(p, id, r)
	if err != nil {
		// The request did not reach the worker: none of its CPU time
		// is the cell's.
		<-p.dead
		if st := p.cmd.ProcessState; st != nil {
			u0, s0 = st.UserTime(), st.SystemTime()
		}
		return nil, died()
	}
	// Read once the worker has the request, so that reading the file does
	// not delay the cell; the worker's CPU time in between is a few
	// microseconds, and the tick of these times is 10 ms.
	u0, s0 = cpuTimes(p.stat.Fields())
	result := func(ev wire.Result) (wire.Result, engine.Result) {
		p.mu.Lock()
		p.inCell = false
		p.mu.Unlock()
		e.noticeIdleDeath(p) // a death right after the result is no longer this cell's
		return ev, engine.Result{}
	}
	var grace <-chan time.Time
	interrupted := ctx.Done()
	for {
		select {
		case ev := <-ch:
			return result(ev)
		case <-p.dead:
			select {
			case ev := <-ch: // the result came just before the end
				return result(ev)
			default:
			}
			return nil, died()
		case <-interrupted:
			// Only this cell is stopped: the request names it, and the
			// worker ignores it if that cell has ended meanwhile.
			interrupted = nil
			_ = p.send(id, wire.Interrupt{})
			grace = time.After(e.opt.InterruptGrace)
		case <-grace:
			// The cell is stuck where the interpreter cannot stop it
			// (a goroutine blocked in a lock, a sleep, a system call).
			p.claim()
			p.expected.Store(true)
			e.kill(p)
			<-p.dead
			e.restartAfterDeath()
			res := engine.Result{Err: &engine.Error{
				Name:  "interrupted",
				Value: fmt.Sprintf("the cell did not stop within %v of the interrupt (it is blocked where the interpreter cannot stop it, such as a lock, a channel, a sleep or a system call), so the worker was restarted: %s", e.opt.InterruptGrace, e.lossText()),
			}}
			res.Err.Traceback = []string{engine.Red("Interrupted") + ": " + res.Err.Value}
			res.Timing = deathTiming(start)
			return nil, res
		}
	}
}

func (e *Engine) restartAfterDeath() {
	if _, err := e.worker(); err != nil {
		e.opt.Logf("restart worker: %v", err)
	}
}

// died describes the death of the worker while it ran a cell, once a
// fresh one has its declarations.
func (e *Engine) died(p *proc, start time.Time) engine.Result {
	e.restartAfterDeath()
	err := p.deathError()
	lost := "The worker process ended and a fresh one was started: " + e.lossText()
	err.Traceback = append(err.Traceback, lost)
	err.Value += ". " + lost
	res := engine.Result{Err: err}
	res.Timing = deathTiming(start)
	return res
}

// deathTiming is the timing of a cell whose worker died: its wall time;
// the caller adds CPU times when it knows them.
func deathTiming(start time.Time) engine.Timing {
	return engine.Timing{Engine: "interp", WallNS: time.Since(start).Nanoseconds(), GOMAXPROCS: runtime.GOMAXPROCS(0)}
}

// cpuTimes reads the CPU times of the fields of a /proc/PID/stat file
// (Linux); zero where they are missing.
func cpuTimes(f []string) (user, sys time.Duration) {
	if len(f) < 13 {
		return 0, 0
	}
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut) * tick, time.Duration(st) * tick
}

// deathError tells what killed the worker, from the runtime's report.
func (p *proc) deathError() *engine.Error {
	p.mu.Lock()
	crash := p.crash.String()
	exitEv := p.exitEv
	input := p.inputFunc
	p.mu.Unlock()
	e := &engine.Error{}
	switch {
	case exitEv != nil:
		e.Name = "exit"
		e.Value = fmt.Sprintf("%s was called from a goroutine, which ends the whole program", exitEv.Describe())
	case strings.Contains(crash, "fatal error:"):
		e.Name = "fatal error"
		e.Value = strings.TrimPrefix(firstLineWith(crash, "fatal error:"), "fatal error: ")
	case strings.HasPrefix(crash, "panic:") || strings.Contains(crash, "\npanic:"):
		e.Name = "panic in goroutine"
		e.Value = firstLineWith(crash, "panic:")
	default:
		e.Name = "worker died"
		e.Value = fmt.Sprintf("the worker process ended unexpectedly (%v)", p.err)
		if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			e.Value += "; it was killed, possibly by the system for using too much memory"
		}
	}
	e.Traceback = append(e.Traceback, engine.Red(e.Name)+": "+e.Value)
	if crash != "" {
		e.Traceback = append(e.Traceback, summarizeCrash(crash, input)...)
	}
	return e
}

func firstLineWith(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if i := strings.Index(l, prefix); i >= 0 {
			return strings.TrimSpace(l[i:])
		}
	}
	return prefix
}

func (e *Engine) kill(p *proc) {
	if p.cmd.Process != nil {
		// The worker leads its own process group: children the cell
		// started go with it, and so do those that left the group.
		proctree.KillDescendants(p.cmd.Process.Pid)
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// TellLoss starts a cell's output with the warning that the session's
// values were lost, if a worker died since the last cell (see
// noticeIdleDeath). Every kind of cell calls it first, native ones too:
// they are built with the session's declarations, lost with the worker.
func (e *Engine) TellLoss(out engine.Output) {
	e.mu.Lock()
	lost := e.lost
	e.lost = ""
	e.mu.Unlock()
	if lost != "" {
		out.Stream("stderr", "⚠ The worker process "+lost+"; this cell runs in a fresh worker: "+e.lossText()+"\n", 0)
	}
}

// claim marks the worker's death as told by the cell that was running.
func (p *proc) claim() {
	p.mu.Lock()
	p.claimed = true
	p.mu.Unlock()
}

// noticeIdleDeath tells the user about a worker that died while no cell
// waited for it (killed from outside, or a panic in a timer's callback a
// second after its cell): at once, as late output of the last cell it ran,
// with what the runtime said; and at the start of the next cell, that the
// session's values were lost. A fresh worker is started. It is called when
// the worker has died and when a cell got its result; whichever sees the
// death with no cell waiting tells it, once.
func (e *Engine) noticeIdleDeath(p *proc) {
	select {
	case <-p.dead:
	default:
		return
	}
	p.mu.Lock()
	tell := !p.inCell && !p.claimed
	if tell {
		p.claimed = true
	}
	count := p.count
	p.mu.Unlock()
	if !tell || p.expected.Load() {
		return
	}
	derr := p.deathError()
	after := "before any cell ran"
	if count > 0 {
		after = fmt.Sprintf("after cell %d had finished", count)
	}
	// Told at the start of the next cell (TellLoss), which waits for the
	// fresh worker to have the session's declarations.
	e.mu.Lock()
	e.lost = fmt.Sprintf("died %s (%s)", after, derr.Name+": "+firstLine(derr.Value))
	e.mu.Unlock()
	select {
	case <-p.ready:
		// A fresh worker now, so the next request need not wait for it.
		// One that died before it was ready is replaced by the next
		// request only: a worker that cannot start must not be started
		// again and again.
		e.restartAfterDeath()
	default:
		e.setRestored(restoreReport{})
	}
	lines := append([]string{fmt.Sprintf("The worker process that runs the cells died %s: %s", after, derr.Name+": "+firstLine(derr.Value))}, derr.Traceback[1:]...)
	lines = append(lines, "A fresh worker was started: "+e.lossText())
	e.opt.Late("stderr", strings.Join(lines, "\n")+"\n", count)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, ". The worker process ended")
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// Complete asks the worker for completions.
func (e *Engine) Complete(code string, cursor int) engine.Completion {
	res, ok := ask[wire.CompleteResult](e, wire.Complete{Code: code, Cursor: cursor})
	if !ok {
		return engine.Completion{Start: cursor, End: cursor}
	}
	return res.Completion
}

// Inspect asks the worker for documentation.
func (e *Engine) Inspect(code string, cursor, detail int) engine.Inspection {
	res, ok := ask[wire.InspectResult](e, wire.Inspect{Code: code, Cursor: cursor, Detail: detail})
	if !ok {
		return engine.Inspection{}
	}
	return res.Inspection
}

// ask sends r, a request that does not run a cell, and waits for its
// result, of type R; ok is false when the worker did not answer.
func ask[R wire.Result](e *Engine, r wire.Request) (res R, ok bool) {
	p, err := e.worker()
	if err != nil {
		return res, false
	}
	ch, err := e.call(p, e.id(), r)
	if err != nil {
		return res, false
	}
	select {
	case ev := <-ch:
		res, ok = ev.(R)
		return res, ok
	case <-p.dead:
	case <-time.After(15 * time.Second):
		e.opt.Logf("worker did not answer a %s request", r.Kind())
	}
	return res, false
}

// Restart replaces the worker with a fresh one.
func (e *Engine) Restart() error {
	e.mu.Lock()
	p := e.w
	e.lost = ""
	e.mu.Unlock()
	e.ledger.Reset() // nothing to restore: a restart starts afresh
	p.expected.Store(true)
	e.kill(p)
	<-p.dead
	_, err := e.worker()
	return err
}

// Close stops the worker.
func (e *Engine) Close() error {
	e.mu.Lock()
	p := e.w
	e.mu.Unlock()
	p.expected.Store(true)
	p.reqs.Close()
	select {
	case <-p.dead:
	case <-time.After(time.Second):
		e.kill(p)
		<-p.dead
	}
	return nil
}

// WaitReady waits until the worker has loaded the interpreter.
func (e *Engine) WaitReady(timeout time.Duration) error {
	p, err := e.worker()
	if err != nil {
		return err
	}
	select {
	case <-p.ready:
		return nil
	case <-p.dead:
		p.mu.Lock()
		defer p.mu.Unlock()
		return fmt.Errorf("worker died while starting (%v): %s", p.err, p.crash.String())
	case <-time.After(timeout):
		return fmt.Errorf("worker not ready after %v", timeout)
	}
}

// Goroutines describes the goroutines that cells started and that are
// still there: where each started and what it does now.
func (e *Engine) Goroutines() (string, error) {
	res, ok := ask[wire.GoroutinesResult](e, wire.Goroutines{})
	if !ok {
		return "", errors.New("the worker did not answer")
	}
	return res.Text, nil
}
