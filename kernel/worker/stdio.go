package worker

import (
	"errors"
	"os"
	"syscall"
)

// The cells' standard output and error.
//
// A cell may close os.Stdout or os.Stderr. As in a Go program, what that
// cell prints afterwards is lost; but later cells must not lose theirs,
// and the worker's sync markers, which keep events in order with the text,
// must still get through. So the worker writes its markers through
// descriptors of its own (duplicates of the same pipes, closed on exec),
// and before each cell it gives the cells new files on those pipes for the
// ones a cell closed.

// stdio is what the worker writes on its output pipes.
type stdio struct {
	stdout, stderr *os.File // os.Stdout and os.Stderr as cells see them
	ownOut, ownErr *os.File // the worker's own, for sync markers
	outFd, errFd   int      // the descriptors the cells' files were given on
}

// setStdio makes out and errOut the cells' standard output and error.
func (w *worker) setStdio(out, errOut *os.File) {
	w.stdout, w.stderr = out, errOut
	w.outFd, w.errFd = int(out.Fd()), int(errOut.Fd())
	w.ownOut, w.ownErr = ownCopy(out), ownCopy(errOut)
}

// ownCopy duplicates f for the worker's own writes; f itself if that
// fails.
func ownCopy(f *os.File) *os.File {
	sc, err := f.SyscallConn()
	if err != nil {
		return f
	}
	fd := -1
	_ = sc.Control(func(raw uintptr) { fd, err = dupCloseOnExec(int(raw)) })
	if err != nil || fd < 0 {
		return f
	}
	return os.NewFile(uintptr(fd), f.Name())
}

func dupCloseOnExec(fd int) (int, error) {
	nfd, err := syscall.Dup(fd)
	if err != nil {
		return -1, err
	}
	syscall.CloseOnExec(nfd)
	return nfd, nil
}

// restoreStdio gives the cells a new standard output or error in place of
// one an earlier cell closed.
func (w *worker) restoreStdio() {
	w.stdout = reopen(w.stdout, w.ownOut, w.outFd)
	w.stderr = reopen(w.stderr, w.ownErr, w.errFd)
}

// reopen returns f, or if f was closed, a new file on the pipe own writes
// to: on f's old descriptor old when that is still free, else on a new
// one (a file the cell opened after closing f may have taken it).
func reopen(f, own *os.File, old int) *os.File {
	if _, err := f.Stat(); !errors.Is(err, os.ErrClosed) || own == f {
		return f
	}
	sc, err := own.SyscallConn()
	if err != nil {
		return f
	}
	fd := -1
	_ = sc.Control(func(raw uintptr) {
		var st syscall.Stat_t
		if syscall.Fstat(old, &st) == syscall.EBADF {
			if syscall.Dup3(int(raw), old, 0) == nil {
				fd = old
				return
			}
		}
		fd, _ = dupCloseOnExec(int(raw))
	})
	if fd < 0 {
		return f
	}
	return os.NewFile(uintptr(fd), f.Name())
}

// cellStream writes to the cells' standard output or error as it is at the
// time of the write (fmt.Println in a cell).
type cellStream struct{ f **os.File }

func (c cellStream) Write(p []byte) (int, error) { return (*c.f).Write(p) }
