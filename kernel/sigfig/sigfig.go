// Package sigfig prints numbers and durations to three significant digits,
// the way IPython's %timeit prints times: "1.21 s", "620 ms", "8.00 µs".
package sigfig

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Round rounds v to n significant digits, halves away from zero. Zero,
// NaN and infinities are returned as they are.
func Round(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Floor(math.Log10(math.Abs(v)))
	scale := math.Pow(10, float64(n-1)-p)
	if scale == 0 || math.IsInf(scale, 0) {
		return v
	}
	r := math.Round(v*scale) / scale
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return v
	}
	return r
}

// Fixed prints x ≥ 0, already rounded to three significant digits, with
// IPython's rule: at least 100 with no decimals, at least 10 with one,
// else with two.
func Fixed(x float64) string {
	switch {
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	default:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
}

// Short prints v ≥ 0 to three significant digits without trailing zeros:
// "850", "12.3", "1.2", "1".
func Short(v float64) string {
	return trimZeros(Fixed(Round(v, 3)))
}

// Duration formats d with three significant digits in ns, µs, ms or s:
// "1.21 s", "620 ms", "8.00 µs", "15.0 ns", "0 s". Rounding that carries
// into the next unit takes it: 999.6 ms is "1.00 s". Beyond 1000 s it
// prints whole seconds: "3600 s".
func Duration(d time.Duration) string {
	if d == 0 {
		return "0 s"
	}
	sign, x, unit := split(d)
	return sign + Fixed(x) + " " + unit
}

// ShortDuration is Duration without trailing zeros, and "0" for zero:
// "1.2 s", "620 ms", "8 µs", "15 ns".
func ShortDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	sign, x, unit := split(d)
	return sign + trimZeros(Fixed(x)) + " " + unit
}

// split gives the sign of d ≠ 0 and its magnitude rounded to three
// significant digits in the unit Duration prints it in.
func split(d time.Duration) (sign string, x float64, unit string) {
	// Work in float64 so that math.MinInt64 has a magnitude.
	v := float64(d)
	if v < 0 {
		sign, v = "-", -v
	}
	units := []struct {
		name  string
		scale float64
	}{{"ns", 1}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}}
	i := 0
	for i < len(units)-1 && v >= units[i+1].scale {
		i++
	}
	x = Round(v/units[i].scale, 3)
	// Rounding can carry into the next unit: 999.6 ms is 1.00 s.
	if x >= 1000 && i < len(units)-1 {
		i++
		x = Round(v/units[i].scale, 3)
	}
	if x >= 1000 {
		// Beyond the largest unit print whole seconds: "3600 s".
		x = v / units[i].scale
	}
	return sign, x, units[i].name
}

// trimZeros drops trailing zeros after a decimal point, and the point if
// nothing is left after it.
func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
