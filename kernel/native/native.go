package native

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/stacks"
)

// Runner builds and runs native cells for one session.
type Runner struct {
	logf func(string, ...any)

	mu      sync.Mutex
	dir     string            // the session's module directory
	goBin   string            // the go command
	std     map[string]string // standard package names
	running *exec.Cmd         // the program running now
	stopped bool              // it was interrupted
}

// New makes a Runner; nothing is created until the first native cell.
func New(logf func(string, ...any)) *Runner {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Runner{logf: logf}
}

// Options are the flags of %%native.
type Options struct {
	Race       bool
	GOMAXPROCS int
	Args       []string
}

// ParseOptions reads the arguments of %%native: [-race] [-gomaxprocs N]
// [-- ARGS].
func ParseOptions(args string) (Options, error) {
	var o Options
	fields := strings.Fields(args)
	for i, f := range fields {
		if f == "--" {
			o.Args = fields[i+1:]
			fields = fields[:i]
			break
		}
	}
	fs := flag.NewFlagSet("%%native", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&o.Race, "race", false, "build with the race detector")
	fs.IntVar(&o.GOMAXPROCS, "gomaxprocs", 0, "run with GOMAXPROCS=N")
	if err := fs.Parse(fields); err != nil {
		return o, fmt.Errorf("%%%%native: %v (usage: %%%%native [-race] [-gomaxprocs N] [-- ARGS])", err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%%%%native: unexpected %q (usage: %%%%native [-race] [-gomaxprocs N] [-- ARGS])", fs.Arg(0))
	}
	if o.GOMAXPROCS < 0 {
		return o, errors.New("%%native: -gomaxprocs must be at least 1")
	}
	return o, nil
}

// setup finds the toolchain and makes the module directory.
func (r *Runner) setup() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dir != "" {
		return nil
	}
	goBin, err := exec.LookPath("go")
	if env := os.Getenv("GOCURRENT_GO"); env != "" {
		// An explicit toolchain, and no other.
		goBin, err = env, nil
		if _, e := os.Stat(env); e != nil {
			err = e
		}
	} else if err != nil {
		for _, p := range []string{"/usr/local/go/bin/go", "/usr/lib/go/bin/go"} {
			if _, e := os.Stat(p); e == nil {
				goBin, err = p, nil
				break
			}
		}
	}
	if err != nil {
		return errors.New("native cells need the Go toolchain, and no `go` command was found (set GOCURRENT_GO to its path, or put it on PATH): install Go (https://go.dev/dl, or `apt-get install golang-go`) and make sure `go` is on the PATH of the kernel; interpreted cells keep working")
	}
	ver, err := exec.Command(goBin, "env", "GOVERSION").Output()
	if err != nil {
		return fmt.Errorf("run %s env GOVERSION: %w", goBin, err)
	}
	list, err := exec.Command(goBin, "list", "std").Output()
	if err != nil {
		return fmt.Errorf("run %s list std: %w", goBin, err)
	}
	dir, err := os.MkdirTemp("", "gocurrent-native-")
	if err != nil {
		return fmt.Errorf("make the native module directory: %w", err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(ver)), "go")
	if parts := strings.SplitN(v, ".", 3); len(parts) >= 2 {
		v = parts[0] + "." + parts[1]
	}
	mod := fmt.Sprintf("module gocurrentcell\n\ngo %s\n", v)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		return fmt.Errorf("write go.mod: %w", err)
	}
	r.dir, r.goBin, r.std = dir, goBin, stdPackages(string(list))
	return nil
}

// Close removes the module directory.
func (r *Runner) Close() error {
	r.Interrupt()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dir == "" {
		return nil
	}
	err := os.RemoveAll(r.dir)
	r.dir = ""
	return err
}

// Interrupt stops the running program and everything it started.
func (r *Runner) Interrupt() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running != nil && r.running.Process != nil {
		r.stopped = true
		_ = syscall.Kill(-r.running.Process.Pid, syscall.SIGKILL)
	}
}

// Run builds cell code (execution count count) with the session's
// declarations d and runs it, streaming its output to out.
func (r *Runner) Run(ctx context.Context, d engine.Declarations, code string, count int, opt Options, out engine.Output) engine.Result {
	start := time.Now()
	label := "native"
	if opt.Race {
		label = "native -race"
	}
	timing := engine.Timing{Engine: label, GOMAXPROCS: runtime.NumCPU()}
	if opt.GOMAXPROCS > 0 {
		timing.GOMAXPROCS = opt.GOMAXPROCS
	}
	fail := func(name, msg string) engine.Result {
		timing.WallNS = time.Since(start).Nanoseconds()
		return engine.Result{Err: &engine.Error{Name: name, Value: msg, Traceback: []string{red(name) + ": " + msg}}, Timing: timing}
	}
	if err := r.setup(); err != nil {
		return fail("native error", err.Error())
	}
	prog, err := assemble(d, code, count, r.stdPath, false)
	if err != nil {
		return fail(assembleError(err))
	}
	bin, buildNS, e := r.build(ctx, r.dir, prog, opt.Race, d, code, count)
	timing.BuildNS = buildNS
	if e != nil {
		timing.WallNS = time.Since(start).Nanoseconds()
		return engine.Result{Err: e, Timing: timing}
	}
	return r.run(ctx, bin, code, count, opt, nil, out, start, timing)
}

func (r *Runner) stdPath(name string) (string, bool) {
	p, ok := r.std[name]
	return p, ok
}

// assembleError names a failure to write a cell as a program.
func assembleError(err error) (name, msg string) {
	var ce *cell.Error
	if errors.As(err, &ce) {
		return "syntax error", fmt.Sprintf("cell line %d:%d: %s", ce.Line, ce.Col, ce.Msg)
	}
	return "native error", err.Error()
}

// build builds prog in module directory dir, or finds it built before, and
// returns the binary and how long that took.
//
// A program built before is run again as it is; others are built in the
// session's module, where the build cache keeps the compiled packages, so
// that only the cell's package is compiled and linked. The binary goes
// without symbol table and DWARF (stacks and race reports need neither),
// which makes linking faster.
func (r *Runner) build(ctx context.Context, dir string, prog program, race bool, d engine.Declarations, code string, count int) (string, int64, *engine.Error) {
	start := time.Now()
	sum := sha256.Sum256([]byte(fmt.Sprint(prog.src, race, dir)))
	bin := filepath.Join(r.dir, "cell-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(bin); err == nil {
		return bin, time.Since(start).Nanoseconds(), nil
	}
	fail := func(name, msg string) (string, int64, *engine.Error) {
		return "", time.Since(start).Nanoseconds(), &engine.Error{Name: name, Value: msg, Traceback: []string{red(name) + ": " + msg}}
	}
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(prog.src), 0o644); err != nil {
		return fail("native error", fmt.Sprintf("write the program: %v", err))
	}
	r.pruneBinaries()
	args := []string{"build", "-o", bin, "-ldflags=-s -w"}
	if race {
		args = append(args, "-race")
	}
	build := exec.CommandContext(ctx, r.goBin, append(args, ".")...)
	build.Dir = dir
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=-mod=mod", "GO111MODULE=on")
	// An interrupt stops the build at once: the go command and the
	// compilers and linker it runs, which lead no group of their own and
	// would otherwise keep the output pipe open until they finish.
	build.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	build.Cancel = func() error { return syscall.Kill(-build.Process.Pid, syscall.SIGKILL) }
	build.WaitDelay = time.Second
	buildOut, err := build.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			return fail("interrupted", "the build was stopped before the program ran; the session's values are kept")
		}
		return "", time.Since(start).Nanoseconds(), buildError(string(buildOut), code, count, d, prog.dropped)
	}
	return bin, time.Since(start).Nanoseconds(), nil
}

// keepBinaries is how many built cells are kept to run again.
const keepBinaries = 16

// pruneBinaries removes the oldest built cells beyond keepBinaries.
func (r *Runner) pruneBinaries() {
	matches, _ := filepath.Glob(filepath.Join(r.dir, "cell-*"))
	if len(matches) < keepBinaries {
		return
	}
	type file struct {
		path string
		mod  time.Time
	}
	var files []file
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil {
			files = append(files, file{m, st.ModTime()})
		}
	}
	slices.SortFunc(files, func(a, b file) int { return a.mod.Compare(b.mod) })
	for _, f := range files[:len(files)-keepBinaries+1] {
		_ = os.Remove(f.path)
	}
}

func (r *Runner) run(ctx context.Context, bin, code string, count int, opt Options, env []string, out engine.Output, start time.Time, timing engine.Timing) engine.Result {
	cmd := exec.Command(bin, opt.Args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), env...)
	if opt.GOMAXPROCS > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(opt.GOMAXPROCS))
	}
	// The program leads its own process group, which an interrupt kills;
	// Pdeathsig ends it when the kernel itself dies (killed with SIGKILL,
	// nothing else would). Pdeathsig fires when the OS thread that started
	// the program exits, which the Go runtime does only for goroutines that
	// lock their thread and end; the kernel has none.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Pipes of our own: exec.Cmd's StdoutPipe is closed by Wait as soon
	// as the program exits, which lost the output still in the pipe.
	stdout, stdoutW, err1 := os.Pipe()
	stderr, stderrW, err2 := os.Pipe()
	if err := errors.Join(err1, err2); err != nil {
		return engine.Result{Err: &engine.Error{Name: "native error", Value: err.Error()}, Timing: timing}
	}
	defer stdout.Close()
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	var errText strings.Builder // kept for the error: the race report, the panic
	var errMu sync.Mutex
	err := cmd.Start()
	stdoutW.Close() // the program has them now
	stderrW.Close()
	if err != nil {
		return engine.Result{Err: &engine.Error{Name: "native error", Value: fmt.Sprintf("start the program: %v", err)}, Timing: timing}
	}
	r.mu.Lock()
	r.running, r.stopped = cmd, false
	r.mu.Unlock()
	stop := context.AfterFunc(ctx, r.Interrupt)
	defer stop()
	var wg sync.WaitGroup
	wg.Add(2)
	// Positions in what the program writes on stderr (a panic's
	// stack) are given in the cell's words. With -race, stderr is held
	// back until the end: the race reports become the cell's error, and
	// the rest is shown then.
	errOut := engine.Output(mapped{out, count})
	var held *record
	if opt.Race {
		held = &record{}
		errOut = held
	}
	go func() { defer wg.Done(); stream(stdout, "stdout", out, nil, nil) }()
	go func() { defer wg.Done(); stream(stderr, "stderr", errOut, &errText, &errMu) }()
	// Output of children that keep the pipes open ends with the program.
	waitErr := cmd.Wait()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(500 * time.Millisecond):
	}
	r.mu.Lock()
	r.running = nil
	interrupted := r.stopped
	r.mu.Unlock()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // what it left behind
	select {
	case <-done: // the pipes' last bytes, now that nothing holds them open
	case <-time.After(200 * time.Millisecond):
	}
	if held != nil {
		if rest := withoutRaces(held.text.String()); strings.TrimSpace(rest) != "" {
			out.Stream("stderr", cellPositions(rest, count), 0)
		}
	}
	st := cmd.ProcessState
	timing.WallNS = time.Since(start).Nanoseconds()
	timing.UserNS = st.UserTime().Nanoseconds()
	timing.SysNS = st.SystemTime().Nanoseconds()
	res := engine.Result{Timing: timing}
	if interrupted {
		res.Err = &engine.Error{Name: "interrupted", Value: "the program was stopped; the session's values are kept",
			Traceback: []string{red("Interrupted") + ": the program was stopped; the session's values are kept"}}
		return res
	}
	if waitErr != nil {
		errMu.Lock()
		text := errText.String()
		errMu.Unlock()
		res.Err = runError(st, text, code, count)
	}
	return res
}

// stream copies a program's output to out, coalescing it into few
// messages (every 50 ms or 64 KiB) and never cutting a UTF-8 character;
// keep, if not nil, receives the last 64 KiB.
func stream(rd io.Reader, name string, out engine.Output, keep *strings.Builder, mu *sync.Mutex) {
	chunks := make(chan []byte, 16)
	go func() {
		defer close(chunks)
		buf := make([]byte, 32<<10)
		for {
			n, err := rd.Read(buf)
			if n > 0 {
				chunks <- append([]byte(nil), buf[:n]...)
			}
			if err != nil {
				return
			}
		}
	}()
	var pending []byte
	flush := func(all bool) {
		cut := len(pending)
		if !all {
			for k := 1; k <= 3 && k <= len(pending); k++ {
				if utf8.RuneStart(pending[len(pending)-k]) {
					if !utf8.FullRune(pending[len(pending)-k:]) {
						cut = len(pending) - k
					}
					break
				}
			}
		}
		if cut == 0 {
			return
		}
		out.Stream(name, string(pending[:cut]), 0)
		pending = append([]byte(nil), pending[cut:]...)
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case c, ok := <-chunks:
			if !ok {
				flush(true)
				return
			}
			if keep != nil {
				mu.Lock()
				keep.Write(c)
				if keep.Len() > 256<<10 {
					s := keep.String()
					keep.Reset()
					keep.WriteString(s[len(s)-(64<<10):])
				}
				mu.Unlock()
			}
			pending = append(pending, c...)
			if len(pending) >= 64<<10 {
				flush(false)
			}
		case <-tick.C:
			flush(false)
		}
	}
}

// cellPosRE matches a position in a cell, as //line directives name it.
var cellPosRE = regexp.MustCompile(`\bcell(\d*):(\d+)(?::(\d+))?`)

// cellPositions rewrites positions such as cell5:3:7 into words, relative
// to cell count.
func cellPositions(text string, count int) string {
	return cellPosRE.ReplaceAllStringFunc(text, func(m string) string {
		sm := cellPosRE.FindStringSubmatch(m)
		c, err := strconv.Atoi(sm[1])
		where := "cell line " + sm[2]
		if err == nil && c != count {
			where = fmt.Sprintf("cell %d, line %s", c, sm[2])
		}
		if sm[3] != "" {
			where += ":" + sm[3]
		}
		return where
	})
}

// buildError describes a failed build in the cell's terms.
func buildError(output, code string, count int, d engine.Declarations, dropped []string) *engine.Error {
	var lines []string
	seen := map[string]bool{} // a measured program has the statements twice
	for _, l := range strings.Split(strings.TrimSpace(output), "\n") {
		if strings.HasPrefix(l, "# ") || l == "" {
			continue
		}
		l = strings.TrimPrefix(l, "./")
		if seen[l] {
			continue
		}
		seen[l] = true
		lines = append(lines, l)
	}
	e := &engine.Error{Name: "compile error"}
	first := ""
	if len(lines) > 0 {
		first = lines[0]
	}
	msg := cellPositions(first, count)
	// A name the interpreter session has as a value, not a declaration.
	if i := strings.Index(first, "undefined: "); i >= 0 {
		name := strings.TrimSpace(first[i+len("undefined: "):])
		for _, v := range d.Vars {
			if v == name {
				msg += fmt.Sprintf(" (%s is a variable the interpreter session computed; native cells see the session's declarations — imports, types, functions, constants, var declarations — not values computed by its statements: declare it in this cell, or with a var declaration in an interpreted cell)", name)
			}
		}
		for _, dn := range dropped {
			if strings.Contains(", "+dn+",", ", "+name+",") {
				msg += fmt.Sprintf(" (%s uses the display package of the interpreter session, so native cells leave it out)", name)
			}
		}
	}
	e.Value = msg
	e.Traceback = []string{red("compile error") + ": " + msg}
	if m := cellPosRE.FindStringSubmatch(first); m != nil {
		if m[1] == "" {
			line, _ := strconv.Atoi(m[2])
			col, _ := strconv.Atoi(m[3])
			e.Traceback = append(e.Traceback, cell.SourceLines(code, line, col)...)
		}
	}
	for _, l := range lines[min(1, len(lines)):] {
		e.Traceback = append(e.Traceback, cellPositions(l, count))
	}
	return e
}

// runError describes a program that failed: a data race, a panic, an
// exit status.
func runError(st *os.ProcessState, stderr, code string, count int) *engine.Error {
	text := cellPositions(stderr, count)
	e := &engine.Error{}
	switch {
	case strings.Contains(stderr, "WARNING: DATA RACE"):
		n := strings.Count(stderr, "WARNING: DATA RACE")
		e.Name = "data race"
		e.Value = fmt.Sprintf("the race detector found %d data race(s)", n)
		if m := regexp.MustCompile(`cell line \d+`).FindString(text); m != "" {
			e.Value += " (first at " + m + ")"
		}
		e.Traceback = append([]string{red("data race") + ": " + e.Value}, raceReport(text)...)
	case strings.Contains(stderr, "panic: ") || strings.Contains(stderr, "fatal error: "):
		e.Name = "panic"
		if strings.Contains(stderr, "fatal error: ") && !strings.Contains(stderr, "panic: ") {
			e.Name = "fatal error"
		}
		first := ""
		for _, l := range strings.Split(stderr, "\n") {
			if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
				first = strings.TrimPrefix(strings.TrimPrefix(l, "panic: "), "fatal error: ")
				break
			}
		}
		if m := regexp.MustCompile(`cell line \d+`).FindString(text); m != "" {
			first += " (" + m + ")"
		}
		e.Value = first
		e.Traceback = []string{red(e.Name) + ": " + first, "(the program's report is above, in its standard error)"}
	default:
		e.Name = "exit"
		code := st.ExitCode()
		e.Value = fmt.Sprintf("the program ended with exit status %d", code)
		if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			e.Value = fmt.Sprintf("the program was killed by %v", ws.Signal())
		}
		e.Traceback = []string{red("exit") + ": " + e.Value}
	}
	return e
}

// mapped is an Output whose streams have their cell positions in words.
type mapped struct {
	engine.Output
	count int
}

func (m mapped) Stream(name, text string, from int) {
	m.Output.Stream(name, cellPositions(text, m.count), from)
}

// record keeps what a stream wrote.
type record struct {
	engine.Output
	mu   sync.Mutex
	text strings.Builder
}

func (r *record) Stream(_, text string, _ int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.text.WriteString(text)
}

// withoutRaces removes the race detector's reports from text.
func withoutRaces(text string) string {
	var out []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		switch {
		case l == "==================":
			in = !in
			continue
		case in, strings.HasPrefix(l, "Found ") && strings.HasSuffix(l, "data race(s)"):
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

var literalRE = regexp.MustCompile(`^(\s*)main\.main\.func\d+(\.\d+)?\(\)$`)

// raceReport keeps the readable part of race detector reports: the
// accesses and the goroutines, at cell lines.
func raceReport(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "/") || strings.Contains(l, "/usr/") || strings.Contains(l, "runtime/") {
			continue
		}
		l = stacks.TrimOffset(l)
		l = literalRE.ReplaceAllString(l, "${1}a function literal of the cell")
		if strings.TrimSpace(l) == "main.main()" {
			l = strings.Replace(l, "main.main()", "the cell", 1)
		}
		out = append(out, l)
	}
	return out
}

func red(s string) string { return "\x1b[0;31m" + s + "\x1b[0m" }
