// Package install writes and removes the gocurrent kernelspec; the logos are embedded in the binary.
package install

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// logos holds the kernelspec logos, copied next to kernel.json by Install.
//
//go:embed logo-32x32.png logo-64x64.png logo-svg.svg
var logos embed.FS

// logoFiles lists the embedded logo names, in the order Install writes them.
func logoFiles() []string {
	return []string{"logo-32x32.png", "logo-64x64.png", "logo-svg.svg"}
}

// Name is the kernel name: the kernelspec directory is called Name and
// notebooks refer to the kernel by it.
const Name = "gocurrent"

// CompiledName is the name of the kernelspec of compiled sessions, which
// Install writes beside the interpreter's.
const CompiledName = "gocurrent-compiled"

// Spec is the kernelspec written as kernel.json.
type Spec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
}

// NewSpec returns the spec for binary (an absolute path): argv
// [binary, "kernel", "{connection_file}"], display name "Go (gocurrent)",
// language "go", interrupt_mode "message" and metadata {"debugger": false}.
func NewSpec(binary string) Spec {
	return Spec{
		Argv:          []string{binary, "kernel", "{connection_file}"},
		DisplayName:   "Go (gocurrent)",
		Language:      "go",
		InterruptMode: "message",
		Metadata:      map[string]any{"debugger": false},
	}
}

// NewCompiledSpec returns the spec of compiled sessions for binary: as
// NewSpec, with argv [binary, "kernel", "--compiled", "{connection_file}"]
// and display name "Go (gocurrent, compiled)".
func NewCompiledSpec(binary string) Spec {
	s := NewSpec(binary)
	s.Argv = []string{binary, "kernel", "--compiled", "{connection_file}"}
	s.DisplayName = "Go (gocurrent, compiled)"
	return s
}

// Target says where a kernelspec goes. Exactly one field must be set:
// User for the current user, SysPrefix for the prefix of the Python
// environment in use (as `jupyter kernelspec install --sys-prefix`), or
// Prefix for DIR/share/jupyter/kernels (as `--prefix DIR`).
type Target struct {
	User      bool
	SysPrefix bool
	Prefix    string
}

// String describes the target for messages.
func (t Target) String() string {
	switch {
	case t.User && !t.SysPrefix && t.Prefix == "":
		return "user"
	case t.SysPrefix && !t.User && t.Prefix == "":
		return "sys-prefix"
	case t.Prefix != "" && !t.User && !t.SysPrefix:
		return "prefix " + t.Prefix
	}
	return fmt.Sprintf("invalid target (User=%t SysPrefix=%t Prefix=%q)", t.User, t.SysPrefix, t.Prefix)
}

// Dir returns the kernelspec directory for a target:
//   - Target{User: true}: Jupyter's user data directory (JUPYTER_DATA_DIR if
//     set, else $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter on Linux,
//     ~/Library/Jupyter on macOS, %APPDATA%\jupyter on Windows) + /kernels/gocurrent;
//   - Target{SysPrefix: true}: sys.prefix/share/jupyter/kernels/gocurrent,
//     where sys.prefix is VIRTUAL_ENV or CONDA_PREFIX if set, else /usr/local;
//   - Target{Prefix: DIR}: DIR/share/jupyter/kernels/gocurrent (DIR made absolute).
func Dir(t Target) (string, error) { return specDir(t, Name) }

// specDir is the directory of the kernelspec name for a target.
func specDir(t Target, name string) (string, error) {
	switch {
	case t.User && !t.SysPrefix && t.Prefix == "":
		data, err := userDataDir(runtime.GOOS)
		if err != nil {
			return "", err
		}
		return filepath.Join(data, "kernels", name), nil
	case t.SysPrefix && !t.User && t.Prefix == "":
		return filepath.Join(sysPrefix(), "share", "jupyter", "kernels", name), nil
	case t.Prefix != "" && !t.User && !t.SysPrefix:
		prefix, err := filepath.Abs(t.Prefix)
		if err != nil {
			return "", fmt.Errorf("kernelspec prefix %s: %w", t.Prefix, err)
		}
		return filepath.Join(prefix, "share", "jupyter", "kernels", name), nil
	}
	return "", fmt.Errorf("kernelspec target: %s: set exactly one of User, SysPrefix, Prefix", t)
}

// userDataDir returns Jupyter's user data directory (jupyter_core's
// jupyter_data_dir) for the operating system goos.
func userDataDir(goos string) (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	if goos == "windows" {
		if d := os.Getenv("APPDATA"); d != "" {
			return filepath.Join(d, "jupyter"), nil
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("jupyter data dir: %w", err)
	}
	switch goos {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter"), nil
	case "windows":
		return filepath.Join(home, ".jupyter", "data"), nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jupyter"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// sysPrefix guesses the sys.prefix of the Python running Jupyter: the
// active virtualenv or conda environment, else /usr/local (which every
// Jupyter on Unix searches).
func sysPrefix() string {
	for _, v := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if d := os.Getenv(v); d != "" {
			return d
		}
	}
	return "/usr/local"
}

// StableBinary returns an absolute path to a copy of the running executable
// that will still exist tomorrow. If the executable (symlinks resolved) lies
// under os.TempDir(), GOTMPDIR or the Go build cache, as after `go run`, it
// is copied atomically to <Jupyter user data dir>/gocurrent/bin/gocurrent
// and that path is returned; otherwise the resolved executable path is.
func StableBinary() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("locate executable: %w", err)
	}
	data, err := userDataDir(runtime.GOOS)
	if err != nil {
		return "", err
	}
	return stableBinary(exe, data, transientDirs())
}

// transientDirs returns the directories whose contents may vanish: the
// temporary directory, GOTMPDIR and the Go build cache.
func transientDirs() []string {
	dirs := []string{os.TempDir()}
	if d := os.Getenv("GOTMPDIR"); d != "" {
		dirs = append(dirs, d)
	}
	if d := os.Getenv("GOCACHE"); d != "" && d != "off" {
		dirs = append(dirs, d)
	} else if c, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(c, "go-build"))
	}
	return dirs
}

// stableBinary is StableBinary for the executable exe, copying into
// dataDir/gocurrent/bin when exe lies under one of the transient dirs.
func stableBinary(exe, dataDir string, transient []string) (string, error) {
	resolved, err := filepath.EvalSymlinks(exe)
	if err == nil {
		resolved, err = filepath.Abs(resolved)
	}
	if err != nil {
		return "", fmt.Errorf("locate executable %s: %w", exe, err)
	}
	exe = resolved
	if !isTransient(exe, transient) {
		return exe, nil
	}
	bin := Name
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	dst := filepath.Join(dataDir, Name, "bin", bin)
	if dst == exe {
		return dst, nil
	}
	src, err := os.Open(exe)
	if err != nil {
		return "", fmt.Errorf("copy executable %s: %w", exe, err)
	}
	defer src.Close()
	if err := writeFileAtomic(dst, src, 0o755); err != nil {
		return "", fmt.Errorf("copy executable %s to %s: %w", exe, dst, err)
	}
	return dst, nil
}

// isTransient reports whether path lies under one of dirs (compared both
// as given and with symlinks resolved), or in a go-build* directory.
func isTransient(path string, dirs []string) bool {
	for _, elem := range strings.Split(filepath.ToSlash(filepath.Dir(path)), "/") {
		if strings.HasPrefix(elem, "go-build") {
			return true
		}
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		cands := []string{filepath.Clean(d)}
		if r, err := filepath.EvalSymlinks(d); err == nil {
			cands = append(cands, r)
		}
		for _, c := range cands {
			rel, err := filepath.Rel(c, path)
			if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
				return true
			}
		}
	}
	return false
}

// ClosedToOthers returns the first of binary and the directories above it
// that users other than the owner may not enter or run, or "" when anyone
// can run binary. A kernelspec installed for everyone (the users of a
// JupyterHub) needs a binary they can run, and `go install` puts it under
// the installing user's home, which is often closed (root's always is).
func ClosedToOthers(binary string) string {
	for p := binary; ; p = filepath.Dir(p) {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return p
		}
		if filepath.Dir(p) == p {
			return ""
		}
	}
}

// writeFileAtomic writes r to path through a temporary file in the same
// directory, so readers see either the old or the new content.
func writeFileAtomic(path string, r io.Reader, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := io.Copy(f, r); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// Install writes kernel.json (indented JSON, for NewSpec(binary)) and the
// three logos into Dir(t), creating directories as needed. Each file is
// replaced atomically, so re-running is safe and idempotent. A binary
// given as a relative path with a separator is made absolute; a bare name
// is kept, for Jupyter to look up in PATH. Install returns the directory.
func Install(t Target, binary string) (string, error) {
	if binary == "" {
		return "", errors.New("install kernelspec: empty kernel binary path")
	}
	if !filepath.IsAbs(binary) && strings.ContainsRune(binary, filepath.Separator) {
		abs, err := filepath.Abs(binary)
		if err != nil {
			return "", fmt.Errorf("install kernelspec: %w", err)
		}
		binary = abs
	}
	if _, err := installSpec(t, CompiledName, NewCompiledSpec(binary)); err != nil {
		return "", err
	}
	return installSpec(t, Name, NewSpec(binary))
}

// installSpec writes one kernelspec with the logos.
func installSpec(t Target, name string, spec Spec) (string, error) {
	dir, err := specDir(t, name)
	if err != nil {
		return "", err
	}
	wrap := func(err error) error { return fmt.Errorf("install kernelspec in %s: %w", dir, err) }
	js, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", wrap(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", wrap(err)
	}
	if err := writeFileAtomic(filepath.Join(dir, "kernel.json"), strings.NewReader(string(js)+"\n"), 0o644); err != nil {
		return "", wrap(err)
	}
	for _, name := range logoFiles() {
		f, err := logos.Open(name)
		if err != nil {
			return "", wrap(err)
		}
		err = writeFileAtomic(filepath.Join(dir, name), f, 0o644)
		f.Close()
		if err != nil {
			return "", wrap(err)
		}
	}
	return dir, nil
}

// Uninstall removes Dir(t) (kernel.json, the logos and the directory)
// and the compiled sessions' kernelspec beside it. Removing a spec that is
// not there is not an error; Uninstall then returns false.
func Uninstall(t Target) (bool, error) {
	removedCompiled, err := uninstallSpec(t, CompiledName)
	if err != nil {
		return false, err
	}
	removed, err := uninstallSpec(t, Name)
	return removed || removedCompiled, err
}

func uninstallSpec(t Target, name string) (bool, error) {
	dir, err := specDir(t, name)
	if err != nil {
		return false, err
	}
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("uninstall kernelspec in %s: %w", dir, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return false, fmt.Errorf("uninstall kernelspec in %s: %w", dir, err)
	}
	return true, nil
}
