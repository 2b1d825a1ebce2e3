// Command extld is the external linker of a compiled session's cells.
//
// The Go linker, linking a cell's plugin externally, runs it to ask the C
// compiler whether it takes a flag (by linking a trivial C program with
// it), twice per link with the flags the kernel gives, then for the link
// itself. extld answers each question with what the C compiler said to it
// the first time in the session, kept in $GOCURRENT_EXTLD_CACHE, and hands
// the link to the C compiler, $GOCURRENT_EXTLD. The kernel builds it once
// per toolchain (kernel/compiled, buildExtld): a small program starts in a
// few milliseconds, where the gocurrent binary, which did this before, took
// tens (its packages' initialisation builds the interpreter's tables).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// The environment the kernel gives the linker (kernel/compiled, link).
const (
	ccEnv    = "GOCURRENT_EXTLD"       // the C compiler's command line, quoted as for -extld
	cacheEnv = "GOCURRENT_EXTLD_CACHE" // the directory of the C compiler's answers
)

func main() {
	os.Exit(run(os.Getenv(ccEnv), os.Args[1:]))
}

// run is the external linker, given the C compiler's command line
// ($GOCURRENT_EXTLD) and the linker's arguments. A question the linker
// asks the C compiler (a trivial program linked with one more flag) is
// answered with what the C compiler said to the same question before, in
// the same session; everything else is the C compiler's own work. It
// returns the exit status.
func run(ccLine string, args []string) int {
	cc := splitQuoted(ccLine)
	if len(cc) == 0 {
		fmt.Fprintln(os.Stderr, "gocurrent extld: no C compiler for the external link")
		return 2
	}
	cache := os.Getenv(cacheEnv)
	trivial := -1
	for i, a := range args {
		if filepath.Base(a) == "trivial.c" {
			trivial = i
		}
	}
	if trivial < 0 || cache == "" {
		path, err := exec.LookPath(cc[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, "gocurrent extld: external link:", err)
			return 2
		}
		env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
			return strings.HasPrefix(kv, ccEnv+"=") || strings.HasPrefix(kv, cacheEnv+"=")
		})
		err = syscall.Exec(path, append(slices.Clip(cc), args...), env)
		fmt.Fprintln(os.Stderr, "gocurrent extld: external link:", err)
		return 2
	}
	// The question, without the linker's temporary directory.
	tmp := filepath.Dir(args[trivial])
	key := sha256.New()
	for _, a := range append(slices.Clip(cc), args...) {
		fmt.Fprintf(key, "%q\n", strings.ReplaceAll(a, tmp, "$TMP"))
	}
	file := filepath.Join(cache, hex.EncodeToString(key.Sum(nil))[:24])
	if data, err := os.ReadFile(file); err == nil {
		if status, out, ok := strings.Cut(string(data), "\n"); ok {
			if code, err := strconv.Atoi(status); err == nil {
				os.Stdout.WriteString(out)
				return code
			}
		}
	}
	cmd := exec.Command(cc[0], append(cc[1:], args...)...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			fmt.Fprintln(os.Stderr, "gocurrent extld: external link:", err)
			return 2
		}
		code = ee.ExitCode()
	}
	os.Stdout.Write(out)
	if err := os.MkdirAll(cache, 0o755); err == nil {
		if f, err := os.CreateTemp(cache, ".answer-*"); err == nil {
			fmt.Fprintf(f, "%d\n%s", code, out)
			if f.Close() == nil {
				os.Rename(f.Name(), file)
			}
			os.Remove(f.Name())
		}
	}
	return code
}

// splitQuoted splits a command line as the linker's -extld flag does:
// at spaces, but not inside single or double quotes.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}
