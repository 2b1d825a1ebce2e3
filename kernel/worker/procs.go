package worker

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"

	"github.com/traefik/yaegi/interp"

	"github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/procs"
	"github.com/gocurrent/gocurrent/kernel/wire"
)

// Process pools: the procs package of cells (kernel/procs), here bound to
// the session that calls procs.Map (procsState, the pools' Session) and,
// in a child process, to the interpreter that runs the function
// (procs_child.go).

// procsState is a session's process pools, and the session as they see
// it.
type procsState struct {
	s     *session
	pools *procs.Pools
}

// initProcs makes the session's process pools and returns the symbols of
// the procs package.
func (s *session) initProcs() interp.Exports {
	p := &procsState{s: s}
	p.pools = procs.New(p)
	s.procs = p
	return p.pools.Symbols()
}

// interrupt stops the pools running now: they start no more children and
// kill those they have.
func (p *procsState) interrupt() {
	if p == nil {
		return
	}
	p.pools.Interrupt()
}

// prepare is called before each evaluation of src: it takes a snapshot of
// the declarations for the pools (when the procs package is imported) and
// returns src with its procs.Map calls rewritten.
func (p *procsState) prepare(src string) string {
	if p == nil {
		return src
	}
	return p.pools.Prepare(src)
}

// Imports returns the session's imports.
func (p *procsState) Imports() map[string]string { return p.s.imports }

// Snapshot returns a copy of the session's declarations.
func (p *procsState) Snapshot() procs.Snapshot {
	return procs.Snapshot{Decls: p.s.declarations(), Uses: maps.Clone(p.s.uses), Kinds: maps.Clone(p.s.names)}
}

// FuncSource returns the declaration of the session's function name.
func (p *procsState) FuncSource(name string) string {
	fd := p.s.funcDecl(name)
	if fd == nil {
		return ""
	}
	return fd.Src
}

// Eval evaluates src for the pools' own purposes.
func (p *procsState) Eval(src string) error {
	_, err := p.s.evalQuiet(src)
	return err
}

// Stdout is the cells' standard output as it is at the time of a write.
func (p *procsState) Stdout() io.Writer {
	return &markingWriter{w: cellStream{&p.s.w.stdout}, o: p.s.late}
}

// Stderr is the cells' standard error as it is at the time of a write.
func (p *procsState) Stderr() io.Writer {
	return &markingWriter{w: cellStream{&p.s.w.stderr}, o: p.s.late}
}

// Display shows a display of a child.
func (p *procsState) Display(b display.Bundle) { p.s.w.display(b) }

// Clear clears the cell's output for a child.
func (p *procsState) Clear(wait bool) { p.s.w.clear(wait) }

// NewMarkers returns the markers of a new key, handed to the children in
// wire.SyncKeyEnv, as the kernel hands the worker its own.
func (p *procsState) NewMarkers() procs.Markers {
	key := wire.NewSyncKey()
	mk := wire.NewMarkers(key)
	return procs.Markers{
		Env: wire.SyncKeyEnv + "=" + key,
		Parse: func(b []byte) (before, rest []byte, ok bool, partial int) {
			before, _, rest, ok, partial = mk.Parse(b)
			return before, rest, ok, partial
		},
	}
}

// poolEvents writes the events of a child's worker to the pool, as
// messages of kernel/procs: those the pool acts on (display, clear, exit),
// with the kind as the op and the fields of the event.
type poolEvents struct{ enc *json.Encoder }

func (p poolEvents) Write(m wire.Envelope[wire.Event]) error {
	var ev procs.Event
	switch b := m.Body.(type) {
	case wire.Display:
		ev = procs.Event{Op: "display", Data: b.Data, Metadata: b.Metadata, DispID: b.ID, Update: b.Update}
	case wire.Clear:
		ev = procs.Event{Op: "clear", Wait: b.Wait}
	case wire.Exit:
		ev = procs.Event{Op: "exit", Code: b.Code, Call: b.Call}
	default:
		return nil
	}
	if err := p.enc.Encode(ev); err != nil {
		return fmt.Errorf("send %s event to the pool: %w", ev.Op, err)
	}
	return nil
}
