package jupyter

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"time"
)

// ProtocolVersion is the Jupyter messaging protocol version this package speaks.
const ProtocolVersion = "5.3"

// MaxMessageSize is the largest message, all frames together, that [Decode]
// accepts and that the sockets read from a peer (256 MiB).
const MaxMessageSize = 256 << 20

// Delimiter is the frame that separates routing identities from the message.
const Delimiter = "<IDS|MSG>"

// DateFormat is the layout of Header.Date: RFC 3339 in UTC with exactly six
// fractional digits, because jupyter_client rejects Go's nine.
const DateFormat = "2006-01-02T15:04:05.000000Z"

// Header is the header of a Jupyter message.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Channel names the socket a message came in on or goes out on.
type Channel string

// The channels of a kernel. The heartbeat is not a channel: it echoes bytes
// and never carries messages.
const (
	Shell   Channel = "shell"
	Control Channel = "control"
	IOPub   Channel = "iopub"
	Stdin   Channel = "stdin"
)

// Message is one decoded Jupyter message.
//
// Messages returned by [Decode] share memory with the frames they were
// decoded from.
type Message struct {
	Channel    Channel
	Identities [][]byte        // ROUTER routing prefix, echoed on replies
	Header     Header          // the decoded header
	RawHeader  json.RawMessage // the header bytes as received, echoed as parent_header of replies
	Parent     json.RawMessage // parent_header; encode nil/empty as {}
	Metadata   map[string]any  // encode nil as {}
	Content    json.RawMessage // encode nil as {}
	Buffers    [][]byte        // extra binary frames after content
}

// Signer signs and verifies with HMAC-SHA256; an empty key means no signing (signature "").
type Signer struct {
	key []byte
}

// NewSigner returns a Signer for key, the "key" of a connection file.
func NewSigner(key string) Signer {
	if key == "" {
		return Signer{}
	}
	return Signer{key: []byte(key)}
}

// Enabled reports whether s signs, that is whether its key is not empty.
func (s Signer) Enabled() bool { return len(s.key) > 0 }

func (s Signer) mac(header, parent, metadata, content []byte) []byte {
	var m hash.Hash = hmac.New(sha256.New, s.key)
	m.Write(header)
	m.Write(parent)
	m.Write(metadata)
	m.Write(content)
	return m.Sum(nil)
}

// Sign returns the lowercase hex HMAC-SHA256 of the four JSON parts of a
// message, or "" if s has no key.
func (s Signer) Sign(header, parent, metadata, content []byte) string {
	if !s.Enabled() {
		return ""
	}
	return hex.EncodeToString(s.mac(header, parent, metadata, content))
}

// Verify reports whether sig is the signature of the four parts, comparing
// in constant time. Like jupyter_client, it accepts only lowercase hex. If s
// has no key, every signature is accepted.
func (s Signer) Verify(sig string, header, parent, metadata, content []byte) bool {
	if !s.Enabled() {
		return true
	}
	var want [2 * sha256.Size]byte
	hex.Encode(want[:], s.mac(header, parent, metadata, content))
	return hmac.Equal([]byte(sig), want[:])
}

// Decode parses ZeroMQ frames: identities, "<IDS|MSG>", signature, header, parent, metadata, content, buffers...
//
// It returns a descriptive error for: missing delimiter, too few frames, bad
// signature, invalid JSON in any of the four parts (each must be a JSON
// object; parent_header and metadata may also be null), a header without
// msg_type or msg_id, and a message larger than [MaxMessageSize]. The
// signature is checked before any JSON is parsed. Channel is left empty.
func Decode(frames [][]byte, s Signer) (*Message, error) {
	total := 0
	for _, f := range frames {
		total += len(f)
		if total > MaxMessageSize {
			return nil, fmt.Errorf("jupyter: message larger than %d bytes", MaxMessageSize)
		}
	}
	delim := -1
	for i, f := range frames {
		if string(f) == Delimiter {
			delim = i
			break
		}
	}
	if delim < 0 {
		return nil, fmt.Errorf("jupyter: no %s delimiter among %d frames", Delimiter, len(frames))
	}
	rest := frames[delim+1:]
	if len(rest) < 5 {
		return nil, fmt.Errorf("jupyter: %d frames after %s, want at least 5 (signature, header, parent_header, metadata, content)", len(rest), Delimiter)
	}
	sig, header, parent, metadata, content := rest[0], rest[1], rest[2], rest[3], rest[4]
	if !s.Verify(string(sig), header, parent, metadata, content) {
		return nil, fmt.Errorf("jupyter: bad signature %.80q", sig)
	}

	m := &Message{
		RawHeader: header,
		Content:   content,
	}
	if delim > 0 {
		m.Identities = frames[:delim]
	}
	if len(rest) > 5 {
		m.Buffers = rest[5:]
	}
	if err := checkObject(header, false); err != nil {
		return nil, fmt.Errorf("jupyter: invalid header: %w", err)
	}
	if err := json.Unmarshal(header, &m.Header); err != nil {
		return nil, fmt.Errorf("jupyter: invalid header: %w", err)
	}
	if m.Header.MsgID == "" {
		return nil, fmt.Errorf("jupyter: header %.200s has no msg_id", header)
	}
	if m.Header.MsgType == "" {
		return nil, fmt.Errorf("jupyter: header %.200s has no msg_type", header)
	}
	// From here on the header is known (and signed): the errors name the
	// message, so that a log line says which request of which client was
	// dropped.
	if err := checkObject(parent, true); err != nil {
		return nil, fmt.Errorf("jupyter: %s: invalid parent_header: %w", m.Header.describe(), err)
	}
	if !isNull(parent) {
		m.Parent = parent
	}
	if err := checkObject(metadata, true); err != nil {
		return nil, fmt.Errorf("jupyter: %s: invalid metadata: %w", m.Header.describe(), err)
	}
	if err := json.Unmarshal(metadata, &m.Metadata); err != nil {
		return nil, fmt.Errorf("jupyter: %s: invalid metadata: %w", m.Header.describe(), err)
	}
	if err := checkObject(content, false); err != nil {
		return nil, fmt.Errorf("jupyter: %s: invalid content: %w", m.Header.describe(), err)
	}
	return m, nil
}

// describe names a message by its type and id, quoted and shortened: they
// come from a peer.
func (h Header) describe() string {
	return fmt.Sprintf("%.64q (msg_id %.64q)", h.MsgType, h.MsgID)
}

var errNotObject = errors.New("not a JSON object")

// checkObject reports whether b is one valid JSON object (or null, if
// nullOK).
func checkObject(b []byte, nullOK bool) error {
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v) // for a precise message
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return err
	}
	t := bytes.TrimLeft(b, " \t\r\n")
	switch {
	case t[0] == '{':
		return nil
	case nullOK && t[0] == 'n':
		return nil
	}
	return fmt.Errorf("%w: %.40s", errNotObject, t)
}

// isNull reports whether b is empty or the JSON null.
func isNull(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) == 0 || string(t) == "null"
}

var emptyObject = []byte("{}")

// Encode produces the frames for m (with identities first) signing the four JSON parts.
//
// The header is m.Header marshaled (not m.RawHeader); an empty or null
// Parent or Content and a nil Metadata become {}. Parent and Content
// must otherwise be valid JSON.
func Encode(m *Message, s Signer) ([][]byte, error) {
	header, err := json.Marshal(m.Header)
	if err != nil {
		return nil, fmt.Errorf("jupyter: encoding %s header: %w", m.Header.MsgType, err)
	}
	parent := []byte(m.Parent)
	if isNull(parent) {
		parent = emptyObject
	} else if !json.Valid(parent) {
		return nil, fmt.Errorf("jupyter: encoding %s: parent_header is not valid JSON: %.80q", m.Header.MsgType, parent)
	}
	metadata := emptyObject
	if m.Metadata != nil {
		metadata, err = json.Marshal(m.Metadata)
		if err != nil {
			return nil, fmt.Errorf("jupyter: encoding %s metadata: %w", m.Header.MsgType, err)
		}
	}
	content := []byte(m.Content)
	if isNull(content) {
		content = emptyObject
	} else if !json.Valid(content) {
		return nil, fmt.Errorf("jupyter: encoding %s: content is not valid JSON: %.80q", m.Header.MsgType, content)
	}
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames,
		[]byte(Delimiter),
		[]byte(s.Sign(header, parent, metadata, content)),
		header, parent, metadata, content)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

// NewHeader makes a header with a fresh unique msg_id (a random UUID4), the
// current date in [DateFormat] and version [ProtocolVersion].
func NewHeader(msgType, session, username string) Header {
	return Header{
		MsgID:    newUUID(),
		Session:  session,
		Username: username,
		Date:     time.Now().UTC().Format(DateFormat),
		MsgType:  msgType,
		Version:  ProtocolVersion,
	}
}

// newUUID returns a random (version 4) UUID in its canonical text form.
func newUUID() string {
	var u [16]byte
	rand.Read(u[:]) // never fails; see crypto/rand.Read
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
