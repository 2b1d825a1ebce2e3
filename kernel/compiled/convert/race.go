package convert

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strings"
)

// Sessions under the race detector.
//
// The race detector watches the heap, the stacks and the main program's
// package variables, but not a plugin's, where a cell keeps its own. So
// in a session under the race detector (Session.Race) every package
// variable of a cell lives on the heap: the package holds a pointer to
// it, declared with its initial value (var x = gocurrent_ref(e), or
// new(T)), and each use of x in the cell is (*x). The hook of x hands out
// the pointer, so later cells reach the same variable as before.

// raceVar reports whether obj is a variable that the cell's package
// declares, which a session under the race detector keeps on the heap; so
// does every session with a variable the cell declares again.
func (cv *converter) raceVar(obj types.Object) bool {
	v, ok := obj.(*types.Var)
	if !ok || v.IsField() || v.Name() == "_" {
		return false
	}
	if !cv.s.Race {
		// A variable declared again, because the cell gives methods to
		// its type, is the earlier variable (see carry).
		return v.Parent() == cv.pkg.Scope() && cv.isCarried(v.Name())
	}
	if cv.hoistedObjs[v] {
		return true
	}
	if v.Parent() != cv.pkg.Scope() {
		return false
	}
	p := cv.partOf(v.Pos())
	return p != nil && (p.inCell() || p.hoist)
}

// isCarried reports whether the cell declares again the variable name of
// an earlier cell (see moveMethods).
func (cv *converter) isCarried(name string) bool {
	_, ok := cv.carried[name]
	return ok
}

// deref is a use of the cell's variable obj, under the race detector.
func deref(obj types.Object) string { return "(*" + local(obj.Name()) + ")" }

// raceDecl rewrites the var declaration gd of the cell so that its
// variables are pointers to heap variables with the declared values.
func (cv *converter) raceDecl(p *part, gd *ast.GenDecl) {
	if !cv.s.Race || gd.Tok != token.VAR {
		return
	}
	for _, spec := range gd.Specs {
		vs := spec.(*ast.ValueSpec)
		start, end := cv.off(p, vs.Pos()), cv.off(p, vs.End())
		p.edits.Add(start, end, func() string {
			var names, vals []string
			for _, id := range vs.Names {
				names = append(names, cv.render(p, id))
			}
			typ := ""
			if vs.Type != nil {
				typ = cv.render(p, vs.Type)
			}
			switch {
			case len(vs.Values) == 0:
				for range vs.Names {
					vals = append(vals, "new("+typ+")")
				}
			case len(vs.Values) == len(vs.Names):
				cv.needRef = true
				for _, v := range vs.Values {
					if typ != "" {
						vals = append(vals, "gocurrent_ref["+typ+"]("+cv.render(p, v)+")")
					} else {
						vals = append(vals, "gocurrent_ref("+cv.render(p, v)+")")
					}
				}
			default: // var a, b = f()
				n := len(vs.Names)
				cv.refs[n] = true
				args := ""
				if typ != "" {
					args = "[" + strings.TrimSuffix(strings.Repeat(typ+", ", n), ", ") + "]"
				}
				vals = append(vals, fmt.Sprintf("gocurrent_ref%d%s(%s)", n, args, cv.render(p, vs.Values[0])))
			}
			return strings.Join(names, ", ") + " = " + strings.Join(vals, ", ")
		})
	}
}

// refFuncs declares the functions that put several results on the heap
// (gocurrent_ref2 and up), for var declarations of calls with many
// results.
func (cv *converter) refFuncs(b *strings.Builder) {
	for _, n := range slices.Sorted(maps.Keys(cv.refs)) {
		var params, args, results, ptrs []string
		for i := range n {
			params = append(params, fmt.Sprintf("T%d", i))
			args = append(args, fmt.Sprintf("v%d T%d", i, i))
			results = append(results, fmt.Sprintf("*T%d", i))
			ptrs = append(ptrs, fmt.Sprintf("&v%d", i))
		}
		fmt.Fprintf(b, "\nfunc gocurrent_ref%d[%s any](%s) (%s) { return %s }\n", n,
			strings.Join(params, ", "), strings.Join(args, ", "), strings.Join(results, ", "), strings.Join(ptrs, ", "))
	}
}
