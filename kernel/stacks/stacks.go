// Package stacks parses the goroutine dumps of the Go runtime: the text of
// runtime.Stack, the report of a program that died of a panic or a fatal
// error (with GOTRACEBACK=all, every goroutine), and the goroutine profile
// of runtime/pprof at debug=1.
package stacks

import (
	"bytes"
	"runtime"
	"strconv"
	"strings"
)

// Goroutine is one goroutine of a dump.
type Goroutine struct {
	ID int64
	// Status is the text between the brackets of the goroutine's header
	// ("chan receive, 3 minutes, locked to thread"), labels left out.
	Status string
	// State is what the goroutine does, the first part of Status
	// ("chan receive", "select (no cases)", "running").
	State string
	// Minutes is how long the goroutine has been waiting, in minutes, as
	// far as the runtime says (it says it for waits of a minute or more).
	Minutes int
	// Labels are the goroutine's profiler labels, when the header shows
	// them (GODEBUG=tracebacklabels=1); nil otherwise.
	Labels map[string]string
	// Frames are the calls on the goroutine's stack, innermost first.
	Frames []Frame
	// Elided is set when the runtime left frames out of a deep stack.
	Elided bool
	// CreatedBy is the function whose go statement started the
	// goroutine; empty for the main goroutine and the runtime's own.
	CreatedBy string
	// Creator is the id of the goroutine that started this one; 0 if
	// the dump does not say.
	Creator int64
	// Cut is set when the dump ended inside this goroutine's stack (a
	// buffer too small for runtime.Stack).
	Cut bool
}

// Frame is one call of a stack.
type Frame struct {
	Func   string // "pkg/path.(*T).Method", without arguments
	File   string
	Line   int
	Offset uint64 // the "+0x1d" of the position: the pc from the function's entry
}

// Funcs returns the functions of g's frames, innermost first.
func (g Goroutine) Funcs() []string {
	out := make([]string, len(g.Frames))
	for i, f := range g.Frames {
		out[i] = f.Func
	}
	return out
}

// Report is a parsed dump or crash report.
type Report struct {
	// Messages are the lines outside the goroutines' stacks that say
	// what happened ("fatal error: concurrent map writes", "panic: ...",
	// "[signal SIGSEGV: ...]"); see IsRuntimeMessage.
	Messages   []string
	Goroutines []Goroutine
}

// Parse reads the goroutines of a dump as runtime.Stack writes it.
func Parse(dump []byte) []Goroutine {
	return ParseReport(string(dump)).Goroutines
}

// ParseReport reads a dump, or the report the runtime writes when a
// program dies: its messages, then its goroutines. The scheduler's own
// stack ("runtime stack:") is left out.
func ParseReport(text string) Report {
	var r Report
	for _, block := range strings.Split(strings.TrimRight(text, "\n"), "\n\n") {
		lines := strings.Split(block, "\n")
		if g, ok := parseHeader(lines[0]); ok {
			parseFrames(&g, lines[1:])
			r.Goroutines = append(r.Goroutines, g)
			continue
		}
		if lines[0] == "runtime stack:" {
			continue
		}
		for _, l := range lines {
			if IsRuntimeMessage(l) {
				r.Messages = append(r.Messages, l)
			}
		}
	}
	if n := len(r.Goroutines); n > 0 && !strings.HasSuffix(text, "\n") {
		// The runtime ends a complete dump with a newline: a dump
		// without one was cut (by the buffer of runtime.Stack).
		r.Goroutines[n-1].Cut = true
	}
	return r
}

// IsRuntimeMessage reports whether line is one of the lines of a crash
// report that say what happened (other lines are stacks, or the reports
// of tools such as the race detector).
func IsRuntimeMessage(line string) bool {
	for _, p := range []string{"fatal error", "runtime", "panic", "[signal", "unexpected"} {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	// "SIGSEGV: segmentation violation"
	i := 0
	for i < len(line) && line[i] >= 'A' && line[i] <= 'Z' {
		i++
	}
	return i > 3 && strings.HasPrefix(line, "SIG") && strings.HasPrefix(line[i:], ":")
}

// parseHeader reads "goroutine 7 [chan receive, 2 minutes]:", and the
// forms with the scheduler's details ("goroutine 7 gp=0x... m=nil [...]:")
// and with labels ("[select labels:{"cell": "3"}]:").
func parseHeader(line string) (Goroutine, bool) {
	var g Goroutine
	rest, ok := strings.CutPrefix(line, "goroutine ")
	if !ok || !strings.HasSuffix(rest, "]:") {
		return g, false
	}
	i := strings.IndexByte(rest, ' ')
	if i <= 0 {
		return g, false
	}
	id, err := strconv.ParseInt(rest[:i], 10, 64)
	if err != nil {
		return g, false
	}
	j := strings.Index(rest, " [")
	if j < 0 {
		return g, false
	}
	g.ID = id
	status := rest[j+2 : len(rest)-len("]:")]
	if k := strings.Index(status, " labels:{"); k >= 0 {
		g.Labels = parseLabels(status[k+len(" labels:"):])
		status = status[:k]
	}
	g.Status = status
	parts := strings.Split(status, ", ")
	g.State = parts[0]
	for _, p := range parts[1:] {
		if n, ok := strings.CutSuffix(p, " minutes"); ok {
			g.Minutes, _ = strconv.Atoi(n)
		}
	}
	return g, true
}

// parseLabels reads {"k": "v", "k2": "v2"} (the keys and values quoted as
// Go strings, with or without a space after the colons).
func parseLabels(s string) map[string]string {
	labels := map[string]string{}
	s = strings.TrimPrefix(s, "{")
	for {
		s = strings.TrimLeft(s, ", ")
		k, err := strconv.QuotedPrefix(s)
		if err != nil {
			return labels
		}
		s = strings.TrimLeft(s[len(k):], ": ")
		v, err := strconv.QuotedPrefix(s)
		if err != nil {
			return labels
		}
		s = s[len(v):]
		key, _ := strconv.Unquote(k)
		labels[key], _ = strconv.Unquote(v)
	}
}

// parseFrames reads the lines of a goroutine's stack after its header.
func parseFrames(g *Goroutine, lines []string) {
	var last *Frame // the frame whose position the next line gives
	for _, l := range lines {
		switch {
		case l == "":
		case strings.HasPrefix(l, "\t"):
			if last != nil {
				last.File, last.Line, last.Offset = parsePosition(l[1:])
				last = nil
			}
		case strings.HasPrefix(l, "..."):
			g.Elided = true // "...additional frames elided...", "...N frames elided..."
		case strings.HasPrefix(l, "created by "):
			c := strings.TrimPrefix(l, "created by ")
			if i := strings.Index(c, " in goroutine "); i >= 0 {
				g.Creator, _ = strconv.ParseInt(c[i+len(" in goroutine "):], 10, 64)
				c = c[:i]
			}
			g.CreatedBy = c
			last = nil
		case strings.HasSuffix(l, ")"): // "pkg.f(0x1, ...)"
			if i := strings.LastIndexByte(l, '('); i > 0 {
				l = l[:i]
			}
			g.Frames = append(g.Frames, Frame{Func: l})
			last = &g.Frames[len(g.Frames)-1]
		default:
			last = nil // not a goroutine's: "exit status 2" after a crash
		}
	}
}

// parsePosition reads "/path/file.go:12 +0x1d".
func parsePosition(s string) (file string, line int, offset uint64) {
	if i := strings.LastIndex(s, " +0x"); i >= 0 {
		offset, _ = strconv.ParseUint(s[i+len(" +0x"):], 16, 64)
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if n, err := strconv.Atoi(s[i+1:]); err == nil {
			return s[:i], n, offset
		}
	}
	return s, 0, offset
}

// TrimOffset removes the pc offset (" +0x1d") from the end of line, a
// position of a stack.
func TrimOffset(line string) string {
	i := strings.LastIndex(line, " +0x")
	if i < 0 || i+len(" +0x") == len(line) {
		return line
	}
	for _, c := range line[i+len(" +0x"):] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return line
		}
	}
	return line[:i]
}

// ID reads the goroutine id of the header a dump starts with, as
// runtime.Stack(buf, false) writes it: "goroutine 7 [running]:".
func ID(dump []byte) (int64, bool) {
	b, ok := bytes.CutPrefix(dump, []byte("goroutine "))
	if !ok {
		return 0, false
	}
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	return id, err == nil
}

// CreatorID reads the id of the goroutine that started the one whose
// stack is dump, from its "created by ... in goroutine N" line.
func CreatorID(dump []byte) (int64, bool) {
	i := bytes.LastIndex(dump, []byte(" in goroutine "))
	if i < 0 {
		return 0, false
	}
	b := dump[i+len(" in goroutine "):]
	if j := bytes.IndexByte(b, '\n'); j >= 0 {
		b = b[:j]
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	return id, err == nil
}

// All is a traceback of all goroutines (runtime.Stack with all set), as
// long as it takes.
func All() []byte { return AllInto(nil) }

// AllInto is All written into buf's array when it is large enough, in a
// larger one otherwise: a caller that lists goroutines often keeps the
// returned slice (which may share buf's array) for the next call, and
// allocates nothing once it is large enough.
func AllInto(buf []byte) []byte {
	buf = buf[:cap(buf)]
	if len(buf) < 16<<10 {
		buf = make([]byte, 64<<10)
	}
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
