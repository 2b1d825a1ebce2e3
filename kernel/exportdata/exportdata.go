// Package exportdata imports packages for go/types from the export data
// the go command keeps in its build cache: the type checks of cells, in
// the interpreter's rewriting and in compiled sessions, see the standard
// library through it.
package exportdata

import (
	"bufio"
	"errors"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Importer imports packages for go/types from the export data the go
// command keeps in its build cache: one "go list -export" finds the
// files of every package a check needs that no earlier check found. A
// check that needs nothing new runs no command; the standard library's
// export data is built once per toolchain, so after the first session the
// command takes about 0.1 s.
//
// The command runs with os.StartProcess and files for its output, so it
// starts no goroutine in the worker (cells count the goroutines they
// start) .
type Importer struct {
	mu    sync.Mutex
	fset  *token.FileSet
	files map[string]string // import path -> export data file ("" when the go command has none)
	imp   types.ImporterFrom
	goCmd string // the go command, "" when there is none
	err   error  // why there is no go command
	// spent is given the state of each go command run, whose CPU time
	// the cell's timing must not count as its own (nil: nothing is told).
	spent func(*os.ProcessState)
}

// New returns an Importer; spent, if not nil, is given the state of each
// go command it runs.
func New(fset *token.FileSet, spent func(*os.ProcessState)) *Importer {
	ei := &Importer{fset: fset, files: map[string]string{}, spent: spent}
	ei.goCmd, ei.err = findGo()
	ei.imp = importer.ForCompiler(fset, "gc", ei.lookup).(types.ImporterFrom)
	return ei
}

// findGo finds the go command on PATH. Without it, the check knows no
// package's types, and the rewriting does only what needs none.
func findGo() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	return "", errors.New("no go command on PATH")
}

func (ei *Importer) Import(path string) (*types.Package, error) {
	return ei.ImportFrom(path, "", 0)
}

func (ei *Importer) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	ei.mu.Lock()
	defer ei.mu.Unlock()
	if path == "unsafe" {
		return types.Unsafe, nil
	}
	ei.find([]string{path})
	return ei.imp.ImportFrom(path, dir, mode)
}

// Prepare finds, with one command, the export data of the paths not found
// yet.
func (ei *Importer) Prepare(paths []string) {
	ei.mu.Lock()
	defer ei.mu.Unlock()
	ei.find(paths)
}

func (ei *Importer) lookup(path string) (io.ReadCloser, error) {
	file := ei.files[path]
	if file == "" {
		return nil, fmt.Errorf("no export data for %q", path)
	}
	return os.Open(file)
}

// find runs go list for the paths not asked about yet.
func (ei *Importer) find(paths []string) {
	var ask []string
	for _, p := range paths {
		if _, ok := ei.files[p]; !ok && p != "unsafe" && p != "C" && isStdPath(p) {
			ask = append(ask, p)
			ei.files[p] = ""
		}
	}
	if len(ask) == 0 || ei.goCmd == "" {
		return
	}
	out, err := runQuiet(ei.goCmd, append([]string{"list", "-e", "-export", "-f", "{{.ImportPath}}\t{{.Export}}"}, ask...), ei.spent)
	if err != nil {
		ei.err = err
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		path, file, ok := strings.Cut(sc.Text(), "\t")
		if ok && file != "" {
			ei.files[path] = file
		}
	}
}

// isStdPath reports whether path looks like a standard library package
// (no dot in its first element); only those can be imported in cells.
func isStdPath(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return first != "" && !strings.Contains(first, ".")
}

// runQuiet runs a command with its output in a temporary file, starting no
// goroutine, and returns its standard output.
func runQuiet(cmd string, args []string, spent func(*os.ProcessState)) (string, error) {
	out, err := os.CreateTemp("", "gocurrent-golist-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return "", err
	}
	defer devnull.Close()
	env := append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local", "GO111MODULE=on")
	p, err := os.StartProcess(cmd, append([]string{cmd}, args...), &os.ProcAttr{
		Dir:   os.TempDir(),
		Env:   env,
		Files: []*os.File{devnull, out, devnull},
	})
	if err != nil {
		return "", err
	}
	st, err := p.Wait()
	if err != nil {
		return "", err
	}
	if spent != nil {
		spent(st)
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	b, err := io.ReadAll(out)
	if err == nil && !st.Success() {
		err = fmt.Errorf("go list: %s", st)
	}
	return string(b), err
}
