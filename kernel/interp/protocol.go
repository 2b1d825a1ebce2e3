// Package interp runs Go cells in the yaegi interpreter, inside a worker
// child process supervised by the kernel process.
//
// The worker is the kernel's own binary started with a hidden command (see
// RunWorker). Its file descriptors are:
//
//	0  /dev/null
//	1  the cell's standard output (a pipe to the kernel)
//	2  the Go runtime's own output: crash reports of fatal errors
//	3  requests from the kernel, one JSON object a line
//	4  events to the kernel, one JSON object a line
//	5  the cell's standard error (a pipe to the kernel)
//
// Because the cell's output is a real pipe, fmt, os.Stdout writes and
// child processes started with os/exec all reach the notebook. Ordering of
// events (a display, the end of a cell) with the text on the output pipes
// comes from sync markers: before the worker sends an event with sequence
// number n, it writes marker n to both output pipes, and the supervisor
// holds the event until it has read the marker from both, so every byte
// printed before the event is shown before it.
package interp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/ledger"
)

// request is a message from the kernel to the worker.
type request struct {
	ID     int64  `json:"id"`
	Op     string `json:"op"` // execute, measure, complete, inspect, evaluate, replay, interrupt, input
	Code   string `json:"code,omitempty"`
	Count  int    `json:"count,omitempty"`
	Cursor int    `json:"cursor,omitempty"`
	Detail int    `json:"detail,omitempty"`
	Input  string `json:"input,omitempty"`
	// InputErr is set when the input could not be had (no frontend
	// allows stdin, or the cell was interrupted).
	InputErr string `json:"input_err,omitempty"`
	// NoInput is set with InputErr when the frontend gives no input at
	// all (engine.ErrNoInput), which the cell is told.
	NoInput bool `json:"no_input,omitempty"`
	// Measure is the request of a measure op.
	Measure *engine.MeasureSpec `json:"measure,omitempty"`
	// Exprs are the expressions of an evaluate op (user_expressions of
	// an execute_request), by name.
	Exprs map[string]string `json:"exprs,omitempty"`
	// Replay is what a replay op declares again in a fresh worker.
	Replay *ledger.Replay `json:"replay,omitempty"`
}

// event is a message from the worker to the kernel.
type event struct {
	ID  int64  `json:"id"`
	Op  string `json:"op"` // ready, display, clear, input, declared, result, exit, mute
	Seq int64  `json:"seq,omitempty"`

	// display
	Data     map[string]any `json:"data,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	DispID   string         `json:"display_id,omitempty"`
	Update   bool           `json:"update,omitempty"`
	// From is the cell whose goroutine displays, when that cell has
	// ended: the display is late output of that cell.
	From int `json:"from,omitempty"`
	// clear
	Wait bool `json:"wait,omitempty"`
	// input
	Prompt   string `json:"prompt,omitempty"`
	Password bool   `json:"password,omitempty"`
	// result of execute
	Result *engine.Result `json:"result,omitempty"`
	// result of complete and inspect
	Completion *engine.Completion `json:"completion,omitempty"`
	Inspection *engine.Inspection `json:"inspection,omitempty"`
	// result of measure
	Measurement *engine.Measurement `json:"measurement,omitempty"`
	// result of declarations
	Declarations *engine.Declarations `json:"declarations,omitempty"`
	// result of evaluate: each expression's value or error, by name
	Values map[string]engine.ExprResult `json:"values,omitempty"`
	// declared: what a cell declared, for the kernel's ledger
	Declared *ledger.Delta `json:"declared,omitempty"`
	// result of replay: the declarations that could not be declared again
	Failures []ledger.Failure `json:"failures,omitempty"`
	// exit: os.Exit or log.Fatal from a goroutine is about to end the
	// worker.
	Code int    `json:"code,omitempty"`
	Call string `json:"call,omitempty"`
}

// A sync marker on an output pipe is an operating system command escape,
// which terminals ignore: "\x1b]gocurrent-sync;", a key, ";", the decimal
// sequence number and "\a". The key is random, made by the kernel for each
// worker and handed over in the environment variable syncKeyEnv, which the
// worker removes before any cell runs: a cell cannot write a marker,
// whatever it prints.
const (
	markerStart = "\x1b]gocurrent-sync;"
	markerEnd   = '\a'
	syncKeyEnv  = "GOCURRENT_SYNC_KEY"
)

// markers makes and finds the sync markers of one key.
type markers struct{ prefix []byte }

func newMarkers(key string) markers {
	return markers{prefix: []byte(markerStart + key + ";")}
}

// newSyncKey is a random key for a worker's markers.
func newSyncKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// markersFromEnv returns the markers of the key in the environment, and
// removes it from there (programs the cells start do not inherit it).
func markersFromEnv() markers {
	key := os.Getenv(syncKeyEnv)
	_ = os.Unsetenv(syncKeyEnv)
	return newMarkers(key)
}

func (mk markers) marker(seq int64) []byte {
	b := append([]byte(nil), mk.prefix...)
	b = strconv.AppendInt(b, seq, 10)
	return append(b, markerEnd)
}

// parse looks for a marker in b. It returns the text before it, the
// marker's sequence number and the rest after it; ok is false when b holds
// no complete marker (partial says how many bytes at the end of b could be
// the beginning of one, which must then wait for more bytes). A prefix
// followed by anything but digits and the end is text.
func (mk markers) parse(b []byte) (before []byte, seq int64, rest []byte, ok bool, partial int) {
	from := 0
	for {
		i := bytes.Index(b[from:], mk.prefix)
		if i < 0 {
			// A marker's prefix may be cut at the end of b.
			for k := min(len(mk.prefix)-1, len(b)-from); k > 0; k-- {
				if bytes.Equal(b[len(b)-k:], mk.prefix[:k]) {
					return b, 0, nil, false, k
				}
			}
			return b, 0, nil, false, 0
		}
		i += from
		digits := b[i+len(mk.prefix):]
		n := 0
		for n < len(digits) && n < 19 && digits[n] >= '0' && digits[n] <= '9' {
			n++
		}
		switch {
		case n == len(digits):
			return b, 0, nil, false, len(b) - i // the rest has not come yet
		case n > 0 && digits[n] == markerEnd:
			seq, err := strconv.ParseInt(string(digits[:n]), 10, 64)
			if err == nil {
				return b[:i], seq, digits[n+1:], true, 0
			}
		}
		from = i + 1 // not a marker: text
	}
}
