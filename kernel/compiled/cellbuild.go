package compiled

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// A cell is compiled and linked by calling the toolchain's compile and
// link directly, as the go command would: a cell's package and its
// plugin's main package depend on nothing the go command could find in
// its cache, and asking it to build them costs about a tenth of a second
// of checks on every cell. The archives of the standard library and of
// the session's own packages come from the go command once
// (`go list -export`), the first time a cell imports them.
//
// The linker, linking a plugin externally, asks the C compiler whether it
// takes some flags by linking a trivial C program, twice on every link
// (three times without -compressdwarf=false); the session's external
// linker is a small program of its own (extld/main.go, built by
// buildExtld), which answers those questions from what the C compiler
// said the first time.

// extldEnv holds, for the session's external linker, the C compiler's
// command line, quoted as for the linker's -extld flag.
const extldEnv = "GOCURRENT_EXTLD"

// extldCacheEnv is where the external linker keeps the C compiler's
// answers.
const extldCacheEnv = "GOCURRENT_EXTLD_CACHE"

// cellBuilds is what a session's builds of cells share: the archive of
// every package cells may import, by import path, for builds with and
// without the race detector.
type cellBuilds struct {
	mu       sync.Mutex
	archives map[bool]map[string]string
}

func newCellBuilds() *cellBuilds {
	return &cellBuilds{archives: map[bool]map[string]string{false: {}, true: {}}}
}

// cell compiles cell n's package and its plugin's main package and links
// the plugin; a failed build returns what the tools said, with positions
// in cells.
func (c *cellBuilds) cell(ctx context.Context, b *builder, n int, src string, imports []string) (string, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	pkg := fmt.Sprintf("%s/cells/c%d", Module, n)
	plug := fmt.Sprintf("%s/plug/p%d", Module, n)
	obj := filepath.Join(b.dir, "obj")
	cellDir := filepath.Join(obj, fmt.Sprintf("c%d", n))
	plugDir := filepath.Join(obj, fmt.Sprintf("p%d", n))
	// The cell's package is compiled under the name main, for the names
	// of its types and functions that the program prints: main.T.
	if err := writeFile(filepath.Join(cellDir, "cell.go"), string(asMain([]byte(src)))); err != nil {
		return "", "", err
	}
	stub := fmt.Sprintf("package main\n\nimport c %q\n\n// Run runs the cell.\nfunc Run() (any, bool) { return c.%s{}.Run() }\n", pkg, "Gocurrent")
	if hasBench(src) {
		stub = fmt.Sprintf("package main\n\nimport (\n\tc %q\n\t%q\n)\n\n// Run runs the cell.\nfunc Run() (any, bool) { return c.%s{}.Run() }\n\n"+
			"// Bench runs the cell's statements in b.Loop.\nfunc Bench(b *testing.B) { c.%s{}.Bench(b) }\n", pkg, "testing", "Gocurrent", "Gocurrent")
	}
	if err := writeFile(filepath.Join(plugDir, "main.go"), stub); err != nil {
		return "", "", err
	}
	if msg, err := c.resolve(ctx, b, src, imports); err != nil {
		return "", msg, err
	}
	archives := c.archives[b.race]
	cellA := cellDir + ".a"
	if msg, err := c.compile(ctx, b, pkg, filepath.Join(cellDir, "cell.go"), cellA); err != nil {
		return "", msg, err
	}
	archives[pkg] = cellA
	plugA := plugDir + ".a"
	if msg, err := c.compile(ctx, b, plug, filepath.Join(plugDir, "main.go"), plugA); err != nil {
		delete(archives, pkg)
		return "", msg, err
	}
	// The host finds the plugins of cells in plug (procsrt.Attach).
	so := filepath.Join(b.dir, "plug", fmt.Sprintf("p%d.so", n))
	if err := os.MkdirAll(filepath.Dir(so), 0o755); err != nil {
		return "", "", fmt.Errorf("make the plugins' directory: %w", err)
	}
	if msg, err := c.link(ctx, b, plug, plugA, so); err != nil {
		delete(archives, pkg)
		return "", msg, err
	}
	return so, "", nil
}

// resolve finds the archives of the packages a cell imports that no cell
// imported before, and of what they import, with the go command. The
// imports are those of the cell's source and those the cell adds to the
// session for later cells (which its source may not use); one that
// cannot be found is an error.
func (c *cellBuilds) resolve(ctx context.Context, b *builder, src string, imports []string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "cell.go", src, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		return err.Error(), fmt.Errorf("read the cell's imports: %w", err)
	}
	archives := c.archives[b.race]
	where := map[string]bool{}
	var missing []string
	for _, spec := range f.Imports {
		if path, err := strconv.Unquote(spec.Path.Value); err == nil {
			imports = append(imports, path)
		}
	}
	for _, path := range imports {
		if path == "unsafe" || path == "C" {
			continue
		}
		if _, ok := archives[path]; ok {
			continue
		}
		if _, ok := where[path]; !ok {
			missing = append(missing, path)
		}
		where[path] = true
	}
	// The linker needs runtime/cgo to link externally, and runtime/race
	// under the race detector, as the go command gives it.
	for _, path := range []string{"runtime/cgo", "runtime/race"} {
		if _, ok := archives[path]; !ok && (path != "runtime/race" || b.race) {
			missing = append(missing, path)
		}
	}
	if len(missing) == 0 {
		return "", nil
	}
	args := append([]string{"list", "-e", "-export", "-deps", "-buildmode=plugin"}, b.flags()...)
	args = append(args, "-f", "{{.ImportPath}}\t{{.Export}}\t{{if .Error}}{{.Error}}{{end}}")
	args = append(args, missing...)
	out, err := b.goCmd(ctx, args)
	if err != nil {
		return out, fmt.Errorf("find the cell's packages: %w", err)
	}
	var msgs []string
	for line := range strings.Lines(out) {
		fields := strings.SplitN(strings.TrimRight(line, "\n"), "\t", 3)
		if len(fields) != 3 {
			continue
		}
		path, export, problem := fields[0], fields[1], fields[2]
		if problem != "" {
			if _, ok := where[path]; ok {
				msgs = append(msgs, fmt.Sprintf("import %q: %s", path, strings.ReplaceAll(problem, "\n", " ")))
			}
			continue
		}
		if export != "" {
			archives[path] = export
		}
	}
	for _, path := range missing {
		if _, ok := archives[path]; !ok && len(msgs) == 0 {
			msgs = append(msgs, fmt.Sprintf("import %q: the go command built no archive of it", path))
		}
	}
	if len(msgs) > 0 {
		return strings.Join(msgs, "\n"), errors.New("a package the cell imports was not found")
	}
	return "", nil
}

// importcfg writes the archives known so far as the tools' -importcfg.
func (c *cellBuilds) importcfg(b *builder, path string) error {
	archives := c.archives[b.race]
	var buf strings.Builder
	for _, p := range slices.Sorted(maps.Keys(archives)) {
		fmt.Fprintf(&buf, "packagefile %s=%s\n", p, archives[p])
	}
	return writeFile(path, buf.String())
}

// compile compiles file as package path, for a plugin.
func (c *cellBuilds) compile(ctx context.Context, b *builder, path, file, out string) (string, error) {
	cfg := out + ".importcfg"
	if err := c.importcfg(b, cfg); err != nil {
		return "", err
	}
	id := buildID(path, out)
	args := []string{"-o", out, "-trimpath", filepath.Dir(file) + "=>" + path, "-p", path,
		"-lang=go" + b.tc.lang, "-complete", "-installsuffix", "dynlink",
		"-buildid", id + "/" + id, "-goversion", b.tc.version,
		"-c=" + strconv.Itoa(min(4, runtime.GOMAXPROCS(0))), "-dynlink", "-nolocalimports",
		"-importcfg", cfg, "-pack"}
	if b.race {
		args = append(args, "-race")
	}
	args = append(args, file)
	return b.tool(ctx, "compile", args, nil)
}

// link links a plugin whose main package is archive main.
func (c *cellBuilds) link(ctx context.Context, b *builder, path, main, out string) (string, error) {
	cfg := main + ".link"
	if err := c.importcfg(b, cfg); err != nil {
		return "", err
	}
	id := buildID(path, out)
	args := []string{"-o", out, "-importcfg", cfg, "-installsuffix", "dynlink",
		"-pluginpath", path, "-buildmode=plugin", "-buildid=" + id}
	args = append(args, b.ldflags...)
	cc := make([]string, len(b.tc.cc))
	for i, a := range b.tc.cc {
		cc[i] = quoteArg(a)
	}
	env := []string{"GOROOT="}
	if b.extld != "" {
		args = append(args, "-extld="+quoteArg(b.extld))
		env = append(env, extldEnv+"="+strings.Join(cc, " "), extldCacheEnv+"="+filepath.Join(b.dir, "obj", "extld"))
	} else {
		args = append(args, "-extld="+strings.Join(cc, " ")) // the C compiler answers every question
	}
	if b.race {
		args = append(args, "-race")
	}
	args = append(args, main)
	return b.tool(ctx, "link", args, env)
}

// tool runs one of the toolchain's tools in the session's module.
func (b *builder) tool(ctx context.Context, name string, args, env []string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(b.tc.toolDir, name), args...)
	cmd.Dir = b.dir
	cmd.Env = append(slices.Clip(b.env), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s: %w", name, err)
	}
	return out.String(), nil
}

// buildID is a build ID for a package or plugin of the session.
func buildID(path, out string) string {
	h := sha256.Sum256([]byte(path + "\x00" + out))
	return hex.EncodeToString(h[:10])
}

// quoteArg quotes an argument for the linker's -extld flag.
func quoteArg(a string) string {
	if !strings.ContainsAny(a, " \t\n'\"") {
		return a
	}
	if !strings.Contains(a, "'") {
		return "'" + a + "'"
	}
	return `"` + a + `"`
}
