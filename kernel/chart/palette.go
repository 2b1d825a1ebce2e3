package chart

import (
	"fmt"
	"math"
)

// Palette returns n distinct colours as "#rrggbb", each readable on white.
// The colour at an index does not depend on n.
func Palette(n int) []string {
	// The first colours have at least 4.5:1 contrast on white, so that both
	// lines and text in them are readable.
	base := [...]string{
		"#0969da", // blue
		"#cf222e", // red
		"#1a7f37", // green
		"#8250df", // purple
		"#bc4c00", // orange
		"#1b7c83", // teal
		"#bf3989", // pink
		"#57606a", // grey
		"#6f4e00", // brown
		"#3730a3", // indigo
	}
	if n <= 0 {
		return []string{}
	}
	out := make([]string, n)
	for i := range n {
		if i < len(base) {
			out[i] = base[i]
			continue
		}
		out[i] = generated(i)
	}
	return out
}

// generated picks a colour by stepping round the hue circle by the golden
// angle and darkening until it has 4.5:1 contrast on white.
func generated(i int) string {
	h := math.Mod(float64(i)*137.508+17, 360)
	s := 0.65 + 0.2*float64(i%3)/2
	for l := 0.45; l > 0.1; l -= 0.02 {
		r, g, b := hsl(h, s, l)
		if contrastOnWhite(r, g, b) >= 4.6 {
			return fmt.Sprintf("#%02x%02x%02x", r, g, b)
		}
	}
	r, g, b := hsl(h, s, 0.1)
	return fmt.Sprintf("#%02x%02x%02x", r, g, b)
}

// hsl converts hue (degrees), saturation and lightness in [0,1] to RGB.
func hsl(h, s, l float64) (r, g, b uint8) {
	c := (1 - math.Abs(2*l-1)) * s
	hp := h / 60
	x := c * (1 - math.Abs(math.Mod(hp, 2)-1))
	var r1, g1, b1 float64
	switch {
	case hp < 1:
		r1, g1 = c, x
	case hp < 2:
		r1, g1 = x, c
	case hp < 3:
		g1, b1 = c, x
	case hp < 4:
		g1, b1 = x, c
	case hp < 5:
		r1, b1 = x, c
	default:
		r1, b1 = c, x
	}
	m := l - c/2
	to := func(v float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(1, v+m)) * 255)) }
	return to(r1), to(g1), to(b1)
}

// contrastOnWhite is the WCAG contrast ratio of an sRGB colour against
// white.
func contrastOnWhite(r, g, b uint8) float64 {
	lin := func(c uint8) float64 {
		v := float64(c) / 255
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	lum := 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
	return 1.05 / (lum + 0.05)
}
