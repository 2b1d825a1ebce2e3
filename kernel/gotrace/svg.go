package gotrace

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/picture"
	"github.com/gocurrent/gocurrent/kernel/svgkit"
)

// Page colours, as in the kernel's charts: a white page with dark text reads
// the same in light and dark notebook themes.
const (
	bgColor    = "#ffffff"
	border     = "#d0d7de"
	textColor  = "#1f2328"
	mutedColor = "#59636e"
	gridColor  = "#eaeef2"
	laneColor  = "#f6f8fa"
	axisColor  = "#8c959f"
	gcColor    = "#e3b341"
	stwColor   = "#cf222e"
	fontFamily = "-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif"
)

// The states of the stacked area, bottom to top.
var areaStates = []struct {
	slot  int
	name  string
	color string
}{
	{slotRunning, "running", "#2da44e"},
	{slotRunnable, "runnable (waiting for a P)", "#e8a317"},
	{slotSyscall, "in a system call", "#8250df"},
	{slotBlocked, "blocked", "#d65c5c"},
}

// rectBudget bounds the rectangles drawn on the processor lanes: with many
// lanes, the pixel columns that intervals are merged into get wider.
const rectBudget = 8000

// laneItem is one interval on a processor lane.
type laneItem struct {
	start, end int64
	g          int32
}

// drawing collects the shapes of the picture.
type drawing struct{ picture.Group }

// line draws a line from (x1, y1) to (x2, y2) in color.
func (d *drawing) line(x1, y1, x2, y2 float64, color string) {
	d.Add(picture.Line{X1: x1, Y1: y1, X2: x2, Y2: y2, Stroke: color})
}

// text draws s at (x, y) in the picture's 12 px text colour, or as t
// says otherwise.
func (d *drawing) text(x, y float64, s string, t picture.Text) {
	t.X, t.Y, t.S = x, y, s
	d.Add(t)
}

// rect draws a rectangle filled with color.
func (d *drawing) rect(x, y, w, h float64, color string) {
	d.Add(picture.Rect{X: x, Y: y, W: w, H: h, Paint: picture.Paint{Fill: color}})
}

// geometry maps trace time to x.
type geometry struct {
	t0    int64
	left  float64
	plotW float64
	scale float64 // px per ns
}

func (g geometry) x(t int64) float64 { return g.left + float64(t-g.t0)*g.scale }

// SVG renders the picture of the trace as a standalone SVG document.
func (t *Trace) SVG() string { return t.Picture().SVG() }

// Picture draws the trace: one lane per processor with the goroutines that
// ran on it, coloured by group; under it, how many of the cell's
// goroutines were running, runnable, blocked and in a system call over
// time; and legends.
func (t *Trace) Picture() *picture.Picture {
	width := t.opt.Width
	if width <= 0 {
		width = 900
	}
	width = max(width, 360)
	W := float64(width)
	dur := max(t.t1-t.t0, 1)
	geo := geometry{t0: t.t0, left: 64, plotW: W - 64 - 18}
	geo.scale = geo.plotW / float64(dur)

	lanes := max(t.lanes, 1)
	laneH := min(max(240/lanes, 5), 26)
	stripH := max(laneH/5, 1) // the syscall strip under each lane
	gap := 1
	if laneH >= 10 {
		gap = 2
	}
	barH := laneH - stripH - gap
	labelEvery := (12 + laneH - 1) / laneH // lane labels at least 12 px apart

	var body drawing
	muted := picture.Text{Fill: mutedColor}

	// Title line.
	y := 22.0
	head := "Go execution trace · " + fmtDur(dur) + " · " + plural(t.procs, "P", "Ps") + " (GOMAXPROCS)"
	sum := t.sum
	if sum.GoroutinesCreated > 0 {
		head += " · " + plural(sum.GoroutinesCreated, "goroutine", "goroutines") + " started"
	}
	head += " · at most " + itoa(sum.MaxRunning) + " running at once"
	if t.incomplete != "" {
		head = "Incomplete trace · " + head
	}
	body.text(12, y, svgkit.Truncate(head, 14, W-24), picture.Text{Size: 14, Bold: true})
	y += 14

	// GC strip.
	lanesTop := y
	if len(t.spans) > 0 {
		body.text(geo.left-8, y+8, "GC", picture.Text{Anchor: picture.End, Size: 10, Fill: mutedColor})
		t.drawSpans(&body, geo, y)
		y += 16
	}

	// Processor lanes.
	runs := make([][]laneItem, lanes)
	syss := make([][]laneItem, lanes)
	for _, s := range t.segs {
		if s.p < 0 || int(s.p) >= lanes || s.end <= s.start {
			continue
		}
		switch s.state {
		case gsRunning:
			runs[s.p] = append(runs[s.p], laneItem{s.start, s.end, s.g})
		case gsSyscall:
			syss[s.p] = append(syss[s.p], laneItem{s.start, s.end, s.g})
		}
	}
	hasSys := false
	for p := range lanes {
		if len(syss[p]) > 0 {
			hasSys = true
		}
	}
	// Bucket width: about one rect per lane per column in all.
	bucket := max(1, int(math.Ceil(float64(lanes)*geo.plotW*2/rectBudget)))
	lr := laneRenderer{t: t, geo: geo, bucket: float64(bucket), desc: make(map[int32]string)}
	for p := range lanes {
		ly := y + float64(p*laneH)
		body.rect(geo.left, ly, geo.plotW, float64(laneH-1), laneColor)
		if p%labelEvery == 0 {
			body.text(geo.left-8, ly+float64(barH)/2+4, "P"+strconv.Itoa(p), picture.Text{Anchor: picture.End, Size: 11})
		}
	}
	// Grid lines go over the lane backgrounds and under the bars.
	unit, unitName := timeUnit(dur)
	ticks := niceTicks(float64(dur)/unit, max(3, int(geo.plotW/90)))
	areaH := 110.0
	areaTop := y + float64(lanes*laneH) + 10
	areaBottom := areaTop + areaH
	for _, tk := range ticks {
		x := geo.left + tk*unit*geo.scale
		body.line(x, lanesTop, x, areaBottom, gridColor)
	}
	for p := range lanes {
		ly := y + float64(p*laneH)
		body.Add(picture.Group{DY: ly, Items: lr.draw(runs[p], float64(barH), false)})
		if len(syss[p]) > 0 {
			body.Add(picture.Group{DY: ly + float64(barH), Items: lr.draw(syss[p], float64(stripH), true)})
		}
	}

	// Stacked area of the cell's goroutines by state.
	t.drawArea(&body, geo, areaTop, areaH)

	// Time axis.
	body.line(geo.left, areaBottom, geo.left+geo.plotW, areaBottom, axisColor)
	dec := tickDecimals(ticks)
	for _, tk := range ticks {
		x := geo.left + tk*unit*geo.scale
		body.line(x, areaBottom, x, areaBottom+4, axisColor)
		body.text(x, areaBottom+16, strconv.FormatFloat(tk, 'f', dec, 64), picture.Text{Anchor: picture.Middle, Size: 11})
	}
	y = areaBottom + 34
	body.text(geo.left+geo.plotW/2, y, "time since the cell started ("+unitName+")", picture.Text{Anchor: picture.Middle})

	// State legend.
	y += 24
	x := 12.0
	for _, st := range areaStates {
		body.rect(x, y-9, 10, 10, st.color)
		body.text(x+14, y, st.name, picture.Text{})
		x += 14 + svgkit.TextWidth(st.name, 12) + 16
	}
	y += 18
	x = 12
	if hasSys {
		body.Add(picture.Rect{X: x, Y: y - 9, W: 18, H: 10, Hatch: true,
			Paint: picture.Paint{Fill: mutedColor, Stroke: axisColor, StrokeWidth: 0.5}})
		s := "strip under a P lane: in a system call (entered on that P)"
		body.text(x+22, y, s, picture.Text{})
		x += 22 + svgkit.TextWidth(s, 12) + 16
	}
	if len(t.spans) > 0 {
		body.rect(x, y-9, 10, 10, gcColor)
		body.rect(x+10, y-9, 4, 10, stwColor)
		s := "GC running / stop-the-world"
		body.text(x+18, y, s, picture.Text{})
		x += 18 + svgkit.TextWidth(s, 12) + 16
	}
	if x > 12 {
		y += 18
	}

	// Group legend.
	y += 8
	body.text(12, y, "Goroutines by where they were started (bar colours)", picture.Text{Bold: true})
	y += 2
	var entries []group
	var hidden, hiddenCount int
	for _, gr := range t.groups {
		if gr.count == 0 {
			continue
		}
		if gr.class == classCell && len(entries) >= 12 {
			hidden++
			hiddenCount += gr.count
			continue
		}
		entries = append(entries, gr)
	}
	legend := func(gr group) (label, tail string) {
		return gr.label, " — " + plural(gr.count, "goroutine", "goroutines") + ", ran " + fmtDur(gr.totals[slotRunning])
	}
	// Two columns if the entries fit in them, else one.
	cols := 1
	if W >= 640 {
		cols = 2
		for _, gr := range entries {
			l, tail := legend(gr)
			if svgkit.TextWidth(l+tail, 12) > (W-24)/2-24 {
				cols = 1
				break
			}
		}
	}
	colW := (W - 24) / float64(cols)
	rowH := 18.0
	for i, gr := range entries {
		cx := 12 + float64(i%cols)*colW
		cy := y + float64(i/cols+1)*rowH
		body.rect(cx, cy-9, 10, 10, gr.color)
		l, tail := legend(gr)
		body.text(cx+14, cy, svgkit.Truncate(l, 12, colW-24-svgkit.TextWidth(tail, 12))+tail, picture.Text{})
	}
	y += float64((len(entries)+cols-1)/cols) * rowH
	if hidden > 0 {
		y += rowH
		body.text(12, y, "… and "+plural(hidden, "more group", "more groups")+" ("+plural(hiddenCount, "goroutine", "goroutines")+"), colours repeat", muted)
	}
	if len(entries) == 0 {
		y += rowH
		body.text(12, y, "no goroutines in this trace", muted)
	}
	H := math.Ceil(y + 16)

	// Document.
	pic := &picture.Picture{Width: W, Height: H, Title: "Go execution trace: goroutines on processors over time",
		FontFamily: fontFamily, FontSize: 12, TextFill: textColor}
	pic.Add(picture.Rect{X: 0.5, Y: 0.5, W: W - 1, H: H - 1, Paint: picture.Paint{Fill: bgColor, Stroke: border}})
	pic.Add(body.Items...)
	return pic
}

// laneRenderer draws the intervals of one lane: an interval at least a
// bucket wide is its own rect with its own hover text; narrower ones are
// summed per bucket and drawn as one rect per run of buckets with the same
// dominant group.
type laneRenderer struct {
	t      *Trace
	geo    geometry
	bucket float64
	desc   map[int32]string
}

type bucketAcc struct {
	col    int
	busy   int64
	n      int
	lastG  int32
	groups []groupNS
	t0, t1 int64
}

type groupNS struct {
	group int32
	ns    int64
}

type mergedRect struct {
	x0, x1 int // columns
	group  int32
	level  int
	n      int
	busy   int64
	t0, t1 int64
	valid  bool
	byG    []groupNS
}

var opacityLevels = []float64{0.35, 0.55, 0.75, 1}

// draw returns the rects of one lane's items, h high from y = 0; sys
// rects are hatched.
func (lr *laneRenderer) draw(items []laneItem, h float64, sys bool) []picture.Item {
	var out []picture.Item
	slices.SortFunc(items, func(a, b laneItem) int {
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	acc := bucketAcc{col: -1}
	var m mergedRect
	flushMerged := func() {
		if !m.valid {
			return
		}
		m.valid = false
		x := lr.geo.left + float64(m.x0)*lr.bucket
		wd := float64(m.x1-m.x0+1) * lr.bucket
		gr := &lr.t.groups[m.group]
		r := picture.Rect{X: x, W: wd, H: h, Hatch: sys, Paint: picture.Paint{Fill: gr.color}}
		if m.level < len(opacityLevels)-1 {
			r.FillOpacity = opacityLevels[m.level]
		}
		what := "ran"
		if sys {
			what = "were in system calls"
		}
		mostly := gr.label
		if len(m.byG) > 1 {
			mostly = "mostly " + mostly
		}
		r.Title = plural(m.n, "goroutine", "goroutines") + " " + what + " here between " +
			fmtAt(m.t0-lr.t.t0) + " and " + fmtAt(m.t1-lr.t.t0) + ", " + mostly +
			" (" + fmtDur(m.busy) + " in all)"
		out = append(out, r)
	}
	flushAcc := func() {
		if acc.col < 0 {
			return
		}
		// Dominant group.
		best := acc.groups[0]
		for _, g := range acc.groups[1:] {
			if g.ns > best.ns {
				best = g
			}
		}
		frac := float64(acc.busy) / (lr.bucket / lr.geo.scale)
		level := min(int(frac*4), len(opacityLevels)-1)
		if m.valid && m.x1 == acc.col-1 && m.group == best.group && m.level == level {
			m.x1 = acc.col
			m.n += acc.n
			m.busy += acc.busy
			m.t1 = acc.t1
		} else {
			flushMerged()
			m = mergedRect{x0: acc.col, x1: acc.col, group: best.group, level: level, n: acc.n,
				busy: acc.busy, t0: acc.t0, t1: acc.t1, valid: true, byG: m.byG[:0]}
		}
		for _, g := range acc.groups {
			found := false
			for i := range m.byG {
				if m.byG[i].group == g.group {
					m.byG[i].ns += g.ns
					found = true
					break
				}
			}
			if !found {
				m.byG = append(m.byG, g)
			}
		}
		acc = bucketAcc{col: -1, groups: acc.groups[:0]}
	}
	for _, it := range items {
		x0, x1 := lr.geo.x(it.start), lr.geo.x(it.end)
		g := &lr.t.gs[it.g]
		if x1-x0 >= lr.bucket {
			gr := &lr.t.groups[g.group]
			title := lr.describe(it.g)
			if sys {
				title += " — in a system call for " + fmtDur(it.end-it.start)
			} else {
				title += " — running " + fmtDur(it.end-it.start)
				if tot := g.totals[slotRunning]; tot > (it.end-it.start)*11/10 {
					title += " (" + fmtDur(tot) + " in all)"
				}
			}
			out = append(out, picture.Rect{X: x0, W: x1 - x0, H: h, Hatch: sys, Paint: picture.Paint{Fill: gr.color}, Title: title})
			continue
		}
		col := int(((x0+x1)/2 - lr.geo.left) / lr.bucket)
		if col != acc.col {
			flushAcc()
			acc.col = col
			acc.t0 = it.start
			acc.lastG = -1
		}
		acc.busy += it.end - it.start
		acc.t1 = it.end
		if it.g != acc.lastG {
			acc.n++
			acc.lastG = it.g
		}
		found := false
		for i := range acc.groups {
			if acc.groups[i].group == g.group {
				acc.groups[i].ns += it.end - it.start
				found = true
				break
			}
		}
		if !found {
			acc.groups = append(acc.groups, groupNS{g.group, it.end - it.start})
		}
	}
	flushAcc()
	flushMerged()
	return out
}

// describe is the start of a goroutine's hover text:
// "G17 main.worker — started at cell line 4 (go worker(i))".
func (lr *laneRenderer) describe(i int32) string {
	if d, ok := lr.desc[i]; ok {
		return d
	}
	d := lr.t.describe(&lr.t.gs[i])
	lr.desc[i] = d
	return d
}

func (t *Trace) describe(g *goroutine) string {
	id := "G" + strconv.FormatUint(g.id, 10)
	fn := shortFunc(g.startFunc())
	if isInterpFunc(g.startFunc()) {
		fn = "" // the interpreter's function says nothing about the cell
	}
	withFn := id
	if fn != "" {
		withFn += " " + fn
	}
	switch g.class {
	case classRuntime:
		if fn == "" {
			return id + " (runtime)"
		}
		return withFn + " (runtime)"
	case classOther:
		return withFn + " — not started by the cell"
	}
	if t.opt.Main != 0 && g.id == t.opt.Main {
		return id + " — the cell"
	}
	if name, ok := t.opt.Names[g.id]; ok && name != "" {
		if strings.HasPrefix(name, "cell line ") {
			if a, b, ok := strings.Cut(name, ": "); ok {
				return withFn + " — started at " + a + " (" + b + ")"
			}
			return withFn + " — started at " + name
		}
		return withFn + " — " + name
	}
	if strings.HasPrefix(g.label, "started by ") {
		return withFn + " — " + g.label
	}
	if g.site != "" {
		return withFn + " — started at " + g.site
	}
	return withFn
}

// drawSpans draws GC phases and stop-the-world pauses in a strip, merging
// spans closer than a pixel.
func (t *Trace) drawSpans(d *drawing, geo geometry, y float64) {
	spans := slices.Clone(t.spans)
	slices.SortFunc(spans, func(a, b span) int {
		if a.stw != b.stw {
			if !a.stw {
				return -1
			}
			return 1
		}
		switch {
		case a.start < b.start:
			return -1
		case a.start > b.start:
			return 1
		}
		return 0
	})
	type run struct {
		x0, x1 float64
		n      int
		ns     int64
		stw    bool
		name   string
	}
	var cur run
	emit := func() {
		if cur.n == 0 {
			return
		}
		color, h, dy := gcColor, 8.0, 0.0
		if cur.stw {
			color, h, dy = stwColor, 10, -1
		}
		var title string
		switch {
		case cur.n == 1:
			title = cur.name + ": " + fmtDur(cur.ns)
		case cur.stw:
			title = itoa(cur.n) + " stop-the-world pauses: " + fmtDur(cur.ns)
		default:
			title = itoa(cur.n) + " GC phases: " + fmtDur(cur.ns)
		}
		d.Add(picture.Rect{X: cur.x0, Y: y + dy, W: max(cur.x1-cur.x0, 1), H: h, Paint: picture.Paint{Fill: color}, Title: title})
		cur = run{}
	}
	for _, s := range spans {
		x0, x1 := geo.x(s.start), geo.x(s.end)
		if cur.n > 0 && (cur.stw != s.stw || x0 > cur.x1+1) {
			emit()
		}
		if cur.n == 0 {
			cur = run{x0: x0, x1: x1, stw: s.stw, name: s.name}
		}
		cur.x1 = max(cur.x1, x1)
		cur.n++
		cur.ns += s.end - s.start
	}
	emit()
}

// drawArea draws how many of the cell's goroutines were in each state, per
// pixel column (time-weighted average), as stacked areas.
func (t *Trace) drawArea(d *drawing, geo geometry, top, h float64) {
	ncols := max(int(geo.plotW), 1)
	colNS := float64(t.t1-t.t0) / float64(ncols)
	if colNS <= 0 {
		colNS = 1
	}
	var cov, diff [nSlots][]float64
	for k := range nSlots {
		cov[k] = make([]float64, ncols)
		diff[k] = make([]float64, ncols+2)
	}
	any := false
	for _, s := range t.segs {
		k := s.state.slot()
		if k < 0 || t.gs[s.g].class != classCell || s.end <= s.start {
			continue
		}
		any = true
		x0 := float64(s.start-t.t0) / colNS
		x1 := float64(s.end-t.t0) / colNS
		c0 := min(int(x0), ncols-1)
		c1 := int(x1)
		if c1 >= ncols {
			c1 = ncols
			x1 = min(x1, float64(ncols))
		}
		if c0 >= c1 {
			cov[k][c0] += x1 - x0
			continue
		}
		cov[k][c0] += float64(c0+1) - x0
		if c1 < ncols {
			cov[k][c1] += x1 - float64(c1)
		}
		diff[k][c0+1]++
		diff[k][c1]--
	}
	// Background and frame.
	d.Add(picture.Rect{X: geo.left, Y: top, W: geo.plotW, H: h, Paint: picture.Paint{Stroke: gridColor}})
	// Rotated axis title.
	cy := top + h/2
	d.text(16, cy, "cell goroutines", picture.Text{Vertical: true, Anchor: picture.Middle, Size: 11, Fill: mutedColor})
	if !any {
		d.text(geo.left+geo.plotW/2, cy+4, "no goroutines of the cell in this trace", picture.Text{Anchor: picture.Middle, Fill: mutedColor})
		return
	}
	var vals [nSlots][]float64
	for k := range nSlots {
		vals[k] = make([]float64, ncols)
		run := 0.0
		for c := range ncols {
			run += diff[k][c]
			vals[k][c] = cov[k][c] + run
		}
	}
	ymax := 0.0
	for c := range ncols {
		sum := 0.0
		for k := range nSlots {
			sum += vals[k][c]
		}
		ymax = max(ymax, sum)
	}
	yt := countTicks(ymax)
	top1 := yt[len(yt)-1]
	yOf := func(v float64) float64 { return top + h - v/top1*h }
	for _, v := range yt {
		yy := yOf(v)
		if v > 0 && v < top1 {
			d.line(geo.left, yy, geo.left+geo.plotW, yy, gridColor)
		}
		d.line(geo.left-4, yy, geo.left, yy, axisColor)
		d.text(geo.left-6, yy+4, fmtCount(v), picture.Text{Anchor: picture.End, Size: 11})
	}
	lower := make([]float64, ncols)
	upper := make([]float64, ncols)
	for _, st := range areaStates {
		v := vals[st.slot]
		nonzero := false
		for c := range ncols {
			upper[c] = lower[c] + v[c]
			if v[c] > 1e-9 {
				nonzero = true
			}
		}
		if nonzero {
			// Upper edge left to right, lower edge back.
			xs := func(c int) float64 { return geo.left + float64(c) + 0.5 }
			edge := pathPoints(nil, ncols, func(c int) (float64, float64) { return xs(c), yOf(upper[c]) })
			edge = pathPoints(edge, ncols, func(c int) (float64, float64) {
				c = ncols - 1 - c
				return xs(c), yOf(lower[c])
			})
			d.Add(picture.Path{Parts: [][]picture.Point{edge}, Closed: true, Paint: picture.Paint{Fill: st.color}, Title: st.name})
		}
		copy(lower, upper)
	}
}

// pathPoints appends the points of a polyline to ps, leaving out points in
// the middle of horizontal runs.
func pathPoints(ps []picture.Point, n int, pt func(int) (float64, float64)) []picture.Point {
	prevY := math.NaN()
	for i := range n {
		x, y := pt(i)
		y = math.Round(y*10) / 10
		nextSame := false
		if i+1 < n {
			_, ny := pt(i + 1)
			nextSame = math.Round(ny*10)/10 == y
		}
		if i > 0 && i < n-1 && y == prevY && nextSame {
			continue
		}
		ps = append(ps, picture.Point{X: x, Y: y})
		prevY = y
	}
	return ps
}

// timeUnit picks the axis unit for a trace of dur ns.
func timeUnit(dur int64) (float64, string) {
	switch {
	case dur < 1e6:
		return 1e3, "µs"
	case dur < 1e10:
		return 1e6, "ms"
	}
	return 1e9, "s"
}

// niceTicks is the ticks at 1, 2 or 5 × 10^k from 0 to at most span,
// about n intervals apart.
func niceTicks(span float64, n int) []float64 {
	var ticks []float64
	for _, v := range svgkit.Ticks(0, span, n) {
		if v >= 0 && v <= span*(1+1e-9) {
			ticks = append(ticks, v)
		}
	}
	return ticks
}

// tickDecimals is the number of decimals the tick labels need.
func tickDecimals(ticks []float64) int {
	step := svgkit.Step(ticks)
	if step == 0 {
		return 0
	}
	d := 0
	for step < 1-1e-9 && d < 6 {
		step *= 10
		d++
	}
	return d
}

// countTicks is the ticks of an axis of counts from 0 to at least top:
// whole numbers 1, 2 or 5 × 10^k apart, about four intervals.
func countTicks(top float64) []float64 {
	if !(top > 0) || math.IsInf(top, 0) {
		return []float64{0, 1}
	}
	ticks := svgkit.Ticks(0, top, 4)
	if svgkit.Step(ticks) >= 1 {
		return ticks
	}
	ticks = ticks[:0]
	for v := 0.0; v < top+1-1e-9; v++ {
		ticks = append(ticks, v)
	}
	if len(ticks) < 2 {
		ticks = append(ticks, 1)
	}
	return ticks
}
