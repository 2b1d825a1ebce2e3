package compiled

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"

	"github.com/gocurrent/gocurrent/kernel/display"
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
)

//go:embed host/display/display.go
var displayCells string

//go:embed host/rt/rt.go
var runtimeSource string

//go:embed host/proto/proto.go
var protoSource string

// Import paths of this repository that the session's own packages use,
// and the paths they have in the session's module.
var sessionPaths = strings.NewReplacer(
	`"github.com/gocurrent/gocurrent/kernel/compiled/host/display"`, `"`+DisplayPath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/compiled/host/rt"`, `"`+RuntimePath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/display"`, `"`+displayCorePath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/stacks"`, `"`+stacksPath+`"`,
	`"github.com/gocurrent/gocurrent/kernel/compiled/host/proto"`, `"`+protoPath+`"`,
)

// sessionPackages are the session's own packages beside its cells and
// host, each one file, by import path.
func sessionPackages() map[string]string {
	files := displayFiles()
	files[RuntimePath] = runtimeSource
	files[stacksPath] = stacks.Source
	files[protoPath] = sessionPaths.Replace(protoSource)
	return files
}

// displayFiles are the files of the session's display packages, by
// import path.
func displayFiles() map[string]string {
	return map[string]string{displayCorePath: display.Source, DisplayPath: sessionPaths.Replace(displayCells)}
}

// sessionImporter imports the standard library from export data and the
// session's own display package from its source.
type sessionImporter struct {
	std  types.Importer
	pkgs map[string]*types.Package
}

func newSessionImporter(std types.Importer) (*sessionImporter, error) {
	si := &sessionImporter{std: std, pkgs: map[string]*types.Package{}}
	files := displayFiles()
	for _, path := range []string{displayCorePath, DisplayPath} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path+".go", files[path], parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("parse the session's package %s: %w", path, err)
		}
		conf := types.Config{Importer: si}
		pkg, err := conf.Check(path, fset, []*ast.File{f}, nil)
		if err != nil {
			return nil, fmt.Errorf("check the session's package %s: %w", path, err)
		}
		si.pkgs[path] = pkg
	}
	return si, nil
}

func (si *sessionImporter) Import(path string) (*types.Package, error) {
	if pkg, ok := si.pkgs[path]; ok {
		return pkg, nil
	}
	return si.std.Import(path)
}
