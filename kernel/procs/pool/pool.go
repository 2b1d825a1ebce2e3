// Package pool is the process pool behind procs.Map, free of any
// interpreter: the parent side (Group.Map: children started, inputs sent
// one at a time, results and failures gathered in input order, output and
// displays forwarded, interrupts), the child side (RunChild: the loop that
// takes inputs and sends results), and the failures (*Error, *Failure).
//
// Both kernels use it: the interpreted one through package procs, whose
// children load the session's declarations into an interpreter, and
// compiled sessions, which build this package into their module (Source)
// and whose children open the plugin of the cell that called Map.
package pool

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"

	"github.com/gocurrent/gocurrent/kernel/display"
)

// Command is the hidden command line argument that makes a binary run as
// a child process of procs.Map (RunChild).
const Command = "__procs"

// Reject is why procs.Map refuses a function that is not one declared in
// the session.
const Reject = "the function must be one declared in the session (func name(x In) Out), " +
	"which the child processes load by its name: a function literal, a variable or a method cannot be sent to another process"

// Shape is what procs.Map needs to know of a function's signature.
type Shape struct {
	Generic   bool
	Params    int
	Variadic  bool // its last parameter is variadic
	Results   int
	ErrorLast bool // its last result is an error
}

// Refusal says why procs.Map cannot call the function name of shape s, or
// returns "".
func (s Shape) Refusal(name string) string {
	switch {
	case s.Generic:
		return name + " is generic: procs.Map calls a function with concrete types (write one for the types you need)"
	case s.Params != 1:
		return fmt.Sprintf("%s takes %d parameters: procs.Map calls a function of one parameter (put several values in a struct)", name, s.Params)
	case s.Variadic:
		return name + " is variadic: procs.Map calls a function of one parameter (take a slice instead)"
	case s.Results == 2 && !s.ErrorLast:
		return name + " returns two values: procs.Map calls a function that returns a value, or a value and an error"
	case s.Results > 2:
		return fmt.Sprintf("%s returns %d values: procs.Map calls a function that returns a value, or a value and an error", name, s.Results)
	}
	return ""
}

// StatementVars says why procs.Map cannot call function fn, which uses
// vars, variables set by statements of the notebook.
func StatementVars(fn string, vars []string) string {
	return fmt.Sprintf("procs.Map: %s uses %s, set by a statement (%s := ...) of the notebook: child processes load the session's declarations, not the values cells computed; declare it with var (var %s = ...) or pass it in the inputs",
		fn, strings.Join(vars, ", "), vars[0], vars[0])
}

// Failure is one input whose call failed (procs.Failure in cells).
type Failure struct {
	// Index is the input's position in the inputs.
	Index int
	// Input is the input itself.
	Input any
	// Kind is what happened: "panic", "error" (fn returned one), "exit"
	// (os.Exit or log.Fatal), "fatal error" (the child crashed), "killed"
	// (by a signal), "encode" or "decode" (the value cannot cross as
	// JSON), "interrupted".
	Kind string
	// Message says what happened, with the cell line of a panic.
	Message string

	inputJSON string
}

func (f *Failure) Error() string {
	in := f.inputJSON
	if r := []rune(in); len(r) > 40 {
		in = string(r[:39]) + "…"
	}
	return fmt.Sprintf("inputs[%d] = %s: %s", f.Index, in, f.Message)
}

// Error is procs.Map's error when inputs failed (procs.Error in cells):
// the failed inputs, in input order.
type Error struct {
	Failures []*Failure
	Inputs   int // how many inputs there were
}

func (e *Error) Error() string {
	if len(e.Failures) == 1 {
		return fmt.Sprintf("procs.Map: 1 of %d inputs failed: %s", e.Inputs, e.Failures[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "procs.Map: %d of %d inputs failed:", len(e.Failures), e.Inputs)
	for _, f := range e.Failures {
		b.WriteString("\n  " + f.Error())
	}
	return b.String()
}

// Unwrap returns the failures, so that errors.As finds a *procs.Failure.
func (e *Error) Unwrap() []error {
	out := make([]error, len(e.Failures))
	for i, f := range e.Failures {
		out[i] = f
	}
	return out
}

// Parent is the process that calls procs.Map, as its pools see it. Its
// methods are called from the goroutine that calls Map.
type Parent interface {
	// Stdout and Stderr are where the children's output goes: the
	// standard output and error of the cell that called procs.Map.
	Stdout() io.Writer
	Stderr() io.Writer
	// Display and Clear show the children's displays.
	Display(b display.Bundle)
	Clear(wait bool)
	// NewMarkers returns the sync markers of a new key, for the children
	// of one procs.Map call.
	NewMarkers() Markers
}

// Markers are the sync markers of one key, which a child may write on its
// output pipes, and which the pool takes out of the text it forwards.
type Markers struct {
	// Env hands the key to a child: NAME=value in its environment ("":
	// none).
	Env string
	// Parse looks for a marker in b. It returns the text before it and
	// the rest after it; ok is false when b holds no complete marker
	// (partial says how many bytes at the end of b could be the
	// beginning of one).
	Parse func(b []byte) (before, rest []byte, ok bool, partial int)
}

// NoMarkers are the markers of children that write none.
func NoMarkers() Markers {
	return Markers{Parse: func(b []byte) ([]byte, []byte, bool, int) { return b, nil, false, 0 }}
}

// Group is the pools of one session: the Map calls running now, which
// Interrupt stops.
type Group struct {
	mu   sync.Mutex
	runs map[*mapCall]bool
}

// NewGroup makes an empty group.
func NewGroup() *Group { return &Group{runs: map[*mapCall]bool{}} }

// Interrupt stops the pools running now: they start no more children and
// kill those they have.
func (g *Group) Interrupt() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for r := range g.runs {
		r.stop()
	}
}

// Call is one procs.Map call, as its caller describes it.
type Call struct {
	// Parent is where the children's output goes.
	Parent Parent
	// Setup returns the first message each child is sent (as JSON): what
	// it needs to load the function. It is called once there are inputs.
	Setup func() (any, error)
}

// Map calls the function of c on each input (a slice) in child processes,
// at most workers at a time (workers <= 0: one per CPU), and stores the
// results in out (a pointer to a slice), in input order. Inputs that
// failed make a *Error.
func (g *Group) Map(c Call, workers int, inputs any, out any) error {
	ov := reflect.ValueOf(out)
	if ov.Kind() != reflect.Pointer || ov.Elem().Kind() != reflect.Slice {
		return fmt.Errorf("procs.Map: internal error: results go to a %T", out)
	}
	iv := reflect.ValueOf(inputs)
	n := 0
	if iv.IsValid() {
		if iv.Kind() != reflect.Slice && iv.Kind() != reflect.Array {
			return fmt.Errorf("procs.Map: the inputs must be a slice, not %T", inputs)
		}
		n = iv.Len()
	}
	results := reflect.MakeSlice(ov.Elem().Type(), n, n)
	ov.Elem().Set(results)
	if n == 0 {
		return nil
	}
	setup, err := c.Setup()
	if err != nil {
		return err
	}
	r := &mapCall{g: g, parent: c.Parent, setup: setup, n: n, results: results, inputs: iv, markers: c.Parent.NewMarkers()}
	return r.run(workers)
}

// inputJSON encodes an input for a child and for messages.
func inputJSON(v reflect.Value) (json.RawMessage, error) {
	if !v.CanInterface() {
		return nil, fmt.Errorf("cannot read the input")
	}
	return json.Marshal(v.Interface())
}

// DecodeInput decodes the input of t into ptr, a pointer to a value of
// the function's parameter type (named typeName); a failure is the
// task's result.
func DecodeInput(t *Task, ptr any, typeName string) (Result, bool) {
	if err := json.Unmarshal(t.In, ptr); err != nil {
		return Result{Kind: "decode", Message: "the input cannot be read from JSON as " + typeName + ": " + err.Error()}, false
	}
	return Result{}, true
}

// EncodeResult encodes the function's result v.
func EncodeResult(v any) Result {
	b, err := json.Marshal(v)
	if err != nil {
		return Result{Kind: "encode", Message: "the result cannot cross back as JSON: " + err.Error()}
	}
	return Result{Out: b}
}
