package worker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/trace"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/wire"
)

// Measuring (%%timeit, %%compare, %%scale, %%trace in the interpreter).
//
// The cell's declarations are evaluated once, as a cell of their own. Its
// statements become the body of a function, each on its own line, so that
// errors and panics keep the cell's line numbers, and a loop calls it:
//
//	func _gocurrentTimedBody() {
//	    ...the cell's statements, on their lines...
//	}
//	func _gocurrentTimed(_gocurrentN int) { Start(); defer Stop(); for ... { _gocurrentTimedBody() } }
//
// Each run calls it with the run's loop count; the timer starts and stops
// inside it, so compiling the call is not measured.

// timedFunc is the function a measured cell's statements run in.
const timedFunc = "_gocurrentTimed"

// timer records the runs of a measured cell.
type timer struct {
	mu      sync.Mutex
	start   time.Time
	u0, s0  time.Duration
	last    engine.Sample
	ran     bool
	trace   string   // file to trace the next run into
	traceF  *os.File // open while tracing
	traceG  uint64   // the goroutine that runs the cell
	tracing atomic.Bool
	names   map[uint64]int // goroutine id -> go statement site, while tracing
	err     error          // starting the tracer failed
}

// timerStart is called by the timed function before its loop.
func (t *timer) timerStart() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.trace != "" {
		f, err := os.Create(t.trace)
		if err == nil {
			err = trace.Start(f)
			if err != nil {
				f.Close()
			}
		}
		if err != nil {
			t.err = fmt.Errorf("start the execution tracer: %w", err)
		} else {
			t.traceF = f
			t.traceG = goroutineID()
			t.names = map[uint64]int{}
			t.tracing.Store(true)
		}
		t.trace = ""
	}
	t.u0, t.s0 = cpuTimes()
	t.start = time.Now()
}

// timerStop is deferred by the timed function.
func (t *timer) timerStop() {
	wall := time.Since(t.start)
	u1, s1 := cpuTimes()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last = engine.Sample{WallNS: wall.Nanoseconds(), UserNS: (u1 - t.u0).Nanoseconds(), SysNS: (s1 - t.s0).Nanoseconds()}
	t.ran = true
	if t.traceF != nil {
		t.tracing.Store(false)
		trace.Stop()
		t.traceF.Close()
		t.traceF = nil
	}
}

// started records, while tracing, which go statement started the calling
// goroutine.
func (t *timer) started(site int) {
	if !t.tracing.Load() {
		return
	}
	id := goroutineID()
	t.mu.Lock()
	if t.names != nil {
		t.names[id] = site
	}
	t.mu.Unlock()
}

// goroutineID is the calling goroutine's id.
func goroutineID() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	id, _ := parseGoroutineID(buf[:n])
	return uint64(id)
}

// measureSources splits cell code into the setup (its imports and
// declarations) and the timed function (its statements), both with the
// cell's lines.
func measureSources(code string) (setup, timed string, err error) {
	c, err := cell.Parse(code)
	if err != nil {
		return "", "", err
	}
	if c.Program {
		return "", "", fmt.Errorf("a whole program (package main, func main) is measured natively: add --native")
	}
	lines := strings.Split(code, "\n")
	setupLines := make([]string, len(lines))
	timedLines := make([]string, len(lines))
	place := func(dst []string, ch cell.Chunk, src string) {
		for i, l := range strings.Split(src, "\n") {
			n := ch.Line - 1 + i
			if n >= len(dst) {
				dst = append(dst, make([]string, n-len(dst)+1)...)
			}
			if i == 0 {
				l = strings.Repeat(" ", max(ch.Col-1, 0)) + l
			}
			if dst[n] != "" {
				dst[n] += "; " + strings.TrimSpace(l)
			} else {
				dst[n] = l
			}
		}
	}
	for _, ch := range c.Chunks {
		switch ch.Kind {
		case cell.Import, cell.Decl:
			place(setupLines, ch, ch.Src)
		case cell.Expr:
			src := ch.Src
			if !isCall(ch) {
				src = "_gocurrentBlank = " + src
			}
			place(timedLines, ch, src)
		default:
			src := ch.Src
			if blankAssign(ch) {
				// As evalGroup does: the interpreter mishandles "_ = x".
				_, rest, _ := strings.Cut(src, "=")
				src = "_gocurrentBlank =" + rest
			}
			place(timedLines, ch, src)
		}
	}
	// The body starts on the first line (usually the magic's, blank), so
	// that the statements keep their lines; the loop that calls it
	// follows the cell. (A loop around the statements themselves would
	// make the interpreter report their panics at the loop's line.)
	timedLines[0] = fmt.Sprintf("func %sBody() { %s", timedFunc, timedLines[0])
	timedLines = append(timedLines, "}", fmt.Sprintf("func %s(_gocurrentN int) { %s.TimerStart(); defer %s.TimerStop(); for _gocurrentI := 0; _gocurrentI < _gocurrentN; _gocurrentI++ { %sBody() } }", timedFunc, supImport, supImport, timedFunc))
	return strings.Join(setupLines, "\n"), strings.Join(timedLines, "\n"), nil
}

func isCall(ch cell.Chunk) bool {
	src := strings.TrimSpace(ch.Src)
	return strings.HasSuffix(src, ")") && !strings.HasPrefix(src, "(")
}

// measure runs spec in the session (see above).
func (s *session) measure(ctx context.Context, spec engine.MeasureSpec) engine.Measurement {
	m := engine.Measurement{Engine: "interp", GOMAXPROCS: runtime.GOMAXPROCS(0)}
	fail := func(e *engine.Error) engine.Measurement {
		m.Err = e
		return m
	}
	setup, timed, err := measureSources(spec.Code)
	if err != nil {
		var ce *cell.Error
		if errors.As(err, &ce) {
			return fail(syntaxError(spec.Code, err))
		}
		return fail(&engine.Error{Name: "magic error", Value: err.Error(), Traceback: []string{red("magic error") + ": " + err.Error()}})
	}
	if strings.TrimSpace(setup) != "" {
		if res := s.run(ctx, setup, spec.Count); res.Err != nil {
			return fail(res.Err)
		}
	}
	if res := s.run(ctx, timed, spec.Count); res.Err != nil {
		return fail(res.Err)
	}
	if spec.GOMAXPROCS > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(spec.GOMAXPROCS))
		m.GOMAXPROCS = spec.GOMAXPROCS
	}
	quiet := spec.Quiet
	if quiet {
		s.w.mute(true)
	}
	defer func() {
		if quiet {
			s.w.mute(false)
		}
	}()
	once := func(n int, tracePath string) (engine.Sample, *engine.Error) {
		t := &s.timer
		t.mu.Lock()
		t.ran, t.trace, t.err = false, tracePath, nil
		t.mu.Unlock()
		res := s.runCell(ctx, fmt.Sprintf("%s(%d)", timedFunc, n))
		t.mu.Lock()
		defer t.mu.Unlock()
		if res.Err != nil {
			return engine.Sample{}, timedFrames(res.Err)
		}
		if t.err != nil {
			return engine.Sample{}, &engine.Error{Name: "trace error", Value: t.err.Error(), Traceback: []string{red("trace error") + ": " + t.err.Error()}}
		}
		if !t.ran {
			return engine.Sample{}, &engine.Error{Name: "measure error", Value: "the timed statements did not run"}
		}
		return t.last, nil
	}
	mute := func() {
		if !quiet {
			quiet = true
			s.w.mute(true)
		}
	}
	loops := spec.Loops
	tracePath := spec.Trace
	if spec.Warmup || (loops > 1 && !quiet) {
		// One call first, for its output, and to warm up.
		if _, e := once(1, ""); e != nil {
			return fail(e)
		}
		mute()
	}
	if loops <= 0 {
		// As IPython's timeit: the first of 1, 2, 5, 10, 20, ... loops
		// that takes at least 0.2 s. The first call shows its output.
	calibrate:
		for p := 1; ; p *= 10 {
			for _, d := range []int{1, 2, 5} {
				n := d * p
				smp, e := once(n, "")
				if e != nil {
					return fail(e)
				}
				mute()
				if time.Duration(smp.WallNS) >= 200*time.Millisecond || n >= 1e9 {
					loops = n
					break calibrate
				}
			}
		}
	}
	m.Loops = loops
	for r := 0; r < max(spec.Runs, 1); r++ {
		smp, e := once(loops, tracePath)
		if e != nil {
			return fail(e)
		}
		if tracePath != "" {
			m.TraceMain = s.timer.traceG
			m.TraceNames = map[uint64]string{}
			for id, site := range s.timer.names {
				if st, ok := s.sites.get(site); ok {
					m.TraceNames[id] = s.siteLabel(st)
				}
			}
			tracePath = ""
		}
		m.Runs = append(m.Runs, smp)
		mute()
	}
	return m
}

// siteLabel names a go statement for a picture: "cell line 4: go f(i)".
func (s *session) siteLabel(st site) string {
	return s.where(st, 0, false) + ": " + st.text
}

// mute drops the cell's output (the repeated runs of a measured cell)
// until mute(false); the supervisor applies it in order with the output.
func (w *worker) mute(on bool) {
	w.sendSynced(0, wire.Mute{On: on})
}

// measureIn runs measure request id like a cell.
func (w *worker) measureIn(id int64, r wire.Measure) engine.Measurement {
	var m engine.Measurement
	w.asCell(id, r.Spec.Count, func(ctx context.Context) {
		m = w.sess.measure(ctx, r.Spec)
	})
	return m
}

// timedFrames drops the frames of the measuring functions from a panic's
// traceback; the statements' own frame is the cell's.
func timedFrames(e *engine.Error) *engine.Error {
	out := *e
	out.Value = timedBodyRE.ReplaceAllString(out.Value, "(in the cell's statements)")
	out.Traceback = nil
	skip := false
	for _, l := range e.Traceback {
		plain := stripANSI(l)
		switch {
		case strings.HasPrefix(plain, "  in "+timedFunc+" at "), strings.HasPrefix(plain, "  in "+timedFunc+", "),
			strings.HasPrefix(plain, "  in the cell at ") && skip:
			skip = true
			continue
		case strings.HasPrefix(plain, "  in "+timedFunc+"Body at "):
			skip = false
			l = strings.Replace(l, timedFunc+"Body", "the cell", 1)
		case strings.HasPrefix(plain, "  in "+timedFunc+"Body, "):
			// The statements run in a function of the kernel's, whose
			// first line is not the cell's: name the cell alone (the
			// trace's note says why no line).
			out.Traceback = append(out.Traceback, "  in the cell's statements")
			skip = true
			continue
		case strings.HasPrefix(plain, "  in "):
			skip = false
		case skip && strings.HasPrefix(plain, "   "):
			continue // the skipped frame's source lines
		default:
			skip = false
		}
		out.Traceback = append(out.Traceback, l)
	}
	return &out
}

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// timedBodyRE finds, in a panic's value, the place panicError gives a
// measured cell's statements: the kernel's function they run in.
var timedBodyRE = regexp.MustCompile(`\(in ` + timedFunc + `Body, which starts at [^)]*\)`)

func stripANSI(s string) string { return ansiRE.ReplaceAllString(s, "") }
