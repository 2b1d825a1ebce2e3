package svgkit

import (
	"math"
	"strconv"
)

// Ticks returns evenly spaced ticks at a multiple of 1, 2 or 5 × 10^k whose
// first is ≤ lo and last is ≥ hi, with about target intervals. An empty or
// non-finite range is widened first, so there are always at least two
// ticks.
func Ticks(lo, hi float64, target int) []float64 {
	if !finite(lo) || !finite(hi) || lo >= hi {
		return degenerateTicks(lo, hi)
	}
	if target < 1 {
		target = 1
	}
	m, e, ok := niceStep((hi - lo) / float64(target))
	if !ok {
		return []float64{lo, hi}
	}
	step := scale10(m, e)
	k0 := math.Floor(lo/step + 1e-9)
	k1 := math.Ceil(hi/step - 1e-9)
	if !finite(k0) || !finite(k1) || k1-k0 > 100 || k1 <= k0 {
		return []float64{lo, hi}
	}
	ticks := make([]float64, 0, int(k1-k0)+2)
	for k := k0; k <= k1; k++ {
		// k·m·10^e in one rounding gives round values such as 3e-300
		// rather than 2.99…e-300.
		t := scale10(k*m, e)
		if !finite(t) {
			return []float64{lo, hi}
		}
		if t == 0 {
			t = 0 // no -0
		}
		ticks = append(ticks, t)
	}
	// Rounding at the extremes of float64 must not leave data outside.
	if ticks[0] > lo {
		ticks = append([]float64{lo}, ticks...)
	}
	if ticks[len(ticks)-1] < hi {
		ticks = append(ticks, hi)
	}
	return ticks
}

// Step is the spacing of ticks (0 for fewer than two).
func Step(ticks []float64) float64 {
	if len(ticks) < 2 {
		return 0
	}
	return math.Abs(ticks[1] - ticks[0])
}

// scale10 returns x × 10^e, correctly rounded: the decimal text is parsed,
// so that 3 × 10^-300 is exactly the float64 nearest to 3e-300.
func scale10(x float64, e int) float64 {
	if !finite(x) {
		return x
	}
	// On overflow v is ±Inf, which callers reject; the text is always
	// valid syntax.
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', -1, 64)+"e"+strconv.Itoa(e), 64)
	return v
}

// niceStep rounds raw > 0 to the nearest (on a log scale) m × 10^e with m
// 1, 2 or 5.
func niceStep(raw float64) (m float64, e int, ok bool) {
	if raw <= 0 || !finite(raw) {
		return 0, 0, false
	}
	e = int(math.Floor(math.Log10(raw)))
	n := raw / scale10(1, e)
	if !finite(n) || n <= 0 {
		return 0, 0, false
	}
	switch {
	case n >= math.Sqrt(50):
		m, e = 1, e+1
	case n >= math.Sqrt(10):
		m = 5
	case n >= math.Sqrt2:
		m = 2
	default:
		m = 1
	}
	step := scale10(m, e)
	return m, e, step > 0 && finite(step)
}

// degenerateTicks widens an empty range so that it can be drawn.
func degenerateTicks(lo, hi float64) []float64 {
	switch {
	case !finite(lo) || !finite(hi):
		return []float64{0, 1}
	case lo == 0 && hi == 0:
		return []float64{0, 1}
	case lo > hi:
		lo, hi = hi, lo
	}
	if lo == hi {
		d := math.Abs(lo) * 0.1
		lo, hi = lo-d, hi+d
	}
	if lo == hi || !finite(lo) || !finite(hi) {
		return []float64{0, 1}
	}
	return Ticks(lo, hi, 4)
}
