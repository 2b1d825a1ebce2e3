package pool

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"

	"github.com/gocurrent/gocurrent/kernel/display"
)

// The child side of a process pool.
//
// A child is a binary started with Command. Its load function loads the
// function of the pool (from the setup the parent sent first); the child
// then calls the function on each input the parent sends, one at a time,
// until the parent closes the task pipe. Its file descriptors: 1 its
// standard output, 2 the runtime's crash reports, 3 tasks, 4 messages, 5
// the cells' standard error.

// Load loads the function of a pool in child c from setup, the first
// message the parent sent (JSON). The error's text says why that failed.
type Load func(setup json.RawMessage, c *Child) (Func, error)

// Func is the function of a pool, loaded in a child.
type Func interface {
	// Call runs one task: it calls the function on t.In (JSON) and
	// returns the result.
	Call(t *Task) Result
}

// Result is the result of a task: Out (JSON), or a failure of Kind (see
// Failure) with Message.
type Result struct {
	Out     json.RawMessage
	Kind    string
	Message string
}

// Child is a child process of a pool, as its function sees it.
type Child struct {
	// Stdout and Stderr are the function's standard output and error.
	Stdout, Stderr *os.File
	// Events is the message pipe to the parent, for the events of the
	// function's session (display, clear, exit; see Event): each Write is
	// one message, a JSON object and a newline.
	Events io.Writer

	events *lockedWriter

	mu       sync.Mutex
	task     int  // the task running or last run
	reported bool // its result is decided
}

// Task is one input a child works on.
type Task struct {
	// In is the input, as JSON.
	In json.RawMessage

	n int
	c *Child
}

// Start says that the function is called on the input now: a fault fails
// this task until Settle.
func (t *Task) Start() {
	t.c.mu.Lock()
	t.c.task, t.c.reported = t.n, false
	t.c.mu.Unlock()
}

// Settle says that the task's result is decided: a fault from now on is
// one of a goroutine left behind.
func (t *Task) Settle() {
	t.c.mu.Lock()
	t.c.reported = true
	t.c.mu.Unlock()
}

// Fault ends the child because a goroutine the function started failed
// (kind, msg as in Failure): the running task fails with it, its result
// the child's last message; if that result is decided already, late, if
// not nil, is called instead to tell it. Fault does not return: the child
// exits with status 2, as a Go program would end.
func (c *Child) Fault(kind, msg string, late func()) {
	c.mu.Lock() // held until the exit: no other result goes out
	if !c.reported {
		c.send(message{Event: Event{Op: "procs-result"}, Task: c.task, Kind: kind, Message: msg, Ends: true})
	} else if late != nil {
		late()
	}
	os.Exit(2)
}

// Display shows b in the cell that called procs.Map.
func (c *Child) Display(b display.Bundle) {
	c.send(message{Event: Event{Op: "display", Data: b.Data, Metadata: b.Metadata, DispID: b.ID, Update: b.Update}})
}

// Clear clears the output of the cell that called procs.Map.
func (c *Child) Clear(wait bool) { c.send(message{Event: Event{Op: "clear", Wait: wait}}) }

// send sends a message of the pool to the parent.
func (c *Child) send(m message) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	_, _ = c.events.Write(append(b, '\n'))
}

// lockedWriter writes one message at a time.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// RunChild is the main function of a child process of procs.Map, which
// loads its function with load. It returns the process's exit status.
func RunChild(load Load) int {
	tasks, evs, cellErr := os.NewFile(3, "procs-tasks"), os.NewFile(4, "procs-events"), os.NewFile(5, "cell-stderr")
	if tasks == nil || evs == nil || cellErr == nil {
		fmt.Fprintln(os.Stderr, "gocurrent: file descriptors 3, 4 and 5 must be open (a child of procs.Map is started by its pool)")
		return 2
	}
	// Programs the function starts inherit only standard input and output.
	for _, fd := range []int{3, 4, 5} {
		syscall.CloseOnExec(fd)
	}
	c := &Child{Stdout: os.Stdout, Stderr: cellErr, events: &lockedWriter{w: evs}}
	c.Events = c.events
	sc := bufio.NewScanner(tasks)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	if !sc.Scan() {
		return 0
	}
	fn, err := load(append(json.RawMessage(nil), sc.Bytes()...), c)
	if err != nil {
		c.send(message{Event: Event{Op: "procs-load-error"}, Message: err.Error()})
		return 1
	}
	c.send(message{Event: Event{Op: "procs-ready"}})
	for sc.Scan() {
		var m message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue
		}
		res := fn.Call(&Task{In: m.In, n: m.Task, c: c})
		c.send(message{Event: Event{Op: "procs-result"}, Task: m.Task, Out: res.Out, Kind: res.Kind, Message: res.Message})
	}
	return 0
}
