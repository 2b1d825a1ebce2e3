// Package svgkit holds what hand-written SVG needs besides the markup:
// XML escaping, coordinates printed short, axis ticks at "nice" values
// (1, 2 or 5 × 10^k) and an estimate of how wide a text is drawn.
//
// It uses only the standard library, so that every package that draws SVG
// can import it.
package svgkit

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Escape XML-escapes s for use as SVG text or as an attribute value, as
// encoding/xml's EscapeText does. Characters that XML does not allow are
// replaced by U+FFFD.
func Escape(s string) string {
	var b strings.Builder
	WriteEscaped(&b, s)
	return b.String()
}

// WriteEscaped writes s to b escaped as Escape does.
func WriteEscaped(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); {
		r, width := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch r {
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			if !inCharacterRange(r) || (r == utf8.RuneError && width == 1) {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			b.WriteString(s[last:i])
			b.WriteString(esc)
			last = i + width
		}
		i += width
	}
	b.WriteString(s[last:])
}

// inCharacterRange reports whether r may appear in an XML 1.0 document.
func inCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Num formats an SVG coordinate or length with at most one decimal: "12",
// "12.5". NaN and infinities print as "0".
func Num(x float64) string {
	if !finite(x) {
		return "0"
	}
	r := math.Round(x*10) / 10
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}
