package jupyter

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// fakeConn reads from a fixed input and discards writes.
type fakeConn struct {
	r   io.Reader
	out bytes.Buffer
}

func (c *fakeConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c *fakeConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *fakeConn) Close() error                     { return nil }
func (c *fakeConn) LocalAddr() net.Addr              { return nil }
func (c *fakeConn) RemoteAddr() net.Addr             { return nil }
func (c *fakeConn) SetDeadline(time.Time) error      { return nil }
func (c *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// peerHandshake is what a DEALER client with identity "id" sends.
func peerHandshake() []byte {
	b := greeting()
	ready := appendCommandName(nil, "READY")
	ready = appendProperty(ready, "Socket-Type", "DEALER")
	ready = appendProperty(ready, "Identity", "id")
	for _, buf := range appendFrame(nil, ready, flagCommand) {
		b = append(b, buf...)
	}
	return b
}

func TestHandshakeAndFraming(t *testing.T) {
	in := peerHandshake()
	var msg []byte
	for _, buf := range appendMsg(nil, [][]byte{[]byte("a"), bytes.Repeat([]byte("b"), 300), {}}) {
		msg = append(msg, buf...)
	}
	in = append(in, msg...)
	fc := &fakeConn{r: bytes.NewReader(in)}
	c, err := handshake(fc, typeRouter, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if c.peerType != "DEALER" || string(c.peerID) != "id" {
		t.Errorf("peer %s %q", c.peerType, c.peerID)
	}
	// What we sent: our greeting, then READY with Socket-Type ROUTER.
	sent := fc.out.Bytes()
	if !bytes.Equal(sent[:greetingSize], greeting()) {
		t.Errorf("greeting % x", sent[:greetingSize])
	}
	if !bytes.Contains(sent, []byte("\x0bSocket-Type\x00\x00\x00\x06ROUTER")) {
		t.Errorf("READY % q", sent[greetingSize:])
	}
	frames, isCmd, err := c.readMsg(MaxMessageSize)
	if err != nil || isCmd || len(frames) != 3 || len(frames[1]) != 300 || len(frames[2]) != 0 {
		t.Fatalf("readMsg: %q %v %v", frames, isCmd, err)
	}
	if _, _, err := c.readMsg(MaxMessageSize); err != io.EOF {
		t.Errorf("at end: %v, want io.EOF", err)
	}
	// The limit counts all frames of a message.
	c, _ = handshake(&fakeConn{r: bytes.NewReader(append(peerHandshake(), msg...))}, typeRouter, time.Second)
	if _, _, err := c.readMsg(300); err == nil {
		t.Error("a 301-byte message passed a 300-byte limit")
	}
}

func TestHandshakeRejects(t *testing.T) {
	good := peerHandshake()
	mutate := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"short greeting", good[:30]},
		{"bad signature", mutate(func(b []byte) []byte { b[0] = 0; return b })},
		{"ZMTP 2", mutate(func(b []byte) []byte { b[10] = 1; return b })},
		{"CURVE", mutate(func(b []byte) []byte { copy(b[12:], "CURVE"); return b })},
		{"no READY", good[:greetingSize]},
		{"message instead of READY", append(greeting(), 0, 1, 'x')},
		{"ERROR", func() []byte {
			b := greeting()
			for _, f := range appendFrame(nil, append(appendCommandName(nil, "ERROR"), 3, 'b', 'a', 'd'), flagCommand) {
				b = append(b, f...)
			}
			return b
		}()},
		{"truncated property", mutate(func(b []byte) []byte { return append(b[:len(b)-3], 0, 0, 0) })},
		{"huge command", func() []byte {
			b := greeting()
			b = append(b, flagCommand|flagLong)
			return binary.BigEndian.AppendUint64(b, 1<<62)
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := handshake(&fakeConn{r: bytes.NewReader(tt.in)}, typeRouter, time.Second); err == nil {
				t.Error("handshake succeeded")
			} else {
				t.Log(err)
			}
		})
	}
}

// FuzzZMTP feeds arbitrary bytes to a ROUTER connection after a valid
// handshake prefix (or none): the kernel must never panic or allocate
// according to announced sizes.
func FuzzZMTP(f *testing.F) {
	f.Add(peerHandshake(), []byte{0x01, 0x01, 'a', 0x00, 0x00}, true)
	f.Add([]byte{}, append(greeting(), 0x06, 0x40, 0, 0, 0, 0, 0, 0, 0), false)
	f.Add(peerHandshake(), []byte{0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, true)
	f.Fuzz(func(t *testing.T, prefix, data []byte, usePrefix bool) {
		in := data
		if usePrefix {
			in = append(append([]byte(nil), prefix...), data...)
		}
		c, err := handshake(&fakeConn{r: bytes.NewReader(in)}, typeRouter, time.Second)
		if err != nil {
			return
		}
		for {
			frames, isCmd, err := c.readMsg(1 << 20)
			if err != nil {
				return
			}
			if isCmd {
				c.command(frames[0])
			}
		}
	})
}
