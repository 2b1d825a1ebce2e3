package magic

import (
	"fmt"
	"strings"
	"time"

	"github.com/gocurrent/gocurrent/kernel/sigfig"
)

// The measuring magics check their own figures for what cannot be true
// of the same work measured honestly, and say so: each finding is a line
// starting with "⚠ " under the figures, and an entry of the "warnings"
// list in the magic's metadata.
//
//   - A variant (or GOMAXPROCS setting) that finished sooner than the
//     first one's CPU time can be spent on the cores it had: the same
//     work cannot be done that fast, so it did less of it (results
//     dropped and the work optimised away) or the first one was slowed.
//     Waiting is not work: a variant that overlaps sleeps or IO has a
//     small CPU time and is never flagged.
//   - Variants that all compute (a quarter of a core busy or more), with CPU times more than about 30%
//     apart: for the same work that means less work done, or slowed
//     cores.
//   - A time per loop under 2 ns: a few CPU cycles, about what the loop
//     itself costs, too short for a statement to have done real work.

const (
	// cpuSpread is the CPU time ratio beyond which variants that compute
	// are flagged.
	cpuSpread = 1.30
	// minCPU is the CPU time below which figures are too coarse to judge.
	minCPU = 5 * time.Millisecond
	// computing is the cores busy from which a run counts as computing
	// (a quarter of a core: on a busy machine a computing run gets less
	// than a whole one; a run that mostly waits stays far below).
	computing = 0.25
	// minLoopNS is the time per loop below which what is measured is the
	// loop itself, not work: a few CPU cycles.
	minLoopNS = 2.0
)

// warning is one finding: a short kind and the text shown.
type warning struct {
	kind, text string
}

// howToCheck is where the warnings point for the usual cause.
const howToCheck = "keep each result (sink += f(x)) and give shared work functions //go:noinline; go build -gcflags=-m shows what is inlined, go tool objdump what is left"

// measured is the figures of one variant, or one GOMAXPROCS setting.
type measured struct {
	name      string
	wall, cpu int64 // medians
}

func (m measured) busy() float64 { return coresBusy(m.cpu, m.wall) }

// tooFast reports the variants in ms (after the first) whose speedup
// over the first is above bound(m), the most that more cores can give,
// and that finished sooner than the first's CPU time can be spent on
// cores(m) cores. (The second test spares variants that overlap waiting;
// the first, figures that only CPU time's noise, the collector's work on
// other cores, pushes past the second.) Neither has any slack: a speedup
// past the cores is never true of the same work, and noise that makes
// one (a first variant slowed by other programs) is said to be that.
func tooFast(ms []measured, cores func(measured) int, bound func(measured) float64, what string) []warning {
	if len(ms) < 2 || time.Duration(ms[0].cpu) < minCPU {
		return nil
	}
	base := ms[0]
	var ws []warning
	for _, m := range ms[1:] {
		c := cores(m)
		floor := float64(base.cpu) / float64(c) // the quickest the first's work can run on c cores
		if m.wall <= 0 || float64(m.wall) >= floor {
			continue
		}
		speed := float64(base.wall) / float64(m.wall)
		if speed <= bound(m) {
			continue
		}
		ws = append(ws, warning{"impossible speedup", fmt.Sprintf(
			"%s %s: %.2f× faster than %s, more than %d core%s can give: %s used %s of CPU, which takes at least %s on %d core%s, and this took %s. "+
				"It did less work (a result nobody uses lets the compiler delete the work that made it), or the first was slowed by other load or spent its CPU spinning on a lock. "+
				"To check: %s.",
			what, m.name, speed, base.name, c, plural(c), base.name, dur(base.cpu), dur(int64(floor)), c, plural(c), dur(m.wall), howToCheck)})
	}
	return ws
}

// cpuApart reports variants that all compute but whose CPU times are far
// apart.
func cpuApart(ms []measured, what string) []warning {
	lo, hi := ms[0], ms[0]
	for _, m := range ms {
		if m.busy() < computing || time.Duration(m.cpu) < minCPU {
			return nil
		}
		if m.cpu < lo.cpu {
			lo = m
		}
		if m.cpu > hi.cpu {
			hi = m
		}
	}
	if float64(hi.cpu) <= cpuSpread*float64(lo.cpu) {
		return nil
	}
	return []warning{{"cpu differs", fmt.Sprintf(
		"CPU time differs by %.0f%% between %s %s (%s) and %s (%s). Doing the same work, they should use about the same CPU: "+
			"one did less work (results dropped, work optimised away), or ran on cores slowed by other load, or spent CPU waiting (spinning on a lock). "+
			"If the %ss do different work on purpose, say so with --different-work. To check: %s.",
		100*(float64(hi.cpu)/float64(lo.cpu)-1), what, hi.name, dur(hi.cpu), lo.name, dur(lo.cpu), what, howToCheck)}}
}

// cpuBelow reports settings of the same code that used much less CPU than
// the first: the same work cannot cost less, so the first was slowed or
// the work differed between runs. (More CPU with more GOMAXPROCS is
// common and honest: idle threads spin looking for work, the collector
// runs in parallel, locks are contended.)
func cpuBelow(ms []measured, what string) []warning {
	base := ms[0]
	if base.busy() < computing || time.Duration(base.cpu) < minCPU {
		return nil
	}
	var ws []warning
	for _, m := range ms[1:] {
		if float64(m.cpu)*cpuSpread >= float64(base.cpu) {
			continue
		}
		ws = append(ws, warning{"cpu differs", fmt.Sprintf(
			"%s %s used %s of CPU, %.0f%% less than %s (%s), running the same code: the first runs were slowed by other load, or the work differed between runs. To check: run it again, and %s.",
			what, m.name, dur(m.cpu), 100*(1-float64(m.cpu)/float64(base.cpu)), base.name, dur(base.cpu), howToCheck)})
	}
	return ws
}

// tooShort reports a time per loop too short for work to have been done.
func tooShort(perLoopNS float64) []warning {
	if perLoopNS >= minLoopNS {
		return nil
	}
	return []warning{{"too short", fmt.Sprintf(
		"%.2f ns per loop is a few CPU cycles, about what the loop itself costs: too short for the statement to have done real work. "+
			"The compiler has likely removed the work (its result is not used), and what is left is the loop. To check: %s.", perLoopNS, howToCheck)}}
}

// warningFigures are ws's texts and kinds, for the metadata.
func warningFigures(ws []warning) (texts, kinds []string) {
	texts, kinds = []string{}, []string{}
	for _, w := range ws {
		texts = append(texts, w.text)
		kinds = append(kinds, w.kind)
	}
	return texts, kinds
}

// showWarnings writes ws under the figures.
func showWarnings(ws []warning, out Output) {
	if len(ws) == 0 {
		return
	}
	var b strings.Builder
	if !out.AtLineStart() {
		b.WriteString("\n")
	}
	for _, w := range ws {
		b.WriteString("⚠ " + w.text + "\n")
	}
	out.Stream("stdout", b.String(), 0)
}

// chartWarning is the line a chart shows when there are warnings, so that
// a picture copied out of its notebook carries them: "2 warnings: see
// below the chart"; "" for none.
func chartWarning(ws []warning) string {
	if len(ws) == 0 {
		return ""
	}
	return fmt.Sprintf("%d warning%s: see below the chart", len(ws), plural(len(ws)))
}

func dur(ns int64) string { return sigfig.Duration(time.Duration(ns)) }
