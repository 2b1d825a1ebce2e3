package picture

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sample has one of every kind of item, with text that needs escaping and
// characters the font lacks.
func sample() *Picture {
	p := &Picture{Width: 320, Height: 180, Title: `sample <"chart"> & co`, FontFamily: "'Noto Sans', sans-serif"}
	p.Add(
		Rect{X: 0.5, Y: 0.5, W: 319, H: 179, Radius: 6, Paint: Paint{Fill: "#ffffff", Stroke: "#d0d7de"}},
		Group{Class: "warning", Items: []Item{
			Rect{X: 10, Y: 10, W: 300, H: 24, Radius: 4, Paint: Paint{Fill: "#fff8c5", Stroke: "#d4a72c"}},
			Text{X: 18, Y: 26.5, Size: 13, Fill: "#7d4e00", Bold: true, S: "⚠ 2 warnings ✓ ✗"},
		}},
		Group{Class: "bar", Title: "a bar: 1.21 s · 3.9×", Items: []Item{
			Rect{X: 40, Y: 44, W: 120, H: 20, Radius: 2, Paint: Paint{Fill: "#0969da"}},
			Text{X: 34, Y: 58, Size: 13, Anchor: End, Fill: "#1f2328", S: "a"},
			Circle{Class: "dot", CX: 150, CY: 54, R: 3.5, Paint: Paint{Fill: "#ffffff", Stroke: "#1f2328", StrokeWidth: 1.25}, Title: "1.2 s"},
			Text{X: 166, Y: 58, Size: 12, Fill: "#1f2328", S: "1.21 s · 3.9× ≈ 4 µs → …", Halo: true},
		}},
		Group{DY: 70, Items: []Item{
			Rect{X: 40, W: 200, H: 12, Hatch: true, Paint: Paint{Fill: "#8250df"}, Title: "in a system call"},
			Rect{X: 240, W: 40, H: 12, Paint: Paint{Fill: "#2da44e", FillOpacity: 0.55}},
		}},
		Line{X1: 40, Y1: 96, X2: 300, Y2: 96, Stroke: "#cf222e", Width: 2, Dash: []float64{6, 4}, Class: "ideal"},
		Path{Parts: [][]Point{{{40, 150}, {100, 110}, {160, 130}}, {{200, 120}, {260, 110}}}, Paint: Paint{Stroke: "#0969da", StrokeWidth: 2, RoundJoin: true}},
		Path{Parts: [][]Point{{{180, 170}, {220, 140}, {260, 170}}}, Closed: true, Paint: Paint{Fill: "#d65c5c"}, Title: "blocked"},
		Text{X: 20, Y: 160, Size: 12, Anchor: Middle, Fill: "#1f2328", S: "speedup (×)", Vertical: true},
		Text{X: 310, Y: 172, Size: 11, Anchor: End, Fill: "#59636e", S: "中 − 0.5"},
	)
	return p
}

func TestSVGGolden(t *testing.T) {
	got := sample().SVG()
	golden := filepath.Join("testdata", "sample.svg")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("SVG differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
}

func TestSVGWellFormed(t *testing.T) {
	s := sample().SVG()
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	var names []string
	titles := map[string]bool{}
	inTitle := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, s)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			names = append(names, e.Name.Local)
			inTitle = e.Name.Local == "title"
		case xml.CharData:
			if inTitle {
				titles[string(e)] = true
			}
		case xml.EndElement:
			inTitle = false
		}
	}
	if len(names) < 2 || names[0] != "svg" || names[1] != "title" {
		t.Errorf("elements start %v, want svg, title", names[:min(len(names), 2)])
	}
	for _, want := range []string{`sample <"chart"> & co`, "a bar: 1.21 s · 3.9×", "1.2 s", "in a system call", "blocked"} {
		if !titles[want] {
			t.Errorf("no <title> %q; titles: %v", want, titles)
		}
	}
	// The hatch pattern has an id of this picture, and the rect uses it.
	i := strings.Index(s, `<pattern id="`)
	if i < 0 {
		t.Fatal("no hatch pattern")
	}
	id := s[i+len(`<pattern id="`):]
	id = id[:strings.IndexByte(id, '"')]
	if !strings.HasPrefix(id, "p") || !strings.Contains(s, `fill="url(#`+id+`)"`) || strings.Contains(s, idMark) {
		t.Errorf("pattern id %q is not used, or the placeholder is left", id)
	}
	other := sample()
	other.Title = "another"
	if strings.Contains(other.SVG(), id) {
		t.Errorf("two pictures share the pattern id %q", id)
	}
}

// decode checks that b is a PNG of w × h pixels and returns it.
func decode(t *testing.T, b []byte, w, h int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{w, h}) {
		t.Fatalf("PNG is %v, want %d × %d", got, w, h)
	}
	return img
}

// ink counts the pixels in r (in CSS px at scale) darker than light grey.
func ink(img image.Image, r image.Rectangle, scale int) int {
	n := 0
	for y := r.Min.Y * scale; y < r.Max.Y*scale; y++ {
		for x := r.Min.X * scale; x < r.Max.X*scale; x++ {
			if lum(img.At(x, y)) < 160 {
				n++
			}
		}
	}
	return n
}

func lum(c color.Color) int {
	r, g, b, _ := c.RGBA()
	return int((299*r + 587*g + 114*b) / 1000 >> 8)
}

func rgb(c color.Color) [3]int {
	r, g, b, _ := c.RGBA()
	return [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
}

func near(a, b [3]int, tol int) bool {
	for i := range a {
		if d := a[i] - b[i]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

func TestPNG(t *testing.T) {
	p := sample()
	b, err := p.PNG(2)
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, b, 640, 360)
	if _, ok := img.(*image.Paletted); !ok {
		t.Errorf("PNG decodes to %T, want a paletted image", img)
	}
	at := func(x, y float64) [3]int { return rgb(img.At(int(x*2), int(y*2))) }
	for _, c := range []struct {
		x, y float64
		want [3]int
		what string
	}{
		{5, 170, [3]int{255, 255, 255}, "white background"},
		{100, 54, [3]int{0x09, 0x69, 0xda}, "bar fill"},
		{300, 20, [3]int{0xff, 0xf8, 0xc5}, "warning band"},
		{260, 76, [3]int{0xff - (0xff-0x2d)*55/100, 0xff - (0xff-0xa4)*55/100, 0xff - (0xff-0x4e)*55/100}, "55% opaque green over white"},
		{220, 160, [3]int{0xd6, 0x5c, 0x5c}, "closed path fill"},
		{0.3, 90, [3]int{0xd0, 0xd7, 0xde}, "border"},
	} {
		if got := at(c.x, c.y); !near(got, c.want, 3) {
			t.Errorf("%s at (%g, %g) is %v, want %v", c.what, c.x, c.y, got, c.want)
		}
	}
	// The hatch has stripes: both its colour and the white between.
	purple, white := 0, 0
	for x := 40 * 2; x < 240*2; x++ {
		switch c := rgb(img.At(x, 76*2)); {
		case near(c, [3]int{0x82, 0x50, 0xdf}, 8):
			purple++
		case near(c, [3]int{255, 255, 255}, 8):
			white++
		}
	}
	if purple < 100 || white < 100 {
		t.Errorf("hatch row has %d purple and %d white pixels, want stripes of both", purple, white)
	}
	// Text is drawn: ink where the labels are, none in empty space.
	for _, r := range []struct {
		box  image.Rectangle
		what string
	}{
		{image.Rect(18, 14, 160, 30), "warning text"},
		{image.Rect(26, 46, 34, 60), "right-anchored bar label"},
		{image.Rect(166, 48, 300, 60), "text with halo"},
		{image.Rect(12, 120, 22, 170), "vertical text"},
		{image.Rect(250, 162, 310, 174), "end-anchored text"},
	} {
		if n := ink(img, r.box, 2); n < 40 {
			t.Errorf("%s: %d dark pixels in %v, want text", r.what, n, r.box)
		}
	}
	if n := ink(img, image.Rect(60, 100, 150, 108), 2); n != 0 {
		t.Errorf("%d dark pixels in empty space", n)
	}
	// The vertical text reads upwards: it is taller than wide.
	if w, h := extent(img, image.Rect(2, 100, 30, 178), 2); h < 3*w {
		t.Errorf("vertical text is %d × %d px, want it upright", w, h)
	}
	// The halo is white around the text over the bar... and the text
	// to the right of the dot stays readable over the grid line.
	if n := ink(img, image.Rect(166, 46, 300, 49), 2); n != 0 {
		t.Errorf("%d dark pixels above the haloed text", n)
	}
}

// extent is the width and height in pixels of the dark pixels in r.
func extent(img image.Image, r image.Rectangle, scale int) (w, h int) {
	x0, y0, x1, y1 := 1<<30, 1<<30, -1, -1
	for y := r.Min.Y * scale; y < r.Max.Y*scale; y++ {
		for x := r.Min.X * scale; x < r.Max.X*scale; x++ {
			if lum(img.At(x, y)) < 160 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
		}
	}
	if x1 < 0 {
		return 0, 0
	}
	return x1 - x0 + 1, y1 - y0 + 1
}

func TestPNGScale(t *testing.T) {
	p := &Picture{Width: 100.2, Height: 40, Title: "t"}
	p.Add(Text{X: 10, Y: 20, Size: 12, S: "x"})
	for _, c := range []struct {
		scale float64
		w, h  int
	}{{1, 101, 40}, {1.5, 152, 60}, {2, 202, 80}} {
		b, err := p.PNG(c.scale)
		if err != nil {
			t.Fatal(err)
		}
		decode(t, b, c.w, c.h)
	}
	if _, err := p.PNG(1.3); err == nil {
		t.Error("scale 1.3 (93.6 dpi) accepted")
	}
	if w, h := (&Picture{}).Size(); w != 1 || h != 1 {
		t.Errorf("empty picture is %d × %d, want 1 × 1", w, h)
	}
}

// TestMissingGlyphs: the characters the charts print that Liberation Sans
// lacks draw as shapes or equivalents; others draw as a question mark,
// never as the font's missing-glyph box.
func TestMissingGlyphs(t *testing.T) {
	bad, err := Undrawable("⚠ ✓ ✔ ✗ × µs ≈ → … − — · ± ° \uFFFD \u200b\u2060\t")
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 0 {
		t.Errorf("undrawable: %q", bad)
	}
	bad, _ = Undrawable("a中b😀")
	if string(bad) != "中😀" {
		t.Errorf("Undrawable(a中b😀) = %q, want 中😀", bad)
	}
	fs, err := loadFonts()
	if err != nil {
		t.Fatal(err)
	}
	// Every shape and equivalent is needed (the font lacks the
	// character), and every equivalent is in the font.
	n := 0
	for _, block := range [][2]rune{{0, 0x2fff}, {0xfe00, 0xffff}} {
		for r := block[0]; r <= block[1]; r++ {
			if shapeOf(r) != noShape {
				n++
				if fs.has(fs.regular, r) || fs.has(fs.bold, r) {
					t.Errorf("%q has a shape but the font has it", r)
				}
			}
			if e, ok := equivalent(r); ok {
				n++
				if fs.has(fs.regular, r) || fs.has(fs.bold, r) {
					t.Errorf("%q has an equivalent but the font has it", r)
				}
				if e != 0 && (!fs.has(fs.regular, e) || !fs.has(fs.bold, e)) {
					t.Errorf("the equivalent %q of %q is not in the font", e, r)
				}
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d characters have shapes or equivalents", n)
	}
	// A missing character is drawn as '?': the same pixels.
	draw := func(s string) []byte {
		p := &Picture{Width: 40, Height: 20}
		p.Add(Text{X: 4, Y: 15, Size: 12, S: s})
		img, err := p.Image(2)
		if err != nil {
			t.Fatal(err)
		}
		return img.Pix
	}
	if !bytes.Equal(draw("中"), draw("?")) {
		t.Error("中 is not drawn as ?")
	}
	// The shapes draw ink inside their advance, and differently.
	sign, check := draw("⚠"), draw("✓")
	if bytes.Equal(sign, draw(" ")) || bytes.Equal(sign, check) || bytes.Equal(sign, draw("?")) {
		t.Error("⚠ is not drawn as a shape of its own")
	}
}

// TestPNGFarAndBadCoordinates: shapes far outside the canvas or at
// non-finite places are clipped or left out, quickly, and what is in view
// of them is drawn where it belongs.
func TestPNGFarAndBadCoordinates(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	p := &Picture{Width: 100, Height: 100}
	p.Add(
		Line{X1: 0, Y1: 0, X2: 1e300, Y2: 1e300, Stroke: "#000000", Width: 2},
		Line{X1: nan, Y1: 0, X2: 50, Y2: 50, Stroke: "#000000"},
		Path{Parts: [][]Point{{{-1e300, 90}, {1e300, 90}}, {{0, inf}, {5, 5}}}, Paint: Paint{Stroke: "#000000", StrokeWidth: 2}},
		Path{Parts: [][]Point{{{-1e300, -1e300}, {1e300, -1e300}, {1e300, 20}, {-1e300, 20}}}, Closed: true, Paint: Paint{Fill: "#0000ff"}},
		Rect{X: -1e300, Y: 30, W: 2e300, H: 10, Radius: 3, Paint: Paint{Fill: "#ff0000"}},
		Rect{X: nan, Y: 30, W: 10, H: 10, Paint: Paint{Fill: "#00ff00"}},
		Circle{CX: 1e300, CY: 50, R: 1e300, Paint: Paint{Fill: "#00ff00"}},
		Circle{CX: 50, CY: 50, R: inf, Paint: Paint{Fill: "#00ff00"}},
		Text{X: 1e300, Y: 50, Size: 12, S: "far"},
		Text{X: 50, Y: 50, Size: 1e300, S: "huge"},
		Text{X: nan, Y: 50, Size: 12, S: "nan"},
		Line{X1: 0, Y1: 70, X2: 100, Y2: 70, Stroke: "#00ff00", Dash: []float64{0, 0}},
		Line{X1: 0, Y1: 70, X2: 100, Y2: 70, Stroke: "#00ff00", Dash: []float64{-1, 2}},
		Line{X1: 0, Y1: 70, X2: 100, Y2: 70, Stroke: "#00ff00", Width: nan},
		Line{X1: 0, Y1: 20, X2: 100, Y2: 20, Stroke: "#00ff00", Width: 1e300},
		Group{DX: inf, Items: []Item{Rect{W: 100, H: 100, Paint: Paint{Fill: "#00ff00"}}}},
		Group{DY: 1e300, Items: []Item{Rect{Y: -1e300, W: 100, H: 100, Paint: Paint{Fill: "#00ff00"}}}},
	)
	img, err := p.Image(1)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		x, y int
		want [3]int
	}{
		{15, 5, [3]int{0, 0, 255}},  // the band's fill
		{60, 60, [3]int{0, 0, 0}},   // the diagonal, clipped with its slope
		{30, 90, [3]int{0, 0, 0}},   // the horizontal path
		{50, 35, [3]int{255, 0, 0}}, // the wide rect
		{80, 50, [3]int{255, 255, 255}},
		{80, 70, [3]int{0, 255, 0}}, // solid: the bad dashes are ignored
	} {
		if got := rgb(img.At(c.x, c.y)); !near(got, c.want, 40) {
			t.Errorf("(%d, %d) is %v, want %v", c.x, c.y, got, c.want)
		}
	}
}

func TestMapText(t *testing.T) {
	p := sample()
	p.MapText(strings.ToUpper)
	s := p.SVG()
	for _, want := range []string{"<title>SAMPLE &lt;&#34;CHART&#34;&gt; &amp; CO</title>", "<title>BLOCKED</title>", ">SPEEDUP (×)</text>", "<title>A BAR: 1.21 S · 3.9×</title>"} {
		if !strings.Contains(s, want) {
			t.Errorf("mapped SVG lacks %q", want)
		}
	}
	var texts []string
	for _, x := range p.Texts() {
		texts = append(texts, x.S)
	}
	if got := strings.Join(texts, "|"); !strings.Contains(got, "⚠ 2 WARNINGS ✓ ✗|A|") {
		t.Errorf("Texts = %q", got)
	}
}

func TestPaletted(t *testing.T) {
	// Few colours: kept exactly.
	img := image.NewRGBA(image.Rect(0, 0, 20, 10))
	for x := range 20 {
		for y := range 10 {
			img.Set(x, y, color.RGBA{uint8(x * 8), 0, uint8(y), 255})
		}
	}
	p := paletted(img)
	for x := range 20 {
		for y := range 10 {
			if rgb(p.At(x, y)) != rgb(img.At(x, y)) {
				t.Fatalf("(%d, %d) is %v, want %v", x, y, rgb(p.At(x, y)), rgb(img.At(x, y)))
			}
		}
	}
	// Many colours: at most 256, each pixel near its own, and a colour
	// covering much of the image is exact.
	img = image.NewRGBA(image.Rect(0, 0, 256, 64))
	for x := range 256 {
		for y := range 64 {
			c := color.RGBA{uint8(x), uint8(y * 4), 128, 255}
			if x < 128 {
				c = color.RGBA{9, 105, 218, 255}
			}
			img.Set(x, y, c)
		}
	}
	p = paletted(img)
	if len(p.Palette) > 256 {
		t.Errorf("%d colours", len(p.Palette))
	}
	for x := range 256 {
		for y := range 64 {
			tol := 24
			if x < 128 {
				tol = 0
			}
			if !near(rgb(p.At(x, y)), rgb(img.At(x, y)), tol) {
				t.Fatalf("(%d, %d) is %v, want %v", x, y, rgb(p.At(x, y)), rgb(img.At(x, y)))
			}
		}
	}
}

func BenchmarkSamplePNG(b *testing.B) {
	p := sample()
	var out []byte
	for b.Loop() {
		var err error
		if out, err = p.PNG(2); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "png-bytes")
}
