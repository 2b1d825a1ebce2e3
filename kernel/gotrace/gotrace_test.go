package gotrace

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The tests record real traces in-process with runtime/trace and read them
// with Load; the tests of the fallback on `go tool trace` need the go
// command on PATH.

func requireGo(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		tb.Fatalf("these tests need the go command on PATH (install the Go toolchain): %v", err)
	}
}

// record traces body into a file in a temporary directory.
func record(tb testing.TB, body func()) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "trace.out")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		tb.Fatalf("trace.Start: %v (is the test run with -trace?)", err)
	}
	body()
	trace.Stop()
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// goid is the id of the calling goroutine ("goroutine 18 [running]:").
func goid() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	f := strings.Fields(string(buf[:n]))
	if len(f) < 2 {
		panic("unexpected runtime.Stack output")
	}
	id, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		panic(err)
	}
	return id
}

// spin burns CPU for d and returns how long it ran by the wall clock.
func spin(d time.Duration) time.Duration {
	start := time.Now()
	x := 0
	for time.Since(start) < d {
		for i := range 1000 {
			x += i
		}
	}
	sink.Add(int64(x))
	return time.Since(start)
}

// sink keeps the busy loops' results alive.
var sink atomic.Int64

func load(tb testing.TB, path string, opt Options) *Trace {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tr, err := Load(ctx, path, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// checkSVG parses the picture with encoding/xml and checks its frame.
func checkSVG(tb testing.TB, svg string) {
	tb.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	depth := 0
	sawRoot, sawTitle := false, false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if e.Name.Local != "svg" || e.Name.Space != "http://www.w3.org/2000/svg" {
					tb.Fatalf("root element is %v, want svg in the SVG namespace", e.Name)
				}
				sawRoot = true
			}
			if depth == 1 && !sawTitle {
				if e.Name.Local != "title" {
					tb.Errorf("first child of <svg> is <%s>, want <title>", e.Name.Local)
				}
				sawTitle = true
			}
			if e.Name.Local == "script" || e.Name.Local == "foreignObject" {
				tb.Errorf("SVG has a <%s>", e.Name.Local)
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if !sawRoot {
		tb.Fatal("no <svg> root")
	}
	if !strings.Contains(svg, `fill="#ffffff"`) {
		tb.Error("SVG has no white background")
	}
}

func findGroup(s Summary, label string) (GoroutineStat, bool) {
	for _, g := range s.Goroutines {
		if g.Label == label {
			return g, true
		}
	}
	return GoroutineStat{}, false
}

func TestLoadRealTrace(t *testing.T) {
	// A goroutine that is not the cell's: it exists before the trace and
	// runs during it.
	otherStart := make(chan struct{})
	otherDone := make(chan struct{})
	var otherID uint64
	idc := make(chan uint64)
	go func() {
		idc <- goid()
		<-otherStart
		spin(10 * time.Millisecond)
		close(otherDone)
	}()
	otherID = <-idc

	main := goid()
	const cpuFor = 30 * time.Millisecond
	var (
		cpuID, waitID uint64
		cpuRan        time.Duration
		started       = 0
	)
	path := record(t, func() {
		ids := make(chan uint64, 2)
		ch := make(chan int)
		var wg sync.WaitGroup
		// CPU-bound goroutine, alone on the CPU.
		wg.Add(1)
		started++
		go func() {
			defer wg.Done()
			ids <- goid()
			cpuRan = spin(cpuFor)
		}()
		cpuID = <-ids
		// A goroutine that waits 50 ms on a channel.
		wg.Add(1)
		started++
		go func() {
			defer wg.Done()
			ids <- goid()
			<-ch
		}()
		waitID = <-ids
		time.Sleep(50 * time.Millisecond)
		ch <- 1
		// A sleeper and goroutines fighting over a mutex.
		wg.Add(1)
		started++
		go func() {
			defer wg.Done()
			time.Sleep(10 * time.Millisecond)
		}()
		var mu sync.Mutex
		for range 4 {
			wg.Add(1)
			started++
			go func() {
				defer wg.Done()
				mu.Lock()
				spin(2 * time.Millisecond)
				mu.Unlock()
			}()
		}
		wg.Wait()
		close(otherStart)
		<-otherDone
	})

	names := map[uint64]string{
		cpuID:  "cell line 4: go spin()",
		waitID: "cell line 7: go wait(ch)",
	}
	tr := load(t, path, Options{Names: names, Main: main})
	s := tr.Summary()
	t.Logf("\n%s", tr.Text())

	if s.GoroutinesCreated != started {
		t.Errorf("GoroutinesCreated = %d, want %d", s.GoroutinesCreated, started)
	}
	if want := runtime.GOMAXPROCS(0); s.Procs != want {
		t.Errorf("Procs = %d, want GOMAXPROCS %d", s.Procs, want)
	}
	if s.MaxRunning < 1 || s.MaxRunning > s.Procs {
		t.Errorf("MaxRunning = %d, want 1..%d", s.MaxRunning, s.Procs)
	}
	if s.DurationNS < int64(50*time.Millisecond) {
		t.Errorf("DurationNS = %d, want at least the 50 ms the cell slept", s.DurationNS)
	}

	cpu, ok := findGroup(s, names[cpuID])
	if !ok {
		t.Fatalf("no group %q in %+v", names[cpuID], s.Goroutines)
	}
	if cpu.Count != 1 {
		t.Errorf("cpu group count = %d, want 1", cpu.Count)
	}
	lo, hi := cpuRan/2, cpuRan+cpuRan/10+5*time.Millisecond
	if r := time.Duration(cpu.RunningNS); r < lo || r > hi {
		t.Errorf("CPU-bound goroutine ran %v by the trace, %v by its own clock; want within [%v, %v]", r, cpuRan, lo, hi)
	}

	wait, ok := findGroup(s, names[waitID])
	if !ok {
		t.Fatalf("no group %q", names[waitID])
	}
	if wait.BlockedNS < int64(40*time.Millisecond) {
		t.Errorf("waiting goroutine blocked %v, want ≥ 40ms", time.Duration(wait.BlockedNS))
	}
	var chanWait int64
	for _, seg := range tr.segs {
		if tr.gs[seg.g].id == waitID && seg.state == gsWaiting && tr.reasons[seg.reason] == "chan receive" {
			chanWait += seg.end - seg.start
		}
	}
	if chanWait < int64(40*time.Millisecond) {
		t.Errorf("waiting goroutine blocked on \"chan receive\" for %v, want ≥ 40ms", time.Duration(chanWait))
	}
	if s.BlockedBy["chan receive"] < int64(40*time.Millisecond) {
		t.Errorf("BlockedBy[chan receive] = %v, want ≥ 40ms (all: %v)", time.Duration(s.BlockedBy["chan receive"]), s.BlockedBy)
	}
	if s.BlockedBy["sleep"] <= 0 {
		t.Errorf("BlockedBy has no sleep: %v", s.BlockedBy)
	}
	if s.BlockedBy["sync"] <= 0 {
		t.Errorf("BlockedBy has no sync (mutex): %v", s.BlockedBy)
	}
	if _, ok := findGroup(s, labelCell); !ok {
		t.Errorf("no %q group in %+v", labelCell, s.Goroutines)
	}
	if s.RunningNS <= 0 || s.RunnableNS < 0 || s.BlockedNS <= 0 {
		t.Errorf("bad totals %+v", s)
	}

	// The other goroutine is grey and not counted.
	var other *goroutine
	for i := range tr.gs {
		if tr.gs[i].id == otherID {
			other = &tr.gs[i]
		}
	}
	if other == nil {
		t.Fatalf("goroutine %d (not the cell's) is not in the trace", otherID)
	}
	if other.class != classOther {
		t.Errorf("goroutine %d has class %d, want other", otherID, other.class)
	}
	if other.totals[slotRunning] < int64(5*time.Millisecond) {
		t.Errorf("other goroutine ran %v, want ≥ 5ms", time.Duration(other.totals[slotRunning]))
	}
	var sum int64
	for _, g := range s.Goroutines {
		sum += g.RunningNS
		if strings.Contains(g.Label, "other") {
			t.Errorf("summary lists a group of other goroutines: %+v", g)
		}
	}
	if sum != s.RunningNS {
		t.Errorf("groups' running time %d != total %d", sum, s.RunningNS)
	}

	svg := tr.SVG()
	checkSVG(t, svg)
	for _, want := range []string{
		"G" + strconv.FormatUint(cpuID, 10) + " ",
		"started at cell line 4 (go spin()) — running ",
		"cell line 7: go wait(ch)", // in the legend: it ran too little for a bar of its own
		"G" + strconv.FormatUint(main, 10) + " — the cell",
		"G" + strconv.FormatUint(otherID, 10),
		"not started by the cell",
		"time since the cell started (ms)",
		"P0",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG does not contain %q", want)
		}
	}
	if testing.Verbose() {
		writeSample(t, "real.svg", svg)
	}
}

// writeSample keeps a picture for looking at when GOTRACE_SAMPLES names a
// directory.
func writeSample(tb testing.TB, name, svg string) {
	dir := os.Getenv("GOTRACE_SAMPLES")
	if dir == "" {
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(svg), 0o644); err != nil {
		tb.Log(err)
	}
}

// TestWithoutNames: without Names every goroutine that is not the
// runtime's is the cell's, labelled by function and creation site.
func TestWithoutNames(t *testing.T) {
	path := record(t, func() {
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				spin(time.Millisecond)
			}()
		}
		wg.Wait()
	})
	tr := load(t, path, Options{})
	s := tr.Summary()
	if s.GoroutinesCreated != 3 {
		t.Errorf("GoroutinesCreated = %d, want 3\n%s", s.GoroutinesCreated, tr.Text())
	}
	found := false
	for _, g := range s.Goroutines {
		if strings.HasPrefix(g.Label, "gotrace.TestWithoutNames.func1.1 @ gotrace_test.go:") && g.Count == 3 {
			found = true
		}
	}
	if !found {
		t.Errorf("no group of 3 goroutines labelled by function and site:\n%s", tr.Text())
	}
	for _, g := range tr.gs {
		if strings.HasPrefix(g.startFunc(), "runtime") && g.class != classRuntime {
			t.Errorf("goroutine %d (%s) is not classed as the runtime's", g.id, g.startFunc())
		}
	}
	checkSVG(t, tr.SVG())
}

// The committed sample was made by testdata/sample_program.go.txt: the
// cell (file "cell", main goroutine) starts two workers at cell line 6 that
// wait on a channel and spin for 1 ms each.
func TestParseDumpSample(t *testing.T) {
	f, err := os.Open("testdata/sample.dump")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := ParseDump(f, Options{CellFile: "cell", Main: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := tr.Summary()
	// Worked out by hand from the dump: G8 was created at ...799808,
	// ran from ...899264 to ...899840, waited on the channel until
	// ...1818880, ran again from ...1901824 and exited at ...2902400.
	want := Summary{
		DurationNS:        3241025,
		Procs:             2,
		GoroutinesCreated: 2,
		MaxRunning:        2,
		RunningNS:         4270977,
		RunnableNS:        372864,
		BlockedNS:         4791680,
		SyscallNS:         0,
		BlockedBy:         map[string]int64{"chan receive": 3731648, "sync": 1060032},
		Goroutines: []GoroutineStat{
			{Label: "the cell", Count: 1, RunningNS: 2178753, RunnableNS: 2240, BlockedNS: 1060032},
			{Label: "main.worker @ cell line 6", Count: 2, RunningNS: 2092224, RunnableNS: 370624, BlockedNS: 3731648},
		},
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("summary\n got %s\nwant %s", gj, wj)
	}
	var g8 *goroutine
	for i := range tr.gs {
		if tr.gs[i].id == 8 {
			g8 = &tr.gs[i]
		}
	}
	if g8 == nil || g8.totals != [nSlots]int64{1001152, 182400, 1919040, 0} {
		t.Errorf("G8 = %+v", g8)
	}
	for _, key := range []string{`"duration_ns"`, `"goroutines_created"`, `"max_running"`, `"blocked_by"`, `"running_ns"`, `"label"`} {
		if !bytes.Contains(gj, []byte(key)) {
			t.Errorf("JSON has no %s: %s", key, gj)
		}
	}
	svg := tr.SVG()
	checkSVG(t, svg)
	for _, want := range []string{"G8 main.worker — started at cell line 6 — running 1 ms", "G1 — the cell"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG does not contain %q", want)
		}
	}
	text := tr.Text()
	for _, want := range []string{"3.24 ms on 2 Ps", "2 started during the trace", "main.worker @ cell line 6", "chan receive 3.73 ms"} {
		if !strings.Contains(text, want) {
			t.Errorf("Text does not contain %q:\n%s", want, text)
		}
	}
	writeSample(t, "sample.svg", svg)

	// Names mode: the workers are named, the cell is Main; the runtime's
	// goroutines are still grey, G1's descendants that are not named are
	// labelled after the cell.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	tr, err = ParseDump(f, Options{Names: map[uint64]string{8: "cell line 6: go worker(ch, &wg)"}})
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Summary()
	if s.GoroutinesCreated != 1 || len(s.Goroutines) != 1 || s.Goroutines[0].Label != "cell line 6: go worker(ch, &wg)" || s.RunningNS != 1001152 {
		t.Errorf("with Names for G8 only: %+v", s)
	}
	if svg := tr.SVG(); !strings.Contains(svg, "G8 main.worker — started at cell line 6 (go worker(ch, &amp;wg)) — running 1 ms") {
		t.Errorf("SVG lacks G8's hover text")
	}
}

func TestParseDumpGarbage(t *testing.T) {
	sample, err := os.ReadFile("testdata/sample.dump")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	random := make([]byte, 5000)
	rng.Read(random)
	for name, in := range map[string][]byte{
		"empty":       nil,
		"text":        []byte("hello world\nthis is not a trace\n"),
		"random":      random,
		"binary":      []byte("go 1.23 trace\x00\x00\x00\x01\x02"),
		"stacks only": []byte("Stack=\n\tmain.main @ 0x1\n\t\tmain.go:1\n"),
		"long line":   bytes.Repeat([]byte("x"), 5<<20),
	} {
		if _, err := ParseDump(bytes.NewReader(in), Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Damaged dumps must not panic; whatever parses is drawn.
	for i := range 200 {
		b := bytes.Clone(sample)
		switch i % 4 {
		case 0:
			b = b[:rng.Intn(len(b))]
		case 1:
			for range 20 {
				b[rng.Intn(len(b))] = byte(rng.Intn(256))
			}
		case 2:
			lines := bytes.Split(b, []byte("\n"))
			rng.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
			b = bytes.Join(lines, []byte("\n"))
		case 3:
			b = bytes.ReplaceAll(b, []byte("Time="), []byte("Time=-"))
		}
		tr, err := ParseDump(bytes.NewReader(b), Options{Names: map[uint64]string{8: "x"}, Main: 1, CellFile: "cell"})
		if err != nil {
			continue
		}
		_ = tr.Summary()
		checkSVG(t, tr.SVG())
		_ = tr.Text()
	}
}

func FuzzParseDump(f *testing.F) {
	sample, err := os.ReadFile("testdata/sample.dump")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample[:2000])
	f.Add([]byte("M=1 P=0 G=1 StateTransition Time=5 GoID=2 NotExist->Runnable Reason=\"\"\nM=1 P=0 G=2 StateTransition Time=9 GoID=2 Runnable->Running Reason=\"x\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := ParseDump(bytes.NewReader(b), Options{CellFile: "cell", Width: 400})
		if err != nil {
			return
		}
		_ = tr.Summary()
		_ = tr.Text()
		svg := tr.SVG()
		if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
			t.Fatalf("bad SVG: %v", err)
		}
	})
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := Load(ctx, filepath.Join(t.TempDir(), "missing.out"), Options{}); err == nil {
		t.Error("missing file: no error")
	}
	bad := filepath.Join(t.TempDir(), "bad.out")
	if err := os.WriteFile(bad, []byte("not a trace"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(ctx, bad, Options{Go: "no-such-go-command-here"})
	if err == nil || !strings.Contains(err.Error(), "install") {
		t.Errorf("missing go command: err = %v, want one saying what to install", err)
	}
	requireGo(t)
	if _, err := Load(ctx, bad, Options{}); err == nil {
		t.Error("garbage trace file: no error")
	} else {
		t.Log(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Load(cctx, bad, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

// TestLoadIncomplete runs a stand-in for the go command that prints part of
// a dump and fails, as `go tool trace` does on a trace cut short.
func TestLoadIncomplete(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in go command is a shell script")
	}
	dir := t.TempDir()
	sample, err := os.ReadFile("testdata/sample.dump")
	if err != nil {
		t.Fatal(err)
	}
	// Everything up to the end of the first goroutine's exit.
	cut := bytes.Index(sample, []byte("GoID=8 Running->NotExist"))
	cut += bytes.IndexByte(sample[cut:], '\n') + 1
	part := filepath.Join(dir, "part.dump")
	if err := os.WriteFile(part, sample[:cut], 0o644); err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, "fakego")
	script := "#!/bin/sh\n" +
		"if [ \"$1 $2\" = \"tool -n\" ]; then exit 1; fi\n" +
		"cat '" + part + "'\n" +
		"echo 'failed to read full batch: read 16394 but wanted 65443' >&2\n" +
		"exit 1\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	traceFile := filepath.Join(dir, "t.out")
	if err := os.WriteFile(traceFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr, err := Load(context.Background(), traceFile, Options{Go: fake, CellFile: "cell", Main: 1})
	if !errors.Is(err, ErrIncomplete) || tr == nil {
		t.Fatalf("Load = %v, %v; want a trace and ErrIncomplete", tr, err)
	}
	if !strings.Contains(err.Error(), "failed to read full batch") {
		t.Errorf("error does not carry the tool's message: %v", err)
	}
	s := tr.Summary()
	if s.GoroutinesCreated != 2 {
		t.Errorf("GoroutinesCreated = %d, want 2", s.GoroutinesCreated)
	}
	if !strings.Contains(tr.Text(), "incomplete") {
		t.Errorf("Text does not say the trace is incomplete:\n%s", tr.Text())
	}
	svg := tr.SVG()
	checkSVG(t, svg)
	if !strings.Contains(svg, "Incomplete trace") {
		t.Error("SVG does not say the trace is incomplete")
	}
}

func TestFormat(t *testing.T) {
	for ns, want := range map[int64]string{
		0: "0", 850: "850 ns", 12345: "12.3 µs", 999_499: "999 µs", 999_600: "1 ms",
		1_250_000: "1.25 ms", 2_500_000_000: "2.5 s",
	} {
		if got := fmtDur(ns); got != want {
			t.Errorf("fmtDur(%d) = %q, want %q", ns, got, want)
		}
	}
	for n, want := range map[int]string{0: "0", 999: "999", 9999: "9999", 10000: "10,000", 1234567: "1,234,567", -12345: "-12,345"} {
		if got := itoa(n); got != want {
			t.Errorf("itoa(%d) = %q, want %q", n, got, want)
		}
	}
	if got := shortFunc("github.com/a/b.(*T).m"); got != "b.(*T).m" {
		t.Errorf("shortFunc = %q", got)
	}
	if got := niceTicks(23, 5); len(got) != 5 || got[1] != 5 {
		t.Errorf("niceTicks(23, 5) = %v", got)
	}
}

func TestCountTicks(t *testing.T) {
	for top, want := range map[float64]string{
		0: "0 1", 0.4: "0 1", 1: "0 1", 2: "0 1 2", 2.5: "0 1 2 3", 5: "0 1 2 3 4 5", 4.2: "0 1 2 3 4 5",
		7: "0 2 4 6 8", 8: "0 2 4 6 8", 23: "0 5 10 15 20 25", 140: "0 50 100 150", 10000: "0 2000 4000 6000 8000 10,000",
	} {
		var got []string
		for _, v := range countTicks(top) {
			got = append(got, fmtCount(v))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("countTicks(%g) = %v, want %s", top, got, want)
		}
	}
}

// tenThousand records a program that starts 10,000 goroutines, each doing a
// little CPU work and taking a mutex.
func tenThousand(tb testing.TB) string {
	return record(tb, func() {
		var mu sync.Mutex
		var wg sync.WaitGroup
		total := 0
		for i := range 10000 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := 0
				for j := range 2000 + i%7 {
					x += j * j
				}
				mu.Lock()
				total += x
				mu.Unlock()
			}()
		}
		wg.Wait()
		sink.Add(int64(total))
	})
}

// TestTenThousandGoroutines checks the picture of a big trace stays small:
// about one rect per lane per pixel column.
func TestTenThousandGoroutines(t *testing.T) {
	path := tenThousand(t)
	start := time.Now()
	tr := load(t, path, Options{})
	svg := tr.SVG()
	t.Logf("load+render %v, SVG %d bytes, %d rects", time.Since(start), len(svg), strings.Count(svg, "<rect"))
	s := tr.Summary()
	if s.GoroutinesCreated != 10000 {
		t.Errorf("GoroutinesCreated = %d, want 10000", s.GoroutinesCreated)
	}
	if len(svg) > 2<<20 {
		t.Errorf("SVG is %d bytes, want < 2 MB", len(svg))
	}
	lanes := max(tr.lanes, 1)
	if n, limit := strings.Count(svg, "<rect"), 2*lanes*900+200; n > limit {
		t.Errorf("%d rects, want at most %d", n, limit)
	}
	checkSVG(t, svg)
	writeSample(t, "tenk.svg", svg)
	start = time.Now()
	b := checkPNG(t, tr.Picture())
	t.Logf("picture and PNG %v, PNG %d bytes", time.Since(start), len(b))
}

// BenchmarkTenThousandGoroutines measures Load and SVG for a trace of
// 10,000 goroutines.
func BenchmarkTenThousandGoroutines(b *testing.B) {
	path := tenThousand(b)
	var svg string
	for b.Loop() {
		tr := load(b, path, Options{})
		svg = tr.SVG()
	}
	b.ReportMetric(float64(len(svg)), "svg-bytes")
}
