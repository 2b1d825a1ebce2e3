// Package proto is the protocol between the kernel and a compiled
// session's host process: requests, one JSON object a line, on the host's
// file descriptor 4; messages, one a line, on its file descriptor 3. Before
// each message the host writes Marker (with the message's Sync) to its
// standard output and error, so that the kernel shows the message after
// what the cells printed before it. The kernel writes this package into
// each session's module, where the host uses it.
package proto

import (
	"strings"

	"github.com/gocurrent/gocurrent/kernel/display"
)

// The prefixes the conversion of cells gives names: exported variables
// and functions of a cell live under LocalPrefix (a plugin takes the
// exported names of package main for its own symbols), unexported
// methods under MethodPrefix (exported, so that types of one cell satisfy
// interfaces of another).
const (
	LocalPrefix  = "gocurrent_"
	MethodPrefix = "Gocurrent_"
)

// WrittenName is a cell function's name, as a stack names it, as the cell
// wrote it: without the conversion's prefixes.
func WrittenName(fn string) string {
	return strings.ReplaceAll(strings.ReplaceAll(fn, LocalPrefix, ""), MethodPrefix, "")
}

// Marker is written to standard output and error before each message,
// with the message's Sync.
const Marker = "\x00gocurrent-sync:%d\x00"

// MarkerPrefix is how every marker starts.
const MarkerPrefix = "\x00gocurrent-sync:"

// Request asks to load and run one cell (Kind "run") or to measure it
// (Kind "measure"), gives the running cell a line of input (Kind "input",
// with Text) or ends its input (Kind "eof"), interrupts it (Kind
// "interrupt"), or asks for the session's goroutines (Kind "goroutines")
// or for the running cell's goroutines now (Kind "live").
type Request struct {
	Kind   string `json:"kind"`
	Cell   int    `json:"cell,omitempty"`
	Plugin string `json:"plugin,omitempty"`
	Text   string `json:"text,omitempty"`
	// Measuring: how many loops a run (0: choose), how many runs,
	// GOMAXPROCS for them (0: as is), a file to trace the first run into,
	// and whether to drop all output (else the first call's output is
	// shown).
	Loops      int    `json:"loops,omitempty"`
	Runs       int    `json:"runs,omitempty"`
	GOMAXPROCS int    `json:"gomaxprocs,omitempty"`
	Trace      string `json:"trace,omitempty"`
	Quiet      bool   `json:"quiet,omitempty"`
	Warmup     bool   `json:"warmup,omitempty"` // one untimed call first
}

// Message is one line from the host: Kind "display" (a bundle a cell
// displayed), "clear" (a cell cleared its output), "input" (a cell waits
// to read its standard input), "running" (an interrupt found the cell
// computing), "goroutines" (the session's goroutines, described in Text),
// "live" (the running cell's goroutines now in N, -1 when none runs) or
// "done" (how a cell ended).
type Message struct {
	Kind   string          `json:"kind"`
	Sync   int64           `json:"sync"`
	Text   string          `json:"text,omitempty"`
	N      int64           `json:"n,omitempty"`
	Bundle *display.Bundle `json:"bundle,omitempty"`
	Wait   bool            `json:"wait,omitempty"`
	Done   *Reply          `json:"done,omitempty"`
}

// Reply is how a cell ended.
type Reply struct {
	Cell   int            `json:"cell"`
	Loaded bool           `json:"loaded"`
	Value  map[string]any `json:"value,omitempty"`
	Panic  string         `json:"panic,omitempty"`
	Stack  string         `json:"stack,omitempty"`
	Error  string         `json:"error,omitempty"`
	// Interrupted is set when an interrupt ended the cell while its
	// goroutine waited (Where says in what); Deadlock describes the
	// blocked goroutines of a cell that could never go on.
	Interrupted bool   `json:"interrupted,omitempty"`
	Where       string `json:"where,omitempty"`
	Deadlock    string `json:"deadlock,omitempty"`
	// Measure is what a measure request measured, or MeasureError why it
	// could not.
	Measure      *Measurement `json:"measure,omitempty"`
	MeasureError string       `json:"measure_error,omitempty"`
	WallNS       int64        `json:"wall_ns"`
	UserNS       int64        `json:"user_ns"`
	SysNS        int64        `json:"sys_ns"`
	// GoroutinesBefore and GoroutinesAfter are how many goroutines the
	// process has before and after the cell.
	GoroutinesBefore int `json:"goroutines_before"`
	GoroutinesAfter  int `json:"goroutines_after"`
	GOMAXPROCS       int `json:"gomaxprocs"`
}

// Measurement is what a measure request measured (engine.Measurement's
// fields of the same names).
type Measurement struct {
	Loops      int      `json:"loops"`
	Runs       []Sample `json:"runs"`
	GOMAXPROCS int      `json:"gomaxprocs"`
	TraceMain  uint64   `json:"trace_main,omitempty"`
}

// Sample is the cost of one run (engine.Sample).
type Sample struct {
	WallNS int64 `json:"wall_ns"`
	UserNS int64 `json:"user_ns"`
	SysNS  int64 `json:"sys_ns"`
}
