package wire

import (
	"strings"
	"testing"
)

// TestMarkers: the kernel finds its sync markers in what the worker writes,
// whatever text comes around them, and never takes text for one: not the
// marker's start printed by a cell, nor a whole marker of another key.
func TestMarkers(t *testing.T) {
	mk := NewMarkers("k1")
	m := func(seq int64) string { return string(mk.Marker(seq)) }
	other := string(NewMarkers("k2").Marker(7))
	start := markerStart
	for _, tc := range []struct {
		name   string
		chunks []string // as read from the pipe
		text   string   // the text passed on
		seqs   []int64  // the markers found
	}{
		{"text", []string{"hello\n"}, "hello\n", nil},
		{"marker", []string{"a" + m(1) + "b"}, "ab", []int64{1}},
		{"split marker", []string{"a" + m(12)[:5], m(12)[5:14], m(12)[14:] + "b"}, "ab", []int64{12}},
		{"cell prints the start", []string{"X" + start + "Y\n" + m(2)}, "X" + start + "Y\n", []int64{2}},
		{"cell prints a prefix and digits", []string{"X" + string(mk.prefix) + "12x" + m(3) + "Z"}, "X" + string(mk.prefix) + "12xZ", []int64{3}},
		{"another key", []string{"A" + other + "B\n" + m(4)}, "A" + other + "B\n", []int64{4}},
		{"start at the end", []string{"abc" + start[:4], start[4:] + "k1;5\a" + "d"}, "abcd", []int64{5}},
		{"too many digits", []string{"x" + string(mk.prefix) + strings.Repeat("9", 25) + "\a" + m(6)}, "x" + string(mk.prefix) + strings.Repeat("9", 25) + "\a", []int64{6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var text strings.Builder
			var seqs []int64
			var pending []byte
			for _, c := range tc.chunks {
				pending = append(pending, c...)
				for {
					before, seq, rest, ok, partial := mk.Parse(pending)
					if !ok {
						text.Write(before[:len(before)-partial])
						pending = append([]byte(nil), before[len(before)-partial:]...)
						break
					}
					text.Write(before)
					seqs = append(seqs, seq)
					pending = rest
				}
			}
			text.Write(pending)
			if text.String() != tc.text || len(seqs) != len(tc.seqs) {
				t.Fatalf("text %q, markers %v; want %q, %v", text.String(), seqs, tc.text, tc.seqs)
			}
			for i := range seqs {
				if seqs[i] != tc.seqs[i] {
					t.Fatalf("markers %v, want %v", seqs, tc.seqs)
				}
			}
		})
	}
}
