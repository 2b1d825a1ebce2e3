package interp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackageVariables: variables of standard packages are assigned with
// every assignment operator and read back with their current value, in
// cells and in functions compiled before the change (kernel/rewrite, pkgvars.go).
func TestPackageVariables(t *testing.T) {
	runModernCells(t, []modernCell{
		{code: "import \"runtime\"\nruntime.MemProfileRate = 0\nfmt.Println(runtime.MemProfileRate)", stdout: "0\n"},
		{code: "runtime.MemProfileRate += 5\nfmt.Println(runtime.MemProfileRate)", stdout: "5\n"},
		{code: "runtime.MemProfileRate = runtime.MemProfileRate * 2\nruntime.MemProfileRate++\nfmt.Println(runtime.MemProfileRate)", stdout: "11\n"},
		{code: "(runtime.MemProfileRate) -= 1\nruntime.MemProfileRate--\nfmt.Println(runtime.MemProfileRate)", stdout: "9\n"},
		// Compiled while the rate is 9: the reads must see 100.
		{code: `func twice(n int) int { return 2 * n }
func setAndRead() {
	runtime.MemProfileRate = 100
	a := runtime.MemProfileRate
	fmt.Println(a, twice(runtime.MemProfileRate), runtime.MemProfileRate+1, []int{runtime.MemProfileRate}, runtime.MemProfileRate > 50)
}`},
		{code: "setAndRead()", stdout: "100 200 101 [100] true\n"},
		{code: "p := &runtime.MemProfileRate\n*p = 7\nfmt.Println(runtime.MemProfileRate, strconv.Itoa(runtime.MemProfileRate))", stdout: "7 7\n"},
		{code: "os.Args = []string{\"notebook\"}\nfmt.Println(os.Args)", stdout: "[notebook]\n"},
	})
}

// TestPackageVariablesGoTest: Go's test/chan/select2.go, which sets
// runtime.MemProfileRate in main, runs as cells (its declarations, then
// its main under another name) and prints what go run prints: nothing.
func TestPackageVariablesGoTest(t *testing.T) {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatalf("go env GOROOT: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "test", "chan", "select2.go"))
	if err != nil {
		t.Fatalf("the Go distribution's test program: %v", err)
	}
	decls := strings.Replace(strings.Replace(string(src), "package main", "", 1), "func main()", "func select2Main()", 1)
	runModernCells(t, []modernCell{{code: decls}, {code: "select2Main()"}})
}
