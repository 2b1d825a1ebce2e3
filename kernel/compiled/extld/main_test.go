package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The linker's questions (a trivial C program linked with one more flag)
// reach the C compiler once per session: the second time, the answer, its
// output and its exit status, comes from the cache.
func TestQuestionsAreAnsweredOnce(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	cc := filepath.Join(dir, "cc")
	// A C compiler that takes -good and refuses anything else, and counts
	// how often it is asked.
	script := "#!/bin/sh\necho x >> " + calls + "\nfor a in \"$@\"; do [ \"$a\" = -bad ] && { echo 'unknown flag -bad'; exit 1; }; done\necho fine\n"
	if err := os.WriteFile(cc, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(cacheEnv, filepath.Join(dir, "cache"))
	ask := func(tmp, flag string) (int, string) {
		t.Helper()
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			t.Fatal(err)
		}
		out, err := os.CreateTemp(dir, "stdout")
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		saved := os.Stdout
		os.Stdout = out
		code := run("'"+cc+"' -m64", []string{flag, "-o", filepath.Join(tmp, "a.out"), filepath.Join(tmp, "trivial.c")})
		os.Stdout = saved
		text, _ := os.ReadFile(out.Name())
		return code, string(text)
	}
	for round, tmp := range []string{filepath.Join(dir, "go-link-1"), filepath.Join(dir, "go-link-2")} {
		if code, text := ask(tmp, "-good"); code != 0 || text != "fine\n" {
			t.Errorf("round %d, -good: exit %d, %q", round+1, code, text)
		}
		if code, text := ask(tmp, "-bad"); code != 1 || text != "unknown flag -bad\n" {
			t.Errorf("round %d, -bad: exit %d, %q", round+1, code, text)
		}
	}
	// Each linker has a temporary directory of its own: the questions are
	// the same without it.
	data, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "x"); n != 2 {
		t.Errorf("the C compiler was asked %d times for two questions asked twice", n)
	}
}

func TestSplitQuoted(t *testing.T) {
	got := splitQuoted(`gcc -m64 '/opt/my cc/bin' "-I a"  x`)
	want := []string{"gcc", "-m64", "/opt/my cc/bin", "-I a", "x"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("splitQuoted: %q, want %q", got, want)
	}
}
