package magic

import (
	"encoding/base64"
	"fmt"
	"html"

	"github.com/gocurrent/gocurrent/kernel/picture"
)

// pngScale is how many PNG pixels a CSS pixel of a chart gets: 2 keeps the
// text sharp on high-density screens and when zoomed.
const pngScale = 2

// chartData is the display data of a chart and its metadata:
//
//   - image/svg+xml, the chart with hover titles on its marks;
//   - image/png, the same chart drawn at pngScale, with its CSS size in
//     the metadata, for the viewers that do not show SVG;
//   - text/html, an <img> of that PNG, with the chart's title as alt text
//     and text as the hover title, and text under it as preformatted
//     text: the frontends that show the HTML (JupyterLab, the classic
//     Notebook, an exported page) show the table beside the picture,
//     every figure readable and copyable;
//   - text/plain, text: the figures as a table.
//
// The text/html is there for the exported notebook: `jupyter nbconvert
// --to html` of nbconvert 6.5 (Debian's is 6.5.3) and the first 7.x
// releases prefers image/svg+xml to image/png and runs it through lxml's
// clean_html, which strips every SVG element down to its text
// (jupyter/nbconvert#1849; #1890, merged in the 7.x series, lets SVG
// elements through), so the exported page shows no chart. Every frontend and
// nbconvert rank text/html above both images, and keep an <img> with a
// data: URI: JupyterLab sanitises untrusted HTML but keeps img src, width,
// height, alt and title. The cost is that frontends show the PNG, whose
// hover text is the whole table, rather than the SVG's per-mark hover
// titles.
//
// extra is added to the metadata. When the PNG cannot be drawn, the chart
// is shown as SVG and text alone, and err says why.
func chartData(p *picture.Picture, text string, extra map[string]any) (data, meta map[string]any, err error) {
	data = map[string]any{"image/svg+xml": p.SVG(), "text/plain": text}
	meta = map[string]any{}
	for k, v := range extra {
		meta[k] = v
	}
	b, err := p.PNG(pngScale)
	if err != nil {
		return data, meta, fmt.Errorf("draw the chart as PNG: %w", err)
	}
	w, h := p.Size()
	png := base64.StdEncoding.EncodeToString(b)
	data["image/png"] = png
	meta["image/png"] = map[string]any{"width": w, "height": h}
	data["text/html"] = fmt.Sprintf(`<img src="data:image/png;base64,%s" width="%d" height="%d" alt="%s" title="%s">`+"\n<pre>%s</pre>",
		png, w, h, html.EscapeString(p.Title), html.EscapeString(text), html.EscapeString(text))
	return data, meta, nil
}

// showChart displays a chart as chartData makes it, and a note on stderr
// if the PNG could not be drawn.
func showChart(out Output, p *picture.Picture, text string, extra map[string]any) {
	data, meta, err := chartData(p, text, extra)
	out.Display(data, meta, "", false)
	if err != nil {
		out.Stream("stderr", "the chart is shown as SVG only: "+err.Error()+"\n", 0)
	}
}
