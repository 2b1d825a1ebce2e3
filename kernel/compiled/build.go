package compiled

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Module is the module path of every session's module.
const Module = "gocurrent.session"

// ToolexecCommand is the first argument that makes the gocurrent binary
// act as the go command's -toolexec program for a session's builds.
const ToolexecCommand = "__toolexec"

//go:embed host/*.go
var hostFiles embed.FS

// builder builds a session's cells and host in the session's module.
type builder struct {
	dir     string            // the session's module
	files   map[string]string // its files, by name, but for the cells'
	setup   string            // what the go command says of its version and settings
	goBin   string
	self    string // the gocurrent binary, the builds' -toolexec
	env     []string
	ldflags string // of the cells' plugins
	race    bool   // build with the race detector
}

// newBuilder writes the session module into a new directory.
func newBuilder(goBin string) (*builder, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the gocurrent binary: %w", err)
	}
	dir, err := os.MkdirTemp("", "gocurrent-session-*")
	if err != nil {
		return nil, fmt.Errorf("make the session's module: %w", err)
	}
	b := &builder{dir: dir, goBin: goBin, self: self,
		env: append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local", "GO111MODULE=on", "CGO_ENABLED=1")}
	lang, setup := goVersion(goBin)
	files := map[string]string{"go.mod": "module " + Module + "\n\ngo " + lang + "\n"}
	b.files, b.setup = files, setup
	// Plugins link externally; gold links them about 15% faster than
	// the default linker.
	b.ldflags = "-s -w"
	if _, err := exec.LookPath("ld.gold"); err == nil {
		b.ldflags += " -extldflags=-fuse-ld=gold"
	}
	entries, err := hostFiles.ReadDir("host")
	if err != nil {
		return nil, fmt.Errorf("read the host's source: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		src, err := hostFiles.ReadFile("host/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("read the host's source: %w", err)
		}
		files["host/"+e.Name()] = sessionPaths.Replace(string(src))
	}
	for path, pkg := range sessionPackages() {
		for name, src := range pkg {
			files[strings.TrimPrefix(path, Module+"/")+"/"+name] = src
		}
	}
	for name, text := range files {
		if err := writeFile(filepath.Join(dir, name), text); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	return b, nil
}

// goVersion is the language version of the go command's toolchain
// ("1.26"), and what the go command says of its version and of the
// settings the builds depend on.
func goVersion(goBin string) (string, string) {
	out, err := exec.Command(goBin, "env", "GOVERSION", "GOROOT", "GOARCH", "GOOS", "GOAMD64", "CC", "CGO_CFLAGS", "CGO_LDFLAGS").Output()
	if err == nil {
		if m := regexp.MustCompile(`^go(\d+\.\d+)`).FindStringSubmatch(strings.TrimSpace(string(out))); m != nil {
			return m[1], string(out)
		}
	}
	return "1.22", string(out)
}

func writeFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// flags are the build flags host and cells share: plugins load only into
// a host built with the same ones.
func (b *builder) flags() []string {
	f := []string{"-trimpath", "-toolexec", b.self + " " + ToolexecCommand}
	if b.race {
		f = append(f, "-race")
	}
	return f
}

// buildHost builds the host program, or finds it in the user's cache:
// with -trimpath, every session of a toolchain builds the same host, and
// building it takes about a second.
func (b *builder) buildHost(ctx context.Context) (string, error) {
	cached := b.cachedHost()
	if cached != "" {
		if _, err := os.Stat(cached); err == nil {
			return cached, nil
		}
	}
	out := filepath.Join(b.dir, "host.bin")
	args := append([]string{"build"}, b.flags()...)
	args = append(args, "-o", out, "./host")
	if msg, err := b.goCmd(ctx, args); err != nil {
		return "", fmt.Errorf("build the session's host: %w\n%s", err, msg)
	}
	if cached == "" {
		return out, nil
	}
	if err := copyFile(out, cached); err != nil {
		return out, nil // the session still has its own
	}
	return cached, nil
}

// cachedHost is where the user's cache keeps the host of this toolchain,
// binary and source ("" without a cache directory).
func (b *builder) cachedHost() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%q\n", b.setup, b.self, b.flags())
	names := slices.Sorted(maps.Keys(b.files))
	for _, name := range names {
		fmt.Fprintf(h, "%s\n%d\n%s", name, len(b.files[name]), b.files[name])
	}
	return filepath.Join(dir, "gocurrent", "hosts", hex.EncodeToString(h.Sum(nil))[:24], "host")
}

// copyFile copies an executable, replacing dst at once.
func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".host-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o755); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// buildCell writes cell n's package and its plugin's main package, and
// builds the plugin; a failed build returns the go command's output.
func (b *builder) buildCell(ctx context.Context, n int, src string) (string, string, error) {
	pkg := fmt.Sprintf("cells/c%d", n)
	plug := fmt.Sprintf("plug/p%d", n)
	stub := fmt.Sprintf("package main\n\nimport c %q\n\n// Run runs the cell.\nfunc Run() (any, bool) { return c.%s{}.Run() }\n", Module+"/"+pkg, "Gocurrent")
	if err := writeFile(filepath.Join(b.dir, pkg, "cell.go"), src); err != nil {
		return "", "", err
	}
	if err := writeFile(filepath.Join(b.dir, plug, "main.go"), stub); err != nil {
		return "", "", err
	}
	so := filepath.Join(b.dir, plug+".so")
	args := append([]string{"build", "-buildmode=plugin", "-ldflags=" + b.ldflags}, b.flags()...)
	args = append(args, "-o", so, "./"+plug)
	msg, err := b.goCmd(ctx, args)
	return so, msg, err
}

// goCmd runs the go command in the module.
func (b *builder) goCmd(ctx context.Context, args []string) (string, error) {
	cmd := exec.CommandContext(ctx, b.goBin, args...)
	cmd.Dir = b.dir
	cmd.Env = b.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func (b *builder) remove() error { return os.RemoveAll(b.dir) }

// RunToolexec is the go command's -toolexec program for a session's
// builds: it runs the tool, and compiles each cell's package under the
// package name main, which the go command would not let other packages
// import. It returns the tool's exit status.
func RunToolexec(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "gocurrent toolexec: no tool")
		return 2
	}
	tool, targs := args[0], args[1:]
	if strings.TrimSuffix(filepath.Base(tool), ".exe") == "compile" && isCellCompile(targs) {
		tmp, err := os.MkdirTemp("", "gocurrent-cell-*")
		if err != nil {
			fmt.Fprintln(os.Stderr, "gocurrent toolexec:", err)
			return 2
		}
		defer os.RemoveAll(tmp)
		targs = append([]string(nil), targs...)
		for i, a := range targs {
			if !strings.HasSuffix(a, ".go") {
				continue
			}
			src, err := os.ReadFile(a)
			if err != nil {
				continue
			}
			dst := filepath.Join(tmp, fmt.Sprintf("%d_%s", i, filepath.Base(a)))
			if err := os.WriteFile(dst, asMain(src), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "gocurrent toolexec:", err)
				return 2
			}
			targs[i] = dst
		}
	}
	cmd := exec.Command(tool, targs...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "gocurrent toolexec:", err)
		return 2
	}
	return 0
}

// isCellCompile reports whether a compile's arguments compile a cell's
// package.
func isCellCompile(args []string) bool {
	for i, a := range args {
		if a == "-p" && i+1 < len(args) {
			return strings.HasPrefix(args[i+1], Module+"/cells/")
		}
	}
	return false
}

var packageClause = regexp.MustCompile(`(?m)^package c\d+\b`)

// asMain renames a cell's package to main.
func asMain(src []byte) []byte {
	loc := packageClause.FindIndex(src)
	if loc == nil {
		return src
	}
	return append(append(append([]byte(nil), src[:loc[0]]...), "package main"...), src[loc[1]:]...)
}
