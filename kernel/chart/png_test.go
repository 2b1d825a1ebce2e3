package chart

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/picture"
)

// compareChart is a %%compare chart with every mark: second bars, dots,
// legend and warning.
func compareChart() BarChart {
	return BarChart{
		Title: "compare: median of 3 runs (interp)", Unit: "ms", XLabel: "median wall time (ms) and CPU time",
		Bars: []Bar{
			{Label: "sequential", Value: 200, Text: "200 ms · 1.00× speedup", Note: "sequential: hover",
				Second: 190, SecondText: "CPU 190 ms · 0.95 cores busy", Dots: []float64{180, 200, 260}},
			{Label: "parallel", Value: 100, Text: "100 ms · 2.00× speedup",
				Second: 195, SecondText: "CPU 195 ms · 1.95 cores busy", Dots: []float64{100, 110}},
		},
		ValueName: "median wall time", SecondName: "median CPU time (all cores)", DotsName: "each run's wall time",
		Warning: "2 warnings: see below the chart",
	}
}

// decodePNG renders p at 2× and checks that it decodes to twice the SVG's
// size.
func decodePNG(t *testing.T, p *picture.Picture, root node) image.Image {
	t.Helper()
	b, err := p.PNG(2)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	w, _ := strconv.Atoi(root.attr("width"))
	h, _ := strconv.Atoi(root.attr("height"))
	if got := img.Bounds().Size(); got.X != 2*w || got.Y != 2*h || w == 0 {
		t.Fatalf("PNG is %v, want twice the SVG's %s × %s", got, root.attr("width"), root.attr("height"))
	}
	return img
}

func hex(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return "#" + strconv.FormatUint(uint64(1<<24|(r>>8)<<16|(g>>8)<<8|b>>8), 16)[1:]
}

// dark counts the pixels of img darker than mid grey in the CSS box b.
func dark(img image.Image, b box) int {
	n := 0
	for y := int(b.y0 * 2); y < int(b.y1*2); y++ {
		for x := int(b.x0 * 2); x < int(b.x1*2); x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if (299*r+587*g+114*bl)/1000>>8 < 128 {
				n++
			}
		}
	}
	return n
}

// mark is a shape of a chart's SVG: where it is, the colour of its
// middle, and the point to look at.
type mark struct {
	kind  string
	area  box
	fill  string
	x, y  float64
	label string
}

// marks lists the shapes of an SVG in drawing order.
func marks(t *testing.T, root node) []mark {
	var ms []mark
	root.walk(func(n node) {
		switch n.XMLName.Local {
		case "rect":
			x, y, w, h := num(t, n, "x"), num(t, n, "y"), num(t, n, "width"), num(t, n, "height")
			ms = append(ms, mark{"rect", box{x, y, x + w, y + h}, n.attr("fill"), x + w/2, y + h/2, ""})
		case "circle":
			x, y, r := num(t, n, "cx"), num(t, n, "cy"), num(t, n, "r")
			ms = append(ms, mark{"circle", box{x - r, y - r, x + r, y + r}, n.attr("fill"), x, y, ""})
		case "text":
			if n.attr("transform") != "" || strings.TrimSpace(n.Text) == "" {
				return
			}
			b := textBox(t, n)
			ms = append(ms, mark{"text", box{b.x0 - 2, b.y0 - 2, b.x1 + 2, b.y1 + 2}, n.attr("fill"), 0, 0, n.Text})
			// The estimate errs wide: look in its left part, from
			// the baseline up to the x-height.
			size := num(t, n, "font-size")
			b.y1 = b.y0 + size
			b.y0 = b.y1 - size/2
			switch n.attr("text-anchor") {
			case "middle":
				cx := (b.x0 + b.x1) / 2
				b.x0, b.x1 = cx-size, cx+size
			case "end":
				b.x0 = b.x1 - 2*size
			default:
				b.x1 = b.x0 + 2*size
			}
			ms[len(ms)-1].area = b
		}
	})
	return ms
}

// TestPNGMatchesSVG draws charts both ways and checks the PNG has what
// the SVG has where the SVG has it: the colours of bars, second bars and
// markers at their middles, ink where the texts are.
func TestPNGMatchesSVG(t *testing.T) {
	for name, p := range map[string]*picture.Picture{
		"bar":  compareChart().Picture(),
		"line": speedupChart().Picture(),
	} {
		t.Run(name, func(t *testing.T) {
			root := checkSVG(t, p.SVG(), p.Title)
			img := decodePNG(t, p, root)
			ms := marks(t, root)
			covered := func(i int, x, y float64) bool {
				for _, m := range ms[i+1:] {
					if x >= m.area.x0 && x <= m.area.x1 && y >= m.area.y0 && y <= m.area.y1 {
						return true
					}
				}
				return false
			}
			checked := 0
			for i, m := range ms[1:] { // the background is under everything
				i++
				switch m.kind {
				case "rect", "circle":
					// White rings (single runs) may lie under the lines.
					if m.area.x1-m.area.x0 < 5 || m.area.y1-m.area.y0 < 5 || m.fill == background || covered(i, m.x, m.y) {
						continue
					}
					if got := hex(img.At(int(m.x*2), int(m.y*2))); got != m.fill && !(m.fill == "" && got == "#ffffff") {
						t.Errorf("%s %s at (%g, %g) is %s in the PNG", m.kind, m.fill, m.x, m.y, got)
					}
				case "text":
					if m.fill == secondFill { // lighter than mid grey
						continue
					}
					if dark(img, m.area) == 0 {
						t.Errorf("no ink for text %q in %+v", m.label, m.area)
					}
				}
				checked++
			}
			if checked < 20 {
				t.Errorf("checked only %d marks", checked)
			}
		})
	}
}

// TestChartTextsDrawable: every text of the charts the magics draw is in
// the PNG font, or drawn as a shape or an equivalent.
func TestChartTextsDrawable(t *testing.T) {
	var texts []string
	for _, p := range []*picture.Picture{compareChart().Picture(), speedupChart().Picture(),
		BarChart{Title: "µs", Unit: "µs", Bars: []Bar{{Label: "a", Value: 1e-3}}}.Picture()} {
		texts = append(texts, p.Title)
		for _, x := range p.Texts() {
			texts = append(texts, x.S)
		}
	}
	all := strings.Join(texts, " ")
	for _, want := range []string{"⚠", "×", "·", "µs"} {
		if !strings.Contains(all, want) {
			t.Errorf("the charts print no %q", want)
		}
	}
	bad, err := picture.Undrawable(texts...)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("chart texts the PNG cannot draw: %q", bad)
	}
}

func TestPNGEdgeCases(t *testing.T) {
	long := strings.Repeat("very long variant name ", 20)
	for name, p := range map[string]*picture.Picture{
		"empty bar":  BarChart{}.Picture(),
		"empty line": LineChart{}.Picture(),
		"non-finite": BarChart{Title: "nan", Bars: []Bar{{Label: "a", Value: math.NaN(), Text: "failed"}, {Label: "b", Value: math.Inf(1), Text: "∞"}}}.Picture(),
		"long":       BarChart{Title: long, XLabel: long, Bars: []Bar{{Label: long, Value: 1, Text: long}}}.Picture(),
		"bad utf8":   BarChart{Title: "bad \xff\x00", Bars: []Bar{{Label: "\x01\xfe", Value: 1, Text: "\x1b[0m"}}}.Picture(),
		"huge bars":  BarChart{Title: "huge", Bars: []Bar{{Label: "a", Value: 1e300}, {Label: "b", Value: math.MaxFloat64}}}.Picture(),
		"huge line":  LineChart{Title: "huge", Series: []Series{{Name: "a", X: []float64{1e300, 2e300}, Y: []float64{1e300, 1.7e308}, Labels: true}}}.Picture(),
	} {
		t.Run(name, func(t *testing.T) {
			want := p.Title
			if name == "bad utf8" {
				want = "bad \uFFFD\uFFFD"
			}
			root := checkSVG(t, p.SVG(), want)
			img := decodePNG(t, p, root)
			w, h := img.Bounds().Dx(), img.Bounds().Dy()
			if n := dark(img, box{0, 0, float64(w) / 2, float64(h) / 2}); n < 100 {
				t.Errorf("%d dark pixels: blank", n)
			}
		})
	}
}

func BenchmarkBarChartPNG(b *testing.B) {
	benchPNG(b, compareChart().Picture())
}

func BenchmarkLineChartPNG(b *testing.B) {
	benchPNG(b, speedupChart().Picture())
}

func benchPNG(b *testing.B, p *picture.Picture) {
	var out []byte
	for b.Loop() {
		var err error
		if out, err = p.PNG(2); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "png-bytes")
	b.ReportMetric(float64(len(p.SVG())), "svg-bytes")
}
