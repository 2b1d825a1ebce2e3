package chart

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/svgkit"
)

// node is a generic XML element, enough to inspect the charts.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []node     `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) walk(f func(node)) {
	f(n)
	for _, c := range n.Nodes {
		c.walk(f)
	}
}

// texts returns the content of all <text> elements.
func (n node) texts() []string {
	var out []string
	n.walk(func(m node) {
		if m.XMLName.Local == "text" {
			out = append(out, m.Text)
		}
	})
	return out
}

// checkSVG parses s as a well-formed standalone SVG document and returns its
// root. It checks the root element, the namespace, the size attributes, the
// leading <title> and the absence of anything external.
func checkSVG(t *testing.T, s, wantTitle string) node {
	t.Helper()
	// Well-formedness, token by token, with the strict decoder.
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
	}
	var root node
	if err := xml.Unmarshal([]byte(s), &root); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Fatalf("root is %v, want svg in the SVG namespace", root.XMLName)
	}
	if !strings.HasPrefix(s, `<svg xmlns="http://www.w3.org/2000/svg" `) {
		t.Errorf("document does not start with the svg element and xmlns: %.80q", s)
	}
	w, errW := strconv.ParseFloat(root.attr("width"), 64)
	h, errH := strconv.ParseFloat(root.attr("height"), 64)
	if errW != nil || errH != nil || w <= 0 || h <= 0 {
		t.Errorf("bad size %q × %q", root.attr("width"), root.attr("height"))
	}
	if vb := root.attr("viewBox"); vb != fmt.Sprintf("0 0 %s %s", root.attr("width"), root.attr("height")) {
		t.Errorf("viewBox %q does not match the size", vb)
	}
	if len(root.Nodes) == 0 || root.Nodes[0].XMLName.Local != "title" {
		t.Fatalf("first child is not <title>")
	}
	if got := root.Nodes[0].Text; got != wantTitle {
		t.Errorf("title = %q, want %q", got, wantTitle)
	}
	if len(root.Nodes) < 2 || root.Nodes[1].XMLName.Local != "rect" || root.Nodes[1].attr("fill") != "#ffffff" {
		t.Errorf("no white background rect after the title")
	}
	for _, bad := range []string{"<script", "<style", "href", "url(", "@import", "NaN", "Inf"} {
		if strings.Contains(s, bad) {
			t.Errorf("SVG contains %q", bad)
		}
	}
	// Every coordinate is a finite number inside the canvas (with a little
	// slack for text anchored at an edge).
	root.walk(func(n node) {
		for _, a := range n.Attrs {
			switch a.Name.Local {
			case "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height":
				v, err := strconv.ParseFloat(a.Value, 64)
				if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("<%s %s=%q> is not a number", n.XMLName.Local, a.Name.Local, a.Value)
					continue
				}
				if n.XMLName.Local == "svg" {
					continue
				}
				limit := w
				if strings.HasPrefix(a.Name.Local, "y") || a.Name.Local == "cy" || a.Name.Local == "height" {
					limit = h
				}
				if v < 0 || v > limit {
					t.Errorf("<%s %s=%q> is outside the %g × %g canvas", n.XMLName.Local, a.Name.Local, a.Value, w, h)
				}
			}
		}
	})
	return root
}

// bars returns the bar rects of a bar chart in order.
func bars(root node) []node {
	var out []node
	root.walk(func(n node) {
		if n.XMLName.Local == "g" && n.attr("class") == "bar" {
			for _, c := range n.Nodes {
				if c.XMLName.Local == "rect" {
					out = append(out, c)
				}
			}
		}
	})
	return out
}

func width(t *testing.T, n node) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr("width"), 64)
	if err != nil {
		t.Fatalf("rect width: %v", err)
	}
	return v
}

func TestBarChartEscapingAndProportions(t *testing.T) {
	c := BarChart{
		Title:  `Fan-out <workers> & "friends"`,
		XLabel: "median wall time (ms)",
		Unit:   "ms",
		Bars: []Bar{
			{Label: "sequential", Value: 1210, Text: "1.21 s"},
			{Label: "a<b & c>d", Value: 605, Text: "605 ms · 2.0× <faster> & more", Note: "hover <&>"},
			{Label: "pool", Value: 302.5},
		},
	}
	s := c.SVG()
	root := checkSVG(t, s, c.Title)
	for _, want := range []string{
		"a&lt;b &amp; c&gt;d",
		"605 ms · 2.0× &lt;faster&gt; &amp; more",
		"hover &lt;&amp;&gt;",
		"Fan-out &lt;workers&gt; &amp; &#34;friends&#34;",
		"1.21 s",
		"303 ms", // formatted value for the empty Text
		"median wall time (ms)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	texts := strings.Join(root.texts(), "\n")
	for _, want := range []string{"a<b & c>d", "605 ms · 2.0× <faster> & more", "sequential", "pool"} {
		if !strings.Contains(texts, want) {
			t.Errorf("texts lack %q: %s", want, texts)
		}
	}
	rs := bars(root)
	if len(rs) != 3 {
		t.Fatalf("%d bars, want 3", len(rs))
	}
	w0, w1, w2 := width(t, rs[0]), width(t, rs[1]), width(t, rs[2])
	if math.Abs(w1/w0-0.5) > 0.01 || math.Abs(w2/w0-0.25) > 0.01 {
		t.Errorf("bar widths %g %g %g not proportional to 1210 605 302.5", w0, w1, w2)
	}
	// The bars start at the same x (zero).
	if rs[0].attr("x") != rs[1].attr("x") || rs[0].attr("x") != rs[2].attr("x") {
		t.Errorf("bars start at different x")
	}
	// Tick labels carry the unit.
	if !strings.Contains(texts, "500 ms") {
		t.Errorf("no tick label with unit: %s", texts)
	}
}

func TestBarChartHeightGrows(t *testing.T) {
	height := func(n int) float64 {
		c := BarChart{Title: "t"}
		for i := range n {
			c.Bars = append(c.Bars, Bar{Label: fmt.Sprint(i), Value: float64(i + 1)})
		}
		root := checkSVG(t, c.SVG(), "t")
		h, _ := strconv.ParseFloat(root.attr("height"), 64)
		return h
	}
	h1, h5, h20 := height(1), height(5), height(20)
	if h1 >= h5 || h5 >= h20 || h20-h5 != (h5-h1)*15/4 {
		t.Errorf("heights %g %g %g do not grow linearly", h1, h5, h20)
	}
}

func TestBarChartEdgeCases(t *testing.T) {
	long := strings.Repeat("very long variant name ", 20)
	cases := map[string]BarChart{
		"empty":        {Title: "empty"},
		"no title":     {Bars: []Bar{{Label: "x", Value: 1}}},
		"one bar":      {Title: "one", Bars: []Bar{{Label: "only", Value: 3}}},
		"all zero":     {Title: "zero", Unit: "ms", Bars: []Bar{{Label: "a"}, {Label: "b"}}},
		"huge":         {Title: "huge", Bars: []Bar{{Label: "a", Value: 1e300}, {Label: "b", Value: 3e299}}},
		"max float":    {Title: "max", Bars: []Bar{{Label: "a", Value: math.MaxFloat64}, {Label: "b", Value: 1}}},
		"tiny":         {Title: "tiny", Unit: "s", Bars: []Bar{{Label: "a", Value: 1e-300}, {Label: "b", Value: 5e-301}}},
		"subnormal":    {Title: "sub", Bars: []Bar{{Label: "a", Value: 5e-324}}},
		"mixed scale":  {Title: "mixed", Bars: []Bar{{Label: "a", Value: 1e9}, {Label: "b", Value: 1e-9}}},
		"negative":     {Title: "neg", Unit: "%", Bars: []Bar{{Label: "a", Value: -20}, {Label: "b", Value: 35}}},
		"all negative": {Title: "neg", Bars: []Bar{{Label: "a", Value: -2}, {Label: "b", Value: -7}}},
		"non-finite":   {Title: "nan", Bars: []Bar{{Label: "a", Value: math.NaN(), Text: "failed"}, {Label: "b", Value: math.Inf(1), Text: "∞"}, {Label: "c", Value: 2}}},
		"long texts":   {Title: long, XLabel: long, Bars: []Bar{{Label: long, Value: 1, Text: long}}},
		"empty label":  {Title: "e", Bars: []Bar{{Value: 1}}},
		"bad utf8":     {Title: "bad \xff\x00 title", Bars: []Bar{{Label: "\x01\xfe", Value: 1, Text: "\x1b[0m"}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			want := c.Title
			if want == "" {
				want = "Bar chart"
			}
			if name == "bad utf8" {
				want = "bad \uFFFD\uFFFD title"
			}
			root := checkSVG(t, c.SVG(), want)
			if got := len(bars(root)); got != len(c.Bars) {
				t.Errorf("%d bars, want %d", got, len(c.Bars))
			}
		})
	}
}

func TestLineChartSpeedup(t *testing.T) {
	c := LineChart{
		Title:  "Speedup of <parallel> sum",
		XLabel: "GOMAXPROCS",
		YLabel: "speedup (×)",
		Series: []Series{
			{Name: "measured", X: []float64{1, 2, 4, 8}, Y: []float64{1, 1.9, 3.6, 3.9}, Labels: true},
			{Name: "ideal", X: []float64{1, 2, 4, 8}, Y: []float64{1, 2, 4, 8}, Dashed: true},
		},
		XTicks:     []float64{1, 2, 4, 8},
		VLine:      4,
		VLineLabel: "4 cores",
	}
	s := c.SVG()
	root := checkSVG(t, s, c.Title)
	texts := root.texts()
	joined := strings.Join(texts, "\n")
	for _, want := range []string{"measured", "ideal", "4 cores", "GOMAXPROCS", "speedup (×)", "3.90×", "1.90×", "8×", "2×"} {
		if !strings.Contains(joined, want) {
			t.Errorf("texts lack %q:\n%s", want, joined)
		}
	}
	// Exactly the requested x ticks, in order, below the plot.
	var xt []string
	for _, tx := range texts {
		switch tx {
		case "1", "2", "4", "8":
			xt = append(xt, tx)
		}
	}
	if strings.Join(xt, ",") != "1,2,4,8" {
		t.Errorf("x tick labels %v, want 1,2,4,8", xt)
	}
	if !strings.Contains(s, `stroke-dasharray="6 4"`) {
		t.Errorf("ideal line is not dashed")
	}
	// Only the measured series is labelled: 4 value labels with ×.
	n := 0
	for _, tx := range texts {
		if strings.HasSuffix(tx, "×") && strings.Contains(tx, ".") {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d point labels, want 4", n)
	}
	// Points are placed linearly: x=1,2,4,8 → equal gaps for 2→4 and 2× for 4→8.
	var cx []float64
	root.walk(func(m node) {
		if m.XMLName.Local == "g" && m.attr("class") == "series" && len(cx) == 0 {
			for _, c := range m.Nodes {
				if c.XMLName.Local == "circle" {
					v, _ := strconv.ParseFloat(c.attr("cx"), 64)
					cx = append(cx, v)
				}
			}
		}
	})
	if len(cx) != 4 || math.Abs((cx[3]-cx[2])-2*(cx[2]-cx[1])) > 0.5 {
		t.Errorf("point x positions %v are not linear in x", cx)
	}
}

func TestLineChartEdgeCases(t *testing.T) {
	cases := map[string]LineChart{
		"empty":        {Title: "empty"},
		"no points":    {Title: "np", Series: []Series{{Name: "a"}}},
		"single point": {Title: "one", XLabel: "x (s)", YLabel: "y (ms)", Series: []Series{{Name: "a", X: []float64{3}, Y: []float64{7}, Labels: true}}},
		"point at 0":   {Title: "zero", Series: []Series{{Name: "a", X: []float64{0}, Y: []float64{0}, Labels: true}}},
		"all zero":     {Title: "zeros", Series: []Series{{Name: "a", X: []float64{0, 0, 0}, Y: []float64{0, 0, 0}}}},
		"flat":         {Title: "flat", Series: []Series{{Name: "a", X: []float64{1, 2, 3}, Y: []float64{5, 5, 5}}}},
		"huge":         {Title: "huge", Series: []Series{{Name: "a", X: []float64{1e300, 2e300}, Y: []float64{1e300, 1.7e308}, Labels: true}}},
		"tiny":         {Title: "tiny", Series: []Series{{Name: "a", X: []float64{1e-300, 2e-300}, Y: []float64{1e-300, 3e-300}, Labels: true}}},
		"negative":     {Title: "neg", Series: []Series{{Name: "a", X: []float64{-5, 5}, Y: []float64{-3, 2}, Labels: true}}},
		"mismatched":   {Title: "mm", Series: []Series{{Name: "a", X: []float64{1, 2, 3}, Y: []float64{1}}}},
		"non-finite":   {Title: "nan", Series: []Series{{Name: "a", X: []float64{1, 2, math.NaN(), 4}, Y: []float64{1, math.Inf(1), 3, 4}, Labels: true}}},
		"many series": func() LineChart {
			c := LineChart{Title: "many"}
			for i := range 25 {
				c.Series = append(c.Series, Series{Name: fmt.Sprintf("series <%d>", i), X: []float64{0, 1}, Y: []float64{float64(i), float64(i * 2)}})
			}
			return c
		}(),
		"vline only": {Title: "v", VLine: 4, VLineLabel: "4 cores"},
		"vline at edge": {Title: "v", VLine: 8, VLineLabel: "a rather long marker label", XTicks: []float64{1, 2, 4, 8},
			Series: []Series{{Name: "a", X: []float64{1, 8}, Y: []float64{1, 8}}}},
		"dense ticks":  {Title: "d", XTicks: []float64{1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 64, 128, 256, 512, 1024}, Series: []Series{{Name: "a", X: []float64{1, 1024}, Y: []float64{1, 2}}}},
		"single xtick": {Title: "s", XTicks: []float64{4}, Series: []Series{{Name: "a", X: []float64{4}, Y: []float64{2}}}},
		"no title":     {Series: []Series{{X: []float64{1, 2}, Y: []float64{1, 2}}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			want := c.Title
			if want == "" {
				want = "Line chart"
			}
			s := c.SVG()
			checkSVG(t, s, want)
			if name == "many series" && !strings.Contains(s, "series &lt;24&gt;") {
				t.Errorf("legend lacks the last series")
			}
		})
	}
}

func TestLineChartXTickLabelsDoNotOverlap(t *testing.T) {
	c := LineChart{
		Title:  "dense",
		XTicks: []float64{1, 2, 3, 4, 5, 6, 7, 8, 16, 32, 64, 128, 256, 512, 1024},
		Series: []Series{{Name: "a", X: []float64{1, 1024}, Y: []float64{1, 2}}},
	}
	root := checkSVG(t, c.SVG(), "dense")
	type span struct{ lo, hi float64 }
	var spans []span
	root.walk(func(n node) {
		if n.XMLName.Local != "text" || n.attr("text-anchor") != "middle" {
			return
		}
		if _, err := strconv.Atoi(n.Text); err != nil {
			return
		}
		x, _ := strconv.ParseFloat(n.attr("x"), 64)
		w := svgkit.TextWidth(n.Text, tickSize)
		spans = append(spans, span{x - w/2, x + w/2})
	})
	if len(spans) < 3 {
		t.Fatalf("only %d x tick labels", len(spans))
	}
	for i := 1; i < len(spans); i++ {
		if spans[i].lo < spans[i-1].hi {
			t.Errorf("tick labels %d and %d overlap: %v", i-1, i, spans)
		}
	}
}

func TestFormatTick(t *testing.T) {
	cases := []struct {
		v, step float64
		unit    string
		want    string
	}{
		{0, 200, "ms", "0 ms"},
		{400, 200, "ms", "400 ms"},
		{0.5, 0.5, "s", "0.5 s"},
		{0.25, 0.05, "", "0.25"},
		{0.3, 0.1, "×", "0.3×"},
		{4, 2, "×", "4×"},
		{50, 10, "%", "50%"},
		{3e9, 1e9, "", "3e9"},
		{2e-9, 1e-9, "s", "2e-9 s"},
		{8, 0, "", "8"},
		{0.125, 0, "", "0.125"},
	}
	for _, c := range cases {
		if got := formatTick(c.v, c.step, c.unit); got != c.want {
			t.Errorf("formatTick(%g, %g, %q) = %q, want %q", c.v, c.step, c.unit, got, c.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	cases := []struct {
		v    float64
		unit string
		want string
	}{
		{0, "ms", "0 ms"},
		{302.5, "ms", "303 ms"},
		{3.9, "×", "3.90×"},
		{0.0123, "", "0.0123"},
		{0.999, "", "0.999"},
		{0.9996, "", "1.00"},
		{1234567, "", "1.23e6"},
		{-12.34, "%", "-12.3%"},
		{1e-5, "s", "1e-5 s"},
	}
	for _, c := range cases {
		if got := formatValue(c.v, c.unit); got != c.want {
			t.Errorf("formatValue(%g, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

func TestUnitFromLabel(t *testing.T) {
	for label, want := range map[string]string{
		"speedup (×)":           "×",
		"median wall time (ms)": "ms",
		"GOMAXPROCS":            "",
		"time (see note below)": "",
		"":                      "",
		"(s)":                   "s",
	} {
		if got := unitFromLabel(label); got != want {
			t.Errorf("unitFromLabel(%q) = %q, want %q", label, got, want)
		}
	}
}

func TestTable(t *testing.T) {
	got := Table(
		[]string{"variant", "median", "speedup", "note"},
		[][]string{
			{"sequential", "1.21 s", "1.0×", "baseline"},
			{"pool<8>", "310 ms", "3.9×", ""},
			{"errgroup", "—", "—", "failed: timeout"},
		},
	)
	want := "" +
		"variant     median  speedup  note\n" +
		"────────────────────────────────────────────\n" +
		"sequential  1.21 s     1.0×  baseline\n" +
		"pool<8>     310 ms     3.9×\n" +
		"errgroup         —        —  failed: timeout\n"
	if got != want {
		t.Errorf("Table =\n%s\nwant\n%s", got, want)
	}
	// Header and separator have the same width as the widest row.
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	sep := []rune(lines[1])
	if len(sep) != len([]rune(lines[4])) {
		t.Errorf("separator is %d wide, rows %d", len(sep), len([]rune(lines[4])))
	}

	// Ragged rows and no headers.
	got = Table(nil, [][]string{{"a", "1"}, {"bb", "22", "extra"}, {}})
	want = "a    1\nbb  22  extra\n\n"
	if got != want {
		t.Errorf("ragged Table = %q, want %q", got, want)
	}
	if got := Table(nil, nil); got != "" {
		t.Errorf("empty Table = %q", got)
	}
	got = Table([]string{"n"}, nil)
	if got != "n\n─\n" {
		t.Errorf("header-only Table = %q", got)
	}
}

func TestPalette(t *testing.T) {
	if p := Palette(0); len(p) != 0 {
		t.Errorf("Palette(0) = %v", p)
	}
	if p := Palette(-3); len(p) != 0 {
		t.Errorf("Palette(-3) = %v", p)
	}
	big := Palette(64)
	seen := map[string]bool{}
	for i, c := range big {
		var r, g, b uint8
		if _, err := fmt.Sscanf(c, "#%02x%02x%02x", &r, &g, &b); err != nil || len(c) != 7 {
			t.Fatalf("colour %d = %q is not #rrggbb: %v", i, c, err)
		}
		if cr := contrastOnWhite(r, g, b); cr < 4.5 {
			t.Errorf("colour %d = %s has contrast %.2f on white", i, c, cr)
		}
		if seen[c] {
			t.Errorf("colour %d = %s repeats", i, c)
		}
		seen[c] = true
	}
	for n := 1; n < 64; n++ {
		p := Palette(n)
		for i := range p {
			if p[i] != big[i] {
				t.Fatalf("Palette(%d)[%d] = %s, Palette(64)[%d] = %s", n, i, p[i], i, big[i])
			}
		}
	}
	// Callers may change the returned slice without affecting later calls.
	p := Palette(2)
	p[0] = "#000000"
	if Palette(1)[0] == "#000000" {
		t.Errorf("Palette shares state between calls")
	}
}
