package session

import (
	"os"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/jupyter"
	"github.com/gocurrent/gocurrent/kernel/livestatus"
)

// The live status of a long cell: once a cell has run for liveAfter, a
// display shows how long it has run, its goroutines, the cores busy and
// the child processes, updated in place every liveEvery; when the cell
// ends the display is emptied and the timing line follows as usual (a
// frontend that cannot update displays, such as jupyter console, shows the
// first status and then the timing line), or, for a cell that failed, the
// display becomes the timing line, above the error and outside it. Fast
// cells show nothing.
const (
	liveAfter = 500 * time.Millisecond
	liveEvery = time.Second / 3
)

// LiveDisplayPrefix starts the display id of every live status display,
// followed by the execute request's message id.
const LiveDisplayPrefix = "gocurrent-live-"

// watchCell starts the live status of the cell of request parent and
// returns the function that ends it, which returns once the status, if
// it was shown, shows final ("" empties it).
//
// The status runs on a goroutine of its own only once the cell has run
// for a while: a goroutine started for every cell cost a fast cell a
// thread's wake-up.
func (k *Kernel) watchCell(parent *jupyter.Message, start time.Time) (stop func(final string)) {
	quit := make(chan struct{})
	done := make(chan struct{})
	var final string
	// A first sample shortly before the status shows starts the interval
	// its cores busy is measured over; fast cells read nothing.
	t := time.AfterFunc(liveAfter-liveEvery, func() {
		defer close(done)
		k.liveStatus(parent, start, quit, &final)
	})
	return func(text string) {
		final = text
		if t.Stop() {
			return // it had not started: nothing was shown
		}
		close(quit)
		<-done
	}
}

// liveStatus shows the live status until quit is closed, then shows *final
// in its place.
func (k *Kernel) liveStatus(parent *jupyter.Message, start time.Time, quit <-chan struct{}, final *string) {
	select {
	case <-quit:
		return
	default:
	}
	sampler := livestatus.NewSampler(os.Getpid(), start)
	w, _ := k.eng.(engine.Watcher)
	sample := func() livestatus.Status {
		live := engine.Live{Goroutines: -1}
		if w != nil {
			live = w.Watch()
		}
		return sampler.Sample(time.Now(), live.Goroutines, live.Pids)
	}
	sample()
	id := LiveDisplayPrefix + parent.Header.MsgID
	tick := time.NewTicker(liveEvery)
	defer tick.Stop()
	shown := false
	defer func() {
		if shown {
			k.publishLive(parent, id, true, map[string]any{"text/plain": *final}, "ended")
		}
	}()
	for {
		select {
		case <-quit:
			return
		case <-tick.C:
		}
		st := sample()
		select {
		case <-quit: // the cell ended while sampling: show nothing stale
			return
		default:
		}
		k.publishLive(parent, id, shown, map[string]any{"text/plain": st.Line()}, st.Metadata())
		shown = true
	}
}

// publishLive shows or updates the live status display.
func (k *Kernel) publishLive(parent *jupyter.Message, id string, update bool, data map[string]any, live any) {
	t := "display_data"
	if update {
		t = "update_display_data"
	}
	content := map[string]any{
		"data":      data,
		"metadata":  map[string]any{"gocurrent": map[string]any{"live": live}},
		"transient": map[string]any{"display_id": id},
	}
	_ = k.conn.Publish(parent, t, content, nil)
}
