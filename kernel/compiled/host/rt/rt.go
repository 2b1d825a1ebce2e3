// Package rt is the runtime of a compiled session's cells, which the
// conversion of cells calls: it records the timers cells start (a
// goroutine waiting for a timer is not deadlocked), and ends goroutines
// that the session gave up on (an interrupted or deadlocked cell's) when
// they wake. The kernel writes it into each session's module; its state is
// the session program's own, as a main package's would be.
package rt

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// countGoroutines counts the session's goroutines; the host sets it.
var countGoroutines atomic.Pointer[func() int]

// SetGoroutineCounter sets how NumGoroutine counts.
func SetGoroutineCounter(count func() int) { countGoroutines.Store(&count) }

// NumGoroutine is what runtime.NumGoroutine is in cells: the goroutines
// of the session's cells, without the host's own, the running cell's
// counting as a program's main goroutine.
func NumGoroutine() int {
	if count := countGoroutines.Load(); count != nil {
		return (*count)()
	}
	return runtime.NumGoroutine()
}

// The timers cells started: the latest time one fires, and whether a
// ticker was ever started (which keeps firing).
var (
	latest  atomic.Int64
	ticking atomic.Bool
)

func note(d time.Duration) {
	at := time.Now().Add(d).UnixNano()
	for {
		old := latest.Load()
		if at <= old || latest.CompareAndSwap(old, at) {
			return
		}
	}
}

// TimersPending reports whether a timer a cell started may still fire.
func TimersPending() bool {
	return ticking.Load() || time.Now().UnixNano() < latest.Load()
}

// After is time.After.
func After(d time.Duration) <-chan time.Time { note(d); return time.After(d) }

// NewTimer is time.NewTimer.
func NewTimer(d time.Duration) *time.Timer { note(d); return time.NewTimer(d) }

// AfterFunc is time.AfterFunc.
func AfterFunc(d time.Duration, f func()) *time.Timer { note(d); return time.AfterFunc(d, f) }

// Tick is time.Tick.
func Tick(d time.Duration) <-chan time.Time { ticking.Store(true); return time.Tick(d) }

// NewTicker is time.NewTicker.
func NewTicker(d time.Duration) *time.Ticker { ticking.Store(true); return time.NewTicker(d) }

// ResetTimer is t.Reset(d).
func ResetTimer(t *time.Timer, d time.Duration) bool { note(d); return t.Reset(d) }

// WithTimeout is context.WithTimeout.
func WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	note(d)
	return context.WithTimeout(ctx, d)
}

// WithDeadline is context.WithDeadline.
func WithDeadline(ctx context.Context, t time.Time) (context.Context, context.CancelFunc) {
	note(time.Until(t))
	return context.WithDeadline(ctx, t)
}

// The goroutines the session gave up on, by id.
var (
	anyAbandoned atomic.Bool
	mu           sync.Mutex
	abandoned    = map[int64]bool{}
)

// benchGen counts the times the session gave up on goroutines: a
// measuring loop (a measured cell's Bench) ends when it changes, so that
// a loop given up on does not run on in the background.
var benchGen atomic.Int64

// BenchGen is the count a measuring loop watches.
func BenchGen() int64 { return benchGen.Load() }

// BenchExit ends a measuring loop's goroutine, given up on.
func BenchExit() { runtime.Goexit() }

// Abandon marks goroutines to end when they next pass a Check, and ends
// the measuring loops running now.
func Abandon(ids ...int64) {
	benchGen.Add(1)
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		abandoned[id] = true
	}
	anyAbandoned.Store(len(abandoned) > 0)
}

// Check ends the calling goroutine if the session gave up on it. The
// conversion of cells calls it after each statement that can wait.
func Check() {
	if !anyAbandoned.Load() {
		return
	}
	id := GoroutineID()
	mu.Lock()
	end := abandoned[id]
	if end {
		delete(abandoned, id)
		anyAbandoned.Store(len(abandoned) > 0)
	}
	mu.Unlock()
	if end {
		runtime.Goexit()
	}
}

// GoroutineID is the calling goroutine's id, from the first line of its
// traceback ("goroutine 18 [running]:").
func GoroutineID() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseInt(string(b), 10, 64)
	return id
}

// PanicText is what the runtime prints for a panic with value v.
func PanicText(v any) string {
	switch v := v.(type) {
	case error:
		return v.Error()
	case fmt.Stringer:
		return v.String()
	case string:
		return v
	}
	return fmt.Sprintf("%v", v)
}
