package magic

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

const ms = 1_000_000

func kinds(ws []warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.kind)
	}
	return out
}

func TestTooFast(t *testing.T) {
	two := func(measured) int { return 2 }
	for _, tc := range []struct {
		name string
		ms   []measured
		want int
	}{
		{"work deleted", []measured{{"one", 400 * ms, 400 * ms}, {"two", 80 * ms, 150 * ms}}, 1},
		{"two cores, honest", []measured{{"one", 400 * ms, 400 * ms}, {"two", 205 * ms, 405 * ms}}, 0},
		{"just past the cores", []measured{{"one", 400 * ms, 400 * ms}, {"two", 190 * ms, 380 * ms}}, 1},
		{"just under the cores", []measured{{"one", 400 * ms, 400 * ms}, {"two", 201 * ms, 400 * ms}}, 0},
		{"waiting overlapped", []measured{{"one", 600 * ms, 3 * ms}, {"six", 100 * ms, 3 * ms}}, 0},
		{"half waiting", []measured{{"seq", 700 * ms, 200 * ms}, {"par", 100 * ms, 200 * ms}}, 0},
		{"under the cores, CPU noisy", []measured{{"seq", 194 * ms, 300 * ms}, {"par", 104 * ms, 182 * ms}}, 0},
		{"too little CPU to judge", []measured{{"one", 4 * ms, 4 * ms}, {"two", ms / 2, ms / 2}}, 0},
	} {
		ws := tooFast(tc.ms, two, func(measured) float64 { return 2 }, "variant")
		if len(ws) != tc.want {
			t.Errorf("%s: %d warnings %v, want %d", tc.name, len(ws), ws, tc.want)
		}
		for _, w := range ws {
			if !strings.Contains(w.text, "-gcflags=-m") || !strings.Contains(w.text, `two`) {
				t.Errorf("%s: %q names neither the variant nor how to check", tc.name, w.text)
			}
		}
	}
}

func TestCPUApart(t *testing.T) {
	if ws := cpuApart([]measured{{"a", 400 * ms, 400 * ms}, {"b", 100 * ms, 150 * ms}}, "variant"); !slices.Equal(kinds(ws), []string{"cpu differs"}) {
		t.Errorf("far apart: %v", ws)
	}
	if ws := cpuApart([]measured{{"a", 400 * ms, 400 * ms}, {"b", 210 * ms, 420 * ms}}, "variant"); len(ws) != 0 {
		t.Errorf("5%% apart: %v", ws)
	}
	// One variant waits: its CPU time is no measure of the work.
	if ws := cpuApart([]measured{{"a", 400 * ms, 400 * ms}, {"b", 400 * ms, 20 * ms}}, "variant"); len(ws) != 0 {
		t.Errorf("one waits: %v", ws)
	}
}

func TestCPUBelow(t *testing.T) {
	if ws := cpuBelow([]measured{{"GOMAXPROCS=1", 400 * ms, 400 * ms}, {"GOMAXPROCS=2", 100 * ms, 200 * ms}}, "at"); len(ws) != 1 {
		t.Errorf("half the CPU: %v", ws)
	}
	if ws := cpuBelow([]measured{{"GOMAXPROCS=1", 400 * ms, 400 * ms}, {"GOMAXPROCS=2", 300 * ms, 600 * ms}}, "at"); len(ws) != 0 {
		t.Errorf("more CPU with more procs is honest: %v", ws)
	}
}

func TestTooShort(t *testing.T) {
	if ws := tooShort(0.4); len(ws) != 1 || !strings.HasPrefix(ws[0].text, "0.40 ns per loop") {
		t.Errorf("0.4 ns: %v", ws)
	}
	if ws := tooShort(12); len(ws) != 0 {
		t.Errorf("12 ns: %v", ws)
	}
}

func TestDefaultProcs(t *testing.T) {
	for cores, want := range map[int][]int{
		1:  {1, 2, 3},
		2:  {1, 2, 3, 4},
		4:  {1, 2, 3, 4, 5, 6},
		8:  {1, 2, 4, 8, 12, 16},
		12: {1, 2, 4, 8, 12, 18, 24},
	} {
		if got := defaultProcs(cores); !slices.Equal(got, want) {
			t.Errorf("defaultProcs(%d) = %v, want %v", cores, got, want)
		}
	}
}

func TestChartWarning(t *testing.T) {
	for n, want := range map[int]string{0: "", 1: "1 warning: see below the chart", 3: "3 warnings: see below the chart"} {
		if got := chartWarning(make([]warning, n)); got != want {
			t.Errorf("chartWarning(%d warnings) = %q, want %q", n, got, want)
		}
	}
}

func TestTimingLineSaysWhenCoresBusyCannotBe(t *testing.T) {
	n := runtime.NumCPU()
	line := FormatTiming(engine.Timing{WallNS: 4 * ms, UserNS: int64(n+1) * 4 * ms, GOMAXPROCS: n, Engine: "interp"})
	if !strings.Contains(line, fmt.Sprintf("more than the %d cores", n)) {
		t.Errorf("no note on an impossible cores busy: %s", line)
	}
	line = FormatTiming(engine.Timing{WallNS: 4 * ms, UserNS: 4 * ms, GOMAXPROCS: n, Engine: "interp"})
	if strings.Contains(line, "more than") {
		t.Errorf("a note on a possible cores busy: %s", line)
	}
}
