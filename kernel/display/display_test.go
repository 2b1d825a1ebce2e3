package display

import (
	"encoding/base64"
	"image"
	"strings"
	"testing"
)

type html struct{}

func (html) HTML() string { return "<b>x</b>" }

func TestValue(t *testing.T) {
	tests := []struct {
		v    any
		mime string
		want string
	}{
		{42, "text/plain", "42"},
		{"go", "text/plain", `"go"`},
		{[]string{"a", "b"}, "text/plain", `["a" "b"]`},
		{html{}, "text/html", "<b>x</b>"},
	}
	for _, tt := range tests {
		got := Value(tt.v)
		if got[tt.mime] != tt.want {
			t.Errorf("Value(%v)[%s] = %v, want %q", tt.v, tt.mime, got[tt.mime], tt.want)
		}
	}
	img := Value(image.NewRGBA(image.Rect(0, 0, 3, 2)))
	b, err := base64.StdEncoding.DecodeString(img["image/png"].(string))
	if err != nil || !strings.HasPrefix(string(b), "\x89PNG") || img["text/plain"] != "<image 3x2>" {
		t.Errorf("image bundle = %v (%v)", img["text/plain"], err)
	}
}

func TestDisplayAndUpdate(t *testing.T) {
	var got []Bundle
	clears := 0
	d := New(func(b Bundle) { got = append(got, b) }, func(bool) { clears++ })
	d.HTML("<i>a</i>")
	h := d.ID("progress")
	h.Text("1")
	h.Text("2")
	d.ID("progress").Markdown("**3**")
	d.JSON(map[string]int{"n": 1})
	d.Clear()
	if len(got) != 5 || clears != 1 {
		t.Fatalf("got %d bundles, %d clears", len(got), clears)
	}
	if got[0].Data["text/html"] != "<i>a</i>" || got[0].ID != "" {
		t.Errorf("HTML bundle = %+v", got[0])
	}
	if got[1].ID != "progress" || got[1].Update || !got[2].Update || !got[3].Update || got[3].Data["text/markdown"] != "**3**" {
		t.Errorf("updates = %+v %+v %+v", got[1], got[2], got[3])
	}
	if got[4].Data["application/json"].(map[string]any)["n"] != 1.0 {
		t.Errorf("JSON bundle = %+v", got[4])
	}
}
