package magic

import (
	"bytes"
	"encoding/base64"
	"html"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gocurrent/gocurrent/kernel/chart"
)

func TestChartData(t *testing.T) {
	p := chart.BarChart{Title: `compare: "a" <b> & c`, Unit: "ms", Bars: []chart.Bar{{Label: "a", Value: 2}, {Label: "b", Value: 1}}}.Picture()
	text := "variant  median wall\n───────────────\na  2 ms <\"&'>\nb  1 ms\n"
	data, meta, err := chartData(p, text, map[string]any{"gocurrent": map[string]any{"compare": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if data["text/plain"] != text || !strings.HasPrefix(data["image/svg+xml"].(string), "<svg ") {
		t.Errorf("text or SVG wrong: %v", data)
	}
	if meta["gocurrent"] == nil {
		t.Error("extra metadata lost")
	}
	w, h := p.Size()
	size, _ := meta["image/png"].(map[string]any)
	if size["width"] != w || size["height"] != h {
		t.Errorf("PNG metadata %v, want width %d height %d", size, w, h)
	}
	b64, _ := data["image/png"].(string)
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("image/png is not base64: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("image/png is not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got.X != pngScale*w || got.Y != pngScale*h {
		t.Errorf("PNG is %v, want %d × the CSS size %d × %d", got, pngScale, w, h)
	}

	// The HTML is one <img> of the same PNG, at the CSS size, with the
	// title as alt text and the table as hover text, escaped, and the
	// table under it.
	s, _ := data["text/html"].(string)
	m := regexp.MustCompile(`^<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)" alt="([^"<>]*)" title="([^"<>]*)">\n<pre>([^<>]*)</pre>$`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("text/html is not one <img> with escaped attributes and a <pre>: %.300s", s)
	}
	if html.UnescapeString(m[6]) != text {
		t.Errorf("<pre> holds %q, want the table %q", html.UnescapeString(m[6]), text)
	}
	if m[1] != b64 {
		t.Error("the <img> shows another PNG than image/png")
	}
	if m[2] != strconv.Itoa(w) || m[3] != strconv.Itoa(h) {
		t.Errorf("<img> is %s × %s, want %d × %d", m[2], m[3], w, h)
	}
	if html.UnescapeString(m[4]) != p.Title {
		t.Errorf("alt = %q, want the title %q", html.UnescapeString(m[4]), p.Title)
	}
	if html.UnescapeString(m[5]) != text {
		t.Errorf("title = %q, want the table %q", html.UnescapeString(m[5]), text)
	}
}
