package native

import (
	"context"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/interp"
)

// Engine is the interpreter engine with native cells added: what the
// kernel's handlers run cells with.
type Engine struct {
	*interp.Engine
	r *Runner
}

// With adds native cells to the interpreter engine e.
func With(e *interp.Engine, logf func(string, ...any)) *Engine {
	return &Engine{Engine: e, r: New(logf)}
}

// ExecuteNative builds and runs a cell as a program. args are the
// arguments of %%native; code is the cell without its %%native line (that
// line left blank, so lines stay the cell's).
func (e *Engine) ExecuteNative(ctx context.Context, code, args string, count int, out engine.Output) engine.Result {
	e.TellLoss(out)
	opt, err := ParseOptions(args)
	if err != nil {
		return engine.Result{Err: &engine.Error{Name: "magic error", Value: err.Error(), Traceback: []string{red("magic error") + ": " + err.Error()}}}
	}
	d, err := e.Declarations()
	if err != nil {
		// Without the session's declarations the cell may still build.
		d = engine.Declarations{}
	}
	return e.r.Run(ctx, d, code, count, opt, out)
}

// Close stops everything and removes the native module directory.
func (e *Engine) Close() error {
	err := e.r.Close()
	if err2 := e.Engine.Close(); err2 != nil {
		return err2
	}
	return err
}

// IsNativeMagic reports whether a cell magic asks for a native cell.
func IsNativeMagic(name string) bool { return strings.TrimSpace(name) == "native" }

// Measure measures a cell natively when spec.Native, else in the
// interpreter.
func (e *Engine) Measure(ctx context.Context, spec engine.MeasureSpec, out engine.Output) engine.Measurement {
	if !spec.Native {
		return e.Engine.Measure(ctx, spec, out)
	}
	e.TellLoss(out)
	d, err := e.Declarations()
	if err != nil {
		d = engine.Declarations{}
	}
	return e.r.Measure(ctx, d, spec, out)
}

// GoCommand is the Go toolchain native cells are built with.
func (e *Engine) GoCommand() (string, error) {
	if err := e.r.setup(); err != nil {
		return "", err
	}
	return e.r.goBin, nil
}
