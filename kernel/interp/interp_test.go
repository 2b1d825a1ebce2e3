package interp

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/wire"
	"github.com/gocurrent/gocurrent/kernel/worker"
)

// TestMain lets the test binary serve as the worker executable.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == wire.WorkerCommand {
		if err := worker.Run(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// record is an engine.Output that keeps everything.
type record struct {
	mu       sync.Mutex
	stdout   strings.Builder
	stderr   strings.Builder
	displays []map[string]any
	order    []string
	inputs   []string
}

func (r *record) Stream(name, text string, from int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "stdout" {
		r.stdout.WriteString(text)
	} else {
		r.stderr.WriteString(text)
	}
	r.order = append(r.order, name+":"+text)
}

func (r *record) Display(data, metadata map[string]any, id string, update bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.displays = append(r.displays, data)
	r.order = append(r.order, fmt.Sprintf("display:%v:%s:%v", data["text/html"], id, update))
}

func (r *record) Clear(wait bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.order = append(r.order, "clear")
}

func (r *record) Input(prompt string, password bool) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.inputs = append(r.inputs, prompt)
	return "gopher", nil
}

func newEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := New(Options{Logf: t.Logf, InterruptGrace: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	if err := e.WaitReady(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestExecute(t *testing.T) {
	e := newEngine(t)
	tests := []struct {
		code       string
		stdout     string
		result     string
		errName    string
		errContain string
	}{
		{code: "6*7", result: "42"},
		{code: `fmt.Println("hello")`, stdout: "hello\n"},
		{code: "x := 5\nfunc double(n int) int { return 2 * n }\ndouble(x)", result: "10"},
		{code: "x", result: "5"},
		{code: "func double(n int) int { return 3 * n }\ndouble(x)", result: "15"},
		{code: `import "fmt"` + "\n" + `import "strings"` + "\nstrings.ToUpper(\"go\")", result: `"GO"`},
		{code: "strconv.Atoi(\"12\")", result: "12 <nil>"},
		{code: "type P struct{ A, B int }\nP{1, 2}", result: "{1 2}"},
		{code: "type P struct{ A, B int }", result: ""},
		{code: "type P struct{ A int }", errName: "redeclared type", errContain: "type P is already declared"},
		{code: "y := undefinedThing + 1", errName: "compile error", errContain: "cell line 1:6: undefined: undefinedThing"},
		{code: "func g() int {\n\treturn missing\n}", errName: "compile error", errContain: "cell line 2:9: undefined: missing"},
		{code: "q := P{A: 1, B: 2}\nq.A", result: "1"},
		{code: "a := 1\n\nb := a +", errName: "syntax error", errContain: "cell line 3:"},
		{code: "func f() {\n\tpanic(\"boom\")\n}\nf()", errName: "panic", errContain: "boom"},
		{code: "panic(\"direct\")", errName: "panic", errContain: "direct (cell line 1)"},
		{code: "os.Exit(3)", errName: "exit", errContain: "os.Exit(3)"},
		{code: "x + 1", result: "6"},
		{code: "var wg sync.WaitGroup\ntotal := int64(0)\nfor i := 0; i < 8; i++ {\n\twg.Add(1)\n\tgo func() { defer wg.Done(); atomic.AddInt64(&total, 1) }()\n}\nwg.Wait()\ntotal", result: "8"},
		{code: "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"program\") }", stdout: "program\n"},
		{code: "func useLater() int { return later * 2 }\nlater := 21\nuseLater()", result: "42"},
		{code: "type Bold struct{ s string }\nfunc (b Bold) HTML() string { return \"<b>\" + b.s + \"</b>\" }\nfunc (b Bold) String() string { return b.s }\nBold{\"x\"}", result: "{x}"},
		{code: "errors.New(\"bad\")", result: "bad"},
		{code: "func base() int { return 1 }\nfunc user() int { return base() + 10 }\nfunc top() int { return user() * 2 }\ntop()", result: "22"},
		{code: "func base() int { return 11 }\ntop()", result: "42"},
		{code: "zero := 0\n_ = 10 / zero", errName: "panic", errContain: "integer divide by zero"},
		{code: "_ = \"blank\"\n_ = 3\nx", result: "5"},
		{code: "var np *int\n*np", errName: "panic", errContain: "nil pointer dereference (cell line 2)"},
		{code: "x := 1; undefinedX", errName: "compile error", errContain: "cell line 1:9: undefined: undefinedX"},
		{code: "type Temp float64\nfunc (t Temp) String() string { return fmt.Sprintf(\"%.1f C\", float64(t)) }\nTemp(21.5)", result: "21.5 C"},
		{code: "func() {\n\tfmt.Println(\"iife\")\n}()\nfmt.Println(\"after\")", stdout: "iife\nafter\n"},
		{code: "func() {\n\tfmt.Println(\"last\")\n}()", stdout: "last\n"},
		{code: "func() int { return 7 }()", result: "7"},
		{code: "defer fmt.Println(\"deferred\")\nfmt.Println(\"body\")", stdout: "body\ndeferred\n"},
		{code: "1 + 1", result: "2"},
		{code: "x", result: "5"},
	}
	for n, tt := range tests {
		var r record
		res := e.Execute(context.Background(), tt.code, n+1, &r)
		if tt.errName != "" {
			if res.Err == nil || res.Err.Name != tt.errName || !strings.Contains(res.Err.Value, tt.errContain) {
				t.Errorf("%q: error = %+v, want %s containing %q", tt.code, res.Err, tt.errName, tt.errContain)
			}
			continue
		}
		if res.Err != nil {
			t.Errorf("%q: unexpected error %+v (stderr %q)", tt.code, res.Err, r.stderr.String())
			continue
		}
		if got := r.stdout.String(); got != tt.stdout {
			t.Errorf("%q: stdout = %q, want %q", tt.code, got, tt.stdout)
		}
		got := ""
		if res.Data != nil {
			got, _ = res.Data["text/plain"].(string)
		}
		if got != tt.result {
			t.Errorf("%q: result = %q, want %q", tt.code, got, tt.result)
		}
	}
}

func TestOrderAndDisplay(t *testing.T) {
	e := newEngine(t)
	var r record
	res := e.Execute(context.Background(), "fmt.Println(\"before\")\ndisplay.HTML(\"<b>x</b>\")\nfmt.Println(\"after\")\nh := display.ID(\"p\")\nh.HTML(\"1\")\nh.HTML(\"2\")", 1, &r)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := []string{"stdout:before\n", "display:<b>x</b>::false", "stdout:after\n", "display:1:p:false", "display:2:p:true"}
	if fmt.Sprint(r.order) != fmt.Sprint(want) {
		t.Errorf("order = %q, want %q", r.order, want)
	}
}

func TestLateOutputIsMarked(t *testing.T) {
	e := newEngine(t)
	var r record
	res := e.Execute(context.Background(), "go func() {\n\ttime.Sleep(300 * time.Millisecond)\n\tfmt.Println(\"late\")\n}()", 1, &r)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var next record
	res = e.Execute(context.Background(), "time.Sleep(time.Second)\nfmt.Println(\"own\")", 2, &next)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := next.stdout.String(); got != "[from cell 1] late\nown\n" {
		t.Errorf("stdout of the next cell = %q", got)
	}
}

func TestInput(t *testing.T) {
	e := newEngine(t)
	var r record
	res := e.Execute(context.Background(), "var name string\nfmt.Print(\"name? \")\nfmt.Scanln(&name)\nfmt.Println(\"hi\", name)", 1, &r)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(r.inputs) != 1 || r.stdout.String() != "name? hi gopher\n" {
		t.Errorf("inputs %q, stdout %q", r.inputs, r.stdout.String())
	}
}

func TestInterruptKeepsSession(t *testing.T) {
	e := newEngine(t)
	var r record
	e.Execute(context.Background(), "kept := 41", 1, &r)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		time.Sleep(300 * time.Millisecond)
		cancel()
	}()
	res := e.Execute(ctx, "n := 0\nfor {\n\tn++\n}", 2, &r)
	if res.Err == nil || res.Err.Name != "interrupted" || strings.Contains(res.Err.Value, "lost") {
		t.Fatalf("interrupt result = %+v", res.Err)
	}
	res = e.Execute(context.Background(), "kept + 1", 3, &r)
	if res.Err != nil || res.Data["text/plain"] != "42" {
		t.Fatalf("after interrupt: %+v %v", res.Err, res.Data)
	}
}

func TestWorkerDeath(t *testing.T) {
	e := newEngine(t)
	var r record
	e.Execute(context.Background(), "lost := 1", 1, &r)
	res := e.Execute(context.Background(), "m := map[int]int{}\nfor i := 0; i < 4; i++ {\n\tgo func() { for j := 0; ; j++ { m[j] = j } }()\n}\ntime.Sleep(5 * time.Second)", 2, &r)
	if res.Err == nil || res.Err.Name != "fatal error" || !strings.Contains(res.Err.Value, "concurrent map") || !strings.Contains(res.Err.Value, "values were lost") {
		t.Fatalf("death result = %+v", res.Err)
	}
	// A goroutine started by library code is not supervised: its panic
	// ends the worker, as it would end a Go program.
	res = e.Execute(context.Background(), "time.AfterFunc(0, func() { panic(\"in goroutine\") })\ntime.Sleep(time.Second)", 3, &r)
	if res.Err == nil || res.Err.Name != "panic in goroutine" || !strings.Contains(res.Err.Value, "in goroutine") {
		t.Fatalf("goroutine panic result = %+v", res.Err)
	}
	res = e.Execute(context.Background(), "1 + 1", 4, &r)
	if res.Err != nil || res.Data["text/plain"] != "2" {
		t.Fatalf("after restart: %+v %v", res.Err, res.Data)
	}
}

func TestComplete(t *testing.T) {
	e := newEngine(t)
	var r record
	e.Execute(context.Background(), "myVariable := 1", 1, &r)
	c := e.Complete("myVa", 4)
	if len(c.Matches) != 1 || c.Matches[0] != "myVariable" || c.Start != 0 || c.End != 4 {
		t.Errorf("complete = %+v", c)
	}
	c = e.Complete("s := \"é\"; strings.ToUp", 22)
	if len(c.Matches) != 2 || c.Matches[0] != "ToUpper" || c.Start != 18 || c.End != 22 {
		t.Errorf("complete package member = %+v", c)
	}
	e.Execute(context.Background(), "var sb strings.Builder", 2, &r)
	c = e.Complete("sb.Wr", 5)
	if len(c.Matches) < 3 || c.Matches[0] != "Write" || c.Start != 3 {
		t.Errorf("complete methods of a session value = %+v", c)
	}
	in := e.Inspect("myVariable", 3, 0)
	if !in.Found || !strings.Contains(in.Text, "int") {
		t.Errorf("inspect = %+v", in)
	}
}

// TestWaitGroupPatternStress runs the most common goroutine pattern, a
// WaitGroup and goroutines calling interpreted functions, many times in one
// worker. A race in yaegi's function lookup was reported to crash v0.16.1
// on this pattern; go.mod pins v0.16.0, and this test is the guard for any
// version change.
func TestWaitGroupPatternStress(t *testing.T) {
	e := newEngine(t)
	code := `var wg sync.WaitGroup
var mu sync.Mutex
count := 0
func square(n int) int { return n * n }
func add(n int) {
	mu.Lock()
	defer mu.Unlock()
	count += n
}
for i := 0; i < 200; i++ {
	wg.Add(1)
	go func(n int) {
		defer wg.Done()
		add(square(n) - square(n) + 1)
	}(i)
}
wg.Wait()
count`
	for run := 1; run <= 40; run++ {
		var r record
		res := e.Execute(context.Background(), code, run, &r)
		if res.Err != nil || res.Data["text/plain"] != "200" {
			t.Fatalf("run %d: %+v %v", run, res.Err, res.Data)
		}
	}
}

func TestCursorOutsideTheCode(t *testing.T) {
	e := newEngine(t)
	pid := e.w.cmd.Process.Pid
	for _, c := range []int{-5, 0, 3, 1000} {
		e.Complete("fmt", c)
		e.Inspect("fmt", c, 0)
	}
	var r record
	if res := e.Execute(context.Background(), "1 + 1", 1, &r); res.Err != nil || res.Data["text/plain"] != "2" {
		t.Fatalf("after odd cursors: %+v", res)
	}
	if e.w.cmd.Process.Pid != pid {
		t.Error("the worker was restarted")
	}
}
