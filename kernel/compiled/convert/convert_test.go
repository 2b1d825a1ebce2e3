package convert

import (
	"flag"
	"go/importer"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/cell"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testStd is enough of the standard library's names for the tests'
// automatic imports.
var testStd = map[string]string{"fmt": "fmt", "strings": "strings", "sync": "sync", "time": "time", "errors": "errors", "context": "context"}

// convertAll converts the cells of a session in order, as the engine
// does, and returns each package's source or error.
func convertAll(t *testing.T, cells []string, race bool) []string {
	t.Helper()
	imp := importer.ForCompiler(token.NewFileSet(), "gc", nil)
	s := NewSession("gocsess", testStd)
	s.Race = race
	var out []string
	for i, src := range cells {
		c, err := cell.Parse(src)
		if err != nil {
			t.Fatalf("cell %d: %v", i+1, err)
		}
		u, err := Convert(s, i+1, c, imp)
		if err != nil {
			out = append(out, "error: "+err.Error()+"\n")
			continue
		}
		s.Apply(u)
		out = append(out, u.Src)
	}
	return out
}

// TestGolden converts the sessions in testdata/*.cells (cells separated by
// lines "-- cell --") and compares the packages with the .golden files;
// race*.cells are sessions under the race detector.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.cells")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cells := strings.Split(string(b), "-- cell --\n")
			got := strings.Join(convertAll(t, cells, strings.HasPrefix(filepath.Base(f), "race")), "-- package --\n")
			golden := strings.TrimSuffix(f, ".cells") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s: got\n%s\nwant\n%s", f, got, want)
			}
		})
	}
}
