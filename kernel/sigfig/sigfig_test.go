package sigfig

import (
	"math"
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 s"},
		{1, "1.00 ns"},
		{15, "15.0 ns"},
		{999, "999 ns"},
		{1000, "1.00 µs"},
		{8 * time.Microsecond, "8.00 µs"},
		{12345, "12.3 µs"},
		{123456, "123 µs"},
		{620 * time.Millisecond, "620 ms"},
		{1210 * time.Millisecond, "1.21 s"},
		{1215 * time.Millisecond, "1.22 s"},
		{9996 * time.Microsecond, "10.0 ms"},
		{99960 * time.Microsecond, "100 ms"},
		{999600 * time.Microsecond, "1.00 s"},
		{999499 * time.Microsecond, "999 ms"},
		{time.Minute, "60.0 s"},
		{time.Hour, "3600 s"},
		{-1500 * time.Microsecond, "-1.50 ms"},
		{math.MinInt64, "-9223372037 s"},
		{math.MaxInt64, "9223372037 s"},
	}
	for _, c := range cases {
		if got := Duration(c.d); got != c.want {
			t.Errorf("Duration(%d) = %q, want %q", int64(c.d), got, c.want)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for ns, want := range map[int64]string{
		0: "0", 850: "850 ns", 12345: "12.3 µs", 999_499: "999 µs", 999_600: "1 ms",
		1_250_000: "1.25 ms", 2_500_000_000: "2.5 s", 8000: "8 µs", 10_000_000: "10 ms",
		-1_500_000: "-1.5 ms", 3_600_000_000_000: "3600 s",
	} {
		if got := ShortDuration(time.Duration(ns)); got != want {
			t.Errorf("ShortDuration(%d) = %q, want %q", ns, got, want)
		}
	}
}

func TestRound(t *testing.T) {
	for _, c := range []struct{ v, want float64 }{
		{1234, 1230}, {0.012345, 0.0123}, {-1.235, -1.24}, {999.6, 1000}, {0, 0},
	} {
		if got := Round(c.v, 3); got != c.want {
			t.Errorf("Round(%g, 3) = %g, want %g", c.v, got, c.want)
		}
	}
	if got := Round(math.Inf(1), 3); !math.IsInf(got, 1) {
		t.Errorf("Round(+Inf) = %g", got)
	}
	for x, want := range map[float64]string{0.85: "0.85", 12.345: "12.3", 1.2: "1.2", 999.6: "1000", 0: "0"} {
		if got := Short(x); got != want {
			t.Errorf("Short(%g) = %q, want %q", x, got, want)
		}
	}
	for x, want := range map[float64]string{123: "123", 12.3: "12.3", 1.2: "1.20", 0: "0.00"} {
		if got := Fixed(x); got != want {
			t.Errorf("Fixed(%g) = %q, want %q", x, got, want)
		}
	}
}
