package svgkit

import (
	"encoding/xml"
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"
)

func TestTicks(t *testing.T) {
	nice := func(v float64) bool {
		if v == 0 {
			return true
		}
		e := math.Floor(math.Log10(math.Abs(v)))
		m := math.Abs(v) / math.Pow(10, e)
		for _, n := range []float64{1, 2, 5, 10} {
			if math.Abs(m-n) < 1e-6 {
				return true
			}
		}
		return false
	}
	cases := []struct {
		lo, hi float64
		target int
	}{
		{0, 1, 5}, {0, 1210, 6}, {0, 7.3, 5}, {0, 0.042, 4}, {-20, 35, 6},
		{1, 8, 6}, {0, 1e300, 5}, {0, 3e-300, 5}, {0, 99.999, 8}, {123, 124, 5},
		{0, 1, 1}, {0, 1e9, 8}, {-1e-9, 0, 3},
	}
	for _, c := range cases {
		ticks := Ticks(c.lo, c.hi, c.target)
		if len(ticks) < 2 {
			t.Errorf("Ticks(%g, %g) = %v: too few", c.lo, c.hi, ticks)
			continue
		}
		step := Step(ticks)
		if !nice(step) {
			t.Errorf("Ticks(%g, %g): step %g is not 1, 2 or 5 × 10^k", c.lo, c.hi, step)
		}
		if ticks[0] > c.lo || ticks[len(ticks)-1] < c.hi {
			t.Errorf("Ticks(%g, %g) = %v does not cover the range", c.lo, c.hi, ticks)
		}
		if len(ticks)-1 > 2*c.target+1 {
			t.Errorf("Ticks(%g, %g, %d) = %d ticks: too many", c.lo, c.hi, c.target, len(ticks))
		}
		for i, v := range ticks {
			if math.Abs(v/step-math.Round(v/step)) > 1e-6 {
				t.Errorf("tick %g is not a multiple of the step %g", v, step)
			}
			if i > 0 && math.Abs((v-ticks[i-1])-step)/step > 1e-6 {
				t.Errorf("ticks %v are not evenly spaced", ticks)
			}
		}
	}
	if got := fmt.Sprint(Ticks(0, 1210, 6)); got != "[0 200 400 600 800 1000 1200 1400]" {
		t.Errorf("Ticks(0, 1210, 6) = %s", got)
	}
	if got := fmt.Sprint(Ticks(0, 8, 4)); got != "[0 2 4 6 8]" {
		t.Errorf("Ticks(0, 8, 4) = %s", got)
	}
	for _, c := range [][2]float64{{0, 0}, {5, 5}, {math.NaN(), 1}, {1, math.Inf(1)}, {3, 1}} {
		if ticks := Ticks(c[0], c[1], 5); len(ticks) < 2 || !(ticks[len(ticks)-1] > ticks[0]) {
			t.Errorf("Ticks(%g, %g) = %v, want a drawable range", c[0], c[1], ticks)
		}
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		`a<b>&"c'`:      "a&lt;b&gt;&amp;&#34;c&#39;",
		"1.21 s · 3.9×": "1.21 s · 3.9×",
		"bad\x00":       "bad\uFFFD",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEscapeAsEncodingXML checks Escape against encoding/xml's EscapeText on
// random strings of the characters that matter.
func TestEscapeAsEncodingXML(t *testing.T) {
	pieces := []string{"a", "é", "<", ">", "&", "\"", "'", "\t", "\n", "\r", "\x00", "\x1f", "\xff", "\uFFFD", "\uFFFE", "\U0001F600", " ", "·"}
	rng := rand.New(rand.NewSource(1))
	for range 2000 {
		var b strings.Builder
		for range rng.Intn(12) {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		in := b.String()
		var want strings.Builder
		_ = xml.EscapeText(&want, []byte(in))
		if got := Escape(in); got != want.String() {
			t.Fatalf("Escape(%q) = %q, encoding/xml gives %q", in, got, want.String())
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("a<b>&\"c'\t\n\r\x00\xff")
	f.Fuzz(func(t *testing.T, in string) {
		var want strings.Builder
		_ = xml.EscapeText(&want, []byte(in))
		if got := Escape(in); got != want.String() {
			t.Fatalf("Escape(%q) = %q, encoding/xml gives %q", in, got, want.String())
		}
	})
}

func TestNum(t *testing.T) {
	for x, want := range map[float64]string{
		0: "0", 12: "12", 12.34: "12.3", 12.25: "12.3", -0.04: "0", -3.5: "-3.5", 1e9: "1000000000",
		math.NaN(): "0", math.Inf(1): "0",
	} {
		if got := Num(x); got != want {
			t.Errorf("Num(%g) = %q, want %q", x, got, want)
		}
	}
}

func TestTruncateAndWrap(t *testing.T) {
	if got := Truncate("short", 12, 100); got != "short" {
		t.Errorf("Truncate kept %q", got)
	}
	long := "a label far too long for the room it has"
	got := Truncate(long, 12, 80)
	if !strings.HasSuffix(got, "…") || TextWidth(got, 12) > 80 {
		t.Errorf("Truncate(%q) = %q (%.0f px)", long, got, TextWidth(got, 12))
	}
	lines := Wrap(long, 12, 100)
	if len(lines) < 2 || strings.Join(lines, " ") != long {
		t.Errorf("Wrap = %q", lines)
	}
	for _, l := range lines {
		if TextWidth(l, 12) > 100 {
			t.Errorf("line %q is %.0f px wide", l, TextWidth(l, 12))
		}
	}
	if TextWidth("WWW", 10) <= TextWidth("iii", 10) {
		t.Error("TextWidth does not tell wide letters from narrow ones")
	}
}

func TestScale10(t *testing.T) {
	cases := []struct {
		x    float64
		e    int
		want float64
	}{
		{3, -300, 3e-300}, {15, -301, 1.5e-300}, {1e14, 5, 1e19}, {2, 0, 2},
		{-7, -3, -0.007}, {5, 400, math.Inf(1)}, {1, -400, 0},
	}
	for _, c := range cases {
		if got := scale10(c.x, c.e); got != c.want {
			t.Errorf("scale10(%g, %d) = %g, want %g", c.x, c.e, got, c.want)
		}
	}
}
