package interp

import (
	"fmt"
	"regexp"
	"strings"
)

// runtimeMessageRE matches the lines of a crash report that say what
// happened (other lines are stacks, or reports of tools such as the race
// detector in test builds).
var runtimeMessageRE = regexp.MustCompile(`^(fatal error|runtime|panic|\[signal|SIG[A-Z]+:|unexpected)`)

// summarizeCrash turns the runtime's report of a fatal error into lines a
// user can read: the runtime's messages, then one line per goroutine of
// the cells (the failing one first), with the interpreter's own frames
// folded into "interpreted code" and the worker's goroutines left out.
func summarizeCrash(crash string) []string {
	var msgs, gs []string
	blocks := strings.Split(strings.TrimRight(crash, "\n"), "\n\n")
	for _, block := range blocks {
		lines := strings.Split(block, "\n")
		if m := headerRE.FindStringSubmatch(lines[0]); m != nil {
			if line, ok := summarizeGoroutine(m[1], m[2], lines[1:]); ok {
				gs = append(gs, line)
			}
			continue
		}
		if lines[0] == "runtime stack:" {
			continue // the scheduler's own stack
		}
		for _, l := range lines {
			if runtimeMessageRE.MatchString(l) {
				msgs = append(msgs, l)
			}
		}
	}
	const most = 20
	out := msgs
	if len(msgs) > 10 {
		out = msgs[:10]
	}
	if len(gs) > 0 {
		out = append(out, "Goroutines when the worker died (the failing one first):")
		for i, g := range gs {
			if i == most {
				out = append(out, fmt.Sprintf("  ... and %d more", len(gs)-most))
				break
			}
			out = append(out, "  "+g)
		}
	}
	return out
}

// summarizeGoroutine makes the line for one goroutine of a crash report;
// ok is false for the worker's own goroutines.
func summarizeGoroutine(id, state string, lines []string) (string, bool) {
	var funcs []string
	creator := ""
	for _, l := range lines {
		if l == "" || strings.HasPrefix(l, "\t") {
			continue
		}
		if c, ok := strings.CutPrefix(l, "created by "); ok {
			creator = c
			continue
		}
		if strings.HasPrefix(l, "...") {
			continue // "...additional frames elided..."
		}
		if i := strings.LastIndexByte(l, '('); i > 0 {
			l = l[:i]
		}
		funcs = append(funcs, l)
	}
	for _, f := range funcs {
		if strings.HasPrefix(f, ownPackage) && !strings.HasPrefix(f, ownPackage+"(*worker).exit") {
			return "", false
		}
	}
	if strings.HasPrefix(creator, ownPackage) {
		return "", false
	}
	var shown []string
	interpreted := false
	for _, f := range funcs {
		switch {
		case strings.HasPrefix(f, "github.com/traefik/yaegi/"), strings.HasPrefix(f, "reflect."):
			if !interpreted {
				shown = append(shown, "interpreted code")
				interpreted = true
			}
			continue
		}
		interpreted = false
		if f == "runtime.goexit" {
			continue
		}
		if len(shown) < 6 {
			shown = append(shown, f)
		}
	}
	from := ""
	switch {
	case strings.Contains(creator, "EvalWithContext"):
		from = " (the cell itself)"
	case strings.HasPrefix(creator, "github.com/traefik/yaegi/"):
		from = " (started by a go statement of a cell)"
	case creator != "":
		if i := strings.Index(creator, " in goroutine"); i >= 0 {
			creator = creator[:i]
		}
		from = " (started by " + creator + ")"
	}
	return fmt.Sprintf("goroutine %s [%s]%s: %s", id, state, from, strings.Join(shown, " ← ")), true
}
