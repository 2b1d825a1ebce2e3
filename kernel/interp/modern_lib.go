package interp

import (
	"bytes"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf16"

	"github.com/traefik/yaegi/interp"
	gen "github.com/traefik/yaegi/stdlib/generic"
)

// The library: what the interpreter's standard library (Go 1.22's) lacks
// and cells use, written in Go. The generic functions (slices, maps, cmp,
// iter, sync.OnceValue, the builtins min and max) are never given to the
// interpreter as generic code, whose generics are fragile (x := f(y) with
// a generic f can crash it): each call is replaced by a copy of the
// function with the call's type arguments filled in (see instantiate in
// modern.go). Non-generic functions come from the worker's own standard
// library (Go 1.26) as symbols.

//go:embed modern_lib_*.go.txt
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

// nativePath is the import path of the native helpers (println, clear).
const nativePath = "gocurrent/modern"

// nativeAlias is the name rewritten cells use for the native helpers.
const nativeAlias = "_gocurrentM"

// nativeStub declares the native helpers for go/types.
const nativeStub = `package modern

func Println(a ...any)      {}
func Print(a ...any)        {}
func Clear(x any)           {}
func NegZero(x any) bool    { return false }
func Comparable(x any) bool { return false }
func Unwrap(err error) error { return nil }
func UnwrapAll(err error) []error { return nil }
func IsMethod(err, target error) bool { return false }
` + selectStub

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
	lib.native, err = (&types.Config{}).Check(nativePath, fset, []*ast.File{nf}, nil)
	if err != nil {
		lib.err = err
		return lib
	}
	names, _ := fs.Glob(libFiles, "modern_lib_*.go.txt")
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
	if path == nativePath {
		return li.lib.native, nil
	}
	if p, ok := li.lib.pkgs[path]; ok && p.pkg != nil {
		return p.pkg, nil
	}
	return li.std.ImportFrom(path, dir, mode)
}

// genericNames are the names of the interpreter's own generic standard
// packages (cmp, maps, slices, as yaegi's source), by import path.
var genericNames = sync.OnceValue(func() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, src := range gen.Sources {
		f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		names := map[string]bool{}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						names[sp.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range sp.Names {
							names[n.Name] = true
						}
					}
				}
			}
		}
		out[f.Name.Name] = names
	}
	return out
})

// modernSymbols are the native helpers and the standard library symbols
// of Go 1.23-1.26 that the interpreter's tables (Go 1.22) lack.
func (s *session) modernSymbols() interp.Exports {
	stderr := func() io.Writer { return s.filter }
	native := map[string]reflect.Value{
		"Println":    reflect.ValueOf(func(a ...any) { printArgs(stderr(), a, true) }),
		"Print":      reflect.ValueOf(func(a ...any) { printArgs(stderr(), a, false) }),
		"Clear":      reflect.ValueOf(clearValue),
		"NegZero":    reflect.ValueOf(negZero),
		"Comparable": reflect.ValueOf(func(x any) bool { return x == nil || reflect.TypeOf(x).Comparable() }),
		"Unwrap":     reflect.ValueOf(errors.Unwrap),
		"UnwrapAll": reflect.ValueOf(func(err error) []error {
			if u, ok := err.(interface{ Unwrap() []error }); ok {
				return u.Unwrap()
			}
			return nil
		}),
		"IsMethod": reflect.ValueOf(func(err, target error) bool {
			x, ok := err.(interface{ Is(error) bool })
			return ok && x.Is(target)
		}),
	}
	for name, v := range s.sel.symbols() {
		native[name] = v
	}
	return interp.Exports{
		nativePath + "/modern": native,
		// Packages the interpreter has no symbols of: importing them works,
		// their generic functions are instantiated from the library (iter)
		// or refused with a message (unique, weak).
		"iter/iter":     {},
		"unique/unique": {},
		"weak/weak":     {},
		"strings/strings": {
			"Lines":         reflect.ValueOf(strings.Lines),
			"SplitSeq":      reflect.ValueOf(strings.SplitSeq),
			"SplitAfterSeq": reflect.ValueOf(strings.SplitAfterSeq),
			"FieldsSeq":     reflect.ValueOf(strings.FieldsSeq),
			"FieldsFuncSeq": reflect.ValueOf(strings.FieldsFuncSeq),
		},
		"bytes/bytes": {
			"Lines":         reflect.ValueOf(bytes.Lines),
			"SplitSeq":      reflect.ValueOf(bytes.SplitSeq),
			"SplitAfterSeq": reflect.ValueOf(bytes.SplitAfterSeq),
			"FieldsSeq":     reflect.ValueOf(bytes.FieldsSeq),
			"FieldsFuncSeq": reflect.ValueOf(bytes.FieldsFuncSeq),
		},
		"sync/atomic/atomic": {
			"AndInt32":   reflect.ValueOf(atomic.AndInt32),
			"AndInt64":   reflect.ValueOf(atomic.AndInt64),
			"AndUint32":  reflect.ValueOf(atomic.AndUint32),
			"AndUint64":  reflect.ValueOf(atomic.AndUint64),
			"AndUintptr": reflect.ValueOf(atomic.AndUintptr),
			"OrInt32":    reflect.ValueOf(atomic.OrInt32),
			"OrInt64":    reflect.ValueOf(atomic.OrInt64),
			"OrUint32":   reflect.ValueOf(atomic.OrUint32),
			"OrUint64":   reflect.ValueOf(atomic.OrUint64),
			"OrUintptr":  reflect.ValueOf(atomic.OrUintptr),
		},
		"encoding/binary/binary": {
			"Append": reflect.ValueOf(binary.Append),
			"Encode": reflect.ValueOf(binary.Encode),
			"Decode": reflect.ValueOf(binary.Decode),
		},
		"math/rand/v2/rand": {
			"Uint": reflect.ValueOf(rand.Uint),
		},
		"os/os": {
			"CopyFS": reflect.ValueOf(os.CopyFS),
		},
		"io/fs/fs": {
			"Lstat":    reflect.ValueOf(fs.Lstat),
			"ReadLink": reflect.ValueOf(fs.ReadLink),
		},
		"path/filepath/filepath": {
			"Localize": reflect.ValueOf(filepath.Localize),
		},
		"log/slog/slog": {
			"DiscardHandler":  reflect.ValueOf(&slog.DiscardHandler).Elem(),
			"GroupAttrs":      reflect.ValueOf(slog.GroupAttrs),
			"NewMultiHandler": reflect.ValueOf(slog.NewMultiHandler),
		},
		"unicode/utf16/utf16": {
			"RuneLen": reflect.ValueOf(utf16.RuneLen),
		},
		"unicode/unicode": {
			"CategoryAliases": reflect.ValueOf(&unicode.CategoryAliases).Elem(),
			"Cn":              reflect.ValueOf(&unicode.Cn).Elem(),
			"LC":              reflect.ValueOf(&unicode.LC).Elem(),
		},
	}
}

// printArgs writes a as the builtins print and println do.
func printArgs(w io.Writer, a []any, ln bool) {
	var b []byte
	for i, x := range a {
		if ln && i > 0 {
			b = append(b, ' ')
		}
		b = appendPrint(b, x)
	}
	if ln {
		b = append(b, '\n')
	}
	_, _ = w.Write(b)
}

// appendPrint formats one argument of print as the runtime does.
func appendPrint(b []byte, x any) []byte {
	if x == nil {
		return append(b, "(0x0,0x0)"...)
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10)
	case reflect.Float32:
		return strconv.AppendFloat(b, v.Float(), 'g', -1, 32)
	case reflect.Float64:
		return strconv.AppendFloat(b, v.Float(), 'g', -1, 64)
	case reflect.Complex64:
		return append(b, strconv.FormatComplex(v.Complex(), 'g', -1, 64)...)
	case reflect.Complex128:
		return append(b, strconv.FormatComplex(v.Complex(), 'g', -1, 128)...)
	case reflect.String:
		return append(b, v.String()...)
	case reflect.Pointer, reflect.Chan, reflect.Map, reflect.Func, reflect.UnsafePointer:
		return fmt.Appendf(b, "%#x", v.Pointer())
	case reflect.Slice:
		return fmt.Appendf(b, "[%d/%d]%#x", v.Len(), v.Cap(), v.Pointer())
	}
	return fmt.Appendf(b, "(%v)", x)
}

// clearValue is the builtin clear.
func clearValue(x any) {
	if x == nil {
		return
	}
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		v.Clear()
	}
}

// negZero reports whether x is a floating-point negative zero.
func negZero(x any) bool {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		return f == 0 && math.Signbit(f)
	}
	return false
}
