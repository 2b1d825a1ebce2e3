package picture

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// chartSources are the files whose strings end up as text in the kernel's
// charts: the charts, the trace picture and its summary, the magics that
// title and label them, the warnings they show, and the number formats.
var chartSources = []string{
	"../chart/*.go",
	"../gotrace/*.go",
	"../sigfig/*.go",
	"../magic/measure.go",
	"../magic/warnings.go",
}

// TestChartSourcesDrawable fails when a string in the code that draws the
// charts holds a character the PNG would draw as a question mark: give it
// a shape or an equivalent in text.go, or do not print it.
func TestChartSourcesDrawable(t *testing.T) {
	var lits []string
	files := 0
	for _, pattern := range chartSources {
		names, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			files++
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if l, ok := n.(*ast.BasicLit); ok && (l.Kind == token.STRING || l.Kind == token.CHAR) {
					s := l.Value
					if l.Kind == token.CHAR {
						s = `"` + strings.Trim(s, "'") + `"`
					}
					if u, err := strconv.Unquote(s); err == nil {
						lits = append(lits, u)
					}
				}
				return true
			})
		}
	}
	if files < 10 {
		t.Fatalf("found only %d source files of the charts: are the paths right?", files)
	}
	all := strings.Join(lits, "")
	for _, r := range "⚠×µ·…" {
		if !strings.ContainsRune(all, r) {
			t.Errorf("the chart sources print no %q: the scan misses them", r)
		}
	}
	bad, err := Undrawable(lits...)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) > 0 {
		t.Errorf("the chart code prints characters the PNG cannot draw: %q", bad)
	}
}
