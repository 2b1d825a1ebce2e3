package session

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/jupyter"
)

type executeRequest struct {
	Code         string         `json:"code"`
	Silent       bool           `json:"silent"`
	StoreHistory *bool          `json:"store_history"`
	UserExprs    map[string]any `json:"user_expressions"`
	AllowStdin   *bool          `json:"allow_stdin"`
	StopOnError  *bool          `json:"stop_on_error"`
}

// output publishes a cell's output on iopub with the execute request as
// parent.
type output struct {
	k      *Kernel
	parent *jupyter.Message
	stdin  bool
	silent bool
	done   chan struct{} // closed when the cell has ended

	mu      sync.Mutex
	midLine bool // the last stdout text did not end a line

	metadata map[string]any // execute_reply metadata set by magics (%status)
}

func (o *output) atLineStart() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return !o.midLine
}

func (o *output) Stream(name, text string, from int) {
	if o.silent {
		return
	}
	if name == "stdout" && text != "" {
		o.mu.Lock()
		o.midLine = !strings.HasSuffix(text, "\n")
		o.mu.Unlock()
	}
	_ = o.k.conn.Publish(o.parent, "stream", map[string]any{"name": name, "text": text}, nil)
}

func (o *output) Display(data, metadata map[string]any, id string, update bool) {
	if o.silent {
		return
	}
	if metadata == nil {
		metadata = map[string]any{}
	}
	content := map[string]any{"data": data, "metadata": metadata, "transient": map[string]any{}}
	if id != "" {
		content["transient"] = map[string]any{"display_id": id}
	}
	t := "display_data"
	if update {
		t = "update_display_data"
	}
	_ = o.k.conn.Publish(o.parent, t, content, nil)
}

func (o *output) Clear(wait bool) {
	if o.silent {
		return
	}
	_ = o.k.conn.Publish(o.parent, "clear_output", map[string]any{"wait": wait}, nil)
}

// Input asks the frontend for a line with an input_request on stdin.
func (o *output) Input(prompt string, password bool) (string, error) {
	if !o.stdin {
		return "", engine.ErrNoInput
	}
	// Forget a reply left over from an earlier request.
	select {
	case <-o.k.inputs:
	default:
	}
	if _, err := o.k.conn.SendStdin(o.parent, "input_request", map[string]any{"prompt": prompt, "password": password}); err != nil {
		return "", fmt.Errorf("send input_request: %w", err)
	}
	var m *jupyter.Message
	select {
	case m = <-o.k.inputs:
	case <-o.done:
		return "", fmt.Errorf("the cell ended while waiting for input")
	}
	var rep struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(m.Content, &rep); err != nil {
		return "", fmt.Errorf("input_reply: %w", err)
	}
	return rep.Value, nil
}

// execute runs an execute_request. When the cell failed with
// stop_on_error, it returns how many requests were queued before its reply
// was sent: those are aborted, and requests sent after the reply are not.
func (k *Kernel) execute(ctx context.Context, r shellRequest) (abort int) {
	m := r.m
	var req executeRequest
	if err := json.Unmarshal(m.Content, &req); err != nil {
		k.reply(m, "execute_reply", map[string]any{"status": "error", "ename": "bad request", "evalue": err.Error(), "traceback": []string{}, "execution_count": k.executionCount()}, nil)
		return 0
	}
	store := req.StoreHistory == nil || *req.StoreHistory
	if req.Silent {
		store = false
	}
	k.mu.Lock()
	if store {
		k.count++
	}
	count := k.count
	if !req.Silent {
		k.parents[count] = m
		delete(k.parents, count-100)
	}
	showTiming := k.timing
	k.mu.Unlock()
	if !req.Silent {
		_ = k.conn.Publish(m, "execute_input", map[string]any{"code": req.Code, "execution_count": count}, nil)
	}
	out := &output{k: k, parent: m, stdin: req.AllowStdin == nil || *req.AllowStdin, silent: req.Silent, done: make(chan struct{})}
	defer close(out.done)
	ctx, cellDone := k.startCell(ctx, r) // interrupt.go
	defer cellDone()

	res, handled := k.magics(ctx, req.Code, out)
	if !handled {
		res = k.eng.Execute(ctx, req.Code, count, out)
	}
	if store {
		k.history.Add(count, req.Code, resultText(res))
	}
	metadata := map[string]any{"timing": res.Timing}
	maps.Copy(metadata, out.metadata)
	timingLine := ""
	if showTiming && res.Timing.Engine != "" {
		timingLine = FormatTiming(res.Timing)
	}
	content := map[string]any{"execution_count": count, "payload": payload(res), "user_expressions": map[string]any{}}
	if res.Err != nil {
		tb := res.Err.Traceback
		if len(tb) == 0 {
			tb = []string{res.Err.Name + ": " + res.Err.Value}
		}
		if timingLine != "" {
			// Part of the error output, so the cell has exactly one.
			tb = append(append([]string(nil), tb...), "\x1b[2m"+timingLine+"\x1b[0m")
		}
		if !req.Silent {
			_ = k.conn.Publish(m, "error", map[string]any{"ename": res.Err.Name, "evalue": res.Err.Value, "traceback": tb}, nil)
		}
		content["status"] = "error"
		content["ename"] = res.Err.Name
		content["evalue"] = res.Err.Value
		content["traceback"] = tb
		if req.StopOnError == nil || *req.StopOnError {
			abort = len(k.shell)
		}
		k.reply(m, "execute_reply", content, metadata)
		return abort
	}
	if !req.Silent {
		if res.Data != nil {
			_ = k.conn.Publish(m, "execute_result", map[string]any{"execution_count": count, "data": res.Data, "metadata": map[string]any{}}, nil)
		}
		if timingLine != "" {
			// A stream, not a display: every frontend shows it, and
			// display_data stays for what the cell displays.
			text := timingLine + "\n"
			if !out.atLineStart() {
				text = "\n" + text
			}
			_ = k.conn.Publish(m, "stream", map[string]any{"name": "stdout", "text": text}, nil)
		}
	}
	content["user_expressions"] = k.userExpressions(ctx, req.UserExprs) // userexpr.go
	content["status"] = "ok"
	k.reply(m, "execute_reply", content, metadata)
	return 0
}

func payload(res engine.Result) []map[string]any {
	if res.Payload == nil {
		return []map[string]any{}
	}
	return res.Payload
}

func resultText(res engine.Result) string {
	if res.Err != nil {
		return res.Err.Name + ": " + res.Err.Value
	}
	if t, ok := res.Data["text/plain"].(string); ok {
		return t
	}
	return ""
}

// FormatTiming is the one-line timing summary shown under a cell.
func FormatTiming(t engine.Timing) string {
	cpu := time.Duration(t.UserNS + t.SysNS)
	wall := time.Duration(t.WallNS)
	run := wall - time.Duration(t.BuildNS) // a native cell's CPU is its run's
	cores := 0.0
	if run > 0 {
		cores = float64(cpu) / float64(run)
	}
	wallText := FormatDuration(wall)
	if t.BuildNS > 0 {
		wallText += fmt.Sprintf(" (build %s, run %s)", FormatDuration(time.Duration(t.BuildNS)), FormatDuration(run))
	}
	s := fmt.Sprintf("⏱ wall %s · CPU %s (user %s, sys %s) · %.2f cores busy · GOMAXPROCS %d · %s",
		wallText, FormatDuration(cpu), FormatDuration(time.Duration(t.UserNS)), FormatDuration(time.Duration(t.SysNS)),
		cores, t.GOMAXPROCS, t.Engine)
	if t.GoroutinesStarted > 0 || t.GoroutinesLeft > 0 {
		s += fmt.Sprintf(" · goroutines: %d started, %d still running", t.GoroutinesStarted, t.GoroutinesLeft)
	}
	return s
}

// FormatDuration writes d with three significant digits, as IPython does:
// 1.21 s, 620 ms, 8 µs.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0 s"
	}
	s := d.Seconds()
	var v float64
	var unit string
	switch {
	case s >= 1:
		v, unit = s, "s"
	case s >= 1e-3:
		v, unit = s*1e3, "ms"
	case s >= 1e-6:
		v, unit = s*1e6, "µs"
	default:
		v, unit = s*1e9, "ns"
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.2f %s", v, unit)
}

// magicHelp is what %help prints.
const magicHelp = `gocurrent: Go cells for Jupyter, made for concurrency

A cell is Go without a package clause: imports, declarations (func, type,
var, const) and statements, in any order. Values persist between cells.
The value of a final expression is shown (6*7 shows 42). Standard-library
packages used by their usual names (fmt, sync, time, strings, os, ...) are
imported automatically. A cell that is a whole program (package main with
func main) is built and run as a program (see %%native).

Every cell reports its cost on one line: wall time, CPU time (user and
system, including child processes), cores busy (CPU / wall), GOMAXPROCS,
and goroutines started and still running. The same numbers are in the
execute_reply's metadata.timing.

Magics:
  %help              this text
  %timing on|off     show or hide the timing line under each cell
  %%native [-race] [-gomaxprocs N] [-- ARGS]
                     (first line of a cell) build the cell with the Go
                     toolchain and run it as a program, at compiled speed;
                     -race runs it under the race detector. Native cells
                     see the session's declarations (imports, types,
                     functions, constants, var declarations), not the
                     values interpreted cells computed. A cell that is a
                     whole program (package main, func main) runs natively.
  %time STATEMENT, %%time
                     run once and print CPU and wall time, as IPython does
  %timeit STATEMENT, %%timeit [-n LOOPS] [-r RUNS] [--native]
                     mean ± std. dev. of the time per loop; declarations
                     in the cell are set up once, not timed
  %%compare [-r RUNS] [--native]
                     variants of the same work, each after a line
                     // --- NAME: a table and a bar chart of median wall
                     time, CPU, cores busy and speedup over the first
  %%scale [-procs 1,2,4] [-r RUNS] [--native]
                     the cell at each GOMAXPROCS: speedup against the
                     ideal, charted (GOMAXPROCS=1 is Go with a GIL)
  %%trace [--native] the Go execution tracer's timeline of the cell: one
                     lane per processor, a bar per goroutine's running
                     time, and running/runnable/blocked counts
                     Each takes -h. They print their own numbers (no timing
                     line) and put them in the reply's metadata under their
                     names (metadata.timeit, .compare, .scale, .trace).
  %goroutines        the goroutines cells left behind: the cell and go
                     statement that started them, and what they do now
  %status            kernel and worker health: pids, uptime, memory, goroutines, restarts
  %snippets [TOPIC]  ready-made cells (threading, locking, processes,
                     patterns, timing): name, title and purpose of each
  %load NAME         replace the cell's text with the snippet NAME; run the
                     cell again to run it. Both take -h.
  ?name, name?       documentation of a package, symbol or session name
                     (also Shift-Tab in the notebook)
  exit, quit         leave jupyter console (ignored by notebooks)

The display package is available without import:
  display.HTML(s), display.Markdown(s), display.SVG(s), display.LaTeX(s),
  display.PNG(b), display.JPEG(b), display.JSON(v), display.Text(s),
  display.Image(img), display.Clear(), display.ID("name").HTML(s) (shows,
  then updates in place on later calls).
A final value that is an image.Image shows as PNG; one with an HTML() or
SVG() string method shows as that.

Processes, also without import:
  results, err := procs.Map(workers, fn, inputs)
calls fn (a func of the session taking one value and returning a value, or
a value and an error) on each input in child processes, at most workers at
a time, and returns the results in input order. Children load the
session's declarations (not values cells computed); inputs and results
cross as JSON (no channels or funcs). A failed input (panic, error,
os.Exit, crash) gets the zero value and is listed in err, a *procs.Error;
the others finish. With one variable, r := procs.Map(...) panics instead.

Failures: a compile error, a panic in the cell or in a goroutine it
started (named by its go statement), os.Exit and log.Fatal end the cell
with an error and keep the session. When every goroutine is blocked (a
mutex locked twice, a receive nobody sends to, a WaitGroup that never
reaches zero), the cell ends with "deadlock" and where each goroutine is
blocked. A fatal runtime error (concurrent map writes, stack overflow, out
of memory) ends the worker process that runs the cells: the kernel stays
connected, reports what happened, and starts a fresh worker, but the
session's values are lost. Interrupt (the stop button) stops a running cell,
its goroutines and its child processes, and keeps the session; a cell stuck
where the interpreter cannot stop it is ended by restarting the worker,
which is said in the error.`

// magics handles help requests and line magics. A cell with magics and Go
// code runs the Go code after the magics; handled is true when nothing
// is left to run.
func (k *Kernel) magics(ctx context.Context, code string, out *output) (engine.Result, bool) {
	switch strings.TrimSpace(code) {
	case "exit", "quit", "exit()", "quit()":
		// As IPython does: terminal frontends (jupyter console) leave
		// on this payload; notebooks ignore it.
		return engine.Result{Payload: []map[string]any{{"source": "ask_exit", "keepkernel": false}}}, true
	}
	c, err := cell.Parse(code)
	if err != nil {
		return engine.Result{}, false // the engine reports the error
	}
	if c.Help != "" {
		in := k.eng.Inspect(c.Help, len([]rune(c.Help)), 0)
		if !in.Found {
			out.Stream("stdout", fmt.Sprintf("No documentation found for %s.\n", c.Help), 0)
			return engine.Result{}, true
		}
		return engine.Result{Payload: []map[string]any{{
			"source": "page", "data": map[string]any{"text/plain": in.Text}, "start": 0,
		}}}, true
	}
	nativeRunner, canNative := k.eng.(interface {
		ExecuteNative(ctx context.Context, code, args string, count int, out engine.Output) engine.Result
	})
	if c.CellMagic != nil {
		if res, ok := k.measureMagic(ctx, c, out); ok { // measure.go
			return res, true
		}
	}
	if c.CellMagic != nil && c.CellMagic.Name == "native" && canNative {
		// The body keeps its cell lines: the magic's line is left blank.
		body := strings.Repeat("\n", c.BodyLine-1) + c.Body
		return nativeRunner.ExecuteNative(ctx, body, c.CellMagic.Args, k.executionCount(), out), true
	}
	if c.Program && canNative && len(c.Magics) == 0 {
		// A whole program runs as a program.
		return nativeRunner.ExecuteNative(ctx, code, "", k.executionCount(), out), true
	}
	if c.CellMagic != nil {
		return engine.Result{Err: &engine.Error{Name: "unknown magic", Value: fmt.Sprintf("%%%%%s is not a cell magic gocurrent knows; %%help lists them", c.CellMagic.Name),
			Traceback: []string{fmt.Sprintf("\x1b[0;31munknown magic\x1b[0m: %%%%%s is not a cell magic gocurrent knows; %%help lists them", c.CellMagic.Name)}}}, true
	}
	for _, mg := range c.Magics {
		switch mg.Name {
		case "help":
			out.Stream("stdout", magicHelp+"\n", 0)
		case "status":
			if mg.Args != "" {
				return magicError(mg, "usage: %status"), true
			}
			k.showStatus(out)
		case "goroutines":
			lister, ok := k.eng.(interface{ Goroutines() (string, error) })
			if !ok {
				return magicError(mg, "this engine cannot list goroutines"), true
			}
			text, err := lister.Goroutines()
			if err != nil {
				return magicError(mg, fmt.Sprintf("list goroutines: %v", err)), true
			}
			out.Stream("stdout", text, 0)
		case "time", "timeit":
			if hasHelpFlag(mg.Args) {
				out.Stream("stdout", measureUsage[mg.Name]+"\n", 0)
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
				res = k.timeOnce(ctx, code, out)
			} else if m, ok := k.eng.(measurer); ok {
				res = k.timeit(ctx, m, cell.Magic{Name: "timeit", Args: flags, Line: mg.Line}, code, out)
			}
			if res.Err != nil {
				return res, true
			}
		case "snippets", "load": // snippets.go
			if res, stop := k.snippetMagic(mg, out); stop {
				return res, true
			}
		case "timing":
			switch mg.Args {
			case "on", "":
				k.setTiming(true)
			case "off":
				k.setTiming(false)
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

func (k *Kernel) setTiming(on bool) {
	k.mu.Lock()
	k.timing = on
	k.mu.Unlock()
}
