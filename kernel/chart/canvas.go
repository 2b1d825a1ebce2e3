package chart

import (
	"math"

	"github.com/gocurrent/gocurrent/kernel/picture"
	"github.com/gocurrent/gocurrent/kernel/svgkit"
)

// canvas collects the shapes of a chart.
type canvas struct {
	picture.Group
}

// text draws s at a size and colour; anchor says which end of it is at x.
func (c *canvas) text(x, y float64, size float64, anchor picture.Anchor, fill, s string) {
	c.Add(picture.Text{X: x, Y: y, Size: size, Anchor: anchor, Fill: fill, S: s})
}

func (c *canvas) line(x1, y1, x2, y2 float64, stroke string, width float64) {
	c.Add(picture.Line{X1: x1, Y1: y1, X2: x2, Y2: y2, Stroke: stroke, Width: width})
}

// title draws the wrapped chart title and returns the y below it.
func (c *canvas) title(lines []string) float64 {
	y := pad
	for _, l := range lines {
		c.Add(picture.Text{X: pad, Y: y + titleSize, Size: titleSize, Fill: textColor, S: l, Bold: true})
		y += titleLine
	}
	if len(lines) > 0 {
		y += 8
	}
	return y
}

// document puts the body on a full-size light background, under the
// accessible title.
func document(w, h float64, title string, body *canvas) *picture.Picture {
	w, h = math.Ceil(w), math.Ceil(h)
	p := &picture.Picture{Width: w, Height: h, Title: title, FontFamily: fontStack}
	p.Add(picture.Rect{X: 0.5, Y: 0.5, W: w - 1, H: h - 1, Radius: 6, Paint: picture.Paint{Fill: background, Stroke: border}})
	p.Add(body.Items...)
	return p
}

// warning draws msg after a ⚠ sign on a tinted band across the chart at y
// and returns the y below it. An empty msg draws nothing.
func (c *canvas) warning(y, width float64, msg string) float64 {
	if msg == "" {
		return y
	}
	const h = 24.0
	l := svgkit.Truncate("⚠ "+msg, labelSize, width-2*pad-16)
	g := picture.Group{Class: "warning"}
	g.Add(picture.Rect{X: pad, Y: y, W: width - 2*pad, H: h, Radius: 4, Paint: picture.Paint{Fill: warnFill, Stroke: warnBorder}},
		picture.Text{X: pad + 8, Y: y + h/2 + 4.5, Size: labelSize, Fill: warnText, S: l, Bold: true})
	c.Add(g)
	return y + h + 8
}

// plate draws a white, slightly see-through plate behind a label that
// spans b, so that it reads over grid lines and data.
func (c *canvas) plate(b box) {
	c.Add(picture.Rect{X: b.x0 - 2, Y: b.y0, W: b.x1 - b.x0 + 4, H: b.y1 - b.y0, Radius: 2,
		Paint: picture.Paint{Fill: background, FillOpacity: 0.88}})
}
