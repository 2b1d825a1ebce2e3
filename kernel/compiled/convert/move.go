package convert

import (
	"fmt"
	"go/ast"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

// Methods declared in a later cell than their type.
//
// Go wants a type's methods in the type's package, and an earlier cell's
// package is built and loaded: it cannot gain methods. So a cell that
// declares a method of a type of an earlier cell declares the type again,
// with the methods it has, and so everything of earlier cells that names
// the type, directly or through another such declaration: types,
// functions, constants and variables. Later cells then see one type with
// all its methods, as a program declaring them anywhere in its files does.
// A variable declared again is the earlier one, reached through a pointer
// converted with unsafe.Pointer (its type is declared again from the same
// source, so its memory is laid out the same), and each use of it is
// (*x), as under the race detector (see carry and raceVar).

// place is where a declaration a cell declares again was written.
type place struct {
	file int // the cell
	line int
}

// placeOf is where n was written.
func (cv *converter) placeOf(n ast.Node) place {
	pos := cv.fset.Position(n.Pos())
	file := cv.n
	if f, ok := strings.CutPrefix(pos.Filename, "cell["); ok {
		if k, err := strconv.Atoi(strings.TrimSuffix(f, "]")); err == nil {
			file = k
		}
	}
	return place{file, pos.Line}
}

// moveMethods extends the cell with the declarations of earlier cells
// that it must declare again because it gives methods to their types.
func (cv *converter) moveMethods() error {
	own := map[string]bool{}
	for _, ch := range cv.c.Chunks {
		for _, n := range ch.Names {
			own[n] = true
		}
	}
	moved := map[string]bool{}
	for n := range own {
		recv, _, ok := strings.Cut(n, ".")
		if !ok || own[recv] {
			continue
		}
		if d, ok := cv.s.Names[recv]; ok && d.Kind == Type {
			moved[recv] = true
		}
	}
	if len(moved) == 0 {
		return nil
	}
	typeNames := slices.Sorted(maps.Keys(moved))
	// Everything that names a moved name moves too.
	uses := map[string]map[string]bool{}
	for changed := true; changed; {
		changed = false
		for name, d := range cv.s.Names {
			if moved[name] || own[name] || d.Generic {
				continue
			}
			u, ok := uses[name]
			if !ok {
				u = freeNames(d.Src)
				uses[name] = u
			}
			if namesAny(u, moved) {
				moved[name] = true
				changed = true
			}
		}
	}
	for _, t := range typeNames {
		delete(moved, t)
	}
	// The declarations to write again, in the order they were written.
	type decl struct {
		src     string
		at      place
		methods map[string]place
	}
	var decls []decl
	seen := map[string]bool{}
	add := func(d *Name) {
		if !seen[d.Src] {
			seen[d.Src] = true
			decls = append(decls, decl{d.Src, d.place(), d.methods})
		}
	}
	for _, t := range typeNames {
		d := cv.s.Names[t]
		add(d)
	}
	cv.carried = map[string]int{}
	for name := range moved {
		d := cv.s.Names[name]
		if d.Kind == Var {
			cv.carried[name] = d.Cell
		}
		add(d)
	}
	sort.SliceStable(decls, func(i, j int) bool {
		a, b := decls[i].at, decls[j].at
		return a.file < b.file || a.file == b.file && a.line < b.line
	})
	var chunks []cell.Chunk
	var at []place
	for _, d := range decls {
		c, err := cell.Parse(d.src)
		if err != nil {
			return fmt.Errorf("declare again %q: %w", d.src, err)
		}
		for _, ch := range c.Chunks {
			if slices.ContainsFunc(ch.Names, func(n string) bool { return own[n] }) {
				continue // the cell declares it anew
			}
			chunks = append(chunks, ch)
			if p, ok := d.methods[ch.Names[0]]; ok && len(ch.Names) == 1 {
				at = append(at, p)
				continue
			}
			at = append(at, place{d.at.file, d.at.line + ch.Line - 1})
		}
	}
	c := *cv.c
	c.Chunks = append(chunks, c.Chunks...)
	cv.c = &c
	cv.origins = map[*cell.Chunk]place{}
	for i, o := range at {
		cv.origins[&c.Chunks[i]] = o
	}
	return nil
}

// where is the file, line and column a chunk of the cell was written at.
func (cv *converter) where(ch *cell.Chunk) (string, int, int) {
	if o, ok := cv.origins[ch]; ok {
		return CellFile(o.file), o.line, ch.Col
	}
	return CellFile(cv.n), ch.Line, ch.Col
}

// freeNames are the identifiers that the declarations src use and do not
// declare.
func freeNames(src string) map[string]bool {
	out := map[string]bool{}
	c, err := cell.Parse(src)
	if err != nil {
		return out
	}
	for _, ch := range c.Chunks {
		for _, id := range ch.Free {
			out[id.Name] = true
		}
	}
	return out
}

func namesAny(names, of map[string]bool) bool {
	for n := range of {
		if names[n] {
			return true
		}
	}
	return false
}
