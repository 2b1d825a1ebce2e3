package native

import (
	"context"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

// Session is the session whose declarations programs are built with (the
// interpreter engine), and which tells the user first when it lost them.
type Session interface {
	engine.Declarer
	engine.LossTeller
}

// Programs runs cells as programs beside a session: it implements
// engine.Programs.
type Programs struct {
	sess Session
	r    *Runner
}

var _ engine.Programs = (*Programs)(nil)

// NewPrograms makes the programs of session sess.
func NewPrograms(sess Session, logf func(string, ...any)) *Programs {
	return &Programs{sess: sess, r: New(logf)}
}

// declarations returns the session's declarations, telling first any
// loss of the session.
func (p *Programs) declarations(out engine.Output) engine.Declarations {
	d, err := p.sess.Declarations()
	p.sess.TellLoss(out)
	if err != nil {
		// Without the session's declarations the cell may still build.
		return engine.Declarations{}
	}
	return d
}

// Run builds and runs a cell as a program. args are the arguments of
// %%native; code is the cell without its %%native line (that line left
// blank, so lines stay the cell's).
func (p *Programs) Run(ctx context.Context, code, args string, count int, out engine.Output) engine.Result {
	opt, err := ParseOptions(args)
	if err != nil {
		p.sess.TellLoss(out)
		return engine.Result{Err: &engine.Error{Name: "magic error", Value: err.Error(), Traceback: []string{red("magic error") + ": " + err.Error()}}}
	}
	return p.r.Run(ctx, p.declarations(out), code, count, opt, out)
}

// Measure builds spec's cell as a program and times it.
func (p *Programs) Measure(ctx context.Context, spec engine.MeasureSpec, out engine.Output) engine.Measurement {
	return p.r.Measure(ctx, p.declarations(out), spec, out)
}

// GoCommand is the Go toolchain programs are built with.
func (p *Programs) GoCommand() (string, error) {
	if err := p.r.setup(); err != nil {
		return "", err
	}
	return p.r.goBin, nil
}

// Close stops every program and removes the native module directory.
func (p *Programs) Close() error { return p.r.Close() }
