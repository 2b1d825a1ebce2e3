// Package engine defines the small interface between the Jupyter protocol
// handlers and the code that runs Go cells, in the manner of xeus's
// interpreter interface: the handlers call Execute, Complete and Inspect
// (interrupting a cell by cancelling its context), and an engine never sees
// sockets or messages. What some engines can do besides (measure cells,
// build programs, evaluate user expressions, list goroutines, report their
// status, list declarations) are named interfaces of their own
// (capabilities.go), which the handlers look for.
package engine

import (
	"context"
	"errors"
)

// Output receives what a running cell produces, in order.
type Output interface {
	// Stream shows text on "stdout" or "stderr". From is the execution
	// count of the cell that produced it when that cell has already ended
	// (late output of a goroutine), else 0.
	Stream(name, text string, from int)
	// Display shows a MIME bundle; with a non-empty id it can later be
	// updated (update true replaces the earlier display with that id).
	Display(data, metadata map[string]any, id string, update bool)
	// Clear clears the cell's output; with wait, when the next output
	// arrives.
	Clear(wait bool)
	// Input asks the user for a line of text (fmt.Scanln in a cell). It
	// fails with ErrNoInput when the frontend gives none.
	Input(prompt string, password bool) (string, error)
}

// ErrNoInput is the error of Output.Input when the frontend gives no
// input (an execute_request with allow_stdin false).
var ErrNoInput = errors.New("this frontend gives no input (allow_stdin is false)")

// Timing is what one cell cost. It is sent as execute_reply
// metadata.timing.
type Timing struct {
	Engine            string `json:"engine"`
	WallNS            int64  `json:"wall_ns"`
	UserNS            int64  `json:"user_ns"`
	SysNS             int64  `json:"sys_ns"`
	GoroutinesStarted int64  `json:"goroutines_started"`
	GoroutinesLeft    int64  `json:"goroutines_left"`
	GOMAXPROCS        int    `json:"gomaxprocs"`
	// BuildNS is how long compiling the cell took (native cells; the
	// run's wall time is WallNS less BuildNS).
	BuildNS int64 `json:"build_ns,omitempty"`
	// Note is said at the end of the timing line (a cell that waits for
	// names later cells declare).
	Note string `json:"note,omitempty"`
}

// Declarations are what a session has declared, for engines that build
// cells as programs.
type Declarations struct {
	// Imports maps each name a package is imported under to its path.
	Imports map[string]string `json:"imports"`
	// Decls are the session's declarations, first declared first.
	Decls []Declaration `json:"decls"`
	// Vars are the session's variables that statements declared (x :=
	// ...): runtime values, which a program built from declarations does
	// not have.
	Vars []string `json:"vars"`
}

// Declaration is one declaration of a session, with where it was written.
type Declaration struct {
	Names []string `json:"names"`
	Src   string   `json:"src"`
	Cell  int      `json:"cell"` // execution count of its cell
	Line  int      `json:"line"` // its first line in that cell
}

// Error is a failed cell: ename says which kind of failure ("compile
// error", "panic", "fatal error", ...), evalue the message with its cell
// position, traceback the lines to show (may contain ANSI colours).
type Error struct {
	Name      string   `json:"ename"`
	Value     string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

func (e *Error) Error() string { return e.Name + ": " + e.Value }

// Red colours s red for a traceback, as front ends show ANSI colours.
func Red(s string) string { return "\x1b[0;31m" + s + "\x1b[0m" }

// Result is the outcome of one cell.
type Result struct {
	// Data is the execute_result bundle of the final expression, or nil.
	Data map[string]any `json:"data,omitempty"`
	// Err is set when the cell failed.
	Err    *Error `json:"error,omitempty"`
	Timing Timing `json:"timing"`
	// Payload items for execute_reply (pager, set_next_input, ...).
	Payload []map[string]any `json:"payload,omitempty"`
}

// Completion is the answer to a complete_request.
type Completion struct {
	Matches []string `json:"matches"`
	// Start and End are the replaced range, in Unicode code points.
	Start int `json:"cursor_start"`
	End   int `json:"cursor_end"`
	// Types, when set, has the kind of each match (one of the Kind
	// constants), which frontends show beside it.
	Types []string `json:"types,omitempty"`
}

// The kinds of completion matches.
const (
	KindKeyword  = "keyword"
	KindFunction = "function"
	KindType     = "type"
	KindVariable = "variable"
	KindConstant = "constant"
	KindPackage  = "module" // the word Jupyter frontends use for a package
	KindMethod   = "method"
	KindField    = "field"
)

// Inspection is the answer to an inspect_request or a ?name help request.
type Inspection struct {
	Found bool `json:"found"`
	// Text is plain text documentation.
	Text string `json:"text"`
}

// Engine runs cells. Execute is called for one cell at a time. Cancelling
// its ctx interrupts that cell, and only that cell: an engine keeps no
// interrupt for later cells. Every other call that runs a cell (measuring,
// native programs) takes its context the same way.
type Engine interface {
	Execute(ctx context.Context, code string, count int, out Output) Result
	Complete(code string, cursor int) Completion
	Inspect(code string, cursor int, detail int) Inspection
	// Restart discards the session's state and starts afresh.
	Restart() error
	Close() error
}

// MeasureSpec asks an engine to run a cell's statements again and again
// and time each run (%%timeit, %%compare, %%scale, %%trace). The cell's
// declarations are set up once, before, and not timed.
type MeasureSpec struct {
	// Code is the cell with its lines as in the notebook; its first line
	// is blank (the magic's line).
	Code  string `json:"code"`
	Count int    `json:"count"`
	// Loops is how many times the statements run in one run; 0 chooses,
	// as IPython's timeit does, the first of 1, 2, 5, 10, 20, 50, ...
	// that takes at least 0.2 s.
	Loops int `json:"loops"`
	Runs  int `json:"runs"`
	// GOMAXPROCS, if not 0, is set for the runs.
	GOMAXPROCS int `json:"gomaxprocs,omitempty"`
	// Trace, if set, is a file to record the execution tracer into during
	// the first run.
	Trace string `json:"trace,omitempty"`
	// Quiet drops all output; else the output of the statements' first
	// execution is shown and later executions are quiet.
	Quiet bool `json:"quiet,omitempty"`
	// Warmup runs the statements once before the timed runs, untimed:
	// the first execution pays for what later ones find done (the heap
	// grown, files in the page cache, code paged in), which would make
	// the first of several variants look costlier than it is.
	Warmup bool `json:"warmup,omitempty"`
	// Native builds the cell with the Go toolchain and measures the
	// program, instead of the interpreter.
	Native bool `json:"native,omitempty"`
}

// Sample is the cost of one run.
type Sample struct {
	WallNS int64 `json:"wall_ns"`
	UserNS int64 `json:"user_ns"`
	SysNS  int64 `json:"sys_ns"`
}

// Measurement is what a MeasureSpec found.
type Measurement struct {
	Engine     string   `json:"engine"`
	Loops      int      `json:"loops"`
	Runs       []Sample `json:"runs"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	BuildNS    int64    `json:"build_ns,omitempty"`
	// TraceNames labels the goroutines the cell started during the traced
	// run, by goroutine id, and TraceMain is the cell's own goroutine
	// (interpreted cells; native programs are named by their stacks).
	TraceNames map[uint64]string `json:"trace_names,omitempty"`
	TraceMain  uint64            `json:"trace_main,omitempty"`
	Err        *Error            `json:"error,omitempty"`
}
