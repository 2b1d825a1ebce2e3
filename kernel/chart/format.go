package chart

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gocurrent/gocurrent/kernel/sigfig"
)

// formatValue prints v with three significant digits followed by unit.
func formatValue(v float64, unit string) string {
	if !finite(v) {
		return withUnit(strconv.FormatFloat(v, 'g', -1, 64), unit)
	}
	if v == 0 {
		return withUnit("0", unit)
	}
	sign := ""
	a := v
	if a < 0 {
		sign, a = "-", -a
	}
	r := sigfig.Round(a, 3)
	var s string
	switch {
	case r >= 1e6 || r < 1e-3:
		s = tidyExp(strconv.FormatFloat(r, 'g', 3, 64))
	case r >= 1:
		s = sigfig.Fixed(r)
	default:
		// 0.001 ≤ r < 1: keep three significant digits.
		dec := 2 - int(math.Floor(math.Log10(r)))
		s = strconv.FormatFloat(r, 'f', dec, 64)
	}
	return withUnit(sign+s, unit)
}

// tidyExp turns "1e+06" into "1e6" and "3e-07" into "3e-7".
func tidyExp(s string) string {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return s
	}
	mant, exp := s[:i], s[i+1:]
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(exp, "+-")
	exp = strings.TrimLeft(exp, "0")
	if exp == "" {
		return mant
	}
	if neg {
		exp = "-" + exp
	}
	return mant + "e" + exp
}

// withUnit joins a number and its unit: "5 ms", but "2×" and "50%".
func withUnit(num, unit string) string {
	switch unit {
	case "":
		return num
	case "×", "x", "%", "°":
		return num + unit
	}
	return num + " " + unit
}

// unitFromLabel returns a short unit in parentheses at the end of label:
// "median wall time (ms)" → "ms".
func unitFromLabel(label string) string {
	label = strings.TrimSpace(label)
	if !strings.HasSuffix(label, ")") {
		return ""
	}
	i := strings.LastIndex(label, "(")
	if i < 0 {
		return ""
	}
	u := strings.TrimSpace(label[i+1 : len(label)-1])
	if utf8.RuneCountInString(u) > 4 || strings.ContainsAny(u, " ,;") {
		return ""
	}
	return u
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// formatTick prints a tick value with just enough decimals for the step.
func formatTick(v, step float64, unit string) string {
	if v == 0 {
		return withUnit("0", unit)
	}
	a := math.Abs(v)
	if a >= 1e7 || a < 1e-4 || (step > 0 && step < 1e-4) {
		return withUnit(tidyExp(strconv.FormatFloat(v, 'g', 6, 64)), unit)
	}
	dec := 0
	if step > 0 && step < 1 {
		dec = int(math.Ceil(-math.Log10(step) - 1e-9))
	}
	if step <= 0 {
		// Explicit ticks: shortest exact representation.
		return withUnit(strconv.FormatFloat(v, 'g', 6, 64), unit)
	}
	return withUnit(strconv.FormatFloat(v, 'f', dec, 64), unit)
}
