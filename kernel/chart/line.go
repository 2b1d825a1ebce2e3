package chart

import (
	"fmt"
	"math"
	"sort"

	"github.com/gocurrent/gocurrent/kernel/picture"
	"github.com/gocurrent/gocurrent/kernel/svgkit"
)

// point is a data point of a line chart in data coordinates.
type point struct{ x, y float64 }

// points returns the pairs of s, with non-finite ones as NaN gaps.
func (s Series) points() []point {
	n := min(len(s.X), len(s.Y))
	ps := make([]point, n)
	for i := range n {
		ps[i] = point{s.X[i], s.Y[i]}
	}
	return ps
}

func (p point) ok() bool { return finite(p.x) && finite(p.y) }

// pointNote is the hover text of a point: "measured: 4, 3.90×".
func pointNote(name, x, y string) string {
	if name == "" {
		return x + ", " + y
	}
	return name + ": " + x + ", " + y
}

// box is a rectangle in SVG coordinates.
type box struct{ x0, y0, x1, y1 float64 }

// overlaps reports whether b intersects any of bs.
func (b box) overlaps(bs []box) bool {
	for _, o := range bs {
		if b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1 {
			return true
		}
	}
	return false
}

// hits reports whether the segment from (x0, y0) to (x1, y1) passes
// through b, sampled every pixel.
func (b box) hits(x0, y0, x1, y1 float64) bool {
	n := int(math.Ceil(math.Max(math.Abs(x1-x0), math.Abs(y1-y0)))) + 1
	if n > 4000 {
		n = 4000
	}
	for i := 0; i <= n; i++ {
		f := float64(i) / float64(n)
		x, y := x0+f*(x1-x0), y0+f*(y1-y0)
		if x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1 {
			return true
		}
	}
	return false
}

// polyline is a line drawn through points, in SVG coordinates.
type polyline []point

// crosses reports whether b meets any of the lines.
func (b box) crosses(ls []polyline) bool {
	for _, l := range ls {
		for i := 1; i < len(l); i++ {
			if b.hits(l[i-1].x, l[i-1].y, l[i].x, l[i].y) {
				return true
			}
		}
	}
	return false
}

// dotSpread is the sideways distance between dots that share an x.
const dotSpread = 6.0

// offsets returns, for each point of a Dots series, how far it is moved
// sideways in pixels: points with the same x are spread in order of y
// around it. Other series' points are not moved.
func (s Series) offsets() []float64 {
	ps := s.points()
	off := make([]float64, len(ps))
	if !s.Dots {
		return off
	}
	byX := map[float64][]int{}
	for i, p := range ps {
		if p.ok() {
			byX[p.x] = append(byX[p.x], i)
		}
	}
	for _, is := range byX {
		sort.SliceStable(is, func(a, b int) bool { return ps[is[a]].y < ps[is[b]].y })
		for k, i := range is {
			off[i] = (float64(k) - float64(len(is)-1)/2) * dotSpread
		}
	}
	return off
}

// SVG renders the chart as a standalone SVG document.
func (c LineChart) SVG() string { return c.Picture().SVG() }

// Picture draws the chart, with a legend naming the series.
func (c LineChart) Picture() *picture.Picture {
	const (
		width  = defaultWidth
		plotH  = 260.0
		marker = 3.5
		dotR   = 2.5
	)
	xUnit, yUnit := c.XUnit, c.YUnit
	if xUnit == "" {
		xUnit = unitFromLabel(c.XLabel)
	}
	if yUnit == "" {
		yUnit = unitFromLabel(c.YLabel)
	}
	colors := Palette(len(c.Series))
	for i, s := range c.Series {
		if s.Color != "" {
			colors[i] = s.Color
		}
	}

	// Data ranges.
	xlo, xhi := math.Inf(1), math.Inf(-1)
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, s := range c.Series {
		for _, p := range s.points() {
			if !p.ok() {
				continue
			}
			xlo, xhi = math.Min(xlo, p.x), math.Max(xhi, p.x)
			ylo, yhi = math.Min(ylo, p.y), math.Max(yhi, p.y)
		}
	}
	vline := c.VLine > 0 && finite(c.VLine)
	if vline {
		xlo, xhi = math.Min(xlo, c.VLine), math.Max(xhi, c.VLine)
	}
	hline := c.HLine > 0 && finite(c.HLine)
	if hline {
		// Room above the line for its label.
		ylo, yhi = math.Min(ylo, c.HLine), math.Max(yhi, c.HLine*1.12)
	}
	var xticks []float64
	for _, t := range c.XTicks {
		if finite(t) {
			xticks = append(xticks, t)
			xlo, xhi = math.Min(xlo, t), math.Max(xhi, t)
		}
	}
	if xlo > xhi { // no data at all
		xlo, xhi = 0, 1
	}
	if ylo > yhi {
		ylo, yhi = 0, 1
	}
	// Start the y axis at zero unless the data sit far from it.
	if ylo > 0 && ylo <= 0.6*yhi {
		ylo = 0
	}
	if yhi < 0 && yhi >= 0.6*ylo {
		yhi = 0
	}

	var x0, x1 float64 // x domain
	xstep := 0.0
	if len(xticks) > 0 {
		x0, x1 = xlo, xhi
		if x0 == x1 {
			d := math.Max(math.Abs(x0)*0.1, 0.5)
			x0, x1 = x0-d, x1+d
		}
	} else {
		xticks = svgkit.Ticks(xlo, xhi, 6)
		x0, x1 = xticks[0], xticks[len(xticks)-1]
		xstep = svgkit.Step(xticks)
	}
	if !(x1 > x0) || !finite(x1-x0) {
		x0, x1 = 0, 1
	}
	yticks := svgkit.Ticks(ylo, yhi, 5)
	y0, y1 := yticks[0], yticks[len(yticks)-1]
	if !(y1 > y0) || !finite(y1-y0) {
		y0, y1 = 0, 1
	}
	ystep := svgkit.Step(yticks)

	// Horizontal layout.
	yLabels := make([]string, len(yticks))
	yTickW := 0.0
	for i, t := range yticks {
		yLabels[i] = formatTick(t, ystep, yUnit)
		yTickW = math.Max(yTickW, svgkit.TextWidth(yLabels[i], tickSize))
	}
	xLabels := make([]string, len(xticks))
	for i, t := range xticks {
		xLabels[i] = formatTick(t, xstep, xUnit)
	}
	plotX0 := pad + yTickW + 8
	if c.YLabel != "" {
		plotX0 += 20
	}
	// The caption of the notes goes left of the first note.
	notesLabel := ""
	if len(c.XNotes) > 0 && c.XNotesLabel != "" {
		notesLabel = svgkit.Truncate(c.XNotesLabel, tickSize, width/4)
		need := pad + svgkit.TextWidth(notesLabel, tickSize) + 8
		for _, n := range c.XNotes {
			need = math.Max(need, pad+svgkit.TextWidth(notesLabel, tickSize)+8+svgkit.TextWidth(n, tickSize)/2)
		}
		plotX0 = math.Max(plotX0, math.Min(need, width/3))
	}
	rightMargin := 12.0
	if len(xLabels) > 0 {
		rightMargin = math.Max(rightMargin, svgkit.TextWidth(xLabels[len(xLabels)-1], tickSize)/2+2)
	}
	plotX1 := width - pad - rightMargin
	plotW := plotX1 - plotX0

	var body canvas
	title := c.Title
	if title == "" {
		title = "Line chart"
	}
	top := body.title(svgkit.Wrap(c.Title, titleSize*1.1, width-2*pad))
	top = body.warning(top, width, c.Warning)

	// Legend: one row of entries, wrapped as needed.
	const swatch = 26.0
	lx, ly := pad, top+8
	for i, s := range c.Series {
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("series %d", i+1)
		}
		name = svgkit.Truncate(name, smallSize, width-2*pad-swatch-6)
		w := swatch + 6 + svgkit.TextWidth(name, smallSize)
		if lx > pad && lx+w > width-pad {
			lx, ly = pad, ly+18
		}
		g := canvas{picture.Group{Class: "legend"}}
		if s.Dots {
			for k := -1; k <= 1; k++ {
				g.Add(picture.Circle{CX: lx + swatch/2 + float64(k)*dotSpread, CY: ly, R: dotR,
					Paint: picture.Paint{Fill: background, Stroke: colors[i], StrokeWidth: 1.25}})
			}
		} else {
			g.Add(picture.Line{X1: lx, Y1: ly, X2: lx + swatch, Y2: ly, Stroke: colors[i], Width: 2, Dash: dash(s)},
				picture.Circle{CX: lx + swatch/2, CY: ly, R: marker, Paint: picture.Paint{Fill: colors[i], Stroke: background}})
		}
		g.text(lx+swatch+6, ly+4, smallSize, picture.Start, textColor, name)
		body.Add(g.Group)
		lx += w + 18
	}
	if len(c.Series) > 0 {
		top = ly + 14
	}
	plotY0 := top + 10
	if vline && c.VLineLabel != "" {
		plotY0 += 16 // the marker's label goes above the plot
	}
	plotY1 := plotY0 + plotH

	px := func(v float64) float64 { return plotX0 + (v-x0)/(x1-x0)*plotW }
	py := func(v float64) float64 { return plotY1 - (v-y0)/(y1-y0)*plotH }

	// Grid and y ticks.
	for i, t := range yticks {
		ty := py(t)
		body.line(plotX0, ty, plotX1, ty, gridColor, 1)
		body.text(plotX0-6, ty+4, tickSize, picture.End, mutedColor, yLabels[i])
	}
	// X ticks, skipping labels that would overlap the previous one, and
	// the notes under them likewise.
	notes := len(c.XNotes) > 0
	lastRight, lastNote := math.Inf(-1), math.Inf(-1)
	for i, t := range xticks {
		tx := px(t)
		body.line(tx, plotY0, tx, plotY1, gridColor, 1)
		body.line(tx, plotY1, tx, plotY1+4, axisColor, 1)
		if w := svgkit.TextWidth(xLabels[i], tickSize); tx-w/2 >= lastRight+6 {
			body.text(tx, plotY1+17, tickSize, picture.Middle, mutedColor, xLabels[i])
			lastRight = tx + w/2
		}
		if i < len(c.XNotes) && c.XNotes[i] != "" {
			l := svgkit.Truncate(c.XNotes[i], tickSize, plotW)
			if w := svgkit.TextWidth(l, tickSize); tx-w/2 >= lastNote+6 {
				body.text(tx, plotY1+33, tickSize, picture.Middle, textColor, l)
				lastNote = tx + w/2
			}
		}
	}
	if notesLabel != "" {
		body.Add(picture.Text{X: pad, Y: plotY1 + 33, Size: tickSize, Fill: mutedColor, S: notesLabel, Class: "xnotes-label"})
	}
	// Axes.
	body.line(plotX0, plotY1, plotX1, plotY1, axisColor, 1)
	body.line(plotX0, plotY0, plotX0, plotY1, axisColor, 1)
	if y0 < 0 && y1 > 0 {
		body.line(plotX0, py(0), plotX1, py(0), axisColor, 1)
	}

	// Where the markers are, in SVG coordinates, and the areas covered by
	// markers, lines and labels, which labels avoid.
	at := make([][]point, len(c.Series))
	var taken []box
	var lines []polyline
	for i, s := range c.Series {
		off := s.offsets()
		ps := s.points()
		at[i] = make([]point, len(ps))
		var l polyline
		for j, p := range ps {
			if !p.ok() {
				at[i][j] = point{math.NaN(), math.NaN()}
				if len(l) > 1 {
					lines = append(lines, l)
				}
				l = nil
				continue
			}
			x, y := px(p.x)+off[j], py(p.y)
			at[i][j] = point{x, y}
			r := marker
			if s.Dots {
				r = dotR + 1
			}
			taken = append(taken, box{x - r, y - r, x + r, y + r})
			l = append(l, point{x, y})
		}
		if !s.Dots && len(l) > 1 {
			lines = append(lines, l)
		}
	}

	// Vertical marker, labelled above the plot where no data is.
	if vline {
		vx := px(c.VLine)
		g := picture.Group{Class: "vline", Title: c.VLineLabel}
		g.Add(picture.Line{X1: vx, Y1: plotY0 - 4, X2: vx, Y2: plotY1, Stroke: mutedColor, Width: 1.5, Dash: []float64{2, 3}})
		if c.VLineLabel != "" {
			l := svgkit.Truncate(c.VLineLabel, smallSize, plotW)
			lw := svgkit.TextWidth(l, smallSize)
			cx := math.Max(plotX0+lw/2, math.Min(plotX1-lw/2, vx))
			g.Add(picture.Text{X: cx, Y: plotY0 - 8, Size: smallSize, Anchor: picture.Middle, Fill: mutedColor, S: l, Bold: true, Halo: true})
		}
		body.Add(g)
		lines = append(lines, polyline{{vx, plotY0}, {vx, plotY1}})
	}

	// Horizontal ceiling line, labelled where no point or line is.
	if hline {
		hy := py(c.HLine)
		g := canvas{picture.Group{Class: "hline", Title: c.HLineLabel}}
		g.line(plotX0, hy, plotX1, hy, textColor, 1.25)
		if c.HLineLabel != "" {
			b := placeLabel(c.HLineLabel, smallSize, hy, plotX0, plotX1, plotY0, plotY1, taken, lines)
			g.plate(b)
			g.text(b.x0, b.y1-4, smallSize, picture.Start, textColor, svgkit.Truncate(c.HLineLabel, smallSize, plotW-12))
			taken = append(taken, b)
		}
		body.Add(g.Group)
		lines = append(lines, polyline{{plotX0, hy}, {plotX1, hy}})
	}

	// Series: dots first, then lines and markers, then labels on top.
	order := make([]int, 0, len(c.Series))
	for i, s := range c.Series {
		if s.Dots {
			order = append(order, i)
		}
	}
	for i, s := range c.Series {
		if !s.Dots {
			order = append(order, i)
		}
	}
	var labels []picture.Item
	for _, i := range order {
		s := c.Series[i]
		ps := s.points()
		var parts [][]picture.Point
		pen := false
		for j, p := range ps {
			if !p.ok() {
				pen = false
				continue
			}
			if !pen {
				parts = append(parts, nil)
			}
			parts[len(parts)-1] = append(parts[len(parts)-1], picture.Point{X: at[i][j].x, Y: at[i][j].y})
			pen = true
		}
		class := "series"
		if s.Dots {
			class = "dots"
		}
		g := picture.Group{Class: class, Title: s.Name}
		if len(parts) > 0 && !s.Dots {
			g.Add(picture.Path{Parts: parts, Paint: picture.Paint{Stroke: colors[i], StrokeWidth: 2, RoundJoin: true, Dash: dash(s)}})
		}
		paint := picture.Paint{Fill: colors[i], Stroke: background}
		r := marker
		switch {
		case s.Dots:
			r, paint = dotR, picture.Paint{Fill: background, Stroke: colors[i], StrokeWidth: 1.25}
		case s.Dashed:
			r = 2.5
		}
		for j, p := range ps {
			if !p.ok() {
				continue
			}
			x, y := at[i][j].x, at[i][j].y
			g.Add(picture.Circle{CX: x, CY: y, R: r, Paint: paint, Title: pointNote(s.Name, formatValue(p.x, xUnit), formatValue(p.y, yUnit))})
			if !s.Labels {
				continue
			}
			l := formatValue(p.y, yUnit)
			lw := svgkit.TextWidth(l, tickSize)
			// Below the point first, where an ideal line above it is not;
			// then above, right and left; then the same again further
			// out, past dots around the point. A label that fits nowhere
			// free is left out; the point's hover text still has the
			// value. Centred labels shift sideways to stay inside the
			// chart.
			cx := math.Max(plotX0+1+lw/2, math.Min(width-pad-lw/2, x))
			var cands []box
			for _, d := range []float64{0, 9, 18} {
				cands = append(cands,
					box{cx - lw/2, y + 7 + d, cx + lw/2, y + 20 + d},
					box{cx - lw/2, y - 18 - d, cx + lw/2, y - 5 - d},
					box{x + 7 + d, y - 6, x + 7 + d + lw, y + 7},
					box{x - 7 - d - lw, y - 6, x - 7 - d, y + 7})
			}
			// A place off the lines first; then one over a line, which
			// the label's halo keeps legible.
			placed := false
			for pass := 0; pass < 2 && !placed; pass++ {
				for _, b := range cands {
					if b.x0 < plotX0+1 || b.x1 > width-pad || b.y0 < plotY0 || b.y1 > plotY1-1 || b.overlaps(taken) {
						continue
					}
					if pass == 0 && b.crosses(lines) {
						continue
					}
					taken = append(taken, b)
					labels = append(labels, picture.Text{X: (b.x0 + b.x1) / 2, Y: b.y1 - 3, Size: tickSize, Anchor: picture.Middle,
						Fill: colors[i], S: l, Bold: true, Halo: true})
					placed = true
					break
				}
			}
		}
		body.Add(g)
	}
	body.Add(labels...)

	if len(c.Series) == 0 {
		body.text(plotX0+plotW/2, plotY0+plotH/2, smallSize, picture.Middle, mutedColor, "no data")
	}

	// Axis labels.
	below := plotY1
	if notes {
		below += 16
	}
	height := below + 17 + pad
	if c.XLabel != "" {
		xl := svgkit.Truncate(c.XLabel, smallSize, width-2*pad)
		half := svgkit.TextWidth(xl, smallSize) / 2
		cx := math.Max(pad+half, math.Min(width-pad-half, plotX0+plotW/2))
		body.text(cx, below+37, smallSize, picture.Middle, textColor, xl)
		height = below + 37 + pad - 2
	}
	if c.YLabel != "" {
		yl := svgkit.Truncate(c.YLabel, smallSize, plotH+40)
		cy := plotY0 + plotH/2
		body.Add(picture.Text{X: pad + 9, Y: cy, Size: smallSize, Anchor: picture.Middle, Fill: textColor, S: yl, Vertical: true})
	}
	return document(width, height, title, &body)
}

// dash is the dash pattern of a series' line: dashed or solid.
func dash(s Series) []float64 {
	if s.Dashed {
		return []float64{6, 4}
	}
	return nil
}

// placeLabel finds where a label of size for a horizontal line at y
// goes inside the plot: just above or below the line, at the left, the
// right or the middle, clear of the boxes taken and of the lines. When
// no place is clear, it goes above the line at the left, where the label
// plate keeps it legible.
func placeLabel(label string, size, y, plotX0, plotX1, plotY0, plotY1 float64, taken []box, lines []polyline) box {
	w := svgkit.TextWidth(svgkit.Truncate(label, size, plotX1-plotX0-12), size)
	h := size + 5
	lefts := []float64{plotX0 + 6, plotX1 - 6 - w, (plotX0 + plotX1 - w) / 2}
	var cands []box
	for _, top := range []float64{y - 3 - h, y + 3} {
		for _, l := range lefts {
			cands = append(cands, box{l, top, l + w, top + h})
		}
	}
	for _, b := range cands {
		if b.x0 < plotX0+1 || b.x1 > plotX1-1 || b.y0 < plotY0+1 || b.y1 > plotY1-1 {
			continue
		}
		if b.overlaps(taken) || b.crosses(lines) {
			continue
		}
		return b
	}
	return cands[0]
}
