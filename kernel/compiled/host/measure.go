package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/trace"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/compiled/host/proto"
	"github.com/gocurrent/gocurrent/kernel/compiled/host/rt"
)

// measure times the cell's statements again and again. With bench (the
// cell's Bench, its statements inside testing.B's b.Loop) the runs are
// testing.Benchmark's, and with no loop count testing chooses it, for
// runs of about 0.2 s rounded down to 1, 2, 5, 10, ... as IPython's
// timeit rounds; the statements run on a goroutine of testing's, which
// the cell's interrupts and watchdog then watch (c.gid). Without bench
// (a traced run, of the loops the request gives), the cell's Run is
// called in a loop on the cell's goroutine. The first call shows its
// output (unless the request is quiet); the rest are quiet.
func measure(req proto.Request, c *cell, run func() (any, bool), bench func(*testing.B), out *sender) (*proto.Measurement, string) {
	m := &proto.Measurement{GOMAXPROCS: runtime.GOMAXPROCS(0)}
	if req.GOMAXPROCS > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(req.GOMAXPROCS))
		m.GOMAXPROCS = req.GOMAXPROCS
	}
	muted := false
	mute := func() {
		if !muted {
			muted = true
			out.mute(true)
		}
	}
	defer func() {
		if muted {
			out.mute(false)
		}
	}()
	if req.Quiet {
		mute()
	}
	once := func(n int, tracePath string) (proto.Sample, error) {
		if tracePath != "" {
			f, err := os.Create(tracePath)
			if err != nil {
				return proto.Sample{}, fmt.Errorf("start the execution tracer: %w", err)
			}
			defer f.Close()
			if err := trace.Start(f); err != nil {
				return proto.Sample{}, fmt.Errorf("start the execution tracer: %w", err)
			}
			defer trace.Stop()
			m.TraceMain = uint64(rt.GoroutineID())
		}
		u0, s0 := cellCPU()
		start := time.Now()
		for range n {
			run()
		}
		u1, s1 := cellCPU()
		return proto.Sample{WallNS: time.Since(start).Nanoseconds(), UserNS: u1 - u0, SysNS: s1 - s0}, nil
	}
	loops := req.Loops
	if bench != nil && req.Trace == "" {
		return benchmark(req, c, m, run, bench, mute)
	}
	if req.Warmup || (loops > 1 && !req.Quiet) {
		if _, err := once(1, ""); err != nil {
			return nil, err.Error()
		}
		mute()
	}
	if loops <= 0 {
		// Only a measured cell's Bench lets testing choose the loops;
		// the engine builds every untraced measurement with one.
		return nil, "the cell was built without its Bench: no loop count to run"
	}
	m.Loops = loops
	tracePath := req.Trace
	for range max(req.Runs, 1) {
		smp, err := once(loops, tracePath)
		if err != nil {
			return nil, err.Error()
		}
		tracePath = ""
		m.Runs = append(m.Runs, smp)
		mute()
	}
	return m, ""
}

// benchInit registers testing's flags, once: the benchmark's time is
// set through them.
var benchInit sync.Once

// benchPanic is a panic of the cell's statements in a benchmark's
// goroutine, with its stack, raised again in the cell's goroutine.
type benchPanic struct {
	value any
	stack string
}

// benchmark is measure with the cell's Bench.
func benchmark(req proto.Request, c *cell, m *proto.Measurement, run func() (any, bool), bench func(*testing.B), mute func()) (*proto.Measurement, string) {
	benchInit.Do(testing.Init)
	cellG := c.gid.Load()
	defer c.gid.Store(cellG)
	once := func(benchtime string) (int, proto.Sample, string) {
		if err := flag.Set("test.benchtime", benchtime); err != nil {
			return 0, proto.Sample{}, fmt.Sprintf("set the benchmark's time: %v", err)
		}
		var (
			smp      proto.Sample
			finished bool
			panicked *benchPanic
		)
		r := testing.Benchmark(func(b *testing.B) {
			c.gid.Store(rt.GoroutineID())
			defer func() {
				if v := recover(); v != nil {
					panicked = &benchPanic{v, string(debug.Stack())}
				}
			}()
			u0, s0 := cellCPU()
			start := time.Now()
			bench(b)
			u1, s1 := cellCPU()
			smp = proto.Sample{WallNS: time.Since(start).Nanoseconds(), UserNS: u1 - u0, SysNS: s1 - s0}
			finished = true
		})
		c.gid.Store(cellG)
		if panicked != nil {
			panic(*panicked)
		}
		if !finished {
			// The statements' goroutine was given up (an interrupt, a
			// deadlock): so is the cell's.
			runtime.Goexit()
		}
		return r.N, smp, ""
	}
	if req.Warmup || (req.Loops != 1 && !req.Quiet) {
		// One call first, for its output, and to warm up.
		run()
		mute()
	}
	loops := req.Loops
	if loops <= 0 {
		n, _, msg := once("200ms")
		if msg != "" {
			return nil, msg
		}
		loops = roundLoops(n)
		mute()
	}
	m.Loops = loops
	for range max(req.Runs, 1) {
		n, smp, msg := once(strconv.Itoa(loops) + "x")
		if msg != "" {
			return nil, msg
		}
		if n != loops {
			return nil, fmt.Sprintf("the benchmark ran %d loops, not %d", n, loops)
		}
		m.Runs = append(m.Runs, smp)
		mute()
	}
	return m, ""
}

// roundLoops is the largest of 1, 2, 5, 10, 20, 50, ... not above n.
func roundLoops(n int) int {
	r := 1
	for p := 1; p <= n; p *= 10 {
		for _, d := range []int{1, 2, 5} {
			if d*p <= n {
				r = d * p
			}
		}
	}
	return r
}
