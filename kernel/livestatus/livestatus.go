// Package livestatus samples what a running cell does now (how long it has
// run, its goroutines, the cores its processes keep busy, the child
// processes it has started) and writes the status line that a long cell
// shows while it runs.
//
// The processes are read from /proc (Linux): a sample walks the kernel's
// process tree through the children lists of its threads and adds up the
// CPU time of every process in it. Elsewhere the cores and the child
// processes are unknown, and the line leaves them out.
package livestatus

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gocurrent/gocurrent/kernel/proctree"
)

// tick is the unit of the CPU times in /proc/PID/stat (USER_HZ, 100 on
// Linux).
const tick = 10 * time.Millisecond

// Status is what a running cell is doing now.
type Status struct {
	Elapsed time.Duration
	// Goroutines is the cell's goroutines now (its own and those it
	// started that still run); -1 when unknown.
	Goroutines int64
	// CoresBusy is the CPU time the kernel's processes used since the
	// last sample, per second of wall time; -1 when unknown.
	CoresBusy float64
	// Children is how many processes the cell has started that still
	// run (every process below the kernel but the engine's own); -1 when
	// unknown.
	Children int
}

// Line is the status as one line of text, e.g. "running 2.5 s · 12
// goroutines · 1.93 cores busy · 3 child processes".
func (s Status) Line() string {
	parts := []string{"running " + Elapsed(s.Elapsed)}
	if s.Goroutines >= 0 {
		parts = append(parts, plural(s.Goroutines, "goroutine"))
	}
	if s.CoresBusy >= 0 {
		parts = append(parts, fmt.Sprintf("%.2f cores busy", s.CoresBusy))
	}
	if s.Children >= 0 {
		parts = append(parts, plural(int64(s.Children), "child process"))
	}
	return strings.Join(parts, " · ")
}

// Metadata is the status as numbers, for a display's metadata.
func (s Status) Metadata() map[string]any {
	return map[string]any{
		"elapsed_ns":      s.Elapsed.Nanoseconds(),
		"goroutines":      s.Goroutines,
		"cores_busy":      s.CoresBusy,
		"child_processes": s.Children,
	}
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "s") {
		return fmt.Sprintf("%d %ses", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// Elapsed writes a running time to a tenth of a second under a minute,
// and in minutes and seconds from there: it changes a few times a second,
// so that the reader sees the cell is alive.
func Elapsed(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	m := int(d / time.Minute)
	sec := int((d % time.Minute) / time.Second)
	if m < 60 {
		return fmt.Sprintf("%d min %02d s", m, sec)
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}

// Sampler samples the process tree below a root process (the kernel).
// It is used by one goroutine.
type Sampler struct {
	root     int
	start    time.Time
	lastAt   time.Time
	lastCPU  time.Duration
	haveLast bool
	r        procReader
}

// NewSampler returns a sampler of root's process tree for a cell that
// started at start.
func NewSampler(root int, start time.Time) *Sampler {
	return &Sampler{root: root, start: start}
}

// Sample reads the tree now. exclude are the engine's own processes,
// which are not the cell's children; goroutines is what the engine said
// (-1 when unknown). The first sample has no cores busy: it starts the
// interval the next one measures.
func (s *Sampler) Sample(now time.Time, goroutines int64, exclude []int) Status {
	st := Status{Elapsed: now.Sub(s.start), Goroutines: goroutines, CoresBusy: -1, Children: -1}
	tree, ok := s.r.tree(s.root)
	if !ok {
		return st
	}
	cpu, ok := s.r.cpu(append(tree, s.root))
	if !ok {
		return st
	}
	n := 0
	for _, p := range tree {
		if !slices.Contains(exclude, p) {
			n++
		}
	}
	st.Children = n
	if s.haveLast && now.After(s.lastAt) {
		st.CoresBusy = max(float64(cpu-s.lastCPU)/float64(now.Sub(s.lastAt)), 0)
	}
	s.lastAt, s.lastCPU, s.haveLast = now, cpu, true
	return st
}

// Tree returns the processes descending from pid, children first, read
// from the children lists of every thread of each process
// (/proc/PID/task/TID/children), which costs a few reads per process of
// the tree, not one per process of the machine. ok is false when the
// lists cannot be read.
func Tree(pid int) (ps []int, ok bool) {
	var r procReader
	return r.tree(pid)
}

// CPU adds up the processor time of the processes ps and of the children
// they have waited for (utime, stime, cutime and cstime of
// /proc/PID/stat): a child's time moves into its parent's when the parent
// waits for it, so the sum over a tree does not drop when a child ends.
// Processes that ended meanwhile are left out; ok is false when none
// could be read.
func CPU(ps []int) (total time.Duration, ok bool) {
	var r procReader
	return r.cpu(ps)
}

// procReader reads the small files of /proc with plain system calls into
// one buffer: os.ReadFile makes twice the calls for a /proc file (it asks
// for the size and offers the file to the network poller first), and a
// sample reads a few dozen of them.
type procReader struct {
	buf []byte
}

// read returns the contents of the file at path, valid until the next
// read.
func (r *procReader) read(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer syscall.Close(fd)
	if r.buf == nil {
		r.buf = make([]byte, 8192)
	}
	n := 0
	for {
		if n == len(r.buf) {
			r.buf = append(r.buf, make([]byte, len(r.buf))...)
		}
		m, err := syscall.Read(fd, r.buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		if m == 0 {
			return r.buf[:n], nil
		}
		n += m
	}
}

func (r *procReader) tree(pid int) (ps []int, ok bool) {
	queue := []int{pid}
	first := true
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		kids, err := r.children(p)
		if err != nil {
			if first {
				return nil, false
			}
			continue // it ended meanwhile
		}
		first = false
		ps = append(ps, kids...)
		queue = append(queue, kids...)
	}
	return ps, true
}

// children lists pid's children: those of each of its threads.
func (r *procReader) children(pid int) ([]int, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := r.threads(dir)
	if err != nil {
		return nil, err
	}
	var kids []int
	for _, t := range tasks {
		b, err := r.read(dir + "/" + t + "/children")
		if err != nil {
			if len(tasks) == 1 {
				return nil, fmt.Errorf("children of %d: %w", pid, err)
			}
			continue // a thread that ended
		}
		for f := range strings.FieldsSeq(string(b)) {
			if k, err := strconv.Atoi(f); err == nil {
				kids = append(kids, k)
			}
		}
	}
	return kids, nil
}

// threads lists the thread ids in a /proc/PID/task directory.
func (r *procReader) threads(dir string) ([]string, error) {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("threads in %s: %w", dir, err)
	}
	defer syscall.Close(fd)
	if r.buf == nil {
		r.buf = make([]byte, 8192)
	}
	var names []string
	for {
		n, err := syscall.ReadDirent(fd, r.buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("threads in %s: %w", dir, err)
		}
		if n == 0 {
			break
		}
		_, _, names = syscall.ParseDirent(r.buf[:n], -1, names)
	}
	return names, nil
}

func (r *procReader) cpu(ps []int) (total time.Duration, ok bool) {
	for _, p := range ps {
		b, err := r.read("/proc/" + strconv.Itoa(p) + "/stat")
		if err != nil {
			continue // it ended
		}
		f := proctree.StatFields(b) // state is 0, utime 11
		if len(f) < 15 {
			continue
		}
		for _, i := range []int{11, 12, 13, 14} {
			n, err := strconv.ParseInt(f[i], 10, 64)
			if err != nil {
				continue
			}
			total += time.Duration(n) * tick
		}
		ok = true
	}
	return total, ok
}
