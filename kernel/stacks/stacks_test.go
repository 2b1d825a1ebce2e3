package stacks

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashFixture is the report of a program that died of concurrent map
// writes, with GOTRACEBACK=all.
const crashFixture = `fatal error: concurrent map writes

goroutine 23 [running]:
internal/runtime/maps.fatal({0x510c32?, 0x0?})
	/usr/local/go/src/runtime/panic.go:1181 +0x18
main.main.func4()
	/tmp/dump.go:32 +0x2d
created by main.main in goroutine 1
	/tmp/dump.go:32 +0x2c7

goroutine 1 [sleep]:
time.Sleep(0x3b9aca00)
	/usr/local/go/src/runtime/time.go:363 +0x165
main.main()
	/tmp/dump.go:34 +0x31e

goroutine 20 [sync.Mutex.Lock, 2 minutes]:
internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:95 +0x25
internal/sync.(*Mutex).Lock(...)
	/usr/local/go/src/internal/sync/mutex.go:70
sync.(*Mutex).Lock(...)
	/usr/local/go/src/sync/mutex.go:46
main.main.func2()
	/tmp/dump.go:20 +0x2d
created by main.main in goroutine 1
	/tmp/dump.go:20 +0x17b

goroutine 22 [runnable]:
main.main.func4()
	/tmp/dump.go:32
created by main.main in goroutine 1
	/tmp/dump.go:32 +0x2c7
exit status 2
`

// recoveredFixture is the report of a panic raised again by the function
// that recovered it.
const recoveredFixture = `panic: boom [recovered]
	panic: again: boom

goroutine 1 [running]:
main.main.func1()
	/tmp/rec/main.go:8 +0x66
panic({0x4a84a0?, 0x4cdf58?})
	/usr/local/go/src/runtime/panic.go:860 +0x13a
main.main()
	/tmp/rec/main.go:11 +0x3e
exit status 2
`

// signalFixture is the report of a nil dereference, with the
// scheduler's stack and a goroutine header in the form of
// GOTRACEBACK=system and labels (GODEBUG=tracebacklabels=1).
const signalFixture = `panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f0a4]

runtime stack:
runtime.throw({0x4b0a2e?, 0x0?})
	/usr/local/go/src/runtime/panic.go:1094 +0x48

goroutine 7 gp=0xc000007a40 m=3 mp=0xc000080008 [running, locked to thread labels:{"cell": "3", "odd": "a\"]:b"}]:
main.f(...)
	/tmp/x.go:9
main.main.func1()
	/tmp/x.go:14 +0x24
...additional frames elided...
created by main.main in goroutine 1
	/tmp/x.go:13 +0x1e
`

func TestParseFixtures(t *testing.T) {
	r := ParseReport(crashFixture)
	if want := []string{"fatal error: concurrent map writes"}; !slices.Equal(r.Messages, want) {
		t.Errorf("messages = %q, want %q", r.Messages, want)
	}
	want := []Goroutine{
		{ID: 23, Status: "running", State: "running", CreatedBy: "main.main", Creator: 1, Frames: []Frame{
			{"internal/runtime/maps.fatal", "/usr/local/go/src/runtime/panic.go", 1181, 0x18},
			{"main.main.func4", "/tmp/dump.go", 32, 0x2d},
		}},
		{ID: 1, Status: "sleep", State: "sleep", Frames: []Frame{
			{"time.Sleep", "/usr/local/go/src/runtime/time.go", 363, 0x165},
			{"main.main", "/tmp/dump.go", 34, 0x31e},
		}},
		{ID: 20, Status: "sync.Mutex.Lock, 2 minutes", State: "sync.Mutex.Lock", Minutes: 2, CreatedBy: "main.main", Creator: 1, Frames: []Frame{
			{"internal/sync.runtime_SemacquireMutex", "/usr/local/go/src/runtime/sema.go", 95, 0x25},
			{"internal/sync.(*Mutex).Lock", "/usr/local/go/src/internal/sync/mutex.go", 70, 0},
			{"sync.(*Mutex).Lock", "/usr/local/go/src/sync/mutex.go", 46, 0},
			{"main.main.func2", "/tmp/dump.go", 20, 0x2d},
		}},
		{ID: 22, Status: "runnable", State: "runnable", CreatedBy: "main.main", Creator: 1, Frames: []Frame{
			{"main.main.func4", "/tmp/dump.go", 32, 0},
		}},
	}
	if !reflect.DeepEqual(r.Goroutines, want) {
		t.Errorf("goroutines:\n%+v\nwant\n%+v", r.Goroutines, want)
	}

	r = ParseReport(recoveredFixture)
	if want := []string{"panic: boom [recovered]"}; !slices.Equal(r.Messages, want) {
		t.Errorf("messages = %q, want %q", r.Messages, want)
	}
	if len(r.Goroutines) != 1 || !slices.Equal(r.Goroutines[0].Funcs(), []string{"main.main.func1", "panic", "main.main"}) {
		t.Errorf("recovered panic: %+v", r.Goroutines)
	}

	r = ParseReport(signalFixture)
	if want := []string{
		"panic: runtime error: invalid memory address or nil pointer dereference",
		"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x48f0a4]",
	}; !slices.Equal(r.Messages, want) {
		t.Errorf("messages = %q, want %q", r.Messages, want)
	}
	if len(r.Goroutines) != 1 {
		t.Fatalf("signal: %+v", r.Goroutines)
	}
	g := r.Goroutines[0]
	if g.ID != 7 || g.Status != "running, locked to thread" || g.State != "running" || !g.Elided || g.Creator != 1 ||
		!reflect.DeepEqual(g.Labels, map[string]string{"cell": "3", "odd": "a\"]:b"}) ||
		!slices.Equal(g.Funcs(), []string{"main.f", "main.main.func1"}) || g.Frames[0].Line != 9 {
		t.Errorf("signal: %+v", g)
	}
}

func TestCut(t *testing.T) {
	gs := Parse([]byte(crashFixture[:strings.Index(crashFixture, "main.main.func2()")+8]))
	if len(gs) != 3 || gs[0].Cut || !gs[2].Cut {
		t.Errorf("cut dump: %+v", gs)
	}
	if gs := Parse([]byte(crashFixture)); gs[len(gs)-1].Cut {
		t.Errorf("whole dump taken for cut")
	}
}

func TestIsRuntimeMessage(t *testing.T) {
	for line, want := range map[string]bool{
		"fatal error: concurrent map writes":          true,
		"panic: boom [recovered]":                     true,
		"runtime: out of memory: cannot allocate":     true,
		"[signal SIGSEGV: segmentation violation]":    true,
		"SIGQUIT: quit":                               true,
		"SIG: x":                                      false,
		"unexpected fault address 0x0":                true,
		"\tpanic: again":                              false,
		"goroutine 1 [running]:":                      false,
		"==================":                          false,
		"WARNING: DATA RACE":                          false,
		"Sigh: no":                                    false,
		"SIGSEGV segmentation violation (no colon)":   false,
		"main.main()":                                 false,
		"created by main.main in goroutine 1":         false,
		"exit status 2":                               false,
		"runtime stack:":                              true,
		"panic({0x4a84a0?, 0x4cdf58?})":               true,
		"fatal error: all goroutines are asleep - de": true,
	} {
		if got := IsRuntimeMessage(line); got != want {
			t.Errorf("IsRuntimeMessage(%q) = %v", line, got)
		}
	}
}

func TestIDs(t *testing.T) {
	buf := make([]byte, 4096)
	n := runtime.Stack(buf, false)
	if id, ok := ID(buf[:n]); !ok || id <= 0 {
		t.Errorf("ID = %d, %v", id, ok)
	}
	if _, ok := ID([]byte("no goroutine")); ok {
		t.Errorf("ID of no header")
	}
	ch := make(chan int64)
	parent, _ := ID(buf[:n])
	go func() {
		b := make([]byte, 4096)
		id, _ := CreatorID(b[:runtime.Stack(b, false)])
		ch <- id
	}()
	if got := <-ch; got != parent {
		t.Errorf("CreatorID = %d, want %d", got, parent)
	}
	for in, want := range map[string]string{
		"\t/tmp/x.go:3 +0x1d": "\t/tmp/x.go:3",
		"cell line 5 +0x3c":   "cell line 5",
		"\t/tmp/x.go:3":       "\t/tmp/x.go:3",
		"a +0x":               "a +0x",
		"a +0xzz":             "a +0xzz",
	} {
		if got := TrimOffset(in); got != want {
			t.Errorf("TrimOffset(%q) = %q, want %q", in, got, want)
		}
	}
}

// blockedGoroutines starts goroutines blocked in known states, labelled
// with label; stop ends them.
func blockedGoroutines(label string) (stop func()) {
	var mu sync.Mutex
	locked := 0
	mu.Lock()
	ch := make(chan int)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(3)
	// pprof.Do gives the goroutines it starts its labels, and takes them
	// back from the calling one.
	pprof.Do(context.Background(), pprof.Labels("test", label), func(context.Context) {
		go func() { defer wg.Done(); <-ch }()
		go func() {
			defer wg.Done()
			mu.Lock() // blocks until stop unlocks mu
			locked++
			mu.Unlock()
		}()
		go func() {
			defer wg.Done()
			select {
			case <-done:
			case <-ch:
			}
		}()
	})
	// Wait until all three are parked.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, g := range Parse(All()) {
			if slices.ContainsFunc(g.Funcs(), func(f string) bool { return strings.Contains(f, "blockedGoroutines.func") }) &&
				g.State != "running" && g.State != "runnable" {
				n++
			}
		}
		if n == 3 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return func() {
		close(done)
		close(ch)
		mu.Unlock()
		wg.Wait()
	}
}

func TestParseLiveDump(t *testing.T) {
	stop := blockedGoroutines("live")
	defer stop()
	self, _ := ID(All())
	states := map[string]bool{}
	var sawSelf bool
	for _, g := range Parse(All()) {
		if g.ID == self {
			sawSelf = true
			if g.State != "running" || len(g.Frames) == 0 || !strings.HasSuffix(g.Frames[0].Func, ".AllInto") {
				t.Errorf("self: %+v", g)
			}
			continue
		}
		if !slices.ContainsFunc(g.Funcs(), func(f string) bool { return strings.Contains(f, "blockedGoroutines.func") }) {
			continue
		}
		states[g.State] = true
		if g.CreatedBy == "" || g.Creator != self || g.Cut {
			t.Errorf("goroutine %d: created by %q in %d, cut %v", g.ID, g.CreatedBy, g.Creator, g.Cut)
		}
		for _, f := range g.Frames {
			if f.Func == "" || f.File == "" || f.Line <= 0 {
				t.Errorf("goroutine %d: frame %+v", g.ID, f)
			}
		}
	}
	if !sawSelf {
		t.Errorf("the dumping goroutine %d is missing", self)
	}
	for _, s := range []string{"chan receive", "sync.Mutex.Lock", "select"} {
		if !states[s] {
			t.Errorf("no goroutine in state %q: %v", s, states)
		}
	}
}

func TestParseLiveProfile(t *testing.T) {
	stop := blockedGoroutines("profiled")
	defer stop()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range ParseProfile(buf.String()) {
		if r.Count <= 0 || len(r.Frames) == 0 {
			t.Errorf("record %+v", r)
		}
		if r.Labels["test"] != "profiled" {
			continue
		}
		n += r.Count
		for _, f := range r.Frames {
			if f.Func == "" || f.File == "" || f.Line <= 0 || strings.Contains(f.Func, "+0x") {
				t.Errorf("frame %+v of %q", f, buf.String())
			}
		}
		if !slices.ContainsFunc(r.Funcs(), func(f string) bool { return strings.Contains(f, "blockedGoroutines.func") }) {
			t.Errorf("labelled record %+v", r)
		}
	}
	if n != 3 {
		t.Errorf("%d labelled goroutines in\n%s", n, buf.String())
	}
}

func TestParseProfileFixture(t *testing.T) {
	const profile = `goroutine profile: total 3
2 @ 0x47d96e 0x4158ee 0x415432 0x4dcbb9 0x483e81
# labels: {"cell":"3", "site":"0"}
#	0x4dcbb8	main.main.func1+0x18	/tmp/my dir/dump.go:19

1 @ 0x47d96e 0x45f146 0x4dcbef 0x483e81
#	0x4dcbee	main.main.func3+0xe	/tmp/dump.go:21
#	0x4dcb6e	main.main+0x2e		/tmp/dump.go:25
`
	want := []Record{
		{Count: 2, Labels: map[string]string{"cell": "3", "site": "0"}, Frames: []Frame{{"main.main.func1", "/tmp/my dir/dump.go", 19, 0x18}}},
		{Count: 1, Labels: map[string]string{}, Frames: []Frame{{"main.main.func3", "/tmp/dump.go", 21, 0xe}, {"main.main", "/tmp/dump.go", 25, 0x2e}}},
	}
	if got := ParseProfile(profile); !reflect.DeepEqual(got, want) {
		t.Errorf("ParseProfile:\n%+v\nwant\n%+v", got, want)
	}
}

// TestParseLiveCrash parses the report of a program (this test, run
// again) that dies of concurrent map writes.
func TestParseLiveCrash(t *testing.T) {
	if os.Getenv("STACKS_TEST_CRASH") == "1" {
		m := map[int]int{}
		for range 4 {
			go func() {
				for j := 0; ; j++ {
					m[j] = j
				}
			}()
		}
		time.Sleep(10 * time.Second)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestParseLiveCrash$")
	cmd.Env = append(os.Environ(), "STACKS_TEST_CRASH=1", "GOTRACEBACK=all")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the program did not die:\n%s", out)
	}
	r := ParseReport(string(out))
	if len(r.Messages) == 0 || r.Messages[0] != "fatal error: concurrent map writes" {
		t.Errorf("messages %q of\n%s", r.Messages, out)
	}
	if len(r.Goroutines) < 2 {
		t.Fatalf("goroutines %+v of\n%s", r.Goroutines, out)
	}
	first := r.Goroutines[0]
	if !strings.Contains(first.CreatedBy, "TestParseLiveCrash") || first.Creator == 0 ||
		!slices.ContainsFunc(first.Funcs(), func(f string) bool { return strings.Contains(f, "TestParseLiveCrash.func") }) {
		t.Errorf("failing goroutine %+v of\n%s", first, out)
	}
}

func TestAllIntoUsesTheBufferGiven(t *testing.T) {
	first := AllInto(nil)
	buf := first[:cap(first)]
	again := AllInto(first)
	if &again[:1][0] != &buf[0] {
		t.Error("AllInto allocated a new buffer although the one given was large enough")
	}
	if len(Parse(again)) == 0 {
		t.Error("no goroutines in the dump")
	}
	small := make([]byte, 100)
	if got := AllInto(small); !strings.HasSuffix(string(got), "\n") || len(Parse(got)) == 0 || Parse(got)[0].Cut {
		t.Errorf("a dump into a small buffer is cut: %q", got)
	}
}
