// Package proctree finds and ends the processes that descend from a
// process, read from /proc (Linux; elsewhere it finds none).
//
// Programs a cell starts with os/exec are children of the worker, in its
// process group. An interrupt kills them all (the cell and its goroutines
// stop, so nothing would wait for them), and so does a worker restart.
// Children that nothing waits for any more are reaped, so that no zombies
// are left.
package proctree

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Descendants returns the processes that descend from pid, children
// first, read from /proc (Linux; elsewhere none).
func Descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	kids := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := parentOf(p); ok {
			kids[pp] = append(kids[pp], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, k := range kids[p] {
			out = append(out, k)
			queue = append(queue, k)
		}
	}
	return out
}

// Stat returns the fields of /proc/pid/stat after the command name:
// state, ppid, pgrp, ...
func Stat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	return StatFields(b)
}

// StatFields splits the contents of a /proc/pid/stat file as Stat does:
// the fields after the command name, which may itself hold spaces and
// parentheses. It returns nil for contents without a command name.
func StatFields(b []byte) []string {
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// StatFile is /proc/pid/stat kept open, for a caller that reads it
// often: reading an open file costs a tenth of opening it each time, and
// the file keeps naming the same process even if its pid is reused.
type StatFile struct {
	f   *os.File
	buf []byte
}

// OpenStat opens /proc/pid/stat; it returns nil where that is not
// available.
func OpenStat(pid int) *StatFile {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	return &StatFile{f: f, buf: make([]byte, 1024)}
}

// Fields reads the file again and returns its fields as Stat does; nil
// once the process is gone or on a nil StatFile. It is not safe for
// concurrent use.
func (s *StatFile) Fields() []string {
	if s == nil {
		return nil
	}
	for {
		n, err := s.f.ReadAt(s.buf, 0)
		if n < len(s.buf) {
			if n == 0 && err != nil {
				return nil
			}
			return StatFields(s.buf[:n])
		}
		s.buf = make([]byte, 2*len(s.buf))
	}
}

// Close closes the file.
func (s *StatFile) Close() error {
	if s == nil {
		return nil
	}
	return s.f.Close()
}

func parentOf(pid int) (int, bool) {
	f := Stat(pid)
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(f[1])
	return pp, err == nil
}

// KillDescendants kills every process descending from pid, and the process
// groups of those that lead one of their own.
func KillDescendants(pid int) []int {
	ds := Descendants(pid)
	for _, d := range ds {
		if f := Stat(d); len(f) > 2 && f[2] == strconv.Itoa(d) {
			_ = syscall.Kill(-d, syscall.SIGKILL)
		}
		_ = syscall.Kill(d, syscall.SIGKILL)
	}
	return ds
}

// ReapLater waits a moment for the goroutines that wait for the killed
// children, then reaps those of them that nobody waited for.
func ReapLater(pids []int) {
	if len(pids) == 0 {
		return
	}
	go func() {
		time.Sleep(time.Second)
		self := os.Getpid()
		for _, p := range pids {
			f := Stat(p)
			if len(f) > 1 && f[0] == "Z" && f[1] == strconv.Itoa(self) {
				var ws syscall.WaitStatus
				_, _ = syscall.Wait4(p, &ws, syscall.WNOHANG, nil)
			}
		}
	}()
}
