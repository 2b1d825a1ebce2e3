package chart

import (
	"fmt"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/svgkit"
)

// canvas collects the elements of an SVG document.
type canvas struct {
	b strings.Builder
}

func (c *canvas) printf(format string, args ...any) {
	fmt.Fprintf(&c.b, format, args...)
}

// text draws escaped text. anchor is start, middle or end; extra holds
// further attributes (already escaped).
func (c *canvas) text(x, y float64, size float64, anchor, fill, s, extra string) {
	c.printf(`<text x="%s" y="%s" font-size="%s" text-anchor="%s" fill="%s"%s>%s</text>`+"\n",
		svgkit.Num(x), svgkit.Num(y), svgkit.Num(size), anchor, fill, extra, svgkit.Escape(s))
}

func (c *canvas) line(x1, y1, x2, y2 float64, stroke string, width float64, extra string) {
	c.printf(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="%s"%s/>`+"\n",
		svgkit.Num(x1), svgkit.Num(y1), svgkit.Num(x2), svgkit.Num(y2), stroke, svgkit.Num(width), extra)
}

// title draws the wrapped chart title and returns the y below it.
func (c *canvas) title(lines []string) float64 {
	y := pad
	for _, l := range lines {
		c.text(pad, y+titleSize, titleSize, "start", textColor, l, ` font-weight="600"`)
		y += titleLine
	}
	if len(lines) > 0 {
		y += 8
	}
	return y
}

// document wraps the body in the root element with the accessible title
// first and a full-size light background.
func document(w, h float64, title string, body *canvas) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" role="img" font-family="%s">`+"\n",
		svgkit.Num(w), svgkit.Num(h), svgkit.Num(w), svgkit.Num(h), svgkit.Escape(fontStack))
	fmt.Fprintf(&b, "<title>%s</title>\n", svgkit.Escape(title))
	fmt.Fprintf(&b, `<rect x="0.5" y="0.5" width="%s" height="%s" rx="6" fill="%s" stroke="%s"/>`+"\n",
		svgkit.Num(w-1), svgkit.Num(h-1), background, border)
	b.WriteString(body.b.String())
	b.WriteString("</svg>\n")
	return b.String()
}

// haloAttrs paints a white outline behind text so that it stays legible
// over grid lines and data.
const haloAttrs = ` stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`

// warning draws msg after a ⚠ sign on a tinted band across the chart at y
// and returns the y below it. An empty msg draws nothing.
func (c *canvas) warning(y, width float64, msg string) float64 {
	if msg == "" {
		return y
	}
	const h = 24.0
	l := svgkit.Truncate("⚠ "+msg, labelSize, width-2*pad-16)
	c.printf(`<g class="warning"><rect x="%s" y="%s" width="%s" height="%s" rx="4" fill="%s" stroke="%s"/>`+"\n",
		svgkit.Num(pad), svgkit.Num(y), svgkit.Num(width-2*pad), svgkit.Num(h), warnFill, warnBorder)
	c.text(pad+8, y+h/2+4.5, labelSize, "start", warnText, l, ` font-weight="600"`)
	c.printf("</g>\n")
	return y + h + 8
}

// plate draws a white, slightly see-through plate behind a label that
// spans b, so that it reads over grid lines and data.
func (c *canvas) plate(b box) {
	c.printf(`<rect x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s" fill-opacity="0.88"/>`+"\n",
		svgkit.Num(b.x0-2), svgkit.Num(b.y0), svgkit.Num(b.x1-b.x0+4), svgkit.Num(b.y1-b.y0), background)
}
