// Package procs is the process pool of cells, Go's counterpart of Python's
// multiprocessing.Pool:
//
//	results, err := procs.Map(workers, fn, inputs)
//
// calls fn on each input in child processes, at most workers at a time
// (workers <= 0: one per CPU), and returns the results in input order. fn
// must be a function declared in the session that takes one value and
// returns a value, a value and an error, or nothing (results are then
// struct{}s). Each child is the gocurrent binary started with a hidden
// command (Command), which loads the session's declarations that fn uses
// (imports, types, functions, constants, var declarations) into an
// interpreter of its own, then takes inputs one at a time until none is
// left; its globals are its own. Inputs and results cross as JSON
// (encoding/json): channels, functions and complex numbers cannot.
//
// Failures of single inputs (a panic, an error result, os.Exit, a fatal
// runtime error, a killed process) do not stop the others: results holds
// the zero value for each failed input, and err, a *procs.Error, lists
// them as *procs.Failure values (Index, Input, Kind, Message). A child that
// died is replaced while inputs are left. With one variable,
//
//	results := procs.Map(workers, fn, inputs)
//
// panics with that error instead, once every input is done: the one-value
// form panics where the two-value form reports, as x.(T) does.
//
// The interpreter cannot export generic functions, and its own generics
// crash on x, err := f(...) with two type parameters, so procs.Map is
// typed by the kernel: before source is evaluated, each call
// procs.Map(w, fn, in) whose fn names a function of the session becomes a
// call of a helper made for fn,
//
//	func _gocurrentProcsMap_fn(workers int, _ func(x In) Out, inputs []In) ([]Out, error)
//	func _gocurrentProcsMust_fn(workers int, _ func(x In) Out, inputs []In) []Out
//
// which pass fn's name to the pool and return []Out. The rewriting keeps
// every line where it was. Calls that cannot be rewritten (fn is a function
// literal, a variable, a method) reach procs.Map itself, which panics
// saying why.
//
// The package knows no interpreter: the parent side (Pools) reaches the
// session through a Session, and the child side (RunChild) loads the
// function with a Loader. The pools themselves (children, inputs,
// failures) are package pool's, which compiled sessions use too.
package procs

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/procs/pool"
)

// Command is the hidden command line argument that makes the gocurrent
// binary run as a child process of procs.Map (RunChild).
const Command = pool.Command

// Import paths: the procs package of cells, and the runtime the rewritten
// calls use (a path with "internal" is not imported automatically).
const (
	Path      = "gocurrent/procs"
	rtPath    = "gocurrent/internal/procs"
	rtName    = "_gocurrentProcsRT"
	helperFn  = "_gocurrentProcsMap_"
	mustFn    = "_gocurrentProcsMust_"
	rejectMsg = pool.Reject
)

// Session is the interpreter session of the process that calls procs.Map,
// as its pools see it. Imports, FuncSource and Eval are called on the
// session's goroutine, from Prepare; the others from the goroutine that
// calls procs.Map.
type Session interface {
	// Imports returns the session's imports: bound name -> import path.
	Imports() map[string]string
	// Snapshot returns a copy of what the session has declared.
	Snapshot() Snapshot
	// FuncSource returns the source of the declaration of the session's
	// function name, or "" if there is none.
	FuncSource(name string) string
	// Eval evaluates src in the session for the pool's own purposes.
	Eval(src string) error

	// Where the children's output goes.
	pool.Parent
}

// Snapshot is what a session has declared, as the children load it.
type Snapshot struct {
	Decls engine.Declarations
	Uses  map[string][]string // declared name -> identifiers its declaration uses
	Kinds map[string]string   // declared name -> kind ("func", "type", "var", ...)
}

// The pools' types, as package pool has them.
type (
	// Markers are the sync markers of one key, which the interpreter of
	// a child writes on its output pipes as the worker does, and which
	// the pool takes out of the text it forwards.
	Markers = pool.Markers
	// Failure is one input whose call failed (procs.Failure in cells).
	Failure = pool.Failure
	// Error is procs.Map's error when inputs failed (procs.Error in
	// cells).
	Error = pool.Error
)

// Pools are a session's process pools: the helpers made for the rewritten
// calls, a snapshot of the declarations for the pools, and the pools
// running now.
type Pools struct {
	s Session

	// Used by the session's goroutine only.
	helpers  map[string]string // function -> declaration its helper was made from
	imported bool              // the runtime package is imported

	mu    sync.Mutex
	snap  *Snapshot // the session's declarations as of the last evaluation
	group *pool.Group
}

// New makes the process pools of session s.
func New(s Session) *Pools {
	return &Pools{s: s, helpers: map[string]string{}, group: pool.NewGroup()}
}

// Symbols returns the symbols of the procs package of cells and of the
// runtime of the rewritten calls, keyed by "import path/package name" as
// the interpreter's exports are.
func (p *Pools) Symbols() map[string]map[string]reflect.Value {
	reject := func(reason string) func(int, any, any) (any, error) {
		return func(int, any, any) (any, error) { panic("procs.Map: " + reason) }
	}
	return map[string]map[string]reflect.Value{
		Path + "/procs": {
			"Map":     reflect.ValueOf(reject(rejectMsg)),
			"Error":   reflect.ValueOf((*Error)(nil)),
			"Failure": reflect.ValueOf((*Failure)(nil)),
		},
		rtPath + "/procs": {
			"Map":    reflect.ValueOf(p.mapByName),
			"Reject": reflect.ValueOf(reject),
			"Must": reflect.ValueOf(func(err error) {
				if err != nil {
					panic(err)
				}
			}),
		},
	}
}

// Interrupt stops the pools running now: they start no more children and
// kill those they have.
func (p *Pools) Interrupt() { p.group.Interrupt() }

// Setup is what a child needs to start: the function and the
// declarations it uses, as the source of one cell, with where each line
// of that cell comes from.
type Setup struct {
	Fn     string  `json:"fn"`
	Src    string  `json:"src"`
	Pieces []Piece `json:"pieces"`
}

// Piece says that lines From..To of the child's cell are lines Line.. of
// cell Cell of the session.
type Piece struct {
	From int `json:"from"`
	To   int `json:"to"`
	Cell int `json:"cell"`
	Line int `json:"line"`
}

// Where tells the session's position of line of the child's cell.
func (st *Setup) Where(line int) string {
	for _, pc := range st.Pieces {
		if line >= pc.From && line <= pc.To {
			return fmt.Sprintf("cell %d, line %d", pc.Cell, pc.Line+line-pc.From)
		}
	}
	return fmt.Sprintf("line %d of the declarations", line)
}

// setup assembles the child's cell for function fn from the snapshot:
// the declarations fn uses, directly or not, and the imports they use.
func (p *Pools) setup(fn string) (*Setup, error) {
	p.mu.Lock()
	snap := p.snap
	p.mu.Unlock()
	if snap == nil || snap.Kinds[fn] != "func" {
		return nil, fmt.Errorf("procs.Map: %s is not a function declared in this session", fn)
	}
	d, uses := &snap.Decls, snap.Uses
	st := &Setup{Fn: fn}
	for _, dc := range d.Decls {
		if slices.Contains(dc.Names, fn) {
			fd := cell.ParseFunc(dc.Src)
			if fd == nil {
				return nil, fmt.Errorf("procs.Map: the declaration of %s could not be read", fn)
			}
			if _, reason := signature(fn, fd); reason != "" {
				return nil, errors.New("procs.Map: " + reason)
			}
		}
	}
	need := map[string]bool{fn: true}
	include := make([]bool, len(d.Decls))
	for changed := true; changed; {
		changed = false
		for i, dc := range d.Decls {
			if include[i] {
				continue
			}
			for _, n := range dc.Names {
				base, _, _ := strings.Cut(n, ".") // a method comes with its type
				if need[base] {
					include[i] = true
				}
			}
			if !include[i] {
				continue
			}
			changed = true
			for _, n := range dc.Names {
				for _, u := range uses[n] {
					need[u] = true
				}
			}
		}
	}
	var stmtVars []string
	for _, v := range d.Vars {
		if need[v] {
			stmtVars = append(stmtVars, v)
		}
	}
	if len(stmtVars) > 0 {
		return nil, errors.New(pool.StatementVars(fn, stmtVars))
	}
	var b strings.Builder
	line := 1
	names := make([]string, 0, len(d.Imports))
	for name := range d.Imports {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if need[name] {
			fmt.Fprintf(&b, "import %s %q\n", name, d.Imports[name])
			line++
		}
	}
	for i, dc := range d.Decls {
		if !include[i] {
			continue
		}
		b.WriteString("\n")
		line++
		n := strings.Count(dc.Src, "\n")
		st.Pieces = append(st.Pieces, Piece{From: line, To: line + n, Cell: dc.Cell, Line: max(dc.Line, 1)})
		b.WriteString(dc.Src + "\n")
		line += n + 1
	}
	st.Src = b.String()
	return st, nil
}

// mapByName is what the helpers call: it runs function name on each
// input (a slice) in child processes, at most workers at a time, and
// stores the results in out (a pointer to a slice).
func (p *Pools) mapByName(workers int, name string, inputs any, out any) error {
	setup := func() (any, error) { return p.setup(name) }
	return p.group.Map(pool.Call{Parent: p.s, Setup: setup}, workers, inputs, out)
}
