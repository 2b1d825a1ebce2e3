package jupyter

// A minimal ZMTP 3.0 (https://rfc.zeromq.org/spec/23/) implementation with
// the NULL security mechanism: the greeting, the READY handshake and
// message framing. Routing (ROUTER), fan-out (PUB) and echo (REP) are in
// sockets.go.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

const (
	flagMore    = 0x01
	flagLong    = 0x02
	flagCommand = 0x04

	greetingSize = 64

	// maxCommandSize bounds a command frame (READY, SUBSCRIBE, ...).
	maxCommandSize = 64 << 10
	// readBufferSize is the buffer of each connection's reader.
	readBufferSize = 64 << 10
	// allocChunk bounds how much memory a frame header can make us
	// allocate before the frame's bytes actually arrive.
	allocChunk = 1 << 20
)

// ZMTP socket types used here and the peer types each accepts.
const (
	typeRouter = "ROUTER"
	typePub    = "PUB"
	typeRep    = "REP"
)

var compatible = map[string][]string{
	typeRouter: {"DEALER", "REQ", "ROUTER"},
	typePub:    {"SUB", "XSUB"},
	typeRep:    {"REQ", "DEALER"},
	// Client types, used by the tests.
	"DEALER": {"ROUTER", "REP", "DEALER"},
	"REQ":    {"ROUTER", "REP"},
	"SUB":    {"PUB", "XPUB"},
}

var errTooLarge = errors.New("message too large")

// greeting returns our ZMTP 3.0 greeting. The signature is libzmq's
// (0xff, a 1 in the 8-byte padding, 0x7f); version 3.0 makes libzmq peers
// use 3.0 framing: subscriptions are messages and there are no PINGs.
func greeting() []byte {
	g := make([]byte, greetingSize)
	g[0] = 0xff
	g[8] = 0x01
	g[9] = 0x7f
	g[10] = 3 // major
	g[11] = 0 // minor
	copy(g[12:32], "NULL")
	// g[32] as-server = 0; g[33:64] filler = 0.
	return g
}

// zconn is one established ZMTP connection.
type zconn struct {
	nc       net.Conn
	r        *bufio.Reader
	peerType string
	peerID   []byte // the peer's Identity property, if any
	remote   string // for log lines

	wmu sync.Mutex // serializes whole messages on the wire
}

// handshake performs the greeting and NULL READY exchange on nc as a socket
// of type self, within timeout.
func handshake(nc net.Conn, self string, timeout time.Duration) (*zconn, error) {
	return handshakeAs(nc, self, nil, timeout)
}

// handshakeAs is handshake with our own identity id (for DEALER and REQ
// clients in tests; the kernel's ROUTERs announce an empty one).
func handshakeAs(nc net.Conn, self string, id []byte, timeout time.Duration) (*zconn, error) {
	c := &zconn{
		nc:     nc,
		r:      bufio.NewReaderSize(nc, readBufferSize),
		remote: remoteName(nc),
	}
	if err := nc.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, fmt.Errorf("setting handshake deadline: %w", err)
	}
	if _, err := nc.Write(greeting()); err != nil {
		return nil, fmt.Errorf("sending greeting: %w", err)
	}
	var g [greetingSize]byte
	if _, err := io.ReadFull(c.r, g[:]); err != nil {
		return nil, fmt.Errorf("reading greeting: %w", err)
	}
	if g[0] != 0xff || g[9]&0x01 == 0 {
		return nil, fmt.Errorf("not a ZMTP greeting: % x", g[:10])
	}
	if g[10] < 3 {
		return nil, fmt.Errorf("unsupported ZMTP version %d.%d (want 3.x)", g[10], g[11])
	}
	if mech := string(bytes.TrimRight(g[12:32], "\x00")); mech != "NULL" {
		return nil, fmt.Errorf("unsupported security mechanism %q (want NULL)", mech)
	}

	var ready []byte
	ready = appendCommandName(ready, "READY")
	ready = appendProperty(ready, "Socket-Type", self)
	switch self {
	case typeRouter, "DEALER", "REQ":
		ready = appendProperty(ready, "Identity", string(id))
	}
	if err := c.writeRaw(appendFrame(nil, ready, flagCommand)); err != nil {
		return nil, fmt.Errorf("sending READY: %w", err)
	}
	frames, isCmd, err := c.readMsg(maxCommandSize)
	if err != nil {
		return nil, fmt.Errorf("reading READY: %w", err)
	}
	if !isCmd {
		return nil, errors.New("peer sent a message instead of READY")
	}
	name, body, err := parseCommand(frames[0])
	if err != nil {
		return nil, err
	}
	switch name {
	case "READY":
	case "ERROR":
		reason := body
		if len(reason) > 0 && int(reason[0]) <= len(reason)-1 {
			reason = reason[1 : 1+int(reason[0])]
		}
		return nil, fmt.Errorf("peer sent ERROR %q", reason)
	default:
		return nil, fmt.Errorf("peer sent command %q instead of READY", name)
	}
	props, err := parseProperties(body)
	if err != nil {
		return nil, fmt.Errorf("bad READY: %w", err)
	}
	c.peerType = props["socket-type"]
	ok := false
	for _, t := range compatible[self] {
		ok = ok || t == c.peerType
	}
	if !ok {
		return nil, fmt.Errorf("peer socket type %q cannot talk to %s", c.peerType, self)
	}
	if id := props["identity"]; id != "" {
		c.peerID = []byte(id)
	}
	if err := nc.SetDeadline(time.Time{}); err != nil {
		return nil, fmt.Errorf("clearing handshake deadline: %w", err)
	}
	return c, nil
}

func remoteName(nc net.Conn) string {
	a := nc.RemoteAddr()
	if a == nil || a.Network() == "unix" || a.String() == "" {
		return "a local peer"
	}
	return a.String()
}

func appendCommandName(b []byte, name string) []byte {
	b = append(b, byte(len(name)))
	return append(b, name...)
}

func appendProperty(b []byte, name, value string) []byte {
	b = append(b, byte(len(name)))
	b = append(b, name...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(value)))
	return append(b, value...)
}

// parseCommand splits a command frame into its name and body.
func parseCommand(f []byte) (name string, body []byte, err error) {
	if len(f) == 0 || int(f[0]) > len(f)-1 {
		return "", nil, fmt.Errorf("malformed command frame % .16x", f)
	}
	n := int(f[0])
	return string(f[1 : 1+n]), f[1+n:], nil
}

// parseProperties parses ZMTP metadata; names are lowercased.
func parseProperties(b []byte) (map[string]string, error) {
	props := make(map[string]string)
	for len(b) > 0 {
		n := int(b[0])
		if len(b) < 1+n+4 {
			return nil, errors.New("truncated property")
		}
		name := strings.ToLower(string(b[1 : 1+n]))
		b = b[1+n:]
		vn := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(vn) > uint64(len(b)) {
			return nil, errors.New("truncated property value")
		}
		props[name] = string(b[:vn])
		b = b[vn:]
	}
	return props, nil
}

// readMsg reads one message, all of its frames together at most limit
// bytes. A command is returned as one frame with isCmd set. It returns
// io.EOF only when the stream ends between messages; a stream that ends
// inside one, even between two of its frames, is io.ErrUnexpectedEOF.
func (c *zconn) readMsg(limit int64) (frames [][]byte, isCmd bool, err error) {
	var total int64
	for {
		flags, err := c.r.ReadByte()
		if err != nil {
			if len(frames) > 0 {
				// The previous frame had the MORE flag: the
				// message was cut short.
				err = fmt.Errorf("after frame %d of a message: %w", len(frames), unexpected(err))
			}
			return nil, false, err
		}
		var size uint64
		if flags&flagLong != 0 {
			var b [8]byte
			if _, err := io.ReadFull(c.r, b[:]); err != nil {
				return nil, false, unexpected(err)
			}
			size = binary.BigEndian.Uint64(b[:])
		} else {
			b, err := c.r.ReadByte()
			if err != nil {
				return nil, false, unexpected(err)
			}
			size = uint64(b)
		}
		if flags&flagCommand != 0 {
			if len(frames) > 0 {
				return nil, false, errors.New("command frame inside a message")
			}
			if flags&flagMore != 0 {
				return nil, false, errors.New("command frame with MORE flag")
			}
			limit = min(limit, maxCommandSize)
		}
		if size > uint64(limit-total) {
			return nil, false, fmt.Errorf("%w: frame of %d bytes after %d bytes, limit %d", errTooLarge, size, total, limit)
		}
		total += int64(size)
		body, err := readBody(c.r, int64(size))
		if err != nil {
			return nil, false, unexpected(err)
		}
		frames = append(frames, body)
		if flags&flagCommand != 0 {
			return frames, true, nil
		}
		if flags&flagMore == 0 {
			return frames, false, nil
		}
	}
}

// command handles a command received after the handshake and returns its
// name and body. PING is answered with PONG: peers should not send it to a
// ZMTP 3.0 socket, but a libzmq peer with ZMQ_HEARTBEAT_IVL set would drop
// the connection without answers.
func (c *zconn) command(frame []byte) (name string, body []byte) {
	name, body, err := parseCommand(frame)
	if err != nil {
		return "", nil
	}
	if name == "PING" && len(body) >= 2 {
		ctx := body[2:]
		if len(ctx) > 16 {
			ctx = ctx[:16]
		}
		pong := appendCommandName(nil, "PONG")
		pong = append(pong, ctx...)
		c.writeBuffers(appendFrame(nil, pong, flagCommand), writeTimeout)
	}
	return name, body
}

// readBody reads n bytes, growing the buffer as data arrives so that a
// frame header alone cannot make us allocate much.
//
// The buffer grows fourfold, from at most allocChunk, through sizes n/4^k
// so that the last one is exactly n: reading a frame of n bytes holds at
// most 1.25 n at once, plus the earlier buffers (n/12) until the garbage
// collector takes them, and a peer must send more than a quarter of what
// it announces before the whole is allocated. It used a bytes.Buffer
// before, which overshoots: full at exactly n bytes, it grows to 2n before
// it reads the end of the data, so a 64 MiB frame held 64 + 128 MiB at
// once and the kernel's RSS went from 22 MiB to 277 MiB
// (tests/test_faults_wire.py). Doubling with an exact last size still
// peaked at 150 MiB there; growing fourfold peaks near 110 MiB.
func readBody(r io.Reader, n int64) ([]byte, error) {
	if n <= allocChunk {
		b := make([]byte, n)
		_, err := io.ReadFull(r, b)
		return b, err
	}
	size := n
	for size > allocChunk {
		size = (size + 3) / 4
	}
	b := make([]byte, 0, size)
	for {
		got, err := io.ReadFull(r, b[len(b):size])
		b = b[:len(b)+got]
		if err != nil {
			return nil, err
		}
		if size == n {
			return b, nil
		}
		size = min(n, 4*size)
		b = append(make([]byte, 0, size), b...)
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendFrame appends the ZMTP header of a frame with body and flags, and
// the body, to bufs.
func appendFrame(bufs net.Buffers, body []byte, flags byte) net.Buffers {
	var hdr []byte
	if len(body) > 255 {
		hdr = make([]byte, 9)
		hdr[0] = flags | flagLong
		binary.BigEndian.PutUint64(hdr[1:], uint64(len(body)))
	} else {
		hdr = []byte{flags, byte(len(body))}
	}
	return append(bufs, hdr, body)
}

// appendMsg appends the frames of one message to bufs.
func appendMsg(bufs net.Buffers, frames [][]byte) net.Buffers {
	if len(frames) == 0 {
		// ZMTP has no empty messages; send one empty frame.
		return appendFrame(bufs, nil, 0)
	}
	for i, f := range frames {
		var flags byte
		if i < len(frames)-1 {
			flags = flagMore
		}
		bufs = appendFrame(bufs, f, flags)
	}
	return bufs
}

// writeMsg writes one message; timeout > 0 bounds the write. A write that
// fails or times out leaves the stream unusable, so it closes the
// connection.
func (c *zconn) writeMsg(frames [][]byte, timeout time.Duration) error {
	return c.writeBuffers(appendMsg(nil, frames), timeout)
}

func (c *zconn) writeRaw(bufs net.Buffers) error {
	_, err := bufs.WriteTo(c.nc)
	return err
}

func (c *zconn) writeBuffers(bufs net.Buffers, timeout time.Duration) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if timeout > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(timeout))
		defer c.nc.SetWriteDeadline(time.Time{})
	}
	if _, err := bufs.WriteTo(c.nc); err != nil {
		c.nc.Close()
		return fmt.Errorf("writing to %s: %w", c.remote, err)
	}
	return nil
}
