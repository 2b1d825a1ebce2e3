package pool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"

	"github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/stacks"
)

// The parent side of a process pool.
//
// One procs.Map call is one mapCall. It runs on the goroutine that called
// Map and starts no goroutine of its own (cells count the goroutines they
// start): one epoll loop reads every child's pipes. Blocked in epoll_wait,
// the goroutine is in a system call, which the deadlock watchdog counts as
// waiting for the outside world, as for a child started with os/exec.
//
// Each child has five pipes, laid out as the worker's (see RunChild):
// its standard output and the cells' standard error, forwarded to the
// cell's output with the sync markers taken out; its standard error, the Go
// runtime's crash report, kept to explain a crash; tasks from the parent
// (the setup, then one input at a time); and messages to the parent (ready,
// results, displays, os.Exit). The end of the message pipe, which programs
// the child starts do not inherit, says that the child has exited; it is
// then waited for at once, so that no zombie is left and its CPU time
// counts in the cell's timing (RUSAGE_CHILDREN).

// message is a message between a parent and a child: a task (Task, In)
// or, from the child, an event of the pool (procs-ready, procs-result,
// procs-load-error) or of the child's session (display, clear, exit,
// with the fields of the worker's events).
type message struct {
	Event
	Task    int             `json:"task"`
	In      json.RawMessage `json:"in,omitempty"`
	Out     json.RawMessage `json:"out,omitempty"`
	Kind    string          `json:"kind,omitempty"` // of a failed task
	Message string          `json:"message,omitempty"`
	Ends    bool            `json:"ends,omitempty"` // the child ends after this message
}

// Event is a message from a child's session that the pool acts on:
// Op "display", "clear" or "exit", with its fields. (The pool's own
// messages use Op too.)
type Event struct {
	Op string `json:"op,omitempty"`
	// display
	Data     map[string]any `json:"data,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	DispID   string         `json:"display_id,omitempty"`
	Update   bool           `json:"update,omitempty"`
	// clear
	Wait bool `json:"wait,omitempty"`
	// exit: os.Exit or log.Fatal is about to end the child.
	Code int    `json:"code,omitempty"`
	Call string `json:"call,omitempty"`
}

// mapCall is one procs.Map call.
type mapCall struct {
	g       *Group
	parent  Parent
	setup   any // the first message to each child
	n       int
	inputs  reflect.Value
	results reflect.Value

	mu      sync.Mutex
	stopped bool
	wakeW   int // written to by stop; -1 once closed

	epfd     int
	wakeR    int
	enc      []json.RawMessage
	queue    []int // inputs not yet sent
	failures map[int]*Failure
	children map[*childProc]bool
	streams  map[int]*stream // by file descriptor
	abort    error           // why the pool stopped early
	markers  Markers         // of the children's sync markers
	out, err io.Writer
}

// childProc is one child process, as its parent sees it.
type childProc struct {
	proc   *os.Process
	tasks  *os.File // the write end of its task pipe
	ready  bool
	task   int // input it works on, -1 if none
	exit   *message
	events *stream
	outs   []*stream // stdout, cells' stderr, crash report
	crash  []byte    // the tail of its crash report
}

// stream is the parent's end of a pipe of a child.
type stream struct {
	c    *childProc
	fd   int
	kind string // "events", "stdout", "stderr", "crash"
	buf  []byte // an incomplete line or marker
}

func (r *mapCall) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	if r.wakeW >= 0 {
		_, _ = syscall.Write(r.wakeW, []byte{1})
	}
}

func (r *mapCall) isStopped() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stopped
}

// run runs the pool with at most workers children at a time.
func (r *mapCall) run(workers int) (err error) {
	r.failures = map[int]*Failure{}
	r.children = map[*childProc]bool{}
	r.streams = map[int]*stream{}
	r.enc = make([]json.RawMessage, r.n)
	for i := range r.n {
		b, err := inputJSON(r.inputs.Index(i))
		if err != nil {
			r.fail(i, "encode", "the input cannot cross to a process as JSON: "+err.Error())
			continue
		}
		r.enc[i] = b
		r.queue = append(r.queue, i)
	}
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	r.out, r.err = r.parent.Stdout(), r.parent.Stderr()

	if r.epfd, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		return fmt.Errorf("procs.Map: epoll: %w", err)
	}
	defer syscall.Close(r.epfd)
	var wake [2]int
	if err := syscall.Pipe2(wake[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		return fmt.Errorf("procs.Map: pipe: %w", err)
	}
	r.wakeR, r.wakeW = wake[0], wake[1]
	defer func() {
		r.mu.Lock()
		syscall.Close(r.wakeW)
		r.wakeW = -1
		r.mu.Unlock()
		syscall.Close(r.wakeR)
	}()
	if err := r.watch(r.wakeR); err != nil {
		return err
	}
	r.g.mu.Lock()
	r.g.runs[r] = true
	r.g.mu.Unlock()
	defer func() {
		r.g.mu.Lock()
		delete(r.g.runs, r)
		r.g.mu.Unlock()
	}()
	defer func() {
		if v := recover(); v != nil {
			r.killAll() // no child is left running, nor a zombie
			panic(v)
		}
	}()

	busy := 0 // children working on an input
	events := make([]syscall.EpollEvent, 32)
	for {
		if r.isStopped() && r.abort == nil {
			r.abort = errors.New("procs.Map: interrupted")
		}
		if r.abort != nil {
			r.killAll()
			break
		}
		busy = 0
		for c := range r.children {
			if c.task >= 0 {
				busy++
			}
		}
		for len(r.children) < min(workers, len(r.queue)+busy) {
			if err := r.start(); err != nil {
				r.abort = err
				break
			}
		}
		if r.abort != nil {
			continue
		}
		if len(r.children) == 0 {
			break
		}
		n, err := syscall.EpollWait(r.epfd, events, 1000)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			r.abort = fmt.Errorf("procs.Map: epoll: %w", err)
			continue
		}
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			if fd == r.wakeR {
				var b [64]byte
				_, _ = syscall.Read(fd, b[:])
				continue
			}
			if st := r.streams[fd]; st != nil {
				r.read(st)
			}
		}
	}
	if r.abort != nil {
		return r.abort
	}
	if len(r.failures) == 0 {
		return nil
	}
	e := &Error{Inputs: r.n}
	for _, f := range r.failures {
		e.Failures = append(e.Failures, f)
	}
	sort.Slice(e.Failures, func(i, j int) bool { return e.Failures[i].Index < e.Failures[j].Index })
	return e
}

func (r *mapCall) watch(fd int) error {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}
	if err := syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("procs.Map: epoll: %w", err)
	}
	return nil
}

// fail records that input i failed.
func (r *mapCall) fail(i int, kind, msg string) {
	f := &Failure{Index: i, Kind: kind, Message: msg}
	if v := r.inputs.Index(i); v.CanInterface() {
		f.Input = v.Interface()
	}
	if r.enc != nil && r.enc[i] != nil {
		f.inputJSON = string(r.enc[i])
	} else {
		f.inputJSON = fmt.Sprintf("%v", f.Input)
	}
	r.failures[i] = f
}

// start starts a child and sends it the setup.
func (r *mapCall) start() (err error) {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("procs.Map: find the gocurrent binary: %w", err)
	}
	var parentEnds, childEnds []int
	defer func() {
		for _, fd := range childEnds {
			syscall.Close(fd)
		}
		if err != nil {
			for _, fd := range parentEnds {
				syscall.Close(fd)
			}
		}
	}()
	// Pipes, child end first: stdout, crash, tasks (parent writes), events, cells' stderr.
	var ends [5][2]int // [child, parent]
	for k := range ends {
		var p [2]int
		if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
			return fmt.Errorf("procs.Map: pipe: %w", err)
		}
		if k == 2 { // tasks: the child reads
			ends[k] = [2]int{p[0], p[1]}
		} else {
			ends[k] = [2]int{p[1], p[0]}
			if err := syscall.SetNonblock(p[0], true); err != nil {
				childEnds = append(childEnds, p[1])
				parentEnds = append(parentEnds, p[0])
				return fmt.Errorf("procs.Map: pipe: %w", err)
			}
		}
		childEnds = append(childEnds, ends[k][0])
		parentEnds = append(parentEnds, ends[k][1])
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return fmt.Errorf("procs.Map: %w", err)
	}
	defer devnull.Close()
	files := []*os.File{devnull}
	for k := range ends {
		files = append(files, os.NewFile(uintptr(ends[k][0]), "procs-child"))
	}
	env := os.Environ()
	if r.markers.Env != "" {
		env = append(env, r.markers.Env)
	}
	proc, err := os.StartProcess(exe, []string{exe, Command}, &os.ProcAttr{
		Env:   env,
		Files: files,
		// A child whose worker died goes with it.
		Sys: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	for _, f := range files[1:] {
		f.Close() // the child's ends, in the parent
	}
	childEnds = nil
	if err != nil {
		return fmt.Errorf("procs.Map: start a child process: %w", err)
	}
	c := &childProc{proc: proc, task: -1}
	var watched []int
	for _, k := range []int{0, 1, 3, 4} {
		if err = r.watch(ends[k][1]); err != nil {
			for _, fd := range watched {
				_ = syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
			}
			_ = proc.Kill()
			_, _ = proc.Wait()
			return err // the parent's ends are closed on the way out
		}
		watched = append(watched, ends[k][1])
	}
	for k, kind := range map[int]string{0: "stdout", 1: "crash", 3: "events", 4: "stderr"} {
		st := &stream{c: c, fd: ends[k][1], kind: kind}
		r.streams[st.fd] = st
		if kind == "events" {
			c.events = st
		} else {
			c.outs = append(c.outs, st)
		}
	}
	c.tasks = os.NewFile(uintptr(ends[2][1]), "procs-tasks")
	r.children[c] = true
	// A child that is gone already fails this write; the end of its
	// message pipe says how it ended.
	_ = r.send(c, r.setup)
	return nil
}

// send writes one message to child c.
func (r *mapCall) send(c *childProc, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = c.tasks.Write(append(b, '\n'))
	return err
}

// dispatch gives idle child c the next input, or lets it end.
func (r *mapCall) dispatch(c *childProc) {
	if c.tasks == nil {
		return
	}
	if len(r.queue) == 0 || r.isStopped() {
		c.tasks.Close()
		c.tasks = nil
		return
	}
	i := r.queue[0]
	r.queue = r.queue[1:]
	c.task = i
	_ = r.send(c, message{Task: i, In: r.enc[i]})
}

// read reads what is waiting on stream st.
func (r *mapCall) read(st *stream) {
	var b [64 << 10]byte
	for {
		n, err := syscall.Read(st.fd, b[:])
		if n > 0 {
			r.handle(st, b[:n])
		}
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			return
		}
		if n <= 0 { // end of file, or an error
			if st.kind == "events" {
				r.ended(st.c)
			} else {
				r.flush(st)
				r.close(st)
			}
			return
		}
	}
}

// handle takes data read from st.
func (r *mapCall) handle(st *stream, data []byte) {
	switch st.kind {
	case "crash":
		st.c.crash = append(st.c.crash, data...)
		if len(st.c.crash) > 64<<10 {
			st.c.crash = st.c.crash[len(st.c.crash)-64<<10:]
		}
	case "stdout", "stderr":
		st.buf = append(st.buf, data...)
		var text []byte
		for {
			before, rest, ok, partial := r.markers.Parse(st.buf)
			if ok {
				text = append(text, before...)
				st.buf = rest
				continue
			}
			text = append(text, before[:len(before)-partial]...)
			st.buf = append([]byte(nil), before[len(before)-partial:]...)
			break
		}
		r.forward(st.kind, text)
	case "events":
		st.buf = append(st.buf, data...)
		for {
			i := bytes.IndexByte(st.buf, '\n')
			if i < 0 {
				break
			}
			line := st.buf[:i]
			st.buf = st.buf[i+1:]
			var m message
			if err := json.Unmarshal(line, &m); err != nil {
				continue
			}
			r.onMessage(st.c, &m)
		}
	}
}

func (r *mapCall) forward(kind string, text []byte) {
	if len(text) == 0 {
		return
	}
	if kind == "stdout" {
		_, _ = r.out.Write(text)
	} else {
		_, _ = r.err.Write(text)
	}
}

// flush forwards what is left of a text stream.
func (r *mapCall) flush(st *stream) {
	if st.kind == "stdout" || st.kind == "stderr" {
		r.forward(st.kind, st.buf)
	}
	st.buf = nil
}

func (r *mapCall) close(st *stream) {
	if st.fd < 0 {
		return
	}
	_ = syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_DEL, st.fd, nil)
	syscall.Close(st.fd)
	delete(r.streams, st.fd)
	st.fd = -1
}

// onMessage handles a message of child c.
func (r *mapCall) onMessage(c *childProc, m *message) {
	switch m.Op {
	case "procs-ready":
		c.ready = true
		r.dispatch(c)
	case "procs-result":
		i := m.Task
		if i < 0 || i >= r.n || i != c.task {
			return
		}
		c.task = -1
		if m.Kind != "" {
			r.fail(i, m.Kind, m.Message)
		} else if err := json.Unmarshal(m.Out, r.results.Index(i).Addr().Interface()); err != nil {
			r.fail(i, "decode", "the result cannot be read back from JSON: "+err.Error())
		}
		if m.Ends && c.tasks != nil {
			c.tasks.Close()
			c.tasks = nil
		}
		r.dispatch(c)
	case "procs-load-error":
		if r.abort == nil {
			r.abort = errors.New("procs.Map: a child process could not load the session's declarations: " + m.Message)
		}
	case "display":
		r.drain(c)
		r.parent.Display(display.Bundle{Data: m.Data, Metadata: m.Metadata, ID: m.DispID, Update: m.Update})
	case "clear":
		r.drain(c)
		r.parent.Clear(m.Wait)
	case "exit":
		c.exit = m
	}
}

// drain forwards what child c printed before the message being handled,
// so that its output and displays show in the order it made them.
func (r *mapCall) drain(c *childProc) {
	for _, st := range c.outs {
		if st.fd >= 0 && st.kind != "crash" {
			r.read(st)
		}
	}
}

// ended handles the end of child c's message pipe: the child has exited.
// It is waited for, and the input it worked on is reported.
func (r *mapCall) ended(c *childProc) {
	for _, st := range c.outs {
		if st.fd >= 0 {
			r.read(st) // what it wrote before it ended
			r.flush(st)
			r.close(st)
		}
	}
	r.close(c.events)
	if c.tasks != nil {
		c.tasks.Close()
		c.tasks = nil
	}
	state, _ := c.proc.Wait()
	delete(r.children, c)
	why, kind := r.death(c, state)
	if c.task >= 0 {
		r.fail(c.task, kind, why)
		c.task = -1
	} else if !c.ready && r.abort == nil && !r.isStopped() {
		r.abort = errors.New("procs.Map: a child process ended while it loaded the session's declarations: " + why)
	}
}

// death tells how child c ended.
func (r *mapCall) death(c *childProc, state *os.ProcessState) (why, kind string) {
	if r.isStopped() {
		return "interrupted", "interrupted"
	}
	if c.exit != nil {
		return fmt.Sprintf("%s(%d) was called: the process ended", c.exit.Call, c.exit.Code), "exit"
	}
	var msgs []string
	for _, l := range strings.Split(string(c.crash), "\n") {
		if stacks.IsRuntimeMessage(l) && !strings.HasPrefix(l, "runtime stack:") && !strings.HasPrefix(l, "runtime.") {
			msgs = append(msgs, strings.TrimSpace(l))
		}
		if len(msgs) == 3 {
			break
		}
	}
	if len(msgs) > 0 {
		return strings.Join(msgs, "; "), "fatal error"
	}
	if state == nil {
		return "the process ended", "exit"
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("the process was killed by signal %s", ws.Signal()), "killed"
	}
	return fmt.Sprintf("the process ended with exit status %d", state.ExitCode()), "exit"
}

// killAll kills the children and waits for them.
func (r *mapCall) killAll() {
	for c := range r.children {
		_ = c.proc.Kill()
	}
	for c := range r.children {
		r.ended(c)
	}
}
