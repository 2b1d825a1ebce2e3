// Package native runs cells as compiled Go programs: the cell, with the
// session's declarations it uses, is written to a per-session module,
// built with the Go toolchain (its build cache makes repeated builds
// fast), and run as a child process whose output streams into the cell.
//
// Native cells see the session's declarations (imports, types, functions,
// constants, var declarations), not the values the interpreter computed.
// Positions in build errors, panics and race reports are the cell's own:
// the generated source carries //line directives naming the cell each
// piece comes from.
package native

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"sort"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/cell"
	"github.com/gocurrent/gocurrent/kernel/engine"
)

// program is the source of a cell built as a program.
type program struct {
	src string
	// dropped are session declarations left out because they cannot
	// build natively (they use the kernel's display package).
	dropped []string
}

// fileName is the //line file name of an earlier cell, count; positions in
// it are mapped back by cellPosRE. The cell being run is "cell", so that
// the same cell builds the same program whatever its execution count.
func fileName(count int) string { return fmt.Sprintf("cell%d", count) }

// thisCell is the //line file name of the cell being run.
const thisCell = "cell"

// assemble writes the program for cell code (execution count count): the
// cell's declarations at package level, its statements as main's body, and
// the session's declarations the cell uses, directly or not. pkgPath maps
// a package name to a standard library path, for packages the cell uses
// without importing them.
//
// With measured, main is called bodyFunc instead, and the measuring
// harness (harness.go) is main.
func assemble(d engine.Declarations, code string, count int, pkgPath func(string) (string, bool), measured bool) (program, error) {
	c, err := cell.Parse(code)
	if err != nil {
		return program{}, err
	}
	if c.Program {
		src := c.Source
		src = fmt.Sprintf("//line %s:1:1\n%s", thisCell, src)
		if measured {
			if src, err = renameMain(src, true); err != nil {
				return program{}, err
			}
			if src, err = addImport(src, testingName, "testing"); err != nil {
				return program{}, err
			}
			src += "\n" + benchFunc("", true)
		}
		return program{src: src}, nil
	}
	var decls, stmts strings.Builder
	imports := map[string]string{} // name -> path
	maps := func(name, path string) { imports[name] = path }
	for name, path := range d.Imports {
		maps(name, path)
	}
	declared := map[string]bool{} // names the cell declares at package level
	var used []string
	for _, ch := range c.Chunks {
		for _, im := range ch.Imports {
			maps(im.ImportName(), im.Path)
		}
		for _, f := range ch.Free {
			used = append(used, f.Name)
		}
		if ch.Kind == cell.Decl {
			declared = addAll(declared, ch.Names)
			for _, t := range ch.Types {
				declared[t] = true
			}
		}
	}
	for _, ch := range c.Chunks {
		directive := fmt.Sprintf("//line %s:%d:%d\n", thisCell, ch.Line, ch.Col)
		switch ch.Kind {
		case cell.Import:
			continue
		case cell.Decl:
			src := ch.Src
			if measured && slices.Contains(ch.Names, "main") {
				if src, err = renameMain(src, false); err != nil {
					return program{}, err
				}
			}
			decls.WriteString(directive + src + "\n")
		case cell.Expr:
			src := ch.Src
			if _, call := ch.Node.(*ast.CallExpr); !call {
				// A final value is printed, as the interpreter shows it.
				src = "fmt.Println(" + src + ")"
				imports["fmt"] = "fmt"
				used = append(used, "fmt")
			}
			stmts.WriteString(directive + src + "\n")
		default:
			stmts.WriteString(directive + ch.Src + "\n")
		}
	}
	// The session's declarations the cell needs, and those they need.
	var session strings.Builder
	var dropped []string
	need := map[string]bool{}
	for _, u := range used {
		need[u] = true
	}
	include := make([]bool, len(d.Decls))
	for changed := true; changed; {
		changed = false
		for i, dc := range d.Decls {
			if include[i] || !uses(need, dc, declared) {
				continue
			}
			include[i] = true
			changed = true
			for _, id := range identifiers(dc.Src) {
				need[id] = true
			}
		}
	}
	for i, dc := range d.Decls {
		if !include[i] {
			continue
		}
		if selectorBases("package p;" + dc.Src)["display"] {
			dropped = append(dropped, strings.Join(dc.Names, ", "))
			continue
		}
		name := fileName(dc.Cell)
		if dc.Cell == count {
			name = thisCell
		}
		fmt.Fprintf(&session, "//line %s:%d:1\n%s\n", name, max(dc.Line, 1), dc.Src)
	}
	body := session.String() + decls.String()
	mainFunc := "func main() {\n" + stmts.String() + "}\n"
	if measured {
		mainFunc = "func " + bodyFunc + "() {\n" + stmts.String() + "}\n"
	}
	if declared["main"] {
		mainFunc = ""
	}
	if measured {
		mainFunc += benchFunc(stmts.String(), declared["main"])
	}
	// Import what the program uses: the session's and cell's imports,
	// and standard packages used by their names.
	usedPkgs := selectorBases(body + mainFunc)
	var lines []string
	for _, name := range sortedKeys(usedPkgs) {
		path, ok := imports[name]
		if !ok {
			path, ok = pkgPath(name)
		}
		if !ok || declared[name] {
			continue
		}
		if path == "gocurrent/display" {
			return program{}, fmt.Errorf("native cells cannot use the display package (it belongs to the interpreter session); print, or show the result in a later interpreted cell")
		}
		if name == lastElem(path) {
			lines = append(lines, fmt.Sprintf("\t%q", path))
		} else {
			lines = append(lines, fmt.Sprintf("\t%s %q", name, path))
		}
	}
	if measured {
		lines = append(lines, fmt.Sprintf("\t%s %q", testingName, "testing"))
	}
	var src strings.Builder
	src.WriteString("package main\n\n")
	if len(lines) > 0 {
		src.WriteString("import (\n" + strings.Join(lines, "\n") + "\n)\n\n")
	}
	src.WriteString(body)
	src.WriteString(mainFunc)
	return program{src: src.String(), dropped: dropped}, nil
}

func addAll(m map[string]bool, names []string) map[string]bool {
	for _, n := range names {
		m[n] = true
		if t, _, ok := strings.Cut(n, "."); ok {
			m[t] = true
		}
	}
	return m
}

// uses reports whether declaration dc declares something in need that the
// cell does not declare itself (a cell's declaration replaces the
// session's, as in the interpreter).
func uses(need map[string]bool, dc engine.Declaration, declared map[string]bool) bool {
	for _, n := range dc.Names {
		if declared[n] {
			return false
		}
	}
	for _, n := range dc.Names {
		base := n
		if t, _, ok := strings.Cut(n, "."); ok {
			base = t // a method comes with its type
		}
		if need[base] {
			return true
		}
	}
	return false
}

// identifiers lists the identifiers in a declaration's source.
func identifiers(src string) []string {
	sn, err := cell.ParseDecls(src)
	if err != nil {
		return nil
	}
	var out []string
	ast.Inspect(sn.File, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			out = append(out, id.Name)
		}
		return true
	})
	return out
}

// selectorBases returns the identifiers used as the X of a selector x.y in
// src (declarations, without a package clause) that name nothing src
// declares: the candidates for package names. (A parameter called flag,
// as in flag.Load(), is no package.)
func selectorBases(src string) map[string]bool {
	out := map[string]bool{}
	f, err := parser.ParseFile(token.NewFileSet(), "", "package p;"+src, 0)
	if err != nil {
		// The build reports the syntax error; import what the text
		// suggests meanwhile.
		for _, w := range strings.FieldsFunc(src, func(r rune) bool {
			return !(r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}) {
			if x, _, ok := strings.Cut(w, "."); ok && x != "" {
				out[x] = true
			}
		}
		return out
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				out[id.Name] = true
			}
		}
		return true
	})
	return out
}

func lastElem(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// stdPackages maps package names to standard library paths, from the
// output of `go list std`; where names collide the shorter path wins
// (math/rand over crypto/rand).
func stdPackages(list string) map[string]string {
	out := map[string]string{}
	for _, path := range strings.Fields(list) {
		if strings.Contains(path, "internal") || strings.HasPrefix(path, "vendor/") || strings.HasPrefix(path, "cmd/") {
			continue
		}
		name := lastElem(path)
		if old, ok := out[name]; !ok || len(path) < len(old) || (len(path) == len(old) && path < old) {
			out[name] = path
		}
	}
	// Version suffixes name their package without it.
	if p, ok := out["v2"]; ok && strings.HasPrefix(p, "math/rand") {
		delete(out, "v2")
	}
	return out
}

// bodyFunc is what main is called in a measured program.
const bodyFunc = "_gocurrentBody"

// benchName is the measured program's benchmark function, and
// testingName the name it imports package testing under.
const (
	benchName   = "_gocurrentBench"
	testingName = "_gctesting"
)

// benchFunc is the benchmark function of a measured program whose
// statements are stmts (or whose main is bodyFunc, with ownMain). The
// statements are written inside "for b.Loop() { ... }" itself: the
// compiler keeps the results and arguments of calls written there alive,
// so that work whose result a cell drops is still done. Statements that
// leave the function (return, defer) run in bodyFunc instead, called once
// per loop. The harness (harness.go) records CPU time around the loop.
func benchFunc(stmts string, ownMain bool) string {
	loop := stmts
	if ownMain || cell.LeavesFunc(stmts) {
		loop = bodyFunc + "()\n"
	}
	return "func " + benchName + "(b *" + testingName + ".B) {\n_gcLoopStart()\nfor b.Loop() {\n" + loop + "}\n_gcLoopStop()\n}\n"
}

// addImport adds import path under name to a whole file's source, on the
// package clause's line so that lines keep their numbers.
func addImport(src, name, path string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell.go", src, parser.PackageClauseOnly)
	if err != nil {
		return "", fmt.Errorf("parse the cell: %w", err)
	}
	at := fset.Position(f.Name.End()).Offset
	return src[:at] + fmt.Sprintf("; import %s %q;", name, path) + src[at:], nil
}

// renameMain renames func main in src (a whole file, or a declaration)
// to bodyFunc, in place.
func renameMain(src string, file bool) (string, error) {
	text, off := src, 0
	if !file {
		text = "package p;" + src
		off = len("package p;")
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell.go", text, 0)
	if err != nil {
		return "", fmt.Errorf("parse the cell: %w", err)
	}
	for _, dl := range f.Decls {
		if fd, ok := dl.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
			at := fset.Position(fd.Name.Pos()).Offset - off
			return src[:at] + bodyFunc + src[at+len("main"):], nil
		}
	}
	return src, nil
}
