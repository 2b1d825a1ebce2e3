package engine

import "context"

// The optional capabilities of an engine, each a named interface that the
// handlers look for with a type assertion (as net/http's Flusher and
// Hijacker sit beside ResponseWriter). An engine implements those it can;
// the handlers say so when one is missing.

// Evaluator is an Engine that can evaluate expressions in its session
// after a cell: the user_expressions of an execute_request. Evaluating
// them changes neither the execution count nor the engine's records of
// cells, and shows nothing; cancelling ctx gives up waiting for them.
type Evaluator interface {
	// Evaluate evaluates each expression of exprs, which are keyed by the
	// names the request gave them, and returns the results by the same
	// names.
	Evaluate(ctx context.Context, exprs map[string]string) map[string]ExprResult
}

// ExprResult is the outcome of one expression given to an Evaluator:
// Data, the MIME bundle that shows its value as a cell's final expression
// would be shown (empty for a call with no result), or Err.
type ExprResult struct {
	Data map[string]any `json:"data,omitempty"`
	Err  *Error         `json:"error,omitempty"`
}

// Measurer is an engine that can run a cell's statements again and again
// and time each run (%%timeit, %%compare, %%scale, %%trace).
type Measurer interface {
	Measure(ctx context.Context, spec MeasureSpec, out Output) Measurement
}

// GoroutineLister is an engine that can describe the goroutines earlier
// cells left running (%goroutines).
type GoroutineLister interface {
	Goroutines() (string, error)
}

// StatusReporter is an engine that can describe its own health (a worker
// process: pid, uptime, memory, restarts), as numbers by name (%status).
type StatusReporter interface {
	Status() map[string]any
}

// Racer is an engine that can run its whole session under the race
// detector (%race).
type Racer interface {
	// SetRace turns the detector on or off; the session starts again,
	// empty. It returns what to tell the user.
	SetRace(ctx context.Context, on bool) (string, error)
	// Race reports whether the detector is on.
	Race() bool
}

// Declarer is an engine that can list its session's declarations, for
// building cells as programs that see them.
type Declarer interface {
	Declarations() (Declarations, error)
}

// LossTeller is an engine that can lose its session between cells (a
// worker process that died while no cell ran) and tells the user so at the
// start of the next cell. Execute and Measure tell it themselves; cells
// run by other means (programs) call TellLoss first.
type LossTeller interface {
	TellLoss(out Output)
}

// Programs builds cells with the Go toolchain and runs them as programs:
// %%native cells, cells that are whole programs, and --native measuring.
// It is not an Engine: it runs beside one, whose declarations its programs
// see.
type Programs interface {
	// Run builds and runs code (the cell with its magic line left blank,
	// so lines stay the cell's); args are those of %%native.
	Run(ctx context.Context, code, args string, count int, out Output) Result
	// Measure builds spec's cell as a program and times it.
	Measure(ctx context.Context, spec MeasureSpec, out Output) Measurement
	// GoCommand is the Go toolchain programs are built with.
	GoCommand() (string, error)
	Close() error
}

// Watcher is an engine that can say, while a cell runs, what the cell is
// doing now, for the live status line of a long cell. Watch is called
// from another goroutine than the cell's, a few times a second, and must
// answer quickly.
type Watcher interface {
	Watch() Live
}

// Live is what a running cell is doing now, as far as its engine knows.
type Live struct {
	// Goroutines is how many goroutines the cell has now: its own and
	// those it started that still run; -1 when unknown.
	Goroutines int64
	// Pids are the engine's own processes (a worker, a session host):
	// processes below the kernel that are not ones the cell started.
	Pids []int
}
