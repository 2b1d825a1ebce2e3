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
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&b, paletted(img)); err != nil {
		return nil, fmt.Errorf("picture: encode the PNG: %w", err)
	}
	return b.Bytes(), nil
}

// Image draws the picture on a white image of scale × its Size in pixels.
func (p *Picture) Image(scale float64) (*image.RGBA, error) {
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
	// Shapes are clipped to the canvas with a margin: the rasterizer
	// would take forever over a line to a point at 1e300.
	r := rasterizer{c: c, fonts: fs, pic: p, view: box{-margin, -margin, float64(w) + margin, float64(h) + margin}}
	if err := r.items(p.Items); err != nil {
		return nil, err
	}
	img, ok := c.Image().(*image.RGBA)
	if !ok {
		return nil, fmt.Errorf("picture: the canvas draws on a %T, not an *image.RGBA", c.Image())
	}
	return img, nil
}

type rasterizer struct {
	c      *vgimg.Canvas
	fonts  *fonts
	pic    *Picture
	view   box     // what is drawn, in the picture's coordinates
	dx, dy float64 // where the current group is moved to
}

// margin is how far outside the canvas shapes are kept, so that clipping
// leaves no trace of its edges (strokes, halos) on the canvas.
const margin = 16

// box is a rectangle: x0 ≤ x ≤ x1, y0 ≤ y ≤ y1.
type box struct{ x0, y0, x1, y1 float64 }

// local is the view in the current group's coordinates.
func (r *rasterizer) local() box {
	return box{r.view.x0 - r.dx, r.view.y0 - r.dy, r.view.x1 - r.dx, r.view.y1 - r.dy}
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// clipSegment is the part of the segment from a to b inside v (Liang and
// Barsky's algorithm); ok is false when none is. An end moved to an edge
// of v is put exactly on it: from a point at 1e300, a + t·(b - a) would
// lose the digits that matter.
func clipSegment(a, b Point, v box) (Point, Point, bool) {
	if !finite(a.X, a.Y, b.X, b.Y) {
		return a, b, false
	}
	t0, t1 := 0.0, 1.0
	e0, e1 := -1, -1 // the edges the ends were moved to
	dx, dy := b.X-a.X, b.Y-a.Y
	edges := [4]float64{v.x0, v.x1, v.y0, v.y1}
	for i, e := range [4][2]float64{{-dx, a.X - v.x0}, {dx, v.x1 - a.X}, {-dy, a.Y - v.y0}, {dy, v.y1 - a.Y}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return a, b, false
			}
			continue
		}
		t := q / p
		if p < 0 && t > t0 {
			t0, e0 = t, i
		} else if p > 0 && t < t1 {
			t1, e1 = t, i
		}
		if t0 > t1 {
			return a, b, false
		}
	}
	at := func(t float64, edge int, end Point) Point {
		if edge < 0 {
			return end
		}
		q := Point{a.X + t*dx, a.Y + t*dy}
		if edge < 2 {
			q.X = edges[edge]
		} else {
			q.Y = edges[edge]
		}
		return q
	}
	return at(t0, e0, a), at(t1, e1, b), true
}

// clipPolyline is the parts of a polyline inside v.
func clipPolyline(ps []Point, v box) [][]Point {
	var out [][]Point
	var cur []Point
	for i := 1; i < len(ps); i++ {
		a, b, ok := clipSegment(ps[i-1], ps[i], v)
		if !ok {
			if len(cur) > 0 {
				out, cur = append(out, cur), nil
			}
			continue
		}
		if len(cur) == 0 || cur[len(cur)-1] != a {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = []Point{a}
		}
		cur = append(cur, b)
		if b != ps[i] { // left the view
			out, cur = append(out, cur), nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// clipPolygon is the part of a polygon inside v (Sutherland and Hodgman),
// nil if a corner is not a finite number.
func clipPolygon(ps []Point, v box) []Point {
	for _, p := range ps {
		if !finite(p.X, p.Y) {
			return nil
		}
	}
	ps = clipAxis(ps, false, v.x0, true)
	ps = clipAxis(ps, false, v.x1, false)
	ps = clipAxis(ps, true, v.y0, true)
	return clipAxis(ps, true, v.y1, false)
}

// clipAxis keeps the part of a polygon on one side of the line x = at
// (y = at if vertical): where the coordinate is at least at if above,
// else at most at. The points it makes are exactly on the line: from a
// point at 1e300, a + t·(b - a) would lose the digits that matter.
func clipAxis(poly []Point, vertical bool, at float64, above bool) []Point {
	split := func(p Point) (c, o float64) {
		if vertical {
			return p.Y, p.X
		}
		return p.X, p.Y
	}
	in := func(c float64) bool { return c == at || (c > at) == above }
	var out []Point
	for i, a := range poly {
		b := poly[(i+1)%len(poly)]
		ca, oa := split(a)
		cb, ob := split(b)
		if in(ca) {
			out = append(out, a)
		}
		if in(ca) != in(cb) {
			o := oa + (ob-oa)*((at-ca)/(cb-ca))
			if vertical {
				out = append(out, Point{o, at})
			} else {
				out = append(out, Point{at, o})
			}
		}
	}
	return out
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
	switch {
	case !(width > 0): // 0 is 1, as in SVG
		width = 1
	case width > margin: // wider, the stroke would show the clipping
		width = margin
	}
	r.c.SetColor(col)
	r.c.SetLineWidth(vg.Length(width))
	// A dash pattern of nothing but gaps, or with a negative or
	// non-finite length, is ignored, as SVG does.
	var ds []vg.Length
	sum := 0.0
	for _, d := range dash {
		if !(d >= 0) || math.IsInf(d, 0) {
			ds, sum = nil, 0
			break
		}
		ds = append(ds, vg.Length(math.Max(d, 0.1)))
		sum += d
	}
	if sum <= 0 {
		ds = nil
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
			a, b, ok := clipSegment(Point{v.X1, v.Y1}, Point{v.X2, v.Y2}, r.local())
			if !ok {
				continue
			}
			var p vg.Path
			p.Move(pt(a.X, a.Y))
			p.Line(pt(b.X, b.Y))
			r.stroke(p, parseColor(v.Stroke, 1), v.Width, v.Dash)
		case Circle:
			l := r.local()
			if !finite(v.CX, v.CY, v.R) || v.R <= 0 || v.CX+v.R < l.x0 || v.CX-v.R > l.x1 || v.CY+v.R < l.y0 || v.CY-v.R > l.y1 || v.R > l.x1-l.x0+l.y1-l.y0 {
				continue
			}
			var p vg.Path
			p.Move(pt(v.CX+v.R, v.CY))
			p.Arc(pt(v.CX, v.CY), vg.Length(v.R), 0, 2*math.Pi)
			p.Close()
			r.paint(p, v.Paint, parseColor(v.Fill, v.FillOpacity))
		case Path:
			var p vg.Path
			l := r.local()
			for _, part := range v.Parts {
				var parts [][]Point
				if v.Closed {
					parts = [][]Point{clipPolygon(part, l)}
				} else {
					parts = clipPolyline(part, l)
				}
				for _, part := range parts {
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
			}
			r.paint(p, v.Paint, parseColor(v.Fill, v.FillOpacity))
		case Text:
			if err := r.text(v); err != nil {
				return err
			}
		case Group:
			if !finite(v.DX, v.DY) {
				continue
			}
			r.c.Push()
			r.c.Translate(pt(v.DX, v.DY))
			r.dx, r.dy = r.dx+v.DX, r.dy+v.DY
			err := r.items(v.Items)
			r.dx, r.dy = r.dx-v.DX, r.dy-v.DY
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
	if !finite(v.X, v.Y, v.W, v.H, v.Radius) || !(v.W > 0) || !(v.H > 0) {
		return
	}
	// Keep what is in view; the rounded corners of a rect cut by the view
	// are out of it.
	l := r.local()
	x0, y0 := math.Max(v.X, l.x0), math.Max(v.Y, l.y0)
	x1, y1 := math.Min(v.X+v.W, l.x1), math.Min(v.Y+v.H, l.y1)
	if x1 <= x0 || y1 <= y0 {
		return
	}
	v.X, v.Y, v.W, v.H = x0, y0, x1-x0, y1-y0
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
	l := r.local()
	if !finite(t.X, t.Y, size) || size > l.y1-l.y0 || t.X < l.x0-(l.x1-l.x0) || t.X > 2*l.x1 || t.Y < l.y0-(l.y1-l.y0) || t.Y > 2*l.y1 {
		return nil // nothing of it would show
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
