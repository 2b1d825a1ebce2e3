// Package display is the display package of a compiled session's cells:
// display.HTML(...) and the rest show through Current, which the session's
// host sets up. The kernel writes it into each session's module (as
// DisplayPath); it is the session program's own state, as a main package's
// would be.
package display

import (
	"image"

	core "github.com/gocurrent/gocurrent/kernel/display"
)

// Handle is a display that later calls update in place.
type Handle = core.Handle

// Current shows what cells display; the host sets it.
var Current = core.New(func(core.Bundle) {}, func(bool) {})

// HTML shows HTML.
func HTML(s string) { Current.HTML(s) }

// Markdown shows Markdown.
func Markdown(s string) { Current.Markdown(s) }

// SVG shows an SVG image.
func SVG(s string) { Current.SVG(s) }

// PNG shows PNG bytes.
func PNG(b []byte) { Current.PNG(b) }

// JPEG shows JPEG bytes.
func JPEG(b []byte) { Current.JPEG(b) }

// JSON shows a value as JSON.
func JSON(v any) { Current.JSON(v) }

// LaTeX shows LaTeX.
func LaTeX(s string) { Current.LaTeX(s) }

// Text shows plain text.
func Text(s string) { Current.Text(s) }

// Image shows an image.
func Image(img image.Image) { Current.Image(img) }

// Clear clears the cell's output when the next output arrives.
func Clear() { Current.Clear() }

// ClearNow clears the cell's output at once.
func ClearNow() { Current.ClearNow() }

// ID is a display that later calls update in place.
func ID(id string) *Handle { return Current.ID(id) }
