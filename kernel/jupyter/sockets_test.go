package jupyter

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// These tests talk to Sockets with github.com/go-zeromq/zmq4 client sockets
// (an independent ZMTP implementation) and with raw connections for
// hostile input. interop_test.go does the same with libzmq.

const testKey = "test-key-0123"

type logBuf struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	l.t.Log("logf: " + line)
}

func (l *logBuf) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		if strings.Contains(line, substr) {
			n++
		}
	}
	return n
}

func (l *logBuf) waitFor(t *testing.T, substr string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for l.count(substr) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no log line containing %q; have %q", substr, l.lines)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func bindTest(t *testing.T, info ConnectionInfo) (*Sockets, *logBuf) {
	t.Helper()
	lb := &logBuf{t: t}
	if info.IP == "" {
		info.IP = "127.0.0.1"
	}
	if info.Key == "" {
		info.Key, info.SignatureScheme = testKey, SignatureHMACSHA256
	}
	s, err := Bind(context.Background(), info, lb.logf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, lb
}

func endpoint(s *Sockets, port int) string {
	info := s.Info()
	if info.Transport == "ipc" {
		return "ipc://" + ipcPath(info.IP, port)
	}
	return fmt.Sprintf("tcp://%s:%d", info.IP, port)
}

var quietLogger = log.New(io.Discard, "", 0)

// dial connects a zmq4 client socket and closes it at the end of the test.
func dial(t *testing.T, sock zmq4.Socket, ep string) zmq4.Socket {
	t.Helper()
	if err := sock.Dial(ep); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sock.Close() })
	return sock
}

func dealer(t *testing.T, s *Sockets, port int, id string) zmq4.Socket {
	return dial(t, zmq4.NewDealer(context.Background(), zmq4.WithID(zmq4.SocketIdentity(id)), zmq4.WithLogger(quietLogger)), endpoint(s, port))
}

// recv receives one message from a zmq4 socket within 5 s.
func recv(t *testing.T, sock zmq4.Socket) [][]byte {
	t.Helper()
	type result struct {
		msg zmq4.Msg
		err error
	}
	c := make(chan result, 1)
	go func() {
		m, err := sock.Recv()
		c <- result{m, err}
	}()
	select {
	case r := <-c:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r.msg.Frames
	case <-time.After(5 * time.Second):
		t.Fatal("timeout receiving")
		return nil
	}
}

// request builds the frames a client sends (no identities).
func request(t *testing.T, signer Signer, msgType string, content any) [][]byte {
	t.Helper()
	c, err := json.Marshal(content)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := Encode(&Message{Header: NewHeader(msgType, "client-session", "user"), Content: c}, signer)
	if err != nil {
		t.Fatal(err)
	}
	return frames
}

func send(t *testing.T, sock zmq4.Socket, frames [][]byte) {
	t.Helper()
	if err := sock.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		t.Fatal(err)
	}
}

func next(t *testing.T, s *Sockets) *Message {
	t.Helper()
	select {
	case m, ok := <-s.Incoming():
		if !ok {
			t.Fatal("Incoming closed")
		}
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("timeout waiting for Incoming")
		return nil
	}
}

func expectNothing(t *testing.T, s *Sockets) {
	t.Helper()
	select {
	case m := <-s.Incoming():
		t.Fatalf("unexpected message %+v", m)
	case <-time.After(100 * time.Millisecond):
	}
}

func TestRequestReply(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	signer := NewSigner(testKey)
	info := s.Info()
	for _, tc := range []struct {
		ch   Channel
		port int
	}{{Shell, info.ShellPort}, {Control, info.ControlPort}} {
		t.Run(string(tc.ch), func(t *testing.T) {
			d := dealer(t, s, tc.port, "client-"+string(tc.ch))
			req := request(t, signer, "kernel_info_request", map[string]any{})
			send(t, d, req)
			m := next(t, s)
			if m.Channel != tc.ch || m.Header.MsgType != "kernel_info_request" {
				t.Fatalf("got %s %s", m.Channel, m.Header.MsgType)
			}
			if len(m.Identities) != 1 || string(m.Identities[0]) != "client-"+string(tc.ch) {
				t.Fatalf("Identities = %q", m.Identities)
			}
			if err := s.Reply(m, "kernel_info_reply", map[string]any{"status": "ok"}, map[string]any{"m": 1}); err != nil {
				t.Fatal(err)
			}
			rep, err := Decode(recv(t, d), signer)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rep.Parent, req[2]) {
				t.Errorf("parent_header = %s, want the request header %s", rep.Parent, req[2])
			}
			if rep.Header.MsgType != "kernel_info_reply" || rep.Header.Session != s.Session() || rep.Header.Version != "5.3" {
				t.Errorf("reply header %+v", rep.Header)
			}
			if string(rep.Content) != `{"status":"ok"}` || rep.Metadata["m"] != 1.0 {
				t.Errorf("content %s metadata %v", rep.Content, rep.Metadata)
			}
		})
	}
}

func TestRoutingManyClients(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	signer := NewSigner(testKey)
	const n = 5
	clients := make([]zmq4.Socket, n)
	for i := range clients {
		clients[i] = dealer(t, s, s.Info().ShellPort, fmt.Sprintf("client-%d", i))
	}
	// A peer without identity gets a generated one.
	raw := rawClient(t, s, s.Info().ShellPort, "DEALER", nil)

	done := make(chan error, 1)
	go func() {
		for range n + 1 {
			m, ok := <-s.Incoming()
			if !ok {
				done <- errors.New("closed")
				return
			}
			var c map[string]any
			json.Unmarshal(m.Content, &c)
			if err := s.Reply(m, "echo_reply", c, nil); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i, c := range clients {
		send(t, c, request(t, signer, "echo_request", map[string]any{"who": i}))
	}
	if err := raw.writeMsg(request(t, signer, "echo_request", map[string]any{"who": "raw"}), time.Second); err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		rep, err := Decode(recv(t, c), signer)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{"who":%d}`, i); string(rep.Content) != want {
			t.Errorf("client %d got %s", i, rep.Content)
		}
	}
	frames, _, err := raw.readMsg(MaxMessageSize)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Decode(frames, signer)
	if err != nil {
		t.Fatal(err)
	}
	if string(rep.Content) != `{"who":"raw"}` {
		t.Errorf("raw client got %s", rep.Content)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A second connection with the identity of a connected peer is refused,
// as libzmq's ROUTER does: the first peer keeps its replies, also after
// the second one has gone.
func TestSecondPeerWithTheSameIdentityIsRefused(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	signer := NewSigner(testKey)
	first := dealer(t, s, s.Info().ShellPort, "same")
	echo := func(who string) {
		t.Helper()
		send(t, first, request(t, signer, "echo_request", map[string]any{"who": who}))
		m := next(t, s)
		if err := s.Reply(m, "echo_reply", map[string]any{"who": who}, nil); err != nil {
			t.Fatal(err)
		}
		rep, err := Decode(recv(t, first), signer)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`{"who":%q}`, who); string(rep.Content) != want {
			t.Fatalf("first peer got %s, want %s", rep.Content, want)
		}
	}
	echo("before")
	second := rawClient(t, s, s.Info().ShellPort, "DEALER", []byte("same"))
	_ = second.nc.SetReadDeadline(time.Now().Add(3 * time.Second))
	var ne net.Error
	if _, _, err := second.readMsg(MaxMessageSize); err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the second peer with the same identity was not disconnected (%v)", err)
	}
	echo("while the second one came and went")
	echo("after")
}

func TestReplyErrors(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	parent := &Message{Channel: Shell, Identities: [][]byte{[]byte("nobody")}, Header: NewHeader("execute_request", "x", "u")}
	if err := s.Reply(parent, "execute_reply", nil, nil); !errors.Is(err, ErrNoPeer) {
		t.Errorf("Reply to an unknown identity: %v, want ErrNoPeer", err)
	}
	if _, err := s.SendStdin(parent, "input_request", nil); !errors.Is(err, ErrNoPeer) {
		t.Errorf("SendStdin to an unknown identity: %v, want ErrNoPeer", err)
	}
	if err := s.Reply(&Message{Channel: IOPub, Identities: parent.Identities}, "x", nil, nil); err == nil {
		t.Error("Reply on iopub succeeded")
	}
	if err := s.Reply(&Message{Channel: Shell}, "x", nil, nil); err == nil {
		t.Error("Reply without identities succeeded")
	}
	if err := s.Reply(nil, "x", nil, nil); err == nil {
		t.Error("Reply to nil succeeded")
	}
	if err := s.Reply(parent, "x", func() {}, nil); err == nil {
		t.Error("Reply with unencodable content succeeded")
	}
}

func TestStdin(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	signer := NewSigner(testKey)
	shell := dealer(t, s, s.Info().ShellPort, "session-1")
	stdin := dealer(t, s, s.Info().StdinPort, "session-1")
	waitPeer(t, s, Stdin, "session-1")
	exec := request(t, signer, "execute_request", map[string]any{"code": "x", "allow_stdin": true})
	send(t, shell, exec)
	req := next(t, s)
	h, err := s.SendStdin(req, "input_request", map[string]any{"prompt": "name? ", "password": false})
	if err != nil {
		t.Fatal(err)
	}
	in, err := Decode(recv(t, stdin), signer)
	if err != nil {
		t.Fatal(err)
	}
	if in.Header != h || !bytes.Equal(in.Parent, exec[2]) || in.Header.MsgType != "input_request" {
		t.Errorf("input_request %+v parent %s; SendStdin returned %+v", in.Header, in.Parent, h)
	}
	reply, err := Encode(&Message{Header: NewHeader("input_reply", "client-session", "u"), Parent: in.RawHeader, Content: json.RawMessage(`{"value":"gopher"}`)}, signer)
	if err != nil {
		t.Fatal(err)
	}
	send(t, stdin, reply)
	m := next(t, s)
	if m.Channel != Stdin || m.Header.MsgType != "input_reply" || string(m.Content) != `{"value":"gopher"}` {
		t.Errorf("got %s %s %s", m.Channel, m.Header.MsgType, m.Content)
	}
}

// waitPeer waits until the kernel side of a connection is registered.
func waitPeer(t *testing.T, s *Sockets, ch Channel, id string) {
	t.Helper()
	r := s.routers[ch]
	for deadline := time.Now().Add(5 * time.Second); ; {
		r.mu.Lock()
		ok := r.peers[id] != nil
		r.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s peer %q never registered", ch, id)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitSubscribers waits until n iopub subscribers have subscribed to something.
func waitSubscribers(t *testing.T, s *Sockets, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.pub.mu.Lock()
		k := 0
		for sub := range s.pub.subs {
			if len(sub.topics) > 0 {
				k++
			}
		}
		s.pub.mu.Unlock()
		if k >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d subscribers", k, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func subscribe(t *testing.T, s *Sockets, topic string) zmq4.Socket {
	sub := dial(t, zmq4.NewSub(context.Background(), zmq4.WithLogger(quietLogger)), endpoint(s, s.Info().IOPubPort))
	if err := sub.SetOption(zmq4.OptionSubscribe, topic); err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestPublish(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	signer := NewSigner(testKey)
	all := subscribe(t, s, "")
	statusOnly := subscribe(t, s, "kernel."+s.Session()+".status")
	waitSubscribers(t, s, 2)

	parent := &Message{Channel: Shell, RawHeader: json.RawMessage(`{"msg_id":"p1","msg_type":"execute_request"}`)}
	if err := s.Publish(parent, "status", map[string]string{"execution_state": "busy"}, nil); err != nil {
		t.Fatal(err)
	}
	const n = 2000
	for i := range n {
		if err := s.Publish(parent, "stream", map[string]any{"name": "stdout", "text": fmt.Sprint(i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Publish(nil, "status", map[string]string{"execution_state": "idle"}, nil); err != nil {
		t.Fatal(err)
	}
	s.Flush(5 * time.Second)

	decode := func(frames [][]byte) *Message {
		t.Helper()
		m, err := Decode(frames, signer)
		if err != nil {
			t.Fatal(err)
		}
		if want := "kernel." + s.Session() + "." + m.Header.MsgType; string(m.Identities[0]) != want {
			t.Errorf("topic %q, want %q", m.Identities[0], want)
		}
		return m
	}
	m := decode(recv(t, all))
	if m.Header.MsgType != "status" || string(m.Parent) != string(parent.RawHeader) {
		t.Fatalf("first message %+v parent %s", m.Header, m.Parent)
	}
	for i := range n {
		m := decode(recv(t, all))
		var c struct{ Text string }
		json.Unmarshal(m.Content, &c)
		if c.Text != fmt.Sprint(i) {
			t.Fatalf("message %d has text %q: order lost", i, c.Text)
		}
	}
	m = decode(recv(t, all))
	if m.Header.MsgType != "status" || string(m.Parent) != "{}" {
		t.Fatalf("last message %+v parent %s", m.Header, m.Parent)
	}
	for _, state := range []string{"busy", "idle"} {
		m := decode(recv(t, statusOnly))
		if m.Header.MsgType != "status" || !strings.Contains(string(m.Content), state) {
			t.Fatalf("status subscriber got %s %s", m.Header.MsgType, m.Content)
		}
	}
}

func TestWelcomeGoesToTheNewSubscriberOnly(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	signer := NewSigner(testKey)
	var state atomic.Value
	state.Store("busy")
	s.SetWelcome(func() (string, any) {
		return "status", map[string]string{"execution_state": state.Load().(string)}
	})
	first := subscribe(t, s, "")
	waitSubscribers(t, s, 1)
	state.Store("idle")
	second := subscribe(t, s, "kernel."+s.Session()+".status")
	waitSubscribers(t, s, 2)
	none := subscribe(t, s, "kernel."+s.Session()+".stream") // the welcome is no stream
	waitSubscribers(t, s, 3)
	if err := s.Publish(nil, "stream", map[string]string{"name": "stdout", "text": "after"}, nil); err != nil {
		t.Fatal(err)
	}
	s.Flush(5 * time.Second)
	next := func(sock zmq4.Socket) *Message {
		t.Helper()
		m, err := Decode(recv(t, sock), signer)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, c := range []struct {
		sock zmq4.Socket
		want string
	}{{first, "busy"}, {second, "idle"}} {
		m := next(c.sock)
		if m.Header.MsgType != "status" || !strings.Contains(string(m.Content), c.want) || string(m.Parent) != "{}" {
			t.Errorf("welcome = %s %s parent %s, want status %s without a parent", m.Header.MsgType, m.Content, m.Parent, c.want)
		}
	}
	// The first subscriber got its welcome once, then what was published.
	if m := next(first); m.Header.MsgType != "stream" {
		t.Errorf("after the welcome: %s %s, want the stream", m.Header.MsgType, m.Content)
	}
	if m := next(none); m.Header.MsgType != "stream" {
		t.Errorf("a stream subscriber got %s %s first", m.Header.MsgType, m.Content)
	}
}

func TestSlowSubscriber(t *testing.T) {
	s, lb := bindTest(t, ConnectionInfo{})
	s.pub.mu.Lock()
	s.pub.maxBytes = 1 << 20
	s.pub.maxMsgs = 1000
	s.pub.mu.Unlock()

	good := subscribe(t, s, "")
	stuck := rawClient(t, s, s.Info().IOPubPort, "SUB", nil)
	if err := stuck.writeMsg([][]byte{{1}}, time.Second); err != nil { // subscribe to everything, then never read
		t.Fatal(err)
	}
	waitSubscribers(t, s, 2)

	const n = 3000
	text := strings.Repeat("x", 8<<10)
	received := make(chan int, 1)
	var got atomic.Int64
	go func() {
		for i := range n {
			msg, err := good.Recv()
			if err != nil {
				received <- i
				return
			}
			m, err := Decode(msg.Frames, NewSigner(testKey))
			if err != nil || !strings.Contains(string(m.Content), fmt.Sprintf(`"i":%d,`, i)) {
				received <- i
				return
			}
			got.Add(1)
		}
		received <- n
	}()
	var slowest time.Duration
	for i := range n {
		start := time.Now()
		if err := s.Publish(nil, "stream", map[string]any{"i": i, "text": text}, nil); err != nil {
			t.Fatal(err)
		}
		slowest = max(slowest, time.Since(start))
		if i%100 == 99 {
			// Let the good subscriber keep up, however loaded the
			// machine is: only the stuck one may fall behind.
			deadline := time.Now().Add(20 * time.Second)
			for got.Load() < int64(i+1) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		}
	}
	// Publish must never wait for the stuck subscriber; the bound is
	// generous because the machine may be busy.
	if slowest > 5*time.Second {
		t.Errorf("slowest Publish took %v", slowest)
	}
	start := time.Now()
	s.Flush(10 * time.Second)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Flush waited %v for a subscriber that is dropping", d)
	}
	select {
	case got := <-received:
		if got != n {
			t.Fatalf("good subscriber got %d of %d messages in order", got, n)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("good subscriber stalled")
	}
	if c := lb.count("is not reading"); c != 1 {
		t.Errorf("%d drop lines logged, want 1 for one burst", c)
	}
}

func TestFlushWaitsForWrites(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	raw := rawClient(t, s, s.Info().IOPubPort, "SUB", nil)
	if err := raw.writeMsg([][]byte{{1}}, time.Second); err != nil {
		t.Fatal(err)
	}
	waitSubscribers(t, s, 1)
	// 24 MiB cannot sit in loopback socket buffers, so Flush must time out
	// while nobody reads, and return once the client has read everything.
	big := strings.Repeat("y", 24<<20)
	if err := s.Publish(nil, "stream", map[string]string{"text": big}, nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	s.Flush(300 * time.Millisecond)
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("Flush returned after %v while the message cannot have been written", d)
	}
	go func() {
		for {
			if _, _, err := raw.readMsg(MaxMessageSize); err != nil {
				return
			}
		}
	}()
	start = time.Now()
	s.Flush(10 * time.Second)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Flush took %v with a reading client", d)
	}
}

func TestHeartbeat(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	req := dial(t, zmq4.NewReq(context.Background(), zmq4.WithLogger(quietLogger)), endpoint(s, s.Info().HBPort))
	for _, ping := range []string{"ping", "", strings.Repeat("z", 1000)} {
		send(t, req, [][]byte{[]byte(ping)})
		got := recv(t, req)
		if len(got) != 1 || string(got[0]) != ping {
			t.Fatalf("heartbeat echoed %q for %q", got, ping)
		}
	}
	// A DEALER sees the envelope echoed too.
	d := rawClient(t, s, s.Info().HBPort, "DEALER", []byte("hb"))
	in := [][]byte{[]byte("a"), {}, []byte("ping")}
	if err := d.writeMsg(in, time.Second); err != nil {
		t.Fatal(err)
	}
	out, _, err := d.readMsg(1 << 20)
	if err != nil || fmt.Sprint(out) != fmt.Sprint(in) {
		t.Fatalf("echo %q, %v; want %q", out, err, in)
	}
	// ZMTP 3.1 PING gets a PONG with the same context.
	ping := append(appendCommandName(nil, "PING"), 0, 10, 'c', 't', 'x')
	if err := d.writeBuffers(appendFrame(nil, ping, flagCommand), time.Second); err != nil {
		t.Fatal(err)
	}
	out, isCmd, err := d.readMsg(1 << 20)
	if err != nil || !isCmd {
		t.Fatalf("PING answered with %q, command %v, %v", out, isCmd, err)
	}
	if name, body, _ := parseCommand(out[0]); name != "PONG" || string(body) != "ctx" {
		t.Errorf("PING answered with %s %q, want PONG \"ctx\"", name, body)
	}
}

func TestBadInputIsLoggedAndDropped(t *testing.T) {
	s, lb := bindTest(t, ConnectionInfo{})
	d := dealer(t, s, s.Info().ShellPort, "c")
	good := request(t, NewSigner(testKey), "kernel_info_request", nil)

	bad := append([][]byte(nil), good...)
	bad[1] = []byte(strings.Repeat("0", 64))
	send(t, d, bad)
	lb.waitFor(t, "bad signature")
	send(t, d, request(t, NewSigner("wrong"), "kernel_info_request", nil))
	send(t, d, [][]byte{[]byte("no delimiter")})
	lb.waitFor(t, "no <IDS|MSG> delimiter")
	send(t, d, good[:4])
	lb.waitFor(t, "want at least 5")
	if c := lb.count("shell: dropped a message from"); c != 4 {
		t.Errorf("%d drop lines, want 4", c)
	}
	expectNothing(t, s)

	send(t, d, good)
	if m := next(t, s); m.Header.MsgType != "kernel_info_request" {
		t.Fatalf("got %s", m.Header.MsgType)
	}
}

// rawClient connects to port and performs the ZMTP handshake as typ.
func rawClient(t *testing.T, s *Sockets, port int, typ string, id []byte) *zconn {
	t.Helper()
	nc := rawDial(t, s, port)
	c, err := handshakeAs(nc, typ, id, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rawDial(t *testing.T, s *Sockets, port int) net.Conn {
	t.Helper()
	network, addr := "tcp", fmt.Sprintf("%s:%d", s.Info().IP, port)
	if s.Info().Transport == "ipc" {
		network, addr = "unix", ipcPath(s.Info().IP, port)
	}
	nc, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// waitClosed fails unless the server closes nc within 5 s.
func waitClosed(t *testing.T, nc net.Conn) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, nc); err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("connection not closed by the kernel: %v", err)
	}
}

func TestHostilePeers(t *testing.T) {
	s, lb := bindTest(t, ConnectionInfo{})
	port := s.Info().ShellPort

	// A connection that never speaks must not block the others.
	rawDial(t, s, port)

	// A frame header announcing 2^62 bytes in the handshake (this makes
	// zmq4 v0.17.0 panic in makeslice).
	nc := rawDial(t, s, port)
	nc.Write(greeting())
	huge := make([]byte, 9)
	huge[0] = flagCommand | flagLong
	binary.BigEndian.PutUint64(huge[1:], 1<<62)
	nc.Write(huge)
	waitClosed(t, nc)
	lb.waitFor(t, "message too large")

	// The same after the handshake, and a message just over the limit.
	for _, size := range []uint64{1 << 62, MaxMessageSize + 1} {
		c := rawClient(t, s, port, "DEALER", []byte("evil"))
		hdr := make([]byte, 9)
		hdr[0] = flagLong | flagMore
		binary.BigEndian.PutUint64(hdr[1:], size)
		c.nc.Write(hdr)
		waitClosed(t, c.nc)
	}

	// Garbage instead of a greeting, and a wrong socket type.
	nc = rawDial(t, s, port)
	nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n" + strings.Repeat(" ", 64)))
	waitClosed(t, nc)
	lb.waitFor(t, "not a ZMTP greeting")
	nc = rawDial(t, s, port)
	if _, err := handshakeAs(nc, "SUB", nil, 5*time.Second); err == nil {
		t.Error("ROUTER accepted a SUB peer")
	}
	lb.waitFor(t, `peer socket type "SUB" cannot talk to ROUTER`)

	// After all that, a well-behaved client is served.
	d := dealer(t, s, port, "good")
	send(t, d, request(t, NewSigner(testKey), "kernel_info_request", nil))
	m := next(t, s)
	if err := s.Reply(m, "kernel_info_reply", nil, nil); err != nil {
		t.Fatal(err)
	}
	recv(t, d)
}

func TestLargeMessages(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	signer := NewSigner(testKey)
	d := dealer(t, s, s.Info().ShellPort, "c")
	big := strings.Repeat("é", 1<<20) // 2 MiB, more than one allocChunk
	send(t, d, request(t, signer, "execute_request", map[string]string{"code": big}))
	m := next(t, s)
	var c struct{ Code string }
	if err := json.Unmarshal(m.Content, &c); err != nil || c.Code != big {
		t.Fatalf("content of %d bytes mangled: %v", len(m.Content), err)
	}
	if err := s.Reply(m, "execute_reply", map[string]string{"echo": big}, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := Decode(recv(t, d), signer)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Content) < len(big) {
		t.Fatalf("reply content %d bytes", len(rep.Content))
	}
}

func TestClose(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	dealer(t, s, s.Info().ShellPort, "c")
	subscribe(t, s, "")
	waitSubscribers(t, s, 1)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-s.Incoming(); ok {
		t.Error("Incoming delivered after Close")
	}
	if err := s.Publish(nil, "status", nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Publish after Close: %v", err)
	}
	if err := s.Reply(&Message{Channel: Shell, Identities: [][]byte{[]byte("c")}}, "x", nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Reply after Close: %v", err)
	}
	s.Flush(time.Second)
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	// The ports are free again.
	s2, err := Bind(context.Background(), s.Info(), nil)
	if err != nil {
		t.Fatalf("rebinding the same ports: %v", err)
	}
	s2.Close()
}

func TestContextEndCloses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Bind(ctx, ConnectionInfo{IP: "127.0.0.1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case _, ok := <-s.Incoming():
		if ok {
			t.Fatal("message after cancel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Incoming not closed after the context ended")
	}
	if _, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.Info().HBPort)); err == nil {
		t.Error("heartbeat still listening")
	}
}

func TestBindErrors(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{})
	info := s.Info()
	info.ShellPort = 0
	if _, err := Bind(context.Background(), info, nil); err == nil || !strings.Contains(err.Error(), "binding control socket") {
		t.Errorf("binding a used port: %v", err)
	}
	if _, err := Bind(context.Background(), ConnectionInfo{IP: "127.0.0.1", Transport: "udp"}, nil); err == nil {
		t.Error("udp accepted")
	}
	if _, err := Bind(context.Background(), ConnectionInfo{IP: "127.0.0.1", Key: "k", SignatureScheme: "hmac-sha1"}, nil); err == nil {
		t.Error("hmac-sha1 accepted")
	}
}

func TestBindAllInterfaces(t *testing.T) {
	s, _ := bindTest(t, ConnectionInfo{IP: "0.0.0.0"})
	info := s.Info()
	d := dial(t, zmq4.NewDealer(context.Background(), zmq4.WithID(zmq4.SocketIdentity("c")), zmq4.WithLogger(quietLogger)), fmt.Sprintf("tcp://127.0.0.1:%d", info.ShellPort))
	send(t, d, request(t, NewSigner(testKey), "kernel_info_request", nil))
	if m := next(t, s); m.Header.MsgType != "kernel_info_request" {
		t.Fatal(m.Header.MsgType)
	}
}

func TestIPC(t *testing.T) {
	dir := t.TempDir()
	s, _ := bindTest(t, ConnectionInfo{Transport: "ipc", IP: filepath.Join(dir, "kernel")})
	info := s.Info()
	ports := []int{info.ShellPort, info.ControlPort, info.StdinPort, info.IOPubPort, info.HBPort}
	if fmt.Sprint(ports) != "[1 2 3 4 5]" {
		t.Errorf("ipc ports %v, want 1..5 as jupyter_client picks them", ports)
	}
	d := dealer(t, s, info.ShellPort, "c")
	send(t, d, request(t, NewSigner(testKey), "kernel_info_request", nil))
	m := next(t, s)
	if err := s.Reply(m, "kernel_info_reply", nil, nil); err != nil {
		t.Fatal(err)
	}
	recv(t, d)
}
