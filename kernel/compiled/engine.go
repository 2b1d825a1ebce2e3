// Package compiled is the engine of compiled sessions (the kernelspec
// gocurrent-compiled): every cell is built with the Go toolchain as a
// plugin and loaded into one long-lived host process, so that what
// earlier cells declared and started (values, goroutines, channels,
// mutexes) stays alive for later cells, and every cell runs exactly as Go
// does, at native speed.
//
// A session is a module in a temporary directory: the host program
// (host/main.go, built once per session), and for cell N a package
// cells/cN (converted by package convert) and a plugin main package
// plug/pN that runs it. The go command builds the host; the cells are
// compiled and linked by calling the toolchain's tools directly
// (cellbuild.go), with this binary as the plugins' external linker
// (RunExtld).
//
// procs.Map runs the session's functions in child processes: each is the
// host binary started with the pools' hidden command, which opens the
// plugin of the cell that called Map and finds the function that cell's
// package registered (host/procs, host/procsrt, convert's procsmap.go);
// the pools are package pool's, built into the session's module.
package compiled

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"maps"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/compiled/convert"
	"github.com/gocurrent/gocurrent/kernel/compiled/host/proto"
	"github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/exportdata"
	"github.com/gocurrent/gocurrent/kernel/proctree"
)

// Options configure an Engine.
type Options struct {
	Logf func(string, ...any)
	// Late receives output that goroutines of ended cells write, with the
	// number of the last cell that ran.
	Late func(name, text string, from int)
	// LateDisplay receives what they display.
	LateDisplay func(data, metadata map[string]any, id string, update bool, from int)
}

// Engine runs the cells of one compiled session.
type Engine struct {
	opts Options

	ready chan struct{} // closed when setup has ended
	setup error         // why the session cannot build cells
	b     *builder
	host  string // the host binary
	race  bool   // the session runs under the race detector (%race)
	// raceHost is the host built with the race detector, once asked for.
	raceHost string
	std      map[string]string

	mu   sync.Mutex   // one cell at a time
	smu  sync.RWMutex // the session's names, which completion reads while a cell runs
	proc *process
	// pmu guards proc and restarts for readers that do not take mu
	// (%goroutines and %status while a cell runs).
	pmu      sync.Mutex
	restarts int // session processes started after the first
	started  bool
	sess     *convert.Session
	imp      types.Importer
	last     int // the last cell that ran
}

// New starts a compiled session: it finds the Go toolchain and a C
// compiler and builds the host in the background; the first cell waits
// for them and says what is missing.
func New(opts Options) *Engine {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	e := &Engine{opts: opts, ready: make(chan struct{})}
	e.reset()
	go e.prepare()
	return e
}

func (e *Engine) reset() {
	e.smu.Lock()
	defer e.smu.Unlock()
	e.sess = convert.NewSession(Module, e.std)
	e.sess.Race = e.race
}

// setProc records the session process (nil: none runs).
func (e *Engine) setProc(p *process) {
	e.pmu.Lock()
	defer e.pmu.Unlock()
	if p != nil {
		if e.started {
			e.restarts++
		}
		e.started = true
	}
	e.proc = p
}

// apply adds what a cell declared to the session.
func (e *Engine) apply(u *convert.Unit) {
	e.smu.Lock()
	defer e.smu.Unlock()
	e.sess.Apply(u)
}

// prepare finds the toolchain, lists the standard library and builds the
// host.
func (e *Engine) prepare() {
	defer close(e.ready)
	goBin, err := exec.LookPath("go")
	if err != nil {
		e.setup = errors.New("compiled sessions need the Go toolchain, and there is no go command on PATH: install Go (https://go.dev/dl/) or use the interpreted kernel (Go (gocurrent))")
		return
	}
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	if _, err := exec.LookPath(strings.Fields(cc + " x")[0]); err != nil {
		e.setup = fmt.Errorf("compiled sessions load each cell as a Go plugin, which needs cgo and a C compiler, and there is no %s on PATH: install one (on Debian, apt-get install gcc) or use the interpreted kernel (Go (gocurrent))", cc)
		return
	}
	var wg sync.WaitGroup
	var stdErr, hostErr error
	wg.Go(func() {
		start := time.Now()
		b, err := newBuilder(goBin)
		if err == nil {
			e.b = b
			e.host, err = b.buildHost(context.Background())
		}
		if err == nil {
			var lerr error
			if b.extld, lerr = b.buildExtld(context.Background()); lerr != nil {
				e.opts.Logf("compiled session: %v; the C compiler links the cells", lerr)
			}
		}
		hostErr = err
		e.opts.Logf("compiled session: host ready in %s", time.Since(start).Round(time.Millisecond))
	})
	// The type check of the first cell would wait for the export data of
	// the packages cells use most; find it meanwhile.
	wg.Go(func() {
		list, err := exec.Command(goBin, "list", "std").Output()
		if err != nil {
			stdErr = fmt.Errorf("list the standard library: %w", err)
			return
		}
		e.std = stdPackages(string(list))
		e.std["display"] = DisplayPath
		e.std["procs"] = ProcsPath
		std := exportdata.New(token.NewFileSet(), nil)
		imp, err := newSessionImporter(std)
		if err != nil {
			stdErr = err
			return
		}
		e.imp = imp
		std.Prepare(warmPackages)
		for _, path := range warmPackages {
			imp.Import(path)
		}
	})
	wg.Wait()
	e.setup = errors.Join(hostErr, stdErr)
}

// warmPackages are the packages whose export data a session finds while
// its host builds.
var warmPackages = []string{"fmt", "sync", "sync/atomic", "time", "context", "errors", "strings", "math", "math/rand", "os", "runtime", "sort", "slices", "maps", "strconv", "io", "bufio", "os/exec", "iter", "encoding/json"}

// stdPackages maps package names to standard library paths, from the
// output of `go list std`; where names collide the shorter path wins.
func stdPackages(list string) map[string]string {
	out := map[string]string{}
	for _, path := range strings.Fields(list) {
		if strings.Contains(path, "internal") || strings.HasPrefix(path, "vendor/") || strings.HasPrefix(path, "cmd/") {
			continue
		}
		name := path[strings.LastIndex(path, "/")+1:]
		if old, ok := out[name]; !ok || len(path) < len(old) || (len(path) == len(old) && path < old) {
			out[name] = path
		}
	}
	if p, ok := out["v2"]; ok && strings.HasPrefix(p, "math/rand") {
		delete(out, "v2")
	}
	return out
}

// Execute builds cell count and runs it in the session's host.
func (e *Engine) Execute(ctx context.Context, code string, count int, out engine.Output) engine.Result {
	start := time.Now()
	timing := engine.Timing{Engine: e.engineName()}
	r, buildNS, err := e.run(ctx, code, count, proto.Request{Kind: "run"}, out)
	timing.BuildNS = buildNS
	timing.WallNS = time.Since(start).Nanoseconds()
	if r == nil {
		return engine.Result{Err: err, Timing: timing}
	}
	timing.UserNS, timing.SysNS = r.UserNS, r.SysNS
	timing.GOMAXPROCS = r.GOMAXPROCS
	// A count of the whole process: goroutines earlier cells started and
	// that ended meanwhile are counted too.
	timing.GoroutinesLeft = int64(max(0, r.GoroutinesAfter-r.GoroutinesBefore))
	res := engine.Result{Timing: timing, Err: err}
	if err == nil && len(r.Value) > 0 {
		res.Data = r.Value
	}
	return res
}

// Measure builds the cell of spec and runs its statements again and
// again in the session's host, timing each run; its declarations join
// the session, as a cell's do.
func (e *Engine) Measure(ctx context.Context, spec engine.MeasureSpec, out engine.Output) engine.Measurement {
	req := proto.Request{Kind: "measure", Loops: spec.Loops, Runs: max(spec.Runs, 1), GOMAXPROCS: spec.GOMAXPROCS, Trace: spec.Trace, Quiet: spec.Quiet, Warmup: spec.Warmup}
	r, buildNS, err := e.run(ctx, spec.Code, spec.Count, req, out)
	m := engine.Measurement{Engine: e.engineName(), BuildNS: buildNS, Err: err}
	if r != nil && r.Measure != nil && err == nil {
		m.Loops, m.GOMAXPROCS, m.TraceMain = r.Measure.Loops, r.Measure.GOMAXPROCS, r.Measure.TraceMain
		for _, smp := range r.Measure.Runs {
			m.Runs = append(m.Runs, engine.Sample(smp))
		}
	}
	if m.Err == nil && len(m.Runs) == 0 {
		m.Err = &engine.Error{Name: "measure error", Value: "the cell did not run"}
	}
	return m
}

// run builds a cell and has the host run it as req asks. It returns the
// host's reply (nil when the cell did not run), how long the cell took to
// get ready to run (waiting for the session's setup, the conversion, the
// build, starting the host), and how the cell failed.
func (e *Engine) run(ctx context.Context, code string, count int, req proto.Request, out engine.Output) (*proto.Reply, int64, *engine.Error) {
	start := time.Now()
	c, err := cell.Parse(code)
	if err != nil {
		return nil, 0, syntaxError(code, err)
	}
	if c.Program {
		msg := "a whole program (package main with func main) runs as a program: start the cell with %%native"
		return nil, 0, &engine.Error{Name: "program", Value: msg, Traceback: []string{engine.Red("program") + ": " + msg}}
	}
	if len(c.Chunks) == 0 {
		return &proto.Reply{}, 0, nil
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, 0, interrupted("while the session was being set up")
	}
	if e.setup != nil {
		return nil, 0, &engine.Error{Name: "no toolchain", Value: e.setup.Error(), Traceback: []string{engine.Red("no toolchain") + ": " + e.setup.Error()}}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.smu.Lock()
	if e.sess.Std == nil {
		e.sess.Std = e.std
	}
	e.smu.Unlock()
	e.tellLoss(out)

	u, err := e.convert(count, c)
	if err != nil {
		return nil, 0, convertError(code, count, err)
	}
	src := u.Src
	if req.Kind == "measure" && req.Trace == "" {
		src = benchSource(u, e.sess.Module)
	}
	so, msg, err := e.b.buildCell(ctx, count, src, slices.Collect(maps.Values(u.Imports)))
	buildNS := time.Since(start).Nanoseconds()
	if ctx.Err() != nil {
		return nil, buildNS, interrupted("while the cell was being built")
	}
	if err != nil {
		return nil, buildNS, buildError(code, count, msg)
	}
	if e.proc == nil {
		host := e.host
		if e.race {
			host = e.raceHost
		}
		p, err := startHost(host, e.b.dir)
		if err != nil {
			return nil, buildNS, &engine.Error{Name: "session", Value: err.Error(), Traceback: []string{engine.Red("session") + ": " + err.Error()}}
		}
		e.setProc(p)
	}
	p := e.proc
	p.setSink(sink{
		stream:  func(name, text string) { out.Stream(name, text, 0) },
		display: func(b display.Bundle) { out.Display(b.Data, b.Metadata, b.ID, b.Update) },
		clear:   out.Clear,
		input:   func() (string, error) { return out.Input("", false) },
	})
	e.last = count
	req.Cell, req.Plugin = count, so
	buildNS = time.Since(start).Nanoseconds()
	var r proto.Reply
	if err := p.send(req); err != nil {
		<-p.exited
	}
	select {
	case r = <-p.done:
	case <-ctx.Done():
		var ok bool
		if r, ok = e.interrupt(p); !ok {
			e.setProc(nil)
			e.apply(u)
			return nil, buildNS, interrupted("the cell was computing and cannot be stopped on its own, so the session process was stopped: " + e.lossText())
		}
	case <-p.exited:
		e.setProc(nil)
		e.apply(u)
		return nil, buildNS, crashError(p, e.lossText())
	}
	p.setSink(e.lateSink(count))
	if r.Loaded {
		e.apply(u)
	}
	return &r, buildNS, replyError(r)
}

// replyError is how the host says a cell failed, as an error to show.
func replyError(r proto.Reply) *engine.Error {
	switch {
	case r.Error != "":
		return &engine.Error{Name: "load error", Value: r.Error, Traceback: []string{engine.Red("load error") + ": " + r.Error}}
	case r.Interrupted:
		return interrupted("the cell, whose goroutine was waiting (" + r.Where + "); the session keeps its values, and that goroutine ends if it ever wakes")
	case r.Deadlock != "":
		msg := "all goroutines of the session are blocked, so the cell can never go on"
		return &engine.Error{Name: "deadlock", Value: msg, Traceback: append(append([]string{engine.Red("deadlock") + ": " + msg},
			strings.Split(r.Deadlock, "\n")...), "The session keeps its values; the cell's goroutine ends if it ever wakes.")}
	case r.Panic != "":
		return panicError(r.Panic, r.Stack)
	case r.MeasureError != "":
		return &engine.Error{Name: "measure error", Value: r.MeasureError, Traceback: []string{engine.Red("measure error") + ": " + r.MeasureError}}
	}
	return nil
}

// convert converts the cell; a bug of the conversion fails the cell, not
// the kernel.
func (e *Engine) convert(count int, c *cell.Cell) (u *convert.Unit, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("the conversion of this cell failed (a bug of gocurrent, please report it with the cell): %v", v)
		}
	}()
	return convert.Convert(e.sess, count, c, e.imp)
}

// interrupt asks the host to give up on the running cell; it can when
// the cell's goroutine waits. When the cell computes, or the host does
// not answer, interrupt stops the host and reports false.
func (e *Engine) interrupt(p *process) (proto.Reply, bool) {
	if p.send(proto.Request{Kind: "interrupt"}) == nil {
		select {
		case r := <-p.done:
			return r, true
		case <-p.running:
		case <-p.exited:
		case <-time.After(2 * time.Second):
		}
	}
	p.kill()
	return proto.Reply{}, false
}

// lateSink is where the host's output goes between cells.
func (e *Engine) lateSink(count int) sink {
	return sink{
		stream: func(name, text string) {
			if e.opts.Late != nil {
				e.opts.Late(name, text, count)
			}
		},
		display: func(b display.Bundle) {
			if e.opts.LateDisplay != nil {
				e.opts.LateDisplay(b.Data, b.Metadata, b.ID, b.Update, count)
			}
		},
	}
}

// lossText says what a new host does not have.
func (e *Engine) lossText() string {
	var vars []string
	for name, d := range e.sess.Names {
		if d.Kind == convert.Var {
			vars = append(vars, name)
		}
	}
	sort.Strings(vars)
	if len(vars) == 0 {
		return "the next cell starts a new one, with the session's declarations"
	}
	return "the next cell starts a new one, with the session's declarations; the values of its variables are lost (" + strings.Join(vars, ", ") + " start again from their declarations or zero values)"
}

// tellLoss tells the user that the host died since the last cell.
func (e *Engine) tellLoss(out engine.Output) {
	if e.proc == nil {
		return
	}
	select {
	case <-e.proc.exited:
		out.Stream("stderr", "The session process ended after cell "+strconv.Itoa(e.last)+": "+e.lossText()+".\n", 0)
		e.setProc(nil)
	default:
	}
}

// TellLoss tells the user, at the start of a cell run by other means,
// that the session process died since the last cell.
func (e *Engine) TellLoss(out engine.Output) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tellLoss(out)
}

// Declarations lists the session's declarations, for programs.
func (e *Engine) Declarations() (engine.Declarations, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := engine.Declarations{Imports: map[string]string{}}
	for n, p := range e.sess.Imports {
		d.Imports[n] = p
	}
	var names []string
	for n := range e.sess.Names {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		nm := e.sess.Names[n]
		if nm.Kind == convert.Var {
			d.Vars = append(d.Vars, n)
			continue
		}
		d.Decls = append(d.Decls, engine.Declaration{Names: []string{n}, Src: nm.Src, Cell: nm.Cell, Line: nm.Line})
	}
	return d, nil
}

// Complete lists the names that fit the identifier before the cursor:
// keywords, builtins, the session's names and packages, a package's
// exported names, or the fields and methods of a session value (from its
// type, as the session's declarations give it).
func (e *Engine) Complete(code string, cursor int) engine.Completion {
	runes := []rune(code)
	cursor = min(max(cursor, 0), len(runes))
	qual, word, start := cell.WordAt(runes, cursor)
	c := engine.Completion{Matches: []string{}, Start: start, End: cell.IdentEnd(runes, cursor)}
	if !e.isReady() {
		return c
	}
	e.smu.RLock()
	defer e.smu.RUnlock()
	var cands []string
	switch {
	case qual == "":
		cands = append(append(cands, cell.Keywords...), cell.Builtins...)
		for name := range e.sess.Names {
			cands = append(cands, name)
		}
		for name := range e.sess.Imports {
			cands = append(cands, name)
		}
		for name := range e.std {
			cands = append(cands, name)
		}
	case e.pkgPath(qual) != "":
		if pkg, err := e.imp.Import(e.pkgPath(qual)); err == nil {
			for _, name := range pkg.Scope().Names() {
				if ast.IsExported(name) {
					cands = append(cands, name)
				}
			}
		}
	default:
		if t, err := convert.TypeOf(e.sess, qual, e.imp); err == nil {
			cands = convert.Members(t)
		}
	}
	seen := map[string]bool{}
	for _, name := range cands {
		if strings.HasPrefix(name, word) && !seen[name] && !strings.HasPrefix(name, proto.LocalPrefix) {
			seen[name] = true
			c.Matches = append(c.Matches, name)
		}
	}
	sort.Strings(c.Matches)
	return c
}

// pkgPath is the path of the package a cell names qual, if it names one.
func (e *Engine) pkgPath(qual string) string {
	if _, declared := e.sess.Names[qual]; declared {
		return ""
	}
	if path, ok := e.sess.Imports[qual]; ok {
		return path
	}
	return e.std[qual]
}

func (e *Engine) isReady() bool {
	select {
	case <-e.ready:
		return e.setup == nil
	default:
		return false
	}
}

// Inspect documents the identifier at or before the cursor, or else the
// function called around it: a session declaration by its source, a
// package member by go doc, a field or method of a session value by its
// type.
func (e *Engine) Inspect(code string, cursor int, detail int) engine.Inspection {
	if !e.isReady() {
		return engine.Inspection{}
	}
	runes := []rune(code)
	cursor = min(max(cursor, 0), len(runes))
	if in := e.inspectAt(runes, cell.IdentEnd(runes, cursor)); in.Found {
		return in
	}
	if j := cell.OpenParen(runes, cursor); j >= 0 {
		for j > 0 && (runes[j-1] == ' ' || runes[j-1] == '\t') {
			j--
		}
		return e.inspectAt(runes, j)
	}
	return engine.Inspection{}
}

// inspectAt documents the identifier (with its qualifier) ending at end.
func (e *Engine) inspectAt(runes []rune, end int) engine.Inspection {
	qual, word, _ := cell.WordAt(runes, end)
	if word == "" && qual == "" {
		return engine.Inspection{}
	}
	e.smu.RLock()
	defer e.smu.RUnlock()
	if qual == "" {
		if d, ok := e.sess.Names[word]; ok {
			return engine.Inspection{Found: true, Text: fmt.Sprintf("%s\n\n(declared in cell %d of this session)", d.Src, d.Cell)}
		}
		if path := e.pkgPath(word); path != "" {
			if text, err := exportdata.Doc(path); err == nil {
				return engine.Inspection{Found: true, Text: text}
			}
		}
		if slices.Contains(cell.Builtins, word) {
			if text, err := exportdata.Doc("builtin." + word); err == nil {
				return engine.Inspection{Found: true, Text: text}
			}
		}
		return engine.Inspection{}
	}
	if path := e.pkgPath(qual); path != "" {
		if text, err := exportdata.Doc(path + "." + word); err == nil {
			return engine.Inspection{Found: true, Text: text}
		}
		return engine.Inspection{}
	}
	if t, err := convert.TypeOf(e.sess, qual+"."+word, e.imp); err == nil {
		return engine.Inspection{Found: true, Text: fmt.Sprintf("%s.%s %s", qual, word, t)}
	}
	return engine.Inspection{}
}

// Restart ends the session's host and forgets its declarations.
func (e *Engine) Restart() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.proc != nil {
		e.proc.kill()
		e.setProc(nil)
	}
	e.reset()
	return nil
}

// engineName is how the timing line names the engine.
func (e *Engine) engineName() string {
	e.pmu.Lock()
	defer e.pmu.Unlock()
	if e.race {
		return "compiled, race detector"
	}
	return "compiled"
}

// Race reports whether the session runs under the race detector.
func (e *Engine) Race() bool {
	e.pmu.Lock()
	defer e.pmu.Unlock()
	return e.race
}

// SetRace runs the session under the race detector, or no longer (%race
// on|off). The session starts again, empty: its process stops, and its
// cells are built again with the detector (or without). It returns what
// to tell the user.
func (e *Engine) SetRace(ctx context.Context, on bool) (string, error) {
	select {
	case <-e.ready:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if e.setup != nil {
		return "", e.setup
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if on == e.Race() {
		if on {
			return "The session already runs under the race detector.\n", nil
		}
		return "The session does not run under the race detector.\n", nil
	}
	b := *e.b
	b.race = on
	if on && e.raceHost == "" {
		host, err := b.buildHost(ctx)
		if err != nil {
			return "", fmt.Errorf("build the session's host with the race detector: %w", err)
		}
		e.raceHost = host
	}
	lost := ""
	if names := slices.Sorted(maps.Keys(e.sess.Names)); len(names) > 0 {
		lost = " What earlier cells declared is gone (" + strings.Join(names, ", ") + "): run the cells you need again."
	}
	if e.proc != nil {
		e.proc.kill()
		e.setProc(nil)
	}
	e.b.race = on
	e.pmu.Lock()
	e.race = on
	e.pmu.Unlock()
	e.reset()
	if on {
		return "The session starts again, empty, under the race detector: each cell is built with -race, and a data race is reported on stderr as it happens (WARNING: DATA RACE), with the cell lines of both accesses. Cells run several times slower and take more memory; %race off ends it." + lost + "\n", nil
	}
	return "The session starts again, empty, without the race detector." + lost + "\n", nil
}

// Goroutines describes the goroutines of the session (%goroutines): what
// each does now and which cell started it. It can be asked while a cell
// runs.
func (e *Engine) Goroutines() (string, error) {
	e.pmu.Lock()
	p := e.proc
	e.pmu.Unlock()
	if p == nil {
		return "No goroutines: the session process starts with the next cell.\n", nil
	}
	if err := p.send(proto.Request{Kind: "goroutines"}); err != nil {
		return "", fmt.Errorf("ask the session process: %w", err)
	}
	select {
	case text := <-p.goroutines:
		return text, nil
	case <-p.exited:
		return "", errors.New("the session process ended")
	case <-time.After(5 * time.Second):
		return "", errors.New("the session process did not answer within 5 s")
	}
}

// Watch says how many goroutines the running cell has now, asking the
// session process (which answers at once, beside the cell), and which
// process that is.
func (e *Engine) Watch() engine.Live {
	live := engine.Live{Goroutines: -1}
	e.pmu.Lock()
	p := e.proc
	e.pmu.Unlock()
	if p == nil || p.cmd.Process == nil {
		return live
	}
	live.Pids = []int{p.cmd.Process.Pid}
	select { // an answer to an earlier request that came too late
	case <-p.live:
	default:
	}
	if err := p.send(proto.Request{Kind: "live"}); err != nil {
		return live
	}
	select {
	case n := <-p.live:
		live.Goroutines = n
	case <-p.exited:
	case <-time.After(250 * time.Millisecond):
	}
	return live
}

// Status describes the session process (%status).
func (e *Engine) Status() map[string]any {
	e.pmu.Lock()
	p, restarts := e.proc, e.restarts
	e.pmu.Unlock()
	st := map[string]any{"worker_alive": false, "worker_restarts": restarts}
	if p != nil && p.cmd.Process != nil {
		pid := p.cmd.Process.Pid
		st["worker_pid"] = pid
		st["worker_alive"] = true
		st["worker_rss_bytes"] = proctree.RSS(pid)
		st["worker_uptime_ns"] = int64(proctree.Uptime(pid))
	}
	return st
}

// Close ends the host and removes the session's module.
func (e *Engine) Close() error {
	<-e.ready
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.proc != nil {
		e.proc.kill()
		e.setProc(nil)
	}
	if e.b != nil {
		return e.b.remove()
	}
	return nil
}

func interrupted(what string) *engine.Error {
	return &engine.Error{Name: "interrupted", Value: "interrupted " + what, Traceback: []string{engine.Red("interrupted") + " " + what}}
}

func syntaxError(code string, err error) *engine.Error {
	var ce *cell.Error
	if errors.As(err, &ce) {
		return positioned("syntax error", code, ce.Line, ce.Col, ce.Msg)
	}
	return &engine.Error{Name: "syntax error", Value: err.Error(), Traceback: []string{err.Error()}}
}

// positioned is an error at a line and column of the cell.
func positioned(name, code string, line, col int, msg string) *engine.Error {
	line, col = max(line, 1), max(col, 1)
	e := &engine.Error{Name: name, Value: fmt.Sprintf("cell line %d:%d: %s", line, col, msg)}
	e.Traceback = append([]string{engine.Red(name) + fmt.Sprintf(" at cell line %d:%d: %s", line, col, msg)}, cell.SourceLines(code, line, col)...)
	return e
}

// convertError shows the errors of a cell's conversion.
func convertError(code string, count int, err error) *engine.Error {
	var errs convert.Errors
	var one *convert.Error
	switch {
	case errors.As(err, &errs) && len(errs) > 0:
	case errors.As(err, &one):
		errs = convert.Errors{one}
	default:
		return &engine.Error{Name: "compile error", Value: err.Error(), Traceback: []string{engine.Red("compile error") + ": " + err.Error()}}
	}
	first := errs[0]
	e := positioned("compile error", code, first.Line, first.Col, first.Msg)
	if first.File != convert.CellFile(count) {
		e.Value = first.Error()
	}
	for _, more := range errs[1:] {
		e.Traceback = append(e.Traceback, more.Error())
	}
	return e
}

var buildLine = regexp.MustCompile(`(?m)^(cell\[(\d+)\]):(\d+):(\d+): (.*)$`)

// buildError shows what the go command said of a cell that did not build.
func buildError(code string, count int, msg string) *engine.Error {
	ms := buildLine.FindAllStringSubmatch(msg, -1)
	if len(ms) == 0 {
		msg = strings.TrimSpace(msg)
		return &engine.Error{Name: "compile error", Value: msg, Traceback: append([]string{engine.Red("compile error")}, strings.Split(msg, "\n")...)}
	}
	var errs convert.Errors
	for _, m := range ms {
		line, _ := strconv.Atoi(m[3])
		col, _ := strconv.Atoi(m[4])
		errs = append(errs, &convert.Error{File: m[1], Line: line, Col: col, Msg: m[5]})
	}
	return convertError(code, count, errs)
}

// panicError shows a panic of the cell's own goroutine, with the stack's
// frames in cells.
func panicError(msg, stack string) *engine.Error {
	e := &engine.Error{Name: "panic", Value: msg}
	e.Traceback = []string{engine.Red("panic") + ": " + msg}
	e.Traceback = append(e.Traceback, cellFrames(stack)...)
	return e
}

var frameLine = regexp.MustCompile(`^\s+(cell\[\d+\]:\d+)`)

// cellFrames are the lines of a stack that are in cells, innermost first.
func cellFrames(stack string) []string {
	lines := strings.Split(stack, "\n")
	var out []string
	for i, l := range lines {
		m := frameLine.FindStringSubmatch(l)
		if m == nil || i == 0 {
			continue
		}
		fn := strings.TrimSpace(lines[i-1])
		if j := strings.LastIndex(fn, "("); j > 0 {
			fn = fn[:j]
		}
		fn = strings.TrimPrefix(fn, Module+"/cells/")
		fn = proto.WrittenName(fn)
		out = append(out, "    at "+m[1]+" in "+fn)
	}
	return out
}

// crashError describes a host that died while a cell ran.
func crashError(p *process, loss string) *engine.Error {
	text := strings.TrimSpace(p.crashText())
	name := "exit"
	switch {
	case strings.Contains(text, "fatal error:"):
		name = "fatal error"
	case strings.Contains(text, "panic: "):
		name = "panic"
	}
	status := ""
	if p.state != nil {
		status = p.state.String()
	}
	msg := fmt.Sprintf("the session process ended (%s) while the cell ran: %s", status, loss)
	first := text
	if i := strings.Index(first, "\n"); i >= 0 {
		first = first[:i]
	}
	if first != "" {
		msg = first + "; " + msg
	}
	tb := []string{engine.Red(name) + ": " + msg}
	return &engine.Error{Name: name, Value: msg, Traceback: tb}
}
