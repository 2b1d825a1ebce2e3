package worker

import (
	"fmt"
	"os"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/traefik/yaegi/interp"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/ledger"
)

// session is the interpreter and what the kernel knows about the names
// declared in it.
type session struct {
	w       *worker
	i       *interp.Interpreter
	disp    *display.Display
	filter  *panicFilter
	exports []interp.Exports

	imports map[string]string   // bound name -> import path
	names   map[string]string   // declared name -> kind ("func", "type", "var", ...)
	decls   map[string]string   // declared name -> source of its declaration
	types   map[string]string   // type name -> source of its declaration
	uses    map[string][]string // declared name -> identifiers its declaration uses
	order   []string            // declared names, in the order first declared
	methods map[string]bool     // names of the methods the session's types declare
	// textTypes are the runtime types of the session's types with a
	// String or Error method, and of pointers to them, with their names
	// (modern_lib.go's plainAny).
	textTypes sync.Map

	stdPkgs map[string]string // package name -> import path, for auto imports

	evals int64 // evaluations so far; each runs on a goroutine of its own

	probes probeFiles // yaegi's scratch files, dropped before each cell (yaegiroots.go)

	late *origins     // which cell started the goroutines still running
	live atomic.Int64 // the goroutines of go statements running now
	// liveBase is live when the running cell started: what earlier
	// cells left running.
	liveBase atomic.Int64
	at       atomic.Int64 // line<<32 | column of the cell's top-level statement running now; 0 before the first

	count      int                       // execution count of the cell being evaluated
	cur        atomic.Int64              // the same, for goroutines
	code       map[int]string            // source of each cell, by execution count
	declCell   map[string]int            // declared name -> cell that declared it last
	declLine   map[string]int            // declared name -> its line in that cell
	sites      *sites                    // go statements, for supervised goroutines
	twins      map[string]string         // function -> declaration its twin was made from
	parsed     map[string]*cell.FuncDecl // function -> its parsed declaration
	cellConsts map[string]bool           // constants the cell being evaluated declares
	lits       int                       // functions made of go statements' literals (golits.go)
	inProgram  atomic.Bool               // a program cell runs, in an interpreter of its own
	timers     timers                    // timers cells started, for the deadlock watchdog
	stopped    stoppedGoroutines         // goroutines the interpreter stopped, for the watchdog
	panicTexts panicTexts                // goroutine panics whose text the cell's end tells (panictext.go)
	mod        *modern                   // rewriting of modern Go (modern.go)
	procs      *procsState               // process pools of procs.Map (procs.go)
	sel        selectOps                 // the native select of rewritten cells (selects.go)
	top        topPanic                  // the cell's panic, for recover() in its top-level defers (topdefer.go)
	timer      timer                     // runs of measured cells (measure.go)
	kernelCPU  kernelCPU                 // CPU of the kernel's own child processes (modern.go)
	declared   func(ledger.Delta)        // tells the kernel what a cell declared, or nil (replay.go)
	newImports map[string]string         // imports made since the last tell
}

func newSession(w *worker) (*session, error) {
	s := &session{
		w:        w,
		imports:  map[string]string{},
		names:    map[string]string{},
		decls:    map[string]string{},
		types:    map[string]string{},
		uses:     map[string][]string{},
		methods:  map[string]bool{},
		code:     map[int]string{},
		declCell: map[string]int{},
		declLine: map[string]int{},
		twins:    map[string]string{},
		parsed:   map[string]*cell.FuncDecl{},
	}
	s.sites = newSites(func() int { return int(s.cur.Load()) })
	s.disp = display.New(w.display, w.clear)
	s.late = newOrigins()
	s.timers.callback = s.late.callback
	s.filter = &panicFilter{w: &markingWriter{w: cellStream{&w.stderr}, o: s.late}}
	s.exports = append(w.symbols(s.disp), s.superviseSymbols(), s.timers.symbols(), s.modernSymbols())
	s.exports = append(s.exports, s.initProcs()) // procs.go
	s.stdPkgs = packageNames(s.exports)
	i, err := s.newInterpreter()
	if err != nil {
		return nil, err
	}
	s.i = i
	for _, src := range []string{probeSource, superviseSource} {
		if _, err := i.Eval(src); err != nil {
			return nil, fmt.Errorf("define the kernel's helpers: %w", err)
		}
	}
	if os.Getenv("GOCURRENT_MODERN") != "off" {
		// The type check's export data, found now rather than in the
		// first cell (which would show it in its wall time).
		s.modernState()
	}
	return s, nil
}

func (s *session) newInterpreter() (*interp.Interpreter, error) {
	i := interp.New(interp.Options{
		Stdin:        &inputReader{w: s.w},
		Stdout:       &markingWriter{w: cellStream{&s.w.stdout}, o: s.late},
		Stderr:       s.filter,
		Unrestricted: true,
		GoPath:       os.DevNull,
	})
	for _, e := range s.exports {
		if err := i.Use(e); err != nil {
			return nil, fmt.Errorf("load symbols: %w", err)
		}
	}
	return i, nil
}

// probeSource defines the function that finds rich representations of
// values of interpreted types, whose methods reflection cannot see.
const probeSource = `var _gocurrentBlank interface{}

var _gocurrentDefers []func()

func _gocurrentProbe(x interface{}) (string, string) {
	switch h := x.(type) {
	case interface{ HTML() string }:
		return "text/html", h.HTML()
	case interface{ SVG() string }:
		return "image/svg+xml", h.SVG()
	case interface{ Markdown() string }:
		return "text/markdown", h.Markdown()
	case error:
		return "text/plain", h.Error()
	case interface{ String() string }:
		return "text/plain", h.String()
	}
	return "", ""
}`

// packageNames maps each package name in the symbol tables to its import
// path; where names collide, the shorter path wins (math/rand over
// crypto/rand, text/template over html/template).
func packageNames(exports []interp.Exports) map[string]string {
	out := map[string]string{}
	for _, e := range exports {
		for key := range e {
			i := strings.LastIndex(key, "/")
			if i < 0 {
				continue
			}
			path, name := key[:i], key[i+1:]
			if strings.Contains(path, "internal") || strings.HasPrefix(path, "syscall/") {
				continue
			}
			if old, ok := out[name]; !ok || len(path) < len(old) || (len(path) == len(old) && path < old) {
				out[name] = path
			}
		}
	}
	return out
}

// metric names for counting goroutines.
const goroutinesCreated = "/sched/goroutines-created:goroutines"

func goroutinesCreatedNow() int64 {
	sample := []metrics.Sample{{Name: goroutinesCreated}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(sample[0].Value.Uint64())
}

func cpuTimes() (user, sys time.Duration) {
	var self, children syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	user = time.Duration(self.Utime.Nano() + children.Utime.Nano())
	sys = time.Duration(self.Stime.Nano() + children.Stime.Nano())
	return user, sys
}
