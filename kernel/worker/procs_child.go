package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/procs"
	"github.com/gocurrent/gocurrent/kernel/procs/pool"
	"github.com/gocurrent/gocurrent/kernel/wire"
)

// The interpreter of a child process of procs.Map.
//
// A child makes a session of its own, the same as the worker's (the same
// symbols, the same rewriting of cells), evaluates the declarations the
// parent sent as one cell, then calls the function on each input (the
// loop is kernel/procs's RunChild).

// RunProcsChild is the main function of a child process of procs.Map. It
// returns the process's exit status.
func RunProcsChild() int {
	return procs.RunChild(procsLoader{})
}

// procsLoader loads a pool's function in a session of the child.
type procsLoader struct{}

// Load makes the child's worker and session and evaluates the
// declarations of st.
func (procsLoader) Load(st *procs.Setup, c *procs.Child) (procs.Func, error) {
	w := &worker{inputs: make(chan wire.Input), markers: wire.MarkersFromEnv()}
	w.setStdio(c.Stdout, c.Stderr)
	close(w.inputs)                                  // no input: fmt.Scan reads end of file
	w.events = poolEvents{json.NewEncoder(c.Events)} // procs.go
	f := &procsFunc{w: w, setup: st, child: c}
	if msg := f.load(); msg != "" {
		return nil, errors.New(msg)
	}
	releaseStartPages()
	return f, nil
}

// procsFunc is the function of a child, in its session.
type procsFunc struct {
	w     *worker
	s     *session
	setup *procs.Setup
	child *procs.Child
	fn    reflect.Value // the function
	text  reflect.Value // _gocurrentPanicText
}

// fault is the child worker's cancel function: the session calls it, with
// w.mu held and w.faultErr set, when a goroutine that a function of the
// session started panicked (the session supervises them). That fails the
// task and ends the process, as it would end a Go program.
func (c *procsFunc) fault() {
	e := c.w.faultErr
	kind, msg := "panic", "a goroutine panicked"
	var late func()
	if e != nil {
		msg = c.relocate(e.Value)
		if e.Name == "exit" {
			kind = "exit"
		} else {
			msg = "panic: " + msg
		}
		late = func() {
			fmt.Fprintln(c.w.stderr, "a goroutine left behind by an earlier input panicked: "+c.relocate(e.Value))
		}
	}
	c.child.Fault(kind, msg, late)
}

var cellLineRE = regexp.MustCompile(`cell line (\d+)`)

// load makes the session and evaluates the declarations; it returns why
// that failed, or "".
func (c *procsFunc) load() string {
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
func (c *procsFunc) relocate(msg string) string {
	return cellLineRE.ReplaceAllStringFunc(msg, func(m string) string {
		n, _ := strconv.Atoi(cellLineRE.FindStringSubmatch(m)[1])
		return c.setup.Where(n)
	})
}

// Call runs one task.
func (c *procsFunc) Call(t *procs.Task) (res procs.Result) {
	arg := reflect.New(c.fn.Type().In(0))
	if res, ok := pool.DecodeInput(t, arg.Interface(), c.fn.Type().In(0).String()); !ok {
		return res
	}
	t.Start()
	g0 := runtime.NumGoroutine()
	outs, kind, msg := c.invoke(arg.Elem())
	if runtime.NumGoroutine() > g0 {
		// A goroutine of the function may be panicking now, its
		// deferred calls having let the function return: its panic is
		// the task's.
		c.w.awaitPanics()
	}
	t.Settle()
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
	return pool.EncodeResult(out)
}

// invoke calls the function, turning a panic into a failure.
func (c *procsFunc) invoke(arg reflect.Value) (outs []reflect.Value, kind, msg string) {
	defer func() {
		if r := recover(); r != nil {
			kind, msg = "panic", "panic: "+c.panicMessage(r)
		}
	}()
	return c.fn.Call([]reflect.Value{arg}), "", ""
}

// panicMessage describes a panic of the function with the cell line where
// it happened.
func (c *procsFunc) panicMessage(r any) string {
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
		if f.line < 1 {
			continue
		}
		// The position is the first statement of the function that
		// panicked, not the statement (see panicError): say where the
		// function starts.
		if start, _, ok := cell.FuncAt(c.setup.Src, f.line, f.col); ok {
			return fmt.Sprintf("%s (in %s, which starts at %s)", msg, funcName(f.fn), c.setup.Where(start))
		}
		return fmt.Sprintf("%s (in %s at %s)", msg, funcName(f.fn), c.setup.Where(f.line))
	}
	return msg
}

// textOf is the text of an error or panic value, by its Error or String
// method even when the session declared them (the interpreter's methods
// are invisible to reflection).
func (c *procsFunc) textOf(v reflect.Value) (text string) {
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
