package picture

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strconv"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// PNG renders the picture as a PNG image of scale × its Size in pixels: 2
// draws it sharp on the screens that show a CSS pixel with two. Scale
// must make 72·scale a whole number (1, 1.5, 2, 3, ...).
func (p *Picture) PNG(scale float64) ([]byte, error) {
	img, err := p.Image(scale)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("picture: encode the PNG: %w", err)
	}
	return b.Bytes(), nil
}

// Image draws the picture on a white image of scale × its Size in pixels.
func (p *Picture) Image(scale float64) (image.Image, error) {
	dpi := 72 * scale
	if !(scale > 0) || dpi != math.Round(dpi) || dpi > 72*16 {
		return nil, fmt.Errorf("picture: scale %g is not one of 1, 1.5, 2, ... 16", scale)
	}
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	w, h := p.Size()
	// One point of the canvas is one CSS pixel: the canvas measures in
	// points (1/72 inch), and draws dpi/72 = scale pixels per point.
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(w), vg.Length(h)), vgimg.UseDPI(int(dpi)), vgimg.UseBackgroundColor(color.White))
	// vg's y grows up from the bottom; turn it to grow down from the top,
	// as in SVG.
	c.Translate(vg.Point{Y: vg.Length(h)})
	c.Scale(1, -1)
	r := rasterizer{c: c, fonts: fs, pic: p}
	if err := r.items(p.Items); err != nil {
		return nil, err
	}
	return c.Image(), nil
}

type rasterizer struct {
	c     *vgimg.Canvas
	fonts *fonts
	pic   *Picture
}

// parseColor reads "#rrggbb" (or "#rgb") with the opacity op; anything
// else, such as "" or "none", is nil: nothing is painted.
func parseColor(s string, op float64) color.Color {
	if len(s) == 4 && s[0] == '#' {
		s = string([]byte{'#', s[1], s[1], s[2], s[2], s[3], s[3]})
	}
	if len(s) != 7 || s[0] != '#' {
		return nil
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return nil
	}
	if !(op > 0) || op > 1 {
		op = 1
	}
	return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), uint8(math.Round(op * 255))}
}

func pt(x, y float64) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(y)} }

func (r *rasterizer) fill(p vg.Path, col color.Color) {
	if col == nil || len(p) == 0 {
		return
	}
	r.c.SetColor(col)
	r.c.Fill(p)
}

func (r *rasterizer) stroke(p vg.Path, col color.Color, width float64, dash []float64) {
	if col == nil || len(p) == 0 {
		return
	}
	if width <= 0 {
		width = 1
	}
	r.c.SetColor(col)
	r.c.SetLineWidth(vg.Length(width))
	ds := make([]vg.Length, len(dash))
	for i, d := range dash {
		ds[i] = vg.Length(d)
	}
	r.c.SetLineDash(ds, 0)
	r.c.Stroke(p)
}

func (r *rasterizer) paint(p vg.Path, pa Paint, fill color.Color) {
	r.fill(p, fill)
	r.stroke(p, parseColor(pa.Stroke, 1), pa.StrokeWidth, pa.Dash)
}

func (r *rasterizer) items(items []Item) error {
	for _, it := range items {
		switch v := it.(type) {
		case Rect:
			r.rect(v)
		case Line:
			var p vg.Path
			p.Move(pt(v.X1, v.Y1))
			p.Line(pt(v.X2, v.Y2))
			r.stroke(p, parseColor(v.Stroke, 1), v.Width, v.Dash)
		case Circle:
			if v.R <= 0 {
				continue
			}
			var p vg.Path
			p.Move(pt(v.CX+v.R, v.CY))
			p.Arc(pt(v.CX, v.CY), vg.Length(v.R), 0, 2*math.Pi)
			p.Close()
			r.paint(p, v.Paint, parseColor(v.Fill, v.FillOpacity))
		case Path:
			var p vg.Path
			for _, part := range v.Parts {
				for i, q := range part {
					if i == 0 {
						p.Move(pt(q.X, q.Y))
					} else {
						p.Line(pt(q.X, q.Y))
					}
				}
				if v.Closed && len(part) > 0 {
					p.Close()
				}
			}
			r.paint(p, v.Paint, parseColor(v.Fill, v.FillOpacity))
		case Text:
			if err := r.text(v); err != nil {
				return err
			}
		case Group:
			r.c.Push()
			r.c.Translate(pt(v.DX, v.DY))
			err := r.items(v.Items)
			r.c.Pop()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// rectPath is the outline of a rectangle with corners rounded by rad.
func rectPath(x, y, w, h, rad float64) vg.Path {
	var p vg.Path
	rad = math.Min(rad, math.Min(w, h)/2)
	if rad <= 0 {
		p.Move(pt(x, y))
		p.Line(pt(x+w, y))
		p.Line(pt(x+w, y+h))
		p.Line(pt(x, y+h))
		p.Close()
		return p
	}
	// Quarter circles as cubic Béziers: k is the control distance.
	k := rad * 0.5523
	x1, y1 := x+w, y+h
	p.Move(pt(x+rad, y))
	p.Line(pt(x1-rad, y))
	p.CubeTo(pt(x1-rad+k, y), pt(x1, y+rad-k), pt(x1, y+rad))
	p.Line(pt(x1, y1-rad))
	p.CubeTo(pt(x1, y1-rad+k), pt(x1-rad+k, y1), pt(x1-rad, y1))
	p.Line(pt(x+rad, y1))
	p.CubeTo(pt(x+rad-k, y1), pt(x, y1-rad+k), pt(x, y1-rad))
	p.Line(pt(x, y+rad))
	p.CubeTo(pt(x, y+rad-k), pt(x+rad-k, y), pt(x+rad, y))
	p.Close()
	return p
}

func (r *rasterizer) rect(v Rect) {
	if !(v.W > 0) || !(v.H > 0) {
		return
	}
	p := rectPath(v.X, v.Y, v.W, v.H, v.Radius)
	if v.Hatch {
		r.fill(hatch(v.X, v.Y, v.W, v.H), parseColor(v.Fill, v.FillOpacity))
		r.stroke(p, parseColor(v.Stroke, 1), v.StrokeWidth, v.Dash)
		return
	}
	r.paint(p, v.Paint, parseColor(v.Fill, v.FillOpacity))
}

// hatch is the stripes inside a rectangle that the SVG's hatch pattern
// draws: 2 px wide, 4 px apart, at 45°, counted from the origin, so that
// the stripes of neighbouring rectangles line up.
func hatch(x, y, w, h float64) vg.Path {
	const period, width = 4.0, 2.0
	// u is the distance along the stripes' normal, (1, 1)/√2.
	u := func(px, py float64) float64 { return (px + py) / math.Sqrt2 }
	lo, hi := u(x, y), u(x+w, y+h)
	quad := []Point{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}}
	var p vg.Path
	for k := math.Floor(lo / period); k*period < hi; k++ {
		a, b := k*period, k*period+width
		poly := clip(clip(quad, func(q Point) float64 { return u(q.X, q.Y) - a }),
			func(q Point) float64 { return b - u(q.X, q.Y) })
		for i, q := range poly {
			if i == 0 {
				p.Move(pt(q.X, q.Y))
			} else {
				p.Line(pt(q.X, q.Y))
			}
		}
		if len(poly) > 0 {
			p.Close()
		}
	}
	return p
}

// clip keeps the part of a convex polygon where side ≥ 0 (Sutherland and
// Hodgman's algorithm, for one edge).
func clip(poly []Point, side func(Point) float64) []Point {
	var out []Point
	for i, a := range poly {
		b := poly[(i+1)%len(poly)]
		sa, sb := side(a), side(b)
		if sa >= 0 {
			out = append(out, a)
		}
		if (sa >= 0) != (sb >= 0) {
			t := sa / (sa - sb)
			out = append(out, Point{a.X + t*(b.X-a.X), a.Y + t*(b.Y-a.Y)})
		}
	}
	return out
}

// text draws a text from the outlines of its glyphs, over its halo.
func (r *rasterizer) text(t Text) error {
	size := t.Size
	if size <= 0 {
		size = r.pic.FontSize
	}
	if size <= 0 {
		size = 16 // the browsers' default
	}
	fill := t.Fill
	if fill == "" {
		fill = r.pic.TextFill
	}
	col := parseColor(fill, 1)
	if col == nil {
		col = color.Black
	}
	glyphs, width, err := r.fonts.layout(t.S, t.Bold, size)
	if err != nil {
		return err
	}
	x0 := 0.0
	switch t.Anchor {
	case Middle:
		x0 = -width / 2
	case End:
		x0 = -width
	}
	var p vg.Path
	for _, g := range glyphs {
		glyphPath(&p, g, x0)
	}
	if len(p) == 0 {
		return nil
	}
	r.c.Push()
	r.c.Translate(pt(t.X, t.Y))
	if t.Vertical {
		r.c.Rotate(-math.Pi / 2)
	}
	if t.Halo {
		r.stroke(p, color.White, 3, nil)
	}
	r.fill(p, col)
	r.c.Pop()
	return nil
}

// glyphPath adds the outline of a placed glyph, moved right by dx, to p.
func glyphPath(p *vg.Path, g placed, dx float64) {
	ox := dx + g.x
	if g.g.shape != noShape {
		fills, holes := shapeOutline(g.g.shape)
		for _, set := range []struct {
			polys [][]Point
			cw    bool
		}{{fills, true}, {holes, false}} {
			for _, poly := range set.polys {
				for i, q := range winding(poly, set.cw) {
					at := pt(ox+q.X*g.size, q.Y*g.size)
					if i == 0 {
						p.Move(at)
					} else {
						p.Line(at)
					}
				}
				p.Close()
			}
		}
		return
	}
	fx := func(v fixed.Point26_6) vg.Point { return pt(ox+float64(v.X)/64, float64(v.Y)/64) }
	open := false
	for _, s := range g.g.outline {
		switch s.Op {
		case sfnt.SegmentOpMoveTo:
			if open {
				p.Close()
			}
			p.Move(fx(s.Args[0]))
			open = true
		case sfnt.SegmentOpLineTo:
			p.Line(fx(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			p.QuadTo(fx(s.Args[0]), fx(s.Args[1]))
		case sfnt.SegmentOpCubeTo:
			p.CubeTo(fx(s.Args[0]), fx(s.Args[1]), fx(s.Args[2]))
		}
	}
	if open {
		p.Close()
	}
}
