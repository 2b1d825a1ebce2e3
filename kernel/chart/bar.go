package chart

import (
	"math"

	"github.com/gocurrent/gocurrent/kernel/picture"
	"github.com/gocurrent/gocurrent/kernel/svgkit"
)

// secondFill is the colour of the second bars: orange, apart from the
// blue of the first for every kind of colour vision.
const secondFill = "#bc4c00"

// SVG renders the chart as a standalone SVG document.
func (c BarChart) SVG() string { return c.Picture().SVG() }

// Picture draws the chart. Its width is about 640 px and its height grows
// with the number of bars.
func (c BarChart) Picture() *picture.Picture {
	const (
		barH      = 20.0
		secondH   = 8.0
		maxLabelW = 190.0
		maxTextW  = 230.0
		minPlotW  = 240.0
		dotR      = 3.5
	)
	pitch := 30.0
	second := c.SecondName != ""
	if second {
		pitch = 46
	}
	width := defaultWidth
	n := len(c.Bars)

	lo, hi := 0.0, 0.0
	vals := make([]float64, n)
	seconds := make([]float64, n)
	labels := make([]string, n)
	texts := make([]string, n)
	secondTexts := make([]string, n)
	labelW, textW := 0.0, 0.0
	for i, b := range c.Bars {
		v := b.Value
		if !finite(v) {
			v = 0
		}
		vals[i] = v
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		for _, d := range b.Dots {
			if finite(d) {
				lo, hi = math.Min(lo, d), math.Max(hi, d)
			}
		}
		labels[i] = svgkit.Truncate(b.Label, labelSize, maxLabelW)
		labelW = math.Max(labelW, svgkit.TextWidth(labels[i], labelSize))
		t := b.Text
		if t == "" {
			t = formatValue(b.Value, c.Unit)
		}
		texts[i] = svgkit.Truncate(t, smallSize, maxTextW)
		textW = math.Max(textW, svgkit.TextWidth(texts[i], smallSize))
		if second {
			sv := b.Second
			if !finite(sv) {
				sv = 0
			}
			seconds[i] = sv
			lo, hi = math.Min(lo, sv), math.Max(hi, sv)
			t := b.SecondText
			if t == "" {
				t = formatValue(b.Second, c.Unit)
			}
			secondTexts[i] = svgkit.Truncate(t, tickSize, maxTextW)
			textW = math.Max(textW, svgkit.TextWidth(secondTexts[i], tickSize))
		}
	}

	plotX0 := pad + 4
	if labelW > 0 {
		plotX0 = pad + labelW + 10
	}
	plotX1 := width - pad - textW - 10
	if plotX1-plotX0 < minPlotW {
		width += minPlotW - (plotX1 - plotX0)
		plotX1 = width - pad - textW - 10
	}
	plotW := plotX1 - plotX0

	// Ticks: as many as fit without their labels touching.
	var ticks []float64
	for target := 8; target >= 1; target-- {
		ticks = svgkit.Ticks(lo, hi, target)
		if len(ticks) < 2 {
			break
		}
		step := svgkit.Step(ticks)
		widest := 0.0
		for _, t := range ticks {
			widest = math.Max(widest, svgkit.TextWidth(formatTick(t, step, c.Unit), tickSize))
		}
		if widest+12 <= plotW/float64(len(ticks)-1) {
			break
		}
	}
	d0, d1 := ticks[0], ticks[len(ticks)-1]
	if !(d1 > d0) {
		d0, d1 = 0, 1
	}
	x := func(v float64) float64 {
		p := plotX0 + (v-d0)/(d1-d0)*plotW
		if !finite(p) {
			return plotX0
		}
		return p
	}

	var body canvas
	title := c.Title
	if title == "" {
		title = "Bar chart"
	}
	top := body.title(svgkit.Wrap(c.Title, titleSize*1.1, width-2*pad))
	top = body.warning(top, width, c.Warning)
	top = c.legend(&body, top, width)
	rowsTop := top + 6
	rows := n
	if rows == 0 {
		rows = 1
	}
	axisY := rowsTop + float64(rows)*pitch - (pitch - barH) + 8
	if second {
		axisY += secondH + 10
	}

	// Grid first, so that bars are drawn over it.
	step := svgkit.Step(ticks)
	for _, t := range ticks {
		tx := x(t)
		body.line(tx, rowsTop-6, tx, axisY, gridColor, 1)
	}
	if d0 < 0 {
		body.line(x(0), rowsTop-6, x(0), axisY, axisColor, 1)
	}

	fill := Palette(1)[0]
	for i, b := range c.Bars {
		y := rowsTop + float64(i)*pitch
		v := vals[i]
		x0, x1 := span(x, v)
		note := b.Note
		if note == "" && labels[i] != b.Label {
			note = b.Label
		}
		g := canvas{picture.Group{Class: "bar", Title: note}}
		g.Add(picture.Rect{X: x0, Y: y, W: x1 - x0, H: barH, Radius: 2, Paint: picture.Paint{Fill: fill}})
		g.text(plotX0-8, y+barH/2+4.5, labelSize, picture.End, textColor, labels[i])
		end := math.Max(x(v), x(0))
		// A whisker across the dots joins the runs beyond the bar to it.
		dlo, dhi := math.Inf(1), math.Inf(-1)
		for _, d := range b.Dots {
			if finite(d) {
				dlo, dhi = math.Min(dlo, d), math.Max(dhi, d)
			}
		}
		if dlo < dhi {
			g.Add(picture.Line{X1: x(math.Min(dlo, v)), Y1: y + barH/2, X2: x(math.Max(dhi, v)), Y2: y + barH/2, Stroke: textColor, Width: 1.25, Class: "whisker"})
		}
		for _, d := range b.Dots {
			if !finite(d) {
				continue
			}
			dx := x(d)
			end = math.Max(end, dx+dotR)
			g.Add(picture.Circle{Class: "dot", CX: dx, CY: y + barH/2, R: dotR,
				Paint: picture.Paint{Fill: background, Stroke: textColor, StrokeWidth: 1.25}, Title: formatValue(d, c.Unit)})
		}
		g.Add(picture.Text{X: end + 6, Y: y + barH/2 + 4, Size: smallSize, Fill: textColor, S: texts[i], Halo: true})
		body.Add(g.Group)
		if second {
			sy := y + barH + 2
			s0, s1 := span(x, seconds[i])
			g := picture.Group{Class: "second", Title: note}
			g.Add(picture.Rect{X: s0, Y: sy, W: s1 - s0, H: secondH, Radius: 1, Paint: picture.Paint{Fill: secondFill}},
				picture.Text{X: math.Max(x(seconds[i]), x(0)) + 6, Y: sy + secondH/2 + 4, Size: tickSize, Fill: secondFill, S: secondTexts[i], Halo: true})
			body.Add(g)
		}
	}
	if n == 0 {
		body.text(plotX0+plotW/2, rowsTop+barH/2+4, smallSize, picture.Middle, mutedColor, "no data")
	}

	// X axis.
	body.line(plotX0, axisY, plotX1, axisY, axisColor, 1)
	for _, t := range ticks {
		tx := x(t)
		body.line(tx, axisY, tx, axisY+4, axisColor, 1)
		body.text(tx, axisY+17, tickSize, picture.Middle, mutedColor, formatTick(t, step, c.Unit))
	}
	height := axisY + 17 + pad
	if c.XLabel != "" {
		xl := svgkit.Truncate(c.XLabel, smallSize, width-2*pad)
		cx := plotX0 + plotW/2
		half := svgkit.TextWidth(xl, smallSize) / 2
		cx = math.Max(pad+half, math.Min(width-pad-half, cx))
		body.text(cx, axisY+37, smallSize, picture.Middle, textColor, xl)
		height = axisY + 37 + pad - 2
	}
	return document(width, height, title, &body)
}

// span is the x extent of a bar from 0 to v, at least 1 px when v is not 0.
func span(x func(float64) float64, v float64) (x0, x1 float64) {
	x0, x1 = x(math.Min(0, v)), x(math.Max(0, v))
	if v != 0 && x1-x0 < 1 {
		if v > 0 {
			x1 = x0 + 1
		} else {
			x0 = x1 - 1
		}
	}
	return x0, x1
}

// legend draws the names of the bars, the second bars and the dots in a
// row at y, when there is more than one kind, and returns the y below.
func (c BarChart) legend(body *canvas, y, width float64) float64 {
	if c.SecondName == "" && c.DotsName == "" {
		return y
	}
	type entry struct {
		name string
		draw func(x, cy float64) picture.Item
	}
	var es []entry
	fill := Palette(1)[0]
	if c.ValueName != "" {
		es = append(es, entry{c.ValueName, func(x, cy float64) picture.Item {
			return picture.Rect{X: x, Y: cy - 5, W: 16, H: 10, Radius: 1, Paint: picture.Paint{Fill: fill}}
		}})
	}
	if c.SecondName != "" {
		es = append(es, entry{c.SecondName, func(x, cy float64) picture.Item {
			return picture.Rect{X: x, Y: cy - 2.5, W: 16, H: 5, Radius: 1, Paint: picture.Paint{Fill: secondFill}}
		}})
	}
	if c.DotsName != "" {
		es = append(es, entry{c.DotsName, func(x, cy float64) picture.Item {
			return picture.Circle{CX: x + 8, CY: cy, R: 3.5, Paint: picture.Paint{Fill: background, Stroke: textColor, StrokeWidth: 1.25}}
		}})
	}
	lx, cy := pad, y+6
	for _, e := range es {
		name := svgkit.Truncate(e.name, smallSize, width-2*pad-22)
		w := 22 + svgkit.TextWidth(name, smallSize)
		if lx > pad && lx+w > width-pad {
			lx, cy = pad, cy+18
		}
		body.Add(picture.Group{Class: "legend", Items: []picture.Item{
			e.draw(lx, cy),
			picture.Text{X: lx + 22, Y: cy + 4, Size: smallSize, Fill: textColor, S: name},
		}})
		lx += w + 18
	}
	return cy + 16
}
