package compiled

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/gocurrent/gocurrent/kernel/display"
	"github.com/gocurrent/gocurrent/kernel/procs/pool"
	"github.com/gocurrent/gocurrent/kernel/stacks"
)

// DisplayPath is the import path of the display package in a session's
// module; cells import it as display, automatically. It calls
// displayCorePath, the kernel's own display package built into the
// session's module.
const (
	DisplayPath     = Module + "/display"
	displayCorePath = Module + "/internal/display"
	// RuntimePath is the runtime the conversion of cells calls (rt).
	RuntimePath = Module + "/internal/rt"
	stacksPath  = Module + "/internal/stacks"
	protoPath   = Module + "/internal/proto"
	// ProcsPath is the import path of the procs package of cells, which
	// they import as procs, automatically; procsrtPath is its runtime,
	// poolPath the kernel's process pools built into the module.
	ProcsPath   = Module + "/procs"
	procsrtPath = Module + "/internal/procsrt"
	poolPath    = Module + "/internal/pool"
)

//go:embed host/display/display.go
var displayCells string

//go:embed host/rt/rt.go
var runtimeSource string

//go:embed host/proto/proto.go
var protoSource string

//go:embed host/procs/procs.go
var procsSource string

//go:embed host/procsrt/procsrt.go
var procsrtSource string

// Import paths of this repository that the session's own packages use,
// and the paths they have in the session's module.
var sessionPaths = strings.NewReplacer(
	`"github.com/gocurrent/gocurrent/kernel/compiled/host/display"`, `"`+DisplayPath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/compiled/host/rt"`, `"`+RuntimePath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/display"`, `"`+displayCorePath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/stacks"`, `"`+stacksPath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/compiled/host/proto"`, `"`+protoPath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/compiled/host/procs"`, `"`+ProcsPath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/compiled/host/procsrt"`, `"`+procsrtPath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/procs/pool"`, `"`+poolPath+`"`,
)

// sessionPackages are the session's own packages beside its cells and
// host, by import path: their files by name.
func sessionPackages() map[string]map[string]string {
	one := func(path, src string) map[string]string {
		return map[string]string{path[strings.LastIndex(path, "/")+1:] + ".go": sessionPaths.Replace(src)}
	}
	pkgs := map[string]map[string]string{
		displayCorePath: one(displayCorePath, display.Source),
		DisplayPath:     one(DisplayPath, displayCells),
		RuntimePath:     one(RuntimePath, runtimeSource),
		stacksPath:      one(stacksPath, stacks.Source),
		protoPath:       one(protoPath, protoSource),
		ProcsPath:       one(ProcsPath, procsSource),
		procsrtPath:     one(procsrtPath, procsrtSource),
		poolPath:        {},
	}
	for name, src := range pool.Source() {
		pkgs[poolPath][name] = sessionPaths.Replace(src)
	}
	return pkgs
}

// sessionImporter imports the standard library from export data and the
// session's own packages from their source: display at once, the others
// (procs) when a cell first imports them, their declarations only.
type sessionImporter struct {
	std   types.Importer
	files map[string]map[string]string

	mu   sync.Mutex
	pkgs map[string]*types.Package
}

func newSessionImporter(std types.Importer) (*sessionImporter, error) {
	si := &sessionImporter{std: std, files: sessionPackages(), pkgs: map[string]*types.Package{}}
	for _, path := range []string{displayCorePath, DisplayPath} {
		if _, err := si.Import(path); err != nil {
			return nil, err
		}
	}
	return si, nil
}

func (si *sessionImporter) Import(path string) (*types.Package, error) {
	files, ok := si.files[path]
	if !ok {
		return si.std.Import(path)
	}
	si.mu.Lock()
	pkg := si.pkgs[path]
	si.mu.Unlock()
	if pkg != nil {
		return pkg, nil
	}
	fset := token.NewFileSet()
	var fs []*ast.File
	for _, name := range slices.Sorted(maps.Keys(files)) {
		f, err := parser.ParseFile(fset, name, files[name], parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse the session's package %s: %w", path, err)
		}
		fs = append(fs, f)
	}
	conf := types.Config{Importer: si, IgnoreFuncBodies: true}
	pkg, err := conf.Check(path, fset, fs, nil)
	if err != nil {
		return nil, fmt.Errorf("check the session's package %s: %w", path, err)
	}
	si.mu.Lock()
	defer si.mu.Unlock()
	if old := si.pkgs[path]; old != nil {
		return old, nil // checked meanwhile by another caller
	}
	si.pkgs[path] = pkg
	return pkg, nil
}
