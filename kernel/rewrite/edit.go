package rewrite

import (
	"sort"
	"strings"
)

// edit replaces src[start:end] of a buffer (an insertion when start ==
// end) with what text returns; text renders the parts it keeps with
// buffer.render, so that edits nest.
type edit struct {
	start, end int
	seq        int
	text       func() string
}

// buffer is a source text and the edits made to it: every pass of the
// rewriting, and the copies of generic declarations, edit through one.
type buffer struct {
	src     string
	edits   []*edit
	active  map[*edit]bool // edits being rendered
	emitted map[*edit]bool // insertions rendered
}

func newBuffer(src string) *buffer {
	return &buffer{src: src, active: map[*edit]bool{}, emitted: map[*edit]bool{}}
}

// add replaces src[start:end] with what text returns when rendered.
func (b *buffer) add(start, end int, text func() string) {
	b.edits = append(b.edits, &edit{start: start, end: end, seq: len(b.edits), text: text})
}

// put replaces src[start:end] with text.
func (b *buffer) put(start, end int, text string) {
	b.add(start, end, func() string { return text })
}

// order sorts the edits for rendering: by where they start, insertions
// first, an outer edit before the edits inside it, then as they were made.
func (b *buffer) order() {
	sort.SliceStable(b.edits, func(i, j int) bool {
		x, y := b.edits[i], b.edits[j]
		if x.start != y.start {
			return x.start < y.start
		}
		if (x.start == x.end) != (y.start == y.end) {
			return x.start == x.end // insertions first
		}
		if x.end != y.end {
			return x.end > y.end // the outer edit first
		}
		return x.seq < y.seq
	})
}

// render returns src[from:to] with the edits inside it applied (order
// them first). An edit being rendered is not applied again inside itself
// (two edits of the same range nest), and an insertion at either end of
// the range is applied once, by the first rendering that reaches it.
func (b *buffer) render(from, to int) string {
	var s strings.Builder
	pos := from
	for _, e := range b.edits {
		if e.start < pos || e.end > to || e.start < from || b.active[e] || b.emitted[e] {
			continue
		}
		s.WriteString(b.src[pos:e.start])
		if e.start == e.end {
			b.emitted[e] = true
		}
		b.active[e] = true
		s.WriteString(e.text())
		delete(b.active, e)
		pos = e.end
	}
	s.WriteString(b.src[pos:to])
	return s.String()
}
