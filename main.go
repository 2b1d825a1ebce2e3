// Command gocurrent is a Jupyter kernel for Go, made for showing and
// measuring concurrency: goroutines, locks and processes. Every cell
// reports its wall time, CPU time and how many cores were busy.
//
// Usage:
//
//	gocurrent kernel [--compiled] CONNECTION_FILE  run as a kernel (kernel.json's argv)
//	gocurrent install [--user | --sys-prefix | --prefix DIR]
//	gocurrent uninstall [--user | --sys-prefix | --prefix DIR]
//	gocurrent run NOTEBOOK.ipynb [-o OUT.ipynb]   run a notebook headless
//	gocurrent version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gocurrent/gocurrent/install"
	"github.com/gocurrent/gocurrent/kernel/compiled"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/exepages"
	"github.com/gocurrent/gocurrent/kernel/interp"
	"github.com/gocurrent/gocurrent/kernel/jupyter"
	"github.com/gocurrent/gocurrent/kernel/native"
	"github.com/gocurrent/gocurrent/kernel/notebook"
	"github.com/gocurrent/gocurrent/kernel/procs"
	"github.com/gocurrent/gocurrent/kernel/session"
	"github.com/gocurrent/gocurrent/kernel/sigfig"
	"github.com/gocurrent/gocurrent/kernel/wire"
	"github.com/gocurrent/gocurrent/kernel/worker"
)

// version is gocurrent's version; release builds may set it with
// -ldflags "-X main.version=...".
var version = "0.1.0"

const usage = `gocurrent: a Jupyter kernel for Go, made for concurrency

Usage:
  gocurrent kernel [--compiled] CONNECTION_FILE     run as a Jupyter kernel (--compiled: a
                                                    compiled session)
  gocurrent install [--user | --sys-prefix | --prefix DIR]
                                                    register the kernelspecs "gocurrent" and
                                                    "gocurrent-compiled"
  gocurrent uninstall [--user | --sys-prefix | --prefix DIR]
  gocurrent run NOTEBOOK.ipynb [-o OUT.ipynb]       run a notebook headless, print its outputs
  gocurrent version
`

func main() {
	if len(os.Args) > 1 && os.Args[1] == procs.Command {
		os.Exit(worker.RunProcsChild())
	}
	if len(os.Args) > 1 && os.Args[1] == wire.WorkerCommand {
		// Cells see the arguments a program run without any sees (flag,
		// os.Args), not the worker's.
		os.Args = os.Args[:1]
		if err := worker.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "gocurrent worker:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gocurrent:", err)
		var ex exitCode
		if errors.As(err, &ex) {
			os.Exit(int(ex))
		}
		os.Exit(1)
	}
}

// exitCode is an error that sets the exit status.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitCode(2)
	}
	switch args[0] {
	case "kernel":
		switch {
		case len(args) == 2:
			return runKernel(args[1], false, stderr)
		case len(args) == 3 && args[1] == "--compiled":
			return runKernel(args[2], true, stderr)
		}
		return fmt.Errorf("usage: gocurrent kernel [--compiled] CONNECTION_FILE")
	case "install", "uninstall":
		return runInstall(args[0], args[1:], stdout)
	case "run":
		return runNotebook(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "gocurrent %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func runInstall(cmd string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.Bool("user", false, "install for the current user (the default)")
	sysPrefix := fs.Bool("sys-prefix", false, "install into the Python environment's prefix")
	prefix := fs.String("prefix", "", "install into `DIR`/share/jupyter/kernels/gocurrent")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var t install.Target
	switch {
	case *prefix != "":
		t.Prefix = *prefix
	case *sysPrefix:
		t.SysPrefix = true
	default:
		t.User = true
	}
	if cmd == "uninstall" {
		removed, err := install.Uninstall(t)
		if err != nil {
			return err
		}
		dir, _ := install.Dir(t)
		if removed {
			fmt.Fprintf(stdout, "removed the kernelspecs gocurrent and %s from %s\n", install.CompiledName, filepath.Dir(dir))
		} else {
			fmt.Fprintf(stdout, "no gocurrent kernelspec in %s\n", dir)
		}
		return nil
	}
	bin, err := install.StableBinary()
	if err != nil {
		return err
	}
	dir, err := install.Install(t, bin)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "installed the kernelspecs gocurrent and %s in %s (runs %s)\n", install.CompiledName, filepath.Dir(dir), bin)
	if closed := install.ClosedToOthers(bin); !t.User && closed != "" {
		fmt.Fprintf(stdout, "warning: other users cannot run %s (%s is closed to them), so the kernel starts only for you; "+
			"for everyone, copy it where all can run it and install from there: "+
			"install -m 755 %s /usr/local/bin/ && /usr/local/bin/gocurrent %s\n", bin, closed, bin, strings.Join(append([]string{cmd}, args...), " "))
	}
	return nil
}

// dataDir is where gocurrent keeps its history.
func dataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "gocurrent")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "gocurrent")
	}
	return filepath.Join(home, ".local", "share", "gocurrent")
}

func runKernel(connFile string, compiledSession bool, stderr io.Writer) error {
	logf := func(format string, args ...any) {
		fmt.Fprintf(stderr, "gocurrent: "+format+"\n", args...)
	}
	info, err := jupyter.ReadConnectionFile(connFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	socks, err := jupyter.Bind(ctx, info, logf)
	if err != nil {
		return err
	}
	defer socks.Close()

	hist, err := session.OpenHistory(filepath.Join(dataDir(), "history.jsonl"))
	if err != nil {
		logf("history is kept in memory only: %v", err)
		hist = nil
	} else {
		defer hist.Close()
	}
	newK := newKernel
	if compiledSession {
		newK = newCompiledKernel
	}
	k, eng, err := newK(socks, hist, logf)
	if err != nil {
		return err
	}
	defer eng.Close()
	socks.SetWelcome(k.Welcome)
	// The kernel links the interpreter's symbol tables, which only its
	// worker uses; their initialisation code need not stay resident.
	if _, err := exepages.Release(); err != nil {
		logf("%v", err)
	}

	// Interrupts come as interrupt_request (interrupt_mode "message"), but
	// clients may still send SIGINT, and jupyter_client does so before a
	// shutdown: it interrupts the cell and never kills the kernel.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			if s == syscall.SIGTERM {
				cancel()
				return
			}
			k.Interrupt()
		}
	}()
	go watchParent(cancel, logf)
	done := make(chan struct{})
	go func() {
		k.Serve(ctx, socks.Incoming())
		close(done)
	}()
	select {
	case <-k.Shutdown():
		socks.Flush(time.Second)
	case <-ctx.Done():
	case <-done:
	}
	return nil
}

// newKernel starts the interpreter engine, the native programs beside it
// and the request handlers on conn; closing the returned engines stops
// them all.
func newKernel(conn session.Conn, hist *session.History, logf func(string, ...any)) (*session.Kernel, io.Closer, error) {
	var late lateHandlers
	eng, err := interp.New(interp.Options{Logf: logf, Late: late.stream, LateDisplay: late.display})
	if err != nil {
		return nil, nil, err
	}
	return startHandlers(conn, eng, hist, &late, logf)
}

// newCompiledKernel starts a compiled session's engine, the native
// programs beside it and the request handlers on conn.
func newCompiledKernel(conn session.Conn, hist *session.History, logf func(string, ...any)) (*session.Kernel, io.Closer, error) {
	var late lateHandlers
	eng := compiled.New(compiled.Options{Logf: logf, Late: late.stream, LateDisplay: late.display})
	return startHandlers(conn, eng, hist, &late, logf)
}

// cellEngine is an engine whose declarations native programs see.
type cellEngine interface {
	engine.Engine
	native.Session
}

// startHandlers starts the native programs beside eng and the request
// handlers, which late output then reaches.
func startHandlers(conn session.Conn, eng cellEngine, hist *session.History, late *lateHandlers, logf func(string, ...any)) (*session.Kernel, io.Closer, error) {
	engines := session.Engines{Cells: eng, Programs: native.NewPrograms(eng, logf)}
	k := session.New(conn, engines, session.Info{Version: version}, hist, logf)
	late.k.Store(k)
	return k, closeEngines(engines), nil
}

// lateHandlers hand an engine's late output to the request handlers,
// which exist only once the engine does: the pointer hands them over
// safely.
type lateHandlers struct {
	k atomic.Pointer[session.Kernel]
}

func (l *lateHandlers) stream(name, text string, from int) {
	if k := l.k.Load(); k != nil {
		k.Late(name, text, from)
	}
}

func (l *lateHandlers) display(data, metadata map[string]any, id string, update bool, from int) {
	if k := l.k.Load(); k != nil {
		k.LateDisplay(data, metadata, id, update, from)
	}
}

// closeEngines closes the programs, then the cells' engine.
type closeEngines session.Engines

func (e closeEngines) Close() error {
	return errors.Join(e.Programs.Close(), e.Cells.Close())
}

// watchParent ends the kernel when the process that started it is gone:
// jupyter_client passes its pid in JPY_PARENT_PID, as for IPython's
// parent poller, so a client that crashes leaves no kernel behind.
func watchParent(cancel context.CancelFunc, logf func(string, ...any)) {
	pid, err := strconv.Atoi(os.Getenv("JPY_PARENT_PID"))
	if err != nil || pid <= 1 {
		return
	}
	for range time.Tick(time.Second) {
		if os.Getppid() != pid {
			logf("parent process %d is gone: shutting down", pid)
			cancel()
			return
		}
	}
}

func runNotebook(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	out := fs.String("o", "", "write the executed notebook to `OUT.ipynb` (default NOTEBOOK.nbconvert.ipynb beside the input)")
	var path string
	// Accept the notebook before or after the flags.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		path, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if path == "" && fs.NArg() > 0 {
		path = fs.Arg(0)
	}
	if path == "" {
		return fmt.Errorf("usage: gocurrent run NOTEBOOK.ipynb [-o OUT.ipynb]")
	}
	if *out == "" {
		*out = strings.TrimSuffix(path, ".ipynb") + ".nbconvert.ipynb"
	}
	nb, err := notebook.Read(path)
	if err != nil {
		return err
	}
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, "gocurrent: "+format+"\n", args...) }
	conn := notebook.NewConn(stdout)
	k, eng, err := newKernel(conn, nil, logf)
	if err != nil {
		return err
	}
	defer eng.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := make(chan *jupyter.Message)
	go k.Serve(ctx, in)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT)
	defer signal.Stop(sigs)
	go func() {
		for range sigs {
			k.Interrupt()
		}
	}()
	start := time.Now()
	res, err := notebook.Run(ctx, nb, func(m *jupyter.Message) { in <- m }, conn)
	if err != nil {
		return err
	}
	if err := notebook.Write(*out, nb); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nran %d code cells of %s in %s; %d failed; wrote %s\n", res.Cells, path, sigfig.Duration(time.Since(start)), res.Errors, *out)
	if res.Errors > 0 {
		return exitCode(1)
	}
	return nil
}
