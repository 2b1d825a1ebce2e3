package gotrace

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gocurrent/gocurrent/kernel/sigfig"
)

// Text is a plain-text summary of the trace (the text/plain fallback of the
// picture): a few lines and a table of the goroutine groups.
func (t *Trace) Text() string {
	s := t.sum
	var b strings.Builder
	b.WriteString("Go execution trace: " + fmtDur(s.DurationNS) + " on " + plural(s.Procs, "P", "Ps") + " (GOMAXPROCS)\n")
	if t.incomplete != "" {
		b.WriteString("incomplete: only the first part of the trace could be read (" + t.incomplete + ")\n")
	}
	b.WriteString("cell goroutines: " + itoa(s.GoroutinesCreated) + " started during the trace, at most " + itoa(s.MaxRunning) + " running at once\n")
	b.WriteString("time summed over them: running " + fmtDur(s.RunningNS) + ", runnable " + fmtDur(s.RunnableNS) +
		", blocked " + fmtDur(s.BlockedNS) + ", in system calls " + fmtDur(s.SyscallNS) + "\n")
	if len(s.BlockedBy) > 0 {
		type rb struct {
			r  string
			ns int64
		}
		var rs []rb
		for r, ns := range s.BlockedBy {
			rs = append(rs, rb{r, ns})
		}
		slices.SortFunc(rs, func(a, b rb) int {
			if a.ns != b.ns {
				if a.ns > b.ns {
					return -1
				}
				return 1
			}
			return strings.Compare(a.r, b.r)
		})
		parts := make([]string, len(rs))
		for i, r := range rs {
			parts[i] = r.r + " " + fmtDur(r.ns)
		}
		b.WriteString("blocked on: " + strings.Join(parts, ", ") + "\n")
	}
	for _, gr := range t.groups {
		if gr.class != classCell && gr.count > 0 {
			b.WriteString(gr.label + ": " + itoa(gr.count) + ", running " + fmtDur(gr.totals[slotRunning]) + " (not counted above)\n")
		}
	}
	if len(s.Goroutines) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		_, _ = tw.Write([]byte("count\trunning\trunnable\tblocked\tsyscall\t  group\n"))
		for _, g := range s.Goroutines {
			_, _ = tw.Write([]byte(itoa(g.Count) + "\t" + fmtDur(g.RunningNS) + "\t" + fmtDur(g.RunnableNS) + "\t" +
				fmtDur(g.BlockedNS) + "\t" + fmtDur(g.SyscallNS) + "\t  " + strings.ReplaceAll(g.Label, "\t", " ") + "\n"))
		}
		_ = tw.Flush()
	}
	return b.String()
}

// fmtDur formats a duration in ns with about three significant digits:
// "850 ns", "12.3 µs", "1.25 ms", "2.5 s".
func fmtDur(ns int64) string { return sigfig.ShortDuration(time.Duration(ns)) }

// fmtAt formats a time since the trace start in ms (or µs for the first
// millisecond).
func fmtAt(ns int64) string {
	if ns < 1e6 {
		return sigfig.Short(float64(ns)/1e3) + " µs"
	}
	return strconv.FormatFloat(float64(ns)/1e6, 'f', 2, 64) + " ms"
}

// fmtCount formats a goroutine count for the area's axis.
func fmtCount(v float64) string {
	if v == math.Trunc(v) {
		return itoa(int(v))
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// itoa formats n with thousands separators.
func itoa(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if len(s) > 4 {
		var b strings.Builder
		pre := len(s) % 3
		if pre > 0 {
			b.WriteString(s[:pre])
		}
		for i := pre; i < len(s); i += 3 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(s[i : i+3])
		}
		s = b.String()
	}
	if neg {
		s = "-" + s
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}
