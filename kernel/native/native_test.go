package native

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

type recorder struct {
	mu             sync.Mutex
	stdout, stderr strings.Builder
	messages       int
}

func (r *recorder) Stream(name, text string, _ int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.messages++
	if name == "stdout" {
		r.stdout.WriteString(text)
	} else {
		r.stderr.WriteString(text)
	}
}
func (r *recorder) Display(map[string]any, map[string]any, string, bool) {}
func (r *recorder) Clear(bool)                                           {}
func (r *recorder) Input(string, bool) (string, error)                   { return "", nil }

func newRunner(t *testing.T) *Runner {
	r := New(t.Logf)
	t.Cleanup(func() { r.Close() })
	return r
}

var session = engine.Declarations{
	Imports: map[string]string{"strings": "strings", "display": "gocurrent/display"},
	Decls: []engine.Declaration{
		{Names: []string{"shout"}, Src: "func shout(s string) string {\n\treturn strings.ToUpper(s) + \"!\"\n}", Cell: 2, Line: 1},
		{Names: []string{"show"}, Src: "func show(s string) { display.HTML(s) }", Cell: 3, Line: 1},
		{Names: []string{"limit"}, Src: "const limit = 3", Cell: 3, Line: 2},
		{Names: []string{"usesX"}, Src: "func usesX() int { return x }", Cell: 4, Line: 1},
	},
	Vars: []string{"x"},
}

func runCell(t *testing.T, r *Runner, code string, opt Options) (engine.Result, *recorder) {
	t.Helper()
	out := &recorder{}
	res := r.Run(context.Background(), session, code, 7, opt, out)
	return res, out
}

func TestNativeCellUsesSessionDeclarations(t *testing.T) {
	r := newRunner(t)
	res, out := runCell(t, r, "for i := 0; i < limit; i++ {\n\tfmt.Println(shout(\"go\"), i)\n}\nruntime.NumCPU() > 0", Options{})
	if res.Err != nil {
		t.Fatalf("%s: %s\n%s", res.Err.Name, res.Err.Value, strings.Join(res.Err.Traceback, "\n"))
	}
	if got := out.stdout.String(); got != "GO! 0\nGO! 1\nGO! 2\ntrue\n" {
		t.Errorf("stdout = %q", got)
	}
	if res.Timing.Engine != "native" || res.Timing.BuildNS <= 0 || res.Timing.WallNS < res.Timing.BuildNS {
		t.Errorf("timing = %+v", res.Timing)
	}
	// Built again: the cache makes it quick (not asserted: shared machines).
	res, _ = runCell(t, r, "for i := 0; i < limit; i++ {\n\tfmt.Println(shout(\"go\"), i)\n}\nruntime.NumCPU() > 0", Options{})
	t.Logf("second build %v", time.Duration(res.Timing.BuildNS))
}

func TestNativeErrorsAreInCellLines(t *testing.T) {
	r := newRunner(t)
	res, _ := runCell(t, r, "a := 1\nb := \"x\" + a\nfmt.Println(b)", Options{})
	if res.Err == nil || res.Err.Name != "compile error" || !strings.Contains(res.Err.Value, "cell line 2:") {
		t.Fatalf("compile error = %+v", res.Err)
	}
	res, _ = runCell(t, r, "fmt.Println(usesX())", Options{})
	if res.Err == nil || !strings.Contains(res.Err.Value, "x is a variable the interpreter session computed") {
		t.Fatalf("session variable = %+v", res.Err)
	}
	res, _ = runCell(t, r, "s := []int{1}\ni := 3\nfmt.Println(s[i])", Options{})
	if res.Err == nil || res.Err.Name != "panic" || !strings.Contains(res.Err.Value, "index out of range") || !strings.Contains(res.Err.Value, "cell line 3") {
		t.Fatalf("panic = %+v", res.Err)
	}
	res, _ = runCell(t, r, "os.Exit(3)", Options{})
	if res.Err == nil || res.Err.Name != "exit" || !strings.Contains(res.Err.Value, "3") {
		t.Fatalf("exit = %+v", res.Err)
	}
}

func TestNativeRace(t *testing.T) {
	r := newRunner(t)
	code := "var wg sync.WaitGroup\ncount := 0\nfor i := 0; i < 2; i++ {\n\twg.Add(1)\n\tgo func() {\n\t\tdefer wg.Done()\n\t\tfor j := 0; j < 1000; j++ {\n\t\t\tcount++\n\t\t}\n\t}()\n}\nwg.Wait()\nfmt.Println(count > 0)"
	res, out := runCell(t, r, code, Options{Race: true})
	if res.Err == nil || res.Err.Name != "data race" || !strings.Contains(res.Err.Value, "cell line 8") {
		t.Fatalf("race = %+v\n%s", res.Err, out.stderr.String())
	}
	t.Log(strings.Join(res.Err.Traceback, "\n"))
}

func TestNativeProgramAndInterrupt(t *testing.T) {
	r := newRunner(t)
	res, out := runCell(t, r, "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"program\")\n}", Options{})
	if res.Err != nil || out.stdout.String() != "program\n" {
		t.Fatalf("program: %+v %q", res.Err, out.stdout.String())
	}
	go func() {
		time.Sleep(2 * time.Second)
		r.Interrupt()
	}()
	start := time.Now()
	res, _ = runCell(t, r, "for {\n}", Options{})
	if res.Err == nil || res.Err.Name != "interrupted" || time.Since(start) > 20*time.Second {
		t.Fatalf("interrupt: %+v after %v", res.Err, time.Since(start))
	}
}

func TestParseOptions(t *testing.T) {
	o, err := ParseOptions("-race -gomaxprocs 1 -- a b")
	if err != nil || !o.Race || o.GOMAXPROCS != 1 || strings.Join(o.Args, ",") != "a,b" {
		t.Fatalf("%+v %v", o, err)
	}
	if _, err := ParseOptions("-fast"); err == nil {
		t.Error("unknown flag accepted")
	}
}
