// Package procsrt is the runtime of procs.Map in a compiled session: the
// functions cells may send to child processes (registered by the package
// initialisers of the cells that call Map, by key "CELL/NAME"), the pools
// of the session (package pool's), and the child side, where the session's
// host binary opens the plugin of the calling cell and serves inputs. The
// kernel writes it into each session's module; its state is the session
// program's own, as a main package's would be.
package procsrt

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gocurrent/gocurrent/kernel/compiled/host/display"
	"github.com/gocurrent/gocurrent/kernel/compiled/host/rt"
	core "github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/procs/pool"
	"github.com/gocurrent/gocurrent/kernel/stacks"
)

// cellsPrefix starts the names of the cells' functions.
const cellsPrefix = "gocurrent.session/cells/"

// The session's functions for child processes, its pools, and how they
// reach the host.
var (
	mu      sync.Mutex
	funcs   = map[string]pool.Func{} // by key
	keys    = map[uintptr]string{}   // by the function's code
	group   = pool.NewGroup()
	plugins string                 // the directory of the cells' plugins
	show    = func(core.Bundle) {} // the host's displays
	clear   = func(bool) {}
	loading atomic.Bool // a child opens its plugin
)

// Attach tells the pools where the cells' plugins are (dir/pN.so) and how
// the host shows displays. The host calls it when it starts.
func Attach(dir string, display func(core.Bundle), clearOutput func(bool)) {
	mu.Lock()
	defer mu.Unlock()
	plugins, show, clear = dir, display, clearOutput
}

// Interrupt stops the pools running now: they start no more children and
// kill those they have.
func Interrupt() { group.Interrupt() }

// Register records fn, a function of the session, under key "CELL/NAME":
// call runs it on one input, as the child does.
func Register[In, Out any](key string, fn any, call func(In) (Out, error)) {
	mu.Lock()
	defer mu.Unlock()
	funcs[key] = task[In, Out](call)
	keys[reflect.ValueOf(fn).Pointer()] = key
}

// Map runs fn, registered by the cell that calls Map, on each input in
// child processes, at most workers at a time.
func Map[In, Out any](workers int, fn any, inputs []In) ([]Out, error) {
	if loading.Load() {
		panic("procs.Map: a child process of procs.Map cannot call it while it loads the session's declarations (a package variable set by procs.Map?)")
	}
	mu.Lock()
	key, ok := keys[reflect.ValueOf(fn).Pointer()]
	dir := plugins
	mu.Unlock()
	setup := func() (any, error) {
		if !ok {
			return nil, errors.New("procs.Map: " + pool.Reject)
		}
		cell, name, _ := strings.Cut(key, "/")
		return childSetup{Plugin: filepath.Join(dir, "p"+cell+".so"), Key: key, Name: name}, nil
	}
	var out []Out
	err := group.Map(pool.Call{Parent: parent{}, Setup: setup}, workers, inputs, &out)
	rt.Check() // the goroutine of an interrupted cell ends here
	return out, err
}

// Must panics with err, if there is one.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// childSetup is what a child needs to load the function: the plugin of
// the cell that registered it, and its key.
type childSetup struct {
	Plugin string `json:"plugin"`
	Key    string `json:"key"`
	Name   string `json:"name"`
}

// parent is the host as its pools see it: what the children print and
// display goes where the cells' output goes.
type parent struct{}

func (parent) Stdout() io.Writer        { return stdio{func() *os.File { return os.Stdout }} }
func (parent) Stderr() io.Writer        { return stdio{func() *os.File { return os.Stderr }} }
func (parent) NewMarkers() pool.Markers { return pool.NoMarkers() }

func (parent) Display(b core.Bundle) {
	mu.Lock()
	f := show
	mu.Unlock()
	f(b)
}

func (parent) Clear(wait bool) {
	mu.Lock()
	f := clear
	mu.Unlock()
	f(wait)
}

// stdio is the host's standard output or error as it is at each write.
type stdio struct{ f func() *os.File }

func (s stdio) Write(b []byte) (int, error) { return s.f().Write(b) }

// task is the function of a pool in a child.
type task[In, Out any] func(In) (Out, error)

// Call calls the function on one input.
func (call task[In, Out]) Call(t *pool.Task) pool.Result {
	var in In
	if res, ok := pool.DecodeInput(t, &in, fmt.Sprintf("%T", in)); !ok {
		return res
	}
	t.Start()
	out, failure, err := invoke(call, in)
	t.Settle()
	switch {
	case failure != nil:
		return *failure
	case err != nil:
		return pool.Result{Kind: "error", Message: err.Error()}
	}
	return pool.EncodeResult(out)
}

// invoke calls the function, turning a panic into a failure.
func invoke[In, Out any](call task[In, Out], in In) (out Out, failure *pool.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			failure = &pool.Result{Kind: "panic", Message: "panic: " + rt.PanicText(v) + where(debug.Stack())}
		}
	}()
	out, err = call(in)
	return out, nil, err
}

// where tells where in a cell a panic happened, from the stack of its
// recovery: " (in fn at cell N, line L)", or "".
func where(stack []byte) string {
	gs := stacks.Parse(stack)
	if len(gs) == 0 {
		return ""
	}
	panicked := false
	for _, f := range gs[0].Frames {
		if f.Func == "panic" || strings.HasPrefix(f.Func, "runtime.") && strings.Contains(f.Func, "panic") {
			panicked = true
			continue
		}
		cell, ok := strings.CutPrefix(f.File, "cell[")
		if !panicked || !ok {
			continue
		}
		fn := strings.TrimPrefix(f.Func, cellsPrefix)
		if _, rest, ok := strings.Cut(fn, "."); ok {
			fn = rest
		}
		return fmt.Sprintf(" (in %s at cell %s, line %d)", fn, strings.TrimSuffix(cell, "]"), f.Line)
	}
	return ""
}

// RunChild is the main function of the host binary started as a child
// process of procs.Map: open opens a plugin (plugin.Open, which runs the
// initialisers of the cells' packages, and with them the registrations).
// It returns the process's exit status.
func RunChild(open func(path string) error) int {
	return pool.RunChild(func(setup json.RawMessage, c *pool.Child) (pool.Func, error) {
		var st childSetup
		if err := json.Unmarshal(setup, &st); err != nil {
			return nil, errors.New("bad setup: " + err.Error())
		}
		os.Stderr = c.Stderr
		display.Current = core.New(c.Display, c.Clear)
		if err := load(open, st.Plugin); err != nil {
			return nil, fmt.Errorf("open the cell's plugin: %w", err)
		}
		mu.Lock()
		fn := funcs[st.Key]
		mu.Unlock()
		if fn == nil {
			return nil, fmt.Errorf("%s is not a function of the cell's plugin", st.Name)
		}
		return fn, nil
	})
}

// load opens the plugin at path; a panic of a package initialiser is an
// error too.
func load(open func(path string) error, path string) (err error) {
	loading.Store(true)
	defer func() {
		loading.Store(false)
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %s", rt.PanicText(v))
		}
	}()
	return open(path)
}
