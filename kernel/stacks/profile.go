package stacks

import (
	"strconv"
	"strings"
)

// Record is one record of a goroutine profile at debug=1: the goroutines
// with the same stack and the same labels.
type Record struct {
	Count  int
	Labels map[string]string // empty when they have none
	Frames []Frame           // innermost first; the runtime's parking frames left out, as the profile does
}

// Funcs returns the functions of r's frames, innermost first.
func (r Record) Funcs() []string {
	out := make([]string, len(r.Frames))
	for i, f := range r.Frames {
		out[i] = f.Func
	}
	return out
}

// ParseProfile reads a goroutine profile written at debug=1:
//
//	goroutine profile: total 4
//	2 @ 0x47d96e 0x4158ee 0x4dcbb9 0x483e81
//	# labels: {"cell":"3"}
//	#	0x4dcbb8	main.main.func1+0x18	/tmp/x.go:19
func ParseProfile(text string) []Record {
	if first, rest, ok := strings.Cut(text, "\n"); ok && strings.HasPrefix(first, "goroutine profile:") {
		text = rest
	}
	var out []Record
	for _, rec := range strings.Split(text, "\n\n") {
		lines := strings.Split(strings.TrimSpace(rec), "\n")
		if len(lines) < 2 {
			continue
		}
		head, _, _ := strings.Cut(lines[0], " @ ")
		n, err := strconv.Atoi(head)
		if err != nil {
			continue
		}
		r := Record{Count: n, Labels: map[string]string{}}
		for _, l := range lines[1:] {
			if rest, ok := strings.CutPrefix(l, "# labels: "); ok {
				r.Labels = parseLabels(rest)
				continue
			}
			// "#", pc, function+offset, file:line, separated by tabs
			f := strings.FieldsFunc(strings.TrimPrefix(l, "#"), func(c rune) bool { return c == '\t' })
			if len(f) < 2 {
				continue
			}
			fr := Frame{Func: f[1]}
			if i := strings.LastIndex(fr.Func, "+0x"); i >= 0 {
				fr.Offset, _ = strconv.ParseUint(fr.Func[i+len("+0x"):], 16, 64)
				fr.Func = fr.Func[:i]
			}
			if len(f) >= 3 {
				fr.File, fr.Line, _ = parsePosition(f[2])
			}
			r.Frames = append(r.Frames, fr)
		}
		out = append(out, r)
	}
	return out
}
