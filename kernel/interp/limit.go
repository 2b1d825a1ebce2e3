package interp

import (
	"bytes"
	"fmt"
)

// Output limits of one cell: past outputHead bytes, the text is no longer
// sent as it comes; the last outputTail bytes of each stream are kept and
// sent when the cell ends, after a line that says how much was cut. A
// flood of output thus costs the kernel and the notebook bounded memory,
// and the end of the output (usually the interesting part) is still seen.
const (
	outputHead = 8 << 20
	outputTail = 256 << 10
)

// limiter applies the output limits to the text of one cell (or to the
// late output between two cells).
type limiter struct {
	sent     int
	cutBytes int64
	cutLines int64
	tails    map[string][]byte
	order    []string // streams in the order their tails began
}

func newLimiter() *limiter { return &limiter{tails: map[string][]byte{}} }

// pass returns the part of text (of stream name) to send now, keeping the
// rest for the tail.
func (l *limiter) pass(name string, text []byte) []byte {
	if l.sent+len(text) <= outputHead && len(l.tails) == 0 {
		l.sent += len(text)
		return text
	}
	room := outputHead - l.sent
	var now []byte
	if room > 0 && len(l.tails) == 0 {
		// Send whole lines up to the limit.
		cut := bytes.LastIndexByte(text[:room], '\n') + 1
		now, text = text[:cut], text[cut:]
		l.sent += cut
		l.sent = outputHead // from now on, everything goes to the tails
	}
	if _, ok := l.tails[name]; !ok {
		l.order = append(l.order, name)
	}
	t := append(l.tails[name], text...)
	// The tail may grow to twice its size before it is trimmed, so that
	// trimming costs O(1) per byte.
	if over := len(t) - outputTail; over > outputTail {
		l.drop(name, t, over)
		return now
	}
	l.tails[name] = t
	return now
}

// drop cuts the first n bytes of tail t of stream name.
func (l *limiter) drop(name string, t []byte, n int) {
	l.cutBytes += int64(n)
	l.cutLines += int64(bytes.Count(t[:n], []byte("\n")))
	l.tails[name] = append(make([]byte, 0, 2*outputTail), t[n:]...)
}

// finish returns what is still to be sent, by stream, in order: the note
// about the cut, then each stream's tail (from its first whole line).
func (l *limiter) finish(emit func(name, text string)) {
	defer func() { *l = *newLimiter() }()
	if len(l.order) == 0 {
		return
	}
	for _, name := range l.order {
		if t := l.tails[name]; len(t) > outputTail {
			l.drop(name, t, len(t)-outputTail)
		}
		t := l.tails[name]
		if l.cutBytes > 0 {
			// Start the tail at a line.
			if i := bytes.IndexByte(t, '\n'); i >= 0 && i+1 < len(t) {
				l.cutBytes += int64(i + 1)
				l.cutLines++
				t = t[i+1:]
			}
			l.tails[name] = t
		}
	}
	if l.cutBytes > 0 {
		emit("stderr", fmt.Sprintf("\n[gocurrent: %d lines (%s) of output were cut here, to keep the notebook responsive; the first %s and the last lines of each stream are shown]\n",
			l.cutLines, bytesText(l.cutBytes), bytesText(outputHead)))
	}
	for _, name := range l.order {
		if len(l.tails[name]) > 0 {
			emit(name, string(l.tails[name]))
		}
	}
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
