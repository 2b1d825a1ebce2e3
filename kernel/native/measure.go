package native

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

// Measuring natively (%%timeit --native and the like): the cell is built
// with its statements in bodyFunc instead of main, and again inside the
// "for b.Loop()" of the benchmark function benchName, next to
// harness.go, whose main runs them the way the measure request asks and
// writes the samples to a file. The runs are testing.Benchmark's: with
// b.Loop the compiler keeps the results of the calls the cell makes, so
// that work whose result is dropped is not optimised away, and testing
// chooses the number of loops when the request leaves it open.

// harnessSource is the measuring program's main. Its imports have names
// no cell uses.
const harnessSource = `package main

import (
	_gcjson "encoding/json"
	_gcflag "flag"
	_gcos "os"
	_gcstrconv "strconv"
	_gcsyscall "syscall"
	_gctesting "testing"
	_gctime "time"
	_gctrace "runtime/trace"
)

type _gcSample struct {
	WallNS int64 ` + "`json:\"wall_ns\"`" + `
	UserNS int64 ` + "`json:\"user_ns\"`" + `
	SysNS  int64 ` + "`json:\"sys_ns\"`" + `
}

func _gcCPU() (int64, int64) {
	var self, children _gcsyscall.Rusage
	_ = _gcsyscall.Getrusage(_gcsyscall.RUSAGE_SELF, &self)
	_ = _gcsyscall.Getrusage(_gcsyscall.RUSAGE_CHILDREN, &children)
	return self.Utime.Nano() + children.Utime.Nano(), self.Stime.Nano() + children.Stime.Nano()
}

// The loop of the benchmark function is measured from _gcLoopStart to
// _gcLoopStop.
var _gcLoop struct {
	start      _gctime.Time
	user, sys  int64
	last       _gcSample
}

func _gcLoopStart() {
	_gcLoop.user, _gcLoop.sys = _gcCPU()
	_gcLoop.start = _gctime.Now()
}

func _gcLoopStop() {
	wall := _gctime.Since(_gcLoop.start)
	u, s := _gcCPU()
	_gcLoop.last = _gcSample{WallNS: wall.Nanoseconds(), UserNS: u - _gcLoop.user, SysNS: s - _gcLoop.sys}
}

// _gcBench runs the benchmark for benchtime (a duration, or "Nx" for N
// loops) and returns its loops and its sample.
func _gcBench(benchtime string) (int, _gcSample) {
	if err := _gcflag.Set("test.benchtime", benchtime); err != nil {
		_gcos.Stderr.WriteString("gocurrent: set the benchmark's time: " + err.Error() + "\n")
		_gcos.Exit(3)
	}
	r := _gctesting.Benchmark(` + benchName + `)
	return r.N, _gcLoop.last
}

// _gcTraced runs the statements once, on the main goroutine, under the
// execution tracer.
func _gcTraced(tracePath string) _gcSample {
	f, err := _gcos.Create(tracePath)
	if err == nil {
		err = _gctrace.Start(f)
	}
	if err != nil {
		_gcos.Stderr.WriteString("gocurrent: start the execution tracer: " + err.Error() + "\n")
		_gcos.Exit(3)
	}
	defer func() { _gctrace.Stop(); f.Close() }()
	u0, s0 := _gcCPU()
	start := _gctime.Now()
	` + bodyFunc + `()
	wall := _gctime.Since(start)
	u1, s1 := _gcCPU()
	return _gcSample{WallNS: wall.Nanoseconds(), UserNS: u1 - u0, SysNS: s1 - s0}
}

// _gcRound is the largest of 1, 2, 5, 10, 20, 50, ... not above n (the
// loop counts IPython's timeit uses).
func _gcRound(n int) int {
	r := 1
	for _, d := range []int{2, 5, 10} {
		for p := 1; d*p <= n; p *= 10 {
			if d*p > r {
				r = d * p
			}
		}
	}
	return r
}

func main() {
	_gctesting.Init()
	loops, _ := _gcstrconv.Atoi(_gcos.Getenv("GOCURRENT_LOOPS"))
	runs, _ := _gcstrconv.Atoi(_gcos.Getenv("GOCURRENT_RUNS"))
	tracePath := _gcos.Getenv("GOCURRENT_TRACE")
	quiet := _gcos.Getenv("GOCURRENT_QUIET") != ""
	warmup := _gcos.Getenv("GOCURRENT_WARMUP") != ""
	stdout, stderr := _gcos.Stdout, _gcos.Stderr
	mute := func() {
		if null, err := _gcos.OpenFile(_gcos.DevNull, _gcos.O_WRONLY, 0); err == nil {
			_gcos.Stdout, _gcos.Stderr = null, null
		}
	}
	if quiet {
		mute()
	}
	out := struct {
		Loops int         ` + "`json:\"loops\"`" + `
		Runs  []_gcSample ` + "`json:\"runs\"`" + `
	}{Loops: loops}
	switch {
	case tracePath != "":
		out.Loops = 1
		out.Runs = append(out.Runs, _gcTraced(tracePath))
	default:
		if warmup || (loops != 1 && !quiet) {
			// One call first, for its output, and to warm up.
			` + bodyFunc + `()
			mute()
		}
		if loops <= 0 {
			// testing's own choice for runs of about 0.2 s, as
			// IPython's timeit aims for, rounded down as it rounds.
			n, _ := _gcBench("200ms")
			loops = _gcRound(n)
			mute()
		}
		out.Loops = loops
		for r := 0; r < max(runs, 1); r++ {
			n, s := _gcBench(_gcstrconv.Itoa(loops) + "x")
			if n != loops {
				stderr.WriteString("gocurrent: the benchmark ran " + _gcstrconv.Itoa(n) + " loops, not " + _gcstrconv.Itoa(loops) + "\n")
				_gcos.Exit(3)
			}
			out.Runs = append(out.Runs, s)
			mute()
		}
	}
	_gcos.Stdout, _gcos.Stderr = stdout, stderr
	b, _ := _gcjson.Marshal(out)
	if err := _gcos.WriteFile(_gcos.Getenv("GOCURRENT_MEASURE_OUT"), b, 0o644); err != nil {
		_gcos.Stderr.WriteString("gocurrent: write the measurements: " + err.Error() + "\n")
		_gcos.Exit(3)
	}
}
`

// measureDir makes, once, the module directory measured programs are
// built in (beside the one of ordinary native cells, so that their main
// stays theirs).
func (r *Runner) measureDir() (string, error) {
	dir := filepath.Join(r.dir, "measure")
	if _, err := os.Stat(filepath.Join(dir, "harness.go")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("make the measuring module: %w", err)
	}
	mod, err := os.ReadFile(filepath.Join(r.dir, "go.mod"))
	if err != nil {
		return "", fmt.Errorf("read go.mod: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), mod, 0o644); err != nil {
		return "", fmt.Errorf("write go.mod: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "harness.go"), []byte(harnessSource), 0o644); err != nil {
		return "", fmt.Errorf("write the harness: %w", err)
	}
	return dir, nil
}

// Measure builds cell spec.Code with the session's declarations d and
// runs it as spec asks (see engine.MeasureSpec), its output streaming to
// out.
func (r *Runner) Measure(ctx context.Context, d engine.Declarations, spec engine.MeasureSpec, out engine.Output) engine.Measurement {
	m := engine.Measurement{Engine: "native", GOMAXPROCS: runtime.NumCPU()}
	if spec.GOMAXPROCS > 0 {
		m.GOMAXPROCS = spec.GOMAXPROCS
	}
	fail := func(name, msg string) engine.Measurement {
		m.Err = &engine.Error{Name: name, Value: msg, Traceback: []string{red(name) + ": " + msg}}
		return m
	}
	if err := r.setup(); err != nil {
		return fail("native error", err.Error())
	}
	dir, err := r.measureDir()
	if err != nil {
		return fail("native error", err.Error())
	}
	prog, err := assemble(d, spec.Code, spec.Count, r.stdPath, true)
	if err != nil {
		return fail(assembleError(err))
	}
	bin, buildNS, e := r.build(ctx, dir, prog, false, d, spec.Code, spec.Count)
	m.BuildNS = buildNS
	if e != nil {
		m.Err = e
		return m
	}
	results := filepath.Join(r.dir, "measured.json")
	_ = os.Remove(results)
	env := []string{
		"GOCURRENT_LOOPS=" + strconv.Itoa(spec.Loops),
		"GOCURRENT_RUNS=" + strconv.Itoa(spec.Runs),
		"GOCURRENT_TRACE=" + spec.Trace,
		"GOCURRENT_MEASURE_OUT=" + results,
	}
	if spec.Quiet {
		env = append(env, "GOCURRENT_QUIET=1")
	}
	if spec.Warmup {
		env = append(env, "GOCURRENT_WARMUP=1")
	}
	res := r.run(ctx, bin, spec.Code, spec.Count, Options{GOMAXPROCS: spec.GOMAXPROCS}, env, out, time.Now(), engine.Timing{})
	if res.Err != nil {
		m.Err = res.Err
		return m
	}
	b, err := os.ReadFile(results)
	if err != nil {
		return fail("native error", fmt.Sprintf("the program left no measurements: %v", err))
	}
	var got struct {
		Loops int             `json:"loops"`
		Runs  []engine.Sample `json:"runs"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		return fail("native error", fmt.Sprintf("read the measurements: %v", err))
	}
	m.Loops, m.Runs = got.Loops, got.Runs
	return m
}
