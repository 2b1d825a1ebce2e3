package gotrace

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/exp/trace"
)

// This file reads a binary trace with golang.org/x/exp/trace, the Go
// team's trace reader, and feeds its events to a builder. It takes from
// each event exactly the fields that `go tool trace -d=parsed` prints and
// ParseDump reads, so both readers give the same Trace.

// errUnreadable wraps the error read returns when it could read no event
// at all: a file that is not a trace, or a trace of a format the reader
// does not know.
var errUnreadable = errors.New("the built-in trace reader could not read it")

// read reads the binary trace in r. When the trace breaks off after events
// about goroutines, read returns the Trace of those events together with
// an error wrapping ErrIncomplete, as runTool does when the go tool fails
// part way; when it yields no such event, an error wrapping errUnreadable.
func read(ctx context.Context, r io.Reader, opt Options) (*Trace, error) {
	tr, err := trace.NewReader(bufio.NewReaderSize(r, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUnreadable, err)
	}
	b := newBuilder(opt)
	var rerr error
	for {
		if b.events%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
		b.add(ev)
	}
	if b.events == 0 {
		if rerr == nil {
			rerr = errors.New("the trace holds no events")
		}
		return nil, fmt.Errorf("%w: %v", errUnreadable, rerr)
	}
	if rerr != nil && len(b.t.gs) == 0 {
		// Nothing worth drawing came before the break.
		return nil, fmt.Errorf("%w: %v", errUnreadable, rerr)
	}
	t := b.finish()
	if rerr != nil {
		t.incomplete = rerr.Error()
		return t, fmt.Errorf("%w (%v)", ErrIncomplete, rerr)
	}
	return t, nil
}

// add applies one event of the reader.
func (p *builder) add(e trace.Event) {
	ev := event{
		kind:   evOther,
		t:      int64(e.Time()),
		p:      int64(e.Proc()),
		g:      int64(e.Goroutine()),
		goid:   -1,
		procID: -1,
		resG:   -1,
	}
	var tstack trace.Stack
	switch e.Kind() {
	case trace.EventStateTransition:
		ev.kind = evTransition
		st := e.StateTransition()
		switch st.Resource.Kind {
		case trace.ResourceGoroutine:
			ev.goid = int64(st.Resource.Goroutine())
			from, to := st.Goroutine()
			ev.hasTrans, ev.from, ev.to = true, goState(from), goState(to)
		case trace.ResourceProc:
			ev.procID = int64(st.Resource.Proc())
			ev.hasTrans = true
		}
		ev.reason = st.Reason
		tstack = st.Stack
	case trace.EventMetric:
		ev.kind = evMetric
		m := e.Metric()
		ev.name = m.Name
		if m.Value.Kind() == trace.ValueUint64 {
			ev.value, ev.hasValue = m.Value.Uint64(), true
		}
	case trace.EventLabel:
		ev.kind = evLabel
		l := e.Label()
		ev.name = l.Label
		if l.Resource.Kind == trace.ResourceGoroutine {
			ev.resG = int64(l.Resource.Goroutine())
		}
	case trace.EventRangeBegin, trace.EventRangeActive, trace.EventRangeEnd:
		switch e.Kind() {
		case trace.EventRangeBegin:
			ev.kind = evRangeBegin
		case trace.EventRangeActive:
			ev.kind = evRangeActive
		default:
			ev.kind = evRangeEnd
		}
		r := e.Range()
		ev.name = r.Name
		ev.scope = r.Scope.String()
	}
	p.begin(ev)
	if p.wantT && tstack != trace.NoStack {
		for f := range tstack.Frames() {
			p.tstack = p.keepFrame(p.tstack, f.Func, f.File, f.Line)
		}
	}
	if p.wantS {
		if s := e.Stack(); s != trace.NoStack {
			for f := range s.Frames() {
				p.stack = p.keepFrame(p.stack, f.Func, f.File, f.Line)
			}
		}
	}
	p.apply()
}

func goState(s trace.GoState) gstate {
	switch s {
	case trace.GoUndetermined:
		return gsUndetermined
	case trace.GoNotExist:
		return gsNotExist
	case trace.GoRunnable:
		return gsRunnable
	case trace.GoRunning:
		return gsRunning
	case trace.GoWaiting:
		return gsWaiting
	case trace.GoSyscall:
		return gsSyscall
	}
	return gsUnknown
}
