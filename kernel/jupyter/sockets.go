package jupyter

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	// handshakeTimeout bounds the ZMTP greeting and READY exchange of a new
	// connection.
	handshakeTimeout = 10 * time.Second
	// writeTimeout bounds one reply written to a shell, control, stdin or
	// heartbeat peer; a peer that does not read for that long is
	// disconnected.
	writeTimeout = 10 * time.Second
	// maxQueueBytes and maxQueueMsgs bound what waits for one iopub
	// subscriber; beyond them messages for it are dropped.
	maxQueueBytes = 64 << 20
	maxQueueMsgs  = 100_000
	// pubBatchBytes is about how much one iopub write gathers.
	pubBatchBytes = 1 << 20
	// incomingBuffer is the capacity of the Incoming channel.
	incomingBuffer = 16
	// kernelUsername is the username in the headers the kernel sends.
	kernelUsername = "kernel"
	// largeMessage is the size from which a message read makes the
	// sockets hand memory back to the operating system afterwards (see
	// releaseMemorySoon).
	largeMessage = 16 << 20
)

// releaseDelays are the pauses before each release of memory after a
// large message, 1 s, 3 s, 8 s and 38 s after it was read.
var releaseDelays = []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 30 * time.Second}

// ErrNoPeer is returned (wrapped) by [Sockets.Reply] and [Sockets.SendStdin]
// when no client with the parent's routing identity is connected, for
// example because it went away. ZeroMQ would drop such a message silently.
var ErrNoPeer = errors.New("no connected peer with that identity")

// ErrClosed is returned (wrapped) when sending on closed [Sockets].
var ErrClosed = errors.New("sockets closed")

// Sockets owns the five kernel sockets bound exactly to info.IP (0.0.0.0 must work) on the given ports.
//
// Shell, control and stdin are ROUTER sockets, iopub is a PUB socket and the
// heartbeat is a REP socket that echoes. Every connection has its own
// reader goroutine and iopub subscribers have their own writers, so a
// broken peer only hurts itself; what all readers share is the Incoming
// channel. All methods are safe for concurrent use.
type Sockets struct {
	info    ConnectionInfo
	session string
	signer  Signer
	logf    func(format string, args ...any)

	in      chan *Message
	routers map[Channel]*router
	pub     *publisher

	done      chan struct{} // closed when Close starts
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup // accept loops and connection goroutines

	mu     sync.Mutex
	closed bool
	lns    []net.Listener
	conns  map[net.Conn]struct{}

	releasePending atomic.Bool // a releaseMemorySoon is scheduled

	// welcome, when set, says what to send a subscriber of iopub as soon
	// as it subscribes (SetWelcome).
	welcome atomic.Pointer[func() (msgType string, content any)]
}

// SetWelcome sets what each new iopub subscriber receives, and it alone,
// as soon as it subscribes: the kernel's execution state, so that a client
// whose subscription starts after the last status message was published
// still learns whether the kernel is busy (as ipykernel welcomes a
// subscriber of its XPUB socket). f is called with the publisher's lock
// held, so that the message takes its place among those published around
// it: it must not block or publish.
func (s *Sockets) SetWelcome(f func() (msgType string, content any)) {
	s.welcome.Store(&f)
}

// Bind creates and binds shell (ROUTER), control (ROUTER), stdin (ROUTER), iopub (PUB) and heartbeat (REP echo, served on its own goroutine until ctx ends). logf receives one line per problem (bad signature, malformed frames, ...) and must be used instead of printing.
//
// A port of 0 binds a free port; [Sockets.Info] tells which. When ctx ends,
// the sockets are closed as by [Sockets.Close]. A nil logf discards the
// lines.
func Bind(ctx context.Context, info ConnectionInfo, logf func(format string, args ...any)) (*Sockets, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if err := info.validate(); err != nil {
		return nil, fmt.Errorf("jupyter: bind: %w", err)
	}
	s := &Sockets{
		info:    info,
		session: newUUID(),
		signer:  NewSigner(info.Key),
		logf:    logf,
		in:      make(chan *Message, incomingBuffer),
		done:    make(chan struct{}),
		conns:   make(map[net.Conn]struct{}),
	}
	s.routers = map[Channel]*router{
		Shell:   {s: s, ch: Shell, peers: make(map[string]*zconn)},
		Control: {s: s, ch: Control, peers: make(map[string]*zconn)},
		Stdin:   {s: s, ch: Stdin, peers: make(map[string]*zconn)},
	}
	s.pub = newPublisher(s)

	type socketSpec struct {
		name  string
		port  *int
		typ   string
		serve func(*zconn)
	}
	specs := []socketSpec{
		{"shell", &s.info.ShellPort, typeRouter, s.routers[Shell].serve},
		{"control", &s.info.ControlPort, typeRouter, s.routers[Control].serve},
		{"stdin", &s.info.StdinPort, typeRouter, s.routers[Stdin].serve},
		{"iopub", &s.info.IOPubPort, typePub, s.pub.serve},
		{"heartbeat", &s.info.HBPort, typeRep, s.echo},
	}
	lns := make([]net.Listener, len(specs))
	for i, sp := range specs {
		ln, port, err := listen(s.info.Transport, s.info.IP, *sp.port)
		if err != nil {
			for _, l := range lns[:i] {
				l.Close()
			}
			return nil, fmt.Errorf("jupyter: binding %s socket: %w", sp.name, err)
		}
		*sp.port = port
		lns[i] = ln
	}
	s.lns = lns
	for i, sp := range specs {
		s.wg.Add(1)
		go s.accept(lns[i], sp.name, sp.typ, sp.serve)
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// listen binds one socket the way jupyter_client addresses it: tcp on
// ip:port, ipc on the Unix socket file "ip-port".
func listen(transport, ip string, port int) (net.Listener, int, error) {
	if transport == "ipc" {
		if port == 0 {
			// Like jupyter_client: the first n whose file does not exist.
			for port = 1; ; port++ {
				if _, err := os.Stat(ipcPath(ip, port)); errors.Is(err, os.ErrNotExist) {
					break
				}
			}
		}
		ln, err := net.Listen("unix", ipcPath(ip, port))
		if err != nil {
			return nil, 0, err
		}
		return ln, port, nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return nil, 0, err
	}
	return ln, ln.Addr().(*net.TCPAddr).Port, nil
}

func ipcPath(ip string, port int) string { return ip + "-" + strconv.Itoa(port) }

// Info returns the connection info the sockets were bound with, with the
// actual ports filled in where the given ones were 0.
func (s *Sockets) Info() ConnectionInfo { return s.info }

// Session is this kernel's session id (random, fixed for the process), used in every outgoing header.
func (s *Sockets) Session() string { return s.session }

// Incoming returns the channel on which decoded requests from shell, control and stdin arrive (Message.Channel tells which). Undecodable input is never delivered: it is logged via logf with the reason and dropped. The channel closes after Close.
//
// The receiver must keep reading: while the channel is full, requests from
// all three sockets wait, so handle long requests (execute) elsewhere than
// in the loop that reads Incoming.
func (s *Sockets) Incoming() <-chan *Message { return s.in }

// Reply sends a message of msgType with content in reply to parent, on parent's channel (shell, control or stdin), to parent's identities, with parent_header = parent.RawHeader. metadata may be nil.
//
// content is marshaled with encoding/json (a json.RawMessage is sent as
// is; nil becomes {}). A peer that does not read its socket for 10 s is
// disconnected and Reply returns an error.
func (s *Sockets) Reply(parent *Message, msgType string, content any, metadata map[string]any) error {
	if parent == nil {
		return fmt.Errorf("jupyter: reply %s: nil parent", msgType)
	}
	r := s.routers[parent.Channel]
	if r == nil {
		return fmt.Errorf("jupyter: reply %s: parent came on channel %q, want shell, control or stdin", msgType, parent.Channel)
	}
	_, err := s.sendRouter(r, parent, msgType, content, metadata)
	return err
}

// SendStdin sends a message on the stdin channel to the identities of parent (used for input_request: parent is the execute_request). Returns the sent header.
func (s *Sockets) SendStdin(parent *Message, msgType string, content any) (Header, error) {
	if parent == nil {
		return Header{}, fmt.Errorf("jupyter: stdin %s: nil parent", msgType)
	}
	return s.sendRouter(s.routers[Stdin], parent, msgType, content, nil)
}

func (s *Sockets) sendRouter(r *router, parent *Message, msgType string, content any, metadata map[string]any) (Header, error) {
	if len(parent.Identities) == 0 {
		return Header{}, fmt.Errorf("jupyter: %s %s: parent %s has no routing identities", r.ch, msgType, parent.Header.MsgType)
	}
	m, err := s.newMessage(parent, msgType, content, metadata)
	if err != nil {
		return Header{}, err
	}
	m.Identities = parent.Identities
	frames, err := Encode(m, s.signer)
	if err != nil {
		return Header{}, err
	}
	if err := r.send(frames); err != nil {
		return Header{}, fmt.Errorf("jupyter: sending %s on %s: %w", msgType, r.ch, err)
	}
	return m.Header, nil
}

// Publish sends an iopub message (parent may be nil: then parent_header is {} ). The topic frame is the msg_type (any topic is fine; use "kernel.<session>.<msg_type>"). Publish must never block the caller for long: messages go into a queue drained by one goroutine that writes the PUB socket; when the queue holds more than 64 MiB or 100,000 messages, further messages are dropped and one line is logged per drop burst. Order of published messages is preserved.
//
// Each subscriber has its own such queue and writer goroutine, so a client
// that stops reading loses only its own messages and never delays the
// others. A burst of drops for a subscriber ends when its queue has drained
// to half the limits. Publish returns an error only if the message cannot
// be encoded or the sockets are closed; like ZeroMQ PUB, it drops messages
// when nobody subscribes.
func (s *Sockets) Publish(parent *Message, msgType string, content any, metadata map[string]any) error {
	frames, err := s.pubFrames(parent, msgType, content, metadata)
	if err != nil {
		return err
	}
	if err := s.pub.publish(frames); err != nil {
		return fmt.Errorf("jupyter: publishing %s: %w", msgType, err)
	}
	return nil
}

// pubFrames encodes an iopub message, its topic first.
func (s *Sockets) pubFrames(parent *Message, msgType string, content any, metadata map[string]any) ([][]byte, error) {
	m, err := s.newMessage(parent, msgType, content, metadata)
	if err != nil {
		return nil, err
	}
	m.Identities = [][]byte{[]byte("kernel." + s.session + "." + msgType)}
	return Encode(m, s.signer)
}

// Flush waits (up to timeout) until everything Published so far has been written to the PUB socket.
//
// "Written" means handed to the operating system for every connected
// subscriber, except subscribers that are dropping messages because they
// stopped reading.
func (s *Sockets) Flush(timeout time.Duration) { s.pub.flush(timeout) }

// Close closes all sockets and connections, waits for their goroutines and
// then closes the Incoming channel. It is safe to call more than once.
func (s *Sockets) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.done)
		lns := s.lns
		conns := make([]net.Conn, 0, len(s.conns))
		for c := range s.conns {
			conns = append(conns, c)
		}
		s.mu.Unlock()
		for _, ln := range lns {
			if err := ln.Close(); err != nil && s.closeErr == nil {
				s.closeErr = fmt.Errorf("jupyter: closing %s: %w", ln.Addr(), err)
			}
		}
		for _, c := range conns {
			c.Close()
		}
		s.pub.close()
		s.wg.Wait()
		close(s.in)
	})
	return s.closeErr
}

func (s *Sockets) isClosed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// newMessage builds an outgoing message in reply to parent (which may be nil).
func (s *Sockets) newMessage(parent *Message, msgType string, content any, metadata map[string]any) (*Message, error) {
	c, err := marshalContent(content)
	if err != nil {
		return nil, fmt.Errorf("jupyter: encoding %s content: %w", msgType, err)
	}
	m := &Message{
		Header:   NewHeader(msgType, s.session, kernelUsername),
		Metadata: metadata,
		Content:  c,
	}
	if parent != nil {
		m.Parent, err = parentHeader(parent)
		if err != nil {
			return nil, fmt.Errorf("jupyter: encoding %s parent header: %w", msgType, err)
		}
	}
	return m, nil
}

func marshalContent(content any) (json.RawMessage, error) {
	if content == nil {
		return nil, nil
	}
	b, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return b, nil
}

// parentHeader is the parent_header for messages caused by parent: the
// header bytes as received or, for a message built in Go, its header.
func parentHeader(parent *Message) (json.RawMessage, error) {
	if len(parent.RawHeader) > 0 {
		return parent.RawHeader, nil
	}
	if parent.Header == (Header{}) {
		return nil, nil
	}
	return json.Marshal(parent.Header)
}

// accept serves one listener until Close.
func (s *Sockets) accept(ln net.Listener, name, typ string, serve func(*zconn)) {
	defer s.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Temporary trouble such as too many open files.
			s.logf("jupyter: %s: accept: %v", name, err)
			select {
			case <-time.After(100 * time.Millisecond):
			case <-s.done:
				return
			}
			continue
		}
		if !s.track(nc) {
			nc.Close()
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.untrack(nc)
			c, err := handshake(nc, typ, handshakeTimeout)
			if err != nil {
				// A peer that goes away during the handshake (a client
				// shutting down right after connecting) is not a problem.
				gone := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
					errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
				if !s.isClosed() && !gone {
					s.logf("jupyter: %s: handshake with %s failed: %v", name, remoteName(nc), err)
				}
				return
			}
			serve(c)
		}()
	}
}

func (s *Sockets) track(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[nc] = struct{}{}
	return true
}

func (s *Sockets) untrack(nc net.Conn) {
	nc.Close()
	s.mu.Lock()
	delete(s.conns, nc)
	s.mu.Unlock()
}

// readFailed logs why reading from c stopped, unless it is an ordinary
// disconnect or Close.
func (s *Sockets) readFailed(name string, c *zconn, err error) {
	if s.isClosed() || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return
	}
	s.logf("jupyter: %s: disconnecting %s: %v", name, c.remote, err)
}

// echo serves one heartbeat connection: REP semantics where every request
// is answered with itself, routing envelope included.
func (s *Sockets) echo(c *zconn) {
	for {
		frames, isCmd, err := c.readMsg(maxCommandSize)
		if err != nil {
			s.readFailed("heartbeat", c, err)
			return
		}
		if isCmd {
			c.command(frames[0])
			continue
		}
		if err := c.writeMsg(frames, writeTimeout); err != nil {
			s.readFailed("heartbeat", c, err)
			return
		}
	}
}

// router is a ROUTER socket: it tags what each peer sends with the peer's
// identity and sends replies to the peer named by the first frame.
type router struct {
	s  *Sockets
	ch Channel

	mu    sync.Mutex
	peers map[string]*zconn
	next  uint32
}

func (r *router) serve(c *zconn) {
	r.mu.Lock()
	id := c.peerID
	if len(id) == 0 {
		// Like libzmq: a 0 byte, then a counter.
		r.next++
		id = binary.BigEndian.AppendUint32([]byte{0}, r.next)
	}
	// A connection whose identity a connected peer already has is
	// refused, as libzmq's ROUTER does without ROUTER_HANDOVER (and so
	// ipykernel's): taking the identity over would send the first
	// peer's replies to the newcomer. jupyter_client's stop_channels()
	// connects a shell socket with its session's identity while another
	// client of the same session may be waiting for replies.
	if _, taken := r.peers[string(id)]; taken {
		r.mu.Unlock()
		return // the connection is closed
	}
	r.peers[string(id)] = c
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		if r.peers[string(id)] == c {
			delete(r.peers, string(id))
		}
		r.mu.Unlock()
	}()

	for {
		frames, isCmd, err := c.readMsg(MaxMessageSize)
		if err != nil {
			r.s.readFailed(string(r.ch), c, err)
			return
		}
		if isCmd {
			c.command(frames[0])
			continue
		}
		all := make([][]byte, 0, 1+len(frames))
		all = append(all, id)
		all = append(all, frames...)
		if size := frameBytes(frames); size >= largeMessage {
			r.s.releaseMemorySoon()
		}
		m, err := Decode(all, r.s.signer)
		if err != nil {
			// One line per rejected message, with the reason; Decode's
			// errors carry the package prefix this line already has.
			r.s.logf("jupyter: %s: dropped a message from %s: %s", r.ch, c.remote, strings.TrimPrefix(err.Error(), "jupyter: "))
			continue
		}
		m.Channel = r.ch
		select {
		case r.s.in <- m:
		case <-r.s.done:
			return
		}
	}
}

func frameBytes(frames [][]byte) int {
	n := 0
	for _, f := range frames {
		n += len(f)
	}
	return n
}

// releaseMemorySoon returns the memory of a large message to the operating
// system once it has been handled. Without this the Go runtime keeps it: a
// 64 MiB message left the kernel's RSS at 105 MiB, and a second one at
// 185 MiB, until a garbage collection that may not come for minutes in an
// idle kernel. When the message is handled is not known here (a rejected
// one is garbage at once, a request lives until its handler is done), so
// the memory is released a few times, releaseDelays apart: each release is
// a garbage collection of a heap that is small again, about a millisecond.
// Large messages that come while a series runs share it.
func (s *Sockets) releaseMemorySoon() {
	if !s.releasePending.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.releasePending.Store(false)
		for _, d := range releaseDelays {
			select {
			case <-time.After(d):
			case <-s.done:
				return
			}
			debug.FreeOSMemory()
		}
	}()
}

// send sends frames[1:] to the peer whose identity is frames[0].
func (r *router) send(frames [][]byte) error {
	if r.s.isClosed() {
		return ErrClosed
	}
	r.mu.Lock()
	c := r.peers[string(frames[0])]
	r.mu.Unlock()
	if c == nil {
		return fmt.Errorf("%w: %q", ErrNoPeer, frames[0])
	}
	return c.writeMsg(frames[1:], writeTimeout)
}

// publisher is a PUB socket with a bounded queue and a writer goroutine
// per subscriber. One mutex guards all of it; writes happen outside it.
type publisher struct {
	s        *Sockets
	maxBytes int64
	maxMsgs  int

	mu     sync.Mutex
	cond   *sync.Cond // signaled on every change of queues, subscribers or closed
	subs   map[*subscriber]struct{}
	seq    uint64 // sequence number of the last published message
	closed bool
}

type subscriber struct {
	c            *zconn
	topics       map[string]int // prefix -> subscription count
	queue        []pubItem      // waiting to be written
	pendingBytes int64          // queued or being written
	pendingMsgs  int
	writingFrom  uint64 // first seq of the batch being written, 0 if none
	dropping     bool
	gone         bool
}

type pubItem struct {
	seq    uint64
	frames [][]byte
	size   int64
}

func newPublisher(s *Sockets) *publisher {
	p := &publisher{
		s:        s,
		maxBytes: maxQueueBytes,
		maxMsgs:  maxQueueMsgs,
		subs:     make(map[*subscriber]struct{}),
	}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (sub *subscriber) subscribed(topic []byte) bool {
	for prefix := range sub.topics {
		if len(prefix) <= len(topic) && string(topic[:len(prefix)]) == prefix {
			return true
		}
	}
	return false
}

func (p *publisher) publish(frames [][]byte) error {
	size := framesSize(frames)
	var logs []string
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.seq++
	for sub := range p.subs {
		if sub.gone || !sub.subscribed(frames[0]) {
			continue
		}
		if sub.dropping && sub.pendingMsgs <= p.maxMsgs/2 && sub.pendingBytes <= p.maxBytes/2 {
			sub.dropping = false
		}
		if !sub.dropping && (sub.pendingMsgs >= p.maxMsgs || sub.pendingBytes+size > p.maxBytes) {
			sub.dropping = true
			logs = append(logs, fmt.Sprintf("jupyter: iopub: subscriber %s is not reading (%d messages, %d bytes queued); dropping its messages until it catches up",
				sub.c.remote, sub.pendingMsgs, sub.pendingBytes))
		}
		if sub.dropping {
			continue
		}
		sub.push(pubItem{seq: p.seq, frames: frames, size: size})
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	for _, l := range logs {
		p.s.logf("%s", l)
	}
	return nil
}

// serve reads subscriptions from one subscriber while its writer goroutine
// sends it what was published.
func (p *publisher) serve(c *zconn) {
	sub := &subscriber{c: c, topics: make(map[string]int)}
	p.mu.Lock()
	p.subs[sub] = struct{}{}
	p.mu.Unlock()
	p.s.wg.Add(1)
	go p.write(sub)
	defer func() {
		p.mu.Lock()
		sub.gone = true
		sub.queue = nil
		delete(p.subs, sub)
		p.cond.Broadcast()
		p.mu.Unlock()
	}()

	for {
		frames, isCmd, err := c.readMsg(maxCommandSize)
		if err != nil {
			p.s.readFailed("iopub", c, err)
			return
		}
		var topic []byte
		delta := 0
		switch {
		case isCmd:
			// ZMTP 3.1 peers send commands; with our 3.0 greeting they
			// should not, but accept them.
			switch name, body := c.command(frames[0]); name {
			case "SUBSCRIBE":
				topic, delta = body, 1
			case "CANCEL":
				topic, delta = body, -1
			}
		case len(frames) == 1 && len(frames[0]) > 0:
			switch frames[0][0] {
			case 1:
				topic, delta = frames[0][1:], 1
			case 0:
				topic, delta = frames[0][1:], -1
			}
		}
		if delta == 0 {
			continue
		}
		p.mu.Lock()
		first := len(sub.topics) == 0 && delta > 0
		if n := sub.topics[string(topic)] + delta; n > 0 {
			sub.topics[string(topic)] = n
		} else {
			delete(sub.topics, string(topic))
		}
		if first {
			p.welcome(sub)
		}
		p.mu.Unlock()
	}
}

// welcome queues the welcome message for a subscriber that has just
// subscribed, if the sockets have one. Called with p.mu held.
func (p *publisher) welcome(sub *subscriber) {
	f := p.s.welcome.Load()
	if f == nil || p.closed || sub.gone {
		return
	}
	msgType, content := (*f)()
	frames, err := p.s.pubFrames(nil, msgType, content, nil)
	if err != nil {
		p.s.logf("jupyter: iopub welcome: %v", err)
		return
	}
	if !sub.subscribed(frames[0]) {
		return
	}
	p.seq++
	sub.push(pubItem{seq: p.seq, frames: frames, size: framesSize(frames)})
	p.cond.Broadcast()
}

// push queues an item for the subscriber's writer. Called with p.mu held.
func (sub *subscriber) push(it pubItem) {
	sub.queue = append(sub.queue, it)
	sub.pendingBytes += it.size
	sub.pendingMsgs++
}

func framesSize(frames [][]byte) int64 {
	var size int64
	for _, f := range frames {
		size += int64(len(f))
	}
	return size
}

// write is the writer goroutine of one subscriber.
func (p *publisher) write(sub *subscriber) {
	defer p.s.wg.Done()
	for {
		p.mu.Lock()
		for len(sub.queue) == 0 && !sub.gone && !p.closed {
			p.cond.Wait()
		}
		if sub.gone || p.closed {
			p.mu.Unlock()
			return
		}
		n := 0
		var size int64
		for n < len(sub.queue) && (n == 0 || size < pubBatchBytes) {
			size += sub.queue[n].size
			n++
		}
		batch := make([]pubItem, n)
		copy(batch, sub.queue)
		clear(sub.queue[:n])
		sub.queue = sub.queue[n:]
		if len(sub.queue) == 0 {
			sub.queue = nil
		}
		sub.writingFrom = batch[0].seq
		p.mu.Unlock()

		var bufs [][]byte
		for _, it := range batch {
			bufs = appendMsg(bufs, it.frames)
		}
		err := sub.c.writeBuffers(bufs, 0)

		p.mu.Lock()
		sub.writingFrom = 0
		sub.pendingBytes -= size
		sub.pendingMsgs -= n
		if err != nil {
			sub.gone = true
			sub.queue = nil
		}
		p.cond.Broadcast()
		p.mu.Unlock()
		if err != nil {
			p.s.readFailed("iopub", sub.c, err)
			return
		}
	}
}

func (p *publisher) flush(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	t := time.AfterFunc(timeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer t.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	target := p.seq
	for !p.closed && !p.flushed(target) && time.Now().Before(deadline) {
		p.cond.Wait()
	}
}

// flushed reports whether every healthy subscriber has written all
// messages up to seq target.
func (p *publisher) flushed(target uint64) bool {
	for sub := range p.subs {
		if sub.gone || sub.dropping {
			continue
		}
		if sub.writingFrom != 0 && sub.writingFrom <= target {
			return false
		}
		if len(sub.queue) > 0 && sub.queue[0].seq <= target {
			return false
		}
	}
	return true
}

func (p *publisher) close() {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
}
