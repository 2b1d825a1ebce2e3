package picture

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/svgkit"
)

// idMark stands for the picture's own prefix in the ids of its hatch
// patterns until the document is complete. It cannot come from escaped
// text, where a NUL becomes U+FFFD.
const idMark = "\x00"

// SVG renders the picture as a standalone SVG document: no scripts, no
// style sheets, no external resources. The first child of the root is a
// <title> with the picture's Title, and every group, rect, circle and path
// with a Title carries it as a <title> child, which browsers show on
// hover.
func (p *Picture) SVG() string {
	var body svgWriter
	body.hatch = map[string]int{}
	body.pic = p
	body.items(p.Items)

	w, h := p.Size()
	var b strings.Builder
	b.Grow(body.Len() + 512)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img"`, w, h, w, h)
	if p.FontFamily != "" {
		b.WriteString(` font-family="`)
		svgkit.WriteEscaped(&b, p.FontFamily)
		b.WriteString(`"`)
	}
	if p.FontSize > 0 {
		b.WriteString(` font-size="` + svgkit.Num(p.FontSize) + `"`)
	}
	if p.TextFill != "" {
		b.WriteString(` fill="` + p.TextFill + `"`)
	}
	b.WriteString(">\n<title>")
	svgkit.WriteEscaped(&b, p.Title)
	b.WriteString("</title>\n")
	if len(body.hatchColors) > 0 {
		b.WriteString("<defs>\n")
		for i, c := range body.hatchColors {
			fmt.Fprintf(&b, `<pattern id="%sh%d" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="2" height="4" fill="%s"/></pattern>`+"\n", idMark, i, c)
		}
		b.WriteString("</defs>\n")
	}
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	out := b.String()
	if len(body.hatchColors) == 0 {
		return out
	}
	// Pattern ids unique to this picture: two pictures shown in one page
	// (notebooks inline SVG) must not take each other's patterns.
	sum := fnv.New32a()
	sum.Write([]byte(out))
	return strings.ReplaceAll(out, idMark, fmt.Sprintf("p%08x", sum.Sum32()))
}

// svgWriter writes the elements of a picture.
type svgWriter struct {
	strings.Builder
	pic         *Picture
	hatch       map[string]int // colour → pattern number
	hatchColors []string
}

func (w *svgWriter) s(parts ...string) {
	for _, p := range parts {
		w.WriteString(p)
	}
}

// fine formats a width or an opacity with up to two decimals: "1.25".
func fine(v float64) string {
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
}

// num writes name="v" with v a coordinate.
func (w *svgWriter) num(name string, v float64) {
	w.s(" ", name, `="`, svgkit.Num(v), `"`)
}

func (w *svgWriter) class(c string) {
	if c != "" {
		w.s(` class="`)
		svgkit.WriteEscaped(&w.Builder, c)
		w.s(`"`)
	}
}

// end closes an element that may hold a hover title.
func (w *svgWriter) end(name, title string) {
	if title == "" {
		w.s("/>\n")
		return
	}
	w.s("><title>")
	svgkit.WriteEscaped(&w.Builder, title)
	w.s("</title></", name, ">\n")
}

func (w *svgWriter) paint(p Paint, fill string) {
	if fill == "" {
		fill = "none"
	}
	w.s(` fill="`, fill, `"`)
	if p.FillOpacity > 0 && p.FillOpacity < 1 {
		w.s(` fill-opacity="`, fine(p.FillOpacity), `"`)
	}
	w.stroke(p.Stroke, p.StrokeWidth, p.Dash)
	if p.Stroke != "" && p.RoundJoin {
		w.s(` stroke-linejoin="round"`)
	}
}

func (w *svgWriter) stroke(color string, width float64, dash []float64) {
	if color == "" {
		return
	}
	w.s(` stroke="`, color, `"`)
	if width > 0 && width != 1 {
		w.s(` stroke-width="`, fine(width), `"`)
	}
	if len(dash) > 0 {
		w.s(` stroke-dasharray="`)
		for i, d := range dash {
			if i > 0 {
				w.s(" ")
			}
			w.s(svgkit.Num(d))
		}
		w.s(`"`)
	}
}

func (w *svgWriter) hatchFill(color string) string {
	i, ok := w.hatch[color]
	if !ok {
		i = len(w.hatchColors)
		w.hatch[color] = i
		w.hatchColors = append(w.hatchColors, color)
	}
	return fmt.Sprintf("url(#%sh%d)", idMark, i)
}

func (w *svgWriter) items(items []Item) {
	for _, it := range items {
		switch v := it.(type) {
		case Rect:
			w.rect(v)
		case Line:
			w.s("<line")
			w.num("x1", v.X1)
			w.num("y1", v.Y1)
			w.num("x2", v.X2)
			w.num("y2", v.Y2)
			w.stroke(v.Stroke, v.Width, v.Dash)
			w.class(v.Class)
			w.s("/>\n")
		case Circle:
			w.s("<circle")
			w.class(v.Class)
			w.num("cx", v.CX)
			w.num("cy", v.CY)
			w.num("r", v.R)
			w.paint(v.Paint, v.Fill)
			w.end("circle", v.Title)
		case Path:
			w.path(v)
		case Text:
			w.text(v)
		case Group:
			w.s("<g")
			w.class(v.Class)
			if v.DX != 0 || v.DY != 0 {
				w.s(` transform="translate(`, svgkit.Num(v.DX), ",", svgkit.Num(v.DY), `)"`)
			}
			w.s(">")
			if v.Title != "" {
				w.s("<title>")
				svgkit.WriteEscaped(&w.Builder, v.Title)
				w.s("</title>")
			}
			w.s("\n")
			w.items(v.Items)
			w.s("</g>\n")
		}
	}
}

func (w *svgWriter) rect(r Rect) {
	w.s("<rect")
	w.class(r.Class)
	// x and y are 0 unless given: lanes of many rects in a moved group
	// leave them out.
	if r.X != 0 {
		w.num("x", r.X)
	}
	if r.Y != 0 {
		w.num("y", r.Y)
	}
	w.num("width", r.W)
	w.num("height", r.H)
	if r.Radius > 0 {
		w.num("rx", r.Radius)
	}
	fill := r.Fill
	if r.Hatch && fill != "" {
		fill = w.hatchFill(fill)
	}
	w.paint(r.Paint, fill)
	w.end("rect", r.Title)
}

func (w *svgWriter) path(p Path) {
	w.s("<path")
	w.class(p.Class)
	w.s(` d="`)
	for _, part := range p.Parts {
		for i, pt := range part {
			if i == 0 {
				w.s("M")
			} else {
				w.s("L")
			}
			w.s(svgkit.Num(pt.X), " ", svgkit.Num(pt.Y))
		}
		if p.Closed && len(part) > 0 {
			w.s("Z")
		}
	}
	w.s(`"`)
	w.paint(p.Paint, p.Fill)
	w.end("path", p.Title)
}

// haloAttrs paint a white outline under the text's fill.
const haloAttrs = ` stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"`

func (w *svgWriter) text(t Text) {
	w.s("<text")
	if t.Vertical {
		w.s(` transform="translate(`, svgkit.Num(t.X), " ", svgkit.Num(t.Y), `) rotate(-90)"`)
	} else {
		w.num("x", t.X)
		w.num("y", t.Y)
	}
	if t.Size > 0 && t.Size != w.pic.FontSize {
		w.num("font-size", t.Size)
	}
	switch t.Anchor {
	case Middle:
		w.s(` text-anchor="middle"`)
	case End:
		w.s(` text-anchor="end"`)
	}
	if t.Fill != "" && t.Fill != w.pic.TextFill {
		w.s(` fill="`, t.Fill, `"`)
	}
	if t.Bold {
		w.s(` font-weight="600"`)
	}
	if t.Halo {
		w.s(haloAttrs)
	}
	w.class(t.Class)
	w.s(">")
	svgkit.WriteEscaped(&w.Builder, t.S)
	w.s("</text>\n")
}
