package chart

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/svgkit"
)

func num(t *testing.T, n node, attr string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr(attr), 64)
	if err != nil {
		t.Fatalf("%s %s=%q: %v", n.XMLName.Local, attr, n.attr(attr), err)
	}
	return v
}

// children returns the elements named name directly inside the groups of
// class class, group by group.
func children(root node, class, name string) [][]node {
	var out [][]node
	root.walk(func(g node) {
		if g.XMLName.Local != "g" || g.attr("class") != class {
			return
		}
		var cs []node
		for _, c := range g.Nodes {
			if c.XMLName.Local == name {
				cs = append(cs, c)
			}
		}
		out = append(out, cs)
	})
	return out
}

// textBox is the box a <text> covers, from its anchor and font size.
func textBox(t *testing.T, n node) box {
	t.Helper()
	x, y, size := num(t, n, "x"), num(t, n, "y"), num(t, n, "font-size")
	w := svgkit.TextWidth(n.Text, size)
	switch n.attr("text-anchor") {
	case "middle":
		x -= w / 2
	case "end":
		x -= w
	}
	return box{x, y - size, x + w, y + 2}
}

func TestBarChartSecondBarsRunDotsAndWarning(t *testing.T) {
	c := BarChart{
		Title: "compare", Unit: "ms", XLabel: "median wall time (ms)",
		Bars: []Bar{
			{Label: "one", Value: 200, Text: "200 ms · 1.00× speedup", Note: "one: hover",
				Second: 190, SecondText: "CPU 190 ms · 0.95 cores busy", Dots: []float64{180, 200, 260}},
			{Label: "two", Value: 100, Text: "100 ms · 2.00× speedup",
				Second: 195, SecondText: "CPU 195 ms · 1.95 cores busy", Dots: []float64{100, 110}},
		},
		ValueName: "median wall time", SecondName: "median CPU time", DotsName: "each run's wall time",
		Warning: "2 warnings: see below the chart",
	}
	s := c.SVG()
	root := checkSVG(t, s, "compare")
	texts := strings.Join(root.texts(), "\n")
	for _, want := range []string{"⚠ 2 warnings: see below the chart", "median wall time", "median CPU time", "each run's wall time",
		"200 ms · 1.00× speedup", "CPU 190 ms · 0.95 cores busy", "CPU 195 ms · 1.95 cores busy"} {
		if !strings.Contains(texts, want) {
			t.Errorf("texts lack %q:\n%s", want, texts)
		}
	}
	if !strings.Contains(s, "<title>one: hover</title>") {
		t.Errorf("hover title lost")
	}
	main := bars(root)
	if len(main) != 2 {
		t.Fatalf("%d bars, want 2", len(main))
	}
	// The value scale from the first bar: x = x0 + v·k.
	x0 := num(t, main[0], "x")
	k := width(t, main[0]) / 200
	if math.Abs(width(t, main[1])/k-100) > 0.5 {
		t.Errorf("second bar %g wide, want 100 at %g px per ms", width(t, main[1]), k)
	}
	seconds := children(root, "second", "rect")
	if len(seconds) != 2 {
		t.Fatalf("%d second bars, want 2", len(seconds))
	}
	for i, want := range []float64{190, 195} {
		r := seconds[i][0]
		if got := width(t, r) / k; math.Abs(got-want) > 0.5 || num(t, r, "x") != x0 {
			t.Errorf("second bar %d: %g from x %g, want %g from %g", i, got, num(t, r, "x"), want, x0)
		}
		if h, mh := num(t, r, "height"), num(t, main[i], "height"); h >= mh {
			t.Errorf("second bar %d is %g high, not thinner than %g", i, h, mh)
		}
		if num(t, r, "y") <= num(t, main[i], "y") {
			t.Errorf("second bar %d is not under its bar", i)
		}
	}
	dots := children(root, "bar", "circle")
	for i, want := range [][]float64{{180, 200, 260}, {100, 110}} {
		if len(dots[i]) != len(want) {
			t.Fatalf("bar %d has %d dots, want %d", i, len(dots[i]), len(want))
		}
		cy := num(t, main[i], "y") + num(t, main[i], "height")/2
		for j, d := range dots[i] {
			if x := num(t, d, "cx"); math.Abs(x-(x0+want[j]*k)) > 0.2 || num(t, d, "cy") != cy {
				t.Errorf("bar %d dot %d at (%g, %g), want (%g, %g)", i, j, x, num(t, d, "cy"), x0+want[j]*k, cy)
			}
		}
	}
	// The figures start right of the slowest run's dot.
	for _, tx := range children(root, "bar", "text")[0] {
		if strings.Contains(tx.Text, "speedup") && num(t, tx, "x") < x0+260*k+3.5 {
			t.Errorf("text %q at x %g is over the dots", tx.Text, num(t, tx, "x"))
		}
	}

	// Without a second name and dots: no legend, no second bars.
	plain := checkSVG(t, BarChart{Title: "p", Bars: []Bar{{Label: "a", Value: 1, Second: 2}}}.SVG(), "p")
	if n := len(children(plain, "second", "rect")) + len(children(plain, "legend", "text")) + len(children(plain, "warning", "text")); n != 0 {
		t.Errorf("plain chart has %d second bars, legend entries or warnings", n)
	}
}

// speedupChart is a %%scale chart on 2 cores with settings 1 to 4.
func speedupChart() LineChart {
	return LineChart{
		Title: "speedup", XLabel: "GOMAXPROCS", YLabel: "speedup over GOMAXPROCS=1 (×)",
		Series: []Series{
			{Name: "measured (median)", X: []float64{1, 2, 3, 4}, Y: []float64{1, 1.9, 1.95, 1.97}, Labels: true},
			{Name: "ideal", X: []float64{1, 2, 3, 4}, Y: []float64{1, 2, 2, 2}, Dashed: true},
			{Name: "each run", Dots: true, Color: "#0969da",
				X: []float64{1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4},
				Y: []float64{1.02, 1, 0.97, 2.0, 1.9, 1.85, 1.95, 1.99, 1.9, 1.97, 2.0, 1.96}},
		},
		XTicks: []float64{1, 2, 3, 4}, VLine: 2, VLineLabel: "2 cores",
		HLine: 2, HLineLabel: "2 cores: 2× is the most CPU-bound work can gain",
		XNotes: []string{"0.99", "1.95", "1.97", "1.98"}, XNotesLabel: "cores busy",
		Warning: "1 warning: see below the chart",
	}
}

func TestLineChartCeilingRunDotsAndNotes(t *testing.T) {
	c := speedupChart()
	root := checkSVG(t, c.SVG(), "speedup")
	texts := strings.Join(root.texts(), "\n")
	for _, want := range []string{"⚠ 1 warning: see below the chart", "cores busy", "0.99", "1.95", "1.98", "each run", c.HLineLabel, "2 cores"} {
		if !strings.Contains(texts, want) {
			t.Errorf("texts lack %q:\n%s", want, texts)
		}
	}
	series := children(root, "series", "circle")
	measured, ideal := series[0], series[1]
	// The ceiling runs across the plot at the y of the ideal's 2×.
	hl := children(root, "hline", "line")
	if len(hl) != 1 || len(hl[0]) != 1 {
		t.Fatalf("ceiling lines %v", hl)
	}
	l := hl[0][0]
	if y := num(t, ideal[1], "cy"); num(t, l, "y1") != y || num(t, l, "y2") != y {
		t.Errorf("ceiling at y %s..%s, want %g", l.attr("y1"), l.attr("y2"), y)
	}
	if num(t, l, "x1") > num(t, measured[0], "cx") || num(t, l, "x2") < num(t, measured[3], "cx") {
		t.Errorf("ceiling does not span the plot")
	}
	// Every run is a dot: three per setting, spread around the setting's
	// x in order of y, at the y of its speedup (ring centres are exact).
	dots := children(root, "dots", "circle")
	if len(dots) != 1 || len(dots[0]) != 12 {
		t.Fatalf("dots %v, want 12 in one group", dots)
	}
	y1 := num(t, measured[0], "cy")              // speedup 1
	k := (y1 - num(t, ideal[1], "cy")) / (2 - 1) // px per 1×
	for i, d := range dots[0] {
		set := i / 3
		cx := num(t, measured[set], "cx")
		ys := c.Series[2].Y[set*3 : set*3+3]
		rank := 0
		for _, o := range ys {
			if o < c.Series[2].Y[i] {
				rank++
			}
		}
		wantX := cx + float64(rank-1)*dotSpread
		wantY := y1 - (c.Series[2].Y[i]-1)*k
		if math.Abs(num(t, d, "cx")-wantX) > 0.11 || math.Abs(num(t, d, "cy")-wantY) > 0.2 {
			t.Errorf("dot %d at (%s, %s), want (%g, %g)", i, d.attr("cx"), d.attr("cy"), wantX, wantY)
		}
	}
	// No label covers a point: the ceiling's, the marker's, the notes'.
	var points []box
	for _, g := range append(series, dots[0]) {
		for _, p := range g {
			x, y, r := num(t, p, "cx"), num(t, p, "cy"), num(t, p, "r")
			points = append(points, box{x - r, y - r, x + r, y + r})
		}
	}
	var labels []node
	for _, class := range []string{"hline", "vline"} {
		for _, g := range children(root, class, "text") {
			labels = append(labels, g...)
		}
	}
	if len(labels) != 2 {
		t.Fatalf("%d line labels, want 2", len(labels))
	}
	for _, lb := range labels {
		if b := textBox(t, lb); b.overlaps(points) {
			t.Errorf("label %q at %v covers a point", lb.Text, b)
		}
	}
	// The cores marker's label is above the plot, over no line but its own.
	top := math.Inf(1)
	for _, g := range children(root, "series", "circle") {
		for _, p := range g {
			top = math.Min(top, num(t, p, "cy"))
		}
	}
	vl := children(root, "vline", "text")[0][0]
	vline := children(root, "vline", "line")[0][0]
	if y := num(t, vl, "y"); y >= num(t, vline, "y1") || y >= top {
		t.Errorf("cores label at y %g is not above the plot (line from %s, top point %g)", y, vline.attr("y1"), top)
	}
	// The ceiling label is clear of the lines drawn through the points.
	hb := textBox(t, children(root, "hline", "text")[0][0])
	var lines []polyline
	for _, g := range []([]node){measured, ideal} {
		var pl polyline
		for _, p := range g {
			pl = append(pl, point{num(t, p, "cx"), num(t, p, "cy")})
		}
		lines = append(lines, pl)
	}
	if hb.crosses(lines) {
		t.Errorf("ceiling label %v crosses a line", hb)
	}
	// The notes' caption does not touch the first note.
	var caption, first box
	root.walk(func(n node) {
		if n.XMLName.Local != "text" {
			return
		}
		switch n.Text {
		case "cores busy":
			caption = textBox(t, n)
		case "0.99":
			first = textBox(t, n)
		}
	})
	if caption.x1 == 0 || first.x1 == 0 || caption.x1+4 > first.x0 || caption.x0 < 0 {
		t.Errorf("caption %v and first note %v overlap or leave the chart", caption, first)
	}
}

func TestLineChartCeilingLabelMovesOffPoints(t *testing.T) {
	// Points along the ceiling's left end push its label elsewhere.
	c := LineChart{
		Title: "crowded", YLabel: "speedup (×)",
		Series: []Series{{Name: "a", X: []float64{1, 1.2, 1.4, 1.6, 1.8, 2, 8}, Y: []float64{2.1, 2.15, 2.12, 2.18, 2.1, 2.15, 1}, Labels: true}},
		HLine:  2, HLineLabel: "ceiling",
	}
	root := checkSVG(t, c.SVG(), "crowded")
	var points []box
	for _, p := range children(root, "series", "circle")[0] {
		x, y, r := num(t, p, "cx"), num(t, p, "cy"), num(t, p, "r")
		points = append(points, box{x - r, y - r, x + r, y + r})
	}
	b := textBox(t, children(root, "hline", "text")[0][0])
	if b.overlaps(points) {
		t.Errorf("ceiling label %v covers a point", b)
	}
}

func TestBoxHitsSegment(t *testing.T) {
	b := box{10, 10, 20, 20}
	for _, c := range []struct {
		x0, y0, x1, y1 float64
		want           bool
	}{
		{0, 15, 30, 15, true},
		{0, 0, 30, 30, true},
		{0, 25, 30, 25, false},
		{21, 0, 21, 30, false},
		{15, 15, 15, 15, true},
	} {
		if got := b.hits(c.x0, c.y0, c.x1, c.y1); got != c.want {
			t.Errorf("hits(%v) = %v, want %v", c, got, c.want)
		}
	}
}

func TestLineChartPointLabelsKeepOffLinesAndPoints(t *testing.T) {
	c := speedupChart()
	c.Series[0].Y = []float64{1, 1.83, 0.989, 1.82}
	c.Series[2].Y = []float64{0.98, 1, 1.02, 1.65, 1.83, 1.84, 0.86, 0.989, 1.0, 1.04, 1.82, 1.95}
	root := checkSVG(t, c.SVG(), "speedup")
	var points []box
	var lines []polyline
	for _, class := range []string{"series", "dots"} {
		for _, g := range children(root, class, "circle") {
			var pl polyline
			for _, p := range g {
				x, y, r := num(t, p, "cx"), num(t, p, "cy"), num(t, p, "r")
				points = append(points, box{x - r, y - r, x + r, y + r})
				pl = append(pl, point{x, y})
			}
			if class == "series" {
				lines = append(lines, pl)
			}
		}
	}
	for _, g := range append(children(root, "vline", "line"), children(root, "hline", "line")...) {
		l := g[0]
		lines = append(lines, polyline{{num(t, l, "x1"), num(t, l, "y1")}, {num(t, l, "x2"), num(t, l, "y2")}})
	}
	n := 0
	root.walk(func(m node) {
		if m.XMLName.Local != "text" || !strings.HasSuffix(m.Text, "×") || !strings.Contains(m.Text, ".") || m.attr("font-weight") != "600" {
			return
		}
		n++
		b := textBox(t, m)
		b.y1 -= 2 // the descent below the baseline is free
		if b.overlaps(points) || b.crosses(lines) {
			t.Errorf("label %q at %v covers a point or a line", m.Text, b)
		}
	})
	if n != 4 {
		t.Errorf("%d point labels, want 4", n)
	}
}
