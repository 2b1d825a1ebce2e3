package interp

import (
	"context"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, e *Engine, count int, code string) (*record, string) {
	t.Helper()
	out := &record{}
	res := e.Execute(context.Background(), code, count, out)
	msg := ""
	if res.Err != nil {
		msg = res.Err.Name + ": " + res.Err.Value + "\n" + strings.Join(res.Err.Traceback, "\n")
	}
	return out, msg
}

func TestGoroutinePanicKeepsSession(t *testing.T) {
	e := newEngine(t)
	if _, msg := run(t, e, 1, "x := 41\nfunc worker(n int) {\n\tif n == 2 {\n\t\tpanic(\"boom\")\n\t}\n}"); msg != "" {
		t.Fatal(msg)
	}
	_, msg := run(t, e, 2, "import \"sync\"\nvar wg sync.WaitGroup\nfor i := 0; i < 3; i++ {\n\twg.Add(1)\n\tgo func(i int) {\n\t\tdefer wg.Done()\n\t\tworker(i)\n\t}(i)\n}\nwg.Wait()\nfmt.Println(\"not reached?\")")
	t.Log(msg)
	if !strings.Contains(msg, "boom") || !strings.Contains(msg, "cell line 5") {
		t.Errorf("error: %s", msg)
	}
	out, msg := run(t, e, 3, "x + 1")
	if msg != "" || out == nil {
		t.Fatalf("session lost: %s", msg)
	}
	_, msg = run(t, e, 4, "go worker(2)\ntime.Sleep(time.Second)")
	t.Log(msg)
	if !strings.Contains(msg, "boom") || !strings.Contains(msg, "go worker(2)") || !strings.Contains(msg, "in worker, which starts at cell 1, line 2") {
		t.Errorf("error: %s", msg)
	}
	_, msg = run(t, e, 5, "type S struct{}\nfunc (S) run(n int) { panic(n) }\nvar s S\ngo s.run(7)\ntime.Sleep(time.Second)")
	t.Log(msg)
	if !strings.Contains(msg, "panic: 7 (in run, which starts at cell line 2)") {
		t.Errorf("error: %s", msg)
	}
	_, msg = run(t, e, 6, "go func() { os.Exit(3) }()\ntime.Sleep(time.Second)")
	t.Log(msg)
	if !strings.Contains(msg, "os.Exit(3)") {
		t.Errorf("error: %s", msg)
	}
	out, msg = run(t, e, 7, "x")
	if msg != "" {
		t.Fatalf("session lost: %s", msg)
	}
	if res := e.Execute(context.Background(), "x", 8, out); res.Err != nil || res.Data["text/plain"] != "41" {
		t.Fatalf("session lost: %+v", res)
	}
}

// The worker makes the literal of a go statement in a cell's loop a
// function of the session when it uses no variable of the cell's
// statements (kernel/worker/golits.go): its panic is told as a literal's.
func TestGoLiteralMadeAFunctionPanicsAsALiteral(t *testing.T) {
	e := newEngine(t)
	panics := func(count int, use string) string {
		code := "done := make(chan bool)\nfor i := 0; i < 1; i++ {\n\tgo func() {\n\t\tdefer close(done)" + use + "\n\t\tvar m map[string]int\n\t\tm[\"a\"] = 1\n\t}()\n}\n<-done"
		_, msg := run(t, e, count, code)
		if msg == "" {
			t.Fatalf("cell %d: the goroutine did not panic", count)
		}
		return msg
	}
	made := panics(1, "")
	kept := panics(2, "; _ = i") // uses the loop's variable: stays a literal
	if made != kept {
		t.Errorf("the literal made a function:\n%s\nthe literal kept:\n%s", made, kept)
	}
	for _, want := range []string{"assignment to entry in nil map", "in the goroutine started at cell line 3: go func() { … }()", "   3 |     go func() {"} {
		if !strings.Contains(made, want) {
			t.Errorf("the error lacks %q:\n%s", want, made)
		}
	}
	if strings.Contains(made, "_gocurrent") {
		t.Errorf("the error shows the kernel's names:\n%s", made)
	}
}

func TestDeadlockIsReported(t *testing.T) {
	e := newEngine(t)
	run(t, e, 1, "kept := 5")
	cases := []struct{ code, want string }{
		{"var mu sync.Mutex\nmu.Lock()\nmu.Lock()", "the cell itself: blocked in sync.Mutex.Lock"},
		{"ch := make(chan int)\n<-ch", "the cell itself: blocked in a channel receive"},
		{"var wg sync.WaitGroup\nwg.Add(2)\ngo func() { wg.Done() }()\nwg.Wait()", "sync.WaitGroup.Wait"},
		{"ch := make(chan int)\nfor i := 0; i < 3; i++ {\n\tgo func() { ch <- i }()\n}\ntime.Sleep(100 * time.Millisecond)\nselect {}", "3 goroutines started at cell line 3"},
	}
	for i, c := range cases {
		start := time.Now()
		_, msg := run(t, e, i+2, c.code)
		t.Logf("%v: %s", time.Since(start), msg)
		if !strings.Contains(msg, "deadlock: all goroutines started by this cell are blocked") || !strings.Contains(msg, c.want) {
			t.Errorf("%q: %s", c.code, msg)
		}
	}
	// Waiting for a timer is not a deadlock.
	if _, msg := run(t, e, 10, "select {\ncase <-time.After(1500 * time.Millisecond):\n}"); msg != "" {
		t.Errorf("timer wait: %s", msg)
	}
	out, msg := run(t, e, 11, "%goroutines")
	_ = out
	t.Log(msg)
	text, err := e.Goroutines()
	t.Log(text, err)
	if !strings.Contains(text, "sync.Mutex.Lock") {
		t.Errorf("%%goroutines: %s", text)
	}
	res := e.Execute(context.Background(), "kept", 12, &record{})
	if res.Err != nil || res.Data["text/plain"] != "5" {
		t.Fatalf("session lost: %+v", res)
	}
}

func TestFatalErrorIsSummarized(t *testing.T) {
	e := newEngine(t)
	_, msg := run(t, e, 1, "m := map[int]int{}\nfor i := 0; i < 4; i++ {\n\tgo func() {\n\t\tfor j := 0; ; j++ {\n\t\t\tm[j] = j\n\t\t}\n\t}()\n}\ntime.Sleep(5 * time.Second)")
	t.Log(msg)
	if !strings.Contains(msg, "fatal error: concurrent map writes") || !strings.Contains(msg, "(started by a go statement of a cell): ") ||
		!strings.Contains(msg, "interpreted code") || strings.Contains(msg, "yaegi") {
		t.Errorf("crash report: %s", msg)
	}
}
