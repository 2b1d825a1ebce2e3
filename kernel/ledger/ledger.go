// Package ledger keeps what a session has declared: its imports, and every
// declaration (type, function, method, constant, var) with the cell and
// line it was written in, in the order they were made. The kernel process
// keeps it, so that it outlives the worker process that runs the cells:
// programs are built with the declarations it lists, and a fresh worker
// that replaces one that died is given them again (Replay), so that only
// the values computed by statements are lost.
package ledger

import (
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/gocurrent/gocurrent/kernel/engine"
)

// Entry is one declaration a cell made.
type Entry struct {
	// Names are the names it declares (methods as T.M).
	Names []string `json:"names"`
	// Kind is "func", "type", "const" or "var".
	Kind string `json:"kind"`
	Src  string `json:"src"`
	Cell int    `json:"cell"` // execution count of its cell
	Line int    `json:"line"` // where Src starts in that cell (1-based)
	Col  int    `json:"col"`
}

// Delta is what one step of a cell added to the session.
type Delta struct {
	Cell    int               `json:"cell"`
	Imports map[string]string `json:"imports,omitempty"` // by the name they are bound to
	Decls   []Entry           `json:"decls,omitempty"`
	// Vars are the session variables statements declared (x := ...):
	// values, which only the worker that computed them has.
	Vars []string `json:"vars,omitempty"`
}

// Ledger is a session's declarations. It is safe for concurrent use.
type Ledger struct {
	mu      sync.Mutex
	imports map[string]string
	history []Entry        // every declaration, in the order made
	latest  map[string]int // name -> index in history of its last declaration
	order   []string       // declared names, in the order first declared
	vars    map[string]bool
}

// New makes an empty ledger.
func New() *Ledger {
	l := &Ledger{}
	l.Reset()
	return l
}

// Reset forgets everything (a restart of the session).
func (l *Ledger) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.imports = map[string]string{}
	l.history = nil
	l.latest = map[string]int{}
	l.order = nil
	l.vars = map[string]bool{}
}

// Apply records d.
func (l *Ledger) Apply(d Delta) {
	l.mu.Lock()
	defer l.mu.Unlock()
	maps.Copy(l.imports, d.Imports)
	for _, e := range d.Decls {
		l.history = append(l.history, e)
		for _, name := range e.Names {
			if _, seen := l.latest[name]; !seen {
				l.order = append(l.order, name)
			}
			l.latest[name] = len(l.history) - 1
			delete(l.vars, name)
		}
	}
	for _, v := range d.Vars {
		if _, declared := l.latest[v]; !declared {
			l.vars[v] = true
		}
	}
}

// Empty reports whether nothing was declared or imported.
func (l *Ledger) Empty() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.history) == 0 && len(l.imports) == 0
}

// Declarations lists the session's imports, its current declarations (the
// last of each name, first declared first; the kernel's own names, which
// start with _gocurrent, left out) and its variables, for building cells
// as programs.
func (l *Ledger) Declarations() engine.Declarations {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := engine.Declarations{Imports: maps.Clone(l.imports)}
	seen := map[string]int{} // source -> index in d.Decls
	for _, name := range l.order {
		if strings.HasPrefix(name, "_gocurrent") {
			continue
		}
		e := l.history[l.latest[name]]
		if i, ok := seen[e.Src]; ok {
			d.Decls[i].Names = append(d.Decls[i].Names, name)
			continue
		}
		seen[e.Src] = len(d.Decls)
		d.Decls = append(d.Decls, engine.Declaration{Names: []string{name}, Src: e.Src, Cell: e.Cell, Line: e.Line})
	}
	for v := range l.vars {
		d.Vars = append(d.Vars, v)
	}
	slices.Sort(d.Vars)
	return d
}

// Replay is what a fresh worker is given to declare again: the imports,
// then each cell's declarations, in the order the cells made them, each
// cell as a cell of its own with its declarations at their lines (so that
// positions in errors and panics stay those of the original cells).
type Replay struct {
	Imports map[string]string `json:"imports,omitempty"`
	Cells   []ReplayCell      `json:"cells,omitempty"`
}

// ReplayCell is the declarations one cell made.
type ReplayCell struct {
	Cell  int     `json:"cell"`
	Decls []Entry `json:"decls"`
}

// kernelOwn reports whether e declares only the kernel's own names.
func kernelOwn(e Entry) bool {
	for _, n := range e.Names {
		if !strings.HasPrefix(n, "_gocurrent") {
			return false
		}
	}
	return true
}

// Code is the cell's source with only the given declarations, each at its
// line and column; the other lines are blank.
func Code(decls []Entry) string {
	var lines []string
	for _, e := range decls {
		src := strings.Split(e.Src, "\n")
		line := max(e.Line, 1)
		for len(lines) < line-1+len(src) {
			lines = append(lines, "")
		}
		first := lines[line-1]
		switch {
		case first == "":
			first = strings.Repeat(" ", max(e.Col-1, 0))
		case len(first) < e.Col-1:
			first += "; " + strings.Repeat(" ", e.Col-1-len(first)-2)
		default:
			first += "; "
		}
		lines[line-1] = first + src[0]
		for k, s := range src[1:] {
			if lines[line+k] != "" {
				lines[line+k] += "; "
			}
			lines[line+k] += s
		}
	}
	return strings.Join(lines, "\n")
}

// Replay returns what a fresh worker needs to have the session's
// declarations again: the declarations that are the last of at least one
// of their names, in the order they were made (a later one may be needed
// by an earlier one: the worker tries again those that fail while others
// succeed). The kernel's own declarations are left out.
func (l *Ledger) Replay() Replay {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := Replay{Imports: maps.Clone(l.imports)}
	for i, e := range l.history {
		if kernelOwn(e) || !slices.ContainsFunc(e.Names, func(n string) bool { return l.latest[n] == i }) {
			continue // made again where needed (measuring's timed functions), or declared again later
		}
		if n := len(r.Cells); n > 0 && r.Cells[n-1].Cell == e.Cell {
			r.Cells[n-1].Decls = append(r.Cells[n-1].Decls, e)
			continue
		}
		r.Cells = append(r.Cells, ReplayCell{Cell: e.Cell, Decls: []Entry{e}})
	}
	return r
}

// Failure is a declaration that could not be declared again, and why.
type Failure struct {
	Cell  int      `json:"cell,omitempty"`
	Line  int      `json:"line,omitempty"`
	Names []string `json:"names"`
	Err   string   `json:"error"`
}
