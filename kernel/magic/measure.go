package magic

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/chart"
	"github.com/gocurrent/gocurrent/kernel/engine"
	"github.com/gocurrent/gocurrent/kernel/gotrace"
	"github.com/gocurrent/gocurrent/kernel/sigfig"
)

// The measuring magics: %time, %%time, %%timeit, %%compare, %%scale and
// %%trace. Each prints what it measured, shows a chart where there is one
// (SVG, with a text table as the plain-text fallback), and puts its
// figures in the execute_reply's metadata under its own name, so that
// notebooks and tests can read them.

// measureMagic runs a measuring cell magic; ok is false when name is not one.
func (m *Magics) measureMagic(ctx context.Context, c *cell.Cell, out Output) (engine.Result, bool) {
	name := c.CellMagic.Name
	switch name {
	case "time", "timeit", "compare", "scale", "trace":
	default:
		return engine.Result{}, false
	}
	mg := *c.CellMagic
	if hasHelpFlag(mg.Args) {
		out.Stream("stdout", m.help[name]+"\n", 0)
		return engine.Result{}, true
	}
	body := strings.Repeat("\n", c.BodyLine-1) + c.Body
	if name == "time" {
		if strings.TrimSpace(mg.Args) != "" {
			return magicError(mg, "usage: %%time (no arguments; the cell is timed)"), true
		}
		return m.timeOnce(ctx, body, out), true
	}
	switch name {
	case "timeit":
		return m.timeit(ctx, mg, body, out), true
	case "compare":
		return m.compare(ctx, mg, body, out), true
	case "scale":
		return m.scale(ctx, mg, body, out), true
	default:
		return m.trace(ctx, mg, body, out), true
	}
}

func hasHelpFlag(args string) bool {
	for _, f := range strings.Fields(args) {
		if f == "-h" || f == "--help" || f == "-help" {
			return true
		}
	}
	return false
}

// flags parses magic arguments with the standard flag package (-x and --x
// both work).
func magicFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("%%"+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func (m *Magics) parseFlags(fs *flag.FlagSet, mg cell.Magic) *engine.Result {
	if err := fs.Parse(strings.Fields(mg.Args)); err != nil {
		r := magicError(mg, fmt.Sprintf("%v; usage: %s", err, firstLine(m.help[mg.Name])))
		return &r
	}
	if fs.NArg() > 0 {
		r := magicError(mg, fmt.Sprintf("unexpected %q; usage: %s", fs.Arg(0), firstLine(m.help[mg.Name])))
		return &r
	}
	return nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// timeOnce runs code as a cell and prints its time as IPython's %time does.
func (m *Magics) timeOnce(ctx context.Context, code string, out Output) engine.Result {
	res := m.runBody(ctx, code, out)
	t := res.Timing
	text := fmt.Sprintf("CPU times: user %s, sys: %s, total: %s\nWall time: %s\n",
		ipyTime(float64(t.UserNS)), ipyTime(float64(t.SysNS)), ipyTime(float64(t.UserNS+t.SysNS)), ipyTime(float64(t.WallNS-t.BuildNS)))
	if !out.AtLineStart() {
		text = "\n" + text
	}
	out.Stream("stdout", text, 0)
	out.SetMetadata("time", map[string]any{"wall_ns": t.WallNS - t.BuildNS, "user_ns": t.UserNS, "sys_ns": t.SysNS, "engine": t.Engine})
	res.Timing = engine.Timing{} // the lines above say it
	return res
}

// runBody runs code as a cell: natively when it is a whole program.
func (m *Magics) runBody(ctx context.Context, code string, out Output) engine.Result {
	if c, err := cell.Parse(code); err == nil && c.Program {
		if m.programs != nil {
			return m.programs.Run(ctx, code, "", m.sess.ExecutionCount(), out)
		}
	}
	return m.cells.Execute(ctx, code, m.sess.ExecutionCount(), out)
}

// ipyTime formats a duration as IPython's _format_time does: three
// significant digits, no trailing zeros ("1.2 s", "8 ms", "6.91 µs").
func ipyTime(ns float64) string {
	s := ns / 1e9
	if s >= 60 {
		var parts []string
		left := s
		for _, p := range []struct {
			suffix string
			length float64
		}{{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}} {
			if v := math.Floor(left / p.length); v > 0 {
				left = math.Mod(left, p.length)
				parts = append(parts, fmt.Sprintf("%d%s", int64(v), p.suffix))
			}
			if left < 1 {
				break
			}
		}
		return strings.Join(parts, " ")
	}
	units := []string{"s", "ms", "µs", "ns"}
	scale := []float64{1, 1e3, 1e6, 1e9}
	order := 3
	if s > 0 {
		order = min(int(-math.Floor(math.Floor(math.Log10(s))/3)), 3)
	}
	return fmt.Sprintf("%.3g %s", s*scale[order], units[order])
}

// spec is the measure request for code.
func (m *Magics) spec(code string, native bool) engine.MeasureSpec {
	return engine.MeasureSpec{Code: code, Count: m.sess.ExecutionCount(), Native: native || isProgram(code)}
}

func isProgram(code string) bool {
	c, err := cell.Parse(code)
	return err == nil && c.Program
}

// measureError is the result of a failed measurement.
func measureError(m engine.Measurement, what string) engine.Result {
	e := *m.Err
	if what != "" {
		e.Value = what + ": " + e.Value
		e.Traceback = append([]string{fmt.Sprintf("\x1b[0;31m%s\x1b[0m failed:", what)}, e.Traceback...)
	}
	return engine.Result{Err: &e}
}

// timeit is %%timeit.
func (m *Magics) timeit(ctx context.Context, mg cell.Magic, code string, out Output) engine.Result {
	fs := magicFlags("timeit")
	loops := fs.Int("n", 0, "loops per run")
	runs := fs.Int("r", 7, "runs")
	native := fs.Bool("native", false, "measure natively")
	if r := m.parseFlags(fs, mg); r != nil {
		return *r
	}
	if *loops < 0 || *runs < 1 {
		return magicError(mg, "-n must be at least 1 and -r at least 1")
	}
	spec := m.spec(code, *native)
	spec.Loops, spec.Runs = *loops, *runs
	res := m.measure(ctx, spec, out)
	if res.Err != nil {
		return measureError(res, "")
	}
	perLoop := make([]float64, len(res.Runs))
	for i, r := range res.Runs {
		perLoop[i] = float64(r.WallNS) / float64(res.Loops)
	}
	mean, std := meanStd(perLoop)
	best, worst := slices.Min(perLoop), slices.Max(perLoop)
	text := fmt.Sprintf("%s ± %s per loop (mean ± std. dev. of %d run%s, %s loop%s each)\n",
		ipyTime(mean), ipyTime(std), len(res.Runs), plural(len(res.Runs)), thousands(res.Loops), plural(res.Loops))
	if best > 0 && worst > 4*best && worst > 1e6 {
		text = fmt.Sprintf("The slowest run took %.2f times longer than the fastest. This could mean that an intermediate result is being cached.\n", worst/best) + text
	}
	if !out.AtLineStart() {
		text = "\n" + text
	}
	out.Stream("stdout", text, 0)
	ws := tooShort(best)
	showWarnings(ws, out)
	warnings, kinds := warningFigures(ws)
	cpu := 0.0
	for _, r := range res.Runs {
		cpu += float64(r.UserNS+r.SysNS) / float64(res.Loops)
	}
	cpu /= float64(len(res.Runs))
	samples := make([]int64, len(perLoop))
	for i, v := range perLoop {
		samples[i] = int64(v)
	}
	out.SetMetadata("timeit", map[string]any{
		"engine": res.Engine, "loops": res.Loops, "runs": len(res.Runs),
		"mean_ns": int64(mean), "std_ns": int64(std), "best_ns": int64(best), "worst_ns": int64(worst),
		"cpu_ns": int64(cpu), "samples_ns": samples, "gomaxprocs": res.GOMAXPROCS,
		"warnings": warnings, "warning_kinds": kinds,
	})
	return engine.Result{}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// thousands writes n with commas, as Python's {:,}.
func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// meanStd is the mean and population standard deviation (as IPython's
// timeit reports).
func meanStd(xs []float64) (mean, std float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(xs)))
}

func median(xs []int64) int64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// runStats are the medians of a measurement's runs.
type runStats struct {
	wall, cpu int64
	walls     []int64
}

func stats(m engine.Measurement) runStats {
	var st runStats
	cpus := make([]int64, len(m.Runs))
	for i, r := range m.Runs {
		st.walls = append(st.walls, r.WallNS)
		cpus[i] = r.UserNS + r.SysNS
	}
	st.wall, st.cpu = median(st.walls), median(cpus)
	return st
}

// against compares st with a first run of median wall time base: its
// speedup over it, its cores busy, its table cells after the first
// (median wall, CPU, cores busy, speedup) and its figure for the metadata.
func (st runStats) against(base int64) (speed, cores float64, cells []string, fig map[string]any) {
	if st.wall > 0 {
		speed = float64(base) / float64(st.wall)
	}
	cores = coresBusy(st.cpu, st.wall)
	cells = []string{sigfig.Duration(time.Duration(st.wall)), sigfig.Duration(time.Duration(st.cpu)),
		fmt.Sprintf("%.2f", cores), fmt.Sprintf("%.2f×", speed)}
	fig = map[string]any{"median_wall_ns": st.wall, "wall_ns": st.walls,
		"cpu_ns": st.cpu, "cores_busy": round3(cores), "speedup": round3(speed)}
	return speed, cores, cells, fig
}

func coresBusy(cpu, wall int64) float64 {
	if wall <= 0 {
		return 0
	}
	return float64(cpu) / float64(wall)
}

// variantRE is the line that starts a variant of %%compare.
var variantRE = regexp.MustCompile(`^\s*//\s*---\s*(.*?)\s*$`)

// variant is one variant of a %%compare cell: its name and code (the
// cell's lines, other variants' blanked).
type variant struct {
	name string
	code string
}

// variants splits a %%compare cell.
func variants(code string) []variant {
	lines := strings.Split(code, "\n")
	var starts []int
	for i, l := range lines {
		if variantRE.MatchString(l) {
			starts = append(starts, i)
		}
	}
	var vs []variant
	for j, st := range starts {
		end := len(lines)
		if j+1 < len(starts) {
			end = starts[j+1]
		}
		own := make([]string, len(lines))
		copy(own, lines[:starts[0]]) // the shared lines
		copy(own[st:end], lines[st:end])
		name := variantRE.FindStringSubmatch(lines[st])[1]
		if name == "" {
			name = fmt.Sprintf("variant %d", j+1)
		}
		vs = append(vs, variant{name: name, code: strings.Join(own, "\n")})
	}
	return vs
}

// compare is %%compare.
func (m *Magics) compare(ctx context.Context, mg cell.Magic, code string, out Output) engine.Result {
	fs := magicFlags("compare")
	runs := fs.Int("r", 3, "runs per variant")
	native := fs.Bool("native", false, "measure natively")
	different := fs.Bool("different-work", false, "the variants do different work")
	if r := m.parseFlags(fs, mg); r != nil {
		return *r
	}
	if *runs < 1 {
		return magicError(mg, "-r must be at least 1")
	}
	vs := variants(code)
	if len(vs) == 0 {
		return magicError(mg, "no variants: start each with a line // --- NAME")
	}
	type result struct {
		name string
		st   runStats
		eng  string
	}
	var results []result
	for _, v := range vs {
		if !out.AtLineStart() {
			out.Stream("stdout", "\n", 0)
		}
		out.Stream("stdout", "── "+v.name+" ──\n", 0)
		spec := m.spec(v.code, *native)
		spec.Loops, spec.Runs, spec.Warmup = 1, *runs, true
		res := m.measure(ctx, spec, out)
		if res.Err != nil {
			return measureError(res, "variant "+strconv.Quote(v.name))
		}
		results = append(results, result{v.name, stats(res), res.Engine})
	}
	base := results[0].st.wall
	longest := int64(0)
	for _, r := range results {
		longest = max(longest, r.st.wall, r.st.cpu)
		for _, w := range r.st.walls {
			longest = max(longest, w)
		}
	}
	unit, scale := durationUnit(longest)
	var rows [][]string
	var bars []chart.Bar
	var figs []map[string]any
	for _, r := range results {
		speed, cores, cells, f := r.st.against(base)
		rows = append(rows, append([]string{r.name}, cells...))
		dots := make([]float64, len(r.st.walls))
		for i, w := range r.st.walls {
			dots[i] = float64(w) / scale
		}
		bars = append(bars, chart.Bar{Label: r.name, Value: float64(r.st.wall) / scale,
			Text:       fmt.Sprintf("%s · %.2f× speedup", dur(r.st.wall), speed),
			Note:       fmt.Sprintf("%s: median wall %s, CPU %s, %.2f cores busy, %.2f× the first", r.name, dur(r.st.wall), dur(r.st.cpu), cores, speed),
			Second:     float64(r.st.cpu) / scale,
			SecondText: fmt.Sprintf("CPU %s · %.2f cores busy", dur(r.st.cpu), cores),
			Dots:       dots,
		})
		f["name"], f["engine"] = r.name, r.eng
		figs = append(figs, f)
	}
	table := chart.Table([]string{"variant", "median wall", "CPU", "cores busy", "speedup"}, rows)
	eng := results[0].eng
	var ws []warning
	if !*different {
		ms := make([]measured, len(results))
		for i, r := range results {
			ms[i] = measured{name: strconv.Quote(r.name), wall: r.st.wall, cpu: r.st.cpu}
		}
		cores := runtime.NumCPU()
		ws = append(tooFast(ms, func(measured) int { return cores }, func(measured) float64 { return float64(cores) }, "variant"), cpuApart(ms, "variant")...)
	}
	title := fmt.Sprintf("%s: median of %d run%s (%s)", "compare", *runs, plural(*runs), eng)
	pic := chart.BarChart{Title: title, XLabel: "median wall time (" + unit + ") and CPU time", Unit: unit, Bars: bars,
		ValueName: "median wall time", SecondName: "median CPU time (all cores)", DotsName: "each run's wall time",
		Warning: chartWarning(ws)}.Picture()
	fig := map[string]any{"engine": eng, "runs": *runs, "variants": figs, "different_work": *different}
	if !out.AtLineStart() {
		out.Stream("stdout", "\n", 0)
	}
	fig["warnings"], fig["warning_kinds"] = warningFigures(ws)
	out.SetMetadata("compare", fig)
	showChart(out, pic, table, map[string]any{"gocurrent": map[string]any{"compare": fig}})
	showWarnings(ws, out)
	return engine.Result{}
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// durationUnit picks the unit to chart durations up to max in.
func durationUnit(maxNS int64) (string, float64) {
	switch {
	case maxNS >= 1e9:
		return "s", 1e9
	case maxNS >= 1e6:
		return "ms", 1e6
	case maxNS >= 1e3:
		return "µs", 1e3
	}
	return "ns", 1
}

// defaultProcs are the GOMAXPROCS settings %%scale measures: every
// count from 1 to two beyond the cores on small machines (1, 2, 3, 4 on
// 2 cores), so that the plateau past the cores shows; on larger ones
// powers of two up to the cores, the cores, and one and a half and twice
// as many.
func defaultProcs(cores int) []int {
	if cores <= 4 {
		var ps []int
		for p := 1; p <= cores+2; p++ {
			ps = append(ps, p)
		}
		return ps
	}
	var ps []int
	for p := 1; p < cores; p *= 2 {
		ps = append(ps, p)
	}
	return append(ps, cores, cores+cores/2, 2*cores)
}

func parseProcs(s string) ([]int, error) {
	var ps []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-procs wants a list of numbers of at least 1, such as 1,2,4 (got %q)", f)
		}
		ps = append(ps, n)
	}
	return ps, nil
}

// scale is %%scale.
func (m *Magics) scale(ctx context.Context, mg cell.Magic, code string, out Output) engine.Result {
	fs := magicFlags("scale")
	procsArg := fs.String("procs", "", "GOMAXPROCS settings")
	runs := fs.Int("r", 3, "runs per setting")
	native := fs.Bool("native", false, "measure natively")
	if r := m.parseFlags(fs, mg); r != nil {
		return *r
	}
	cores := runtime.NumCPU()
	procs := defaultProcs(cores)
	if *procsArg != "" {
		var err error
		if procs, err = parseProcs(*procsArg); err != nil {
			return magicError(mg, err.Error())
		}
	}
	if *runs < 1 {
		return magicError(mg, "-r must be at least 1")
	}
	type result struct {
		procs int
		st    runStats
	}
	var results []result
	eng := ""
	for i, p := range procs {
		spec := m.spec(code, *native)
		spec.Loops, spec.Runs, spec.GOMAXPROCS, spec.Warmup = 1, *runs, p, true
		spec.Quiet = i > 0
		res := m.measure(ctx, spec, out)
		if res.Err != nil {
			return measureError(res, fmt.Sprintf("GOMAXPROCS=%d", p))
		}
		eng = res.Engine
		results = append(results, result{p, stats(res)})
	}
	base := results[0].st.wall
	var rows [][]string
	var xs, ys, ideal, runXs, runYs []float64
	var figs []map[string]any
	busy := map[int]float64{}
	for _, r := range results {
		speed, cores, cells, f := r.st.against(base)
		rows = append(rows, append([]string{strconv.Itoa(r.procs)}, cells...))
		xs = append(xs, float64(r.procs))
		ys = append(ys, round3(speed))
		for _, w := range r.st.walls {
			if w > 0 {
				runXs = append(runXs, float64(r.procs))
				runYs = append(runYs, round3(float64(base)/float64(w)))
			}
		}
		busy[r.procs] = cores
		f["gomaxprocs"] = r.procs
		figs = append(figs, f)
	}
	// The x ticks in order, each with its cores busy under it.
	var ticks []float64
	var notes []string
	for _, p := range slices.Sorted(maps.Keys(busy)) {
		ticks = append(ticks, float64(p))
		notes = append(notes, fmt.Sprintf("%.2f", busy[p]))
	}
	p0 := math.Min(float64(procs[0]), float64(cores))
	for _, x := range xs {
		ideal = append(ideal, math.Min(x, float64(cores))/p0)
	}
	ceiling := float64(cores) / p0
	table := chart.Table([]string{"GOMAXPROCS", "median wall", "CPU", "cores busy", "speedup"}, rows) +
		fmt.Sprintf("\n%d cores on this machine\n", cores)
	ms := make([]measured, len(results))
	for i, r := range results {
		ms[i] = measured{name: fmt.Sprintf("GOMAXPROCS=%d", r.procs), wall: r.st.wall, cpu: r.st.cpu}
	}
	procsOf := map[string]int{}
	for i, r := range results {
		procsOf[ms[i].name] = r.procs
	}
	usable := func(m measured) int { return min(procsOf[m.name], cores) }
	gain := func(m measured) float64 { return float64(usable(m)) / float64(usable(ms[0])) }
	ws := append(tooFast(ms, usable, gain, "at"), cpuBelow(ms, "at")...)
	pic := chart.LineChart{
		Title:  fmt.Sprintf("speedup by GOMAXPROCS: median of %d run%s (%s, %d cores)", *runs, plural(*runs), eng, cores),
		XLabel: "GOMAXPROCS", YLabel: fmt.Sprintf("speedup over GOMAXPROCS=%d (×)", procs[0]),
		Series: []chart.Series{
			{Name: "measured (median)", X: xs, Y: ys, Labels: true},
			{Name: "ideal (no more than the cores)", X: xs, Y: ideal, Dashed: true},
			{Name: "each run", X: runXs, Y: runYs, Dots: true, Color: chart.Palette(1)[0]},
		},
		XTicks: ticks, VLine: float64(cores), VLineLabel: fmt.Sprintf("%d cores", cores),
		HLine:      ceiling,
		HLineLabel: fmt.Sprintf("%d cores: %s× is the most CPU-bound work can gain", cores, strconv.FormatFloat(round3(ceiling), 'f', -1, 64)),
		XNotes:     notes, XNotesLabel: "cores busy",
		Warning: chartWarning(ws),
	}.Picture()
	fig := map[string]any{"engine": eng, "cores": cores, "runs": *runs, "settings": figs}
	if !out.AtLineStart() {
		out.Stream("stdout", "\n", 0)
	}
	fig["warnings"], fig["warning_kinds"] = warningFigures(ws)
	out.SetMetadata("scale", fig)
	showChart(out, pic, table, map[string]any{"gocurrent": map[string]any{"scale": fig}})
	showWarnings(ws, out)
	return engine.Result{}
}

// trace is %%trace.
func (m *Magics) trace(ctx context.Context, mg cell.Magic, code string, out Output) engine.Result {
	fs := magicFlags("trace")
	native := fs.Bool("native", false, "trace natively")
	if r := m.parseFlags(fs, mg); r != nil {
		return *r
	}
	goBin := ""
	if m.programs != nil {
		var err error
		if goBin, err = m.programs.GoCommand(); err != nil {
			return magicError(mg, err.Error())
		}
	}
	dir, err := os.MkdirTemp("", "gocurrent-trace-")
	if err != nil {
		return magicError(mg, fmt.Sprintf("make a directory for the trace: %v", err))
	}
	defer os.RemoveAll(dir)
	spec := m.spec(code, *native)
	spec.Loops, spec.Runs, spec.Trace = 1, 1, filepath.Join(dir, "trace.out")
	res := m.measure(ctx, spec, out)
	if res.Err != nil {
		return measureError(res, "")
	}
	opt := gotrace.Options{Go: goBin, CellFile: "cell"}
	if res.Engine == "interp" {
		opt.Names = res.TraceNames
		if opt.Names == nil {
			opt.Names = map[uint64]string{}
		}
		opt.Main = res.TraceMain
	} else {
		opt.Main = 1 // the program's main goroutine runs the cell
	}
	start := time.Now()
	tr, err := gotrace.Load(ctx, spec.Trace, opt)
	if err != nil && (tr == nil || !errors.Is(err, gotrace.ErrIncomplete)) {
		return magicError(mg, fmt.Sprintf("read the trace: %v", err))
	}
	// The measured program's main runs the cell's statements as a
	// function of its own: it is the cell's main to the reader.
	rename := strings.NewReplacer("main._gocurrentBody", "main")
	pic, text := tr.Picture(), rename.Replace(tr.Text())
	pic.MapText(rename.Replace)
	fig, err := asMap(tr.Summary())
	if err != nil {
		return magicError(mg, err.Error())
	}
	fig["engine"] = res.Engine
	out.SetMetadata("trace", fig)
	if !out.AtLineStart() {
		out.Stream("stdout", "\n", 0)
	}
	drawn := time.Now()
	data, meta, err := chartData(pic, text, map[string]any{"gocurrent": map[string]any{"trace": fig}})
	fig["render_ns"] = time.Since(start).Nanoseconds() // reading and drawing the trace
	fig["draw_ns"] = time.Since(drawn).Nanoseconds()   // of which writing the SVG, drawing and encoding the PNG
	fig["svg_bytes"] = len(data["image/svg+xml"].(string))
	if png, ok := data["image/png"].(string); ok {
		fig["png_bytes"] = len(png)/4*3 - strings.Count(png[max(len(png)-2, 0):], "=")
	}
	out.Display(data, meta, "", false)
	if err != nil {
		out.Stream("stderr", "the trace is shown as SVG only: "+err.Error()+"\n", 0)
	}
	return engine.Result{}
}

// asMap turns v into the map its JSON encoding is.
func asMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode the figures: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode the figures: %w", err)
	}
	return m, nil
}

// splitTimeitFlags splits the arguments of %timeit into its flags and the
// statement after them.
func splitTimeitFlags(args string) (flags, stmt string) {
	rest := strings.TrimLeft(args, " \t")
	var fl []string
	for {
		tok, after, _ := strings.Cut(rest, " ")
		switch {
		case tok == "-n" || tok == "-r" || tok == "--n" || tok == "--r":
			val, after2, _ := strings.Cut(strings.TrimLeft(after, " \t"), " ")
			fl = append(fl, tok, val)
			rest = strings.TrimLeft(after2, " \t")
			continue
		case tok == "--native" || tok == "-native" || strings.HasPrefix(tok, "-n=") || strings.HasPrefix(tok, "-r="):
			fl = append(fl, tok)
			rest = strings.TrimLeft(after, " \t")
			continue
		}
		return strings.Join(fl, " "), rest
	}
}
