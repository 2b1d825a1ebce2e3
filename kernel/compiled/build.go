package compiled

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
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

//go:embed host/*.go
var hostFiles embed.FS

// extldSrc is the source of the session's external linker.
//
//go:embed extld/main.go
var extldSrc string

// builder builds a session's cells and host in the session's module.
type builder struct {
	dir     string            // the session's module
	lock    *os.File          // held while the session lives (sessiondir.go)
	files   map[string]string // its files, by name, but for the cells'
	tc      toolchain
	goBin   string
	extld   string // the cells' links' external linker ("": the C compiler)
	env     []string
	ldflags []string // of the cells' plugins
	race    bool     // build with the race detector
	cells   *cellBuilds
}

// newBuilder writes the session module into a new directory.
func newBuilder(goBin string) (*builder, error) {
	dir, lock, err := newSessionDir()
	if err != nil {
		return nil, err
	}
	// Sessions of killed kernels left their directories behind.
	go removeAbandoned(filepath.Dir(dir))
	b := &builder{dir: dir, lock: lock, goBin: goBin,
		env: append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOTOOLCHAIN=local", "GO111MODULE=on", "CGO_ENABLED=1")}
	b.tc = goToolchain(goBin)
	b.cells = newCellBuilds()
	files := map[string]string{"go.mod": "module " + Module + "\n\ngo " + b.tc.lang + "\n", "extld/main.go": extldSrc}
	b.files = files
	// Plugins link externally; gold links them about 15% faster than
	// the default linker. With -w there is no DWARF to compress, and
	// -compressdwarf=false spares the linker one of the questions it asks
	// the C compiler, each a run of the external linker.
	b.ldflags = []string{"-s", "-w", "-compressdwarf=false"}
	if _, err := exec.LookPath("ld.gold"); err == nil {
		b.ldflags = append(b.ldflags, "-extldflags=-fuse-ld=gold")
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
			b.remove()
			return nil, err
		}
	}
	return b, nil
}

// toolchain is what the go command says of its toolchain and of the
// settings the builds depend on.
type toolchain struct {
	lang    string   // the language version ("1.26")
	version string   // the toolchain's ("go1.26.8")
	toolDir string   // where compile and link are
	cc      []string // the C compiler, the plugins' external linker
	setup   string   // all of it, as the go command said it
}

// goToolchain asks the go command about its toolchain.
func goToolchain(goBin string) toolchain {
	tc := toolchain{lang: "1.22", cc: []string{"gcc"}}
	out, err := exec.Command(goBin, "env", "GOVERSION", "GOTOOLDIR", "CC", "GOROOT", "GOARCH", "GOOS", "GOAMD64", "CGO_CFLAGS", "CGO_LDFLAGS").Output()
	if err != nil {
		return tc
	}
	tc.setup = string(out)
	lines := strings.Split(tc.setup, "\n")
	if len(lines) < 3 {
		return tc
	}
	tc.version, tc.toolDir = strings.TrimSpace(lines[0]), strings.TrimSpace(lines[1])
	if cc := strings.Fields(lines[2]); len(cc) > 0 {
		tc.cc = cc
	}
	if m := regexp.MustCompile(`^go(\d+\.\d+)`).FindStringSubmatch(tc.version); m != nil {
		tc.lang = m[1]
	}
	return tc
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
	f := []string{"-trimpath"}
	if b.race {
		f = append(f, "-race")
	}
	return f
}

// buildHost builds the host program, or finds it in the user's cache:
// with -trimpath, every session of a toolchain builds the same host, and
// building it takes about a second.
func (b *builder) buildHost(ctx context.Context) (string, error) {
	bin, err := b.buildCached(ctx, b.cachedHost(), "host.bin", "./host", b.flags())
	if err != nil {
		return "", fmt.Errorf("build the session's host: %w", err)
	}
	return bin, nil
}

// buildCached returns cached, the user's cache's copy of program pkg of
// the session's module ("" without a cache), if it is there; else it
// builds the program with flags into the session's directory as name,
// and copies it to cached for the sessions after this one.
func (b *builder) buildCached(ctx context.Context, cached, name, pkg string, flags []string) (string, error) {
	if cached != "" {
		if _, err := os.Stat(cached); err == nil {
			return cached, nil
		}
	}
	out := filepath.Join(b.dir, name)
	args := append(append([]string{"build"}, flags...), "-o", out, pkg)
	if msg, err := b.goCmd(ctx, args); err != nil {
		return "", fmt.Errorf("%w\n%s", err, msg)
	}
	if cached == "" || copyFile(out, cached) != nil {
		return out, nil // the session still has its own
	}
	return cached, nil
}

// buildExtld builds the session's external linker, or finds it in the
// user's cache; without it ("" and the error) the C compiler links the
// cells and answers the linker's questions itself, a tenth of a second
// more per cell.
func (b *builder) buildExtld(ctx context.Context) (string, error) {
	cached := ""
	if dir, err := os.UserCacheDir(); err == nil {
		h := sha256.New()
		fmt.Fprintf(h, "%s\n%s", b.tc.setup, extldSrc)
		cached = filepath.Join(dir, "gocurrent", "extld", hex.EncodeToString(h.Sum(nil))[:24], "extld")
	}
	bin, err := b.buildCached(ctx, cached, "extld.bin", "./extld", []string{"-trimpath"})
	if err != nil {
		return "", fmt.Errorf("build the session's external linker: %w", err)
	}
	return bin, nil
}

// cachedHost is where the user's cache keeps the host of this toolchain,
// binary and source ("" without a cache directory).
func (b *builder) cachedHost() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%q\n", b.tc.setup, b.flags())
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
// builds the plugin (link.go); a failed build returns what the compiler
// or the go command said.
func (b *builder) buildCell(ctx context.Context, n int, src string, imports []string) (string, string, error) {
	return b.cells.cell(ctx, b, n, src, imports)
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

func (b *builder) remove() error {
	err := os.RemoveAll(b.dir)
	b.lock.Close()
	return err
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
