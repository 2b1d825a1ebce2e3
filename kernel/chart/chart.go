// Package chart draws bar charts and line charts as standalone SVG documents
// for Jupyter display_data (image/svg+xml), and renders plain-text tables for
// the text/plain fallback.
//
// The SVG output needs nothing from the page that shows it: no scripts, no
// style sheets, no external fonts or images. Every chart paints its own white
// background with dark text, so it reads the same in JupyterLab's light and
// dark themes, in the classic Notebook and in GitHub's notebook viewer, which
// all show it as an image. Text is XML-escaped, the first child of the root
// element is a <title> naming the chart, and axes carry units with tick marks
// at "nice" values (1, 2 or 5 × 10^k).
package chart

import (
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Bar is one bar of a bar chart.
type Bar struct {
	Label string  // left of the bar (variant name)
	Value float64 // length, in the chart's unit
	Text  string  // printed at the end of the bar (e.g. "1.21 s · 3.9× faster"); empty → the value formatted
	Note  string  // hover text (<title> inside the bar's <g>), optional
}

// BarChart is a horizontal bar chart.
type BarChart struct {
	Title  string
	XLabel string // axis label including the unit, e.g. "median wall time (ms)"
	Unit   string // unit of Value for tick labels, e.g. "ms" ("" for plain numbers, "×" for ratios)
	Bars   []Bar
}

// Series is one line of a line chart.
type Series struct {
	Name   string
	X, Y   []float64
	Dashed bool // e.g. the ideal line
	Labels bool // print the Y value next to each point
}

// LineChart is an x/y chart with lines and points.
type LineChart struct {
	Title          string
	XLabel, YLabel string // with units
	Series         []Series
	XTicks         []float64 // if set, exactly these x ticks (e.g. GOMAXPROCS 1,2,4,8); else nice ticks
	VLine          float64   // if > 0, a vertical dotted marker at this x ...
	VLineLabel     string    // ... labelled, e.g. "2 cores"

	// XUnit and YUnit are the units appended to tick labels and point
	// labels. When empty, a short unit in parentheses at the end of XLabel
	// or YLabel is used, so YLabel "speedup (×)" gives ticks "2×", "4×".
	XUnit, YUnit string
}

// Colours and fonts shared by all charts. They are fixed, not taken from the
// page, so that the image looks the same everywhere.
const (
	fontStack  = `-apple-system, BlinkMacSystemFont, 'Segoe UI', 'Noto Sans', Helvetica, Arial, sans-serif`
	background = "#ffffff"
	border     = "#d0d7de"
	textColor  = "#1f2328"
	mutedColor = "#59636e"
	gridColor  = "#d8dee4"
	axisColor  = "#8c959f"

	defaultWidth = 640.0
	pad          = 16.0
	titleSize    = 16.0
	titleLine    = 22.0
	labelSize    = 13.0
	smallSize    = 12.0
	tickSize     = 11.0
)

// Escape XML-escapes s for use as SVG text or as an attribute value.
// Characters that XML does not allow are replaced by U+FFFD.
func Escape(s string) string {
	var b strings.Builder
	// A strings.Builder never returns an error.
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// FormatDuration formats d with three significant digits the way IPython's
// %timeit prints times: "1.21 s", "620 ms", "8.00 µs", "15.0 ns", "0 s".
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0 s"
	}
	sign := ""
	// Work in float64 so that math.MinInt64 has a magnitude.
	v := float64(d)
	if v < 0 {
		sign, v = "-", -v
	}
	units := []struct {
		name  string
		scale float64
	}{{"ns", 1}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}}
	i := 0
	for i < len(units)-1 && v >= units[i+1].scale {
		i++
	}
	x := roundSig(v/units[i].scale, 3)
	// Rounding can carry into the next unit: 999.6 ms is 1.00 s.
	if x >= 1000 && i < len(units)-1 {
		i++
		x = roundSig(v/units[i].scale, 3)
	}
	if x >= 1000 {
		// Beyond the largest unit print whole seconds: "3600 s".
		x = v / units[i].scale
	}
	return sign + fixed3(x) + " " + units[i].name
}

// roundSig rounds v > 0 to n significant digits.
func roundSig(v float64, n int) float64 {
	if v == 0 || !finite(v) {
		return v
	}
	p := math.Floor(math.Log10(math.Abs(v)))
	scale := math.Pow(10, float64(n-1)-p)
	if scale == 0 || math.IsInf(scale, 0) {
		return v
	}
	r := math.Round(v*scale) / scale
	if !finite(r) {
		return v
	}
	return r
}

// fixed3 prints x ≥ 0, already rounded to three significant digits, with
// the IPython rule: ≥100 no decimals, ≥10 one, else two.
func fixed3(x float64) string {
	switch {
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	default:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
}

// formatValue prints v with three significant digits followed by unit.
func formatValue(v float64, unit string) string {
	if !finite(v) {
		return withUnit(strconv.FormatFloat(v, 'g', -1, 64), unit)
	}
	if v == 0 {
		return withUnit("0", unit)
	}
	sign := ""
	a := v
	if a < 0 {
		sign, a = "-", -a
	}
	r := roundSig(a, 3)
	var s string
	switch {
	case r >= 1e6 || r < 1e-3:
		s = tidyExp(strconv.FormatFloat(r, 'g', 3, 64))
	case r >= 1:
		s = fixed3(r)
	default:
		// 0.001 ≤ r < 1: keep three significant digits.
		dec := 2 - int(math.Floor(math.Log10(r)))
		s = strconv.FormatFloat(r, 'f', dec, 64)
	}
	return withUnit(sign+s, unit)
}

// tidyExp turns "1e+06" into "1e6" and "3e-07" into "3e-7".
func tidyExp(s string) string {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return s
	}
	mant, exp := s[:i], s[i+1:]
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(exp, "+-")
	exp = strings.TrimLeft(exp, "0")
	if exp == "" {
		return mant
	}
	if neg {
		exp = "-" + exp
	}
	return mant + "e" + exp
}

// withUnit joins a number and its unit: "5 ms", but "2×" and "50%".
func withUnit(num, unit string) string {
	switch unit {
	case "":
		return num
	case "×", "x", "%", "°":
		return num + unit
	}
	return num + " " + unit
}

// unitFromLabel returns a short unit in parentheses at the end of label:
// "median wall time (ms)" → "ms".
func unitFromLabel(label string) string {
	label = strings.TrimSpace(label)
	if !strings.HasSuffix(label, ")") {
		return ""
	}
	i := strings.LastIndex(label, "(")
	if i < 0 {
		return ""
	}
	u := strings.TrimSpace(label[i+1 : len(label)-1])
	if utf8.RuneCountInString(u) > 4 || strings.ContainsAny(u, " ,;") {
		return ""
	}
	return u
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// num formats an SVG coordinate with at most one decimal.
func num(x float64) string {
	if !finite(x) {
		return "0"
	}
	r := math.Round(x*10) / 10
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// niceTicks returns evenly spaced ticks at a multiple of 1, 2 or 5 × 10^k
// whose first is ≤ lo and last is ≥ hi, with about target intervals.
// lo < hi and both finite, or the range is widened first.
func niceTicks(lo, hi float64, target int) []float64 {
	if !finite(lo) || !finite(hi) || lo >= hi {
		return degenerateTicks(lo, hi)
	}
	if target < 1 {
		target = 1
	}
	m, e, ok := niceStep((hi - lo) / float64(target))
	if !ok {
		return []float64{lo, hi}
	}
	step := scale10(m, e)
	k0 := math.Floor(lo/step + 1e-9)
	k1 := math.Ceil(hi/step - 1e-9)
	if !finite(k0) || !finite(k1) || k1-k0 > 100 || k1 <= k0 {
		return []float64{lo, hi}
	}
	ticks := make([]float64, 0, int(k1-k0)+2)
	for k := k0; k <= k1; k++ {
		// k·m·10^e in one rounding gives round values such as 3e-300
		// rather than 2.99…e-300.
		t := scale10(k*m, e)
		if !finite(t) {
			return []float64{lo, hi}
		}
		if t == 0 {
			t = 0 // no -0
		}
		ticks = append(ticks, t)
	}
	// Rounding at the extremes of float64 must not leave data outside.
	if ticks[0] > lo {
		ticks = append([]float64{lo}, ticks...)
	}
	if ticks[len(ticks)-1] < hi {
		ticks = append(ticks, hi)
	}
	return ticks
}

// scale10 returns x × 10^e, correctly rounded: the decimal text is parsed,
// so that 3 × 10^-300 is exactly the float64 nearest to 3e-300.
func scale10(x float64, e int) float64 {
	if !finite(x) {
		return x
	}
	// On overflow v is ±Inf, which callers reject; the text is always
	// valid syntax.
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', -1, 64)+"e"+strconv.Itoa(e), 64)
	return v
}

// niceStep rounds raw > 0 to the nearest (on a log scale) m × 10^e with m
// 1, 2 or 5.
func niceStep(raw float64) (m float64, e int, ok bool) {
	if raw <= 0 || !finite(raw) {
		return 0, 0, false
	}
	e = int(math.Floor(math.Log10(raw)))
	n := raw / scale10(1, e)
	if !finite(n) || n <= 0 {
		return 0, 0, false
	}
	switch {
	case n >= math.Sqrt(50):
		m, e = 1, e+1
	case n >= math.Sqrt(10):
		m = 5
	case n >= math.Sqrt2:
		m = 2
	default:
		m = 1
	}
	step := scale10(m, e)
	return m, e, step > 0 && finite(step)
}

// degenerateTicks widens an empty range so that it can be drawn.
func degenerateTicks(lo, hi float64) []float64 {
	switch {
	case !finite(lo) || !finite(hi):
		return []float64{0, 1}
	case lo == 0 && hi == 0:
		return []float64{0, 1}
	case lo > hi:
		lo, hi = hi, lo
	}
	if lo == hi {
		d := math.Abs(lo) * 0.1
		lo, hi = lo-d, hi+d
	}
	if lo == hi || !finite(lo) || !finite(hi) {
		return []float64{0, 1}
	}
	return niceTicks(lo, hi, 4)
}

// tickStep is the spacing of ticks (0 for a single tick).
func tickStep(ticks []float64) float64 {
	if len(ticks) < 2 {
		return 0
	}
	return math.Abs(ticks[1] - ticks[0])
}

// formatTick prints a tick value with just enough decimals for the step.
func formatTick(v, step float64, unit string) string {
	if v == 0 {
		return withUnit("0", unit)
	}
	a := math.Abs(v)
	if a >= 1e7 || a < 1e-4 || (step > 0 && step < 1e-4) {
		return withUnit(tidyExp(strconv.FormatFloat(v, 'g', 6, 64)), unit)
	}
	dec := 0
	if step > 0 && step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	if step <= 0 {
		// Explicit ticks: shortest exact representation.
		return withUnit(strconv.FormatFloat(v, 'g', 6, 64), unit)
	}
	return withUnit(strconv.FormatFloat(v, 'f', dec, 64), unit)
}

// textWidth estimates the rendered width of s in a sans-serif font. It errs
// on the wide side so that labels do not collide.
func textWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("iljtfrI.,:;'|!()[]{} ·", r):
			w += 0.36
		case strings.ContainsRune("mwMW@%", r):
			w += 0.9
		case unicode.IsUpper(r):
			w += 0.7
		case unicode.IsDigit(r):
			w += 0.64
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) ||
			unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			w += 1.0
		case unicode.Is(unicode.Mn, r):
		default:
			w += 0.6
		}
	}
	return w * size
}

// truncate shortens s with an ellipsis so that it fits in maxW.
func truncate(s string, size, maxW float64) string {
	if textWidth(s, size) <= maxW {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 {
		rs = rs[:len(rs)-1]
		t := strings.TrimRight(string(rs), " ") + "…"
		if textWidth(t, size) <= maxW {
			return t
		}
	}
	return "…"
}

// wrap breaks s into lines at spaces so that each fits in maxW; a word
// longer than a line is truncated.
func wrap(s string, size, maxW float64) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		next := word
		if cur != "" {
			next = cur + " " + word
		}
		if cur == "" || textWidth(next, size) <= maxW {
			cur = next
			continue
		}
		lines = append(lines, truncate(cur, size, maxW))
		cur = word
	}
	if cur != "" {
		lines = append(lines, truncate(cur, size, maxW))
	}
	return lines
}

// canvas collects the elements of an SVG document.
type canvas struct {
	b strings.Builder
}

func (c *canvas) printf(format string, args ...any) {
	fmt.Fprintf(&c.b, format, args...)
}

// text draws escaped text. anchor is start, middle or end; extra holds
// further attributes (already escaped).
func (c *canvas) text(x, y float64, size float64, anchor, fill, s, extra string) {
	c.printf(`<text x="%s" y="%s" font-size="%s" text-anchor="%s" fill="%s"%s>%s</text>`+"\n",
		num(x), num(y), num(size), anchor, fill, extra, Escape(s))
}

func (c *canvas) line(x1, y1, x2, y2 float64, stroke string, width float64, extra string) {
	c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`+"\n",
		num(x1), num(y1), num(x2), num(y2), stroke, num(width), extra)
}

// title draws the wrapped chart title and returns the y below it.
func (c *canvas) title(lines []string) float64 {
	y := pad
	for _, l := range lines {
		c.text(pad, y+titleSize, titleSize, "start", textColor, l, ` font-weight="600"`)
		y += titleLine
	}
	if len(lines) > 0 {
		y += 8
	}
	return y
}

// document wraps the body in the root element with the accessible title
// first and a full-size light background.
func document(w, h float64, title string, body *canvas) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" role="img" font-family="%s">`+"\n",
		num(w), num(h), num(w), num(h), Escape(fontStack))
	fmt.Fprintf(&b, "<title>%s</title>\n", Escape(title))
	fmt.Fprintf(&b, `<rect x="0.5" y="0.5" width="%s" height="%s" rx="6" fill="%s" stroke="%s"/>`+"\n",
		num(w-1), num(h-1), background, border)
	b.WriteString(body.b.String())
	b.WriteString("</svg>\n")
	return b.String()
}

// haloAttrs paints a white outline behind text so that it stays legible
// over grid lines and data.
const haloAttrs = ` stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`

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
		labels[i] = truncate(b.Label, labelSize, maxLabelW)
		labelW = math.Max(labelW, textWidth(labels[i], labelSize))
		t := b.Text
		if t == "" {
			t = formatValue(b.Value, c.Unit)
		}
		texts[i] = truncate(t, smallSize, maxTextW)
		textW = math.Max(textW, textWidth(texts[i], smallSize))
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
		ticks = niceTicks(lo, hi, target)
		if len(ticks) < 2 {
			break
		}
		step := tickStep(ticks)
		widest := 0.0
		for _, t := range ticks {
			widest = math.Max(widest, textWidth(formatTick(t, step, c.Unit), tickSize))
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
	top := body.title(wrap(c.Title, titleSize*1.1, width-2*pad))
	rowsTop := top + 6
	rows := n
	if rows == 0 {
		rows = 1
	}
	axisY := rowsTop + float64(rows)*pitch - (pitch - barH) + 8

	// Grid first, so that bars are drawn over it.
	step := tickStep(ticks)
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
			body.printf("<title>%s</title>", Escape(note))
		}
		body.printf("\n")
		body.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s"/>`+"\n",
			num(x0), num(y), num(x1-x0), num(barH), fill)
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
		xl := truncate(c.XLabel, smallSize, width-2*pad)
		cx := plotX0 + plotW/2
		half := textWidth(xl, smallSize) / 2
		cx = math.Max(pad+half, math.Min(width-pad-half, cx))
		body.text(cx, axisY+37, smallSize, "middle", textColor, xl, "")
		height = axisY + 37 + pad - 2
	}
	return document(width, height, title, &body)
}

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
		xticks = niceTicks(xlo, xhi, 6)
		if xlo == xhi {
			xticks = degenerateTicks(xlo, xhi)
		}
		x0, x1 = xticks[0], xticks[len(xticks)-1]
		xstep = tickStep(xticks)
	}
	if !(x1 > x0) || !finite(x1-x0) {
		x0, x1 = 0, 1
	}
	yticks := niceTicks(ylo, yhi, 5)
	if ylo == yhi {
		yticks = degenerateTicks(ylo, yhi)
	}
	y0, y1 := yticks[0], yticks[len(yticks)-1]
	if !(y1 > y0) || !finite(y1-y0) {
		y0, y1 = 0, 1
	}
	ystep := tickStep(yticks)

	// Horizontal layout.
	yLabels := make([]string, len(yticks))
	yTickW := 0.0
	for i, t := range yticks {
		yLabels[i] = formatTick(t, ystep, yUnit)
		yTickW = math.Max(yTickW, textWidth(yLabels[i], tickSize))
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
		rightMargin = math.Max(rightMargin, textWidth(xLabels[len(xLabels)-1], tickSize)/2+2)
	}
	plotX1 := width - pad - rightMargin
	plotW := plotX1 - plotX0

	var body canvas
	title := c.Title
	if title == "" {
		title = "Line chart"
	}
	top := body.title(wrap(c.Title, titleSize*1.1, width-2*pad))

	// Legend: one row of entries, wrapped as needed.
	const swatch = 26.0
	lx, ly := pad, top+8
	for i, s := range c.Series {
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("series %d", i+1)
		}
		name = truncate(name, smallSize, width-2*pad-swatch-6)
		w := swatch + 6 + textWidth(name, smallSize)
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
			num(lx+swatch/2), num(ly), num(marker), colors[i])
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
		w := textWidth(xLabels[i], tickSize)
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
			body.printf("<title>%s</title>", Escape(c.VLineLabel))
		}
		body.printf("\n")
		body.line(vx, plotY0, vx, plotY1, mutedColor, 1.5, ` stroke-dasharray="2 3"`)
		if c.VLineLabel != "" {
			l := truncate(c.VLineLabel, smallSize, plotW/2)
			lw := textWidth(l, smallSize)
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
			fmt.Fprintf(&d, "%s%s %s ", cmd, num(px(p.x)), num(py(p.y)))
			pen = true
		}
		body.printf(`<g class="series">`)
		if s.Name != "" {
			body.printf("<title>%s</title>", Escape(s.Name))
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
				num(px(p.x)), num(py(p.y)), num(r), colors[i],
				Escape(pointNote(s.Name, formatValue(p.x, xUnit), formatValue(p.y, yUnit))))
			if !s.Labels {
				continue
			}
			l := formatValue(p.y, yUnit)
			lw := textWidth(l, tickSize)
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
		xl := truncate(c.XLabel, smallSize, width-2*pad)
		half := textWidth(xl, smallSize) / 2
		cx := math.Max(pad+half, math.Min(width-pad-half, plotX0+plotW/2))
		body.text(cx, plotY1+37, smallSize, "middle", textColor, xl, "")
		height = plotY1 + 37 + pad - 2
	}
	if c.YLabel != "" {
		yl := truncate(c.YLabel, smallSize, plotH+40)
		cy := plotY0 + plotH/2
		body.text(0, 0, smallSize, "middle", textColor, yl,
			fmt.Sprintf(` transform="translate(%s %s) rotate(-90)"`, num(pad+9), num(cy)))
	}
	return document(width, height, title, &body)
}

// Table renders rows under headers as aligned plain text: columns whose
// cells are all numbers (such as "1.21 s" or "3.9×") are right-aligned,
// others left-aligned, and a line of ─ separates the header from the rows.
// Rows may be shorter or longer than headers.
func Table(headers []string, rows [][]string) string {
	ncol := len(headers)
	for _, r := range rows {
		ncol = max(ncol, len(r))
	}
	if ncol == 0 {
		return ""
	}
	cell := func(r []string, i int) string {
		if i < len(r) {
			return strings.TrimSpace(strings.ReplaceAll(r[i], "\n", " "))
		}
		return ""
	}
	widths := make([]int, ncol)
	numeric := make([]bool, ncol)
	for i := range ncol {
		widths[i] = utf8.RuneCountInString(cell(headers, i))
		seen, all := false, true
		for _, r := range rows {
			s := cell(r, i)
			widths[i] = max(widths[i], utf8.RuneCountInString(s))
			switch {
			case isPlaceholder(s):
			case isNumber(s):
				seen = true
			default:
				all = false
			}
		}
		numeric[i] = seen && all
	}
	var b strings.Builder
	line := func(r []string) {
		var l strings.Builder
		for i := range ncol {
			s := cell(r, i)
			gap := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(s))
			if i > 0 {
				l.WriteString("  ")
			}
			if numeric[i] {
				l.WriteString(gap + s)
			} else {
				l.WriteString(s + gap)
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteByte('\n')
	}
	total := 2 * (ncol - 1)
	for _, w := range widths {
		total += w
	}
	if len(headers) > 0 {
		line(headers)
		b.WriteString(strings.Repeat("─", total))
		b.WriteByte('\n')
	}
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

// isPlaceholder reports whether s stands for a missing value, which does
// not make a numeric column textual.
func isPlaceholder(s string) bool {
	switch s {
	case "", "-", "–", "—", "n/a", "N/A", "?":
		return true
	}
	return false
}

// isNumber reports whether s starts with a number: "42", "-1.5", "1.21 s",
// "3.9×", ".5", "+7%".
func isNumber(s string) bool {
	s = strings.TrimLeft(s, "+-−~≈")
	if s == "" {
		return false
	}
	if s[0] == '.' {
		s = s[1:]
	}
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// Palette returns n distinct colours as "#rrggbb", each readable on white.
// The colour at an index does not depend on n.
func Palette(n int) []string {
	// The first colours have at least 4.5:1 contrast on white, so that both
	// lines and text in them are readable.
	base := [...]string{
		"#0969da", // blue
		"#cf222e", // red
		"#1a7f37", // green
		"#8250df", // purple
		"#bc4c00", // orange
		"#1b7c83", // teal
		"#bf3989", // pink
		"#57606a", // grey
		"#6f4e00", // brown
		"#3730a3", // indigo
	}
	if n <= 0 {
		return []string{}
	}
	out := make([]string, n)
	for i := range n {
		if i < len(base) {
			out[i] = base[i]
			continue
		}
		out[i] = generated(i)
	}
	return out
}

// generated picks a colour by stepping round the hue circle by the golden
// angle and darkening until it has 4.5:1 contrast on white.
func generated(i int) string {
	h := math.Mod(float64(i)*137.508+17, 360)
	s := 0.65 + 0.2*float64(i%3)/2
	for l := 0.45; l > 0.1; l -= 0.02 {
		r, g, b := hsl(h, s, l)
		if contrastOnWhite(r, g, b) >= 4.6 {
			return fmt.Sprintf("#%02x%02x%02x", r, g, b)
		}
	}
	r, g, b := hsl(h, s, 0.1)
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}

// hsl converts hue (degrees), saturation and lightness in [0,1] to RGB.
func hsl(h, s, l float64) (r, g, b uint8) {
	c := (1 - math.Abs(2*l-1)) * s
	hp := h / 60
	x := c * (1 - math.Abs(math.Mod(hp, 2)-1))
	var r1, g1, b1 float64
	switch {
	case hp < 1:
		r1, g1 = c, x
	case hp < 2:
		r1, g1 = x, c
	case hp < 3:
		g1, b1 = c, x
	case hp < 4:
		g1, b1 = x, c
	case hp < 5:
		r1, b1 = x, c
	default:
		r1, b1 = c, x
	}
	m := l - c/2
	to := func(v float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(1, v+m)) * 255)) }
	return to(r1), to(g1), to(b1)
}

// contrastOnWhite is the WCAG contrast ratio of an sRGB colour against
// white.
func contrastOnWhite(r, g, b uint8) float64 {
	lin := func(c uint8) float64 {
		v := float64(c) / 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	lum := 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
	return 1.05 / (lum + 0.05)
}
