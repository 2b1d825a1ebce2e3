package compiled

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocurrent/gocurrent/kernel/compiled/host/proto"
	"github.com/gocurrent/gocurrent/kernel/display"
)

// process is a running host.
type process struct {
	cmd     *exec.Cmd
	reqMu   sync.Mutex
	reqs    io.WriteCloser   // requests, on the host's file descriptor 4
	done    chan proto.Reply // how each cell ended
	running chan struct{}    // an interrupt found the cell computing
	// goroutines has the host's description of the session's goroutines.
	goroutines chan string
	// live has the host's count of the running cell's goroutines.
	live   chan int64
	exited chan struct{} // closed when the process has ended
	state  *os.ProcessState

	mu    sync.Mutex
	sink  sink                     // where output goes now
	marks map[string]chan struct{} // markers waited for
	seen  map[string]bool          // markers seen before anyone waited
	// handled has a channel for each message, closed once it is shown.
	handled map[int64]chan struct{}
	stderr  strings.Builder // the last of standard error, for a crash
}

// sink is where a host's output goes: a cell's, or late output.
type sink struct {
	stream  func(name, text string)
	display func(b display.Bundle)
	clear   func(wait bool)
	// input asks the user for a line of the cell's standard input.
	input func() (string, error)
}

// startHost starts the host binary bin.
func startHost(bin, dir string) (*process, error) {
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	if os.Getenv("GORACE") == "" {
		// Under the race detector, a process (a procs.Map child) would
		// wait a second before it exits.
		cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start the session's host: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("start the session's host: %w", err)
	}
	mr, mw, err := os.Pipe() // messages, fd 3
	if err != nil {
		return nil, fmt.Errorf("start the session's host: %w", err)
	}
	qr, qw, err := os.Pipe() // requests, fd 4
	if err != nil {
		mr.Close()
		mw.Close()
		return nil, fmt.Errorf("start the session's host: %w", err)
	}
	cmd.ExtraFiles = []*os.File{mw, qr}
	err = cmd.Start()
	mw.Close()
	qr.Close()
	if err != nil {
		mr.Close()
		qw.Close()
		return nil, fmt.Errorf("start the session's host: %w", err)
	}
	p := &process{cmd: cmd, reqs: qw, done: make(chan proto.Reply, 1), running: make(chan struct{}, 1), goroutines: make(chan string, 1), live: make(chan int64, 1), exited: make(chan struct{}),
		marks: map[string]chan struct{}{}, seen: map[string]bool{}, handled: map[int64]chan struct{}{}}
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); p.pump("stdout", stdout) }()
	go func() { defer wg.Done(); p.pump("stderr", stderr) }()
	go func() { defer wg.Done(); p.messages(mr) }()
	go func() {
		wg.Wait()
		cmd.Wait()
		p.state = cmd.ProcessState
		mr.Close()
		qw.Close()
		close(p.exited)
	}()
	return p, nil
}

// pump copies one output stream to the sink, taking out the markers.
func (p *process) pump(name string, r io.Reader) {
	const start = proto.MarkerPrefix
	buf := make([]byte, 32<<10)
	var pending []byte
	for {
		n, err := r.Read(buf)
		pending = append(pending, buf[:n]...)
		for {
			i := bytes.Index(pending, []byte(start))
			if i < 0 {
				// Keep back what may be the start of a marker.
				keep := 0
				for k := min(len(start)-1, len(pending)); k > 0; k-- {
					if bytes.HasSuffix(pending, []byte(start[:k])) {
						keep = k
						break
					}
				}
				p.emit(name, pending[:len(pending)-keep])
				pending = append([]byte(nil), pending[len(pending)-keep:]...)
				break
			}
			j := bytes.IndexByte(pending[i+len(start):], 0)
			if j < 0 {
				p.emit(name, pending[:i])
				pending = append([]byte(nil), pending[i:]...)
				break
			}
			end := i + len(start) + j + 1
			p.emit(name, pending[:i])
			n, _ := strconv.ParseInt(string(pending[i+len(start):end-1]), 10, 64)
			// What follows the marker is shown after the message (whose
			// channel is taken before the message can be shown).
			handled := p.handledCh(n)
			p.mark(name + string(pending[i:end]))
			select {
			case <-handled:
			case <-time.After(time.Second):
			}
			pending = append([]byte(nil), pending[end:]...)
		}
		if err != nil {
			p.emit(name, pending)
			return
		}
	}
}

func (p *process) emit(name string, b []byte) {
	if len(b) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if name == "stderr" {
		p.stderr.Write(b)
		if s := p.stderr.String(); len(s) > 64<<10 {
			p.stderr.Reset()
			p.stderr.WriteString(s[len(s)-32<<10:])
		}
	}
	if p.sink.stream != nil {
		p.sink.stream(name, string(b))
	}
}

// expect returns a channel closed when stream name has shown the marker
// n.
func (p *process) expect(name string, n int64) chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := name + fmt.Sprintf(proto.Marker, n)
	ch := make(chan struct{})
	if p.seen[key] {
		delete(p.seen, key)
		close(ch)
		return ch
	}
	p.marks[key] = ch
	return ch
}

func (p *process) mark(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ch, ok := p.marks[key]; ok {
		close(ch)
		delete(p.marks, key)
		return
	}
	p.seen[key] = true
}

// messages reads the host's messages: it shows displays once the output
// written before them is shown, and hands on how each cell ended.
func (p *process) messages(r io.Reader) {
	dec := json.NewDecoder(r)
	for {
		var m proto.Message
		if err := dec.Decode(&m); err != nil {
			return
		}
		p.flushed(m.Sync)
		p.mu.Lock()
		s := p.sink
		p.mu.Unlock()
		switch {
		case m.Kind == "done" && m.Done != nil:
			p.done <- *m.Done
		case m.Kind == "display" && m.Bundle != nil && s.display != nil:
			s.display(*m.Bundle)
		case m.Kind == "clear" && s.clear != nil:
			s.clear(m.Wait)
		case m.Kind == "input":
			go p.answer(s.input)
		case m.Kind == "goroutines":
			select {
			case p.goroutines <- m.Text:
			default:
			}
		case m.Kind == "live":
			select {
			case p.live <- m.N:
			default:
			}
		case m.Kind == "running":
			select {
			case p.running <- struct{}{}:
			default:
			}
		}
		close(p.handledCh(m.Sync))
		p.mu.Lock()
		delete(p.handled, m.Sync)
		p.mu.Unlock()
	}
}

// handledCh is the channel closed when message n has been shown.
func (p *process) handledCh(n int64) chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch, ok := p.handled[n]
	if !ok {
		ch = make(chan struct{})
		p.handled[n] = ch
	}
	return ch
}

// flushed waits until both output streams have shown the marker n, or
// for at most a second (a cell that closed its standard output).
func (p *process) flushed(n int64) {
	timeout := time.After(time.Second)
	for _, name := range []string{"stdout", "stderr"} {
		select {
		case <-p.expect(name, n):
		case <-timeout:
			return
		}
	}
}

func (p *process) setSink(sink sink) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sink = sink
}

// crashText is the end of what the host wrote to standard error.
func (p *process) crashText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// answer asks the user for the line a cell waits to read, and gives it
// to the host; without a way to ask, the cell's input ends.
func (p *process) answer(input func() (string, error)) {
	if input == nil {
		p.send(proto.Request{Kind: "eof"})
		return
	}
	line, err := input()
	if err != nil {
		p.send(proto.Request{Kind: "eof"})
		return
	}
	p.send(proto.Request{Kind: "input", Text: line + "\n"})
}

// send sends a request.
func (p *process) send(req proto.Request) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	p.reqMu.Lock()
	defer p.reqMu.Unlock()
	_, err = p.reqs.Write(append(b, '\n'))
	return err
}

// kill ends the host and waits for it.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}
