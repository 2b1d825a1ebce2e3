package session

import (
	"context"
	"time"

	"github.com/gocurrent/gocurrent/kernel/jupyter"
)

// An interrupt is the cancellation of a cell's context: every
// execute_request gets a context of its own, and interrupt_request (or
// SIGINT) cancels the context of the cell running when it arrives. An
// interrupt that arrives between cells stops the next cell only if that
// cell's request was received before it (it was queued, as when the user
// runs a cell and presses stop at once); otherwise it is forgotten, and
// nothing is left over for later cells.
//
// The control and shell sockets are read by goroutines of their own, so an
// interrupt_request may be handled after an execute_request that its client
// sent later (a user who pressed stop just as a cell ended and then ran the
// next one). Such an interrupt does not stop the newer cell: when both
// requests come from the same client session, the dates in their headers
// tell which was sent first. Requests of different sessions (a server's
// interrupt, a browser's cell) are taken in the order they arrive: their
// clocks need not agree.

// runningCell is the execute request being run and how to interrupt it.
type runningCell struct {
	msg    *jupyter.Message
	cancel context.CancelFunc
}

// pendingInterrupt is an interrupt that came while no cell ran, for the
// cell whose request was queued then.
type pendingInterrupt struct {
	msg      *jupyter.Message // nil for a signal
	received uint64           // shell requests received before it
}

// appliesTo reports whether the interrupt is for the cell of q: q was
// received before it, or its client sent q before it (the two sockets are
// read apart, so the interrupt may be read first), and not sent after it.
func (p *pendingInterrupt) appliesTo(q shellRequest) bool {
	if p.msg == nil {
		return q.seq <= p.received
	}
	return (q.seq <= p.received || sentBefore(q.m, p.msg)) && !sentBefore(p.msg, q.m)
}

// startCell makes the context of the cell of execute request q and records
// it as the running cell; done must be called when the cell has ended.
func (k *Kernel) startCell(ctx context.Context, q shellRequest) (cellCtx context.Context, done func()) {
	cellCtx, cancel := context.WithCancel(ctx)
	r := &runningCell{msg: q.m, cancel: cancel}
	k.mu.Lock()
	k.running = r
	p := k.pending
	k.pending = nil
	k.mu.Unlock()
	if p != nil && p.appliesTo(q) {
		cancel() // an interrupt that came while this cell was queued
	}
	return cellCtx, func() {
		k.mu.Lock()
		if k.running == r {
			k.running = nil
		}
		k.mu.Unlock()
		cancel()
	}
}

// Interrupt stops the running cell, if one runs (SIGINT).
func (k *Kernel) Interrupt() { k.interrupt(nil) }

// interrupt stops the cell running now, unless interrupt request m (nil
// for a signal) was sent before that cell's execute request. It reports
// whether a cell was stopped.
func (k *Kernel) interrupt(m *jupyter.Message) bool {
	k.mu.Lock()
	r := k.running
	if r == nil {
		k.pending = &pendingInterrupt{msg: m, received: k.received}
	}
	k.mu.Unlock()
	if r == nil {
		return false
	}
	if m != nil && sentBefore(m, r.msg) {
		k.logf("interrupt_request %q was sent before the running cell's execute_request %q: it does not stop that cell", m.Header.MsgID, r.msg.Header.MsgID)
		return false
	}
	r.cancel()
	return true
}

// sentBefore reports whether message a was sent before message b by the
// same client session, as their header dates say.
func sentBefore(a, b *jupyter.Message) bool {
	if a.Header.Session == "" || a.Header.Session != b.Header.Session {
		return false
	}
	ta, err1 := time.Parse(time.RFC3339Nano, a.Header.Date)
	tb, err2 := time.Parse(time.RFC3339Nano, b.Header.Date)
	return err1 == nil && err2 == nil && ta.Before(tb)
}
