// Package gotrace turns a Go execution trace into a timeline picture and a
// summary: which goroutine ran on which processor (P) and when, how many of
// the cell's goroutines were running, runnable, blocked or in a system call
// over time, and how long they spent in each state.
//
// The standard library's trace parser is internal, so gotrace does not parse
// the binary trace itself: Load runs the toolchain's
// `go tool trace -d=parsed FILE`, which prints every event the standard
// parser produces as text, and ParseDump reads that text. The reader matches
// keys (Time=, GoID=, Reason=, ...) rather than column positions and ignores
// event kinds it does not know, so small changes of the dump format between
// Go releases do not break it.
//
// The picture (Trace.SVG) is a standalone SVG document with its own white
// background and dark text, no scripts and no external resources, so it reads
// the same in JupyterLab's light and dark themes, the classic Notebook and
// GitHub's notebook viewer. However many goroutines the trace holds, it draws
// at most about one rectangle per processor lane per pixel column: intervals
// narrower than a pixel are merged into per-column rectangles coloured by the
// group that ran most there.
package gotrace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// Options say how to read and draw a trace.
type Options struct {
	// Go is the go command ("" → "go" on PATH). Load needs it to run
	// `go tool trace`.
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
	// Width is the SVG width in pixels, default 900.
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

// Load runs `go tool trace -d=parsed` on the trace file at path and parses
// its output. When the tool reads only the first part of the file, Load
// returns the Trace of that part together with an error wrapping
// ErrIncomplete.
func Load(ctx context.Context, path string, opt Options) (*Trace, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("gotrace: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("gotrace: %w", err)
	}
	goCmd, err := findGo(opt.Go)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("gotrace: %w", err)
	}
	// Run the tool's binary directly if we know where it is; if that
	// fails, let `go tool trace` find (or rebuild) it.
	if tool, ok := tracePath(ctx, goCmd); ok {
		tr, err := runTool(ctx, opt, abs, tool, "-d=parsed", abs)
		if err == nil || tr != nil || ctx.Err() != nil {
			return tr, err
		}
		forgetTracePath(goCmd)
	}
	return runTool(ctx, opt, abs, goCmd, "tool", "trace", "-d=parsed", abs)
}

// toolPaths caches, per go command, the path of the built `trace` tool:
// `go tool trace` spends a good part of a second checking that the tool is
// up to date before it runs it.
var toolPaths sync.Map

// toolKey names a go command and its version: a go command replaced in
// place has another modification time.
func toolKey(goCmd string) string {
	if st, err := os.Stat(goCmd); err == nil {
		return goCmd + "\x00" + st.ModTime().String()
	}
	return goCmd
}

func forgetTracePath(goCmd string) { toolPaths.Delete(toolKey(goCmd)) }

// toolEnv runs the go command outside any module, with the installed
// toolchain: a go.mod in the working directory must not make the go
// command switch (or download) toolchains.
func toolEnv(cmd *exec.Cmd) {
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=")
}

// tracePath finds the trace tool's binary with `go tool -n trace`.
func tracePath(ctx context.Context, goCmd string) (string, bool) {
	key := toolKey(goCmd)
	if p, ok := toolPaths.Load(key); ok {
		return p.(string), true
	}
	cmd := exec.CommandContext(ctx, goCmd, "tool", "-n", "trace")
	toolEnv(cmd)
	out, err := cmd.Output()
	if err != nil {
		return "", false
	}
	p := strings.TrimSpace(string(out))
	if strings.ContainsAny(p, "\n ") || !filepath.IsAbs(p) {
		return "", false // not a plain path: let `go tool trace` run it
	}
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		return "", false
	}
	toolPaths.Store(key, p)
	return p, true
}

// runTool runs the trace tool (name and args) and parses what it prints.
func runTool(ctx context.Context, opt Options, path, name string, args ...string) (*Trace, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	toolEnv(cmd)
	var stderr bytes.Buffer
	cmd.Stderr = &limitedWriter{w: &stderr, n: 64 << 10}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("gotrace: %w", err)
	}
	if err := cmd.Start(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("gotrace: %w", ctx.Err())
		}
		return nil, fmt.Errorf("gotrace: running go tool trace: %w", err)
	}
	tr, perr := ParseDump(out, opt)
	// Drain whatever the parser left (it stops early only on error) so the
	// tool does not block on a full pipe.
	_, _ = io.Copy(io.Discard, out)
	werr := cmd.Wait()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("gotrace: %w", ctx.Err())
	}
	if werr != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = werr.Error()
		}
		if perr == nil && len(tr.gs) > 0 {
			// The tool printed the generations it could read before it
			// failed (a trace cut short when its program died).
			tr.incomplete = msg
			return tr, fmt.Errorf("gotrace: go tool trace read only part of %s (%s): %w", path, msg, ErrIncomplete)
		}
		return nil, fmt.Errorf("gotrace: go tool trace could not read %s: %s", path, msg)
	}
	if perr != nil {
		return nil, perr
	}
	return tr, nil
}

// findGo resolves the go command.
func findGo(name string) (string, error) {
	if name == "" {
		name = "go"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("gotrace: the go command %q was not found (it is needed to run `go tool trace`): install the Go toolchain (https://go.dev/dl/, or your system's golang package) and put its bin directory on PATH, or set Options.Go", name)
		}
		return "", fmt.Errorf("gotrace: the go command %q cannot be used: %w", name, err)
	}
	return p, nil
}

// limitedWriter keeps the first n bytes written to it and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		_, _ = l.w.Write(p[:k])
	}
	return len(p), nil
}
