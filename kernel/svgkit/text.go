package svgkit

import (
	"strings"
	"unicode"
)

// TextWidth estimates the width in px of s drawn in a sans-serif font of
// the given size. It errs on the wide side so that labels do not collide.
func TextWidth(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case strings.ContainsRune("iljtfrI.,:;'|!()[]{} ·", r):
			w += 0.36
		case strings.ContainsRune("mwMW@%", r):
			w += 0.9
		case unicode.IsUpper(r):
			w += 0.7
		case unicode.IsDigit(r):
			w += 0.64
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) ||
			unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			w += 1.0
		case unicode.Is(unicode.Mn, r):
		default:
			w += 0.6
		}
	}
	return w * size
}

// Truncate shortens s with an ellipsis so that it fits in maxW px at the
// given font size.
func Truncate(s string, size, maxW float64) string {
	if TextWidth(s, size) <= maxW {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 {
		rs = rs[:len(rs)-1]
		t := strings.TrimRight(string(rs), " ") + "…"
		if TextWidth(t, size) <= maxW {
			return t
		}
	}
	return "…"
}

// Wrap breaks s into lines at spaces so that each fits in maxW px at the
// given font size; a word longer than a line is truncated.
func Wrap(s string, size, maxW float64) []string {
	var lines []string
	cur := ""
	for _, word := range strings.Fields(s) {
		next := word
		if cur != "" {
			next = cur + " " + word
		}
		if cur == "" || TextWidth(next, size) <= maxW {
			cur = next
			continue
		}
		lines = append(lines, Truncate(cur, size, maxW))
		cur = word
	}
	if cur != "" {
		lines = append(lines, Truncate(cur, size, maxW))
	}
	return lines
}
