package chart

import (
	"fmt"
	"math"
	"strings"

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

// SVG renders the chart as a standalone SVG document with a legend naming
// the series.
func (c LineChart) SVG() string {
	const (
		width  = defaultWidth
		plotH  = 260.0
		marker = 3.5
	)
	xUnit, yUnit := c.XUnit, c.YUnit
	if xUnit == "" {
		xUnit = unitFromLabel(c.XLabel)
	}
	if yUnit == "" {
		yUnit = unitFromLabel(c.YLabel)
	}
	colors := Palette(len(c.Series))

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
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		body.printf(`<g class="legend">`)
		body.line(lx, ly, lx+swatch, ly, colors[i], 2, dash)
		body.printf(`<circle cx="%s" cy="%s" r="%s" fill="%s" stroke="#ffffff" stroke-width="1"/>`+"\n",
			svgkit.Num(lx+swatch/2), svgkit.Num(ly), svgkit.Num(marker), colors[i])
		body.text(lx+swatch+6, ly+4, smallSize, "start", textColor, name, "")
		body.printf("</g>\n")
		lx += w + 18
	}
	if len(c.Series) > 0 {
		top = ly + 14
	}
	plotY0 := top + 10
	plotY1 := plotY0 + plotH

	px := func(v float64) float64 { return plotX0 + (v-x0)/(x1-x0)*plotW }
	py := func(v float64) float64 { return plotY1 - (v-y0)/(y1-y0)*plotH }

	// Grid and y ticks.
	for i, t := range yticks {
		ty := py(t)
		body.line(plotX0, ty, plotX1, ty, gridColor, 1, "")
		body.text(plotX0-6, ty+4, tickSize, "end", mutedColor, yLabels[i], "")
	}
	// X ticks, skipping labels that would overlap the previous one.
	lastRight := math.Inf(-1)
	for i, t := range xticks {
		tx := px(t)
		body.line(tx, plotY0, tx, plotY1, gridColor, 1, "")
		body.line(tx, plotY1, tx, plotY1+4, axisColor, 1, "")
		w := svgkit.TextWidth(xLabels[i], tickSize)
		if tx-w/2 < lastRight+6 {
			continue
		}
		body.text(tx, plotY1+17, tickSize, "middle", mutedColor, xLabels[i], "")
		lastRight = tx + w/2
	}
	// Axes.
	body.line(plotX0, plotY1, plotX1, plotY1, axisColor, 1, "")
	body.line(plotX0, plotY0, plotX0, plotY1, axisColor, 1, "")
	if y0 < 0 && y1 > 0 {
		body.line(plotX0, py(0), plotX1, py(0), axisColor, 1, "")
	}

	// Areas covered by markers and labels, which point labels avoid.
	var taken []box
	for _, s := range c.Series {
		for _, p := range s.points() {
			if p.ok() {
				x, y := px(p.x), py(p.y)
				taken = append(taken, box{x - marker, y - marker, x + marker, y + marker})
			}
		}
	}

	// Vertical marker.
	if vline {
		vx := px(c.VLine)
		body.printf(`<g class="vline">`)
		if c.VLineLabel != "" {
			body.printf("<title>%s</title>", svgkit.Escape(c.VLineLabel))
		}
		body.printf("\n")
		body.line(vx, plotY0, vx, plotY1, mutedColor, 1.5, ` stroke-dasharray="2 3"`)
		if c.VLineLabel != "" {
			l := svgkit.Truncate(c.VLineLabel, smallSize, plotW/2)
			lw := svgkit.TextWidth(l, smallSize)
			if vx+5+lw <= plotX1 {
				body.text(vx+5, plotY0+13, smallSize, "start", mutedColor, l, haloAttrs)
				taken = append(taken, box{vx + 5, plotY0, vx + 5 + lw, plotY0 + 17})
			} else {
				body.text(vx-5, plotY0+13, smallSize, "end", mutedColor, l, haloAttrs)
				taken = append(taken, box{vx - 5 - lw, plotY0, vx - 5, plotY0 + 17})
			}
		}
		body.printf("</g>\n")
	}

	// Series: lines, then markers, then labels on top.
	var labels canvas
	for i, s := range c.Series {
		ps := s.points()
		var d strings.Builder
		pen := false
		for _, p := range ps {
			if !p.ok() {
				pen = false
				continue
			}
			cmd := "L"
			if !pen {
				cmd = "M"
			}
			fmt.Fprintf(&d, "%s%s %s ", cmd, svgkit.Num(px(p.x)), svgkit.Num(py(p.y)))
			pen = true
		}
		body.printf(`<g class="series">`)
		if s.Name != "" {
			body.printf("<title>%s</title>", svgkit.Escape(s.Name))
		}
		body.printf("\n")
		dash := ""
		if s.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		if d.Len() > 0 {
			body.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="2" stroke-linejoin="round"%s/>`+"\n",
				strings.TrimSpace(d.String()), colors[i], dash)
		}
		r := marker
		if s.Dashed {
			r = 2.5
		}
		for _, p := range ps {
			if !p.ok() {
				continue
			}
			body.printf(`<circle cx="%s" cy="%s" r="%s" fill="%s" stroke="#ffffff" stroke-width="1"><title>%s</title></circle>`+"\n",
				svgkit.Num(px(p.x)), svgkit.Num(py(p.y)), svgkit.Num(r), colors[i],
				svgkit.Escape(pointNote(s.Name, formatValue(p.x, xUnit), formatValue(p.y, yUnit))))
			if !s.Labels {
				continue
			}
			l := formatValue(p.y, yUnit)
			lw := svgkit.TextWidth(l, tickSize)
			// Below the point first, where an ideal line above it is not;
			// then above, right and left. A label that fits nowhere free
			// is left out; the point's hover text still has the value.
			x, y := px(p.x), py(p.y)
			// Centred labels shift sideways to stay inside the chart.
			cx := math.Max(plotX0+1+lw/2, math.Min(width-pad-lw/2, x))
			for _, at := range []box{
				{cx - lw/2, y + 7, cx + lw/2, y + 20},
				{cx - lw/2, y - 18, cx + lw/2, y - 5},
				{x + 7, y - 6, x + 7 + lw, y + 7},
				{x - 7 - lw, y - 6, x - 7, y + 7},
			} {
				if at.x0 < plotX0+1 || at.x1 > width-pad || at.y0 < plotY0 || at.y1 > plotY1-1 || at.overlaps(taken) {
					continue
				}
				taken = append(taken, at)
				labels.text((at.x0+at.x1)/2, at.y1-3, tickSize, "middle", colors[i], l, ` font-weight="600"`+haloAttrs)
				break
			}
		}
		body.printf("</g>\n")
	}
	body.b.WriteString(labels.b.String())

	if len(c.Series) == 0 {
		body.text(plotX0+plotW/2, plotY0+plotH/2, smallSize, "middle", mutedColor, "no data", "")
	}

	// Axis labels.
	height := plotY1 + 17 + pad
	if c.XLabel != "" {
		xl := svgkit.Truncate(c.XLabel, smallSize, width-2*pad)
		half := svgkit.TextWidth(xl, smallSize) / 2
		cx := math.Max(pad+half, math.Min(width-pad-half, plotX0+plotW/2))
		body.text(cx, plotY1+37, smallSize, "middle", textColor, xl, "")
		height = plotY1 + 37 + pad - 2
	}
	if c.YLabel != "" {
		yl := svgkit.Truncate(c.YLabel, smallSize, plotH+40)
		cy := plotY0 + plotH/2
		body.text(0, 0, smallSize, "middle", textColor, yl,
			fmt.Sprintf(` transform="translate(%s %s) rotate(-90)"`, svgkit.Num(pad+9), svgkit.Num(cy)))
	}
	return document(width, height, title, &body)
}
