package gotrace

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/picture"
)

// checkPNG renders the picture at 2× and checks that it decodes to twice
// its size, with ink in it.
func checkPNG(tb testing.TB, p *picture.Picture) []byte {
	tb.Helper()
	b, err := p.PNG(2)
	if err != nil {
		tb.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("PNG does not decode: %v", err)
	}
	w, h := p.Size()
	if got := img.Bounds().Size(); got != (image.Point{2 * w, 2 * h}) {
		tb.Fatalf("PNG is %v, want %d × %d", got, 2*w, 2*h)
	}
	dark := 0
	for y := 0; y < 2*h; y++ {
		for x := 0; x < 2*w; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r+g+b < 3*0x6000 {
				dark++
			}
		}
	}
	if dark < 1000 {
		tb.Errorf("%d dark pixels: no text drawn", dark)
	}
	return b
}

// TestPNGOfSample draws the sample trace (with a system call strip, hatched)
// as PNG, and checks every text of it draws.
func TestPNGOfSample(t *testing.T) {
	f, err := os.Open("testdata/sample.dump")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr, err := ParseDump(f, Options{CellFile: "cell", Main: 1})
	if err != nil {
		t.Fatal(err)
	}
	p := tr.Picture()
	if !strings.Contains(p.SVG(), "<pattern") {
		t.Fatal("the sample has no hatched system call strip to draw")
	}
	b := checkPNG(t, p)
	t.Logf("SVG %d bytes, PNG %d bytes", len(p.SVG()), len(b))
	texts := []string{p.Title}
	for _, x := range p.Texts() {
		texts = append(texts, x.S)
	}
	if all := strings.Join(texts, "\n"); !strings.Contains(all, "·") || !strings.Contains(all, "—") {
		t.Errorf("the trace's texts lack · and —:\n%s", all)
	}
	bad, err := picture.Undrawable(texts...)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("trace texts the PNG cannot draw: %q", bad)
	}
}

// BenchmarkTenThousandGoroutinesPNG measures drawing the PNG of a trace of
// 10,000 goroutines (the most rects a trace picture has).
func BenchmarkTenThousandGoroutinesPNG(b *testing.B) {
	tr := load(b, tenThousand(b), Options{})
	p := tr.Picture()
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
