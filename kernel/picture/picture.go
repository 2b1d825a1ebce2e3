// Package picture holds a drawing as a list of shapes, so that a chart is
// drawn once and shown two ways: as a standalone SVG document (Picture.SVG),
// with hover titles, classes and an accessible title for the browsers that
// show SVG, and as a PNG image (Picture.PNG) for the places that do not,
// such as HTML exported by Debian's nbconvert 6.
//
// The shapes are those the kernel's charts need: rectangles (rounded,
// see-through, outlined, or hatched), lines (dashed), paths, circles, text
// (anchored, bold, rotated, with a white halo), and groups that carry a
// class and a hover title. Coordinates are CSS pixels with y growing down,
// as in SVG.
//
// The PNG is drawn by gonum's vg canvas (gonum.org/v1/plot/vg/vgimg) with
// the Liberation Sans fonts. Text is drawn from the glyph outlines, so that
// its halo is a true outline and rotated text stays sharp. A character the
// font lacks is drawn as a shape (⚠, ✓, ✗) or replaced by an equivalent,
// never as a missing-glyph box; Drawable says which characters draw.
package picture

import (
	"math"
)

// Picture is a drawing of Width × Height CSS pixels.
type Picture struct {
	Width, Height float64
	// Title names the picture: the SVG's first <title>, which screen
	// readers announce, and the alt text of an image of it.
	Title string
	// FontFamily is the CSS font-family of the SVG's text. The PNG is
	// always drawn in Liberation Sans, which has the metrics of Arial.
	FontFamily string
	// FontSize and TextFill are the defaults of the text that names no
	// size or colour, written once on the SVG's root.
	FontSize float64
	TextFill string
	Items    []Item
}

// Item is one of Rect, Line, Circle, Path, Text and Group.
type Item interface{ item() }

// Paint says how a shape is filled and stroked. Colours are "#rrggbb";
// an empty Fill or Stroke paints nothing.
type Paint struct {
	Fill        string
	FillOpacity float64 // 0 is opaque, as 1
	Stroke      string
	StrokeWidth float64 // 0 is 1
	Dash        []float64
	// RoundJoin rounds the corners where the segments of a stroke meet.
	RoundJoin bool
}

// Rect is a rectangle with corners rounded by Radius. A Hatch rect is
// filled with diagonal stripes of its Fill colour.
type Rect struct {
	X, Y, W, H, Radius float64
	Paint
	Hatch        bool
	Class, Title string
}

// Line is a straight line.
type Line struct {
	X1, Y1, X2, Y2 float64
	Stroke         string
	Width          float64 // 0 is 1
	Dash           []float64
	Class          string
}

// Circle is a circle.
type Circle struct {
	CX, CY, R float64
	Paint
	Class, Title string
}

// Point is a point in CSS pixels.
type Point struct{ X, Y float64 }

// Path is one or more polylines (Parts), each closed if Closed.
type Path struct {
	Parts  [][]Point
	Closed bool
	Paint
	Class, Title string
}

// Anchor says which point of a text is at its X.
type Anchor int

// Text anchors: the start, the middle or the end of the text is at X.
const (
	Start Anchor = iota
	Middle
	End
)

// Text is a line of text whose baseline starts (or is centred, or ends,
// by Anchor) at X, Y.
type Text struct {
	X, Y   float64
	Size   float64 // 0 is the picture's FontSize
	Fill   string  // "" is the picture's TextFill
	S      string
	Anchor Anchor
	Bold   bool
	// Halo paints a white outline behind the text, so that it stays
	// legible over grid lines and data.
	Halo bool
	// Vertical turns the text a quarter turn anticlockwise about X, Y,
	// to read upwards, as the label of a y axis.
	Vertical bool
	Class    string
}

// Group is items drawn together, moved by DX, DY, with a class and a hover
// title for all of them.
type Group struct {
	Class, Title string
	DX, DY       float64
	Items        []Item
}

func (Rect) item()   {}
func (Line) item()   {}
func (Circle) item() {}
func (Path) item()   {}
func (Text) item()   {}
func (Group) item()  {}

// Add appends items to the group.
func (g *Group) Add(items ...Item) { g.Items = append(g.Items, items...) }

// Add appends items to the picture.
func (p *Picture) Add(items ...Item) { p.Items = append(p.Items, items...) }

// Size is the picture's size rounded up to whole pixels, at least 1 × 1.
func (p *Picture) Size() (w, h int) {
	return whole(p.Width), whole(p.Height)
}

func whole(v float64) int {
	if !(v >= 1) || math.IsInf(v, 0) {
		return 1
	}
	return int(math.Ceil(v - 1e-9))
}

// MapText replaces every text, hover title and the picture's title s by
// f(s).
func (p *Picture) MapText(f func(string) string) {
	p.Title = f(p.Title)
	mapItems(p.Items, f)
}

func mapItems(items []Item, f func(string) string) {
	for i, it := range items {
		switch v := it.(type) {
		case Rect:
			v.Title = f(v.Title)
			items[i] = v
		case Circle:
			v.Title = f(v.Title)
			items[i] = v
		case Path:
			v.Title = f(v.Title)
			items[i] = v
		case Text:
			v.S = f(v.S)
			items[i] = v
		case Group:
			v.Title = f(v.Title)
			mapItems(v.Items, f)
			items[i] = v
		}
	}
}

// Texts lists the text of every Text item in drawing order.
func (p *Picture) Texts() []Text {
	var out []Text
	var walk func([]Item)
	walk = func(items []Item) {
		for _, it := range items {
			switch v := it.(type) {
			case Text:
				out = append(out, v)
			case Group:
				walk(v.Items)
			}
		}
	}
	walk(p.Items)
	return out
}
