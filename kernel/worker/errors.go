package worker

import (
	"context"
	"errors"
	"fmt"
	"go/scanner"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
)

var posRE = regexp.MustCompile(`^(?:[^:\s]*\.go:)?(\d+):(\d+): `)

func (s *session) describe(ctx context.Context, code string, err error) *engine.Error {
	var p interp.Panic
	if errors.As(err, &p) {
		if ex, ok := p.Value.(exitPanic); ok {
			return &engine.Error{Name: "exit", Value: fmt.Sprintf("%s was called: the cell stopped there (the session is kept)", exitText(ex.call, ex.code)),
				Traceback: []string{red(exitText(ex.call, ex.code)) + ": the cell stopped; the session's values are kept"}}
		}
		if _, ok := p.Value.(goexitPanic); ok {
			msg := "runtime.Goexit was called in the cell's own flow: its deferred calls ran and the cell stopped there. " +
				"In a program, main would wait for its other goroutines and then crash with " +
				"\"fatal error: no goroutines (main called runtime.Goexit) - deadlock!\"; the session's values are kept"
			return &engine.Error{Name: "goexit", Value: msg, Traceback: []string{red("runtime.Goexit") + ": " + msg}}
		}
		// The frames the evaluation's goroutine printed while the panic
		// unwound it; p.Stack is that goroutine's stack.
		gid, _ := parseGoroutineID(p.Stack)
		val := p.Value
		s.top.panicked(val) // topdefer.go
		if rv, ok := val.(reflect.Value); ok {
			if text, ok := s.sessionText(rv); ok { // panictext.go
				val = text
			}
		}
		if isNilPanic(val) {
			val = "panic called with nil argument" // Go 1.21's runtime.PanicNilError
		}
		return s.panicError(s.count, val, s.filter.take(gid))
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		if e := s.w.takeFault(); e != nil {
			return e
		}
		return &engine.Error{Name: "interrupted", Value: "the cell was interrupted; the session's values are kept",
			Traceback: []string{red("Interrupted") + ": the cell was stopped; the session's values are kept"}}
	}
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		return positioned("syntax error", code, list[0].Pos.Line-1, list[0].Pos.Column, list[0].Msg)
	}
	msg := err.Error()
	if strings.HasSuffix(msg, ": variable definition loop") {
		// The interpreter gives a package-level var this error when its
		// value uses a variable that a statement declared (x := ...).
		msg += " (the interpreter cannot run a var declaration whose value uses a variable declared by a statement, x := ...: declare the variable, var s T, then assign it, s = ...; or run the cell in the compiled kernel \"Go (gocurrent, compiled)\")"
	}
	if m := posRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		return positioned("compile error", code, line-1, col, msg[len(m[0]):])
	}
	return &engine.Error{Name: "compile error", Value: msg, Traceback: []string{red("compile error") + ": " + msg}}
}

// panicError describes the panic val, with the interpreter's trace of
// positions; frames in functions of earlier cells show those cells' lines,
// other frames those of cell cell.
func (s *session) panicError(current int, val any, frames []frame) *engine.Error {
	msg := fmt.Sprint(val)
	if err, ok := val.(error); ok {
		msg = err.Error()
	}
	if strings.HasPrefix(msg, "reflect: call of reflect.Value.") && strings.HasSuffix(msg, " on zero Value") {
		msg = "runtime error: invalid memory address or nil pointer dereference"
	}
	if goMsg, ok := reflectPanics[msg]; ok {
		// The interpreter's reflection message for what compiled Go
		// reports as a runtime error.
		msg = goMsg
	}
	e := &engine.Error{Name: "panic", Value: msg}
	e.Traceback = append(e.Traceback, red("panic")+": "+msg)
	first, starts := true, false
	at, seenOwn := s.at.Load(), false
	// lineOf names line of cell c for a user looking at the cell that runs.
	lineOf := func(c, line int) string {
		if c != s.count {
			return fmt.Sprintf("cell %d, line %d", c, line)
		}
		return fmt.Sprintf("cell line %d", line)
	}
	for _, f := range frames {
		c := s.frameCell(f, current)
		own := false
		if c == current && funcName(f.fn) == "the cell" && !seenOwn {
			// The cell's own frame, innermost (the others only call it).
			// The interpreter places a panic at the first statement of
			// the frame's function (traefik/yaegi#1266); the statement
			// marker says which of the cell's statements was running.
			seenOwn, own = true, true
			if line := int(at >> 32); f.line < line {
				f.line, f.col = line, int(at&0xffffffff)
			}
		}
		if f.line < 1 {
			continue
		}
		where := lineOf(c, f.line)
		if start, _, ok := cell.FuncAt(s.code[c], f.line, f.col); ok && !own {
			// Any other frame's position is its function's first
			// statement, whichever statement panicked or called on:
			// name the function and where it starts, not a line the
			// interpreter cannot vouch for.
			starts = true
			where = lineOf(c, start)
			if first {
				e.Value = fmt.Sprintf("%s (in %s, which starts at %s)", msg, funcName(f.fn), where)
				first = false
			}
			e.Traceback = append(e.Traceback, fmt.Sprintf("  in %s, which starts at %s", funcName(f.fn), where))
			if ls := cell.SourceLines(s.code[c], start, 1); len(ls) > 0 {
				e.Traceback = append(e.Traceback, ls[0])
			}
			continue
		}
		span := ""
		if own {
			// The marker names a top-level statement; which of its
			// lines panicked, the interpreter does not say.
			if last := cell.StatementEnd(s.code[c], f.line); last > f.line {
				starts = true
				span = fmt.Sprintf(", in the statement of lines %d-%d", f.line, last)
			}
		}
		if first {
			e.Value = fmt.Sprintf("%s (%s%s)", msg, where, span)
			first = false
		}
		if s.sites.shifted(c, f.line) {
			// A rewritten go statement moved the columns of this line.
			e.Traceback = append(e.Traceback, fmt.Sprintf("  in %s at %s%s", funcName(f.fn), where, span))
			if ls := cell.SourceLines(s.code[c], f.line, 1); len(ls) > 0 {
				e.Traceback = append(e.Traceback, ls[0])
			}
			continue
		}
		e.Traceback = append(e.Traceback, fmt.Sprintf("  in %s at %s:%d%s", funcName(f.fn), where, f.col, span))
		e.Traceback = append(e.Traceback, cell.SourceLines(s.code[c], f.line, f.col)...)
	}
	if starts {
		e.Traceback = append(e.Traceback, startsNote)
	}
	e.Traceback = append(e.Traceback, "(the session's values are kept)")
	return e
}

// startsNote explains why a panic's trace names functions by the line
// they start on, and statements by their lines.
const startsNote = "(the interpreter tells in which function or statement of the cell a panic happened, not on which of its lines: %%native and the compiled kernel show the line)"

// funcName is how a user names the function of an interpreter's frame.
func funcName(fn string) string {
	fn = strings.TrimPrefix(fn, "main.")
	if strings.HasPrefix(fn, runPrefix) {
		if strings.Contains(fn, ".func") {
			return "a function literal"
		}
		return "the cell"
	}
	if fn == "func" || strings.HasPrefix(fn, "func.") || strings.Contains(fn, ".func") || fn == "" || strings.HasPrefix(fn, litPrefix) {
		return "a function literal"
	}
	if fn == "main" {
		return "the cell"
	}
	return fn
}

// frameCell returns the cell whose source holds a frame of the
// interpreter's panic trace: the declaring cell of a session function, else
// cell.
func (s *session) frameCell(f frame, cell int) int {
	name := strings.TrimPrefix(f.fn, "main.")
	if c, ok := s.declCell[name]; ok && s.names[name] == "func" {
		return c
	}
	return cell
}

// reflectPanics translates the interpreter's reflection panics into the
// runtime errors compiled Go reports for the same mistakes.
var reflectPanics = map[string]string{
	"reflect: slice index out of range":                  "runtime error: index out of range",
	"reflect: array index out of range":                  "runtime error: index out of range",
	"reflect: string index out of range":                 "runtime error: index out of range",
	"reflect: call of reflect.Value.Field on zero Value": "runtime error: invalid memory address or nil pointer dereference",
	"reflect: call of reflect.Value.Elem on zero Value":  "runtime error: invalid memory address or nil pointer dereference",
}

// positioned makes an error at a cell position, with the offending line and
// a caret under the column.
func positioned(name, code string, line, col int, msg string) *engine.Error {
	if line < 1 {
		line = 1
	}
	if col < 1 {
		col = 1
	}
	e := &engine.Error{Name: name, Value: fmt.Sprintf("cell line %d:%d: %s", line, col, msg)}
	e.Traceback = append([]string{red(name) + fmt.Sprintf(" at cell line %d:%d: %s", line, col, msg)}, cell.SourceLines(code, line, col)...)
	return e
}

func syntaxError(code string, err error) *engine.Error {
	var ce *cell.Error
	if errors.As(err, &ce) {
		return positioned("syntax error", code, ce.Line, ce.Col, ce.Msg)
	}
	return &engine.Error{Name: "syntax error", Value: err.Error(), Traceback: []string{err.Error()}}
}

func red(s string) string { return "\x1b[0;31m" + s + "\x1b[0m" }

// panicFilter is the interpreter's standard error. It passes text through
// to the cell's stderr, except the interpreter's own trace lines of a
// panic ("L:C: panic: f(...)"), which it keeps to build the error.
type panicFilter struct {
	w  io.Writer
	mu sync.Mutex
	fs []frame
}

type frame struct {
	line, col int
	fn        string
	gid       int64 // the goroutine that panicked
}

var panicLineRE = regexp.MustCompile(`^(?:[^:\s]*\.go:)?(\d+):(\d+): panic(?:: (.*))?\n?$`)

func (f *panicFilter) Write(p []byte) (int, error) {
	if m := panicLineRE.FindSubmatch(p); m != nil {
		line, _ := strconv.Atoi(string(m[1]))
		col, _ := strconv.Atoi(string(m[2]))
		f.mu.Lock()
		fr := frame{line: line - 1, col: col, fn: strings.TrimSuffix(string(m[3]), "(...)"), gid: currentGoroutineID()}
		f.fs = append(f.fs, fr)
		if len(f.fs) > maxFrames {
			f.fs = f.fs[len(f.fs)-maxFrames:]
		}
		f.mu.Unlock()
		return len(p), nil
	}
	return f.w.Write(p)
}

// maxFrames bounds the frames kept of panics nobody asked about (panics
// recovered by the cell's own code also leave frames). Frames are taken by
// goroutine, never cleared wholesale: a goroutine's panic may unwind while
// the cell goes on to its next evaluation.
const maxFrames = 1000

// take removes and returns the frames of goroutine gid.
func (f *panicFilter) take(gid int64) []frame {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out, rest []frame
	for _, fr := range f.fs {
		if fr.gid == gid {
			out = append(out, fr)
		} else {
			rest = append(rest, fr)
		}
	}
	f.fs = rest
	return out
}
