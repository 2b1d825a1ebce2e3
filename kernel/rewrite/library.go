package rewrite

import (
	"embed"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"strings"
)

// The library: what the interpreter's standard library (Go 1.22's) lacks
// and cells use, written in Go. The generic functions (slices, maps, cmp,
// iter, sync.OnceValue, the builtins min and max) are never given to the
// interpreter as generic code, whose generics are fragile (x := f(y) with
// a generic f can crash it): each call is replaced by a copy of the
// function with the call's type arguments filled in (see generics.go).
// Non-generic functions come from the worker's own standard library (Go
// 1.26) as symbols of the interpreter (see Host).

//go:embed lib/*.go.txt
var libFiles embed.FS

// libPkg is one package of the library.
type libPkg struct {
	name    string // package name and the path go/types knows it by (gocurrent_slices)
	std     string // the standard package it completes ("slices"), "" for builtins
	alias   string // the name cells import it as, in rewritten code
	fset    *token.FileSet
	file    *ast.File
	pkg     *types.Package
	info    *types.Info
	funcs   map[string]*ast.FuncDecl
	types   map[string]*ast.TypeSpec
	methods map[string][]*ast.FuncDecl // by the name of their receiver's type
}

// recvBase is the name of a receiver's type: T in T, *T, T[P], *T[P].
func recvBase(e ast.Expr) string {
	if st, ok := e.(*ast.StarExpr); ok {
		e = st.X
	}
	switch x := e.(type) {
	case *ast.IndexExpr:
		e = x.X
	case *ast.IndexListExpr:
		e = x.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// nativeStub declares the native helpers for go/types.
const nativeStub = `package modern

func Println(a ...any)      {}
func Print(a ...any)        {}
func Clear(x any)           {}
func NegZero(x any) bool    { return false }
func Comparable(x any) bool { return false }
func TypeName(x any) string { return "" }
func Unwrap(err error) error { return nil }
func UnwrapAll(err error) []error { return nil }
func IsMethod(err, target error) bool { return false }
func RangeContinued(state int) {}
func Recovered(v any) any { return v }
func NumGoroutine() int { return 0 }
` + selectStub

// selectStub declares the helpers for go/types.
const selectStub = `
type Case struct{}
func Select(ok *bool, cases ...Case) int { return 0 }
func Recv(ch, dst any) Case { return Case{} }
func Send(ch, v any) Case { return Case{} }
func Default() Case { return Case{} }
`

// library is the parsed and type-checked library, shared by sessions.
type library struct {
	pkgs   map[string]*libPkg // by package name (gocurrent_slices)
	byStd  map[string]*libPkg // by the standard package it completes
	native *types.Package
	err    error
}

// loadLibrary type-checks the library with imp for the standard packages.
func loadLibrary(imp types.ImporterFrom) *library {
	lib := &library{pkgs: map[string]*libPkg{}, byStd: map[string]*libPkg{}}
	fset := token.NewFileSet()
	nf, err := parser.ParseFile(fset, "native.go", nativeStub, 0)
	if err != nil {
		lib.err = err
		return lib
	}
	lib.native, err = (&types.Config{}).Check(NativePath, fset, []*ast.File{nf}, nil)
	if err != nil {
		lib.err = err
		return lib
	}
	names, _ := fs.Glob(libFiles, "lib/*.go.txt")
	for _, n := range names {
		src, _ := libFiles.ReadFile(n)
		f, err := parser.ParseFile(fset, n, src, parser.ParseComments)
		if err != nil {
			lib.err = err
			return lib
		}
		name := f.Name.Name
		p := &libPkg{name: name, std: strings.TrimPrefix(name, "gocurrent_"), fset: fset, file: f,
			funcs: map[string]*ast.FuncDecl{}, types: map[string]*ast.TypeSpec{}, methods: map[string][]*ast.FuncDecl{}}
		switch p.std {
		case "builtin":
			p.std = ""
		case "atomic":
			p.std = "sync/atomic"
		case "errors":
			p.std = "" // only for rewritten calls of errors.As
		}
		p.alias = "_gocurrentL_" + strings.TrimPrefix(name, "gocurrent_")
		lib.pkgs[name] = p
		if p.std != "" {
			lib.byStd[p.std] = p
		}
	}
	// Library packages import only standard packages and the native
	// helpers.
	li := &libImporter{std: imp, lib: lib}
	for _, p := range lib.pkgs {
		p.info = newInfo()
		conf := types.Config{Importer: li, Error: func(err error) {}}
		p.pkg, err = conf.Check(p.name, fset, []*ast.File{p.file}, p.info)
		if err != nil && lib.err == nil {
			lib.err = fmt.Errorf("library %s: %w", p.name, err)
		}
		for _, d := range p.file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					p.funcs[d.Name.Name] = d
				} else if base := recvBase(d.Recv.List[0].Type); base != "" {
					p.methods[base] = append(p.methods[base], d)
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					if ts, ok := sp.(*ast.TypeSpec); ok {
						p.types[ts.Name.Name] = ts
					}
				}
			}
		}
	}
	return lib
}

func newInfo() *types.Info {
	return &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Instances:  map[*ast.Ident]types.Instance{},
		Scopes:     map[ast.Node]*types.Scope{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
}

// libImporter imports the library's packages and the native helpers, and
// the standard library through std.
type libImporter struct {
	std types.ImporterFrom
	lib *library
}

func (li *libImporter) Import(path string) (*types.Package, error) {
	return li.ImportFrom(path, "", 0)
}

func (li *libImporter) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	if path == NativePath {
		return li.lib.native, nil
	}
	if p, ok := li.lib.pkgs[path]; ok && p.pkg != nil {
		return p.pkg, nil
	}
	return li.std.ImportFrom(path, dir, mode)
}
