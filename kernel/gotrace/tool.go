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

// This file is Load's fallback for traces the built-in reader cannot read:
// it runs the toolchain's `go tool trace -d=parsed FILE`, which prints every
// event the toolchain's own trace parser produces as text, and parses that
// with ParseDump.

// loadWithTool runs `go tool trace -d=parsed` on the trace file at path and
// parses its output.
func loadWithTool(ctx context.Context, path string, opt Options) (*Trace, error) {
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
