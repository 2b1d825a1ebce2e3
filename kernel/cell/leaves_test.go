package cell

import "testing"

func TestLeavesFunc(t *testing.T) {
	for stmts, want := range map[string]bool{
		"x := 1\n_ = x":       false,
		"defer f()":           true,
		"if x {\n\treturn\n}": true,
		"go func() { defer wg.Done(); return }()":             false,
		"for i := range 3 {\n\tif i > 1 {\n\t\tbreak\n\t}\n}": false,
	} {
		if got := LeavesFunc(stmts); got != want {
			t.Errorf("LeavesFunc(%q) = %v, want %v", stmts, got, want)
		}
	}
}
