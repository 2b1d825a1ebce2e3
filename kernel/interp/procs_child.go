package interp

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// The child side of a process pool.
//
// A child is the gocurrent binary started with ProcsCommand. It makes a
// session of its own, the same as the worker's (the same symbols, the same
// rewriting of cells), evaluates the declarations the parent sent as one
// cell, then calls the function on each input the parent sends, one at a
// time, until the parent closes the task pipe. Its file descriptors are
// the worker's (see protocol.go): 1 its standard output, 2 the runtime's
// crash reports, 3 tasks, 4 messages, 5 the cells' standard error.

// RunProcsChild is the main function of a child process of procs.Map. It
// returns the process's exit status.
func RunProcsChild() int {
	tasks, evs, cellErr := os.NewFile(3, "procs-tasks"), os.NewFile(4, "procs-events"), os.NewFile(5, "cell-stderr")
	if tasks == nil || evs == nil || cellErr == nil {
		fmt.Fprintln(os.Stderr, "gocurrent: file descriptors 3, 4 and 5 must be open (a child of procs.Map is started by the worker)")
		return 2
	}
	// Programs the function starts inherit only standard input and output.
	for _, fd := range []int{3, 4, 5} {
		syscall.CloseOnExec(fd)
	}
	w := &worker{inputs: make(chan request), markers: markersFromEnv()}
	w.setStdio(os.Stdout, cellErr)
	close(w.inputs) // no input: fmt.Scan reads end of file
	w.events = json.NewEncoder(evs)
	sc := bufio.NewScanner(tasks)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	if !sc.Scan() {
		return 0
	}
	var st procsSetup
	if err := json.Unmarshal(sc.Bytes(), &st); err != nil {
		w.sendMsg(procsMsg{event: event{Op: "procs-load-error"}, Message: "bad setup: " + err.Error()})
		return 1
	}
	c := &procsChildRun{w: w, setup: &st}
	if msg := c.load(); msg != "" {
		w.sendMsg(procsMsg{event: event{Op: "procs-load-error"}, Message: msg})
		return 1
	}
	w.sendMsg(procsMsg{event: event{Op: "procs-ready"}})
	for sc.Scan() {
		var m procsMsg
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			continue
		}
		w.sendMsg(c.call(m))
	}
	return 0
}

// sendMsg sends a message of the pool to the parent.
func (w *worker) sendMsg(m procsMsg) {
	w.eventsMu.Lock()
	defer w.eventsMu.Unlock()
	_ = w.events.Encode(m)
}

// procsChildRun is the state of a child.
type procsChildRun struct {
	w     *worker
	s     *session
	setup *procsSetup
	fn    reflect.Value // the function
	text  reflect.Value // _gocurrentPanicText

	mu       sync.Mutex
	task     int  // the task running or last run
	reported bool // its result is decided
}

// fault is the child worker's cancel function: the session calls it, with
// w.mu held and w.faultErr set, when a goroutine that a function of the
// session started panicked (the session supervises them). That fails the
// task and ends the process, as it would end a Go program.
func (c *procsChildRun) fault() {
	e := c.w.faultErr
	c.mu.Lock()
	if !c.reported {
		kind, msg := "panic", "a goroutine panicked"
		if e != nil {
			msg = c.relocate(e.Value)
			if e.Name == "exit" {
				kind = "exit"
			} else {
				msg = "panic: " + msg
			}
		}
		c.w.sendMsg(procsMsg{event: event{Op: "procs-result"}, Task: c.task, Kind: kind, Message: msg, Ends: true})
	} else if e != nil {
		fmt.Fprintln(c.w.stderr, "a goroutine left behind by an earlier input panicked: "+c.relocate(e.Value))
	}
	os.Exit(2)
}

var cellLineRE = regexp.MustCompile(`cell line (\d+)`)

// load makes the session and evaluates the declarations; it returns why
// that failed, or "".
func (c *procsChildRun) load() string {
	s, err := newSession(c.w)
	if err != nil {
		return err.Error()
	}
	c.s, c.w.sess = s, s
	if res := s.run(context.Background(), c.setup.Src, 1); res.Err != nil {
		return res.Err.Name + ": " + c.relocate(res.Err.Value)
	}
	fn, err := s.evalQuiet(c.setup.Fn)
	if err != nil || fn.Kind() != reflect.Func || fn.Type().NumIn() != 1 {
		return fmt.Sprintf("%s is not a function of one parameter", c.setup.Fn)
	}
	c.fn = fn
	c.w.mu.Lock()
	c.w.cancel = c.fault
	c.w.mu.Unlock()
	if t, err := s.evalQuiet("_gocurrentPanicText"); err == nil && t.Kind() == reflect.Func {
		c.text = t
	}
	return ""
}

// relocate turns "cell line N" of the child's cell into the session's cell
// and line.
func (c *procsChildRun) relocate(msg string) string {
	return cellLineRE.ReplaceAllStringFunc(msg, func(m string) string {
		n, _ := strconv.Atoi(cellLineRE.FindStringSubmatch(m)[1])
		return c.setup.where(n)
	})
}

// call runs one task.
func (c *procsChildRun) call(m procsMsg) procsMsg {
	res := procsMsg{event: event{Op: "procs-result"}, Task: m.Task}
	arg := reflect.New(c.fn.Type().In(0))
	if err := json.Unmarshal(m.In, arg.Interface()); err != nil {
		res.Kind, res.Message = "decode", "the input cannot be read from JSON as "+c.fn.Type().In(0).String()+": "+err.Error()
		return res
	}
	c.mu.Lock()
	c.task, c.reported = m.Task, false
	c.mu.Unlock()
	g0 := runtime.NumGoroutine()
	outs, kind, msg := c.invoke(arg.Elem())
	if runtime.NumGoroutine() > g0 {
		// A goroutine of the function may be panicking now, its
		// deferred calls having let the function return: its panic is
		// the task's.
		c.w.awaitPanics()
	}
	c.mu.Lock()
	c.reported = true
	c.mu.Unlock()
	if kind != "" {
		res.Kind, res.Message = kind, msg
		return res
	}
	if e := c.w.takeFault(); e != nil {
		res.Kind, res.Message = "panic", "panic: "+c.relocate(e.Value)
		return res
	}
	var out any = struct{}{}
	switch len(outs) {
	case 2:
		if e := outs[1]; e.IsValid() && !e.IsNil() {
			res.Kind, res.Message = "error", c.textOf(e)
			return res
		}
		fallthrough
	case 1:
		if outs[0].CanInterface() {
			out = outs[0].Interface()
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		res.Kind, res.Message = "encode", "the result cannot cross back as JSON: "+err.Error()
		return res
	}
	res.Out = b
	return res
}

// invoke calls the function, turning a panic into a failure.
func (c *procsChildRun) invoke(arg reflect.Value) (outs []reflect.Value, kind, msg string) {
	defer func() {
		if r := recover(); r != nil {
			kind, msg = "panic", "panic: "+c.panicMessage(r)
		}
	}()
	return c.fn.Call([]reflect.Value{arg}), "", ""
}

// panicMessage describes a panic of the function with the cell line where
// it happened.
func (c *procsChildRun) panicMessage(r any) string {
	if rv, ok := r.(reflect.Value); ok && rv.IsValid() && rv.CanInterface() {
		r = rv.Interface()
	}
	msg := c.textOf(reflect.ValueOf(&r).Elem())
	if strings.HasPrefix(msg, "reflect: call of reflect.Value.") && strings.HasSuffix(msg, " on zero Value") {
		msg = "runtime error: invalid memory address or nil pointer dereference"
	}
	if goMsg, ok := reflectPanics[msg]; ok {
		msg = goMsg
	}
	for _, f := range c.s.filter.take(currentGoroutineID()) {
		if f.line >= 1 {
			return fmt.Sprintf("%s (in %s at %s)", msg, funcName(f.fn), c.setup.where(f.line))
		}
	}
	return msg
}

// textOf is the text of an error or panic value, by its Error or String
// method even when the session declared them (the interpreter's methods
// are invisible to reflection).
func (c *procsChildRun) textOf(v reflect.Value) (text string) {
	defer func() {
		if recover() != nil {
			text = ""
		}
		if text == "" {
			text = fmt.Sprint(v)
			if v.IsValid() && v.CanInterface() {
				text = fmt.Sprint(v.Interface())
			}
		}
	}()
	if c.text.IsValid() && v.IsValid() {
		return c.text.Call([]reflect.Value{v})[0].String()
	}
	return ""
}
