package rewrite

import "testing"

func TestMentionsWholeWordsOnly(t *testing.T) {
	for _, c := range []struct {
		src, name string
		want      bool
	}{
		{"fmt.Println(x)", "fmt", true},
		{"x := os.Args", "os", true},
		{"pos := close(c)", "os", false},
		{"xfmt.Println()", "fmt", false},
		{"fmt_x := 1", "fmt", false},
		{"a := 1 // strings are fine", "strings", true},
		{"os", "os", true},
		{"", "os", false},
		{"éos.X", "os", false},
	} {
		if got := mentions(c.src, c.name); got != c.want {
			t.Errorf("mentions(%q, %q) = %v, want %v", c.src, c.name, got, c.want)
		}
	}
}
