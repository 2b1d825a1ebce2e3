package gotrace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests check that the built-in reader and the `go tool trace` text
// path make the same Trace of a trace, and that Load falls back on the text
// path for traces the built-in reader cannot read.

// dumpOf runs `go tool trace -d=parsed` on the trace file at path and
// returns what it prints on stdout and stderr.
func dumpOf(tb testing.TB, path string) (stdout []byte, stderr string) {
	tb.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "trace", "-d=parsed", abs)
	toolEnv(cmd)
	var eb bytes.Buffer
	cmd.Stderr = &eb
	out, _ := cmd.Output()
	return out, strings.TrimSpace(eb.String())
}

// readFile reads the trace file at path with the built-in reader.
func readFile(tb testing.TB, path string, opt Options) (*Trace, error) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	return read(context.Background(), f, opt)
}

// sameTrace fails unless a and b are equal in everything the analysis made
// of them and in what they show.
func sameTrace(tb testing.TB, a, b *Trace) {
	tb.Helper()
	if a.t0 != b.t0 || a.t1 != b.t1 || a.procs != b.procs || a.lanes != b.lanes {
		tb.Errorf("window and Ps differ: [%d, %d] %d Ps %d lanes vs [%d, %d] %d Ps %d lanes",
			a.t0, a.t1, a.procs, a.lanes, b.t0, b.t1, b.procs, b.lanes)
	}
	if !reflect.DeepEqual(a.gs, b.gs) {
		for i := range min(len(a.gs), len(b.gs)) {
			if !reflect.DeepEqual(a.gs[i], b.gs[i]) {
				tb.Errorf("goroutine %d differs:\n%+v\n%+v", i, a.gs[i], b.gs[i])
				break
			}
		}
		tb.Errorf("goroutines differ (%d vs %d)", len(a.gs), len(b.gs))
	}
	if !reflect.DeepEqual(a.segs, b.segs) {
		tb.Errorf("segments differ (%d vs %d)", len(a.segs), len(b.segs))
	}
	if !reflect.DeepEqual(a.reasons, b.reasons) {
		tb.Errorf("reasons differ: %q vs %q", a.reasons, b.reasons)
	}
	// Spans still open at the end come out in map order.
	bySpan := func(x, y span) int { return strings.Compare(spanKey(x), spanKey(y)) }
	as, bs := slices.SortedFunc(slices.Values(a.spans), bySpan), slices.SortedFunc(slices.Values(b.spans), bySpan)
	if !reflect.DeepEqual(as, bs) {
		tb.Errorf("spans differ:\n%+v\n%+v", as, bs)
	}
	if !reflect.DeepEqual(a.groups, b.groups) {
		tb.Errorf("groups differ:\n%+v\n%+v", a.groups, b.groups)
	}
	aj, _ := json.Marshal(a.Summary())
	bj, _ := json.Marshal(b.Summary())
	if !bytes.Equal(aj, bj) {
		tb.Errorf("summaries differ:\n%s\n%s", aj, bj)
	}
	if at, bt := a.Text(), b.Text(); at != bt {
		tb.Errorf("texts differ:\n%s\n%s", at, bt)
	}
	if len(as) <= 1 && a.SVG() != b.SVG() {
		tb.Error("pictures differ")
	}
}

func spanKey(s span) string {
	return s.name + "\x00" + strings.Repeat(" ", 20-len(itoa(int(s.start)))) + itoa(int(s.start))
}

// busyTrace records goroutines that spin, wait on channels, a mutex and
// timers, make system calls and collect garbage.
func busyTrace(tb testing.TB) string {
	dir := tb.TempDir()
	return record(tb, func() {
		var wg sync.WaitGroup
		var mu sync.Mutex
		ch := make(chan []byte)
		for i := range 6 {
			wg.Go(func() {
				mu.Lock()
				spin(time.Millisecond)
				mu.Unlock()
				b := <-ch
				name := filepath.Join(dir, itoa(i))
				for range 20 {
					_ = os.WriteFile(name, b, 0o644)
				}
				time.Sleep(2 * time.Millisecond)
			})
		}
		for range 6 {
			b := make([]byte, 1<<20)
			ch <- b
		}
		runtime.GC()
		wg.Wait()
	})
}

func TestReadersAgree(t *testing.T) {
	requireGo(t)
	main := goid()
	for name, c := range map[string]struct {
		path string
		opt  Options
	}{
		"busy":               {busyTrace(t), Options{}},
		"busy with Main":     {busyTrace(t), Options{Main: main, Names: map[uint64]string{}}},
		"generations.trace":  {"testdata/generations.trace", Options{CellFile: "cell", Main: 1}},
		"generations, Names": {"testdata/generations.trace", Options{Names: map[uint64]string{8: "cell line 6: go worker(ch, &wg)"}, Width: 500}},
	} {
		t.Run(name, func(t *testing.T) {
			a, err := readFile(t, c.path, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			dump, msg := dumpOf(t, c.path)
			b, err := ParseDump(bytes.NewReader(dump), c.opt)
			if err != nil {
				t.Fatalf("%v (%s)", err, msg)
			}
			sameTrace(t, a, b)
			if a.sum.GoroutinesCreated == 0 {
				t.Errorf("no goroutines created:\n%s", a.Text())
			}
			if strings.HasPrefix(name, "busy") && (len(a.spans) == 0 || a.sum.SyscallNS == 0 || a.sum.BlockedBy["sync"] == 0) {
				t.Errorf("the trace has no GC, system calls or mutex waits:\n%s", a.Text())
			}
		})
	}
}

// TestGenerationsFixture checks what the committed trace says: the cell
// (file "cell", main goroutine) starts two workers at cell line 6; one
// runs at once, the other after the cell slept 1.1 s.
func TestGenerationsFixture(t *testing.T) {
	tr, err := readFile(t, "testdata/generations.trace", Options{CellFile: "cell", Main: 1})
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Summary()
	if s.Procs != 2 || s.GoroutinesCreated != 2 || s.DurationNS < int64(1100*time.Millisecond) {
		t.Errorf("summary %+v", s)
	}
	w, ok := findGroup(s, "main.worker @ cell line 6")
	if !ok || w.Count != 2 || w.RunningNS < int64(2*time.Millisecond) || w.BlockedNS < int64(1100*time.Millisecond) {
		t.Errorf("workers %+v in %+v", w, s.Goroutines)
	}
	if s.BlockedBy["sleep"] < int64(1100*time.Millisecond) {
		t.Errorf("BlockedBy = %v, want the cell's 1.1 s sleep", s.BlockedBy)
	}
	checkSVG(t, tr.SVG())
}

// cutFixture writes the first n bytes of the committed trace to a file.
func cutFixture(t *testing.T, n int) string {
	t.Helper()
	b, err := os.ReadFile("testdata/generations.trace")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.trace")
	if err := os.WriteFile(path, b[:n], 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReadIncomplete cuts the committed trace inside its second
// generation: both readers give the first generation and say the trace is
// incomplete.
func TestReadIncomplete(t *testing.T) {
	requireGo(t)
	path := cutFixture(t, 4000)
	opt := Options{CellFile: "cell", Main: 1}
	a, err := readFile(t, path, opt)
	if !errors.Is(err, ErrIncomplete) || a == nil {
		t.Fatalf("read = %v, %v; want a trace and ErrIncomplete", a, err)
	}
	b, err := loadWithTool(context.Background(), path, opt)
	if !errors.Is(err, ErrIncomplete) || b == nil {
		t.Fatalf("go tool trace: %v, %v; want a trace and ErrIncomplete", b, err)
	}
	sameTrace(t, a, b)
	if a.incomplete != b.incomplete {
		t.Errorf("incomplete: %q vs %q", a.incomplete, b.incomplete)
	}
	tr, err := Load(context.Background(), path, opt)
	if !errors.Is(err, ErrIncomplete) || tr == nil {
		t.Fatalf("Load = %v, %v; want a trace and ErrIncomplete", tr, err)
	}
	if s := tr.Summary(); s.GoroutinesCreated != 2 {
		t.Errorf("GoroutinesCreated = %d, want 2", s.GoroutinesCreated)
	}
	if !strings.Contains(tr.Text(), "incomplete") || !strings.Contains(tr.SVG(), "Incomplete trace") {
		t.Errorf("the trace does not say it is incomplete:\n%s", tr.Text())
	}

	// Cut inside the first generation, neither reader has anything to
	// show.
	if tr, err := Load(context.Background(), cutFixture(t, 3000), opt); err == nil || tr != nil {
		t.Errorf("Load of a trace cut in its first generation = %v, %v; want an error", tr, err)
	} else {
		t.Log(err)
	}
}

// TestLoadFallback gives Load a trace in a format the built-in reader does
// not know and a stand-in go command that prints a dump for it, as a newer
// toolchain's `go tool trace` would.
func TestLoadFallback(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in go command is a shell script")
	}
	dir := t.TempDir()
	b, err := os.ReadFile("testdata/generations.trace")
	if err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "newer.trace")
	if err := os.WriteFile(newer, bytes.Replace(b, []byte("go 1.26 trace"), []byte("go 1.99 trace"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readFile(t, newer, Options{}); !errors.Is(err, errUnreadable) {
		t.Fatalf("read of a go 1.99 trace: %v, want errUnreadable", err)
	}
	sample, err := filepath.Abs("testdata/sample.dump")
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, "fakego")
	script := "#!/bin/sh\n" +
		"if [ \"$1 $2\" = \"tool -n\" ]; then exit 1; fi\n" +
		"cat '" + sample + "'\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	opt := Options{CellFile: "cell", Main: 1}
	want, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	wantTr, err := ParseDump(bytes.NewReader(want), opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Go = fake
	tr, err := Load(context.Background(), newer, opt)
	if err != nil {
		t.Fatal(err)
	}
	sameTrace(t, tr, wantTr)

	// Without a go command the error says what the built-in reader could
	// not read and what to install.
	opt.Go = filepath.Join(dir, "no-such-go")
	_, err = Load(context.Background(), newer, opt)
	if err == nil || !strings.Contains(err.Error(), "install") || !strings.Contains(err.Error(), "go 1.99") {
		t.Errorf("Load without a go command: err = %v, want one naming the version and what to install", err)
	}
}
