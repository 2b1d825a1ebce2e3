// Package pending lets declarations refer to names that later cells
// declare, as the declarations of a Go package may refer to each other in
// any order. A cell of declarations only that fails to compile because it
// refers to names no cell has declared yet (a function that calls one
// declared further down, a method that calls a later method) is kept,
// waiting, instead of failing; when a later cell declares what it waits
// for, the kept cell is run again, under its own execution count, right
// after that cell. The timing line says which names a cell waits for, and
// a cell that uses a name of a waiting cell is told why it is undefined.
package pending

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
)

// Exec runs one cell (an engine's Execute).
type Exec func(ctx context.Context, code string, count int, out engine.Output) engine.Result

// Cells keeps the cells that wait for names; it is not safe for
// concurrent use (a kernel runs one cell at a time).
type Cells struct {
	waiting []*decls
}

// decls is a waiting cell.
type decls struct {
	code    string
	count   int
	declare []string // the names it declares (T.M for a method)
	wants   []string // the undefined names it refers to (a method as M)
}

// Reset forgets the waiting cells (the session started again).
func (c *Cells) Reset() { c.waiting = nil }

// Execute runs a cell with exec. A cell of declarations only that fails
// only because it refers to undefined names is kept and succeeds; after a
// cell that succeeds, the waiting cells that wait for what it declared are
// run again.
func (c *Cells) Execute(ctx context.Context, exec Exec, code string, count int, out engine.Output) engine.Result {
	declared, declOnly := declarations(code)
	res := exec(ctx, code, count, out)
	if res.Err == nil {
		c.supersede(declared)
		c.retry(ctx, exec, declared, &res, out)
		return res
	}
	wants, ok := undefinedOnly(res.Err)
	if !ok {
		return res
	}
	if !declOnly || len(declared) == 0 || ctx.Err() != nil {
		c.explain(res.Err, wants)
		return res
	}
	// Declarations that refer to each other across two cells, both
	// waiting: run together, as one cell.
	for i, w := range c.waiting {
		if overlaps(wants, w.declare) && overlaps(w.wants, declared) {
			both := w.code + "\n\n" + code
			r := exec(ctx, both, count, out)
			if r.Err == nil {
				c.waiting = slices.Delete(c.waiting, i, i+1)
				c.supersede(declared)
				c.retry(ctx, exec, append(declared, w.declare...), &r, out)
				return r
			}
			if more, ok := undefinedOnly(r.Err); ok {
				c.waiting[i] = &decls{code: both, count: count, declare: append(w.declare, declared...), wants: more}
				return c.kept(res, c.waiting[i])
			}
			return r
		}
	}
	c.supersede(declared)
	w := &decls{code: code, count: count, declare: declared, wants: wants}
	c.waiting = append(c.waiting, w)
	return c.kept(res, w)
}

// kept is the result of a cell that waits: no error, and a note for the
// timing line.
func (c *Cells) kept(failed engine.Result, w *decls) engine.Result {
	t := failed.Timing
	t.Note = fmt.Sprintf("%s waits for %s, not declared yet: it is declared when a cell declares %s",
		strings.Join(w.declare, ", "), strings.Join(w.wants, ", "), pronoun(w.wants))
	return engine.Result{Timing: t}
}

func pronoun(names []string) string {
	if len(names) == 1 {
		return "it"
	}
	return "them"
}

// supersede forgets the waiting cells that declare a name a newer cell
// declared.
func (c *Cells) supersede(declared []string) {
	c.waiting = slices.DeleteFunc(c.waiting, func(w *decls) bool { return overlaps(w.declare, declared) })
}

// retry runs again, in order and as long as one of them succeeds, the
// waiting cells that wait for a name declared since they were kept. Their
// time is added to res's; one that now fails for another reason is
// dropped, and the user told on stderr.
func (c *Cells) retry(ctx context.Context, exec Exec, declared []string, res *engine.Result, out engine.Output) {
	for progress := true; progress && ctx.Err() == nil; {
		progress = false
		for i := 0; i < len(c.waiting); i++ {
			w := c.waiting[i]
			if !overlaps(w.wants, declared) {
				continue
			}
			r := exec(ctx, w.code, w.count, out)
			res.Timing.WallNS += r.Timing.WallNS
			res.Timing.BuildNS += r.Timing.WallNS
			if r.Err == nil {
				c.waiting = slices.Delete(c.waiting, i, i+1)
				declared = append(declared, w.declare...)
				progress = true
				break
			}
			if wants, ok := undefinedOnly(r.Err); ok {
				w.wants = wants
				continue
			}
			c.waiting = slices.Delete(c.waiting, i, i+1)
			out.Stream("stderr", fmt.Sprintf("cell %d (%s) waited for names that are now declared, and fails: %s\n", w.count, strings.Join(w.declare, ", "), r.Err.Value), 0)
			progress = true
			break
		}
	}
}

// explain adds to an error the waiting cells that declare the undefined
// names it reports.
func (c *Cells) explain(e *engine.Error, undefined []string) {
	for _, w := range c.waiting {
		for _, name := range w.declare {
			if slices.Contains(undefined, shortName(name)) {
				e.Traceback = append(e.Traceback, fmt.Sprintf("%s is not declared yet: cell %d declares it, and waits for %s, which no cell has declared", name, w.count, strings.Join(w.wants, ", ")))
			}
		}
	}
}

// declarations are the names a cell declares (its statements' variables
// too), and whether it has declarations only (and imports).
func declarations(code string) ([]string, bool) {
	c, err := cell.Parse(code)
	if err != nil || c.CellMagic != nil || c.Program || len(c.Magics) > 0 || c.Help != "" {
		return nil, false
	}
	var names []string
	only := true
	for _, ch := range c.Chunks {
		names = append(names, ch.Names...)
		if ch.Kind != cell.Import && ch.Kind != cell.Decl {
			only = false
		}
	}
	return names, only
}

var (
	errorLine = regexp.MustCompile(`^(?:\x1b\[[0-9;]*m)?(?:compile error(?:\x1b\[[0-9;]*m)? at )?cell(?: line |\[\d+\]:)\d+:\d+: (.*)$`)
	undefined = []*regexp.Regexp{
		regexp.MustCompile(`^undefined: (\w+)$`),
		regexp.MustCompile(`^\S+ undefined \(type .* has no field or method (\w+)(?:, but [^)]*)?\)$`),
		regexp.MustCompile(`^undefined selector: (\w+)$`),
	}
)

// undefinedOnly returns the names a compile error reports undefined, if
// that is all it reports.
func undefinedOnly(e *engine.Error) ([]string, bool) {
	if e == nil || e.Name != "compile error" {
		return nil, false
	}
	var names []string
	lines := 0
	for _, l := range e.Traceback {
		m := errorLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		lines++
		name := ""
		for _, re := range undefined {
			if n := re.FindStringSubmatch(m[1]); n != nil {
				name = n[1]
			}
		}
		if name == "" {
			return nil, false
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names, lines > 0
}

// overlaps reports whether a name wanted is among those declared; a
// wanted method name M matches a declared T.M.
func overlaps(wanted, declared []string) bool {
	for _, d := range declared {
		if slices.Contains(wanted, shortName(d)) {
			return true
		}
	}
	return false
}

// shortName is a declared name as an undefined-name error reports it: a
// method T.M as M.
func shortName(name string) string {
	if i := strings.LastIndex(name, "."); i >= 0 {
		return name[i+1:]
	}
	return name
}
