package wire

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strconv"
)

// Sync markers order the events with the text on the worker's output
// pipes: before the worker sends an event with sequence number n, it
// writes marker n to both output pipes, and the kernel holds the event
// until it has read the marker from both, so every byte printed before the
// event is shown before it.
//
// A sync marker on an output pipe is an operating system command escape,
// which terminals ignore: "\x1b]gocurrent-sync;", a key, ";", the decimal
// sequence number and "\a". The key is random, made by the kernel for each
// worker and handed over in the environment variable SyncKeyEnv, which the
// worker removes before any cell runs: a cell cannot write a marker,
// whatever it prints.
const (
	markerStart = "\x1b]gocurrent-sync;"
	markerEnd   = '\a'
	// SyncKeyEnv is the environment variable that hands a worker the key
	// of its markers.
	SyncKeyEnv = "GOCURRENT_SYNC_KEY"
)

// Markers makes and finds the sync markers of one key.
type Markers struct{ prefix []byte }

// NewMarkers returns the markers of key.
func NewMarkers(key string) Markers {
	return Markers{prefix: []byte(markerStart + key + ";")}
}

// NewSyncKey returns a random key for a worker's markers.
func NewSyncKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// MarkersFromEnv returns the markers of the key in the environment, and
// removes it from there (programs the cells start do not inherit it).
func MarkersFromEnv() Markers {
	key := os.Getenv(SyncKeyEnv)
	_ = os.Unsetenv(SyncKeyEnv)
	return NewMarkers(key)
}

// Marker returns the marker of sequence number seq.
func (mk Markers) Marker(seq int64) []byte {
	b := append([]byte(nil), mk.prefix...)
	b = strconv.AppendInt(b, seq, 10)
	return append(b, markerEnd)
}

// Parse looks for a marker in b. It returns the text before it, the
// marker's sequence number and the rest after it; ok is false when b holds
// no complete marker (partial says how many bytes at the end of b could be
// the beginning of one, which must then wait for more bytes). A prefix
// followed by anything but digits and the end is text.
func (mk Markers) Parse(b []byte) (before []byte, seq int64, rest []byte, ok bool, partial int) {
	from := 0
	for {
		i := bytes.Index(b[from:], mk.prefix)
		if i < 0 {
			// A marker's prefix may be cut at the end of b.
			for k := min(len(mk.prefix)-1, len(b)-from); k > 0; k-- {
				if bytes.Equal(b[len(b)-k:], mk.prefix[:k]) {
					return b, 0, nil, false, k
				}
			}
			return b, 0, nil, false, 0
		}
		i += from
		digits := b[i+len(mk.prefix):]
		n := 0
		for n < len(digits) && n < 19 && digits[n] >= '0' && digits[n] <= '9' {
			n++
		}
		switch {
		case n == len(digits):
			return b, 0, nil, false, len(b) - i // the rest has not come yet
		case n > 0 && digits[n] == markerEnd:
			seq, err := strconv.ParseInt(string(digits[:n]), 10, 64)
			if err == nil {
				return b[:i], seq, digits[n+1:], true, 0
			}
		}
		from = i + 1 // not a marker: text
	}
}
