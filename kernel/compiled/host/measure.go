package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/trace"
	"time"

	"github.com/gocurrent/gocurrent/kernel/compiled/host/proto"
	"github.com/gocurrent/gocurrent/kernel/compiled/host/rt"
)

// measure calls the cell's Run again and again and times each run: as
// IPython's timeit, with no loop count given the first of 1, 2, 5, 10,
// 20, ... calls that takes at least 0.2 s. The first call shows its
// output (unless the request is quiet); the rest are quiet.
func measure(req proto.Request, run func() (any, bool), out *sender) (*proto.Measurement, string) {
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
	if req.Warmup || (loops > 1 && !req.Quiet) {
		if _, err := once(1, ""); err != nil {
			return nil, err.Error()
		}
		mute()
	}
	if loops <= 0 {
	calibrate:
		for p := 1; ; p *= 10 {
			for _, d := range []int{1, 2, 5} {
				n := d * p
				smp, err := once(n, "")
				if err != nil {
					return nil, err.Error()
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
