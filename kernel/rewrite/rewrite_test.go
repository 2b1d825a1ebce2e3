package rewrite

import (
	"flag"
	"fmt"
	"go/ast"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

var update = flag.Bool("update", false, "write the golden files of testdata")

// TestGolden rewrites the cells of each testdata/*.go.txt (separated by
// "// cell" lines) in one session, as the worker does before running
// them, and compares the rewritten chunks, the instances and imports they
// need, and the errors with the file's .golden.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.go.txt"))
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
			got := goldenRewrite(string(src))
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

// testHost stands for the interpreter: it has the standard library but
// for the members newer than its tables that the inputs use, and numbers
// supervised go statements as the kernel does.
type testHost struct {
	sites map[string]int
}

// missing are the members of the standard library the interpreter lacks,
// among those the inputs use.
var missing = map[string]bool{"unique.Make": true, "reflect.TypeFor": true}

func (h *testHost) Has(path, name string) bool { return !missing[path+"."+name] }

func (h *testHost) Supervise(c, line int, text string) string {
	key := fmt.Sprint(c, line, text)
	id, ok := h.sites[key]
	if !ok {
		id = len(h.sites)
		h.sites[key] = id
	}
	return fmt.Sprintf("_gocurrentSup.Start(%d); defer _gocurrentRecover(%d); ", id, id)
}

// stdPkgs are the standard packages cells may use without importing them.
var stdPkgs = map[string]string{}

func init() {
	for _, p := range []string{"fmt", "os", "log", "strings", "strconv", "errors", "time", "sync", "runtime",
		"sort", "math", "bytes", "context", "io", "reflect", "unique", "iter", "slices", "maps", "cmp", "sync/atomic"} {
		stdPkgs[p[strings.LastIndex(p, "/")+1:]] = p
	}
}

// testSession records what cells declare, as the kernel's session does.
type testSession struct {
	Session
	w *Rewriter
}

func newTestSession() *testSession {
	s := &testSession{Session: Session{Imports: map[string]string{}, Names: map[string]string{}, Decls: map[string]string{},
		Uses: map[string][]string{}, DeclCell: map[string]int{}, DeclLine: map[string]int{}, StdPkgs: stdPkgs}}
	s.w = New(&testHost{sites: map[string]int{}}, nil)
	return s
}

// imports records the imports of cell c, its own and those it uses
// without importing them.
func (s *testSession) imports(c *cell.Cell) {
	var imports []cell.ImportSpec
	for _, ch := range c.Chunks {
		imports = append(imports, ch.Imports...)
	}
	for _, name := range c.Free {
		_, imported := s.Imports[name]
		_, declared := s.Names[name]
		if path, ok := s.StdPkgs[name]; ok && !imported && !declared {
			imports = append(imports, cell.ImportSpec{Path: path})
		}
	}
	for _, im := range imports {
		if n := im.ImportName(); n != "_" && n != "." {
			s.Imports[n] = im.Path
		}
	}
}

// remember records the names the chunks of a cell that ran declared.
func (s *testSession) remember(c *cell.Cell) {
	for _, ch := range c.Chunks {
		if ch.Kind == cell.Import || ch.Kind == cell.Expr {
			continue
		}
		kind := "var"
		switch n := ch.Node.(type) {
		case *ast.FuncDecl:
			kind = "func"
		case *ast.GenDecl:
			kind = n.Tok.String()
		}
		for _, name := range ch.Names {
			s.Names[name] = kind
			s.DeclCell[name], s.DeclLine[name] = s.Cell, ch.Line
			if ch.Kind == cell.Decl {
				if _, seen := s.Decls[name]; !seen {
					s.Order = append(s.Order, name)
				}
				s.Decls[name] = ch.Src
				s.Uses[name] = nil
				for _, f := range ch.Free {
					s.Uses[name] = append(s.Uses[name], f.Name)
				}
			}
		}
		for _, t := range ch.Types {
			s.Names[t] = "type"
		}
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
func goldenRewrite(src string) string {
	s := newTestSession()
	var out strings.Builder
	aliases := map[string]bool{}
	for i, code := range goldenCells(src) {
		s.Cell = i + 1
		fmt.Fprintf(&out, "######## cell %d\n%s\n", s.Cell, code)
		c, err := cell.Parse(code)
		if err != nil {
			fmt.Fprintf(&out, "######## parse error: %v\n", err)
			continue
		}
		c = cell.VarsAsStatements(c) // as the worker does
		s.imports(c)
		plan, e := s.w.Cell(&s.Session, c)
		if e != nil {
			fmt.Fprintf(&out, "######## error\nnot supported by the interpreter: cell line %d:%d: %s\n", max(e.Line, 1), max(e.Col, 1), e.Msg)
			continue
		}
		if len(plan.Out) > 0 {
			out.WriteString("######## rewritten\n")
			plan.Log(&out, c)
		}
		for _, ch := range c.Chunks {
			var names []string
			for _, in := range plan.Needs[Pos{ch.Line, ch.Col}] {
				names = append(names, in.Name)
			}
			if len(names) > 0 {
				fmt.Fprintf(&out, "######## line %d:%d needs %s\n", ch.Line, ch.Col, strings.Join(names, ", "))
			}
		}
		var added []string
		for _, p := range s.w.Aliases() {
			if !aliases[p] {
				aliases[p] = true
				added = append(added, p)
			}
		}
		if len(added) > 0 {
			fmt.Fprintf(&out, "######## imports %s\n", strings.Join(added, ", "))
		}
		s.remember(c)
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
