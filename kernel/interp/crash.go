package interp

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/stacks"
)

// summarizeCrash turns the runtime's report of a fatal error into lines a
// user can read: the runtime's messages, then one line per goroutine of
// the cells (the failing one first), with the interpreter's own frames
// folded into "interpreted code" and the worker's goroutines left out.
// input is the function in which the worker waits for input (wire.Ready),
// whose goroutine is left out too.
func summarizeCrash(crash, input string) []string {
	r := stacks.ParseReport(crash)
	cells := cellGoroutines(r.Goroutines)
	var gs []string
	for _, g := range r.Goroutines {
		if cells[g.ID] && !slices.Contains(g.Funcs(), input) {
			gs = append(gs, summarizeGoroutine(g))
		}
	}
	const most = 20
	msgs := r.Messages
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

// yaegiPrefix begins the names of the interpreter's functions.
const yaegiPrefix = "github.com/traefik/yaegi/"

// cellGoroutines tells which goroutines of a crash report are the cells':
// those that interpreted code started (the interpreter starts a cell's own
// flow as well as its go statements), and those that these started, at
// any depth. The others, the main goroutine (which runs the worker, and
// has no creator) and the goroutines it started, are the worker's. A
// goroutine whose creator has ended is taken for a cell's.
func cellGoroutines(gs []stacks.Goroutine) map[int64]bool {
	byID := make(map[int64]*stacks.Goroutine, len(gs))
	for i := range gs {
		byID[gs[i].ID] = &gs[i]
	}
	cells := map[int64]bool{}
	for _, g := range gs {
		cells[g.ID] = isCellGoroutine(&g, byID)
	}
	return cells
}

func isCellGoroutine(g *stacks.Goroutine, byID map[int64]*stacks.Goroutine) bool {
	for range len(byID) + 1 { // a creator is older: the chain ends
		switch {
		case g.CreatedBy == "":
			return false
		case strings.HasPrefix(g.CreatedBy, yaegiPrefix):
			return true
		}
		parent, ok := byID[g.Creator]
		if !ok {
			return true
		}
		g = parent
	}
	return true
}

// summarizeGoroutine makes the line for one goroutine of a crash report.
func summarizeGoroutine(g stacks.Goroutine) string {
	var shown []string
	interpreted := false
	for _, f := range g.Funcs() {
		switch {
		case strings.HasPrefix(f, yaegiPrefix), strings.HasPrefix(f, "reflect."):
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
	switch creator := g.CreatedBy; {
	case strings.Contains(creator, "EvalWithContext"):
		from = " (the cell itself)"
	case strings.HasPrefix(creator, yaegiPrefix):
		from = " (started by a go statement of a cell)"
	case creator != "":
		from = " (started by " + creator + ")"
	}
	return fmt.Sprintf("goroutine %s [%s]%s: %s", strconv.FormatInt(g.ID, 10), g.Status, from, strings.Join(shown, " ← "))
}
