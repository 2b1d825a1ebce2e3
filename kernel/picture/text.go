package picture

import (
	"fmt"
	"math"
	"unicode"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// shape is a character drawn as a shape, for one the font lacks.
type shape int

const (
	noShape shape = iota
	warningSign
	checkMark
	crossMark
)

// shapeOf is the shape that draws r, a character the font lacks, or
// noShape.
func shapeOf(r rune) shape {
	switch r {
	case '⚠':
		return warningSign
	case '✓', '✔':
		return checkMark
	case '✗', '✘', '✕', '✖':
		return crossMark
	}
	return noShape
}

// equivalent is a character of the font that reads as r, a character it
// lacks: ok is false if there is none, and e is 0 for r that draw nothing.
func equivalent(r rune) (e rune, ok bool) {
	switch r {
	case '\uFFFD': // what an invalid byte decodes to
		return '?', true
	case '★', '☆':
		return '*', true
	case '◆':
		return '♦', true
	case '◇':
		return '◊', true
	case '⇒', '⟶':
		return '→', true
	case '⟵':
		return '←', true
	case '⩽':
		return '≤', true
	case '⩾':
		return '≥', true
	case '\u2011': // non-breaking hyphen
		return '-', true
	case '\u2060', '\uFEFF': // zero width
		return 0, true
	}
	return 0, false
}

// fallback stands for any other character the font lacks.
const fallback = '?'

// fonts are Liberation Sans regular and bold, with the glyphs loaded so far.
type fonts struct {
	regular, bold *sfnt.Font
	buf           sfnt.Buffer
	glyphs        map[glyphKey]*glyph
}

type glyphKey struct {
	r    rune
	bold bool
	size float64
}

// glyph is how a character is drawn at a size: the outline of a glyph of
// the font, or a shape, and how far it moves the pen.
type glyph struct {
	idx     sfnt.GlyphIndex
	outline sfnt.Segments // in px, y down, from the pen on the baseline
	shape   shape
	advance float64
}

func loadFonts() (*fonts, error) {
	regular, err := sfnt.Parse(liberationsansregular.TTF)
	if err != nil {
		return nil, fmt.Errorf("picture: read Liberation Sans: %w", err)
	}
	bold, err := sfnt.Parse(liberationsansbold.TTF)
	if err != nil {
		return nil, fmt.Errorf("picture: read Liberation Sans Bold: %w", err)
	}
	return &fonts{regular: regular, bold: bold, glyphs: map[glyphKey]*glyph{}}, nil
}

// has reports whether the font has a glyph for r.
func (fs *fonts) has(f *sfnt.Font, r rune) bool {
	i, err := f.GlyphIndex(&fs.buf, r)
	return err == nil && i != 0
}

// resolve is what draws r: r itself when the font has it, else a shape,
// an equivalent, nothing (for spaces the font lacks, zero-width
// characters and marks), or the fallback. ok is false for the fallback.
func (fs *fonts) resolve(f *sfnt.Font, r rune) (out rune, sh shape, ok bool) {
	if fs.has(f, r) {
		return r, noShape, true
	}
	if sh := shapeOf(r); sh != noShape {
		return r, sh, true
	}
	if e, found := equivalent(r); found {
		if e == 0 || fs.has(f, e) {
			return e, noShape, true
		}
	}
	switch {
	case unicode.IsSpace(r):
		return ' ', noShape, true
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Cf, r) || unicode.IsControl(r):
		return 0, noShape, true
	}
	return fallback, noShape, false
}

func (fs *fonts) face(bold bool) *sfnt.Font {
	if bold {
		return fs.bold
	}
	return fs.regular
}

// glyph returns how r is drawn at size, nil for nothing.
func (fs *fonts) glyph(r rune, bold bool, size float64) (*glyph, error) {
	key := glyphKey{r, bold, size}
	if g, ok := fs.glyphs[key]; ok {
		return g, nil
	}
	f := fs.face(bold)
	out, sh, _ := fs.resolve(f, r)
	var g *glyph
	switch {
	case sh != noShape:
		g = &glyph{shape: sh, advance: shapeAdvance(sh) * size}
	case out != 0:
		ppem := fixed.Int26_6(math.Round(size * 64))
		idx, err := f.GlyphIndex(&fs.buf, out)
		if err != nil {
			return nil, fmt.Errorf("picture: glyph of %q: %w", out, err)
		}
		adv, err := f.GlyphAdvance(&fs.buf, idx, ppem, font.HintingNone)
		if err != nil {
			return nil, fmt.Errorf("picture: advance of %q: %w", out, err)
		}
		segs, err := f.LoadGlyph(&fs.buf, idx, ppem, nil)
		if err != nil {
			return nil, fmt.Errorf("picture: outline of %q: %w", out, err)
		}
		g = &glyph{idx: idx, outline: append(sfnt.Segments(nil), segs...), advance: float64(adv) / 64}
	}
	fs.glyphs[key] = g
	return g, nil
}

// kern is the kerning between two glyphs of the font at size, in px.
func (fs *fonts) kern(bold bool, a, b *glyph, size float64) float64 {
	if a == nil || b == nil || a.shape != noShape || b.shape != noShape {
		return 0
	}
	k, err := fs.face(bold).Kern(&fs.buf, a.idx, b.idx, fixed.Int26_6(math.Round(size*64)), font.HintingNone)
	if err != nil {
		return 0 // no kerning table, or no pair
	}
	return float64(k) / 64
}

// placed is a glyph at its pen position.
type placed struct {
	g    *glyph
	x    float64
	size float64
}

// layout places the characters of s from x = 0 and returns them with the
// width of the text.
func (fs *fonts) layout(s string, bold bool, size float64) ([]placed, float64, error) {
	var out []placed
	x := 0.0
	var prev *glyph
	for _, r := range s {
		g, err := fs.glyph(r, bold, size)
		if err != nil {
			return nil, 0, err
		}
		if g == nil {
			continue
		}
		x += fs.kern(bold, prev, g, size)
		out = append(out, placed{g, x, size})
		x += g.advance
		prev = g
	}
	return out, x, nil
}

// Undrawable returns the characters of the texts that the PNG cannot draw:
// those the font lacks and that have no shape or equivalent. Each is drawn
// as a question mark.
func Undrawable(texts ...string) ([]rune, error) {
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	seen := map[rune]bool{}
	var out []rune
	for _, s := range texts {
		for _, r := range s {
			if seen[r] {
				continue
			}
			seen[r] = true
			for _, f := range []*sfnt.Font{fs.regular, fs.bold} {
				if _, _, ok := fs.resolve(f, r); !ok {
					out = append(out, r)
					break
				}
			}
		}
	}
	return out, nil
}

// shapeAdvance is how far a shape moves the pen, in ems.
func shapeAdvance(s shape) float64 {
	if s == warningSign {
		return 1.0
	}
	return 0.85
}

// shapeOutline is the outline of a shape in ems from the pen on the
// baseline, y down: polygons to fill, and holes to leave out of them.
func shapeOutline(s shape) (fills, holes [][]Point) {
	switch s {
	case warningSign:
		// A triangle with the exclamation mark cut out of it.
		return [][]Point{{{0.5, -0.80}, {0.97, 0.02}, {0.03, 0.02}}},
			[][]Point{
				{{0.445, -0.54}, {0.555, -0.54}, {0.53, -0.20}, {0.47, -0.20}},
				{{0.445, -0.14}, {0.555, -0.14}, {0.555, -0.05}, {0.445, -0.05}},
			}
	case checkMark:
		return [][]Point{{{0.06, -0.36}, {0.17, -0.47}, {0.33, -0.30}, {0.70, -0.72}, {0.81, -0.61}, {0.33, -0.07}}}, nil
	case crossMark:
		return [][]Point{
			{{0.10, -0.62}, {0.20, -0.72}, {0.75, -0.17}, {0.65, -0.07}},
			{{0.65, -0.72}, {0.75, -0.62}, {0.20, -0.07}, {0.10, -0.17}},
		}, nil
	}
	return nil, nil
}

// winding orients a polygon: clockwise on screen (y down) if cw, else
// anticlockwise. Filled with the nonzero rule, polygons of one winding
// add up and those of the other cut holes in them.
func winding(ps []Point, cw bool) []Point {
	area := 0.0
	for i, p := range ps {
		q := ps[(i+1)%len(ps)]
		area += p.X*q.Y - q.X*p.Y
	}
	if (area > 0) == cw {
		return ps
	}
	out := make([]Point, len(ps))
	for i, p := range ps {
		out[len(ps)-1-i] = p
	}
	return out
}
