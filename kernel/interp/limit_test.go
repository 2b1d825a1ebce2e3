package interp

import (
	"fmt"
	"strings"
	"testing"
)

func TestLimiterKeepsHeadAndTail(t *testing.T) {
	l := newLimiter()
	var got strings.Builder
	var lines int
	for i := 0; got.Len() < outputHead+outputTail*4 || lines < 10; i++ {
		line := fmt.Sprintf("line %d\n", i)
		lines++
		got.Write(l.pass("stdout", []byte(line)))
		if i > 2_000_000 {
			break
		}
	}
	head := got.String()
	if len(head) > outputHead || !strings.HasPrefix(head, "line 0\n") || !strings.HasSuffix(head, "\n") {
		t.Fatalf("head: %d bytes, ends %q", len(head), head[len(head)-20:])
	}
	var note, tail string
	l.finish(func(name, text string) {
		if name == "stderr" {
			note = text
		} else {
			tail += text
		}
	})
	if !strings.Contains(note, "were cut") {
		t.Errorf("note = %q", note)
	}
	last := fmt.Sprintf("line %d\n", lines-1)
	if !strings.HasSuffix(tail, last) || !strings.HasPrefix(tail, "line ") || len(tail) > outputTail {
		t.Errorf("tail: %d bytes, starts %q, ends %q", len(tail), tail[:20], tail[len(tail)-20:])
	}
	// Nothing was lost but what the note counts.
	var n int64
	fmt.Sscanf(note[strings.Index(note, ": ")+2:], "%d", &n)
	shown := strings.Count(head, "\n") + strings.Count(tail, "\n")
	if int64(shown)+n != int64(lines) {
		t.Errorf("shown %d + cut %d != %d lines", shown, n, lines)
	}
}

func TestLimiterPassesSmallOutput(t *testing.T) {
	l := newLimiter()
	if got := string(l.pass("stdout", []byte("hello\n"))); got != "hello\n" {
		t.Fatalf("pass = %q", got)
	}
	called := false
	l.finish(func(string, string) { called = true })
	if called {
		t.Error("finish emitted something for small output")
	}
	// Each cell has the whole limit.
	big := make([]byte, outputHead-10)
	for range 3 {
		if got := l.pass("stdout", big); len(got) != len(big) {
			t.Fatalf("a later cell passed %d of %d bytes", len(got), len(big))
		}
		l.finish(func(string, string) {})
	}
}
