package interp

import (
	"fmt"
	"strings"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/ledger"
	"github.com/gocurrent/gocurrent/kernel/wire"
)

// The kernel's side of the session's ledger: the worker tells each
// declaration as it makes it ("declared" events, applied to e.ledger), and
// a fresh worker that replaces one that died is given them again before it
// runs anything else, so that only values are lost.

// replayTimeout bounds declaring a session's declarations again (var
// initializers run again, and may take long).
const replayTimeout = 30 * time.Second

// restore declares the ledger's declarations again in p, a fresh worker
// that replaced one that died, and says how that went in e.restored (see
// lossText). Requests wait for it (p.restoredCh).
func (e *Engine) restore(p *proc) {
	defer close(p.restoredCh)
	rp := e.ledger.Replay()
	n := 0
	for _, c := range rp.Cells {
		n += len(c.Decls)
	}
	if n == 0 && len(rp.Imports) == 0 {
		e.setRestored(restoreReport{})
		return
	}
	// The worker tells again what it declares.
	e.ledger.Reset()
	p.mu.Lock()
	p.inCell = true // a death now is told here
	p.count = e.lastCount()
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.inCell = false
		p.mu.Unlock()
	}()
	rep := restoreReport{decls: n}
	select {
	case <-p.ready:
	case <-p.dead:
		p.claim()
		rep.failed = fmt.Sprintf("the fresh worker died while starting (%v)", p.err)
		e.setRestored(rep)
		return
	}
	ch, err := e.call(p, e.id(), wire.Replay{Decls: rp})
	if err != nil {
		rep.failed = err.Error()
		e.setRestored(rep)
		return
	}
	select {
	case ev := <-ch:
		if res, ok := ev.(wire.ReplayResult); ok {
			rep.failures = res.Failures
		}
	case <-p.dead:
		p.claim()
		rep.failed = "the fresh worker died while declaring them again (" + p.deathError().Name + ": " + firstLine(p.deathError().Value) + ")"
		e.ledger.Reset()
	case <-time.After(replayTimeout):
		p.claim()
		p.expected.Store(true)
		e.kill(p)
		<-p.dead
		rep.failed = fmt.Sprintf("declaring them again took longer than %v (var declarations run their initializers again)", replayTimeout)
		e.ledger.Reset()
	}
	e.setRestored(rep)
}

// restoreReport is how the last restore went.
type restoreReport struct {
	decls    int              // declarations to declare again; 0: none
	failures []ledger.Failure // those that failed
	failed   string           // why none could be
}

func (e *Engine) setRestored(r restoreReport) {
	e.mu.Lock()
	e.restored = r
	e.mu.Unlock()
}

func (e *Engine) lastCount() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastRun
}

// lossText says what a fresh worker has of the session after the last one
// died: never its values; its declarations when the restore worked.
func (e *Engine) lossText() string {
	e.mu.Lock()
	r := e.restored
	e.mu.Unlock()
	const lost = "the session's values were lost (variables computed by statements, goroutines, open files)"
	switch {
	case r.decls == 0:
		return "the session's values were lost, as after a restart."
	case r.failed != "":
		return lost + ", and so were its declarations: " + r.failed + "; run again the cells you need."
	case len(r.failures) == 0:
		return lost + ", but the declarations of earlier cells were declared again: functions, types and constants work as before, and var declarations start again from their initial values."
	}
	var b strings.Builder
	b.WriteString(lost + ". The declarations of earlier cells were declared again, except:")
	for _, f := range r.failures {
		where := ""
		if f.Cell > 0 {
			where = fmt.Sprintf(" (cell %d, line %d)", f.Cell, f.Line)
		}
		fmt.Fprintf(&b, "\n  %s%s: %s", strings.Join(f.Names, ", "), where, f.Err)
	}
	b.WriteString("\nRun those cells again after the cells that compute what they use.")
	return b.String()
}

// Declarations returns what the session has declared: imports, types,
// functions, constants and variable declarations, each with its source,
// from the kernel's ledger (the worker is not asked). It waits while a
// fresh worker is given them again.
func (e *Engine) Declarations() (engine.Declarations, error) {
	// A fresh worker may be being given them again.
	if _, err := e.worker(); err != nil {
		return engine.Declarations{}, err
	}
	return e.ledger.Declarations(), nil
}
