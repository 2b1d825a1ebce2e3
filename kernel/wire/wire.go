// Package wire is the protocol between the kernel and its worker process:
// the requests the kernel sends, the events and results the worker sends
// back, each a Go type of its own, and the sync markers that keep the
// events in order with the text the worker writes on its output pipes.
//
// A message travels as one JSON object a line, an envelope:
//
//	{"id":7,"kind":"execute","body":{"code":"x := 1","count":3}}
//	{"id":7,"kind":"execute-result","seq":12,"body":{"result":{...}}}
//
// id is the request the message belongs to (0: none), kind the type of
// the body, and seq, on events, the number of the sync marker written
// before the event (0: none; see Markers).
package wire

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// WorkerCommand is the hidden command line argument that makes the
// gocurrent binary run as the worker (package worker).
const WorkerCommand = "__worker"

// Kind names the type of a message's body on the wire.
type Kind string

// Message is the body of a request or an event.
type Message interface {
	Kind() Kind
}

// Request is the body of a message from the kernel to the worker.
type Request interface {
	Message
	isRequest()
}

// Event is the body of a message from the worker to the kernel.
type Event interface {
	Message
	isEvent()
}

// Result is an event that answers a request: the last message of the
// request.
type Result interface {
	Event
	isResult()
}

// Envelope is one message: its body, with the request it belongs to and
// its sync sequence number. Bodies are values (Execute, not *Execute).
type Envelope[B Message] struct {
	ID   int64
	Seq  int64
	Body B
}

// envelope is an Envelope as JSON.
type envelope struct {
	ID   int64           `json:"id"`
	Kind Kind            `json:"kind"`
	Seq  int64           `json:"seq,omitempty"`
	Body json.RawMessage `json:"body,omitempty"`
}

// outgoing is an Envelope as it is encoded.
type outgoing struct {
	ID   int64   `json:"id"`
	Kind Kind    `json:"kind"`
	Seq  int64   `json:"seq,omitempty"`
	Body Message `json:"body"`
}

// Writer writes messages, one a line. It is not safe for concurrent use.
type Writer[B Message] struct {
	enc *json.Encoder
}

// NewWriter returns a Writer of messages to w.
func NewWriter[B Message](w io.Writer) *Writer[B] {
	return &Writer[B]{enc: json.NewEncoder(w)}
}

// Write writes m.
func (w *Writer[B]) Write(m Envelope[B]) error {
	if err := w.enc.Encode(outgoing{ID: m.ID, Kind: m.Body.Kind(), Seq: m.Seq, Body: m.Body}); err != nil {
		return fmt.Errorf("write %s message: %w", m.Body.Kind(), err)
	}
	return nil
}

// ErrMalformed is the error of a line that holds no message of a known
// kind; the lines after it may.
var ErrMalformed = errors.New("malformed message")

// Reader reads messages, one a line.
type Reader[B Message] struct {
	sc     *bufio.Scanner
	decode func(Kind, json.RawMessage) (B, error)
}

func newReader[B Message](r io.Reader, decode func(Kind, json.RawMessage) (B, error)) *Reader[B] {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<30) // grows as long lines come
	return &Reader[B]{sc: sc, decode: decode}
}

// NewRequestReader returns a Reader of the requests in r.
func NewRequestReader(r io.Reader) *Reader[Request] { return newReader(r, decodeRequest) }

// NewEventReader returns a Reader of the events in r.
func NewEventReader(r io.Reader) *Reader[Event] { return newReader(r, decodeEvent) }

// Read returns the next message. At the end of the input it returns io.EOF
// (or the error that ended it); for a line that is not a message, an error
// that wraps ErrMalformed, and the next Read goes on after it.
func (r *Reader[B]) Read() (Envelope[B], error) {
	if !r.sc.Scan() {
		if err := r.sc.Err(); err != nil {
			return Envelope[B]{}, fmt.Errorf("read message: %w", err)
		}
		return Envelope[B]{}, io.EOF
	}
	var env envelope
	if err := json.Unmarshal(r.sc.Bytes(), &env); err != nil {
		return Envelope[B]{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	body, err := r.decode(env.Kind, env.Body)
	if err != nil {
		return Envelope[B]{}, fmt.Errorf("%w: %s: %w", ErrMalformed, env.Kind, err)
	}
	return Envelope[B]{ID: env.ID, Seq: env.Seq, Body: body}, nil
}

// errUnknownKind is the error of a body of a kind the reader does not
// know.
var errUnknownKind = errors.New("unknown kind")

// decodeAs decodes a body of type T.
func decodeAs[T Message](raw json.RawMessage) (T, error) {
	var t T
	if len(raw) == 0 {
		return t, nil
	}
	err := json.Unmarshal(raw, &t)
	return t, err
}
