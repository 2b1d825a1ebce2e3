package interp

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

var update = flag.Bool("update", false, "write the golden files of testdata/rewrite")

// TestRewriteGolden rewrites the cells of each testdata/rewrite/*.go.txt
// (separated by "// cell" lines) in one session, as the worker does
// before running them, and compares the rewritten chunks, the instances
// and imports they need, and the errors with the file's .golden.
func TestRewriteGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "rewrite", "*.go.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".go.txt")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := goldenRewrite(t, string(src))
			golden := strings.TrimSuffix(file, ".go.txt") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got != string(want) {
				t.Errorf("rewriting of %s differs from %s:\n%s", file, golden, lineDiff(string(want), got))
			}
		})
	}
}

// goldenCells splits a test input into its cells.
func goldenCells(src string) []string {
	var cells []string
	var cur []string
	for _, line := range strings.Split(strings.TrimRight(src, "\n"), "\n") {
		if strings.TrimSpace(line) == "// cell" {
			if len(cur) > 0 {
				cells = append(cells, strings.Join(cur, "\n"))
			}
			cur = nil
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		cells = append(cells, strings.Join(cur, "\n"))
	}
	return cells
}

// goldenRewrite rewrites cells in a session that records what each
// declares, as running them would, and reports what the rewriting gave.
func goldenRewrite(t *testing.T, src string) string {
	logPath := filepath.Join(t.TempDir(), "modern.log")
	t.Setenv("GOCURRENT_MODERN_LOG", logPath)
	t.Setenv("GOCURRENT_MODERN", "")
	s := &session{
		imports:  map[string]string{},
		names:    map[string]string{},
		decls:    map[string]string{},
		types:    map[string]string{},
		uses:     map[string][]string{},
		methods:  map[string]bool{},
		code:     map[int]string{},
		declCell: map[string]int{},
		declLine: map[string]int{},
		twins:    map[string]string{},
		parsed:   map[string]*funcDecl{},
	}
	s.sites = newSites(func() int { return s.count })
	s.exports = []interp.Exports{stdlib.Symbols, s.modernSymbols()}
	s.stdPkgs = packageNames(s.exports)
	var out strings.Builder
	aliases := map[string]bool{}
	for i, code := range goldenCells(src) {
		s.count = i + 1
		fmt.Fprintf(&out, "######## cell %d\n%s\n", s.count, code)
		c, err := cell.Parse(code)
		if err != nil {
			fmt.Fprintf(&out, "######## parse error: %v\n", err)
			continue
		}
		var imports []cell.ImportSpec
		for _, ch := range c.Chunks {
			imports = append(imports, ch.Imports...)
		}
		for _, im := range append(imports, s.autoImports(c)...) {
			if n := im.ImportName(); n != "_" && n != "." {
				s.imports[n] = im.Path
			}
		}
		_ = os.Remove(logPath)
		e := s.modernizeCell(code, c)
		if b, err := os.ReadFile(logPath); err == nil {
			out.WriteString("######## rewritten\n")
			out.Write(b)
		}
		if e != nil {
			fmt.Fprintf(&out, "######## error\n%s: %s\n", e.Name, e.Value)
			continue
		}
		for _, ch := range c.Chunks {
			var names []string
			for _, in := range s.mod.needs[[2]int{ch.Line, ch.Col}] {
				names = append(names, in.name)
			}
			if len(names) > 0 {
				fmt.Fprintf(&out, "######## line %d:%d needs %s\n", ch.Line, ch.Col, strings.Join(names, ", "))
			}
		}
		var added []string
		for _, p := range sortedKeys(s.mod.stdAlias) {
			if !aliases[p] {
				aliases[p] = true
				added = append(added, p)
			}
		}
		if len(added) > 0 {
			fmt.Fprintf(&out, "######## imports %s\n", strings.Join(added, ", "))
		}
		var kept []cell.Chunk
		for _, ch := range c.Chunks {
			if ch.Kind != cell.Import && ch.Kind != cell.Expr {
				kept = append(kept, ch)
			}
		}
		s.remember(kept)
	}
	return out.String()
}

// lineDiff shows the first lines where want and got differ.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\nwant %q\ngot  %q", i+1, a, b)
		}
	}
	return "(same lines)"
}
