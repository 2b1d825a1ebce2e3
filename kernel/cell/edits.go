package cell

import (
	"sort"
	"strings"
)

// edit replaces Src[start:end] of Edits (an insertion when start == end)
// with what text returns; text renders the parts it keeps with
// Edits.Render, so that edits nest.
type edit struct {
	start, end int
	seq        int
	text       func() string
}

// Edits is a source text and the edits made to it, which are applied when
// it is rendered: every source-to-source rewriting of the kernel (the
// passes of package rewrite, the copies of generic declarations, the
// supervision of go statements, the typing of procs.Map) edits through
// one.
type Edits struct {
	Src     string
	edits   []*edit
	active  map[*edit]bool // edits being rendered
	emitted map[*edit]bool // insertions rendered
}

// NewEdits starts the edits of src.
func NewEdits(src string) *Edits {
	return &Edits{Src: src, active: map[*edit]bool{}, emitted: map[*edit]bool{}}
}

// Add replaces Src[start:end] with what text returns when rendered.
func (b *Edits) Add(start, end int, text func() string) {
	b.edits = append(b.edits, &edit{start: start, end: end, seq: len(b.edits), text: text})
}

// Put replaces Src[start:end] with text.
func (b *Edits) Put(start, end int, text string) {
	b.Add(start, end, func() string { return text })
}

// Order sorts the edits for rendering: by where they start, insertions
// first, an outer edit before the edits inside it, then as they were made.
func (b *Edits) Order() {
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

// Render returns Src[from:to] with the edits inside it applied (Order
// them first). An edit being rendered is not applied again inside itself
// (two edits of the same range nest), and an insertion at either end of
// the range is applied once, by the first rendering that reaches it.
func (b *Edits) Render(from, to int) string {
	var s strings.Builder
	pos := from
	for _, e := range b.edits {
		if e.start < pos || e.end > to || e.start < from || b.active[e] || b.emitted[e] {
			continue
		}
		s.WriteString(b.Src[pos:e.start])
		if e.start == e.end {
			b.emitted[e] = true
		}
		b.active[e] = true
		s.WriteString(e.text())
		delete(b.active, e)
		pos = e.end
	}
	s.WriteString(b.Src[pos:to])
	return s.String()
}
