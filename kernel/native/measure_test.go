package native

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata")

// TestMeasuredPrograms checks the programs measured cells are built as
// against testdata/measured: the statements run inside b.Loop, except
// those that leave the function, which run in the body function.
func TestMeasuredPrograms(t *testing.T) {
	std := func(name string) (string, bool) {
		return map[string]string{"fmt": "fmt", "sync": "sync", "time": "time"}[name], name == "fmt" || name == "sync" || name == "time"
	}
	for name, code := range map[string]string{
		"dropped-result": "shout(\"a\")\nn := len(shout(\"b\"))\n_ = n",
		"defer":          "var mu sync.Mutex\nmu.Lock()\ndefer mu.Unlock()\nfmt.Println(limit)",
		"return":         "if limit > 2 {\n\treturn\n}\ntime.Sleep(time.Millisecond)",
		"goroutine":      "var wg sync.WaitGroup\nwg.Go(func() { shout(\"c\"); return })\nwg.Wait()",
		"program":        "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"whole\")\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			p, err := assemble(session, code, 7, std, true)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "measured", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(p.src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if p.src != string(want) {
				t.Errorf("program for %q:\n%s\nwant:\n%s", code, p.src, want)
			}
			if !strings.Contains(p.src, "for b.Loop() {") {
				t.Errorf("no b.Loop in\n%s", p.src)
			}
		})
	}
}

// A name declared in the program (a parameter, a variable) is not a
// package, though it is used as x in x.y.
func TestSelectorBasesSkipDeclaredNames(t *testing.T) {
	got := selectorBases("func get(flag *atomic.Bool) bool { return flag.Load() }\nfunc main() { var sort = 1; _ = sort; fmt.Println(get(nil)) }")
	for name, want := range map[string]bool{"atomic": true, "fmt": true, "flag": false, "sort": false} {
		if got[name] != want {
			t.Errorf("%s: %v, want %v (all: %v)", name, got[name], want, got)
		}
	}
}
