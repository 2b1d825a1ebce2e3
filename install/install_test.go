package install

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// isolate points every variable Dir and StableBinary read at fresh
// temporary directories and returns the home directory.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, v := range []string{"JUPYTER_DATA_DIR", "XDG_DATA_HOME", "VIRTUAL_ENV", "CONDA_PREFIX"} {
		t.Setenv(v, "")
	}
	return home
}

func TestNewSpec(t *testing.T) {
	got := NewSpec("/opt/bin/gocurrent")
	want := Spec{
		Argv:          []string{"/opt/bin/gocurrent", "kernel", "{connection_file}"},
		DisplayName:   "Go (gocurrent)",
		Language:      "go",
		InterruptMode: "message",
		Metadata:      map[string]any{"debugger": false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NewSpec = %+v, want %+v", got, want)
	}
}

func TestDir(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name    string
		env     map[string]string
		target  Target
		want    func(home string) string
		wantErr bool
	}{
		{
			name:   "user/JUPYTER_DATA_DIR",
			env:    map[string]string{"JUPYTER_DATA_DIR": "/srv/jdata", "XDG_DATA_HOME": "/srv/xdg"},
			target: Target{User: true},
			want:   func(string) string { return "/srv/jdata/kernels/gocurrent" },
		},
		{
			name:   "user/XDG_DATA_HOME",
			env:    map[string]string{"XDG_DATA_HOME": "/srv/xdg"},
			target: Target{User: true},
			want:   func(string) string { return "/srv/xdg/jupyter/kernels/gocurrent" },
		},
		{
			name:   "user/home",
			target: Target{User: true},
			want: func(home string) string {
				if runtime.GOOS == "darwin" {
					return filepath.Join(home, "Library/Jupyter/kernels/gocurrent")
				}
				return filepath.Join(home, ".local/share/jupyter/kernels/gocurrent")
			},
		},
		{
			name:   "sys-prefix/VIRTUAL_ENV",
			env:    map[string]string{"VIRTUAL_ENV": "/venv", "CONDA_PREFIX": "/conda"},
			target: Target{SysPrefix: true},
			want:   func(string) string { return "/venv/share/jupyter/kernels/gocurrent" },
		},
		{
			name:   "sys-prefix/CONDA_PREFIX",
			env:    map[string]string{"CONDA_PREFIX": "/conda"},
			target: Target{SysPrefix: true},
			want:   func(string) string { return "/conda/share/jupyter/kernels/gocurrent" },
		},
		{
			name:   "sys-prefix/default",
			target: Target{SysPrefix: true},
			want:   func(string) string { return "/usr/local/share/jupyter/kernels/gocurrent" },
		},
		{
			name:   "prefix/absolute",
			target: Target{Prefix: "/opt/jupyter"},
			want:   func(string) string { return "/opt/jupyter/share/jupyter/kernels/gocurrent" },
		},
		{
			name:   "prefix/relative",
			target: Target{Prefix: "build"},
			want:   func(string) string { return abs("build/share/jupyter/kernels/gocurrent") },
		},
		{name: "zero target", target: Target{}, wantErr: true},
		{name: "user and sys-prefix", target: Target{User: true, SysPrefix: true}, wantErr: true},
		{name: "user and prefix", target: Target{User: true, Prefix: "/x"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := isolate(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, err := Dir(tt.target)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Dir(%v) = %q, want error", tt.target, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Dir(%v): %v", tt.target, err)
			}
			if want := filepath.FromSlash(tt.want(home)); got != want {
				t.Errorf("Dir(%v) = %q, want %q", tt.target, got, want)
			}
		})
	}
}

func TestUserDataDirByOS(t *testing.T) {
	home := isolate(t)
	tests := []struct {
		goos, xdg, want string
	}{
		{"linux", "", filepath.Join(home, ".local", "share", "jupyter")},
		{"linux", "/xdg", "/xdg/jupyter"},
		{"freebsd", "", filepath.Join(home, ".local", "share", "jupyter")},
		{"darwin", "", filepath.Join(home, "Library", "Jupyter")},
		{"darwin", "/xdg", filepath.Join(home, "Library", "Jupyter")},
	}
	for _, tt := range tests {
		t.Run(tt.goos+"/xdg="+tt.xdg, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", tt.xdg)
			got, err := userDataDir(tt.goos)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("userDataDir(%q) = %q, want %q", tt.goos, got, tt.want)
			}
		})
	}
}

// checkSpecDir verifies the files Install wrote into dir for binary.
func checkSpecDir(t *testing.T, dir, binary string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"}; !slices.Equal(names, want) {
		t.Errorf("files in %s = %q, want %q", dir, names, want)
	}

	js, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(js, []byte("{\n  \"")) {
		t.Errorf("kernel.json is not indented JSON:\n%s", js)
	}
	var got map[string]any
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatalf("kernel.json: %v\n%s", err, js)
	}
	want := map[string]any{
		"argv":           []any{binary, "kernel", "{connection_file}"},
		"display_name":   "Go (gocurrent)",
		"language":       "go",
		"interrupt_mode": "message",
		"metadata":       map[string]any{"debugger": false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kernel.json = %v, want %v", got, want)
	}

	for _, logo := range []struct {
		name string
		size int
	}{{"logo-32x32.png", 32}, {"logo-64x64.png", 64}} {
		b, err := os.ReadFile(filepath.Join(dir, logo.name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", logo.name, err)
		}
		if r := img.Bounds(); r.Dx() != logo.size || r.Dy() != logo.size {
			t.Errorf("%s is %dx%d, want %dx%d", logo.name, r.Dx(), r.Dy(), logo.size, logo.size)
		}
		if len(b) > 10<<10 {
			t.Errorf("%s is %d bytes, want < 10 KB", logo.name, len(b))
		}
	}

	svg, err := os.ReadFile(filepath.Join(dir, "logo-svg.svg"))
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg)
}

// checkSVG parses svg as XML and checks the root is an <svg> element with
// viewBox 0 0 64 64.
func checkSVG(t *testing.T, svg []byte) {
	t.Helper()
	var root struct {
		XMLName xml.Name
		ViewBox string `xml:"viewBox,attr"`
	}
	if err := xml.Unmarshal(svg, &root); err != nil {
		t.Fatalf("logo-svg.svg: %v", err)
	}
	if root.XMLName.Local != "svg" || root.XMLName.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("SVG root is %v, want svg in the SVG namespace", root.XMLName)
	}
	if root.ViewBox != "0 0 64 64" {
		t.Errorf("SVG viewBox = %q, want \"0 0 64 64\"", root.ViewBox)
	}
	// The whole document must be well-formed, not just the root start tag.
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		if _, err := d.Token(); err != nil {
			if err != io.EOF {
				t.Errorf("logo-svg.svg: %v", err)
			}
			break
		}
	}
}

func TestInstall(t *testing.T) {
	tests := []struct {
		name   string
		target func(tmp string) Target
		env    func(tmp string) map[string]string
		want   func(tmp string) string
	}{
		{
			name:   "prefix",
			target: func(tmp string) Target { return Target{Prefix: filepath.Join(tmp, "prefix")} },
			want:   func(tmp string) string { return filepath.Join(tmp, "prefix/share/jupyter/kernels/gocurrent") },
		},
		{
			name:   "user",
			target: func(string) Target { return Target{User: true} },
			env: func(tmp string) map[string]string {
				return map[string]string{"JUPYTER_DATA_DIR": filepath.Join(tmp, "data")}
			},
			want: func(tmp string) string { return filepath.Join(tmp, "data/kernels/gocurrent") },
		},
		{
			name:   "sys-prefix",
			target: func(string) Target { return Target{SysPrefix: true} },
			env: func(tmp string) map[string]string {
				return map[string]string{"VIRTUAL_ENV": filepath.Join(tmp, "venv")}
			},
			want: func(tmp string) string { return filepath.Join(tmp, "venv/share/jupyter/kernels/gocurrent") },
		},
	}
	const binary = "/opt/gocurrent/bin/gocurrent"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			tmp := t.TempDir()
			if tt.env != nil {
				for k, v := range tt.env(tmp) {
					t.Setenv(k, v)
				}
			}
			target := tt.target(tmp)
			dir, err := Install(target, binary)
			if err != nil {
				t.Fatalf("Install: %v", err)
			}
			if want := filepath.FromSlash(tt.want(tmp)); dir != want {
				t.Errorf("Install dir = %q, want %q", dir, want)
			}
			checkSpecDir(t, dir, binary)
			first := snapshot(t, dir)

			// Re-installing replaces the files with identical ones and
			// leaves no temporary files behind.
			dir2, err := Install(target, binary)
			if err != nil {
				t.Fatalf("second Install: %v", err)
			}
			if dir2 != dir {
				t.Errorf("second Install dir = %q, want %q", dir2, dir)
			}
			checkSpecDir(t, dir, binary)
			if second := snapshot(t, dir); !reflect.DeepEqual(first, second) {
				t.Errorf("re-install changed the files")
			}

			// Re-installing for another binary updates kernel.json.
			if _, err := Install(target, "/other/gocurrent"); err != nil {
				t.Fatal(err)
			}
			checkSpecDir(t, dir, "/other/gocurrent")
		})
	}
}

// snapshot returns the contents of the files in dir by name.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}

func TestInstallRelativeBinary(t *testing.T) {
	isolate(t)
	tmp := t.TempDir()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ binary, want string }{
		{"gocurrent", "gocurrent"}, // bare name: looked up in PATH by Jupyter
		{"./bin/gocurrent", filepath.Join(wd, "bin", "gocurrent")},
		{"/abs/gocurrent", "/abs/gocurrent"},
	}
	for _, tt := range tests {
		dir, err := Install(Target{Prefix: tmp}, tt.binary)
		if err != nil {
			t.Fatal(err)
		}
		checkSpecDir(t, dir, tt.want)
	}
}

func TestInstallErrors(t *testing.T) {
	isolate(t)
	tmp := t.TempDir()
	// A file where a directory must go.
	blocker := filepath.Join(tmp, "blocked")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		target Target
		binary string
		inMsg  string
	}{
		{"empty binary", Target{Prefix: tmp}, "", "empty kernel binary"},
		{"not a directory", Target{Prefix: blocker}, "/bin/gocurrent", filepath.Join(blocker, "share", "jupyter", "kernels", "gocurrent")},
		{"bad target", Target{}, "/bin/gocurrent", "exactly one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Install(tt.target, tt.binary)
			if err == nil {
				t.Fatal("Install succeeded, want error")
			}
			if !strings.Contains(err.Error(), tt.inMsg) {
				t.Errorf("error %q does not mention %q", err, tt.inMsg)
			}
		})
	}
}

func TestUninstall(t *testing.T) {
	tests := []struct {
		name   string
		target func(tmp string) Target
	}{
		{"prefix", func(tmp string) Target { return Target{Prefix: tmp} }},
		{"user", func(string) Target { return Target{User: true} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			tmp := t.TempDir()
			target := tt.target(tmp)
			if removed, err := Uninstall(target); err != nil || removed {
				t.Fatalf("Uninstall before Install = %v, %v; want false, nil", removed, err)
			}
			dir, err := Install(target, "/bin/gocurrent")
			if err != nil {
				t.Fatal(err)
			}
			removed, err := Uninstall(target)
			if err != nil || !removed {
				t.Fatalf("Uninstall = %v, %v; want true, nil", removed, err)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s still exists after Uninstall (stat: %v)", dir, err)
			}
			// The parent kernels directory is left alone.
			if _, err := os.Stat(filepath.Dir(dir)); err != nil {
				t.Errorf("kernels dir: %v", err)
			}
			if removed, err := Uninstall(target); err != nil || removed {
				t.Errorf("second Uninstall = %v, %v; want false, nil", removed, err)
			}
		})
	}
	if _, err := Uninstall(Target{}); err == nil {
		t.Error("Uninstall(Target{}) succeeded, want error")
	}
}

func TestEmbeddedLogos(t *testing.T) {
	for _, name := range logoFiles() {
		b, err := logos.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		disk, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, disk) {
			t.Errorf("embedded %s differs from the file", name)
		}
	}
	svg, err := logos.ReadFile("logo-svg.svg")
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg)
}

func TestStableBinary(t *testing.T) {
	content := []byte("#!/bin/sh\necho fake gocurrent\n")
	tests := []struct {
		name string
		// layout creates the executable under root and returns its path
		// and the transient directories to use.
		layout   func(t *testing.T, root string) (exe string, transient []string)
		wantCopy bool
	}{
		{
			name: "go run build dir under temp",
			layout: func(t *testing.T, root string) (string, []string) {
				tmp := filepath.Join(root, "tmp")
				return writeExe(t, filepath.Join(tmp, "go-build123", "b001", "exe", "gocurrent"), content), []string{tmp}
			},
			wantCopy: true,
		},
		{
			name: "under temp dir",
			layout: func(t *testing.T, root string) (string, []string) {
				tmp := filepath.Join(root, "tmp")
				return writeExe(t, filepath.Join(tmp, "x", "gocurrent"), content), []string{filepath.Join(root, "cache"), tmp}
			},
			wantCopy: true,
		},
		{
			name: "go-build dir outside the listed dirs",
			layout: func(t *testing.T, root string) (string, []string) {
				return writeExe(t, filepath.Join(root, "gotmp", "go-build42", "b001", "exe", "gocurrent"), content), nil
			},
			wantCopy: true,
		},
		{
			name: "symlink into temp dir",
			layout: func(t *testing.T, root string) (string, []string) {
				tmp := filepath.Join(root, "tmp")
				real := writeExe(t, filepath.Join(tmp, "gocurrent"), content)
				link := filepath.Join(root, "bin", "gocurrent")
				mkdir(t, filepath.Dir(link))
				if err := os.Symlink(real, link); err != nil {
					t.Fatal(err)
				}
				return link, []string{tmp}
			},
			wantCopy: true,
		},
		{
			name: "installed binary",
			layout: func(t *testing.T, root string) (string, []string) {
				return writeExe(t, filepath.Join(root, "usr", "bin", "gocurrent"), content), []string{filepath.Join(root, "tmp")}
			},
		},
		{
			name: "symlink to installed binary",
			layout: func(t *testing.T, root string) (string, []string) {
				real := writeExe(t, filepath.Join(root, "opt", "gocurrent-1.0"), content)
				link := filepath.Join(root, "tmp", "gocurrent")
				mkdir(t, filepath.Dir(link))
				if err := os.Symlink(real, link); err != nil {
					t.Fatal(err)
				}
				return link, []string{filepath.Join(root, "tmp")}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := filepath.EvalSymlinks(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			exe, transient := tt.layout(t, root)
			resolved, err := filepath.EvalSymlinks(exe)
			if err != nil {
				t.Fatal(err)
			}
			data := filepath.Join(root, "data")
			got, err := stableBinary(exe, data, transient)
			if err != nil {
				t.Fatalf("stableBinary: %v", err)
			}
			if !tt.wantCopy {
				if got != resolved {
					t.Errorf("stableBinary = %q, want %q", got, resolved)
				}
				if _, err := os.Stat(filepath.Join(data, "gocurrent")); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("stableBinary copied a stable executable (stat: %v)", err)
				}
				return
			}
			want := filepath.Join(data, "gocurrent", "bin", "gocurrent")
			if got != want {
				t.Fatalf("stableBinary = %q, want %q", got, want)
			}
			checkCopy(t, got, content)

			// Running again (for example from the copy, or after a
			// rebuild) replaces the copy and leaves no temporary files.
			newContent := append(slices.Clone(content), "# v2\n"...)
			if err := os.WriteFile(resolved, newContent, 0o755); err != nil {
				t.Fatal(err)
			}
			if got, err := stableBinary(exe, data, transient); err != nil || got != want {
				t.Fatalf("second stableBinary = %q, %v; want %q", got, err, want)
			}
			checkCopy(t, want, newContent)
			if got, err := stableBinary(want, data, transient); err != nil || got != want {
				t.Fatalf("stableBinary from the copy = %q, %v; want %q", got, err, want)
			}
			entries, err := os.ReadDir(filepath.Dir(want))
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				t.Errorf("bin dir holds %d entries, want 1", len(entries))
			}
		})
	}
}

func TestStableBinaryMissing(t *testing.T) {
	root := t.TempDir()
	_, err := stableBinary(filepath.Join(root, "nope"), filepath.Join(root, "data"), []string{root})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("stableBinary(missing) error = %v, want one naming the path", err)
	}
}

// TestStableBinaryTestExecutable runs the exported function on the test
// binary itself, which `go test` builds in a go-build temporary directory.
func TestStableBinaryTestExecutable(t *testing.T) {
	isolate(t)
	data := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", data)
	got, err := StableBinary()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(data, "gocurrent", "bin", "gocurrent"); got != want {
		t.Fatalf("StableBinary = %q, want %q", got, want)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	checkCopy(t, got, orig)
}

func checkCopy(t *testing.T, path string, want []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		t.Errorf("%s: content differs from the executable", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o755 {
		t.Errorf("%s mode = %v, want 0755", path, fi.Mode().Perm())
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeExe(t *testing.T, path string, content []byte) string {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, content, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestJupyterKernelspecList checks that Jupyter itself finds a Prefix
// install through JUPYTER_PATH.
func TestJupyterKernelspecList(t *testing.T) {
	const jupyter = "/usr/bin/jupyter"
	if _, err := os.Stat(jupyter); err != nil {
		t.Fatalf("%s not found (%v): install the Debian package jupyter-client (apt-get install -y jupyter-client)", jupyter, err)
	}
	home := isolate(t)
	prefix := t.TempDir()
	dir, err := Install(Target{Prefix: prefix}, "/opt/gocurrent/bin/gocurrent")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(jupyter, "kernelspec", "list", "--json")
	cmd.Env = append(os.Environ(),
		"JUPYTER_PATH="+filepath.Join(prefix, "share", "jupyter"),
		"JUPYTER_DATA_DIR="+filepath.Join(home, "jupyter-data"),
		"JUPYTER_CONFIG_DIR="+filepath.Join(home, "jupyter-config"),
		"PYDEVD_DISABLE_FILE_VALIDATION=1",
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, stderr.Bytes())
	}
	var list struct {
		Kernelspecs map[string]struct {
			ResourceDir string `json:"resource_dir"`
			Spec        struct {
				Argv          []string `json:"argv"`
				DisplayName   string   `json:"display_name"`
				Language      string   `json:"language"`
				InterruptMode string   `json:"interrupt_mode"`
			} `json:"spec"`
		} `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("parse %s output: %v\n%s", cmd, err, out)
	}
	ks, ok := list.Kernelspecs[Name]
	if !ok {
		t.Fatalf("jupyter kernelspec list does not list %q:\n%s", Name, out)
	}
	if ks.Spec.DisplayName != "Go (gocurrent)" {
		t.Errorf("display_name = %q, want %q", ks.Spec.DisplayName, "Go (gocurrent)")
	}
	if ks.Spec.Language != "go" || ks.Spec.InterruptMode != "message" {
		t.Errorf("language, interrupt_mode = %q, %q; want go, message", ks.Spec.Language, ks.Spec.InterruptMode)
	}
	if want := []string{"/opt/gocurrent/bin/gocurrent", "kernel", "{connection_file}"}; !slices.Equal(ks.Spec.Argv, want) {
		t.Errorf("argv = %q, want %q", ks.Spec.Argv, want)
	}
	if ks.ResourceDir != dir {
		t.Errorf("resource_dir = %q, want %q", ks.ResourceDir, dir)
	}
}

func TestTransientDirs(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("GOCACHE", cache)
	t.Setenv("GOTMPDIR", "/gotmp")
	dirs := transientDirs()
	for _, want := range []string{os.TempDir(), "/gotmp", cache} {
		if !slices.Contains(dirs, want) {
			t.Errorf("transientDirs() = %q, missing %q", dirs, want)
		}
	}
	tests := []struct {
		path string
		want bool
	}{
		{filepath.Join(os.TempDir(), "x", "gocurrent"), true},
		{filepath.Join(cache, "ab", "gocurrent"), true},
		{"/gotmp/gocurrent", true},
		{"/gotmpx/gocurrent", false},
		{"/usr/local/bin/gocurrent", false},
		{"/home/u/go-build7/b001/exe/gocurrent", true},
	}
	for _, tt := range tests {
		if got := isTransient(tt.path, dirs); got != tt.want {
			t.Errorf("isTransient(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestClosedToOthers(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Directories above the test's own may be closed on some machines.
	above := ClosedToOthers(dir)
	open := filepath.Join(dir, "bin")
	bin := filepath.Join(open, "gocurrent")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The walk goes upward and stops at the first closed path.
	if got := ClosedToOthers(bin); got != above {
		t.Errorf("open binary: ClosedToOthers = %q, want %q", got, above)
	}
	if err := os.Chmod(bin, 0o750); err != nil {
		t.Fatal(err)
	}
	if got := ClosedToOthers(bin); got != bin {
		t.Errorf("binary closed to others: ClosedToOthers = %q, want %q", got, bin)
	}
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if got := ClosedToOthers(bin); got != open {
		t.Errorf("directory closed to others: ClosedToOthers = %q, want %q", got, open)
	}
	missing := filepath.Join(dir, "nowhere", "gocurrent")
	if got := ClosedToOthers(missing); got != missing {
		t.Errorf("missing binary: ClosedToOthers = %q, want %q", got, missing)
	}
}
