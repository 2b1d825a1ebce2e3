package gotrace

import (
	"math"
	"path"
	"strconv"
	"strings"
)

// This file turns trace events, whichever reader produced them, into the
// goroutine state segments, GC spans and goroutine facts that the analysis
// works on.

// gstate is a goroutine state.
type gstate uint8

const (
	gsUnknown      gstate = iota // never seen, or a state this package does not know
	gsUndetermined               // "Undetermined": state before the trace knew it
	gsNotExist
	gsRunnable
	gsRunning
	gsWaiting
	gsSyscall
)

// live reports whether time in state s is accounted.
func (s gstate) live() bool { return s >= gsRunnable }

// Accounting slots of goroutine.totals and the summary.
const (
	slotRunning = iota
	slotRunnable
	slotBlocked
	slotSyscall
	nSlots
)

func (s gstate) slot() int {
	switch s {
	case gsRunning:
		return slotRunning
	case gsRunnable:
		return slotRunnable
	case gsWaiting:
		return slotBlocked
	case gsSyscall:
		return slotSyscall
	}
	return -1
}

// fromStart marks a segment that began before the first event: the
// goroutine was already in that state when the trace started.
const fromStart = math.MinInt64

// segment is a stretch of time one goroutine spent in one state.
type segment struct {
	start, end int64
	g          int32 // index into Trace.gs
	p          int32 // the P it ran on (running, syscall), else -1
	state      gstate
	reason     uint16 // index into Trace.reasons (waiting)
}

// span is a GC phase or stop-the-world pause.
type span struct {
	start, end int64
	stw        bool
	name       string
}

type class uint8

const (
	classCell    class = iota // started by the cell: counted and coloured
	classRuntime              // GC workers, trace reader, ...: grey
	classOther                // not the cell's (Options.Names is set and does not lead to it): grey
)

// goroutine is what the trace says about one goroutine.
type goroutine struct {
	id      uint64
	parent  uint64 // the goroutine that created it, 0 if unknown
	created bool   // created during the trace
	fn      string // start function, from the creation's transition stack
	root    string // bottom frame of a stack seen for it (goroutines that existed before the trace)
	site    string // where it was created: "cell line 4" or "file.go:12"
	system  bool   // the runtime says it is a system goroutine (GC label, system wait reason)

	// Reading state.
	state  gstate
	since  int64
	p      int32
	reason uint16

	// Results.
	class  class
	label  string // group label
	group  int32
	totals [nSlots]int64
}

// startFunc is the best known name of the function the goroutine runs.
func (g *goroutine) startFunc() string {
	if g.fn != "" {
		return g.fn
	}
	return g.root
}

type evKind uint8

const (
	evOther evKind = iota
	evTransition
	evMetric
	evLabel
	evRangeBegin
	evRangeActive
	evRangeEnd
)

// event is one trace event; its stacks are in builder.tstack and stack.
type event struct {
	kind     evKind
	t        int64
	p, g     int64
	goid     int64 // goroutine of a goroutine transition, else -1
	procID   int64 // P of a proc transition, else -1
	hasTrans bool
	from, to gstate
	reason   string
	name     string // Metric, Range and Label: Name= / Label=
	value    uint64
	hasValue bool
	resG     int64 // Label: Resource=Goroutine(N)
	scope    string
}

type frame struct {
	fn, file []byte // file is "path:line"
}

// maxProcs bounds the P ids drawn as lanes.
const maxProcs = 4096

// builder collects what the events of one trace say. A reader hands it
// each event with begin, adds the frames of the stacks begin asked for
// (wantT, wantS) and then calls apply.
type builder struct {
	opt  Options
	t    *Trace
	gidx map[uint64]int32
	strs map[string]string // interned strings
	rIdx map[string]uint16 // reason → index in t.reasons

	ev       event
	wantT    bool // keep the transition stack's frames
	wantS    bool // keep the stack's frames
	arena    []byte
	tstack   []frame
	stack    []frame
	procSeen []bool
	gomax    int
	events   int
	minT     int64
	maxT     int64
	open     map[string]int64
}

func newBuilder(opt Options) builder {
	return builder{
		opt:  opt,
		t:    &Trace{opt: opt, reasons: []string{""}},
		gidx: make(map[uint64]int32),
		strs: make(map[string]string),
		rIdx: map[string]uint16{"": 0},
		minT: math.MaxInt64,
		maxT: math.MinInt64,
		open: make(map[string]int64),
	}
}

// begin makes ev the pending event and decides which of its stacks to
// keep. Stacks are kept only where they tell something: a creation (start
// function and go statement), or a goroutine whose function is not known
// yet.
func (p *builder) begin(ev event) {
	p.ev = ev
	creation := ev.kind == evTransition && ev.hasTrans && ev.from == gsNotExist && ev.to == gsRunnable
	p.wantT = creation || (ev.goid >= 0 && p.unnamed(ev.goid))
	p.wantS = creation || (ev.g > 0 && p.unnamed(ev.g))
}

// unnamed reports whether goroutine id is not known or has no function name
// yet.
func (p *builder) unnamed(id int64) bool {
	i, ok := p.gidx[uint64(id)]
	if !ok {
		return true
	}
	g := &p.t.gs[i]
	return g.fn == "" && g.root == ""
}

// keep copies b into the per-event arena.
func (p *builder) keep(b []byte) []byte {
	start := len(p.arena)
	p.arena = append(p.arena, b...)
	return p.arena[start:len(p.arena):len(p.arena)]
}

// keepFrame adds a frame, function fn at file:line, to the stack st.
func (p *builder) keepFrame(st []frame, fn, file string, line uint64) []frame {
	start := len(p.arena)
	p.arena = append(p.arena, fn...)
	f := frame{fn: p.arena[start:len(p.arena):len(p.arena)]}
	start = len(p.arena)
	p.arena = append(p.arena, file...)
	p.arena = append(p.arena, ':')
	p.arena = strconv.AppendUint(p.arena, line, 10)
	f.file = p.arena[start:len(p.arena):len(p.arena)]
	return append(st, f)
}

func (p *builder) intern(b []byte) string {
	if s, ok := p.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	p.strs[s] = s
	return s
}

func (p *builder) reason(s string) uint16 {
	if i, ok := p.rIdx[s]; ok {
		return i
	}
	if len(p.t.reasons) >= math.MaxUint16 {
		return 0
	}
	i := uint16(len(p.t.reasons))
	p.t.reasons = append(p.t.reasons, s)
	p.rIdx[s] = i
	return i
}

// gor returns the index of goroutine id, adding it if new.
func (p *builder) gor(id uint64) int32 {
	if i, ok := p.gidx[id]; ok {
		return i
	}
	i := int32(len(p.t.gs))
	p.t.gs = append(p.t.gs, goroutine{id: id, p: -1})
	p.gidx[id] = i
	return i
}

func (p *builder) sawProc(id int64) {
	if id < 0 || id >= maxProcs {
		return
	}
	for int(id) >= len(p.procSeen) {
		p.procSeen = append(p.procSeen, false)
	}
	p.procSeen[id] = true
}

// apply applies the pending event.
func (p *builder) apply() {
	ev := &p.ev
	p.events++
	if ev.t < p.minT {
		p.minT = ev.t
	}
	if ev.t > p.maxT {
		p.maxT = ev.t
	}
	p.sawProc(ev.p)
	switch ev.kind {
	case evTransition:
		if ev.procID >= 0 {
			p.sawProc(ev.procID)
		} else if ev.goid >= 0 && ev.hasTrans {
			p.goTransition(ev)
		}
	case evMetric:
		if ev.name == "/sched/gomaxprocs:threads" && ev.hasValue && ev.value < 1<<16 {
			p.gomax = max(p.gomax, int(ev.value))
		}
	case evLabel:
		if ev.resG > 0 && strings.HasPrefix(ev.name, "GC") {
			p.t.gs[p.gor(uint64(ev.resG))].system = true
		}
	case evRangeBegin, evRangeActive, evRangeEnd:
		p.rangeEvent(ev)
	}
	// The event's own stack belongs to the goroutine running it: for a
	// goroutine that existed before the trace, its bottom frame names the
	// function it runs.
	if ev.g > 0 && len(p.stack) > 0 {
		if i, ok := p.gidx[uint64(ev.g)]; ok {
			g := &p.t.gs[i]
			if g.fn == "" && g.root == "" {
				g.root = p.intern(p.stack[len(p.stack)-1].fn)
			}
		}
	}
	p.arena = p.arena[:0]
	p.tstack = p.tstack[:0]
	p.stack = p.stack[:0]
}

func (p *builder) rangeEvent(ev *event) {
	stw := strings.HasPrefix(ev.name, "stop-the-world")
	if !stw && (!strings.HasPrefix(ev.name, "GC") || (ev.scope != "None" && ev.scope != "Global")) {
		return
	}
	key := ev.name + "\x00" + ev.scope
	switch ev.kind {
	case evRangeBegin, evRangeActive:
		if _, ok := p.open[key]; !ok {
			start := ev.t
			if ev.kind == evRangeActive {
				start = fromStart
			}
			p.open[key] = start
		}
	case evRangeEnd:
		start, ok := p.open[key]
		if !ok {
			start = fromStart
		}
		delete(p.open, key)
		p.t.spans = append(p.t.spans, span{start: start, end: ev.t, stw: stw, name: ev.name})
	}
}

func (p *builder) goTransition(ev *event) {
	id := uint64(ev.goid)
	g := &p.t.gs[p.gor(id)]
	first := g.state == gsUnknown && !g.created
	if first {
		if ev.from == gsUndetermined {
			// The goroutine existed before the trace; assume it was in
			// this state since the trace began.
			g.state, g.since, g.p = ev.to, fromStart, int32(ev.p)
			if ev.to == gsWaiting {
				g.reason = p.reason(ev.reason)
			}
			p.rootFromTransition(g)
			return
		}
		if ev.from.live() {
			g.state, g.since, g.p = ev.from, fromStart, int32(ev.p)
		}
	} else if (ev.from == gsUndetermined || ev.from == ev.to) && ev.to == g.state {
		return // a re-statement of what we know (generation boundary)
	}
	p.closeSeg(g, ev.t)
	g.state, g.since = ev.to, ev.t
	switch ev.to {
	case gsRunning:
		g.p = int32(ev.p)
	case gsSyscall:
		if ev.p >= 0 {
			g.p = int32(ev.p)
		}
	case gsWaiting:
		g.reason = p.reason(ev.reason)
	}
	if ev.from == gsNotExist && ev.to == gsRunnable {
		g.created = true
		if ev.g > 0 && uint64(ev.g) != id {
			g.parent = uint64(ev.g)
		}
		if len(p.tstack) > 0 {
			g.fn = p.intern(p.tstack[0].fn)
		}
		g.site = p.site(p.stack)
		return
	}
	p.rootFromTransition(g)
}

// rootFromTransition takes the function a pre-existing goroutine runs from
// the bottom of its transition stack.
func (p *builder) rootFromTransition(g *goroutine) {
	if g.fn == "" && g.root == "" && len(p.tstack) > 0 {
		g.root = p.intern(p.tstack[len(p.tstack)-1].fn)
	}
}

// closeSeg ends g's current state at time t.
func (p *builder) closeSeg(g *goroutine, t int64) {
	if !g.state.live() {
		return
	}
	if g.since != fromStart && t < g.since {
		t = g.since
	}
	pp := int32(-1)
	if g.state == gsRunning || g.state == gsSyscall {
		pp = g.p
	}
	var r uint16
	if g.state == gsWaiting {
		r = g.reason
	}
	p.t.segs = append(p.t.segs, segment{
		start: g.since, end: t, g: int32(p.gidx[g.id]), p: pp, state: g.state, reason: r,
	})
}

// site names where a goroutine was created from the creator's stack: the
// first frame in the cell file ("cell line 4"), else the first frame
// outside the runtime ("main.go:31").
func (p *builder) site(st []frame) string {
	if cf := p.opt.CellFile; cf != "" {
		for _, f := range st {
			file, line := splitFileLine(f.file)
			if file == cf || path.Base(file) == cf || (len(file) > len(cf) && strings.HasSuffix(file, cf) && file[len(file)-len(cf)-1] == '/') {
				return p.intern([]byte("cell line " + line))
			}
		}
	}
	for _, f := range st {
		if !isRuntimeFunc(string(f.fn)) && f.file != nil {
			file, line := splitFileLine(f.file)
			return p.intern([]byte(path.Base(file) + ":" + line))
		}
	}
	return ""
}

func splitFileLine(b []byte) (file, line string) {
	s := string(b)
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[:i], s[i+1:]
	}
	return s, "?"
}

// isRuntimeFunc reports whether fn belongs to the Go runtime.
func isRuntimeFunc(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "runtime/") || strings.HasPrefix(fn, "internal/")
}

// systemReason reports whether a goroutine blocked for this reason is one
// of the runtime's own.
func systemReason(r string) bool {
	switch r {
	case "system goroutine wait", "GC background sweeper wait", "GC scavenge wait",
		"GC worker (idle)", "GC worker (active)", "trace reader (blocked)",
		"force gc (idle)", "finalizer wait", "cleanup wait":
		return true
	}
	return false
}

// finish closes open intervals at the end of the trace and analyses it.
// It needs at least one event.
func (p *builder) finish() *Trace {
	t := p.t
	t.t0, t.t1 = p.minT, p.maxT
	for i := range t.gs {
		p.closeSeg(&t.gs[i], t.t1)
	}
	for i := range t.segs {
		s := &t.segs[i]
		if s.start == fromStart {
			s.start = t.t0
		}
		if s.state == gsWaiting && systemReason(t.reasons[s.reason]) {
			t.gs[s.g].system = true
		}
	}
	for key, start := range p.open {
		name, _, _ := strings.Cut(key, "\x00")
		t.spans = append(t.spans, span{start: start, end: t.t1, stw: strings.HasPrefix(name, "stop-the-world"), name: name})
	}
	for i := range t.spans {
		if t.spans[i].start == fromStart {
			t.spans[i].start = t.t0
		}
	}
	nseen := 0
	for _, s := range p.procSeen {
		if s {
			nseen++
		}
	}
	t.procs = max(nseen, p.gomax)
	t.lanes = len(p.procSeen)
	t.byID = p.gidx
	t.analyze()
	return t
}
