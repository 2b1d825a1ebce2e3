package jupyter

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"slices"
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

// refReadMsg parses one message from the start of b the way RFC 23
// frames it: each frame is a flags byte, a size (one byte, or eight
// big-endian bytes with flagLong) and the body; a command frame is a
// message of its own, without flagMore; a frame without flagMore ends the
// message. It returns the frames and the bytes they took, or n < 0 if b
// does not start with a whole, well-formed message.
func refReadMsg(b []byte) (frames [][]byte, isCmd bool, n int) {
	for {
		if len(b[n:]) < 2 {
			return nil, false, -1
		}
		flags := b[n]
		size, hdr := uint64(b[n+1]), 2
		if flags&flagLong != 0 {
			if len(b[n:]) < 9 {
				return nil, false, -1
			}
			size, hdr = binary.BigEndian.Uint64(b[n+1:]), 9
		}
		if size > uint64(len(b[n+hdr:])) {
			return nil, false, -1
		}
		if flags&flagCommand != 0 {
			// A command stands alone: neither inside a message nor
			// followed by more frames.
			if len(frames) > 0 || flags&flagMore != 0 {
				return nil, false, -1
			}
			return [][]byte{b[n+hdr : n+hdr+int(size)]}, true, n + hdr + int(size)
		}
		frames = append(frames, b[n+hdr:n+hdr+int(size)])
		n += hdr + int(size)
		if flags&flagMore == 0 {
			return frames, false, n
		}
	}
}

// FuzzZMTP feeds arbitrary bytes to a ROUTER connection after a valid
// handshake prefix (or none). The kernel must never panic or allocate
// according to announced sizes, and:
//   - a handshake succeeds only with a peer type that can talk to a
//     ROUTER, after sending our greeting and READY;
//   - each message read is the frames RFC 23 framing gives for the bytes
//     it consumed, within the size limit, and a command is one frame;
//   - what appendMsg writes, readMsg reads back;
//   - a PING is answered with a PONG carrying its context;
//   - the input ends with io.EOF only at a message boundary.
func FuzzZMTP(f *testing.F) {
	f.Add(peerHandshake(), []byte{0x01, 0x01, 'a', 0x00, 0x00}, true)
	f.Add([]byte{}, append(greeting(), 0x06, 0x40, 0, 0, 0, 0, 0, 0, 0), false)
	f.Add(peerHandshake(), []byte{0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, true)
	f.Add(peerHandshake(), []byte{0x04, 0x09, 0x04, 'P', 'I', 'N', 'G', 0, 10, 'c', 'x', 0x01, 0x00, 0x01}, true)
	f.Add(peerHandshake(), []byte{0x03, 0, 0, 0, 0, 0, 0, 0, 1, 'a', 0x00, 0x00, 0x04, 0x0a, 0x09, 'S', 'U', 'B', 'S', 'C', 'R', 'I', 'B', 'E'}, true)
	const limit = 1 << 20
	f.Fuzz(func(t *testing.T, prefix, data []byte, usePrefix bool) {
		in := data
		if usePrefix {
			in = append(append([]byte(nil), prefix...), data...)
		}
		br := bytes.NewReader(in)
		fc := &fakeConn{r: br}
		c, err := handshake(fc, typeRouter, time.Second)
		if err != nil {
			return
		}
		if !slices.Contains(compatible[typeRouter], c.peerType) {
			t.Fatalf("handshake accepted a %q peer", c.peerType)
		}
		var ready []byte
		for _, b := range appendFrame(nil, appendProperty(appendProperty(appendCommandName(nil, "READY"), "Socket-Type", typeRouter), "Identity", ""), flagCommand) {
			ready = append(ready, b...)
		}
		if sent := fc.out.Bytes(); !bytes.Equal(sent, append(greeting(), ready...)) {
			t.Fatalf("handshake sent % x", sent)
		}
		fc.out.Reset()
		consumed := func() int { return len(in) - br.Len() - c.r.Buffered() }
		for {
			start := consumed()
			frames, isCmd, err := c.readMsg(limit)
			if err != nil {
				want, _, n := refReadMsg(in[start:])
				switch {
				case err == io.EOF && start != len(in):
					t.Fatalf("io.EOF with %d bytes of a message read: % .32x", len(in)-start, in[start:])
				case errors.Is(err, errTooLarge):
				case n >= 0:
					t.Fatalf("readMsg failed on a whole message %q: %v", want, err)
				}
				return
			}
			raw := in[start:consumed()]
			want, wantCmd, n := refReadMsg(raw)
			if n != len(raw) || isCmd != wantCmd || !slices.EqualFunc(frames, want, bytes.Equal) {
				t.Fatalf("readMsg read %q (command %v) from % .64x, which frames as %q (command %v, %d of %d bytes)", frames, isCmd, raw, want, wantCmd, n, len(raw))
			}
			total := 0
			for _, f := range frames {
				total += len(f)
			}
			if total > limit || len(frames) == 0 || isCmd && (len(frames) != 1 || total > maxCommandSize) {
				t.Fatalf("readMsg read %d frames, %d bytes (command %v), limit %d", len(frames), total, isCmd, limit)
			}

			// Round trip through appendMsg (or appendFrame for a command).
			var bufs net.Buffers
			if isCmd {
				bufs = appendFrame(nil, frames[0], flagCommand)
			} else {
				bufs = appendMsg(nil, frames)
			}
			var enc []byte
			for _, b := range bufs {
				enc = append(enc, b...)
			}
			rc := &zconn{nc: &fakeConn{}, r: bufio.NewReader(bytes.NewReader(enc))}
			back, backCmd, err := rc.readMsg(limit)
			if err != nil || backCmd != isCmd || !slices.EqualFunc(back, frames, bytes.Equal) {
				t.Fatalf("%q (command %v) encoded as % .64x reads back as %q (command %v), %v", frames, isCmd, enc, back, backCmd, err)
			}

			if !isCmd {
				continue
			}
			name, body := c.command(frames[0])
			sent := bytes.Clone(fc.out.Bytes())
			fc.out.Reset()
			if name != "PING" || len(body) < 2 {
				if len(sent) > 0 {
					t.Fatalf("command %q answered with % x", name, sent)
				}
				continue
			}
			pong, pongCmd, n := refReadMsg(sent)
			ctx := body[2:min(len(body), 18)]
			if n != len(sent) || !pongCmd || !bytes.Equal(pong[0], append([]byte("\x04PONG"), ctx...)) {
				t.Fatalf("PING % x answered with % x", body, sent)
			}
		}
	})
}
