package gotrace

import (
	"maps"
	"slices"
	"strings"
)

// Trace is a parsed execution trace, ready to be summarised and drawn. Its
// methods only read it, so they may be called from several goroutines.
type Trace struct {
	opt     Options
	t0, t1  int64 // first and last event time (ns)
	procs   int   // Ps seen / GOMAXPROCS
	lanes   int   // processor lanes (highest P id + 1)
	gs      []goroutine
	segs    []segment
	reasons []string
	spans   []span
	groups  []group // cell groups by running time, then "other", then "runtime"
	sum     Summary
	byID    map[uint64]int32 // goroutine id → index in gs
	// incomplete is the go tool's complaint when it could read only the
	// first part of the trace file.
	incomplete string
}

// group is goroutines drawn in one colour: the same label, or the same start
// function and creation site.
type group struct {
	label  string
	class  class
	color  string
	count  int
	totals [nSlots]int64
}

// Colours. Groups of the cell's goroutines take the palette in order of
// running time; the cell itself has its own colour; goroutines that are not
// the cell's are grey.
const (
	cellColor    = "#3b3f9e"
	otherColor   = "#8c959f"
	runtimeColor = "#c4cbd3"
)

var palette = []string{
	"#4e79a7", // blue
	"#f28e2b", // orange
	"#59a14f", // green
	"#e15759", // red
	"#76b7b2", // teal
	"#edc948", // yellow
	"#b07aa1", // lilac
	"#ff9da7", // pink
	"#9c755f", // brown
	"#2f8f8a", // dark teal
	"#c2185b", // magenta
	"#8a6d00", // olive
}

const (
	labelCell    = "the cell"
	labelOther   = "other goroutines (not started by the cell)"
	labelRuntime = "runtime (GC, trace reader, ...)"
)

func (t *Trace) analyze() {
	t.classify()
	for _, s := range t.segs {
		if k := s.state.slot(); k >= 0 {
			t.gs[s.g].totals[k] += s.end - s.start
		}
	}

	// Groups: cell groups by label, then the two grey ones.
	byLabel := make(map[string]*group)
	var cells []*group
	other := &group{label: labelOther, class: classOther, color: otherColor}
	rt := &group{label: labelRuntime, class: classRuntime, color: runtimeColor}
	for i := range t.gs {
		g := &t.gs[i]
		var gr *group
		switch g.class {
		case classOther:
			gr = other
		case classRuntime:
			gr = rt
		default:
			gr = byLabel[g.label]
			if gr == nil {
				gr = &group{label: g.label, class: classCell}
				byLabel[g.label] = gr
				cells = append(cells, gr)
			}
		}
		gr.count++
		for k := range gr.totals {
			gr.totals[k] += g.totals[k]
		}
	}
	slices.SortStableFunc(cells, func(a, b *group) int {
		if a.totals[slotRunning] != b.totals[slotRunning] {
			if a.totals[slotRunning] > b.totals[slotRunning] {
				return -1
			}
			return 1
		}
		if a.count != b.count {
			return b.count - a.count
		}
		return strings.Compare(a.label, b.label)
	})
	idx := make(map[*group]int32)
	n := 0
	for _, gr := range cells {
		if gr.label == labelCell && t.opt.Main != 0 {
			gr.color = cellColor
		} else {
			gr.color = palette[n%len(palette)]
			n++
		}
		idx[gr] = int32(len(t.groups))
		t.groups = append(t.groups, *gr)
	}
	for _, gr := range []*group{other, rt} {
		idx[gr] = int32(len(t.groups))
		t.groups = append(t.groups, *gr)
	}
	for i := range t.gs {
		g := &t.gs[i]
		switch g.class {
		case classOther:
			g.group = idx[other]
		case classRuntime:
			g.group = idx[rt]
		default:
			g.group = idx[byLabel[g.label]]
		}
	}
	t.sum = t.summarize()
}

// classify decides for every goroutine whether it is the cell's, the
// runtime's or another's, and gives the cell's goroutines their labels.
func (t *Trace) classify() {
	const (
		unvisited = iota
		visiting
		done
	)
	mark := make([]uint8, len(t.gs))
	names := t.opt.Names
	var visit func(i int)
	visit = func(i int) {
		if mark[i] != unvisited {
			return
		}
		mark[i] = visiting
		g := &t.gs[i]
		g.class = classCell
		name, named := names[g.id]
		switch {
		case t.opt.Main != 0 && g.id == t.opt.Main:
			g.label = labelCell
		case named:
			g.label = name
			if name == "" {
				g.label = t.autoLabel(g)
			}
		case g.system || isRuntimeFunc(g.startFunc()):
			g.class = classRuntime
		case names != nil || t.opt.Main != 0:
			// Descendants of the cell are the cell's.
			var par *goroutine
			if pi, ok := t.index(g.parent); ok && g.parent != 0 {
				visit(pi)
				if mark[pi] == done && t.gs[pi].class == classCell {
					par = &t.gs[pi]
				} // else not the cell's, or a cycle in the parent links
			}
			switch {
			case par != nil:
				g.label = t.autoLabel(g)
				if names != nil && !strings.HasPrefix(g.site, "cell line ") && isInterpFunc(g.startFunc()) {
					// Interpreted code: the function and site are the
					// interpreter's; the ancestor's label says more.
					g.label = "started by " + strings.TrimPrefix(par.label, "started by ")
				}
			case names != nil:
				g.class = classOther
			case g.startFunc() == "":
				g.class = classRuntime
			default:
				// Without Names, user code outside the cell's
				// descendants still counts, labelled by function.
				g.label = t.autoLabel(g)
			}
		case g.startFunc() == "":
			// Never seen doing anything that names its function.
			g.class = classRuntime
		default:
			g.label = t.autoLabel(g)
		}
		mark[i] = done
	}
	for i := range t.gs {
		visit(i)
	}
}

func (t *Trace) index(id uint64) (int, bool) {
	i, ok := t.byID[id]
	return int(i), ok
}

// autoLabel labels a goroutine by its start function and creation site.
func (t *Trace) autoLabel(g *goroutine) string {
	fn := shortFunc(g.startFunc())
	switch {
	case fn != "" && g.site != "":
		return fn + " @ " + g.site
	case fn != "":
		return fn
	case g.site != "":
		return "goroutine @ " + g.site
	}
	return "goroutine"
}

// shortFunc drops the import path from a function name:
// "github.com/a/b.(*T).m" → "b.(*T).m".
func shortFunc(fn string) string {
	// The path ends at the last slash before the first dot after it; a
	// slash can also appear inside generic brackets, so stop at '['.
	s := fn
	if i := strings.IndexByte(s, '['); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		return fn[i+1:]
	}
	return fn
}

func (t *Trace) summarize() Summary {
	s := Summary{
		DurationNS: t.t1 - t.t0,
		Procs:      t.procs,
		BlockedBy:  map[string]int64{},
	}
	type edge struct {
		t int64
		d int
	}
	var edges []edge
	for _, seg := range t.segs {
		g := &t.gs[seg.g]
		if g.class != classCell {
			continue
		}
		d := seg.end - seg.start
		switch seg.state {
		case gsRunning:
			s.RunningNS += d
			edges = append(edges, edge{seg.start, 1}, edge{seg.end, -1})
		case gsRunnable:
			s.RunnableNS += d
		case gsWaiting:
			s.BlockedNS += d
			r := t.reasons[seg.reason]
			if r == "" {
				r = "unknown"
			}
			s.BlockedBy[r] += d
		case gsSyscall:
			s.SyscallNS += d
		}
	}
	for i := range t.gs {
		if g := &t.gs[i]; g.class == classCell && g.created {
			s.GoroutinesCreated++
		}
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if a.t != b.t {
			if a.t < b.t {
				return -1
			}
			return 1
		}
		return a.d - b.d // ends before starts
	})
	cur := 0
	for _, e := range edges {
		cur += e.d
		s.MaxRunning = max(s.MaxRunning, cur)
	}
	var cells []GoroutineStat
	for _, gr := range t.groups {
		if gr.class != classCell {
			continue
		}
		cells = append(cells, GoroutineStat{
			Label: gr.label, Count: gr.count,
			RunningNS: gr.totals[slotRunning], RunnableNS: gr.totals[slotRunnable],
			BlockedNS: gr.totals[slotBlocked], SyscallNS: gr.totals[slotSyscall],
		})
	}
	if len(cells) > maxGroups {
		rest := GoroutineStat{}
		for _, c := range cells[maxGroups-1:] {
			rest.Count += c.Count
			rest.RunningNS += c.RunningNS
			rest.RunnableNS += c.RunnableNS
			rest.BlockedNS += c.BlockedNS
			rest.SyscallNS += c.SyscallNS
		}
		rest.Label = itoa(len(cells)-maxGroups+1) + " more groups"
		cells = append(cells[:maxGroups-1:maxGroups-1], rest)
	}
	s.Goroutines = cells
	return s
}

// Summary returns what the trace says about the cell's goroutines.
func (t *Trace) Summary() Summary {
	s := t.sum
	s.BlockedBy = maps.Clone(t.sum.BlockedBy)
	s.Goroutines = slices.Clone(t.sum.Goroutines)
	return s
}

// isInterpFunc reports whether fn is the interpreter's (yaegi's) rather than
// the code it runs.
func isInterpFunc(fn string) bool {
	return fn == "" || strings.Contains(fn, "/yaegi/")
}
