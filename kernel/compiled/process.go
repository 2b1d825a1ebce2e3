package compiled

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// hostRequest and hostReply are the host's protocol (host/main.go).
type hostRequest struct {
	Cell   int    `json:"cell"`
	Plugin string `json:"plugin"`
}

type hostReply struct {
	Cell             int    `json:"cell"`
	Loaded           bool   `json:"loaded"`
	Value            string `json:"value"`
	Type             string `json:"type"`
	HasVal           bool   `json:"has_value"`
	Panic            string `json:"panic"`
	Stack            string `json:"stack"`
	Error            string `json:"error"`
	WallNS           int64  `json:"wall_ns"`
	UserNS           int64  `json:"user_ns"`
	SysNS            int64  `json:"sys_ns"`
	GoroutinesBefore int    `json:"goroutines_before"`
	GoroutinesAfter  int    `json:"goroutines_after"`
	GOMAXPROCS       int    `json:"gomaxprocs"`
}

// markerFormat matches host.Marker.
const markerFormat = "\x00gocurrent-cell-end:%d\x00"

// process is a running host.
type process struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	replies *json.Decoder
	exited  chan struct{} // closed when the process has ended
	state   *os.ProcessState

	mu     sync.Mutex
	sink   func(name, text string) // where output goes now
	marks  map[string]chan struct{}
	stderr strings.Builder // the last of standard error, for a crash
}

// startHost starts the host binary bin.
func startHost(bin, dir string, sink func(name, text string)) (*process, error) {
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start the session's host: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start the session's host: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("start the session's host: %w", err)
	}
	rr, rw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start the session's host: %w", err)
	}
	cmd.ExtraFiles = []*os.File{rw}
	if err := cmd.Start(); err != nil {
		rr.Close()
		rw.Close()
		return nil, fmt.Errorf("start the session's host: %w", err)
	}
	rw.Close()
	p := &process{cmd: cmd, stdin: stdin, replies: json.NewDecoder(rr), exited: make(chan struct{}), sink: sink, marks: map[string]chan struct{}{}}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pump("stdout", stdout) }()
	go func() { defer wg.Done(); p.pump("stderr", stderr) }()
	go func() {
		wg.Wait()
		cmd.Wait()
		p.state = cmd.ProcessState
		rr.Close()
		close(p.exited)
	}()
	return p, nil
}

// pump copies one output stream to the sink, taking out the markers.
func (p *process) pump(name string, r io.Reader) {
	const start = "\x00gocurrent-cell-end:"
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
			p.mark(name + string(pending[i:end]))
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
	if p.sink != nil {
		p.sink(name, string(b))
	}
}

// expect returns a channel closed when stream name has shown cell n's
// marker.
func (p *process) expect(name string, n int) chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := name + fmt.Sprintf(markerFormat, n)
	ch := make(chan struct{})
	p.marks[key] = ch
	return ch
}

func (p *process) mark(key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ch, ok := p.marks[key]; ok {
		close(ch)
		delete(p.marks, key)
	}
}

func (p *process) setSink(sink func(name, text string)) {
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

// send sends a request.
func (p *process) send(req hostRequest) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	_, err = p.stdin.Write(append(b, '\n'))
	return err
}

// kill ends the host and waits for it.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}
