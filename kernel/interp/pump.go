package interp

import (
	"errors"
	"io"
	"os"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/wire"
)

// The pump: the worker's output pipes and events, merged in order into the
// running cell's Output (or the late output of earlier cells).

// chunk is text read from an output pipe, or a sync marker.
type chunk struct {
	stream string
	text   []byte
	seq    int64 // > 0: a marker
	eof    bool
}

// readStream reads an output pipe, splitting out sync markers and never
// cutting a UTF-8 character in two.
func readStream(name string, mk wire.Markers, r io.Reader, ch chan<- chunk) {
	buf := make([]byte, 64<<10)
	var pending []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			pending = append(pending, buf[:n]...)
			for {
				before, seq, rest, ok, partial := mk.Parse(pending)
				if !ok {
					keep := partial
					text := before[:len(before)-keep]
					// Hold back an incomplete UTF-8 character.
					cut := len(text)
					for k := 1; k <= 3 && k <= len(text); k++ {
						if utf8.RuneStart(text[len(text)-k]) {
							if !utf8.FullRune(text[len(text)-k:]) {
								cut = len(text) - k
							}
							break
						}
					}
					if cut > 0 {
						ch <- chunk{stream: name, text: append([]byte(nil), text[:cut]...)}
					}
					pending = append([]byte(nil), pending[cut:]...)
					break
				}
				if len(before) > 0 {
					ch <- chunk{stream: name, text: append([]byte(nil), before...)}
				}
				ch <- chunk{stream: name, seq: seq}
				pending = append([]byte(nil), rest...)
			}
		}
		if err != nil {
			if len(pending) > 0 {
				ch <- chunk{stream: name, text: pending}
			}
			ch <- chunk{stream: name, eof: true}
			return
		}
	}
}

// pump moves the worker's output and events to the running cell's Output,
// in order, until the worker has exited.
func (p *proc) pump(e *Engine, mk wire.Markers, outR, errR, crashR, evR *os.File) {
	chunks := make(chan chunk, 256)
	events := make(chan wire.Envelope[wire.Event], 256)
	go readStream("stdout", mk, outR, chunks)
	go readStream("stderr", mk, errR, chunks)
	crashDone := make(chan struct{})
	go func() {
		defer close(crashDone)
		buf := make([]byte, 32<<10)
		for {
			n, err := crashR.Read(buf)
			if n > 0 {
				p.mu.Lock()
				if p.crash.Len() < maxCrashText {
					p.crash.Write(buf[:n])
				}
				p.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer close(events)
		rd := wire.NewEventReader(evR)
		for {
			ev, err := rd.Read()
			if errors.Is(err, wire.ErrMalformed) {
				e.opt.Logf("worker event: %v", err)
				continue
			}
			if err != nil {
				return
			}
			events <- ev
		}
	}()

	// Text is coalesced per stream and flushed within 50 ms, at 64 KiB,
	// and before any event, so a flood of output makes few messages. Each
	// piece remembers the last marker seen before it on its stream, so
	// that an event waiting for its markers is shown after exactly the
	// text written before it.
	type piece struct {
		epoch int64
		text  []byte
	}
	pending := map[string][]piece{}
	pendingBytes := 0
	seen := map[string]int64{}
	var held []wire.Envelope[wire.Event] // events waiting for their markers
	// Each cell's text (and the late text between cells) passes a
	// limiter; its tail is sent before the cell's result.
	lim := newLimiter()
	var limOut engine.Output
	limCount := 0
	emit := func(name, text string, out engine.Output, count int) {
		if out != nil {
			out.Stream(name, text, 0)
		} else {
			e.opt.Late(name, text, count)
		}
	}
	finishLimit := func() {
		lim.finish(func(name, text string) { emit(name, text, limOut, limCount) })
	}
	flushBefore := func(limit int64) {
		for _, name := range []string{"stdout", "stderr"} {
			var text []byte
			keep := pending[name][:0]
			for _, pc := range pending[name] {
				if pc.epoch < limit {
					text = append(text, pc.text...)
				} else {
					keep = append(keep, pc)
				}
			}
			pending[name] = keep
			pendingBytes -= len(text)
			if len(text) == 0 {
				continue
			}
			p.mu.Lock()
			out, count := p.out, p.count
			p.mu.Unlock()
			if out != limOut || (out == nil && count != limCount) {
				finishLimit()
				limOut, limCount = out, count
			}
			if text = lim.pass(name, text); len(text) > 0 {
				emit(name, string(text), out, count)
			}
		}
	}
	flush := func() {
		if len(held) > 0 {
			flushBefore(held[0].Seq)
		} else {
			flushBefore(1 << 62)
		}
	}
	deliver := func() {
		for len(held) > 0 && seen["stdout"] >= held[0].Seq && seen["stderr"] >= held[0].Seq {
			ev := held[0]
			held = held[1:]
			flushBefore(ev.Seq)
			if _, ok := ev.Body.(wire.Result); ok {
				finishLimit()
			}
			p.handle(e, ev)
		}
	}
	// Text waits at most 50 ms; the timer runs only while some waits, so
	// that an idle kernel does not wake up for nothing.
	var tick <-chan time.Time
	arm := func() {
		if tick == nil && pendingBytes > 0 {
			tick = time.After(50 * time.Millisecond)
		}
	}
	exited := make(chan struct{})
	go func() {
		p.err = p.cmd.Wait()
		close(exited)
	}()
	// After the worker exits, its pipes may stay open in children that
	// inherited them: read what is there for a moment, then stop.
	var drained <-chan time.Time
	eofs := 0
loop:
	for eofs < 2 || events != nil {
		arm()
		select {
		case <-exited:
			exited = nil
			drained = time.After(500 * time.Millisecond)
		case <-drained:
			break loop
		case c := <-chunks:
			switch {
			case c.eof:
				eofs++
				seen[c.stream] = 1 << 62
			case c.seq > 0:
				seen[c.stream] = c.seq
			default:
				pending[c.stream] = append(pending[c.stream], piece{epoch: seen[c.stream], text: c.text})
				pendingBytes += len(c.text)
				if pendingBytes >= 64<<10 {
					flush()
				}
			}
			deliver()
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if ev.Seq > 0 {
				held = append(held, ev)
				deliver()
			} else {
				flush()
				p.handle(e, ev)
			}
		case <-tick:
			tick = nil
			flush()
		}
	}
	flush()
	finishLimit()
	for _, ev := range held {
		p.handle(e, ev)
	}
	if exited != nil {
		<-exited
	}
	// Children of the worker die with it.
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-crashDone:
	case <-time.After(500 * time.Millisecond):
	}
	p.reqs.Close()
	_ = p.stat.Close()
	close(p.dead)
}

// handle acts on one event in order with the output.
func (p *proc) handle(e *Engine, m wire.Envelope[wire.Event]) {
	p.mu.Lock()
	out := p.out
	p.mu.Unlock()
	switch ev := m.Body.(type) {
	case wire.Ready:
		p.mu.Lock()
		p.inputFunc = ev.InputFunc
		p.mu.Unlock()
		close(p.ready)
	case wire.Display:
		if out != nil && ev.From == 0 {
			out.Display(ev.Data, ev.Metadata, ev.ID, ev.Update)
			break
		}
		from := ev.From // a goroutine of an earlier cell, or no cell runs
		if from == 0 {
			p.mu.Lock()
			from = p.count
			p.mu.Unlock()
		}
		e.opt.LateDisplay(ev.Data, ev.Metadata, ev.ID, ev.Update, from)
	case wire.Clear:
		if out != nil {
			out.Clear(ev.Wait)
		}
	case wire.Prompt:
		go func() {
			var r wire.Input
			if out == nil {
				r.Err = "no cell is running"
			} else if text, err := out.Input(ev.Prompt, ev.Password); err != nil {
				r.Err, r.NoInput = err.Error(), errors.Is(err, engine.ErrNoInput)
			} else {
				r.Text = text
			}
			_ = p.send(m.ID, r)
		}()
	case wire.Mute:
		if mo, ok := out.(*mutable); ok {
			mo.muted.Store(ev.On)
		}
	case wire.Exit:
		p.mu.Lock()
		p.exitEv = &ev
		p.mu.Unlock()
	case wire.Declared:
		e.ledger.Apply(ev.Delta)
	case wire.Result:
		p.mu.Lock()
		ch := p.waiters[m.ID]
		delete(p.waiters, m.ID)
		p.mu.Unlock()
		if ch != nil {
			ch <- ev
		}
	}
}
