package chart

import (
	"math"

	"github.com/gocurrent/gocurrent/kernel/svgkit"
)

// SVG renders the chart as a standalone SVG document. Its width is about
// 640 px and its height grows with the number of bars.
func (c BarChart) SVG() string {
	const (
		barH      = 20.0
		pitch     = 30.0
		maxLabelW = 190.0
		maxTextW  = 230.0
		minPlotW  = 240.0
	)
	width := defaultWidth
	n := len(c.Bars)

	lo, hi := 0.0, 0.0
	vals := make([]float64, n)
	labels := make([]string, n)
	texts := make([]string, n)
	labelW, textW := 0.0, 0.0
	for i, b := range c.Bars {
		v := b.Value
		if !finite(v) {
			v = 0
		}
		vals[i] = v
		lo, hi = math.Min(lo, v), math.Max(hi, v)
		labels[i] = svgkit.Truncate(b.Label, labelSize, maxLabelW)
		labelW = math.Max(labelW, svgkit.TextWidth(labels[i], labelSize))
		t := b.Text
		if t == "" {
			t = formatValue(b.Value, c.Unit)
		}
		texts[i] = svgkit.Truncate(t, smallSize, maxTextW)
		textW = math.Max(textW, svgkit.TextWidth(texts[i], smallSize))
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
	rowsTop := top + 6
	rows := n
	if rows == 0 {
		rows = 1
	}
	axisY := rowsTop + float64(rows)*pitch - (pitch - barH) + 8

	// Grid first, so that bars are drawn over it.
	step := svgkit.Step(ticks)
	for _, t := range ticks {
		tx := x(t)
		body.line(tx, rowsTop-6, tx, axisY, gridColor, 1, "")
	}
	if d0 < 0 {
		body.line(x(0), rowsTop-6, x(0), axisY, axisColor, 1, "")
	}

	fill := Palette(1)[0]
	for i, b := range c.Bars {
		y := rowsTop + float64(i)*pitch
		v := vals[i]
		x0, x1 := x(math.Min(0, v)), x(math.Max(0, v))
		if v != 0 && x1-x0 < 1 {
			if v > 0 {
				x1 = x0 + 1
			} else {
				x0 = x1 - 1
			}
		}
		body.printf(`<g class="bar">`)
		note := b.Note
		if note == "" && labels[i] != b.Label {
			note = b.Label
		}
		if note != "" {
			body.printf("<title>%s</title>", svgkit.Escape(note))
		}
		body.printf("\n")
		body.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s"/>`+"\n",
			svgkit.Num(x0), svgkit.Num(y), svgkit.Num(x1-x0), svgkit.Num(barH), fill)
		body.text(plotX0-8, y+barH/2+4.5, labelSize, "end", textColor, labels[i], "")
		body.text(math.Max(x(v), x(0))+6, y+barH/2+4, smallSize, "start", textColor, texts[i], haloAttrs)
		body.printf("</g>\n")
	}
	if n == 0 {
		body.text(plotX0+plotW/2, rowsTop+barH/2+4, smallSize, "middle", mutedColor, "no data", "")
	}

	// X axis.
	body.line(plotX0, axisY, plotX1, axisY, axisColor, 1, "")
	for _, t := range ticks {
		tx := x(t)
		body.line(tx, axisY, tx, axisY+4, axisColor, 1, "")
		body.text(tx, axisY+17, tickSize, "middle", mutedColor, formatTick(t, step, c.Unit), "")
	}
	height := axisY + 17 + pad
	if c.XLabel != "" {
		xl := svgkit.Truncate(c.XLabel, smallSize, width-2*pad)
		cx := plotX0 + plotW/2
		half := svgkit.TextWidth(xl, smallSize) / 2
		cx = math.Max(pad+half, math.Min(width-pad-half, cx))
		body.text(cx, axisY+37, smallSize, "middle", textColor, xl, "")
		height = axisY + 37 + pad - 2
	}
	return document(width, height, title, &body)
}
