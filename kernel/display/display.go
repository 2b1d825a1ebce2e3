// Package display turns values into Jupyter MIME bundles and provides the
// display package that cells use without an import: display.HTML,
// display.Markdown, display.SVG, display.PNG, display.JPEG, display.JSON,
// display.LaTeX, display.Text, display.Image, display.Clear and
// display.ID(name) for output that is updated in place.
package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"reflect"
	"sync"
)

// Bundle is one display_data (or update_display_data) message's content.
type Bundle struct {
	Data     map[string]any `json:"data"`
	Metadata map[string]any `json:"metadata"`
	// ID is the display_id, or "".
	ID string `json:"id,omitempty"`
	// Update asks to replace an earlier display with the same ID.
	Update bool `json:"update,omitempty"`
}

// Display sends bundles for the cell being run. Its methods are what a cell
// calls as display.HTML(...) and so on.
type Display struct {
	emit  func(Bundle)
	clear func(wait bool)

	mu    sync.Mutex
	shown map[string]bool // display ids already shown once
}

// New returns a Display that hands bundles to emit and clear requests to
// clear.
func New(emit func(Bundle), clear func(wait bool)) *Display {
	return &Display{emit: emit, clear: clear, shown: map[string]bool{}}
}

func (d *Display) show(id string, data map[string]any) {
	b := Bundle{Data: data, Metadata: map[string]any{}, ID: id}
	if id != "" {
		d.mu.Lock()
		b.Update = d.shown[id]
		d.shown[id] = true
		d.mu.Unlock()
	}
	d.emit(b)
}

// HTML shows HTML.
func (d *Display) HTML(s string) { d.show("", htmlData(s)) }

// Markdown shows Markdown.
func (d *Display) Markdown(s string) { d.show("", markdownData(s)) }

// SVG shows an SVG image given as its XML text.
func (d *Display) SVG(s string) { d.show("", svgData(s)) }

// PNG shows PNG-encoded bytes.
func (d *Display) PNG(b []byte) { d.show("", imageData("image/png", b)) }

// JPEG shows JPEG-encoded bytes.
func (d *Display) JPEG(b []byte) { d.show("", imageData("image/jpeg", b)) }

// JSON shows v as a JSON tree.
func (d *Display) JSON(v any) { d.show("", jsonData(v)) }

// LaTeX shows a LaTeX formula, such as `$x^2$`.
func (d *Display) LaTeX(s string) { d.show("", latexData(s)) }

// Text shows plain text.
func (d *Display) Text(s string) { d.show("", map[string]any{"text/plain": s}) }

// Image shows an image.Image as PNG.
func (d *Display) Image(img image.Image) { d.show("", ImageData(img)) }

// Clear clears the cell's output when the next output arrives, which makes
// animations flicker-free.
func (d *Display) Clear() { d.clear(true) }

// ClearNow clears the cell's output at once.
func (d *Display) ClearNow() { d.clear(false) }

// ID returns a handle for output that is shown once and then updated in
// place: its first call shows, later calls (in this or a later cell)
// replace what it showed.
func (d *Display) ID(id string) *Handle { return &Handle{d: d, id: id} }

// Handle is output with a display id, shown once and then updated.
type Handle struct {
	d  *Display
	id string
}

// HTML shows or updates HTML.
func (h *Handle) HTML(s string) { h.d.show(h.id, htmlData(s)) }

// Markdown shows or updates Markdown.
func (h *Handle) Markdown(s string) { h.d.show(h.id, markdownData(s)) }

// SVG shows or updates an SVG image.
func (h *Handle) SVG(s string) { h.d.show(h.id, svgData(s)) }

// PNG shows or updates PNG bytes.
func (h *Handle) PNG(b []byte) { h.d.show(h.id, imageData("image/png", b)) }

// JPEG shows or updates JPEG bytes.
func (h *Handle) JPEG(b []byte) { h.d.show(h.id, imageData("image/jpeg", b)) }

// JSON shows or updates a JSON tree.
func (h *Handle) JSON(v any) { h.d.show(h.id, jsonData(v)) }

// LaTeX shows or updates a LaTeX formula.
func (h *Handle) LaTeX(s string) { h.d.show(h.id, latexData(s)) }

// Text shows or updates plain text.
func (h *Handle) Text(s string) { h.d.show(h.id, map[string]any{"text/plain": s}) }

// Image shows or updates an image.
func (h *Handle) Image(img image.Image) { h.d.show(h.id, ImageData(img)) }

func htmlData(s string) map[string]any {
	return map[string]any{"text/html": s, "text/plain": "<HTML>"}
}

func markdownData(s string) map[string]any {
	return map[string]any{"text/markdown": s, "text/plain": s}
}

func svgData(s string) map[string]any {
	return map[string]any{"image/svg+xml": s, "text/plain": "<SVG image>"}
}

func latexData(s string) map[string]any {
	return map[string]any{"text/latex": s, "text/plain": s}
}

func imageData(mime string, b []byte) map[string]any {
	return map[string]any{mime: base64.StdEncoding.EncodeToString(b), "text/plain": fmt.Sprintf("<%s image, %d bytes>", mime, len(b))}
}

func jsonData(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"text/plain": fmt.Sprintf("display.JSON: %v", err)}
	}
	var tree any
	if err := json.Unmarshal(b, &tree); err != nil {
		return map[string]any{"text/plain": fmt.Sprintf("display.JSON: %v", err)}
	}
	return map[string]any{"application/json": tree, "text/plain": string(b)}
}

// ImageData encodes img as a PNG bundle.
func ImageData(img image.Image) map[string]any {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return map[string]any{"text/plain": fmt.Sprintf("image: %v", err)}
	}
	b := img.Bounds()
	return map[string]any{
		"image/png":  base64.StdEncoding.EncodeToString(buf.Bytes()),
		"text/plain": fmt.Sprintf("<image %dx%d>", b.Dx(), b.Dy()),
	}
}

// Value returns the bundle that shows v as a cell's result: an image as
// PNG, a value with an HTML, SVG or Markdown method as that, anything else
// as text (strings quoted, as Go source would write them).
func Value(v any) map[string]any {
	switch x := v.(type) {
	case image.Image:
		return ImageData(x)
	case interface{ HTML() string }:
		return htmlData(x.HTML())
	case interface{ SVG() string }:
		return svgData(x.SVG())
	case interface{ Markdown() string }:
		return markdownData(x.Markdown())
	}
	return map[string]any{"text/plain": Text(v)}
}

// Text formats v as plain text: strings and string slices quoted, errors
// and Stringers by their methods, the rest with %v.
func Text(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case []string:
		return fmt.Sprintf("%q", x)
	case error:
		return x.Error()
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprintf("%v", v)
}

// Symbols returns the display package as yaegi symbols under the import
// path path, bound to d.
func (d *Display) Symbols(path string) map[string]map[string]reflect.Value {
	name := path
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			name = path[i+1:]
			break
		}
	}
	return map[string]map[string]reflect.Value{
		path + "/" + name: {
			"HTML":     reflect.ValueOf(d.HTML),
			"Markdown": reflect.ValueOf(d.Markdown),
			"SVG":      reflect.ValueOf(d.SVG),
			"PNG":      reflect.ValueOf(d.PNG),
			"JPEG":     reflect.ValueOf(d.JPEG),
			"JSON":     reflect.ValueOf(d.JSON),
			"LaTeX":    reflect.ValueOf(d.LaTeX),
			"Text":     reflect.ValueOf(d.Text),
			"Image":    reflect.ValueOf(d.Image),
			"Clear":    reflect.ValueOf(d.Clear),
			"ClearNow": reflect.ValueOf(d.ClearNow),
			"ID":       reflect.ValueOf(d.ID),
			"Handle":   reflect.ValueOf((*Handle)(nil)),
		},
	}
}
