// Package gotrace turns a Go execution trace into a timeline picture and a
// summary: which goroutine ran on which processor (P) and when, how many of
// the cell's goroutines were running, runnable, blocked or in a system call
// over time, and how long they spent in each state.
//
// Load reads the binary trace with golang.org/x/exp/trace, the Go team's
// trace reader (the standard library's own is internal). For a trace that
// reader cannot read, such as one in the format of a newer Go release, Load
// falls back on the toolchain's `go tool trace -d=parsed FILE`, which prints
// every event the toolchain's parser produces as text, and ParseDump reads
// that text. The text reader matches keys (Time=, GoID=, Reason=, ...)
// rather than column positions and ignores event kinds it does not know, so
// small changes of the dump format between Go releases do not break it.
// Both readers feed the same events to the same analysis.
//
// The picture (Trace.Picture, shown as SVG and PNG by kernel/picture) has
// its own white background and dark text, no scripts and no external
// resources, so it reads the same in JupyterLab's light and dark themes, the
// classic Notebook and GitHub's notebook viewer. However many goroutines the
// trace holds, it draws
// at most about one rectangle per processor lane per pixel column: intervals
// narrower than a pixel are merged into per-column rectangles coloured by the
// group that ran most there.
package gotrace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Options say how to read and draw a trace.
type Options struct {
	// Go is the go command ("" → "go" on PATH). Load needs it only for
	// traces its built-in reader cannot read, to run `go tool trace`.
	Go string
	// Names maps goroutine ids to labels for the goroutines the caller
	// knows (the kernel's interpreter maps the goroutines a cell started to
	// labels like "cell line 4: go worker(i)"). When Names is non-nil,
	// goroutines that are not in Names, not Main and not descended from one
	// of them are "other" (the interpreter's own): drawn grey and left out
	// of the summary's counts.
	Names map[uint64]string
	// Main is the goroutine id of the cell itself (labelled "the cell"), 0
	// if none.
	Main uint64
	// CellFile is the file name used in //line directives for the cell in
	// native programs (e.g. "cell"): a frame in this file on the stack that
	// created a goroutine gives the label "cell line N", and the new
	// goroutine's start function gives the function name.
	CellFile string
	// Width is the picture's width in CSS pixels, default 900.
	Width int
}

// Summary is what the trace says, for the reply's metadata. Times are summed
// over the cell's goroutines (see Options.Names); runtime goroutines (GC
// workers, the trace reader, ...) and "other" goroutines are not counted.
type Summary struct {
	DurationNS        int64            `json:"duration_ns"`        // trace window
	Procs             int              `json:"procs"`              // number of Ps seen (GOMAXPROCS)
	GoroutinesCreated int              `json:"goroutines_created"` // cell goroutines created during the trace
	MaxRunning        int              `json:"max_running"`        // most cell goroutines running at once
	RunningNS         int64            `json:"running_ns"`
	RunnableNS        int64            `json:"runnable_ns"`
	BlockedNS         int64            `json:"blocked_ns"`
	SyscallNS         int64            `json:"syscall_ns"`
	BlockedBy         map[string]int64 `json:"blocked_by"` // blocked time by reason ("chan receive", "sync", "sleep", "select", ...)
	Goroutines        []GoroutineStat  `json:"goroutines"` // per group, largest running time first, at most 20 groups
}

// GoroutineStat is the time a group of goroutines (same label, or same
// start function and creation site) spent in each state.
type GoroutineStat struct {
	Label      string `json:"label"`
	Count      int    `json:"count"`
	RunningNS  int64  `json:"running_ns"`
	RunnableNS int64  `json:"runnable_ns"`
	BlockedNS  int64  `json:"blocked_ns"`
	SyscallNS  int64  `json:"syscall_ns"`
}

// maxGroups is the most groups Summary.Goroutines lists; the rest are
// merged into one last entry.
const maxGroups = 20

// ErrIncomplete is wrapped by the error Load returns with a usable Trace
// when the go tool could read only the first part of the file, as with a
// trace whose program died before it stopped tracing.
var ErrIncomplete = errors.New("the trace is incomplete")

// Load reads the trace file at path. It reads it with the trace reader
// built into this package (golang.org/x/exp/trace); when that cannot read
// the file at all, as with a trace in the format of a Go release newer than
// the reader, Load runs the go command's `go tool trace -d=parsed` on it
// and parses what that prints. When only the first part of the file can be
// read, Load returns the Trace of that part together with an error
// wrapping ErrIncomplete.
func Load(ctx context.Context, path string, opt Options) (*Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gotrace: %w", err)
	}
	if err := ctx.Err(); err != nil {
		f.Close()
		return nil, fmt.Errorf("gotrace: %w", err)
	}
	tr, rerr := read(ctx, f, opt)
	f.Close()
	switch {
	case rerr == nil:
		return tr, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("gotrace: %w", ctx.Err())
	case tr != nil:
		return tr, fmt.Errorf("gotrace: read only part of %s: %w", path, rerr)
	case !errors.Is(rerr, errUnreadable):
		return nil, fmt.Errorf("gotrace: reading %s: %w", path, rerr)
	}
	tr, err = loadWithTool(ctx, path, opt)
	if err != nil && ctx.Err() == nil {
		// Say why the built-in reader could not read the file, unless the
		// go tool said the same.
		why := strings.TrimPrefix(rerr.Error(), errUnreadable.Error()+": ")
		if !strings.Contains(err.Error(), why) {
			err = fmt.Errorf("%w (%v)", err, rerr)
		}
	}
	return tr, err
}
