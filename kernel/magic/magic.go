// Package magic runs the % and %% magics of a cell: help, %timing,
// %status, %goroutines, the snippets (%snippets, %load), %%native, and the
// measuring magics (%time, %%timeit, %%compare, %%scale, %%trace) with
// their tables and charts. It runs cells through the engine it is given
// and never sees sockets or messages; its help texts are one embedded
// file, help.txt.
package magic

import (
	"context"
	_ "embed"
	"fmt"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/snippets"
)

// Output is where a magic writes: a cell's output, and its execute_reply's
// metadata, where each magic puts its figures under its own name.
type Output interface {
	engine.Output
	// AtLineStart reports whether the last stdout text ended a line.
	AtLineStart() bool
	// SetMetadata adds key to the cell's execute_reply metadata.
	SetMetadata(key string, v any)
}

// Session is what the magics need of the kernel around them.
type Session interface {
	// ExecutionCount is the count of the cell being run.
	ExecutionCount() int
	// SetTiming shows or hides the timing line under each cell.
	SetTiming(on bool)
	// Health is the kernel process's numbers for %status.
	Health() map[string]any
}

// Magics runs the magics of one kernel.
type Magics struct {
	cells    engine.Engine
	programs engine.Programs // nil: no Go toolchain builds
	sess     Session
	help     map[string]string // help texts by magic, "help" for %help
}

//go:embed help.txt
var helpText string

// New makes the magics of a kernel whose cells run on cells and, when
// programs is not nil, as programs built by programs.
func New(cells engine.Engine, programs engine.Programs, sess Session) *Magics {
	return &Magics{cells: cells, programs: programs, sess: sess, help: parseHelp(helpText)}
}

// parseHelp splits help.txt into its sections by name.
func parseHelp(text string) map[string]string {
	help := map[string]string{}
	name := ""
	var b strings.Builder
	flush := func() {
		if name != "" {
			help[name] = strings.TrimSuffix(b.String(), "\n")
		}
		b.Reset()
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		if rest, ok := strings.CutPrefix(line, "== "); ok {
			flush()
			name = strings.TrimSpace(rest)
			continue
		}
		if name == "" {
			continue // the file's own comment
		}
		b.WriteString(line)
	}
	flush()
	help["snippets"] = strings.ReplaceAll(help["snippets"], "{topics}", strings.Join(snippets.Topics(), ", "))
	return help
}

// measure runs spec on the programs when it asks for a native run, else on
// the cells' engine.
func (m *Magics) measure(ctx context.Context, spec engine.MeasureSpec, out engine.Output) engine.Measurement {
	if spec.Native {
		if m.programs == nil {
			return engine.Measurement{Err: &engine.Error{Name: "magic error", Value: "this kernel cannot build programs with the Go toolchain"}}
		}
		return m.programs.Measure(ctx, spec, out)
	}
	ms, ok := m.cells.(engine.Measurer)
	if !ok {
		return engine.Measurement{Err: &engine.Error{Name: "magic error", Value: "this engine cannot measure cells"}}
	}
	return ms.Measure(ctx, spec, out)
}

// Run handles help requests and magics. A cell with magics and Go
// code runs the Go code after the magics; handled is true when nothing
// is left to run.
func (m *Magics) Run(ctx context.Context, code string, out Output) (engine.Result, bool) {
	switch strings.TrimSpace(code) {
	case "exit", "quit", "exit()", "quit()":
		// As IPython does: terminal frontends (jupyter console) leave
		// on this payload; notebooks ignore it.
		return engine.Result{Payload: []map[string]any{{"source": "ask_exit", "keepkernel": false}}}, true
	}
	if cell.PlainGo(code) {
		return engine.Result{}, false // no magic: the engine parses it
	}
	c, err := cell.Parse(code)
	if err != nil {
		return engine.Result{}, false // the engine reports the error
	}
	if c.Help != "" {
		in := m.cells.Inspect(c.Help, len([]rune(c.Help)), 0)
		if !in.Found {
			out.Stream("stdout", fmt.Sprintf("No documentation found for %s.\n", c.Help), 0)
			return engine.Result{}, true
		}
		return engine.Result{Payload: []map[string]any{{
			"source": "page", "data": map[string]any{"text/plain": in.Text}, "start": 0,
		}}}, true
	}
	canNative := m.programs != nil
	if c.CellMagic != nil {
		if res, ok := m.measureMagic(ctx, c, out); ok { // measure.go
			return res, true
		}
	}
	if c.CellMagic != nil && c.CellMagic.Name == "native" && canNative {
		// The body keeps its cell lines: the magic's line is left blank.
		body := strings.Repeat("\n", c.BodyLine-1) + c.Body
		return m.programs.Run(ctx, body, c.CellMagic.Args, m.sess.ExecutionCount(), out), true
	}
	if c.Program && canNative && len(c.Magics) == 0 {
		// A whole program runs as a program.
		return m.programs.Run(ctx, code, "", m.sess.ExecutionCount(), out), true
	}
	if c.CellMagic != nil {
		return engine.Result{Err: &engine.Error{Name: "unknown magic", Value: fmt.Sprintf("%%%%%s is not a cell magic gocurrent knows; %%help lists them", c.CellMagic.Name),
			Traceback: []string{fmt.Sprintf("\x1b[0;31munknown magic\x1b[0m: %%%%%s is not a cell magic gocurrent knows; %%help lists them", c.CellMagic.Name)}}}, true
	}
	for _, mg := range c.Magics {
		switch mg.Name {
		case "help":
			out.Stream("stdout", m.help["help"]+"\n", 0)
		case "status":
			if mg.Args != "" {
				return magicError(mg, "usage: %status"), true
			}
			m.showStatus(out)
		case "goroutines":
			lister, ok := m.cells.(engine.GoroutineLister)
			if !ok {
				return magicError(mg, "this engine cannot list goroutines"), true
			}
			text, err := lister.Goroutines()
			if err != nil {
				return magicError(mg, fmt.Sprintf("list goroutines: %v", err)), true
			}
			out.Stream("stdout", text, 0)
		case "race":
			racer, ok := m.cells.(engine.Racer)
			if !ok {
				return magicError(mg, "the interpreter cannot run under the race detector: %%native -race runs one cell as a program under it, and in the compiled kernel (Go (gocurrent, compiled)) %race on runs the whole session under it"), true
			}
			var on bool
			switch mg.Args {
			case "on":
				on = true
			case "off":
			case "":
				state := "off"
				if racer.Race() {
					state = "on"
				}
				out.Stream("stdout", "The race detector is "+state+" (%race on|off).\n", 0)
				continue
			default:
				return magicError(mg, "usage: %race on|off"), true
			}
			text, err := racer.SetRace(ctx, on)
			if err != nil {
				return magicError(mg, err.Error()), true
			}
			out.Stream("stdout", text, 0)
		case "time", "timeit":
			if hasHelpFlag(mg.Args) {
				out.Stream("stdout", m.help[mg.Name]+"\n", 0)
				continue
			}
			if strings.TrimSpace(mg.Args) == "" {
				return magicError(mg, fmt.Sprintf("usage: %%%s STATEMENT (or %%%%%s as a cell's first line)", mg.Name, mg.Name)), true
			}
			flags, stmt := mg.Args, mg.Args
			if mg.Name == "timeit" {
				flags, stmt = splitTimeitFlags(mg.Args)
			}
			code := strings.Repeat("\n", mg.Line-1) + stmt
			var res engine.Result
			if mg.Name == "time" {
				res = m.timeOnce(ctx, code, out)
			} else {
				res = m.timeit(ctx, cell.Magic{Name: "timeit", Args: flags, Line: mg.Line}, code, out)
			}
			if res.Err != nil {
				return res, true
			}
		case "snippets", "load": // snippets.go
			if res, stop := m.snippetMagic(mg, out); stop {
				return res, true
			}
		case "timing":
			switch mg.Args {
			case "on", "":
				m.sess.SetTiming(true)
			case "off":
				m.sess.SetTiming(false)
			default:
				return magicError(mg, "usage: %timing on|off"), true
			}
		default:
			return magicError(mg, fmt.Sprintf("%%%s is not a magic gocurrent knows; %%help lists them", mg.Name)), true
		}
	}
	if len(c.Magics) > 0 && len(c.Chunks) == 0 && !c.Program {
		return engine.Result{}, true
	}
	return engine.Result{}, false
}

func magicError(mg cell.Magic, msg string) engine.Result {
	return engine.Result{Err: &engine.Error{Name: "magic error", Value: fmt.Sprintf("line %d: %s", mg.Line, msg),
		Traceback: []string{fmt.Sprintf("\x1b[0;31mmagic error\x1b[0m at line %d: %s", mg.Line, msg)}}}
}
