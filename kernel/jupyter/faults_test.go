package jupyter

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
)

// Tests for the fixes made while injecting faults from real clients
// (tests/test_faults_wire.py).

// readBody returns exactly the bytes sent, in a buffer of exactly n.
func TestReadBodySizes(t *testing.T) {
	for _, n := range []int64{0, 1, allocChunk - 1, allocChunk, allocChunk + 1, 4*allocChunk - 1, 4*allocChunk + 3, 13*allocChunk + 5, 16*allocChunk + 1} {
		data := make([]byte, n)
		seed := rand.Uint64()
		for i := range data {
			data[i] = byte(uint64(i)*seed>>56) ^ byte(i)
		}
		// One byte at a time would be slow; iotest-like short reads
		// in pieces of odd sizes exercise the partial fills.
		b, err := readBody(&choppy{r: bytes.NewReader(data)}, n)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if !bytes.Equal(b, data) {
			t.Fatalf("n=%d: body differs", n)
		}
		if int64(cap(b)) != n {
			t.Errorf("n=%d: cap %d, want exactly n", n, cap(b))
		}
	}
}

type choppy struct {
	r io.Reader
	i int
}

func (c *choppy) Read(p []byte) (int, error) {
	c.i++
	if max := 1 + c.i*7919%(3*allocChunk); len(p) > max {
		p = p[:max]
	}
	return c.r.Read(p)
}

// A peer that announces a large frame and sends little of it makes the
// kernel allocate in proportion to what it sent, not what it announced.
func TestReadBodyAllocatesAsDataArrives(t *testing.T) {
	const announced = 200 << 20
	sent := int64(allocChunk + 1)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := readBody(bytes.NewReader(make([]byte, sent)), announced)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
	}
	// make([]byte, sent) itself, plus the buffers: at most four times
	// what arrived, plus the first chunk.
	if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(sent+4*sent+allocChunk); got > limit {
		t.Errorf("allocated %d bytes for %d sent of %d announced, want at most %d", got, sent, announced, limit)
	}
}

// Reading a large frame holds at most about 1.25 times its size: no
// buffer of twice the size, as bytes.Buffer made.
func TestReadBodyDoesNotOvershoot(t *testing.T) {
	const n = 64 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b, err := readBody(io.LimitReader(zeros{}, n), n)
	runtime.ReadMemStats(&after)
	if err != nil || len(b) != n {
		t.Fatalf("len %d, err %v", len(b), err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > n+n/3+allocChunk {
		t.Errorf("allocated %d bytes to read %d", got, n)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// Once the header is known, Decode's errors name the message, and the
// socket's log line has the reason without a doubled package prefix.
func TestDecodeErrorsNameTheMessage(t *testing.T) {
	hdr := `{"msg_id":"id-42","msg_type":"execute_request"}`
	for _, tt := range []struct {
		parent, metadata, content, want string
	}{
		{"{", "{}", "{}", `"execute_request" (msg_id "id-42"): invalid parent_header`},
		{"{}", "[]", "{}", `"execute_request" (msg_id "id-42"): invalid metadata`},
		{"{}", "{}", `{"code":`, `"execute_request" (msg_id "id-42"): invalid content`},
	} {
		_, err := Decode([][]byte{[]byte(Delimiter), nil, []byte(hdr), []byte(tt.parent), []byte(tt.metadata), []byte(tt.content)}, NewSigner(""))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want it to contain %s", err, tt.want)
		}
	}

	s, lb := bindTest(t, ConnectionInfo{})
	d := dealer(t, s, s.Info().ShellPort, "c")
	bad := request(t, NewSigner(testKey), "kernel_info_request", nil)
	bad[1] = []byte(strings.Repeat("0", 64))
	send(t, d, bad)
	lb.waitFor(t, "bad signature")
	lb.mu.Lock()
	defer lb.mu.Unlock()
	for _, l := range lb.lines {
		if strings.Contains(l, "bad signature") && strings.Count(l, "jupyter: ") != 1 {
			t.Errorf("log line %q: want the package prefix once", l)
		}
	}
}
