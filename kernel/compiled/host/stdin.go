package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
)

// stdin is the standard input of cells: a new pipe for each cell, which
// the kernel fills, a line at a time, when the cell waits to read it.
type stdin struct {
	mu     sync.Mutex
	r, w   *os.File
	asked  bool // the kernel was asked for a line not given yet
	closed bool
}

// fresh gives the next cell a pipe of its own as os.Stdin.
func (s *stdin) fresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w != nil {
		s.w.Close()
	}
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gocurrent host: no standard input for the cell:", err)
		return
	}
	s.r, s.w, s.asked, s.closed = r, w, false, false
	os.Stdin = r
}

// feed writes a line the user typed.
func (s *stdin) feed(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = false
	if s.w != nil && !s.closed {
		s.w.WriteString(text)
	}
}

// end closes the cell's input: the frontend gives none.
func (s *stdin) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = false
	if s.w != nil && !s.closed {
		s.w.Close()
		s.closed = true
	}
}

// watch calls ask each time a goroutine waits to read the cell's standard
// input and no line is on the way, until done is closed. A goroutine
// waiting in a read of os.Stdin shows in its stack as a call of
// os.(*File).Read on that file. The stacks are looked at only while the
// process is nearly idle (a cell that waits for input computes nothing),
// so that a cell at work is not stopped to look.
func (s *stdin) watch(done chan struct{}, ask func()) {
	defer hostGoroutine()()
	buf := make([]byte, 1<<20)
	whileRunning(done, 50*time.Millisecond, func(idle bool) bool {
		s.mu.Lock()
		r, waiting := s.r, s.asked || s.closed
		s.mu.Unlock()
		if waiting || r == nil || !idle {
			return true
		}
		n := runtime.Stack(buf, true)
		for n == len(buf) && len(buf) < 64<<20 {
			buf = make([]byte, 4*len(buf))
			n = runtime.Stack(buf, true)
		}
		if bytes.Contains(buf[:n], []byte(fmt.Sprintf("os.(*File).Read(%p", r))) {
			s.mu.Lock()
			s.asked = true
			s.mu.Unlock()
			ask()
		}
		return true
	})
}

// whileRunning calls look every period until done is closed or look
// returns false, telling it whether the process was nearly idle (used
// less than a tenth of a core) since the last call.
func whileRunning(done chan struct{}, period time.Duration, look func(idle bool) bool) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	u0, s0 := cpu()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		u1, s1 := cpu()
		busy := time.Duration(u1 - u0 + s1 - s0)
		u0, s0 = u1, s1
		if !look(busy <= period/10) {
			return
		}
	}
}
